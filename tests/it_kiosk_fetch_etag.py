"""it_kiosk_fetch_etag: the kiosk asks for its slide data at the minute
on its clock and sends each answer's ETag back.

TEPCO's 27 June 2022 is imported and served.  A kiosk fetches through a
small proxy in this file, which forwards every request to `akari serve`
and notes its path, its If-None-Match header, and the status and ETag of
the answer.

(a) Replaying 14:00:00 JST so slowly that its clock stands still, and
fetching every 0.5 s for 6 s: every request asks for at = 14:00:59, the
last second of the clock's minute (so the 14:00:00 readings are in).
Only the grid site's summary is asked for, the one part of the slide
data the grid slide shows: its first request has no If-None-Match and
is a 200; every later one carries the ETag of the last 200 and is
answered 304, so there is one 200.  The kiosk says nothing of a failed fetch,
and its last frame is the grid slide as `akari render` draws it at
14:00:59 (a separate command that shares no state with the kiosk), so
the answers it did not get again are still what it shows.
(b) Replaying from 14:00:30 at 20x for 6 s (the clock passes 14:01 and
14:02): every `at` asked for is the last second of a minute, no later
than the end of the clock's minute (the replay's start plus 20 times the
seconds played, 14:03 at most),
at least two of them; the first request of each path at a new minute is
a 200, since the answer names its time.
"""
import datetime as dt
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
W, H = 320, 180

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "etag.db")


class Proxy(it.Proxy):
    def data_requests(self):
        """The slide data asked for: the grid site's summary, and the
        signage figures should the kiosk ask for them."""
        return [s for s in self.seen
                if "/tepco/summary?" in s[0] or "/signage?" in s[0]]


def at_of(path):
    return int(re.search(r"[?&]at=(\d+)", path).group(1))


def key_of(path):
    """The request without its time: the same data asked for again."""
    return re.sub(r"at=\d+", "at=", path)


def kiosk(url, log, png, start, speed):
    p = it.spawn([it.AKARI, "kiosk", "--server", url, "--replay",
                  f"{start},{TO}", "--speed", speed, "--slides", "grid",
                  "--fetch-seconds", "0.5", "--fade-seconds", "0",
                  "--no-cache", "--png-dir", png, "--window", f"{W}x{H}",
                  "--duration", "6"], log)
    try:
        rc = p.wait(timeout=120)
    finally:
        it.stop(p)
    return rc


def phase_a(srv):
    px = Proxy(srv.url)
    png = os.path.join(work, "png-a")
    log = os.path.join(work, "kiosk-a.log")
    try:
        c.eq(kiosk(px.url, log, png, FROM, "0.001"), 0,
             "(a) the kiosk stops after its duration")
    finally:
        px.stop()
    seen = px.data_requests()
    c.true(len(seen) >= 2 * 4, f"(a) several fetches of the two "
           f"requests ({len(seen)} requests)")
    c.eq(sorted({at_of(s[0]) for s in seen}), [FROM + 59],
         "(a) the times asked for")
    last_etag, bad, full = {}, [], {}
    for path, inm, status, etag in seen:
        k = key_of(path)
        want = (None, 200) if k not in last_etag else (last_etag[k], 304)
        if (inm, status) != want:
            bad.append((path, inm, status, want))
        if status == 200:
            last_etag[k] = etag
            full[k] = full.get(k, 0) + 1
    c.eq(bad, [], "(a) requests whose If-None-Match or status is not the "
         "one expected")
    c.eq(sorted(full.values()), [1], "(a) one full answer per "
         "request")
    text = it.read_text(log)
    c.true("cannot fetch" not in text, "(a) no fetch failed")
    nums = it.frame_numbers(png)
    ref = os.path.join(work, "ref-grid.png")
    it.run("render", "--server", srv.url, "--slide", "grid", "--at",
           str(FROM + 59), "--size", f"{W}x{H}", "--replay", "-o", ref)
    c.true(nums and it.png_rgb(os.path.join(
        png, f"frame-{nums[-1]:06d}.png")) == it.png_rgb(ref),
        "(a) the last frame is the grid slide as akari render draws it")


def phase_b(srv):
    px = Proxy(srv.url)
    png = os.path.join(work, "png-b")
    log = os.path.join(work, "kiosk-b.log")
    start = FROM + 30
    try:
        c.eq(kiosk(px.url, log, png, start, "20"), 0,
             "(b) the kiosk stops after its duration")
    finally:
        px.stop()
    seen = px.data_requests()
    ats = sorted({at_of(s[0]) for s in seen})
    c.eq([a for a in ats if a % 60 != 59], [], "(b) times that are not "
         "a minute's last second")
    # 6 s at 20x, plus a second for a slow start or stop.
    c.true(len(ats) >= 2 and ats[0] == FROM + 59 and
           ats[-1] <= start + 20 * 7 + 59,
           f"(b) the minutes asked for follow the clock ({ats})")
    first = {}
    for path, inm, status, etag in seen:
        first.setdefault(path, status)
    c.eq(sorted(p for p, s in first.items() if s != 200), [],
         "(b) first requests of a minute that were not a 200")


it.run("import", "--db", db, "--format", "tepco-daily",
       os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
with it.Server(db) as srv:
    phase_a(srv)
    phase_b(srv)
c.finish_in(work)
