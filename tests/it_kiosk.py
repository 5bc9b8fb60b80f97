"""it_kiosk: the kiosk player against a real `akari serve`.

(a) PNG frames.  A database is made with the CLI (site, device, points)
and TEPCO's 27 June 2022 readings before 12:00 JST go in over HTTP with
the device's token.  `akari kiosk --png-dir` replays 14:00 JST so slowly
that its clock stands still, so every frame drawn from the same data is
the same picture, and that picture must be exactly what `akari render`
draws at 14:00.  Then the server is stopped: the kiosk keeps writing
frames from its cache, identical to the fresh one except for a small
area, the stale mark, and its log names the cached data's time.  A
second kiosk started while the server is away draws the same stale
frame from the cache alone.  A server is started again on the same
database and port and the readings from 12:00 on are sent: the kiosk
picks them up by itself and its frames become what `akari render` now
draws.
(b) SDL.  Under Xvfb, `akari kiosk --window 1280x720` opens a real X11
window; a screenshot of the root window (xwd, decoded here) shows the
slide: the window covers the screen, with many colours and no black,
and it is the picture `akari render` draws at that size.
(c) Faults.  A kiosk is started with no server and no cache: it writes
frames (the no-data slide) from the start.  A proxy in this file then
takes the server's port and passes the real server's answers through:
the kiosk recovers by itself and draws what `akari render` draws.  The
proxy then answers 500, then bytes that are not JSON, then accepts
requests and never answers (as a server stopped with SIGSTOP does):
each time the kiosk keeps writing frames, and while a request hangs the
frames still come.  When the proxy passes answers through again, the
kiosk says so and its frames become the rendered picture again.

Expected pictures come from `akari render`, a separate command that
shares no state with the kiosk; expected data come from the raw CSV.
"""
import datetime as dt
import http.server
import json
import os
import re
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
# The replayed instant, and the cut between the two batches of readings.
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
SPLIT = int(dt.datetime(2022, 6, 27, 12, 0, tzinfo=JST).timestamp())
W, H = 640, 360
DEADLINE = 90  # seconds any single wait may take before it counts as failed

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "kiosk.db")
cache = os.path.join(work, "cache")
frames = os.path.join(work, "frames")
procs = []  # every process started here, stopped in the finally below


# --- the raw file, read without akari ----------------------------------------


# --- pictures ----------------------------------------------------------------

def diff_box(a, b):
    """Bounding box (x0, y0, x1, y1) of the pixels where two pictures of
    the same size differ, or None when they are the same."""
    (w, h, pa), (_, _, pb) = a, b
    rows = [y for y in range(h) if pa[y * w * 3:(y + 1) * w * 3] !=
            pb[y * w * 3:(y + 1) * w * 3]]
    if not rows:
        return None
    xs = set()
    for y in rows:
        ra, rb = pa[y * w * 3:(y + 1) * w * 3], pb[y * w * 3:(y + 1) * w * 3]
        xs.update(i // 3 for i in range(0, w * 3) if ra[i] != rb[i])
    return min(xs), rows[0], max(xs) + 1, rows[-1] + 1


# --- processes ---------------------------------------------------------------


def start(args, log, env=None):
    f = open(log, "w")
    p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT,
                         env=env)
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
    if p.poll() is not None:
        raise RuntimeError("akari serve exited:\n" + read(log))
    return p


def ingest(url, token, rows, what):
    body = {"readings": [{"point": k, "ts": ts, "value": v}
                         for k, ts, v in rows]}
    status, _, answer = it.http("POST", url + "/api/v1/ingest", body, {
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json"})
    c.eq(status, 200, what + ": ingest status")
    c.eq(answer.get("accepted") if isinstance(answer, dict) else answer,
         len(rows), what + ": rows accepted")


def render(url, path, w=W, h=H):
    it.run("render", "--server", url, "--slide", "grid", "--at", str(FROM),
           "--size", f"{w}x{h}", "--replay", "-o", path)
    return it.png_rgb(path)


def frame_after(d, n):
    """The first frame numbered above n, once it exists."""
    got = it.wait_for(lambda: [k for k in it.frame_numbers(d) if k > n])
    if not got:
        return None, n
    k = got[0]
    return it.png_rgb(os.path.join(d, f"frame-{k:06d}.png")), k


def latest_frame(d):
    nums = it.frame_numbers(d)
    return nums[-1] if nums else 0


def kiosk_args(url, *extra):
    return [it.AKARI, "kiosk", "--server", url, "--replay", f"{FROM},{TO}",
            # The clock moves a millisecond per real second: 14:00:00
            # for the whole test.
            "--speed", "0.001", "--slides", "grid",
            "--fetch-seconds", "0.5", "--retry-max", "1", *extra]


# --- the test ----------------------------------------------------------------

def phase_png():
    rows = it.tepco_readings(os.path.join(it.DATA, "tepco",
                                          "20220627_power_usage.csv"))
    early = [r for r in rows if r[1] < SPLIT]
    late = [r for r in rows if r[1] >= SPLIT]
    c.true(len(early) > 100 and len(late) > 100, "readings on both sides")

    def cli(*args):
        return it.run(*args[:2], "--db", db, *args[2:]).stdout

    cli("site", "add", "tepco", "--kind", "grid", "--tz", "Asia/Tokyo")
    token = cli("device", "add", "--site", "tepco", "logger").strip()
    for key, q, unit, step in [
            ("tepco/demand", "power", "kW", 300),
            ("tepco/solar", "power", "kW", 300),
            ("tepco/demand_hourly", "power", "kW", 3600),
            ("tepco/forecast_hourly", "power", "kW", 3600),
            ("tepco/supply_hourly", "power", "kW", 3600),
            ("tepco/usage_hourly", "ratio", "%", 3600)]:
        cli("point", "add", key, "--site", "tepco", "--quantity", q,
            "--unit", unit, "--step", str(step))

    port = it.free_port()
    url = f"http://127.0.0.1:{port}"
    srv = serve(port, os.path.join(work, "serve1.log"))
    ingest(url, token, early, "before 12:00")
    ref_old = render(url, os.path.join(work, "ref-old.png"))

    # A corrupt cache from some earlier run is ignored, not trusted.
    os.makedirs(cache)
    with open(os.path.join(cache, "slide-data.json"), "w") as f:
        f.write('{"format": "akari-slide-data", "version": 1, "at": ')
    klog = os.path.join(work, "kiosk.log")
    kiosk = start(kiosk_args(url, "--png-dir", frames, "--window",
                             f"{W}x{H}", "--cache", cache), klog)

    # (a1) fresh data: the kiosk's frame is the picture render draws.
    c.true(it.wait_for(lambda: "fetched slide data" in read(klog)),
           "kiosk fetched its data")
    c.true("ignoring the cache" in read(klog), "corrupt cache ignored")
    fresh, n = frame_after(frames, latest_frame(frames))
    c.true(fresh is not None, "a frame after the fetch")
    c.true(fresh == ref_old, "fresh frame is what akari render draws")
    saved = json.load(open(os.path.join(cache, "slide-data.json")))
    # the kiosk asks for its data at the last second of its clock's
    # minute, 14:00:59
    c.eq(saved.get("at"), FROM + 59, "cache holds the data at 14:00:59")
    c.eq(saved.get("sites", {}).get("grid", {}).get("site"), "tepco",
         "cache holds the grid summary")

    # (a2) server gone: frames go on, from the cache, with a stale mark.
    c.eq(stop(srv), 0, "server stopped cleanly")
    c.true(it.wait_for(lambda: "playing from cached data" in read(klog)),
           "kiosk says it plays from its cache")
    m = re.search(r"playing from cached data as of (\S+),", read(klog))
    as_of = None
    if m:
        as_of = int(dt.datetime.fromisoformat(m.group(1)).timestamp())
    c.eq(as_of, FROM + 59, "log names the replayed time of the cached data")
    stale, n = frame_after(frames, latest_frame(frames))
    stale2, n = frame_after(frames, n)
    c.true(stale is not None and stale2 is not None,
           "frames keep coming while the server is away")
    c.true(stale == stale2, "stale frames are steady")
    box = diff_box(stale, ref_old) if stale else None
    c.true(box is not None, "stale frame differs from the fresh one")
    if box:
        x0, y0, x1, y1 = box
        # The stale mark is a badge, not a new picture: the rest of the
        # slide is the cached data, drawn as before.
        c.true((x1 - x0) * (y1 - y0) < W * H / 4,
               f"only a small area changed ({box})")

    # A kiosk that starts while the server is away plays the cache too.
    other = os.path.join(work, "frames-offline")
    p = it.run(*kiosk_args(url, "--png-dir", other, "--window", f"{W}x{H}",
                           "--cache", cache, "--frames", "2")[1:])
    c.true("playing from cached data" in p.stderr, "offline start: log")
    got = it.png_rgb(os.path.join(other, "frame-000002.png"))
    c.true(got == stale, "offline start draws the cached, stale slide")

    # (a3) a server again, on the same database and port, with the
    # afternoon's readings: the kiosk recovers by itself.
    srv = serve(port, os.path.join(work, "serve2.log"))
    ingest(url, token, late, "from 12:00")
    ref_new = render(url, os.path.join(work, "ref-new.png"))
    c.true(ref_new != ref_old, "the new readings change the slide")
    c.true(it.wait_for(lambda: "server answers again" in read(klog)),
           "kiosk says the server is back")
    n = latest_frame(frames)

    def caught_up():
        nonlocal n
        f, n = frame_after(frames, n)
        return f == ref_new

    c.true(it.wait_for(caught_up, step=0), "kiosk shows the new data, "
           "without the stale mark")

    c.eq(stop(kiosk), 0, "kiosk stops cleanly on SIGTERM")
    c.true("Terminated: stopping" in read(klog), "kiosk logs the stop")
    return url, srv


class FaultProxy:
    """A loopback HTTP server in front of the real one.  mode "pass"
    relays each GET, "500" answers an error, "junk" answers 200 with
    bytes that are not JSON, "hang" reads the request and answers nothing
    until the mode changes.  hanging counts the requests held now."""

    def __init__(self, port, upstream):
        self.mode = "pass"
        self.hanging = 0
        self.answered = 0
        self.cond = threading.Condition()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                with proxy.cond:
                    if proxy.mode == "hang":
                        proxy.hanging += 1
                        proxy.cond.wait_for(lambda: proxy.mode != "hang")
                        proxy.hanging -= 1
                        return
                    mode = proxy.mode
                if mode == "500":
                    self.reply(500, b'{"error": "internal", '
                               b'"message": "injected"}')
                elif mode == "junk":
                    self.reply(200, b"\x00\xff{{ not json")
                else:
                    try:
                        with urllib.request.urlopen(upstream + self.path,
                                                    timeout=30) as r:
                            status, body = r.status, r.read()
                    except urllib.error.HTTPError as e:
                        status, body = e.code, e.read()
                    self.reply(status, body)
                with proxy.cond:
                    proxy.answered += 1

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                     Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def set(self, mode):
        with self.cond:
            self.mode = mode
            self.answered = 0
            self.cond.notify_all()

    def close(self):
        self.set("pass")
        self.httpd.shutdown()
        self.httpd.server_close()


def many_colours(frame):
    w, h, px = frame
    return len({px[i:i + 3] for i in range(0, len(px), 3 * 37)}) > 20


def phase_faults(url):
    port = it.free_port()
    proxied = f"http://127.0.0.1:{port}"
    fdir = os.path.join(work, "frames-faults")
    klog = os.path.join(work, "kiosk-faults.log")
    ref = render(url, os.path.join(work, "ref-faults.png"))

    # Nobody on the port and no cache: the kiosk plays the no-data slide
    # from the start and says why.
    kiosk = start(kiosk_args(proxied, "--png-dir", fdir, "--window",
                             f"{W}x{H}", "--cache",
                             os.path.join(work, "cache-faults")), klog)
    c.true(it.wait_for(lambda: "no cached data either" in read(klog)),
           "down from the start: the kiosk says it has nothing")
    first, n = frame_after(fdir, latest_frame(fdir))
    later, n = frame_after(fdir, n)
    c.true(first is not None and later is not None,
           "down from the start: frames keep coming")
    c.true(first is not None and many_colours(first),
           "down from the start: the frame is a slide, not blank")

    proxy = FaultProxy(port, url)
    try:
        def shows(picture):
            def check():
                nonlocal n
                f, n = frame_after(fdir, n)
                return f == picture
            return check

        c.true(it.wait_for(lambda: "fetched slide data" in read(klog)),
               "the server comes: the kiosk fetches")
        c.true(it.wait_for(shows(ref), step=0),
               "the server comes: frames are what akari render draws")

        for mode, said in [("500", "HTTP 500"),
                           ("junk", None), ("hang", None)]:
            proxy.set(mode)
            if mode == "hang":
                c.true(it.wait_for(lambda: proxy.hanging > 0),
                       "hang: a request is held")
            else:
                c.true(it.wait_for(lambda: proxy.answered > 0),
                       f"{mode}: the kiosk asked")
            if said:
                c.true(it.wait_for(lambda: said in read(klog)),
                       f"{mode}: the kiosk logs {said}")
            f1, n = frame_after(fdir, n)
            f2, n = frame_after(fdir, n)
            c.true(f1 is not None and f2 is not None,
                   f"{mode}: frames keep coming")
            if mode == "hang":
                c.true(proxy.hanging > 0,
                       "hang: the frames came while a request was held")
            c.eq(kiosk.poll(), None, f"{mode}: the kiosk runs on")
        stale, n = frame_after(fdir, n)
        box = diff_box(stale, ref) if stale else None
        c.true(box is not None and (box[2] - box[0]) * (box[3] - box[1]) <
               W * H / 4, f"after the faults: the slide is the last good "
               f"data with the stale mark ({box})")

        log_before = read(klog).count("server answers again")
        proxy.set("pass")
        c.true(it.wait_for(lambda: read(klog).count("server answers again") >
                           log_before), "the server answers again: logged")
        c.true(it.wait_for(shows(ref), step=0),
               "the server answers again: the stale mark is gone")
        c.eq(stop(kiosk), 0, "fault kiosk stops cleanly")
    finally:
        proxy.close()


def phase_sdl(url):
    if not shutil.which("Xvfb") or not shutil.which("xwd"):
        c.true(False, "Xvfb and xwd are installed "
               "(scripts/install-deps.sh)")
        return
    n = it.free_display()
    xvfb, started = it.xvfb(n, "1280x720x24", os.path.join(work, "xvfb.log"),
                            "-br", timeout=DEADLINE)
    procs.append(xvfb)
    if not started:
        c.true(False, "Xvfb started:\n" + read(os.path.join(work,
                                                             "xvfb.log")))
        return
    env = dict(os.environ, DISPLAY=f":{n}")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    klog = os.path.join(work, "kiosk-sdl.log")
    kiosk = start(kiosk_args(url, "--window", "1280x720", "--no-cache",
                             "--fallback-dir", os.path.join(work, "fb")),
                  klog, env=env)
    c.true(it.wait_for(lambda: "first frame shown" in read(klog) or
                       kiosk.poll() is not None), "SDL kiosk shows a frame")
    c.true("x11 window 1280x720" in read(klog), "it is an X11 window")
    c.true(not os.path.exists(os.path.join(work, "fb")),
           "no fallback to PNG files")
    ref = render(url, os.path.join(work, "ref-1280.png"), 1280, 720)

    shot = None

    def screenshot_matches():
        nonlocal shot
        p = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"],
                           capture_output=True, timeout=60)
        shot = it.xwd_rgb(p.stdout) if p.returncode == 0 else None
        return shot == ref

    it.wait_for(screenshot_matches, step=0.5)
    c.true(shot is not None, "screenshot taken")
    if shot:
        w, h, px = shot
        c.eq((w, h), (1280, 720), "screenshot size")
        pixels = [px[i:i + 3] for i in range(0, len(px), 3 * 97)]
        black = sum(1 for p in pixels if max(p) < 8)
        c.true(black < len(pixels) / 20, f"screen is not black "
               f"({black} of {len(pixels)} sampled pixels are)")
        c.true(len(set(pixels)) > 50, f"many colours "
               f"({len(set(pixels))} in the sample)")
        c.true(shot == ref, "the window shows what akari render draws")
    c.eq(stop(kiosk), 0, "SDL kiosk stops cleanly")
    stop(xvfb)


def phase_cli():
    """Usage errors say what was wrong; an absent server is an error of
    its own, reported quickly."""
    dead = f"http://127.0.0.1:{it.free_port()}"
    for args, what in [
            (["kiosk"], "--server"),
            (["kiosk", "--server", dead, "--replay",
              f"{TO},{FROM}"], "--replay"),
            (["kiosk", "--server", dead, "--replay",
              "2022-06-27T14:00:00,2022-06-27T15:00:00"], "--replay"),
            (["kiosk", "--server", dead, "--speed", "2"], "--speed"),
            (["kiosk", "--server", dead, "--window", "big"], "--window"),
            (["kiosk", "--server", dead, "--slides", "grid,news"],
             "--slides"),
            (["kiosk", "--server", dead, "--fullscreen", "--png-dir",
              work], "--png-dir"),
            (["render", "--server", dead, "--slide", "forecast", "-o",
              "x.png"], "--slide"),
            (["render", "--server", dead, "--slide", "grid", "--at",
              "yesterday", "-o", "x.png"], "--at")]:
        p = it.run(*args, check=False)
        c.eq(p.returncode, 2, f"{' '.join(args[:1] + args[3:])}: status")
        c.true(what in p.stderr, f"{args}: names {what}: {p.stderr!r}")

    out = os.path.join(work, "never.png")
    p = it.run("render", "--server", dead, "--slide", "grid", "-o", out,
               check=False)
    c.eq(p.returncode, 1, "render without a server: status")
    c.true("cannot fetch" in p.stderr, "render says it cannot fetch")
    c.true(not os.path.exists(out), "render wrote no file")


def main():
    try:
        phase_cli()
        url, srv = phase_png()
        phase_faults(url)
        phase_sdl(url)
        stop(srv)
    finally:
        for p in reversed(procs):
            stop(p)
    c.finish_in(work)


main()
