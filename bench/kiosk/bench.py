#!/usr/bin/env python3
"""make bench-kiosk: figures for akari's kiosk, and for Chromium in kiosk
mode on an equivalent page (bench/kiosk/slide.html) where it is installed.

Prints, per slide and per size (1920x1080, 3840x2160):
  - the time to render one frame, in-process (akari_bench_render);
  - the frames per second of a cross-fade as the running kiosk shows them;
  - PSS and RSS of the running kiosk (/proc/PID/smaps_rollup);
  - the time from starting `akari kiosk` to its "first frame shown" line,
    with no cache and with the cache an earlier run left;
and per size, for a minute of normal rotation (10 s slides, a 0.8 s fade,
a clock that ticks every second): CPU time of the kiosk and of the X
server (/proc/PID/stat utime+stime), memory at the end, and the same for
Chromium with the ratios.  The kiosk and Chromium each get a fresh Xvfb
screen of the size measured, and both go full screen on it.

Prints figures only: nothing here passes or fails.  Standard library only.
"""
import argparse
import ctypes
import http.server
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(TOP, "data")
SIZES = [(1920, 1080), (3840, 2160)]
SLIDES = ["grid", "solar", "household", "air"]
# The slides show the afternoon of the first tight-supply warning day;
# the replay runs at real speed, so the clock ticks once a second.
AT = 1656306000  # 2022-06-27T14:00:00+09:00
REPLAY = "2022-06-27T14:00:00+09:00,2022-06-27T22:00:00+09:00"
FADE_SECONDS = 0.8
CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36

CHROMIUM_FLAGS = [
    "--kiosk", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def log(msg):
    print(f"bench-kiosk: {msg}", file=sys.stderr, flush=True)


# ---- /proc -------------------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of a process (all its threads), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_kib(pid):
    """(PSS, RSS) in KiB from smaps_rollup, or None if gone."""
    got = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Pss", "Rss"):
                    got[k] = int(v.split()[0])
    except OSError:
        return None
    return got.get("Pss", 0), got.get("Rss", 0)


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def process_tree(root, marker=None):
    """root and all its descendants, and any process whose command line
    holds marker (Chromium's crash handler leaves its parent)."""
    parents = {p: parent_of(p) for p in all_pids()}
    tree = set()
    for pid in parents:
        p, seen = pid, 0
        while p and p > 1 and seen < 64:
            if p == root:
                tree.add(pid)
                break
            p, seen = parents.get(p), seen + 1
    if marker:
        tree.update(p for p in parents if marker in cmdline(p))
    return sorted(tree)


class CpuMeter:
    """CPU seconds of a set of processes between start() and stop(); a
    process that appears in between counts from zero."""

    def __init__(self, pids_fn):
        self.pids_fn = pids_fn

    def start(self):
        self.t0 = time.monotonic()
        self.base = {p: cpu_seconds(p) for p in self.pids_fn()}

    def stop(self):
        wall = time.monotonic() - self.t0
        used = 0.0
        for p in self.pids_fn():
            now = cpu_seconds(p)
            if now is not None:
                used += now - (self.base.get(p) or 0.0)
        return used, wall


def sum_memory(pids):
    pss = rss = n = 0
    for p in pids:
        m = memory_kib(p)
        if m:
            pss += m[0]
            rss += m[1]
            n += 1
    return pss / 1024, rss / 1024, n


# ---- processes we start ------------------------------------------------

class Proc:
    """A child whose stderr is read line by line with arrival times."""

    def __init__(self, argv, env=None, cwd=None):
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, env=env, cwd=cwd,
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True,
                                  errors="replace")
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stderr:
            t = time.monotonic()
            with self.cond:
                self.lines.append((t, line.rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, pattern, timeout):
        """The arrival time of the first line matching pattern, or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines:
                    if rx.search(line):
                        return t
                left = deadline - time.monotonic()
                if left <= 0 or self.p.poll() is not None:
                    return None
                self.cond.wait(min(left, 0.05))

    def stop(self, extra_pids=()):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        for pid in extra_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reap()

    def tail(self, n=15):
        return "\n".join(line for _, line in self.lines[-n:])


def reap():
    """Waits for orphans handed to us as their subreaper."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Xvfb:
    def __init__(self, w, h):
        r, wfd = os.pipe()
        self.p = subprocess.Popen(
            ["Xvfb", "-displayfd", str(wfd), "-screen", "0",
             f"{w}x{h}x24", "-nolisten", "tcp", "-noreset"],
            pass_fds=[wfd], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(wfd)
        with os.fdopen(r) as f:
            num = f.readline().strip()
        if not num:
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + num

    def env(self, **extra):
        e = dict(os.environ, DISPLAY=self.display)
        e.pop("WAYLAND_DISPLAY", None)
        e.update(extra)
        return e

    def stop(self):
        self.p.terminate()
        self.p.wait()


class Server:
    """`akari serve` on a free loopback port with the sample data."""

    def __init__(self, akari, work):
        db = os.path.join(work, "bench.db")
        imports = [
            ["--format", "tepco-daily",
             *sorted(os.path.join(DATA, "tepco", f)
                     for f in os.listdir(os.path.join(DATA, "tepco")))],
            # Lined up on the replayed day as scripts/demo.sh does.
            ["--format", "ausgrid", "--shift-days", "3654",
             os.path.join(DATA, "household",
                          "ausgrid_customer12_2011-2012.csv")],
            ["--format", "uci-occupancy", "--shift-days", "2699",
             os.path.join(DATA, "environment",
                          "uci_occupancy_training.txt")],
        ]
        for args in imports:
            subprocess.run([akari, "import", "--db", db, *args], check=True,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, "serve.log"), "w")
        self.p = subprocess.Popen(
            [akari, "serve", "--db", db, "--listen",
             f"127.0.0.1:{self.port}"],
            stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/api/v1/health",
                                       timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("akari serve did not answer")

    def summary(self, site):
        with urllib.request.urlopen(
                f"{self.url}/api/v1/sites/{site}/summary?at={AT}",
                timeout=30) as r:
            return r.read()

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.log.close()


# ---- akari -------------------------------------------------------------

def render_times(bench_bin, server, work, frames):
    """Rows of akari_bench_render, keyed by (slide, size)."""
    data = os.path.join(work, "summaries")
    os.makedirs(data, exist_ok=True)
    for name, site in (("grid", "tepco"), ("home", "home12"),
                       ("air", "room1")):
        with open(os.path.join(data, name + ".json"), "wb") as f:
            f.write(server.summary(site))
    argv = [bench_bin, "--data", data, "--at", str(AT), "--frames",
            str(frames)]
    for w, h in SIZES:
        argv += ["--size", f"{w}x{h}"]
    out = subprocess.run(argv, check=True, capture_output=True,
                         text=True).stdout.splitlines()
    head = out[0].split("\t")
    rows = {}
    for line in out[1:]:
        r = dict(zip(head, line.split("\t")))
        rows[(r["slide"], r["size"])] = r
    return rows


def kiosk_command(akari):
    """akari-kiosk, the player without the server's libraries, where it
    was built next to akari; else `akari kiosk`, the same player."""
    lean = os.path.join(os.path.dirname(akari), "akari-kiosk")
    return [lean] if os.access(lean, os.X_OK) else [akari, "kiosk"]


def kiosk_argv(akari, server, slides, slide_seconds=10, cache=None):
    return [*kiosk_command(akari), "--server", server.url, "--fullscreen",
            "--replay", REPLAY, "--speed", "1",
            *(["--cache", cache] if cache else ["--no-cache"]),
            "--slides", slides, "--slide-seconds", str(slide_seconds),
            "--fade-seconds", str(FADE_SECONDS)]


def kiosk_first_frame(akari, server, x, slide, with_memory, cache=None):
    """Seconds from start to the first frame; memory a moment later.
    With cache (a directory an earlier run filled), the first frame is
    the cache's."""
    k = Proc(kiosk_argv(akari, server, slide, cache=cache), env=x.env())
    t = k.wait_line(r"first frame shown", 15)
    mem = None
    if t is not None and with_memory:
        time.sleep(2)
        mem = memory_kib(k.p.pid)
    k.stop()
    if t is None:
        raise RuntimeError(f"the kiosk showed no frame:\n{k.tail()}")
    return t - k.t0, mem


def kiosk_fades(akari, server, x, seconds):
    """Frames shown per second during each fade, keyed by the slide
    that fades in: the kiosk's own per-frame debug lines, timed as they
    arrive."""
    k = Proc(kiosk_argv(akari, server, ",".join(SLIDES), 2),
             env=x.env(AKARI_LOG="debug"))
    k.wait_line(r"first frame shown", 15)
    time.sleep(seconds)
    k.stop()
    rx = re.compile(r"frame \d+: (\w+) slide, fading in")
    fades, cur = {}, None
    for _, line in k.lines:
        m = rx.search(line)
        if m and cur and cur[0] == m.group(1):
            cur[1] += 1
        elif m:
            cur = [m.group(1), 1]
            fades.setdefault(cur[0], []).append(cur)
        else:
            cur = None if "frame" in line else cur
    return {s: statistics.mean(c[1] for c in v) / FADE_SECONDS
            for s, v in fades.items()}


def rotation(argv, env, x, marker, ready, seconds, cwd=None):
    """Starts argv, waits until ready(proc) gives the first-frame time,
    settles 2 s, then measures CPU for seconds and memory at the end."""
    p = Proc(argv, env=env, cwd=cwd)
    tree = lambda: process_tree(p.p.pid, marker)  # noqa: E731
    try:
        first = ready(p)
        if first is None:
            raise RuntimeError(f"{argv[0]}: no first frame:\n{p.tail()}")
        time.sleep(2)
        app, xsrv = CpuMeter(tree), CpuMeter(lambda: [x.p.pid])
        app.start()
        xsrv.start()
        peak = (0, 0, 0)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(min(5, max(0, end - time.monotonic())))
            m = sum_memory(tree())
            if m[0] > peak[0]:
                peak = m
        used, wall = app.stop()
        xused, _ = xsrv.stop()
        last = sum_memory(tree())
    finally:
        p.stop(extra_pids=tree())
    return {"first": first, "cpu": 100 * used / wall,
            "xcpu": 100 * xused / wall, "pss": last[0], "rss": last[1],
            "procs": last[2], "peak_pss": peak[0], "seconds": wall}


# ---- Chromium ----------------------------------------------------------

class Beacon:
    """A tiny HTTP listener that notes when the page's beacon arrives."""

    def __init__(self):
        self.hits = []
        beacon = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                q = urllib.parse.urlparse(self.path).query
                t = urllib.parse.parse_qs(q).get("t", ["nan"])[0]
                beacon.hits.append((time.monotonic(), float(t)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/first-frame"
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def wait(self, after, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, page_ms in self.hits:
                if t >= after:
                    return t, page_ms
            time.sleep(0.005)
        return None

    def stop(self):
        self.httpd.shutdown()


def chromium_argv(work, w, h, beacon):
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=work)
    page = "file://" + os.path.join(HERE, "slide.html") + "?beacon=" + \
        urllib.parse.quote(beacon.url, safe="")
    return [shutil.which("chromium"), *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}", f"--window-size={w},{h}",
            "--window-position=0,0", page], profile


def chromium_ready(beacon):
    def ready(p):
        got = beacon.wait(p.t0, 60)
        return None if got is None else got[0] - p.t0
    return ready


def chromium_first_frame(work, x, w, h, beacon):
    argv, profile = chromium_argv(work, w, h, beacon)
    p = Proc(argv, env=x.env())
    t = chromium_ready(beacon)(p)
    p.stop(extra_pids=process_tree(p.p.pid, profile))
    if t is None:
        raise RuntimeError(f"chromium drew no frame:\n{p.tail()}")
    return t


# ---- report ------------------------------------------------------------

def fmt(v, spec):
    """v by spec, or a dash as wide as spec says."""
    if v is None:
        return format("-", ">" + re.match(r"\d*", spec).group())
    return format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True,
                    help="the CMake build dir (configured -DAKARI_BENCH=ON)")
    ap.add_argument("--quick", action="store_true",
                    help="fewer frames and runs, 20 s of rotation")
    ap.add_argument("--no-chromium", action="store_true")
    a = ap.parse_args()

    akari = os.path.join(a.build, "src", "cli", "akari")
    bench_bin = os.path.join(a.build, "bench", "kiosk",
                             "akari_bench_render")
    frames = 20 if a.quick else 100
    runs = 1 if a.quick else 5
    minute = 20 if a.quick else 60
    chromium = None if a.no_chromium else shutil.which("chromium")
    log("the player: " + " ".join(os.path.basename(w)
                                  for w in kiosk_command(akari)))

    # Chromium's crash handler leaves its parent; as our subreaper we
    # still see it, and can end it by its id.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

    work = tempfile.mkdtemp(prefix="akari-bench-kiosk-")
    log(f"importing the sample data and starting akari serve ({work})")
    server = Server(akari, work)
    beacon = Beacon() if chromium else None
    first, mem, fade, rot, chrome, chrome_first = {}, {}, {}, {}, {}, {}
    cached = {}
    try:
        log(f"rendering {frames} frames of each slide at each size")
        times = render_times(bench_bin, server, work, frames)
        for w, h in SIZES:
            size = f"{w}x{h}"
            x = Xvfb(w, h)
            try:
                log(f"{size}: first frames, {runs} start(s) per slide")
                for s in SLIDES:
                    got = []
                    for i in range(runs):
                        t, m = kiosk_first_frame(akari, server, x, s,
                                                 i == 0)
                        got.append(t)
                        if m:
                            mem[(s, size)] = m
                    first[(s, size)] = statistics.median(got)
                    # As a box restarts: with the cache of a run before.
                    cache = os.path.join(work, f"cache-{size}-{s}")
                    kiosk_first_frame(akari, server, x, s, False, cache)
                    cached[(s, size)] = statistics.median(
                        kiosk_first_frame(akari, server, x, s, False,
                                          cache)[0] for _ in range(runs))
                log(f"{size}: fades")
                fade[size] = kiosk_fades(akari, server, x,
                                         9 if a.quick else 17)
                log(f"{size}: {minute} s of rotation")
                rot[size] = rotation(
                    kiosk_argv(akari, server, ",".join(SLIDES)), x.env(),
                    x, None,
                    lambda p: (lambda t: None if t is None else t - p.t0)(
                        p.wait_line(r"first frame shown", 15)), minute)
            finally:
                x.stop()
            if not chromium:
                continue
            x = Xvfb(w, h)
            try:
                log(f"{size}: chromium, {runs} start(s), then {minute} s")
                chrome_first[size] = statistics.median(
                    chromium_first_frame(work, x, w, h, beacon)
                    for _ in range(runs))
                argv, profile = chromium_argv(work, w, h, beacon)
                chrome[size] = rotation(argv, x.env(), x, profile,
                                        chromium_ready(beacon), minute)
            finally:
                x.stop()
    finally:
        if beacon:
            beacon.stop()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    report(times, first, cached, mem, fade, rot, chrome, chrome_first,
           minute, chromium, a.quick, frames, runs)


def report(times, first, cached, mem, fade, rot, chrome, chrome_first,
           minute, chromium, quick, frames, runs):
    out = print
    out(f"akari kiosk benchmark{' (QUICK=1)' if quick else ''}; "
        f"{os.cpu_count()} cores, {cpu_model()}; load average "
        f"{os.getloadavg()[0]:.2f} at the end")
    if chromium:
        v = subprocess.run([chromium, "--version"], capture_output=True,
                           text=True).stdout.strip()
        out(f"browser: {v}")
    out("")
    out(f"Per slide: render = one frame in-process, min, median and p95 "
        f"of {frames} (first = the process's very first frame, cold "
        f"fonts);")
    out(f"fade = frames shown per second while it fades in (20 by "
        f"default); start = launch to first frame, median of {runs}, with")
    out("no cache (the first frame waits for the first fetch); cached = "
        "the same with the cache")
    out("of an earlier run (the first frame is the cache's, marked "
        "stale). PSS/RSS of the kiosk")
    out("2 s after its first frame, playing only that slide.")
    out("")
    hdr = (f"{'slide':<10} {'size':<10} {'min':>6} {'render':>7} {'p95':>7} "
           f"{'first':>7} {'max fade':>9} {'fade':>6} {'start':>7} "
           f"{'cached':>7} {'PSS':>8} {'RSS':>8}")
    out(hdr)
    out(f"{'':<10} {'':<10} {'ms':>6} {'ms':>7} {'ms':>7} {'ms':>7} "
        f"{'fps':>9} {'fps':>6} {'ms':>7} {'ms':>7} {'MiB':>8} "
        f"{'MiB':>8}")
    for w, h in SIZES:
        size = f"{w}x{h}"
        for s in SLIDES:
            r = times.get((s, size), {})
            cold = float(r["first_ms"])
            m = mem.get((s, size))
            out(f"{s:<10} {size:<10} "
                f"{fmt(float(r['min_ms']), '6.2f')} "
                f"{fmt(float(r['median_ms']), '7.2f')} "
                f"{fmt(float(r['p95_ms']), '7.2f')} "
                f"{fmt(None if cold != cold else cold, '7.1f')} "
                f"{fmt(float(r['fade_fps']), '9.0f')} "
                f"{fmt(fade.get(size, {}).get(s), '6.1f')} "
                f"{fmt(first.get((s, size)) * 1e3, '7.0f')} "
                f"{fmt(cached.get((s, size), 0) * 1e3, '7.0f')} "
                f"{fmt(m and m[0] / 1024, '8.1f')} "
                f"{fmt(m and m[1] / 1024, '8.1f')}")
    out("")
    out(f"Rotation: all four slides, 10 s each, {FADE_SECONDS} s fades, "
        f"the clock ticking every second, measured over "
        f"{minute} s after a 2 s settle.")
    out("CPU is % of one core; 'X' is the X server (Xvfb) drawing what "
        "the player sends it.")
    out("")
    out(f"{'player':<10} {'size':<10} {'start':>8} {'PSS':>8} {'RSS':>8} "
        f"{'procs':>6} {'CPU':>7} {'X CPU':>7}")
    out(f"{'':<10} {'':<10} {'ms':>8} {'MiB':>8} {'MiB':>8} {'':>6} "
        f"{'%':>7} {'%':>7}")
    for name, rows, firsts in (("akari", rot, None),
                               ("chromium", chrome, chrome_first)):
        for w, h in SIZES:
            size = f"{w}x{h}"
            r = rows.get(size)
            if not r:
                continue
            start = (firsts or {}).get(size, r["first"])
            out(f"{name:<10} {size:<10} {start * 1e3:8.0f} "
                f"{r['pss']:8.1f} {r['rss']:8.1f} {r['procs']:6d} "
                f"{r['cpu']:7.2f} {r['xcpu']:7.2f}")
    if not chromium:
        out("")
        out("chromium is not installed: no browser figures "
            "(bench/kiosk/install-chromium.sh installs it)")
    else:
        out("")
        out("chromium / akari:")
        for w, h in SIZES:
            size = f"{w}x{h}"
            a, c = rot.get(size), chrome.get(size)
            if not a or not c:
                continue
            # Against the median of the slides' starts, without and
            # with a cache (the rotation's start is one more sample).
            af = statistics.median(first[(s, size)] for s in SLIDES)
            ac = statistics.median(cached[(s, size)] for s in SLIDES)
            out(f"  {size}: start {chrome_first[size] / af:.1f}x "
                f"(from the cache {chrome_first[size] / ac:.1f}x), "
                f"PSS {c['pss'] / a['pss']:.1f}x, "
                f"RSS {c['rss'] / a['rss']:.1f}x, "
                f"CPU {ratio(c['cpu'], a['cpu'])}, "
                f"CPU with X "
                f"{ratio(c['cpu'] + c['xcpu'], a['cpu'] + a['xcpu'])}")
    targets(times, first, cached, rot)


def ratio(a, b):
    return "inf" if b <= 0 else f"{a / b:.1f}x"


def targets(times, first, cached, rot):
    """The kiosk's targets at 1920x1080, each said met or missed."""
    size = "1920x1080"
    if size not in rot:
        return
    worst = max(float(times[(s, size)]["median_ms"]) for s in SLIDES)
    start = max(first[(s, size)] for s in SLIDES) * 1e3
    warm = max(cached[(s, size)] for s in SLIDES) * 1e3
    r = rot[size]
    checks = [
        ("a 1080p frame in under 5 ms (slowest slide's median)",
         f"{worst:.2f} ms", worst < 5),
        ("under 47 MiB PSS (rotation)", f"{r['pss']:.1f} MiB",
         r["pss"] < 47),
        ("first frame under 64 ms, from the cache (slowest slide)",
         f"{warm:.0f} ms", warm < 64),
        ("first frame under 64 ms, no cache: after the first fetch "
         "(slowest slide)", f"{start:.0f} ms", start < 64),
        ("under 0.6% of one core (kiosk)", f"{r['cpu']:.2f}%",
         r["cpu"] < 0.6),
    ]
    print("")
    print("Targets at 1920x1080:")
    for what, got, ok in checks:
        print(f"  {'met   ' if ok else 'missed'} {what}: {got}")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
