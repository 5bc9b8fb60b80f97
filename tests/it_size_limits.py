"""A frame size out of range is refused with the range it must be in:
`akari kiosk --window` and `akari render --size` take widths and heights
of 16 to 16384 pixels (display_parse_size), and a user who asks for
10x10 or 20000x100 is told those limits, not only the WxH shape.  Sizes
at the limits are not refused as a usage error (exit status 2).

The limits are written here from display.h's contract, not read from
the program's output.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
# Nothing listens on port 1: the commands fail after parsing, not in it.
SERVER = "http://127.0.0.1:1"

for size in ("10x10", "20000x100", "100x15", "abc"):
    p = it.run("kiosk", "--server", SERVER, "--no-cache", "--frames", "1",
               "--png-dir", os.path.join(work, "k"), "--window", size,
               check=False)
    c.eq(p.returncode, 2, f"kiosk --window {size}: exit status")
    c.true("16 to 16384" in p.stderr,
           f"kiosk --window {size} names the range: {p.stderr!r}")
    p = it.run("render", "--server", SERVER, "--slide", "message",
               "--message", "x", "--size", size,
               "-o", os.path.join(work, "r.png"), check=False)
    c.eq(p.returncode, 2, f"render --size {size}: exit status")
    c.true("16 to 16384" in p.stderr,
           f"render --size {size} names the range: {p.stderr!r}")

for size in ("16x16", "16384x16"):
    p = it.run("render", "--server", SERVER, "--slide", "message",
               "--message", "x", "--size", size,
               "-o", os.path.join(work, "r.png"), check=False)
    c.true(p.returncode != 2 and "want WxH" not in p.stderr,
           f"render --size {size} is a size: {p.returncode} {p.stderr!r}")

c.finish()
