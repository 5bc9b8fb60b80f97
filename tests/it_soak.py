"""it_soak: the kiosk plays its full rotation for weeks of replayed time
and its memory does not grow.

A database holds a week of TEPCO readings (1-7 June 2022).  The kiosk
replays that week at SPEED times real time, looping, so a run of
DURATION real seconds shows SIMULATED_DAYS days of clock; its slides
change every SLIDE seconds and fetch twice a second, and it dims, shifts
its pixels, heartbeats, sends a screenshot every two seconds and reports
its plays, so every path of a long run turns many times over.

The kiosk's resident set (VmRSS in /proc/PID/status) is sampled every
second.  Whatever a process keeps for good (fonts, the GL driver, the
allocators' arenas, under AddressSanitizer its quarantine of freed
blocks, capped here at QUARANTINE_MB) is in place after WARMUP seconds;
from then to the last seconds before the stop RSS may move only by
GROWTH_MAX_KB, a bound well below what a leak of one frame per slide
would cost (a 640x360 ARGB frame is 900 KiB, and the run shows over a
hundred slides).  The figures are printed.

Under the sanitizer build the kiosk also runs with LeakSanitizer: its
exit status is 0 only when no leak was found at exit.
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

DURATION = 75        # real seconds of play
WARMUP = 20          # seconds before the first RSS figure counts
SLIDE = 0.5          # real seconds per slide
SPEED = 20160        # a week in 30 s of real time
SIMULATED_DAYS = DURATION * SPEED / 86400
GROWTH_MAX_KB = 6 * 1024
QUARANTINE_MB = 4
W, H = 640, 360

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "soak.db")


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    files = sorted(glob.glob(os.path.join(it.DATA, "tepco",
                                          "2022060[1-7]_power_usage.csv")))
    c.eq(len(files), 7, "a week of TEPCO files")
    it.run("import", "--db", db, "--format", "tepco-daily", *files)
    it.run("site", "add", "--db", db, "hall", "--kind", "building", "--tz",
           "Asia/Tokyo")
    token = os.path.join(work, "token")
    with open(token, "w") as f:
        f.write(it.run("device", "add", "--db", db, "--site", "hall",
                       "--kind", "display", "soak").stdout)

    frames = os.path.join(work, "frames")
    env = dict(os.environ)
    # A small quarantine fills during the warm-up; the default 256 MiB
    # would still be filling at the end and look like growth.
    asan = env.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + \
        f"quarantine_size_mb={QUARANTINE_MB}:detect_leaks=1"
    env.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(
        it.SOURCE_DIR, "tests", "lsan.supp") + ":print_suppressions=0")
    log = os.path.join(work, "kiosk.log")
    with it.Server(db) as srv:
        with open(log, "w") as f:
            p = subprocess.Popen(
                [it.AKARI, "kiosk", "--server", srv.url, "--png-dir",
                 frames, "--png-keep", "4", "--window", f"{W}x{H}",
                 "--cache", os.path.join(work, "cache"),
                 "--replay", "2022-06-01T00:00:00+09:00,"
                 "2022-06-08T00:00:00+09:00", "--speed", str(SPEED),
                 "--slide-seconds", str(SLIDE), "--fade-seconds", "0.2",
                 "--fetch-seconds", "0.5", "--grid-site", "tepco",
                 "--display-id", "soak", "--token-file", token,
                 "--heartbeat-seconds", "1", "--screenshot-every", "2",
                 "--dim", "00:00-00:00@70%", "--pixel-shift",
                 "--duration", str(DURATION)],
                stdout=f, stderr=subprocess.STDOUT, env=env)
        start = time.time()
        samples = []
        under_asan = False
        while p.poll() is None:
            kb = rss_kb(p.pid)
            if kb is not None:
                samples.append((time.time() - start, kb))
            if len(samples) == 3:
                under_asan = it.sanitized(p.pid)
            time.sleep(1)
        status = p.wait()
        plays = it.get(f"{srv.url}/api/v1/displays/soak/plays?from=0"
                       f"&to={int(time.time()) + 60}")[2]
        shot = it.get(f"{srv.url}/api/v1/displays/soak/screenshot")[0]

    text = open(log).read()
    c.eq(status, 0, "the kiosk ran to its duration and stopped cleanly"
         + ("" if status == 0 else ":\n" + text[-3000:]))
    c.true("LeakSanitizer" not in text, "no leak reported")
    # The last seconds are the stop: under the sanitizer the leak check
    # at exit maps tens of MiB of its own, which is no growth of play.
    warm = [kb for t, kb in samples if WARMUP <= t <= DURATION - 3]
    c.true(len(warm) >= 10, f"RSS samples after the warm-up ({len(warm)})")
    if len(warm) < 10:
        return
    first, last, top = warm[0], warm[-1], max(warm)
    print(f"soak: {DURATION} s real, {SIMULATED_DAYS:.1f} days replayed, "
          f"{'under' if under_asan else 'without'} "
          f"AddressSanitizer", flush=True)
    print(f"soak: RSS {samples[0][1]} KiB at start, {first} KiB after "
          f"{WARMUP} s, {last} KiB before the stop, {top} KiB at most; "
          f"growth after warm-up {last - first} KiB "
          f"(bound {GROWTH_MAX_KB} KiB)", flush=True)
    print("soak: RSS every 10 s (KiB): " + ", ".join(
        str(kb) for t, kb in samples[::10]), flush=True)
    c.true(last - first <= GROWTH_MAX_KB,
           f"RSS after warm-up grows by {last - first} KiB")
    c.true(top - first <= GROWTH_MAX_KB,
           f"RSS peaks {top - first} KiB over the warm-up figure")

    n = len(plays.get("plays", [])) if isinstance(plays, dict) else 0
    print(f"soak: {n} plays reported", flush=True)
    # One play per slide period, less those of the first seconds (before
    # the first frame) and of the last ten (a batch goes every 10 s; the
    # rest stays queued on disk for the next start).
    c.true(n >= (DURATION - WARMUP - 10) / SLIDE, f"plays reported ({n})")
    c.eq(shot, 200, "screenshots arrived")


try:
    main()
finally:
    shutil.rmtree(work, ignore_errors=True)
c.finish()
