"""it_display_ops: screen care and a display server that goes away.

(a) Screen care, on PNG frames.  TEPCO's 27 June 2022 readings are in
the database; the kiosk replays 14:00 JST so slowly that its clock
stands still, so each frame is the picture `akari render` draws at
14:00 (a separate command, sharing no state with the kiosk):
- with --dim over the whole day at 50 %, every channel of every pixel
  is half the rendered one (to within Cairo's rounding, 1 of 255);
- with --pixel-shift, the frame is the rendered picture moved by one
  (dx, dy) in the 4 px box (-2..1 each), black where it moved away;
- with --screen-hours that leave out the current minute (the kiosk runs
  in UTC here, the span is worked out from the clock) every frame is
  black; with hours around it, the frames are the rendered picture.
  Xvfb has no DPMS, so the log says black frames stand in.
(b) The X server goes away.  Under Xvfb the kiosk opens its window;
Xvfb is killed: the kiosk says it lost its screen and, in the same
process (same pid), keeps heartbeating while there is no screen.  Xvfb
is started again on the same display: the kiosk's window is on it again
(xwininfo lists it) and it says so.  Held (SIGSTOP) while Xvfb is
killed again and SIGTERM is sent, then let go, it stops cleanly
(status 0), neither starting again nor waiting on the dead connection.
"""
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

DEADLINE = 60
W, H = 320, 180
FROM = "2022-06-27T14:00:00+09:00"
TO = "2022-06-27T15:00:00+09:00"

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "ops.db")
procs = []


def wait_for(cond, timeout=DEADLINE):
    end = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() > end:
            return v
        time.sleep(0.1)


def start(args, log, env=None):
    f = open(log, "w")
    p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, env=env)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    return p.wait()


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def frames_of(url, name, *extra):
    """The kiosk's third frame (the first ones wait for data) with extra
    options, and its log."""
    d = os.path.join(work, name)
    log = d + ".log"
    env = dict(os.environ, TZ="UTC")
    p = start([it.AKARI, "kiosk", "--server", url, "--replay",
               f"{FROM},{TO}", "--speed", "0.001", "--slides", "grid",
               "--fetch-seconds", "0.5", "--fade-seconds", "0",
               "--png-dir", d, "--window", f"{W}x{H}", "--no-cache",
               *extra], log, env)
    path = os.path.join(d, "frame-000003.png")
    got = wait_for(lambda: os.path.exists(path))
    stop(p)
    c.true(got, f"{name}: the kiosk wrote frames")
    return (it.png_rgb(path) if got else None), read(log)


def minute_span(offset_from, offset_to):
    now = dt.datetime.now(dt.timezone.utc)
    a = now + dt.timedelta(minutes=offset_from)
    b = now + dt.timedelta(minutes=offset_to)
    return f"{a:%H:%M}-{b:%H:%M}"


def phase_care(url):
    path = os.path.join(work, "render.png")
    it.run("render", "--server", url, "--slide", "grid", "--at", FROM,
           "--size", f"{W}x{H}", "--replay", "-o", path)
    _, _, want = it.png_rgb(path)

    frame, _ = frames_of(url, "plain")
    if frame:
        c.true(frame[2] == want, "undimmed frames are the rendered picture")

    frame, _ = frames_of(url, "dim", "--dim", "00:00-00:00@50%")
    if frame:
        worst = max(abs(g - w / 2) for g, w in zip(frame[2], want))
        c.true(worst <= 1, f"dimmed to half (worst channel off by {worst})")

    frame, _ = frames_of(url, "shift", "--pixel-shift")
    if frame:
        found = None
        for dy in range(-2, 2):
            for dx in range(-2, 2):
                if frame[2] == shifted(want, dx, dy):
                    found = (dx, dy)
        c.true(found is not None, "the shifted frame is the rendered "
               "picture moved within the 4 px box")

    # Hours two to three hours from now leave now out; an hour either
    # side of now takes it in.
    frame, log = frames_of(url, "off", "--screen-hours", minute_span(120,
                                                                      180))
    if frame:
        c.true(not any(frame[2]), "outside the screen hours: black")
    c.true("outside the screen hours: showing black" in log,
           "the log says black stands in for DPMS")
    frame, log = frames_of(url, "on", "--screen-hours", minute_span(-60,
                                                                     60))
    if frame:
        c.true(frame[2] == want, "within the screen hours: the picture")
    c.true("outside the screen hours" not in log, "no screen off in hours")


def shifted(rgb, dx, dy):
    out = bytearray(len(rgb))
    for y in range(H):
        sy = y - dy
        if not 0 <= sy < H:
            continue
        for x in range(W):
            sx = x - dx
            if 0 <= sx < W:
                out[(y * W + x) * 3:(y * W + x) * 3 + 3] = \
                    rgb[(sy * W + sx) * 3:(sy * W + sx) * 3 + 3]
    return bytes(out)


def window_listed(env):
    p = subprocess.run(["xwininfo", "-root", "-tree"], env=env,
                       capture_output=True, text=True)
    return '"akari kiosk"' in p.stdout


def beats(url):
    for d in it.get(url + "/api/v1/displays")[2].get("displays", []):
        if d["id"] == "wall":
            return d["beats"]
    return 0


def phase_xvfb(url):
    if not shutil.which("Xvfb") or not shutil.which("xwininfo"):
        c.true(False, "Xvfb and xwininfo are installed "
               "(scripts/install-deps.sh)")
        return
    n = it.free_display()

    def xvfb():
        x, started = it.xvfb(n, "640x360x24", os.path.join(work, "xvfb.log"),
                             timeout=DEADLINE)
        procs.append(x)
        c.true(started, "Xvfb started")
        return x

    token = os.path.join(work, "token")
    with open(token, "w") as f:
        f.write(it.run("device", "add", "--db", db, "--site", "tepco",
                       "--kind", "display", "wall").stdout)
    x = xvfb()
    env = dict(os.environ, DISPLAY=f":{n}")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    log = os.path.join(work, "kiosk-x.log")
    k = start([it.AKARI, "kiosk", "--server", url, "--window", f"{W}x{H}",
               "--no-cache", "--slides", "grid,solar", "--slide-seconds",
               "1", "--fetch-seconds", "0.5",
               "--display-id", "wall", "--token-file", token,
               "--heartbeat-seconds", "1", "--fallback-dir",
               os.path.join(work, "fallback")], log, env)
    c.true(wait_for(lambda: window_listed(env)), "the kiosk's window opens")

    stop(x)
    c.true(wait_for(lambda: "lost its screen" in read(log)),
           "the kiosk notices its screen is gone")
    before = beats(url)
    c.true(wait_for(lambda: beats(url) >= before + 3),
           "it keeps heartbeating while there is no screen")
    c.true(k.poll() is None, "in the same process")

    x = xvfb()
    c.true(wait_for(lambda: window_listed(env)),
           "its window is back on the new X server")
    c.true(wait_for(lambda: "the window is back" in read(log)),
           "the log says the window is back")
    c.true(not os.path.exists(os.path.join(work, "fallback")),
           "it waited for the screen rather than writing files")

    # A stop that comes with the loss of the screen: the kiosk is held
    # (SIGSTOP) while Xvfb goes and SIGTERM is sent, then let go.  The
    # signal is handled as it resumes, so the kiosk sees the stop before
    # the loss: it must close without waiting on the dead connection.
    # (Seeing the loss first, it would wind down to start again, which
    # the stop then overrides; no test times that order.)  First
    # a fade or two (slides of 1 s), so that the frame the display
    # blends on exists and must be freed (the ASan build's leak check).
    time.sleep(2.5)
    k.send_signal(signal.SIGSTOP)
    stop(x)
    k.send_signal(signal.SIGTERM)
    k.send_signal(signal.SIGCONT)
    try:
        rc = k.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        rc = None
    c.eq(rc, 0, "a SIGTERM that comes with the screen's loss stops the "
         "kiosk cleanly, rather than it starting again")
    c.true("stopping" in read(log), "the log says it is stopping")


def main():
    it.run("import", "--db", db, "--format", "tepco-daily",
           os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
    with it.Server(db, ["--listen", f"127.0.0.1:{it.free_port()}"]) as srv:
        phase_care(srv.url)
        phase_xvfb(srv.url)


try:
    main()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(work, ignore_errors=True)
c.finish()
