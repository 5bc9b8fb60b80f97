"""it_kiosk_fade_memory: a cross-fade on a real X11 screen holds no second
frame.

TEPCO's 27 June 2022 is imported and served.  Under Xvfb at 1280x720
(a frame is 1280 * 720 * 4 bytes, 3.5 MiB, well above glibc's mmap
threshold: it is a mapping of its own, made and freed whole), a
full-screen akari-kiosk plays the grid and solar slides in turn, 1 s
each with 0.8 s fades, so that it fades most of the time.  Its private
anonymous memory (smaps_rollup's Anonymous) is sampled every 20 ms.
A player that keeps the old slide's whole picture for a fade holds a
second frame for 0.8 s of every second and swings by at least 3.5 MiB
between fades and within them; a fade that keeps the old slide only
where the two slides differ (about a third of this frame) must swing by
less than two thirds of a frame.  The samples must include some taken
during fades (the kiosk's debug lines of fade frames are counted);
tests/it_kiosk_fade_screen.py checks the fades' pixels.  Then the
renderer's layer (see below) is checked the same way.  Under
AddressSanitizer freed memory stays in its quarantine, so the kiosks
run (and LeakSanitizer checks their exit) but their memory is not
judged.
"""
import datetime as dt
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
W, H = 1280, 720
FRAME_KIB = W * H * 4 // 1024
SAMPLE_SECONDS = 8
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


def anonymous_kib(pid):
    """smaps_rollup's Anonymous of pid in KiB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Anonymous:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def fade_frames(log):
    return len(re.findall(r"frame \d+: \w+ slide, fading in", read(log)))


def main():
    if not shutil.which("Xvfb"):
        c.true(False, "Xvfb is installed (scripts/install-deps.sh)")
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

    # The clock moves a millisecond per real second: 14:00:00 throughout,
    # so no slide is drawn again for a new minute.
    log = os.path.join(work, "fade.log")
    k = start([LEAN, "--server", url, "--fullscreen", "--replay",
               f"{FROM},{TO}", "--speed", "0.001", "--slides", "grid,solar",
               "--slide-seconds", "1", "--fade-seconds", "0.8",
               "--no-cache"], log, env)
    c.true(it.wait_for(lambda: "first frame shown" in read(log) or
                       k.poll() is not None, timeout=DEADLINE),
           "the kiosk shows a frame")
    # Past the first fades: the fonts' caches and the fetch's buffers
    # have grown to their size.
    c.true(it.wait_for(lambda: fade_frames(log) >= 30 or
                       k.poll() is not None, timeout=DEADLINE),
           "the kiosk fades between the slides")
    before = fade_frames(log)
    samples = sample(k)
    judged = not it.sanitized(k.pid)
    if not judged:
        print("under AddressSanitizer: memory not judged", flush=True)
    faded = fade_frames(log) - before
    # Only that fades ran while memory was sampled, not how many: a
    # loaded machine shows fewer frames a second.
    c.true(faded > 0, f"fade frames shown while sampling ({faded})")
    if judged:
        check_swing(samples, "over its fades",
                    lambda s: s < FRAME_KIB * 2 // 3,
                    "less than two thirds of")
    c.eq(it.stop(k), 0, "the kiosk stops cleanly")

    # One slide, its clock's minute changing every 3 real seconds (20x)
    # or at every real second (120x), the slide drawn whole each time.
    # The renderer's layer of the static parts (a frame's worth) is kept
    # only for slides drawn whole again and again within 2 s: at 20x the
    # memory stays flat, at 120x it grows by the layer.
    for speed, grows in ((20, False), (120, True)):
        log = os.path.join(work, f"layer-{speed}.log")
        k = start([LEAN, "--server", url, "--fullscreen", "--replay",
                   f"{FROM},{TO}", "--speed", str(speed), "--slides",
                   "grid", "--no-cache"], log, env)
        c.true(it.wait_for(lambda: "first frame shown" in read(log) or
                           k.poll() is not None, timeout=DEADLINE),
               f"the kiosk at {speed}x shows a frame")
        samples = sample(k)
        if not judged:
            pass
        elif grows:
            check_swing(samples, f"at {speed}x",
                        lambda s: s >= FRAME_KIB * 2 // 3,
                        "at least two thirds of")
        else:
            check_swing(samples, f"at {speed}x",
                        lambda s: s < FRAME_KIB * 2 // 3,
                        "less than two thirds of")
        c.eq(it.stop(k), 0, f"the kiosk at {speed}x stops cleanly")


def sample(k):
    """The kiosk's anonymous memory every 20 ms for SAMPLE_SECONDS."""
    samples = []
    end = time.time() + SAMPLE_SECONDS
    while time.time() < end and k.poll() is None:
        kib = anonymous_kib(k.pid)
        if kib is not None:
            samples.append(kib)
        time.sleep(0.02)
    c.true(len(samples) >= 50, f"{len(samples)} samples of the kiosk's "
           f"memory (50 or more wanted)")
    return samples


def check_swing(samples, when, ok, what):
    if not samples:
        return
    swing = max(samples) - min(samples)
    print(f"memory {when}: anonymous {min(samples)} to {max(samples)} "
          f"KiB over {len(samples)} samples, a frame is {FRAME_KIB} KiB")
    c.true(ok(swing), f"the kiosk's anonymous memory swings by {swing} "
           f"KiB {when}, {what} a {FRAME_KIB} KiB frame")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            it.stop(p)
    c.finish_in(work)
