"""it_displays: display heartbeats, screenshots, proof of play and the
server's online/offline state.

(a) By hand over HTTP: a fresh database lists no displays.  A heartbeat
without a token, with an unknown one, with a meter's token or with the
token of another display is refused (401, 401, 403, 403) and registers
nothing.  With its own token (a device of kind display named as the
display) a first
heartbeat registers the display, a second one does not; the listing
holds exactly what was sent, the sender's address, two beats and a
last_seen on the server's clock (between the local clock read before
and after, this being the same box).  Bad heartbeats are refused with
the documented codes.  Once the last heartbeat is two seconds old, the
display is offline for ?offline_after=1 and still online for the
default of 90 s.  A restarted server on the same file still knows it.
Screenshots: none at first (404); a body that is no PNG, a missing
token and the wrong type are refused; a PNG made here comes back byte
for byte as image/png.  A screenshot request needs an admin token (401
without), is 404 for an unknown display, shows in the next heartbeat's
answer and is cleared by the next upload.  Plays: a batch is stored, the
same batch sent again adds none, an overlapping one adds only the new
plays; GET returns the plays that began in [from, to), counted here from
what was sent; bad batches are refused and change nothing.
(b) The real kiosk, started with --display-id and --token-file,
heartbeats by itself: its version is the project's VERSION in
CMakeLists.txt, its slide the one it plays, its uptime grows between
beats and its data age is a number.  With --screenshot-every it sends
screenshots, each byte for byte one of the frames it wrote with
--png-dir; a screenshot asked for by staff arrives.  Its plays alternate
between its two slides, a slide period each.  With the server stopped
it keeps its plays in its queue file, and sends them once a server
answers on the same port again, none lost.  The plays it has not sent
when it stops wait in that file, and a kiosk started again sends them.  After the
kiosk is stopped it turns offline the same way.
"""
import json
import os
import re
import struct
import zlib
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


TOKENS = {}


def bearer(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


def beat(url, ident, body, ctype="application/json", token=None):
    if token is None:
        token = TOKENS.get(ident.split("%")[0][:63], "")
    return it.http("POST", f"{url}/api/v1/displays/{ident}/heartbeat",
                   body, {"Content-Type": ctype, **bearer(token)})


def add_display(ident, kind="display"):
    """A device of the kind on site hall; returns its token."""
    return it.run("device", "add", "--db", db, "--site", "hall", "--kind",
                  kind, ident).stdout.strip()


def png(width, height, seed):
    """A small RGB PNG, written here from its definition (RFC 2083)."""
    def chunk(kind, data):
        c = kind + data
        return (struct.pack(">I", len(data)) + c +
                struct.pack(">I", zlib.crc32(c) & 0xffffffff))
    rows = b"".join(b"\0" + bytes((seed + x * 7 + y * 13) % 256
                                   for x in range(width * 3))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0,
                                       0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def shot_put(url, ident, body, token, ctype="image/png"):
    return it.http("POST", f"{url}/api/v1/displays/{ident}/screenshot",
                   body, {"Content-Type": ctype, **bearer(token)})


def shot_get(url, ident):
    return it.http("GET", f"{url}/api/v1/displays/{ident}/screenshot")


def plays_put(url, ident, plays, token):
    return it.http("POST", f"{url}/api/v1/displays/{ident}/plays",
                   {"plays": plays} if isinstance(plays, list) else plays,
                   {"Content-Type": "application/json", **bearer(token)})


def plays_get(url, ident, start, end):
    status, _, body = it.get(f"{url}/api/v1/displays/{ident}/plays"
                             f"?from={start}&to={end}")
    return status, body


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


def phase_auth(url):
    c.eq(listing(url)["displays"], [], "a fresh database lists none")
    sent = {"version": "9.8.7", "uptime_s": 1}
    for what, ident, token, want, code in [
            ("no token", "hall-1", "", 401, "missing_token"),
            ("an unknown token", "hall-1", "x" * 43, 401, "bad_token"),
            ("a meter's token", "meter-1", TOKENS["meter-1"], 403,
             "wrong_display"),
            ("another display's token", "hall-2", TOKENS["hall-1"], 403,
             "wrong_display")]:
        status, hdrs, a = beat(url, ident, sent, token=token)
        c.eq((status, a.get("error") if isinstance(a, dict) else a),
             (want, code), f"heartbeat with {what}")
        if want == 401:
            c.eq(hdrs.get("WWW-Authenticate"), "Bearer",
                 f"401 for {what} names the scheme")
    c.eq(listing(url)["displays"], [], "refused heartbeats register none")


def phase_shots(url):
    tok = TOKENS["hall-1"]
    status, _, a = shot_get(url, "hall-1")
    c.eq((status, a.get("error")), (404, "no_screenshot"),
         "no screenshot yet")
    picture = png(32, 18, 5)
    for what, body, token, ctype, want in [
            ("no token", picture, "", "image/png", 401),
            ("another display's token", picture, TOKENS["hall-2"],
             "image/png", 403),
            ("no PNG", b"GIF89a" + bytes(40), tok, "image/png", 400),
            ("a cut PNG", picture[:20], tok, "image/png", 400),
            ("the wrong type", picture, tok, "application/json", 415)]:
        status, _, _ = shot_put(url, "hall-1", body, token, ctype)
        c.eq(status, want, f"screenshot with {what}")
    status, _, _ = shot_get(url, "hall-1")
    c.eq(status, 404, "refused screenshots store none")

    status, _, a = shot_put(url, "hall-1", picture, tok)
    c.eq((status, a.get("bytes")), (200, len(picture)), "screenshot sent")
    status, hdrs, body = shot_get(url, "hall-1")
    c.eq((status, hdrs.get("Content-Type")), (200, "image/png"),
         "screenshot served as image/png")
    c.true(body == picture, "the screenshot comes back byte for byte")
    newer = png(32, 18, 99)
    shot_put(url, "hall-1", newer, tok)
    c.true(shot_get(url, "hall-1")[2] == newer, "the newest one is kept")

    req = f"{url}/api/v1/displays/hall-1/screenshot-request"
    status, _, _ = it.http("POST", req, {}, {})
    c.eq(status, 401, "a screenshot request needs an admin token")
    status, _, _ = it.http("POST", req, {}, bearer(TOKENS["hall-1"]))
    c.eq(status, 401, "a display's token is no admin token")
    status, _, a = it.http(
        "POST", f"{url}/api/v1/displays/nobody/screenshot-request", {},
        bearer(ADMIN[0]))
    c.eq((status, a.get("error")), (404, "unknown_display"),
         "screenshot request for an unknown display")
    c.eq(beat(url, "hall-1", {"version": "1", "uptime_s": 1})[2].get(
        "screenshot_requested"), False, "no request yet")
    status, _, _ = it.http("POST", req, {}, bearer(ADMIN[0]))
    c.eq(status, 200, "staff ask for a screenshot")
    for i in range(2):
        c.eq(beat(url, "hall-1", {"version": "1", "uptime_s": 1})[2].get(
            "screenshot_requested"), True,
            f"heartbeat answer {i + 1} carries the request")
    shot_put(url, "hall-1", picture, tok)
    c.eq(beat(url, "hall-1", {"version": "1", "uptime_s": 1})[2].get(
        "screenshot_requested"), False, "an upload clears the request")


def phase_plays(url):
    tok = TOKENS["hall-1"]
    t0 = 1656306000
    first = [{"slide": "grid", "start": t0, "seconds": 10.0},
             {"slide": "air", "start": t0 + 10, "seconds": 10.0},
             {"slide": "grid", "start": t0 + 20, "seconds": 9.5}]
    more = first[1:] + [{"slide": "air", "start": t0 + 30, "seconds": 10.0}]
    status, _, a = plays_put(url, "hall-1", first, tok)
    c.eq((status, a.get("received"), a.get("added")), (200, 3, 3),
         "a first batch of plays")
    status, _, a = plays_put(url, "hall-1", first, tok)
    c.eq((status, a.get("added")), (200, 0), "the same batch again adds none")
    status, _, a = plays_put(url, "hall-1", more, tok)
    c.eq((status, a.get("added")), (200, 1),
         "an overlapping batch adds only its new play")

    every = first + more[-1:]
    for start, end in [(t0, t0 + 40), (t0 + 10, t0 + 30), (0, t0)]:
        want = [p for p in every if start <= p["start"] < end]
        status, body = plays_get(url, "hall-1", start, end)
        c.eq((status, body.get("plays") if isinstance(body, dict) else body),
             (200, want), f"plays in [{start}, {end})")

    for what, body, token, want in [
            ("no token", first, "", 401),
            ("another display's token", first, TOKENS["hall-2"], 403),
            ("no list", {"plays": 3}, tok, 400),
            ("a play without a slide", [{"start": t0, "seconds": 1}], tok,
             400),
            ("a negative length", [dict(first[0], start=t0 + 99,
                                        seconds=-1)], tok, 400),
            ("a bad one after a good one",
             [dict(first[0], start=t0 + 98), {"slide": "x"}], tok, 400)]:
        status, _, _ = plays_put(url, "hall-1", body, token)
        c.eq(status, want, f"plays with {what}")
    status, body = plays_get(url, "hall-1", 0, t0 + 1000)
    c.eq(len(body.get("plays", [])), 4, "refused batches changed nothing")
    for query, want in [("", 400), ("?from=5", 400),
                        ("?from=5&to=5", 400), ("?from=x&to=9", 400)]:
        status, _, _ = it.get(f"{url}/api/v1/displays/hall-1/plays{query}")
        c.eq(status, want, f"plays query {query!r}")


def phase_by_hand(url):

    sent = {"version": "9.8.7", "uptime_s": 42, "slide": "grid",
            "cache_age_s": 7}
    before = int(time.time())
    status, _, a = beat(url, "hall-1", sent)
    c.eq((status, a.get("screenshot_requested")), (200, False),
         "first heartbeat")
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
            ("hall-1", sent, "text/plain", 415, "unsupported_media_type"),
            ("hall-1", sent, "application/json", 401, "bad_token")]:
        status, _, a = beat(url, ident, body, ctype,
                            "nope" if want == 401 else TOKENS["hall-1"])
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


def frames_bytes(frames):
    out = set()
    for name in os.listdir(frames):
        if name.startswith("frame-"):
            with open(os.path.join(frames, name), "rb") as f:
                out.add(f.read())
    return out


def screenshot_taken(url, ident):
    status, hdrs, body = shot_get(url, ident)
    return (int(hdrs["X-Akari-Taken"]), body) if status == 200 else None


def kiosk_plays(url, since):
    status, body = plays_get(url, "lobby", since, int(time.time()) + 60)
    return body["plays"] if status == 200 else []


def check_plays(plays, what):
    """Alternating slides, one slide period (1 s) each, no gaps."""
    c.true(len(plays) >= 4, f"{what}: plays recorded ({len(plays)})")
    c.true(all(a["slide"] != b["slide"] for a, b in zip(plays, plays[1:])),
           f"{what}: slides alternate {[p['slide'] for p in plays]}")
    c.true({p["slide"] for p in plays} <= {"household", "air"},
           f"{what}: the slides played")
    c.true(all(0.5 <= p["seconds"] <= 1.5 for p in plays),
           f"{what}: a slide period each {[p['seconds'] for p in plays]}")
    # start is the whole second a play began: consecutive ones are at
    # most a period and a second apart when none is missing.
    gaps = [b["start"] - a["start"] for a, b in zip(plays, plays[1:])]
    c.true(all(0 <= g <= 2 for g in gaps), f"{what}: no play lost {gaps}")


def phase_kiosk(srv):
    url = srv.url
    log = os.path.join(work, "kiosk.log")
    frames = os.path.join(work, "frames")
    cache = os.path.join(work, "kcache")
    token = os.path.join(work, "lobby.token")
    with open(token, "w") as f:
        f.write(TOKENS["lobby"] + "\n")
    os.mkdir(frames)
    since = int(time.time()) - 1
    with open(log, "w") as f:
        p = subprocess.Popen(
            [it.AKARI, "kiosk", "--server", url, "--png-dir", frames,
             "--window", "160x90", "--cache", cache, "--slides",
             "household,air", "--slide-seconds", "1", "--fade-seconds", "0",
             "--fetch-seconds", "0.5", "--display-id", "lobby",
             "--token-file", token, "--heartbeat-seconds", "1",
             "--screenshot-every", "3600"],
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
        c.true(later["slide"] in ("household", "air"),
               f"kiosk slide {later['slide']!r}")
        c.true(later["uptime_s"] > first["uptime_s"],
               f"uptime grows ({first['uptime_s']} -> "
               f"{later['uptime_s']})")
        c.true(isinstance(later["cache_age_s"], int) and
               later["cache_age_s"] >= 0,
               f"kiosk data age {later['cache_age_s']!r}")
        c.eq(later["state"], "online", "kiosk online")

    # The scheduled screenshot, then one asked for.
    shot = wait_for(lambda: screenshot_taken(url, "lobby"))
    c.true(shot is not None, "the kiosk sends a screenshot")
    if shot:
        c.true(shot[1] in frames_bytes(frames),
               "the screenshot is one of the frames the kiosk wrote")
        time.sleep(1.1)
        status, _, _ = it.http(
            "POST", f"{url}/api/v1/displays/lobby/screenshot-request", {},
            bearer(ADMIN[0]))
        c.eq(status, 200, "staff ask the kiosk for a screenshot")
        asked = wait_for(lambda: (lambda s: s if s and s[0] > shot[0]
                                  else None)(screenshot_taken(url,
                                                              "lobby")))
        c.true(asked is not None, "the kiosk sends the screenshot asked for")
        if asked:
            c.true(asked[1] in frames_bytes(frames),
                   "that screenshot is one of its frames too")

    plays = wait_for(lambda: (lambda ps: ps if len(ps) >= 4 else None)(
        kiosk_plays(url, since)))
    check_plays(plays or [], "plays while the server is up")

    # The server goes away: the plays wait in the queue file.
    queue = os.path.join(cache, "plays.jsonl")
    stopped = int(time.time())
    srv.stop()
    c.true(wait_for(lambda: os.path.exists(queue) and
                    len(open(queue).read().splitlines()) >= 3),
           "plays are queued on disk while the server is away")
    srv.start()
    c.eq(srv.url, url, "the server is back on the same port")
    back = int(time.time())
    plays = wait_for(lambda: (lambda ps: ps if ps and
                              ps[-1]["start"] > back + 1 else None)(
        kiosk_plays(url, since)))
    check_plays(plays or [], "plays across the outage")
    outage = [q for q in plays or [] if stopped < q["start"] < back - 1]
    c.true(len(outage) >= 2, f"the plays of the outage arrived: {outage}")

    p.send_signal(signal.SIGTERM)
    c.eq(p.wait(timeout=30), 0, "kiosk stops cleanly")

    # What it had not sent yet waits in the queue file for the next
    # start, which sends it.
    left = [json.loads(line) for line in open(queue).read().splitlines()]
    c.true(left, f"the stopped kiosk left plays queued ({len(left)})")
    with open(log, "a") as f:
        p = subprocess.Popen(
            [it.AKARI, "kiosk", "--server", url, "--png-dir", frames,
             "--window", "160x90", "--cache", cache, "--slides",
             "household,air", "--slide-seconds", "1", "--fade-seconds", "0",
             "--display-id", "lobby", "--token-file", token],
            stdout=f, stderr=subprocess.STDOUT)
    procs.append(p)
    sent = wait_for(lambda: (lambda have: all(
        (q["slide"], q["start"]) in have for q in left))(
        {(q["slide"], q["start"]) for q in kiosk_plays(url, since)}))
    c.true(sent, "the next start sends the plays left queued")
    p.send_signal(signal.SIGTERM)
    c.eq(p.wait(timeout=30), 0, "the second kiosk stops cleanly")
    c.true(aged(url, "lobby", 2) is not None, "the kiosk's beats stop")
    c.eq(entry(url, "lobby", "?offline_after=1")["state"], "offline",
         "stopped kiosk is offline")


def setup():
    it.run("site", "add", "--db", db, "hall", "--kind", "building", "--tz",
           "Asia/Tokyo")
    for ident in ("hall-1", "hall-2", "lobby"):
        TOKENS[ident] = add_display(ident)
    TOKENS["meter-1"] = add_display("meter-1", kind="meter")
    ADMIN.append(it.run("admin", "token", "add", "--db", db,
                        "staff").stdout.strip())


ADMIN = []
try:
    setup()
    srv = it.Server(db, ["--listen", f"127.0.0.1:{it.free_port()}"])
    srv.start()
    try:
        phase_auth(srv.url)
        phase_by_hand(srv.url)
        phase_shots(srv.url)
        phase_plays(srv.url)
        phase_kiosk(srv)
    finally:
        srv.stop()
    with it.Server(db) as srv:
        ids = [d["id"] for d in listing(srv.url)["displays"]]
        c.eq(ids, ["hall-1", "lobby"], "displays survive a restart")
        status, _, body = shot_get(srv.url, "hall-1")
        c.eq(status, 200, "the screenshot survives a restart")
finally:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shutil.rmtree(work, ignore_errors=True)
c.finish()
