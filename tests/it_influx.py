"""Integration test of the InfluxDB routes: /ping, /write (1.x) and
/api/v2/write (2.x) on a real `akari serve` with a mapping file, every
way a client sends its token, gzip bodies (from Python's gzip module and
from the curl command), precision, partial writes, and each error with
its status, InfluxDB's error body and an unchanged database.

Expected values are written by hand from the lines this test sends;
times are Unix seconds that Python's datetime checks.
"""
import base64
import datetime
import gzip
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

MAX_BODY = 65536
# 2022-06-27T00:00:00Z
T0 = 1656288000
assert T0 == int(datetime.datetime(2022, 6, 27,
                                   tzinfo=datetime.timezone.utc).timestamp())

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "influx.db")
lp_map = os.path.join(work, "lp.map")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def setup():
    cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
    cli("site", "add", "pool", "--kind", "building", "--tz", "Asia/Tokyo")
    for key, site, q, unit, kind in [
            ("hall/power", "hall", "power", "kW", "instantaneous"),
            ("hall/temp", "hall", "temperature", "degC", "instantaneous"),
            ("hall/door", "hall", "state", "state", "state"),
            ("pool/power", "pool", "power", "kW", "instantaneous")]:
        cli("point", "add", key, "--site", site, "--quantity", q,
            "--unit", unit, "--kind", kind)
    token = cli("device", "add", "--site", "hall", "gw").strip()
    c.eq(len(token), 43, "device token length")
    with open(lp_map, "w") as f:
        f.write("# Telegraf-style meters name their site in a tag.\n"
                "meter,site=* kw -> {site}/power\n"
                "meter * -> -\n")
    return token


def readings(url, key):
    """The (ts, value) pairs of key from T0 on, through the JSON API."""
    q = urllib.parse.urlencode({"from": T0 - 86400, "to": T0 + 86400})
    status, _, body = it.get(f"{url}/api/v1/points/{key}/readings?{q}")
    c.eq(status, 200, f"readings of {key}")
    out = []
    for r in body.get("readings", []) if isinstance(body, dict) else []:
        ts = int(datetime.datetime.fromisoformat(r["ts"]).timestamp())
        out.append((ts, r["value"]))
    return out


def count(url):
    status, _, body = it.get(url + "/api/v1/health")
    return body.get("readings") if isinstance(body, dict) else None


def write(url, path, body, headers=None, **params):
    q = "?" + urllib.parse.urlencode(params) if params else ""
    return it.http("POST", url + path + q, body, headers or {})


def check_refused(what, answer, status, code, url, before, v1=False):
    """An error answer in InfluxDB's words, and nothing stored."""
    got, hdrs, body = answer
    c.eq(got, status, what + ": status")
    c.eq(isinstance(body, dict) and body.get("code"), code, what + ": code")
    c.true(isinstance(body, dict) and body.get("message"),
           what + ": message")
    if v1:
        c.eq(body.get("error"), body.get("message"), what + ": 1.x error")
    c.eq(hdrs.get("X-Influxdb-Version", "")[:3], "1.8",
         what + ": X-Influxdb-Version")
    c.eq(count(url), before, what + ": database unchanged")
    return body if isinstance(body, dict) else {}


def test_ping(url):
    for method in ("GET", "HEAD"):
        status, hdrs, body = it.http(method, url + "/ping")
        c.eq(status, 204, f"{method} /ping")
        c.true("X-Influxdb-Version" in hdrs, f"{method} /ping version")
        c.eq(body, b"", f"{method} /ping body")
    status, hdrs, _ = it.http("POST", url + "/ping", b"")
    c.eq(status, 405, "POST /ping")


def test_v2(url, token):
    auth = {"Authorization": "Token " + token}

    # Seconds; the 2.x names of precision.
    body = (f"hall power=1.5,temp=21.25 {T0}\n"
            f"hall door=true {T0}\n"
            f"hall power=2i {T0 + 60}\n")
    status, hdrs, _ = write(url, "/api/v2/write", body, auth,
                            org="town", bucket="b", precision="s")
    c.eq(status, 204, "v2 write")
    c.true("X-Influxdb-Version" in hdrs, "v2 write version header")
    c.eq(readings(url, "hall/power"), [(T0, 1.5), (T0 + 60, 2.0)],
         "v2 power")
    c.eq(readings(url, "hall/temp"), [(T0, 21.25)], "v2 temp")
    c.eq(readings(url, "hall/door"), [(T0, 1.0)], "v2 door")

    # Nanoseconds by default: 1656288120.5 s is in second T0 + 120.
    status, _, _ = write(url, "/api/v2/write",
                         f"hall power=3 {T0 + 120}500000000", auth)
    c.eq(status, 204, "v2 write in ns")
    c.eq(readings(url, "hall/power")[-1], (T0 + 120, 3.0), "v2 ns time")

    # Milliseconds, CRLF line ends and a comment.
    status, _, _ = write(url, "/api/v2/write",
                         f"# from a gateway\r\nhall power=4 {T0 + 180}000"
                         "\r\n", auth, precision="ms")
    c.eq(status, 204, "v2 write in ms")
    c.eq(readings(url, "hall/power")[-1], (T0 + 180, 4.0), "v2 ms time")


def test_v1_auth(url, token):
    # The token as the p parameter, as Basic auth, and as Bearer.
    basic = base64.b64encode(f"gw:{token}".encode()).decode()
    cases = [
        ({}, {"u": "gw", "p": token}, 240, 5.0),
        ({"Authorization": "Basic " + basic}, {}, 300, 6.0),
        ({"Authorization": "Bearer " + token}, {}, 360, 7.0),
    ]
    # Minutes, the 1.x precision m.
    for headers, params, dt, value in cases:
        status, _, _ = write(url, "/write",
                             f"hall power={value} {(T0 + dt) // 60}",
                             headers, db="town", precision="m",
                             **params)
        c.eq(status, 204, f"v1 write with auth {list(headers) or params}")
    got = dict(readings(url, "hall/power"))
    for _, _, dt, value in cases:
        c.eq(got.get(T0 + dt), value, f"v1 value at T0+{dt}")


def test_gzip(url, token):
    auth = {"Authorization": "Token " + token,
            "Content-Encoding": "gzip"}
    lines = "".join(f"hall temp={20 + i / 4} {T0 + 60 * i}\n"
                    for i in range(1, 11))
    status, _, _ = write(url, "/api/v2/write", gzip.compress(
        lines.encode()), auth, precision="s")
    c.eq(status, 204, "gzip write")
    want = [(T0, 21.25)] + [(T0 + 60 * i, 20 + i / 4) for i in range(1, 11)]
    c.eq(readings(url, "hall/temp"), want, "gzip values")

    # The same through the curl command, as an operator would try it.
    path = os.path.join(work, "body.lp.gz")
    with open(path, "wb") as f:
        f.write(gzip.compress(f"hall temp=30.5 {T0 + 3600}\n".encode()))
    p = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
         "-H", "Authorization: Token " + token,
         "-H", "Content-Encoding: gzip", "--data-binary", "@" + path,
         url + "/api/v2/write?precision=s"],
        capture_output=True, text=True, timeout=60)
    c.eq(p.stdout, "204", "curl gzip write")
    c.eq(readings(url, "hall/temp")[-1], (T0 + 3600, 30.5),
         "curl gzip value")


def test_mapping(url, token):
    auth = {"Authorization": "Token " + token}

    # The map file: a meter's kw goes to {site}/power, its other fields
    # are dropped without an error.
    body = f"meter,site=hall kw=8.5,volts=230 {T0 + 420}"
    status, _, _ = write(url, "/api/v2/write", body, auth, precision="s")
    c.eq(status, 204, "mapped write")
    c.eq(dict(readings(url, "hall/power")).get(T0 + 420), 8.5,
         "mapped value")

    # A point tag names the point directly.
    body = f"anything,point=hall/power value=9 {T0 + 480}"
    status, _, _ = write(url, "/api/v2/write", body, auth, precision="s")
    c.eq(status, 204, "point tag write")
    c.eq(dict(readings(url, "hall/power")).get(T0 + 480), 9.0,
         "point tag value")


def test_partial(url, token):
    auth = {"Authorization": "Token " + token}
    before = count(url)

    # Lines 1 and 4 are stored; 2 has no value, 3 is a string, 5 is an
    # unknown point.
    body = (f"hall power=10 {T0 + 540}\n"
            f"hall power= {T0 + 600}\n"
            f"hall note=\"hi\" {T0 + 600}\n"
            f"hall power=11 {T0 + 600}\n"
            f"hall volts=1 {T0 + 600}\n")
    status, _, answer = write(url, "/api/v2/write", body, auth,
                              precision="s")
    c.eq(status, 400, "partial: status")
    c.eq(answer.get("code"), "invalid", "partial: code")
    c.eq(answer.get("line"), 2, "partial: first line")
    msg = answer.get("message", "")
    c.true(msg.startswith("partial write: 2 readings accepted, 3 refused"),
           "partial: message " + msg)
    c.true("line 2: missing field value" in msg, "partial: line 2")
    c.true("line 3: field \"note\" is a string" in msg, "partial: line 3")
    c.true("line 5: no point \"hall/volts\"" in msg, "partial: line 5")
    c.eq(count(url), before + 2, "partial: two stored")
    got = dict(readings(url, "hall/power"))
    c.eq((got.get(T0 + 540), got.get(T0 + 600)), (10.0, 11.0),
         "partial: stored values")


def test_errors(url, token):
    auth = {"Authorization": "Token " + token}
    good = f"hall power=99 {T0 + 5000}"
    before = count(url)

    check_refused("no token", write(url, "/api/v2/write", good, {},
                                    precision="s"),
                  401, "unauthorized", url, before)
    check_refused("wrong token", write(
        url, "/api/v2/write", good, {"Authorization": "Token nope"},
        precision="s"), 401, "unauthorized", url, before)
    check_refused("wrong p", write(url, "/write", good, {}, u="gw",
                                   p="nope", precision="s"),
                  401, "unauthorized", url, before, v1=True)
    # 2.x takes no token from the query.
    check_refused("p on v2", write(url, "/api/v2/write", good, {},
                                   p=token, precision="s"),
                  401, "unauthorized", url, before)
    check_refused("v2 precision n", write(url, "/api/v2/write", good, auth,
                                          precision="n"),
                  400, "invalid", url, before)
    check_refused("v1 precision ns", write(url, "/write", good, auth,
                                           precision="ns"),
                  400, "invalid", url, before, v1=True)
    body = check_refused("unknown point", write(
        url, "/api/v2/write", f"nope v=1 {T0}", auth, precision="s"),
        404, "not found", url, before)
    c.eq(body.get("message"), "line 1: no point \"nope/v\"",
         "unknown point message")
    check_refused("other site", write(
        url, "/api/v2/write", f"x,point=pool/power value=1 {T0}", auth,
        precision="s"), 403, "forbidden", url, before)
    body = check_refused("parse error", write(
        url, "/api/v2/write", "\nhall power=1 12x\n", auth,
        precision="s"), 400, "invalid", url, before)
    c.eq(body.get("message"), "line 2: invalid timestamp",
         "parse error message")
    c.eq(body.get("line"), 2, "parse error line")
    check_refused("empty", write(url, "/api/v2/write", "", auth),
                  400, "invalid", url, before)
    check_refused("corrupt gzip", write(
        url, "/api/v2/write", b"\x1f\x8bnot gzip at all", dict(
            auth, **{"Content-Encoding": "gzip"})),
        400, "invalid", url, before)
    check_refused("truncated gzip", write(
        url, "/api/v2/write", gzip.compress(good.encode())[:-12], dict(
            auth, **{"Content-Encoding": "gzip"}), precision="s"),
        400, "invalid", url, before)
    check_refused("encoding", write(
        url, "/api/v2/write", good, dict(auth, **{"Content-Encoding":
                                                  "br"})),
        415, "unsupported media type", url, before)

    # Too large as sent, and too large once unzipped.
    big = "#" * (MAX_BODY + 1)
    check_refused("too large", write(url, "/api/v2/write", big, auth),
                  413, "request too large", url, before)
    bomb = gzip.compress(("#" * (MAX_BODY + 100) + "\n" + good).encode())
    c.true(len(bomb) < MAX_BODY, "the bomb is small")
    check_refused("unzips too large", write(
        url, "/api/v2/write", bomb, dict(
            auth, **{"Content-Encoding": "gzip"}), precision="s"),
        413, "request too large", url, before)
    # A 141-byte field key makes a key too long; the refusal quotes 64
    # bytes of it, which end one byte into the 32nd e-acute.
    check_refused("a long name cut inside a character", write(
        url, "/api/v2/write", "hall a" + "\u00e9" * 70 + f"=1 {T0}", auth,
        precision="s"), 400, "invalid", url, before)

    status, hdrs, _ = it.http("GET", url + "/api/v2/write")
    c.eq(status, 405, "GET /api/v2/write")
    c.eq(hdrs.get("Allow"), "POST", "GET /api/v2/write: Allow")
    c.eq(count(url), before, "errors: database unchanged")


def main():
    token = setup()
    with it.Server(db, ["--max-body", str(MAX_BODY), "--lp-map",
                        lp_map]) as srv:
        test_ping(srv.url)
        test_v2(srv.url, token)
        test_v1_auth(srv.url, token)
        test_gzip(srv.url, token)
        test_mapping(srv.url, token)
        test_partial(srv.url, token)
        test_errors(srv.url, token)

    # A map file that does not parse stops the server before it binds.
    with open(lp_map, "w") as f:
        f.write("meter kw => x\n")
    p = it.run("serve", "--db", db, "--listen", "127.0.0.1:0", "--lp-map",
               lp_map, check=False)
    c.eq(p.returncode, 2, "bad map: exit status")
    c.true("lp.map:1: a rule is" in p.stderr, "bad map: message " +
           p.stderr)
    c.finish()


main()
