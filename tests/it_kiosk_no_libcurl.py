"""it_kiosk_no_libcurl: the player opens libcurl only when it first
fetches, and SDL2 only when it opens a window, so a box where libcurl
cannot be loaded still plays its cache and says why, and one without
SDL2 still writes PNG frames.

akari-kiosk's own dependencies (readelf's NEEDED entries) name neither
libcurl nor SDL2: they are not loaded before main().  A first run
against a real `akari serve` with TEPCO's 27 June 2022 fills the
kiosk's cache.  The second run hides libcurl's and SDL2's files in a
private mount namespace (the files the dynamic loader's cache names,
covered by /dev/null): the kiosk logs that it cannot load libcurl,
shows its first frame from the cache, keeps showing frames, and stops
cleanly on SIGTERM.  A third run, asked for a window with the same
files hidden, says that it cannot load SDL2 and writes PNG frames
instead.

Needs root for the mount namespace; exits 77 (skipped) without it.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

LEAN = os.path.join(os.path.dirname(it.AKARI), "akari-kiosk")
FROM = 1656306000  # 2022-06-27T14:00:00+09:00
W, H = 320, 180

if os.geteuid() != 0 or not shutil.which("unshare"):
    print("skipped: hiding libcurl needs root and unshare(1)")
    sys.exit(77)

c = it.Checks()
work = it.tmpdir()
read = it.read_text


def library_path(soname):
    """The file soname resolves to, from ldconfig's cache."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*" + re.escape(soname) +
                     r" \(.*x86-64.*\) => (\S+)", line)
        if m:
            return os.path.realpath(m.group(1))
    return None


def hiding(paths, argv):
    """argv run with each of paths covered by /dev/null."""
    binds = " && ".join(f'mount --bind /dev/null "${i + 1}"'
                        for i in range(len(paths)))
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'{binds} && shift {len(paths)} && exec "$@"', "sh",
            *paths, *argv]


needed = subprocess.run(["readelf", "-d", LEAN], capture_output=True,
                        text=True).stdout
c.true("libpango" in needed, "readelf lists akari-kiosk's libraries")
c.true("libcurl" not in needed,
       "akari-kiosk does not link libcurl: it is opened when first used")
c.true("libSDL2" not in needed,
       "akari-kiosk does not link SDL2: it is opened with the window")

db = os.path.join(work, "curl.db")
it.run("import", "--db", db, "--format", "tepco-daily",
       os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
cache = os.path.join(work, "cache")
with it.Server(db) as srv:
    def argv(frames):
        return [LEAN, "--server", srv.url, "--png-dir", frames, "--window",
                f"{W}x{H}", "--replay", f"{FROM},{FROM + 3600}", "--speed",
                "0.001", "--slides", "grid", "--cache", cache,
                "--fade-seconds", "0", "--retry-max", "1"]

    first = os.path.join(work, "frames-1")
    log1 = os.path.join(work, "kiosk-1.log")
    k = it.spawn(argv(first), log1)
    c.true(it.wait_for(lambda: os.path.exists(
        os.path.join(cache, "slide-data.json")) and
        "first frame shown" in read(log1)),
        "with libcurl: the first run shows a frame and saves the data")
    c.eq(it.stop(k), 0, "with libcurl: the kiosk stops cleanly")

    libs = [library_path("libcurl.so.4"), library_path("libSDL2-2.0.so.0")]
    c.true(None not in libs, "ldconfig knows libcurl.so.4 and SDL2")
    libs = [lib or "/nonexistent" for lib in libs]
    second = os.path.join(work, "frames-2")
    log2 = os.path.join(work, "kiosk-2.log")
    k = it.spawn(hiding(libs, argv(second)), log2)
    c.true(it.wait_for(lambda: "cannot load libcurl" in read(log2) or
                       k.poll() is not None),
           "without libcurl: the kiosk says it cannot load libcurl")
    c.true("first frame from the cache" in read(log2),
           "without libcurl: the first frame is the cache's")
    c.true(it.wait_for(lambda: len(it.frame_numbers(second)) >= 2 or
                       k.poll() is not None),
           "without libcurl: the kiosk goes on showing frames")
    c.true(k.poll() is None, "without libcurl: the kiosk keeps running")
    c.eq(it.stop(k), 0, "without libcurl: the kiosk stops cleanly")

    # A window asked for: SDL2 cannot be loaded, PNG frames instead.
    third = os.path.join(work, "frames-3")
    log3 = os.path.join(work, "kiosk-3.log")
    window = [a for a in argv(third) if a not in ("--png-dir", third)]
    k = it.spawn(hiding(libs, [*window, "--fallback-dir", third]), log3)
    c.true(it.wait_for(lambda: len(it.frame_numbers(third)) >= 1 or
                       k.poll() is not None),
           "without SDL2: the kiosk writes PNG frames")
    text = read(log3)
    c.true("no display could be opened (cannot load SDL2: " in text,
           "without SDL2: the kiosk says it cannot load SDL2")
    c.eq(it.stop(k), 0, "without SDL2: the kiosk stops cleanly")

c.finish_in(work)
