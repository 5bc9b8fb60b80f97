"""`akari render -o FILE` that cannot create FILE says why: the output's
directory does not exist, or is a regular file, and the message carries
the system's reason (ENOENT, ENOTDIR) next to the path, with exit
status 1.  The reasons are taken from Python's os.strerror(), not from
akari.
"""
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
plain = os.path.join(work, "plain")
with open(plain, "w") as f:
    f.write("not a directory\n")

with it.Server(os.path.join(work, "render.db")) as srv:
    good = os.path.join(work, "good.png")
    p = it.run("render", "--server", srv.url, "--slide", "message",
               "--message", "x", "--size", "64x36", "-o", good, check=False)
    c.eq((p.returncode, os.path.exists(good)), (0, True),
         f"render into a directory that exists: {p.stderr!r}")
    for out, code in ((os.path.join(work, "none", "x.png"), errno.ENOENT),
                      (os.path.join(plain, "x.png"), errno.ENOTDIR)):
        p = it.run("render", "--server", srv.url, "--slide", "message",
                   "--message", "x", "--size", "64x36", "-o", out,
                   check=False)
        c.eq(p.returncode, 1, f"render -o {out}: exit status")
        want = f"cannot write {out}: {os.strerror(code)}"
        c.true(want in p.stderr,
               f"render -o {out}: {want!r} in {p.stderr!r}")

c.finish()
