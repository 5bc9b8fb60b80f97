"""`akari kiosk --no-cache` says in its log that the cache is off
because --no-cache was given, not that --cache was missing (without
--cache the kiosk uses its default directory).  It also leaves no
cache file in the default place ($XDG_CACHE_HOME/akari), which is
pointed into this test's own directory.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
xdg = os.path.join(work, "xdg")
env = dict(os.environ, XDG_CACHE_HOME=xdg)

with it.Server(os.path.join(work, "nocache.db")) as srv:
    p = subprocess.run([it.AKARI, "kiosk", "--server", srv.url,
                        "--no-cache", "--png-dir", os.path.join(work, "f"),
                        "--window", "64x36", "--slides", "message",
                        "--message", "x", "--frames", "1"],
                       capture_output=True, text=True, env=env, timeout=120)
    c.eq(p.returncode, 0, f"kiosk --no-cache exit status: {p.stderr!r}")
    lines = [ln for ln in p.stderr.splitlines() if "cache" in ln]
    c.true(any("--no-cache" in ln for ln in lines),
           f"the log names --no-cache: {lines!r}")
    c.true(not any("--cache not set" in ln for ln in lines),
           f"the log does not blame a missing --cache: {lines!r}")
    c.eq(os.path.exists(os.path.join(xdg, "akari")), False,
         "nothing written to the default cache")

c.finish()
