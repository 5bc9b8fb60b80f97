"""it_kiosk_outage: what the kiosk says of the data it shows when the
server goes away, and what it asks the server for.

A database holds one grid site (Asia/Tokyo) whose hourly usage point
(step 3,600 s) reads 80 % at every hour of 27 June 2022 JST up to 14:00.
80 % is in TEPCO's stable band, whose colour #2EB872 (the dark theme's,
from themes/dark.theme) fills the gauge's arc and badge.

(a) A kiosk replays from 14:30 JST at 1200x (20 minutes a second),
playing the grid and QR slides through a proxy that notes each request.
With the server up its frames show the stable colour.  Only the grid's
summary is asked for: the QR slide needs no data, and the household, air
and signage slides are not played.  Then the server is stopped.  The
kiosk's debug log names each frame's clock.  The 14:00 reading is
current up to three steps old, 17:00:00 on the kiosk's clock: frames of
the stale data with a clock up to then still show the band (the header
says "data as of"), and frames after it show no pixel of any band
colour, although the data in memory and in the cache says 80 % at
14:30 (the server's own verdict then was "not stale").
(b) A kiosk with no cache and no server: its frames carry the
"server unreachable" mark, a badge filled with the header colour mixed
28 % toward the stale colour (#111926 and #F59E0B: about (81, 62, 30)),
which a kiosk with data and a server has none of.
"""
import datetime as dt
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

JST = dt.timezone(dt.timedelta(hours=9))
DAY = int(dt.datetime(2022, 6, 27, 0, 0, tzinfo=JST).timestamp())
LAST = DAY + 14 * 3600
FROM = DAY + 14 * 3600 + 1800
TO = FROM + 12 * 3600
HORIZON = LAST + 3 * 3600
W, H = 480, 270
BANDS = [(0x2E, 0xB8, 0x72), (0xF2, 0xC9, 0x4C), (0xF2, 0x80, 0x2A),
         (0xE5, 0x38, 0x3B)]
STABLE = BANDS[0]
# 0x11 + (0xF5 - 0x11) * 0.28 = 80.8, 0x19 + (0x9E - 0x19) * 0.28 = 62.2,
# 0x26 + (0x0B - 0x26) * 0.28 = 30.4.
BADGE = (80.8, 62.2, 30.4)

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "outage.db")
read = it.read_text


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:])


def count(img, rgb, tol=0, rows=None):
    w, h, px = img
    y0, y1 = rows if rows else (0, h)
    n = 0
    for i in range(y0 * w * 3, y1 * w * 3, 3):
        if (abs(px[i] - rgb[0]) <= tol and abs(px[i + 1] - rgb[1]) <= tol
                and abs(px[i + 2] - rgb[2]) <= tol):
            n += 1
    return n


def frames_logged(log):
    """{frame number: (slide, stale, clock)} from the debug log."""
    rx = re.compile(r"frame (\d+): (\w+) slide(?:, fading in)?"
                    r"(, stale data|, server unreachable)?, clock (-?\d+)")
    return {int(m.group(1)): (m.group(2), m.group(3) or "",
                              int(m.group(4)))
            for m in rx.finditer(read(log))}


def frame(d, n):
    path = os.path.join(d, f"frame-{n:06d}.png")
    return it.png_rgb(path) if os.path.exists(path) else None


cli("site", "add", "tepco", "--kind", "grid", "--tz", "Asia/Tokyo")
cli("point", "add", "tepco/usage_hourly", "--site", "tepco", "--quantity",
    "ratio", "--unit", "%", "--step", "3600")
token = cli("device", "add", "--site", "tepco", "gw").stdout.strip()

srv = it.Server(db).start()
status, _, ans = it.http(
    "POST", srv.url + "/api/v1/ingest",
    {"readings": [{"point": "tepco/usage_hourly", "ts": DAY + h * 3600,
                   "value": 80.0} for h in range(15)]},
    {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
c.eq(status, 200, f"ingest: {ans}")
proxy = it.Proxy(srv.url)

# --- (a) -----------------------------------------------------------------
frames = os.path.join(work, "frames-a")
log = os.path.join(work, "kiosk-a.log")
cache = os.path.join(work, "cache-a")
env = dict(os.environ, AKARI_LOG="debug")
k = it.spawn([it.AKARI, "kiosk", "--server", proxy.url, "--replay",
              f"{FROM},{TO}", "--speed", "1200", "--slides", "grid,qr",
              "--qr-url", "https://example.org/", "--slide-seconds", "1000",
              "--fade-seconds", "0", "--fetch-seconds", "0.5",
              "--retry-max", "1", "--cache", cache, "--png-dir", frames,
              "--window", f"{W}x{H}"], log, env=env)
try:
    fresh = it.wait_for(lambda: [n for n, f in frames_logged(log).items()
                                 if f[0] == "grid" and not f[1]])
    c.true(bool(fresh), "(a) a frame of fresh data")
    img = frame(frames, fresh[0]) if fresh else None
    c.true(img is not None and count(img, STABLE) > 200,
           "(a) fresh: the gauge in the stable band's colour")
    asked = sorted({re.sub(r"\?.*", "", s[0]) for s in proxy.seen})
    c.eq(asked, ["/api/v1/sites/tepco/summary"],
         "(a) only the grid's summary is asked for")
    c.true("slide data asked for: grid" in read(log),
           "(a) the kiosk says what it asks for")

    srv.stop()
    gone = max(frames_logged(log))
    past = it.wait_for(lambda: [n for n, f in frames_logged(log).items()
                                if n > gone and f[1] and f[2] > HORIZON
                                and f[2] < TO], timeout=120)
    c.true(bool(past), "(a) frames of the stale data past 17:00")
finally:
    it.stop(k)
    proxy.stop()

logged = frames_logged(log)
before = [n for n, f in logged.items()
          if n > gone and f[1] and f[2] <= HORIZON]
after = [n for n, f in logged.items()
         if n > gone and f[1] and HORIZON < f[2] < TO]
c.true("cannot fetch slide data" in read(log), "(a) the fetch failed")
c.true(len(before) > 0, "(a) stale frames before 17:00")
for n in before[-2:]:
    img = frame(frames, n)
    c.true(img is not None and count(img, STABLE) > 200,
           f"(a) frame {n}, clock {logged[n][2] - LAST} s after 14:00: "
           "still the band's colour")
for n in after[:3]:
    img = frame(frames, n)
    c.true(img is not None, f"(a) frame {n} exists")
    if img:
        c.eq([count(img, b) for b in BANDS], [0, 0, 0, 0],
             f"(a) frame {n}, clock {logged[n][2] - LAST} s after 14:00: "
             "no band's colour")

# --- (b) -----------------------------------------------------------------
fresh_img = frame(frames, fresh[0]) if fresh else None
c.true(fresh_img is not None and
       count(fresh_img, BADGE, tol=2, rows=(0, H // 4)) == 0,
       "(b) a fresh frame has no stale-coloured badge")
frames = os.path.join(work, "frames-b")
log = os.path.join(work, "kiosk-b.log")
k = it.spawn([it.AKARI, "kiosk", "--server",
              f"http://127.0.0.1:{it.free_port()}", "--slides", "grid",
              "--fade-seconds", "0", "--no-cache", "--png-dir", frames,
              "--window", f"{W}x{H}", "--frames", "3"], log, env=env)
try:
    rc = k.wait(timeout=120)
finally:
    it.stop(k)
c.eq(rc, 0, "(b) the kiosk stops after its frames")
logged = frames_logged(log)
c.true(len(logged) >= 1 and
       all(f[1] == ", server unreachable" for f in logged.values()),
       f"(b) every frame says the server is unreachable: {logged}")
img = frame(frames, max(logged)) if logged else None
c.true(img is not None and
       count(img, BADGE, tol=2, rows=(0, H // 4)) > 300,
       "(b) the header has the server-unreachable badge")

c.finish_in(work)
