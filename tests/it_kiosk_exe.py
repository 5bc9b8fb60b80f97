"""it_kiosk_exe: akari-kiosk, the player built on its own, is the same
player as `akari kiosk`.

Both take the same options (the same --help, the same refusal of an
unknown option) and draw the same frame: with no server (a refused
port) and no cache, the first frame of each, written as PNG, is the
no-data slide at a replayed 14:00 JST, and the two files hold the same
picture.  `akari kiosk`, the other executable, is the reference.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
LEAN = os.path.join(os.path.dirname(it.AKARI), "akari-kiosk")
FROM = 1656306000  # 2022-06-27T14:00:00+09:00


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


full = [it.AKARI, "kiosk"]
lean = [LEAN]
c.true(os.access(LEAN, os.X_OK), "akari-kiosk is built next to akari")

a, b = run(full + ["--help"]), run(lean + ["--help"])
c.eq(b.returncode, a.returncode, "--help: the same exit status")
c.eq(b.stdout, a.stdout, "--help: the same text")
c.true("--refresh-seconds" in b.stdout, "--help names the options")

b = run(lean + ["--no-such-option"])
c.eq(b.returncode, 2, "an unknown option is a usage error")

port = it.free_port()  # nothing listens there: every fetch is refused
pictures = []
for name, argv in (("full", full), ("lean", lean)):
    d = os.path.join(work, name)
    p = run(argv + ["--server", f"http://127.0.0.1:{port}", "--replay",
                    f"{FROM},{FROM + 3600}", "--speed", "0.001",
                    "--slides", "grid", "--no-cache", "--png-dir", d,
                    "--window", "320x180", "--frames", "1",
                    "--retry-max", "1"])
    c.eq(p.returncode, 0, f"{name}: stops after its frame")
    path = os.path.join(d, "frame-000001.png")
    c.true(os.path.exists(path), f"{name}: wrote its frame")
    pictures.append(it.png_rgb(path) if os.path.exists(path) else None)
c.true(pictures[0] is not None and pictures[0] == pictures[1],
       "the two draw the same picture")
c.finish()
