"""it_kiosk_start: the kiosk's first frame from its cache, and its fades.

(a) Cache first.  TEPCO's 27 June 2022 is imported and served; a kiosk
writing PNG frames plays once with a cache directory, which then holds
the data.  The server is replaced by a listener on the same port that
takes requests and answers none until told to.  A kiosk started again
with that cache shows its first frame while its request is still held:
the slide of the cached data with the stale mark (the fresh picture,
which `akari render` draws, except for a small area).  Once the
listener passes the real server's answers, the kiosk's frames become
the fresh picture exactly.
(b) Fades, under Xvfb.  A window kiosk plays the grid and solar slides
with a long, slow fade.  Screenshots (xwd) taken during the fade show,
wherever the two slides differ, colours between the two, channel by
channel, some of them strictly between; where the slides are the same
the screen is that picture.  After the fade the screen is the solar
slide exactly, as before it the grid slide: a fade that blends and
sends only where the slides differ leaves nothing behind.

Expected pictures come from `akari render`, a separate command that
shares no state with the kiosk.
"""
import datetime as dt
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
W, H = 320, 180
DEADLINE = 90  # seconds any single wait may take before it counts as failed

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "start.db")
cache = os.path.join(work, "cache")
procs = []  # every process started here, stopped in the finally below


def start(args, log, env=None):
    f = open(log, "w")
    p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, env=env)
    f.close()
    procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def serve(port, log):
    p = start([it.AKARI, "serve", "--db", db, "--listen",
               f"127.0.0.1:{port}"], log)
    if not it.wait_for(lambda: "listening on" in read(log) or
                       p.poll() is not None):
        raise RuntimeError("akari serve did not start:\n" + read(log))
    return p


def render(url, slide, path, w=W, h=H):
    it.run("render", "--server", url, "--slide", slide, "--at", str(FROM),
           "--size", f"{w}x{h}", "--replay", "-o", path)
    return it.png_rgb(path)


def kiosk_args(url, *extra):
    # The clock moves a millisecond per real second: 14:00:00 throughout.
    return [it.AKARI, "kiosk", "--server", url, "--replay", f"{FROM},{TO}",
            "--speed", "0.001", "--fetch-seconds", "0.5", "--retry-max",
            "1", *extra]


def frames_in(d):
    return sorted(n for n in (os.listdir(d) if os.path.isdir(d) else [])
                  if n.startswith("frame-") and n.endswith(".png"))


class HoldingProxy:
    """A listener in front of the real server: holds every request
    unanswered until release(), then passes them through."""

    def __init__(self, port, upstream):
        self.held = 0
        self.released = False
        self.cond = threading.Condition()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with proxy.cond:
                    proxy.held += 1
                    proxy.cond.notify_all()
                    proxy.cond.wait_for(lambda: proxy.released)
                try:
                    with urllib.request.urlopen(upstream + self.path,
                                                timeout=30) as r:
                        status, body = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, body = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                     Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def release(self):
        with self.cond:
            self.released = True
            self.cond.notify_all()

    def close(self):
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()


def diff_count(a, b):
    (_, _, pa), (_, _, pb) = a, b
    return sum(1 for i in range(0, len(pa), 3) if pa[i:i + 3] != pb[i:i + 3])


def phase_cache(url):
    ref = render(url, "grid", os.path.join(work, "ref-grid.png"))

    # A first run fills the cache.
    first = os.path.join(work, "frames-1")
    p = it.run(*kiosk_args(url, "--slides", "grid", "--png-dir", first,
                           "--window", f"{W}x{H}", "--cache", cache,
                           "--frames", "2")[1:])
    c.true("fetched slide data" in p.stderr, "first run fetched its data")
    c.true(os.path.exists(os.path.join(cache, "slide-data.json")),
           "first run saved the cache")

    # The server does not answer yet: the kiosk shows the cache at once.
    port = it.free_port()
    proxy = HoldingProxy(port, url)
    late = f"http://127.0.0.1:{port}"
    second = os.path.join(work, "frames-2")
    klog = os.path.join(work, "kiosk-cache.log")
    try:
        kiosk = start(kiosk_args(late, "--slides", "grid", "--png-dir",
                                 second, "--window", f"{W}x{H}",
                                 "--cache", cache), klog)
        c.true(it.wait_for(lambda: "first frame shown" in read(klog) or
                           kiosk.poll() is not None),
               "kiosk shows a first frame")
        log = read(klog)
        c.true("first frame from the cache" in log and
               log.index("first frame from the cache") <
               log.index("first frame shown"),
               "the kiosk says its first frame is the cache's")
        c.true("fetched slide data" not in log,
               "no data had been fetched before the first frame")
        c.true(it.wait_for(lambda: proxy.held >= 1),
               "its request is held by the late server")
        names = frames_in(second)
        c.true(len(names) >= 1, "the first frame was written")
        if names:
            got = it.png_rgb(os.path.join(second, names[0]))
            n = diff_count(got, ref)
            c.true(0 < n < W * H / 4, f"the first frame is the cached "
                   f"slide with its stale mark ({n} pixels differ from "
                   f"the fresh one)")

        # The answers come: the kiosk shows the fresh picture.
        proxy.release()
        c.true(it.wait_for(lambda: "fetched slide data" in read(klog)),
               "kiosk fetched once the server answered")

        def fresh():
            names = frames_in(second)
            return names and it.png_rgb(os.path.join(second,
                                                     names[-1])) == ref

        c.true(it.wait_for(fresh), "its frames become the fresh picture")
        c.eq(stop(kiosk), 0, "kiosk stops cleanly")
    finally:
        proxy.close()


def between(a, b, v):
    return all(min(x, y) <= z <= max(x, y) for x, y, z in zip(a, b, v))


def phase_fade(url):
    if not shutil.which("Xvfb") or not shutil.which("xwd"):
        c.true(False, "Xvfb and xwd are installed "
               "(scripts/install-deps.sh)")
        return
    fw, fh = 640, 360
    grid = render(url, "grid", os.path.join(work, "fade-grid.png"), fw, fh)
    solar = render(url, "solar", os.path.join(work, "fade-solar.png"), fw,
                   fh)
    _, _, pg = grid
    _, _, ps = solar
    n = it.free_display()
    xvfb, started = it.xvfb(n, f"{fw}x{fh}x24",
                            os.path.join(work, "xvfb.log"), "-br",
                            timeout=DEADLINE)
    procs.append(xvfb)
    if not started:
        c.true(False, "Xvfb started")
        return
    env = dict(os.environ, DISPLAY=f":{n}")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    klog = os.path.join(work, "kiosk-fade.log")
    kiosk = start(kiosk_args(url, "--slides", "grid,solar", "--window",
                             f"{fw}x{fh}", "--no-cache", "--slide-seconds",
                             "4", "--fade-seconds", "2.5", "--fade-fps",
                             "8"), klog, env=env)

    def shot():
        p = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"],
                           capture_output=True, timeout=60)
        return it.xwd_rgb(p.stdout) if p.returncode == 0 else None

    c.true(it.wait_for(lambda: (shot() or (0, 0, b""))[2] == pg, step=0.2),
           "before the fade the screen is the grid slide")
    shots = []
    end = time.time() + DEADLINE
    while time.time() < end:
        s = shot()
        if s and s[2] == ps:
            break
        if s and s[2] != pg:
            shots.append(s[2])
    c.true(len(shots) >= 2, f"screenshots during the fade ({len(shots)})")
    c.true(s is not None and s[2] == ps,
           "after the fade the screen is the solar slide exactly")
    bad = strictly = 0
    for px in shots:
        for i in range(0, len(px), 3):
            old, new, v = pg[i:i + 3], ps[i:i + 3], px[i:i + 3]
            if not between(old, new, v):
                bad += 1
            elif old != new and v != old and v != new:
                strictly += 1
    c.eq(bad, 0, "every pixel during the fade lies between the slides")
    c.true(strictly > 1000, f"pixels strictly between the slides during "
           f"the fade ({strictly})")
    c.eq(stop(kiosk), 0, "fading kiosk stops cleanly")
    stop(xvfb)


def main():
    try:
        it.run("import", "--db", db, "--format", "tepco-daily",
               os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
        port = it.free_port()
        url = f"http://127.0.0.1:{port}"
        srv = serve(port, os.path.join(work, "serve.log"))
        phase_cache(url)
        phase_fade(url)
        stop(srv)
    finally:
        for p in reversed(procs):
            stop(p)
    c.finish_in(work)


main()
