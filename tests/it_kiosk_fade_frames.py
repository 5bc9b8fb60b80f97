"""it_kiosk_fade_frames: every frame of a cross-fade shows something new.

TEPCO's 27 June 2022 is imported and served.  A kiosk writing PNG
frames (one file per frame it presents, numbered as its log numbers
them) plays the grid and solar slides in turn at a replayed 14:00 JST
(the clock stands still), 2 s each with 0.8 s fades at 20 frames a
second.  A fade's frames come at fixed times from the slide's start;
the first, at its very start, has the incoming slide at weight 0 and is
the outgoing slide's last picture again, which is already on screen: it
must not be presented.  So every frame the kiosk logs as fading in must
differ, somewhere, from the frame presented before it (compared pixel
by pixel from the PNG files), and each fade must still have frames.
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

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "fade.db")


def fade_runs(text):
    """The runs of frame numbers logged as fading in."""
    runs, cur = [], None
    for m in re.finditer(r"frame (\d+): \w+ slide(, fading in)?", text):
        n, fading = int(m.group(1)), bool(m.group(2))
        if fading and cur is not None and cur[-1] == n - 1:
            cur.append(n)
        elif fading:
            cur = [n]
            runs.append(cur)
        else:
            cur = None
    return runs


it.run("import", "--db", db, "--format", "tepco-daily",
       os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
with it.Server(db) as srv:
    png = os.path.join(work, "png")
    log = os.path.join(work, "kiosk.log")
    p = it.spawn([it.AKARI, "kiosk", "--server", srv.url, "--replay",
                  f"{FROM},{TO}", "--speed", "0.001", "--slides",
                  "grid,solar", "--slide-seconds", "2", "--fade-seconds",
                  "0.8", "--fade-fps", "20", "--png-dir", png, "--window",
                  "320x180", "--no-cache", "--duration", "7.5"], log,
                 dict(os.environ, AKARI_LOG="debug"))
    try:
        rc = p.wait(timeout=120)
    finally:
        it.stop(p)
    c.eq(rc, 0, "the kiosk stops after its duration")

    def frame(n):
        path = os.path.join(png, f"frame-{n:06d}.png")
        return it.png_rgb(path) if os.path.exists(path) else None

    runs = fade_runs(it.read_text(log))
    # Slides start at 0, 2, 4 and 6 s: three fades in 7.5 s.
    c.true(len(runs) >= 2, f"fades were played ({len(runs)})")
    same = []
    for run in runs:
        for n in run:
            before, got = frame(n - 1), frame(n)
            c.true(before is not None and got is not None,
                   f"frames {n - 1} and {n} were written")
            if before is not None and before == got:
                same.append(n)
    c.eq(same, [], "fade frames that repeat the picture before them")
c.finish_in(work)
