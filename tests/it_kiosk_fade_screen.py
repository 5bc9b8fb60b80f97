"""it_kiosk_fade_screen: what a cross-fade leaves on a real X11 screen.

TEPCO's 27 June 2022 is imported and served.  Under Xvfb, a full-screen
akari-kiosk plays the grid and solar slides in turn at a replayed 14:00
JST (the clock stands still), with 0.8 s fades.  A fade blends only the
pixels where the two slides differ, straight onto the window's own
pixels, and the frame that ends it copies only those: so after each
fade, the screen (xwd) must be the incoming slide exactly as `akari
render` draws it, a separate command that shares no state with the
kiosk.  During a fade every pixel of the screen must lie, channel by
channel, between the two slides' pictures (a weighted sum of the two
never leaves them), and somewhere differ from both.
"""
import datetime as dt
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
W, H = 640, 360
SLIDE_SECONDS = 6
DEADLINE = 90  # seconds any single wait may take before it counts as failed
LEAN = os.path.join(os.path.dirname(it.AKARI), "akari-kiosk")

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "fade.db")
procs = []  # every process started here, stopped in the finally below


def start(args, log, env=None):
    p = it.spawn(args, log, env)
    procs.append(p)
    return p


stop = it.stop


def render(url, slide, path):
    it.run("render", "--server", url, "--slide", slide, "--at", str(FROM),
           "--size", f"{W}x{H}", "--replay", "-o", path)
    return it.png_rgb(path)


def frames(log):
    """(number, slide, fading) of each frame the kiosk logged."""
    rx = re.compile(r"frame (\d+): (\w+) slide(, fading in)?")
    return [(int(m.group(1)), m.group(2), bool(m.group(3)))
            for m in rx.finditer(read(log))]


def between(shot, a, b):
    """Pixels of shot outside [min, max] of a and b in some channel, and
    whether shot differs from both somewhere."""
    (_, _, ps), (_, _, pa), (_, _, pb) = shot, a, b
    out = sum(1 for i in range(len(ps))
              if not min(pa[i], pb[i]) <= ps[i] <= max(pa[i], pb[i]))
    return out, ps != pa and ps != pb


def main():
    if not shutil.which("Xvfb") or not shutil.which("xwd"):
        c.true(False, "Xvfb and xwd are installed (scripts/install-deps.sh)")
        c.finish()
    c.true(os.access(LEAN, os.X_OK), "akari-kiosk is built next to akari")
    it.run("import", "--db", db, "--format", "tepco-daily",
           os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
    port = it.free_port()
    url = f"http://127.0.0.1:{port}"
    slog = os.path.join(work, "serve.log")
    srv = start([it.AKARI, "serve", "--db", db, "--listen",
                 f"127.0.0.1:{port}"], slog)
    if not it.wait_for(lambda: "listening on" in read(slog) or
                       srv.poll() is not None):
        raise RuntimeError("akari serve did not start:\n" + read(slog))
    refs = {s: render(url, s, os.path.join(work, f"ref-{s}.png"))
            for s in ("grid", "solar")}
    c.true(refs["grid"] != refs["solar"], "the two slides differ")

    n = it.free_display()
    xvfb, started = it.xvfb(n, f"{W}x{H}x24", os.path.join(work, "xvfb.log"),
                            "-br", timeout=DEADLINE)
    procs.append(xvfb)
    if not started:
        c.true(False, "Xvfb started")
        return
    env = dict(os.environ, DISPLAY=f":{n}", AKARI_LOG="debug")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)

    def shot():
        p = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"],
                           capture_output=True, timeout=60)
        return it.xwd_rgb(p.stdout) if p.returncode == 0 else None

    log = os.path.join(work, "kiosk.log")
    # The clock moves a millisecond per real second: 14:00:00 throughout.
    k = start([LEAN, "--server", url, "--fullscreen", "--replay",
               f"{FROM},{TO}", "--speed", "0.001", "--slides", "grid,solar",
               "--slide-seconds", str(SLIDE_SECONDS), "--no-cache"],
              log, env)
    c.true(it.wait_for(lambda: "first frame shown" in read(log) or
                       k.poll() is not None, timeout=DEADLINE),
           "the kiosk shows a frame")

    # On a loaded machine a poll may miss a fade, or a screenshot may
    # come after the next fade began: that fade is then left out, and
    # the next one checked; every screenshot taken in time is checked.
    mid = compared = 0
    for fade in range(4):
        def ends():
            # The frames that end a fade: the first plain ones after it.
            fs = frames(log)
            return [f for i, f in enumerate(fs)
                    if i > 0 and fs[i - 1][2] and not f[2]]
        seen = len(ends())

        def fading_now():
            # A few frames in: the first ones are still almost all the
            # slide before (the fade starts gently).
            fs = frames(log)
            run = 0
            while run < len(fs) and fs[-1 - run][2]:
                run += 1
            return run >= 5 and len(ends()) == seen

        if it.wait_for(fading_now, timeout=2 * SLIDE_SECONDS + 5,
                       step=0.01):
            got = shot()
            if got:
                slide = frames(log)[-1][1]
                other = "grid" if slide == "solar" else "solar"
                out, new = between(got, refs[other], refs[slide])
                c.eq(out, 0, f"fade {fade + 1}: channels outside the two "
                     f"slides' pictures")
                mid += new
        c.true(it.wait_for(lambda: len(ends()) > seen, timeout=DEADLINE,
                           step=0.01), f"fade {fade + 1} ends")
        if len(ends()) <= seen:
            continue
        end = ends()[-1]
        got = shot()
        # Still the same slide, not yet the next fade.
        after = [f for f in frames(log) if f[0] >= end[0]]
        if not all(f[1] == end[1] and not f[2] for f in after):
            continue
        compared += 1
        c.true(got == refs[end[1]],
               f"fade {fade + 1}: after it the screen is the {end[1]} "
               f"slide as akari render draws it")
    c.true(compared >= 2, f"the screen after {compared} of 4 fades was "
           f"taken before the next fade (at least 2 wanted)")
    c.true(mid > 0, "a screenshot during a fade shows a mix of the two")
    c.eq(stop(k), 0, "the kiosk stops cleanly")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            stop(p)
    c.finish_in(work)
