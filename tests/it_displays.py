"""it_displays: display heartbeats and the server's online/offline state.

(a) By hand over HTTP: a fresh database lists no displays; a first
heartbeat registers the display, a second one does not; the listing
holds exactly what was sent, the sender's address, two beats and a
last_seen on the server's clock (between the local clock read before
and after, this being the same box).  Bad heartbeats are refused with
the documented codes.  Once the last heartbeat is two seconds old, the
display is offline for ?offline_after=1 and still online for the
default of 90 s.  A restarted server on the same file still knows it.
(b) The real kiosk, started with --display-id, heartbeats by itself:
its version is the project's VERSION in CMakeLists.txt, its slide the
one it plays, its uptime grows between beats and its data age is a
number.  After the kiosk is stopped it turns offline the same way.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

DEADLINE = 60  # seconds a single wait may take before it counts as failed

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "displays.db")
procs = []


def project_version():
    text = open(os.path.join(it.SOURCE_DIR, "CMakeLists.txt")).read()
    return re.search(r"project\(akari VERSION ([0-9.]+)", text).group(1)


def beat(url, ident, body, ctype="application/json"):
    return it.http("POST", f"{url}/api/v1/displays/{ident}/heartbeat",
                   body, {"Content-Type": ctype})


def listing(url, query=""):
    status, _, body = it.get(url + "/api/v1/displays" + query)
    c.eq(status, 200, f"GET /api/v1/displays{query}")
    return body if isinstance(body, dict) else {"displays": []}


def entry(url, ident, query=""):
    for d in listing(url, query)["displays"]:
        if d["id"] == ident:
            return d
    return None


def wait_for(cond):
    end = time.time() + DEADLINE
    while True:
        v = cond()
        if v or time.time() > end:
            return v
        time.sleep(0.1)


def aged(url, ident, seconds):
    """Waits until the display's last heartbeat is `seconds` old on the
    server's clock; returns its entry."""
    return wait_for(lambda: (lambda d: d if d and d["age_s"] >= seconds
                             else None)(entry(url, ident)))


def phase_by_hand(url):
    c.eq(listing(url)["displays"], [], "a fresh database lists none")

    sent = {"version": "9.8.7", "uptime_s": 42, "slide": "grid",
            "cache_age_s": 7}
    before = int(time.time())
    status, _, a = beat(url, "hall-1", sent)
    c.eq(status, 200, "first heartbeat")
    c.eq(a.get("registered"), True, "first heartbeat registers")
    sent2 = dict(sent, uptime_s=43, cache_age_s=None)
    status, _, a = beat(url, "hall-1", sent2)
    after = int(time.time())
    c.eq(status, 200, "second heartbeat")
    c.eq(a.get("registered"), False, "second heartbeat is no new display")

    d = entry(url, "hall-1")
    c.true(d is not None, "hall-1 is listed")
    if d is None:
        return
    for k in ("version", "slide", "uptime_s", "cache_age_s"):
        c.eq(d[k], sent2[k], f"listed {k}")
    c.eq(d["address"], "127.0.0.1", "listed address")
    c.eq(d["beats"], 2, "beats counted")
    c.true(before <= d["first_seen"] <= d["last_seen"] <= after,
           f"seen times on the server's clock ({before}..{after}: {d})")
    c.eq((d["online"], d["state"]), (True, "online"), "online at once")

    # Refused heartbeats change nothing.
    for ident, body, ctype, want, code in [
            ("bad%20id", sent, "application/json", 400, "bad_heartbeat"),
            ("x" * 64, sent, "application/json", 400, "bad_heartbeat"),
            ("hall-1", "{", "application/json", 400, "bad_json"),
            ("hall-1", "[1]", "application/json", 400, "bad_json"),
            ("hall-1", {"uptime_s": 1}, "application/json", 400,
             "bad_heartbeat"),
            ("hall-1", dict(sent, uptime_s=-1), "application/json", 400,
             "bad_heartbeat"),
            ("hall-1", dict(sent, uptime_s=1.5), "application/json", 400,
             "bad_heartbeat"),
            ("hall-1", dict(sent, version="v" * 32), "application/json",
             400, "bad_heartbeat"),
            ("hall-1", dict(sent, slide="a\u0001b"), "application/json",
             400, "bad_heartbeat"),
            ("hall-1", sent, "text/plain", 415, "unsupported_media_type")]:
        status, _, a = beat(url, ident, body, ctype)
        c.eq((status, a.get("error") if isinstance(a, dict) else a),
             (want, code), f"refused heartbeat {ident[:12]} {body!r:.40}")
    status, _, _ = it.get(url + "/api/v1/displays/hall-1/heartbeat")
    c.eq(status, 405, "GET on a heartbeat URL")
    status, _, _ = it.get(url + "/api/v1/displays?offline_after=0")
    c.eq(status, 400, "offline_after=0")
    d = entry(url, "hall-1")
    c.eq((d["beats"], d["uptime_s"]), (2, 43), "refusals changed nothing")

    d = aged(url, "hall-1", 2)
    c.true(d is not None, "hall-1's heartbeat ages")
    d = entry(url, "hall-1", "?offline_after=1")
    c.eq((d["online"], d["state"]), (False, "offline"),
         "offline after 1 s without a heartbeat")
    c.eq(entry(url, "hall-1")["state"], "online",
         "still online within the default 90 s")


def phase_kiosk(url):
    log = os.path.join(work, "kiosk.log")
    frames = os.path.join(work, "frames")
    os.mkdir(frames)
    with open(log, "w") as f:
        p = subprocess.Popen(
            [it.AKARI, "kiosk", "--server", url, "--png-dir", frames,
             "--window", "160x90", "--no-cache", "--slides", "household",
             "--fetch-seconds", "0.5", "--display-id", "lobby",
             "--heartbeat-seconds", "1"],
            stdout=f, stderr=subprocess.STDOUT)
    procs.append(p)

    first = wait_for(lambda: entry(url, "lobby"))
    c.true(first is not None, "the kiosk registers itself")
    later = wait_for(lambda: (lambda d: d if d and
                              d["beats"] >= first["beats"] + 2 else None)(
        entry(url, "lobby")) if first else None)
    c.true(later is not None, "the kiosk heartbeats repeatedly")
    if first and later:
        c.eq(later["version"], project_version(), "kiosk version")
        c.eq(later["slide"], "household", "kiosk slide")
        c.true(later["uptime_s"] > first["uptime_s"],
               f"uptime grows ({first['uptime_s']} -> "
               f"{later['uptime_s']})")
        c.true(isinstance(later["cache_age_s"], int) and
               later["cache_age_s"] >= 0,
               f"kiosk data age {later['cache_age_s']!r}")
        c.eq(later["state"], "online", "kiosk online")

    p.send_signal(signal.SIGTERM)
    c.eq(p.wait(timeout=30), 0, "kiosk stops cleanly")
    c.true(aged(url, "lobby", 2) is not None, "the kiosk's beats stop")
    c.eq(entry(url, "lobby", "?offline_after=1")["state"], "offline",
         "stopped kiosk is offline")


try:
    with it.Server(db) as srv:
        phase_by_hand(srv.url)
        phase_kiosk(srv.url)
    with it.Server(db) as srv:
        ids = [d["id"] for d in listing(srv.url)["displays"]]
        c.eq(ids, ["hall-1", "lobby"], "displays survive a restart")
finally:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shutil.rmtree(work, ignore_errors=True)
c.finish()
