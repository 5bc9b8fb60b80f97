"""it_kiosk_refresh: new data waits for the next slide, an emergency
message does not.

A database is made with the CLI and TEPCO's 27 June 2022 readings go in
over HTTP in three batches: before 12:00 JST, 12:00 to 13:00, from 13:00
on.  Each kiosk replays 14:00 JST so slowly that its clock stands still
and writes PNG frames (one a second, for the clock), alternating the
grid and solar slides with cuts.

(a) While the first batch is on screen and a slide has just started,
the second goes in.  The kiosk fetches it within a second and logs that
it holds it for the next slide; every frame after that, up to the next
slide, is still the old picture of the slide on screen, and the frame
that changes is the other slide drawn from the new data.  The next
period of the first slide shows its new data too.
(b) A kiosk with a display id, the third batch held the same way: an
emergency message set then is the very next picture, before the slide
on screen ends, rather than waiting for it.

Expected pictures come from `akari render`, a separate command that
shares no state with the kiosk, drawn before and after each batch.
"""
import datetime as dt
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
NOON = int(dt.datetime(2022, 6, 27, 12, 0, tzinfo=JST).timestamp())
ONE = int(dt.datetime(2022, 6, 27, 13, 0, tzinfo=JST).timestamp())
W, H = 320, 180
RED = (0xE5, 0x38, 0x3B)  # the dark theme's very-tight colour
TEPCO_POINTS = [
    ("tepco/demand", "power", "kW", 300),
    ("tepco/solar", "power", "kW", 300),
    ("tepco/demand_hourly", "power", "kW", 3600),
    ("tepco/forecast_hourly", "power", "kW", 3600),
    ("tepco/supply_hourly", "power", "kW", 3600),
    ("tepco/usage_hourly", "ratio", "%", 3600)]

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "refresh.db")
procs = []


def frame(d, n):
    return it.png_rgb(os.path.join(d, f"frame-{n:06d}.png"))


def next_frame(d, n):
    """The first frame numbered above n, once it exists, and its number."""
    got = it.wait_for(lambda: [k for k in it.frame_numbers(d) if k > n])
    if not got:
        return None, n
    return frame(d, got[0]), got[0]


def render(url, slide, name):
    path = os.path.join(work, name + ".png")
    it.run("render", "--server", url, "--slide", slide, "--at", str(FROM),
           "--size", f"{W}x{H}", "--replay", "-o", path)
    return it.png_rgb(path)


def ingest(url, token, rows, what):
    body = {"readings": [{"point": k, "ts": ts, "value": v}
                         for k, ts, v in rows]}
    status, _, answer = it.http("POST", url + "/api/v1/ingest", body, {
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json"})
    c.eq(status, 200, what + ": ingest status")


def kiosk(url, frames, log, slide_seconds, *extra):
    env = dict(os.environ, AKARI_LOG="debug")
    with open(log, "w") as f:
        p = subprocess.Popen(
            [it.AKARI, "kiosk", "--server", url, "--replay",
             f"{FROM},{TO}", "--speed", "0.001", "--slides", "grid,solar",
             "--slide-seconds", str(slide_seconds), "--fade-seconds", "0",
             "--fetch-seconds", "0.5", "--retry-max", "1", "--no-cache",
             "--png-dir", frames, "--window", f"{W}x{H}", *extra],
            stdout=f, stderr=subprocess.STDOUT, env=env)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def slide_starts(frames, n):
    """Waits for the first frame above n that differs from the one before
    it, a slide's start; its number, or None."""
    prev, n = next_frame(frames, n)
    while prev is not None:
        cur, k = next_frame(frames, n)
        if cur is None:
            return None
        if cur != prev:
            return k
        prev, n = cur, k
    return None


def held_after(log, start):
    """The log's text past offset start once it says it holds new data."""
    return it.wait_for(lambda: "held for the next slide" in read(log)[start:])


def phase_a(url, token, batch):
    frames = os.path.join(work, "frames-a")
    log = os.path.join(work, "kiosk-a.log")
    old = {s: render(url, s, s + "-old") for s in ("grid", "solar")}
    p = kiosk(url, frames, log, 5)
    c.true(it.wait_for(lambda: "first frame shown" in read(log)),
           "(a) the kiosk shows a frame")

    # Right after a slide starts, so that the batch lands inside it.
    k = slide_starts(frames, 0)
    c.true(k is not None, "(a) a slide starts")
    if k is None:
        stop(p)
        return
    on = frame(frames, k)
    c.true(on in old.values(), "(a) the slide on screen is an old picture")
    mark = len(read(log))
    ingest(url, token, batch, "(a) 12:00 to 13:00")
    new = {s: render(url, s, s + "-new") for s in ("grid", "solar")}
    c.true(all(new[s] != old[s] for s in new), "(a) the batch changes both")
    c.true(held_after(log, mark), "(a) the kiosk holds the new data")

    # From the frame on screen when the kiosk held the data, up to the
    # first that differs: all the old picture.
    n = it.frame_numbers(frames)[-1]
    showing = frame(frames, n)
    c.true(showing == on, "(a) the slide on screen did not change at once")
    other = [s for s in old if old[s] != on]
    while True:
        got, n = next_frame(frames, n)
        if got is None or got != showing:
            break
    c.true(got is not None and got == new[other[0]] if other else False,
           "(a) the next slide is drawn from the new data")
    again = slide_starts(frames, n)
    back = [s for s in old if old[s] == on]
    c.true(again is not None and back and
           frame(frames, again) == new[back[0]],
           "(a) the slide that held the old data shows the new on its turn")
    c.eq(stop(p), 0, "(a) the kiosk stops cleanly")


def phase_b(url, token, admin, batch):
    frames = os.path.join(work, "frames-b")
    log = os.path.join(work, "kiosk-b.log")
    p = kiosk(url, frames, log, 12, "--display-id", "hall-1")
    c.true(it.wait_for(lambda: "first frame shown" in read(log)),
           "(b) the kiosk shows a frame")
    k = slide_starts(frames, 0)
    c.true(k is not None, "(b) a slide starts")
    if k is None:
        stop(p)
        return
    mark = len(read(log))
    ingest(url, token, batch, "(b) from 13:00")
    c.true(held_after(log, mark), "(b) the kiosk holds the new data")
    n = it.frame_numbers(frames)[-1]
    showing = frame(frames, n)
    s, _, b = it.http("POST", url + "/api/v1/emergency",
                      {"message": "駅構内で停電しています"},
                      {"Authorization": "Bearer " + admin,
                       "Content-Type": "application/json"})
    c.eq(s, 201, "(b) the emergency message set")
    while True:
        got, n = next_frame(frames, n)
        if got is None or got != showing:
            break
    red = 0
    if got is not None:
        w, h, px = got
        red = sum(1 for i in range(0, len(px), 3)
                  if tuple(px[i:i + 3]) == RED) / (w * h)
    c.true(red > 0.5, f"(b) the next picture is the emergency message "
           f"({red:.0%} of it the very-tight colour)")
    c.true(f"showing the emergency message (log {b.get('id')})" in
           read(log), "(b) the kiosk logs it")
    c.eq(stop(p), 0, "(b) the kiosk stops cleanly")


def main():
    rows = it.tepco_readings(os.path.join(
        it.DATA, "tepco", "20220627_power_usage.csv"))
    batches = [[r for r in rows if r[1] < NOON],
               [r for r in rows if NOON <= r[1] < ONE],
               [r for r in rows if r[1] >= ONE]]
    c.true(all(len(b) > 10 for b in batches), "readings in each batch")

    def cli(*args):
        return it.run(*args[:2], "--db", db, *args[2:]).stdout

    admin = it.run("admin", "token", "add", "--db", db,
                   "desk").stdout.split()[0]
    cli("site", "add", "tepco", "--kind", "grid", "--tz", "Asia/Tokyo")
    token = cli("device", "add", "--site", "tepco", "logger").strip()
    cli("device", "add", "--site", "tepco", "--kind", "display", "hall-1")
    for key, q, unit, step in TEPCO_POINTS:
        cli("point", "add", key, "--site", "tepco", "--quantity", q,
            "--unit", unit, "--step", str(step))

    srv = it.Server(db).start()
    try:
        ingest(srv.url, token, batches[0], "before 12:00")
        phase_a(srv.url, token, batches[1])
        phase_b(srv.url, token, admin, batches[2])
    finally:
        for p in procs:
            stop(p)
        srv.stop()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
