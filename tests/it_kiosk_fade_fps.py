"""it_kiosk_fade_fps: a fade's frame rate does not hold up the kiosk.

A kiosk writing PNG frames plays two slides of half a second each with
fades of 0.4 s for --duration 3, at --fade-fps values the option
accepts: the default range's ends (1 and 120) and rates whose period is
longer than the fade itself (0.5 and 0.001 frames a second, a period of
2 s and of 1000 s).  Each run must stop by itself when its duration is
over (exit 0, "stopping" in its log), and each must have shown more
than one slide, since six slide periods pass in three seconds.  A run
that is still going after DEADLINE seconds (far more than three) has
slept through its duration.  Option values outside the range (0, -1,
121, nan) are refused with exit status 2.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

DEADLINE = 30  # seconds; the runs last 3

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "fps.db")


def kiosk(url, fps, png):
    return [it.AKARI, "kiosk", "--server", url, "--png-dir", png,
            "--window", "160x90", "--slides", "grid,solar",
            "--slide-seconds", "0.5", "--fade-seconds", "0.4",
            "--fade-fps", fps, "--duration", "3", "--no-cache"]


with it.Server(db) as srv:
    for fps in ("1", "120", "0.5", "0.001"):
        png = os.path.join(work, "png-" + fps)
        log = os.path.join(work, "kiosk-" + fps + ".log")
        with open(log, "w") as f:
            p = subprocess.Popen(kiosk(srv.url, fps, png), stdout=f,
                                 stderr=subprocess.STDOUT)
        try:
            rc = p.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = None
        text = it.read_text(log)
        c.eq(rc, 0, f"--fade-fps {fps}: the kiosk stops after its "
             f"duration")
        c.true("stopping" in text, f"--fade-fps {fps}: says it stops")
        frames = len([n for n in os.listdir(png)
                      if n.endswith(".png")]) if os.path.isdir(png) else 0
        c.true(frames > 1, f"--fade-fps {fps}: more than one frame "
               f"written ({frames})")

    for bad in ("0", "-1", "121", "nan"):
        p = subprocess.run(kiosk(srv.url, bad, os.path.join(work, "bad")),
                           capture_output=True, text=True, timeout=60)
        c.eq(p.returncode, 2, f"--fade-fps {bad} refused")

c.finish()
