"""Integration test of the HTTP API: a real `akari serve`, a registry made
with the real CLI, every ingest error with its status and message, and
after each one a database that has not changed, checked both through
/api/v1/health and by reading the SQLite file directly.  Then idempotency,
the readings endpoint (raw and %2F keys, from inclusive, to exclusive),
concurrent writers, and durability across SIGKILL.

Expected values come from the batches this test sends and from Python's
own datetime, never from akari's answers.
"""
import datetime
import http.client
import json
import os
import shutil
import signal
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

MAX_BODY = 65536
JST = datetime.timezone(datetime.timedelta(hours=9))
CEST = datetime.timezone(datetime.timedelta(hours=2))
# 2022-06-27T00:00:00Z, the start of a day in the TEPCO sample.
T0 = int(datetime.datetime(2022, 6, 27, tzinfo=datetime.timezone.utc)
         .timestamp())

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "api.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def db_rows():
    """Every stored reading, read from the file, not through akari:
    [(key, ts, value)] sorted."""
    st = it.Stored(db)
    c.eq(st.problems, [], "the file keeps the store's rules")
    return sorted((k, t, v) for (k, t), v in st.by_key().items())


def health_count(url):
    status, _, body = it.get(url + "/api/v1/health")
    c.eq(status, 200, "health status")
    return body.get("readings") if isinstance(body, dict) else None


def snapshot(url):
    return health_count(url), db_rows()


def row(point, ts, value, **extra):
    return {"point": point, "ts": ts, "value": value, **extra}


def post(url, body, token, ctype="application/json", path="/api/v1/ingest"):
    headers = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    if ctype is not None:
        headers["Content-Type"] = ctype
    return it.http("POST", url + path, body, headers)


def check_error(what, answer, status, code, url, before):
    """An error answer: status, JSON body with code and message, and the
    database exactly as it was.  Returns the body."""
    got_status, hdrs, body = answer
    c.eq(got_status, status, what + ": status")
    c.eq(hdrs.get("Content-Type"), "application/json; charset=utf-8",
         what + ": content type")
    ok = isinstance(body, dict)
    c.true(ok, what + ": JSON body")
    if ok:
        c.eq(body.get("error"), code, what + ": error code")
        c.true(isinstance(body.get("message"), str) and body["message"],
               what + ": has a message")
    c.eq(snapshot(url), before, what + ": database unchanged")
    return body if ok else {}


def rejected(body):
    """(index, error) of each refused row of an ingest answer."""
    if not isinstance(body, dict):
        return None
    return [(r.get("index"), r.get("error")) for r in body.get("rejected",
                                                               [])]


def local(ts, tz=JST):
    return datetime.datetime.fromtimestamp(ts, tz).isoformat()


# --- the registry, through the CLI -------------------------------------------

cli("site", "add", "tepco", "--kind", "grid", "--tz", "Asia/Tokyo")
cli("site", "add", "berlin", "--kind", "home", "--tz", "Europe/Berlin")
token = cli("device", "add", "--site", "tepco", "meter1").strip()
berlin_token = cli("device", "add", "--site", "berlin", "meter1").strip()
cli("point", "add", "tepco/demand", "--site", "tepco", "--quantity", "power",
    "--unit", "kW", "--step", "300")
cli("point", "add", "tepco/usage", "--site", "tepco", "--quantity", "ratio",
    "--unit", "%")
cli("point", "add", "berlin/power", "--site", "berlin", "--quantity",
    "power", "--unit", "kW")
c.eq(len(token), 43, "token is 43 characters")
c.true(token != berlin_token, "tokens differ")

# The CLI's own errors name what was wrong.
p = it.run("site", "add", "--db", db, "mars", "--kind", "grid", "--tz",
           "Mars/Base", check=False)
c.true(p.returncode != 0 and "Mars/Base" in p.stderr, "unknown zone named")
p = it.run("site", "add", "--db", db, "tepco", "--kind", "grid", "--tz",
           "Asia/Tokyo", check=False)
c.true(p.returncode != 0 and "exists" in p.stderr, "existing site refused")
p = it.run("point", "add", "--db", db, "x/y", "--site", "nowhere",
           "--quantity", "power", "--unit", "kW", check=False)
c.true(p.returncode != 0 and "nowhere" in p.stderr, "unknown site named")

srv = it.Server(db, ["--max-body", str(MAX_BODY), "--threads", "4"]).start()
url = srv.url
empty = snapshot(url)
c.eq(empty, (0, []), "a fresh database is empty")

# --- every error, and the database unchanged after it ------------------------
good = {"readings": [row("tepco/demand", T0, 1000.0)]}

# 400 bad JSON, with the line and column of the fault.
text = '{"readings": [\n  {"point": "tepco/demand", "ts": 1, "value": }\n]}'
line2 = text.split("\n")[1]
body = check_error("bad JSON", post(url, text, token), 400, "bad_json", url,
                   empty)
want = f"line 2 column {line2.rindex('}') + 1}: "
c.true(body.get("message", "").startswith(want),
       f"bad JSON message starts {want!r}: {body.get('message')!r}")
check_error("no readings array", post(url, {"rows": []}, token), 400,
            "bad_batch", url, empty)

# 401: no token, another scheme, an unknown token.
a = post(url, good, None)
check_error("missing token", a, 401, "missing_token", url, empty)
c.eq(a[1].get("WWW-Authenticate"), "Bearer", "401 names the scheme")
check_error("basic auth", it.http(
    "POST", url + "/api/v1/ingest", good,
    {"Authorization": "Basic " + token, "Content-Type": "application/json"}),
    401, "missing_token", url, empty)
check_error("wrong token", post(url, good, token[:-1] + "x"), 401,
            "bad_token", url, empty)

# 403: a device writing another site's point.
st, _, body = post(url, good, berlin_token)
c.eq(st, 403, "other site: status")
c.eq(rejected(body), [(0, "other_site")], "other site: reason")
c.eq(snapshot(url), empty, "other site: database unchanged")

# 404: every row names an unknown point; the answer lists them.
st, _, body = post(url, {"readings": [row("tepco/nope", T0, 1),
                                      row("nope", T0, 2)]}, token)
c.eq(st, 404, "unknown point: status")
c.eq([(r["index"], r["point"], r["error"]) for r in body["rejected"]],
     [(0, "tepco/nope", "unknown_point"), (1, "nope", "unknown_point")],
     "unknown point: rejected rows")
c.eq(snapshot(url), empty, "unknown point: database unchanged")
check_error("unknown point readings", it.get(
    url + "/api/v1/points/tepco%2Fnope/readings?from=0&to=1"), 404,
    "unknown_point", url, empty)
check_error("unknown site summary",
            it.get(url + "/api/v1/sites/nowhere/summary"), 404,
            "unknown_site", url, empty)
check_error("unknown endpoint", it.get(url + "/api/v1/nothing"), 404,
            "not_found", url, empty)

# 413, declared: a valid batch padded past the limit is refused from its
# Content-Length, before its body is read.
pad = json.dumps(good).encode()
big = pad[:-1] + b" " * (MAX_BODY + 1 - len(pad)) + b"}"
c.eq(len(big), MAX_BODY + 1, "oversized body is one byte over")
body = check_error("oversized body", post(url, big, token), 413,
                   "body_too_large", url, empty)
c.true(str(len(big)) in body.get("message", ""), "413 message gives the size")
# the device has no limit of its own: the message names the server's
c.true(f"this server accepts at most {MAX_BODY}" in body.get("message", "")
       and "device" not in body.get("message", ""),
       f"413 names the server's limit ({body.get('message')!r})")

# 413, streamed: a chunked body declares no length.
host, port = urllib.parse.urlsplit(url).netloc.split(":")
conn = http.client.HTTPConnection(host, int(port), timeout=60)
conn.request("POST", "/api/v1/ingest", body=iter([big[:40000], big[40000:]]),
             headers={"Authorization": "Bearer " + token,
                      "Content-Type": "application/json"},
             encode_chunked=True)
r = conn.getresponse()
raw = r.read()
conn.close()
check_error("oversized chunked body",
            (r.status, dict(r.getheaders()), json.loads(raw)), 413,
            "body_too_large", url, empty)

# 415: the wrong type, and none at all.
check_error("text/plain", post(url, good, token, "text/plain"), 415,
            "unsupported_media_type", url, empty)
check_error("no content type", it.http(
    "POST", url + "/api/v1/ingest", json.dumps(good).encode(),
    {"Authorization": "Bearer " + token, "Content-Type": ""}),
    415, "unsupported_media_type", url, empty)

# 422: the only row names a unit of another quantity; the message names
# both.
st, _, body = post(url, {"readings": [row("tepco/demand", T0, 1,
                                          unit="kWh")]}, token)
c.eq(st, 422, "wrong unit: status")
c.eq(rejected(body), [(0, "wrong_unit")], "wrong unit: reason")
msg = body["rejected"][0]["message"] if rejected(body) else ""
c.true('"kWh"' in msg and '"kW"' in msg, f"wrong unit message: {msg!r}")
c.eq(snapshot(url), empty, "wrong unit: database unchanged")

# 405, with the methods that would do.
a = it.get(url + "/api/v1/ingest")
check_error("GET ingest", a, 405, "method_not_allowed", url, empty)
c.eq(a[1].get("Allow"), "POST", "405 Allow for ingest")
a = post(url, good, token, path="/api/v1/health")
check_error("POST health", a, 405, "method_not_allowed", url, empty)
c.eq(a[1].get("Allow"), "GET, HEAD", "405 Allow for health")

# --- writes that succeed -----------------------------------------------------
batch = {"readings": [row("tepco/demand", T0, 4669.0),
                      row("tepco/demand", local(T0 + 300), 4700.5,
                          unit="kW"),
                      row("tepco/demand", str(T0 + 600), 4710.0),
                      row("tepco/usage", T0, 91.0)]}
want_rows = [("tepco/demand", T0, 4669.0),
             ("tepco/demand", T0 + 300, 4700.5),
             ("tepco/demand", T0 + 600, 4710.0),
             ("tepco/usage", T0, 91.0)]
st, hdrs, body = post(url, batch, token)
c.eq(st, 200, "ingest status")
c.eq(body, {"accepted": 4, "rejected": []}, "ingest answer")
c.eq(snapshot(url), (4, want_rows), "ingested rows in the file")

# A body of exactly the limit is still accepted.
raw = json.dumps({"readings": [row("tepco/usage", T0 + 3600, 92.0)]})
raw = raw.encode()[:-1] + b" " * (MAX_BODY - len(raw)) + b"}"
st, _, body = post(url, raw, token)
c.eq((st, len(raw)), (200, MAX_BODY), "a body of exactly the limit")
want_rows = sorted(want_rows + [("tepco/usage", T0 + 3600, 92.0)])

# Idempotent: the same batch again changes nothing...
st, _, body = post(url, batch, token)
c.eq(st, 200, "repeat status")
c.eq(snapshot(url), (5, want_rows), "repeat stores nothing new")
# ...and a new value for a stored (point, ts) replaces the old one.
st, _, _ = post(url, {"readings": [row("tepco/demand", T0, 4321.0)]}, token)
c.eq(st, 200, "update status")
want_rows[0] = ("tepco/demand", T0, 4321.0)
c.eq(snapshot(url), (5, want_rows), "update replaces the value")

# Partial success: the good rows are stored, the bad one is listed.
st, _, body = post(url, {"readings": [
    row("tepco/demand", T0 + 900, 1.0),
    row("tepco/demand", "not a time", 2.0),
    row("tepco/demand", T0 + 1200, 3.0)]}, token)
c.eq(st, 200, "partial status")
c.eq(body.get("accepted"), 2, "partial accepted")
c.eq(rejected(body), [(1, "bad_ts")], "partial rejected")
want_rows = sorted(want_rows + [("tepco/demand", T0 + 900, 1.0),
                                ("tepco/demand", T0 + 1200, 3.0)])
c.eq(snapshot(url), (7, want_rows), "partial rows in the file")
now = (7, want_rows)

# --- reading back ------------------------------------------------------------
st, _, body = it.get(url + "/api/v1/points")
c.eq(st, 200, "points status")
c.eq(body, {"points": [
    {"key": "berlin/power", "site": "berlin", "quantity": "power",
     "unit": "kW", "kind": "instantaneous", "step_s": 0},
    {"key": "tepco/demand", "site": "tepco", "quantity": "power",
     "unit": "kW", "kind": "instantaneous", "step_s": 300},
    {"key": "tepco/usage", "site": "tepco", "quantity": "ratio",
     "unit": "%", "kind": "instantaneous", "step_s": 0}]}, "points list")

# from inclusive, to exclusive: [T0, T0 + 600) holds T0 and T0 + 300.
want = {"point": "tepco/demand", "unit": "kW", "readings": [
    {"ts": local(T0), "value": 4321.0},
    {"ts": local(T0 + 300), "value": 4700.5}]}
for key in ("tepco/demand", "tepco%2Fdemand", "tepco%2fdemand"):
    st, hdrs, body = it.get(
        f"{url}/api/v1/points/{key}/readings?from={T0}&to={T0 + 600}")
    c.eq((st, body), (200, want), f"readings of {key}")
    c.eq(hdrs.get("Content-Type"), "application/json; charset=utf-8",
         f"readings of {key}: content type")

# Every point's readings as the file holds them (decoded blocks, or the
# readings table), and as the API answers them: the same.
stored = it.Stored(db)
for key in ("tepco/demand", "tepco/usage", "berlin/power"):
    st, _, body = it.get(f"{url}/api/v1/points/{it.q(key)}/readings?"
                         f"from={T0 - 86400}&to={T0 + 86400}")
    got = [(int(datetime.datetime.fromisoformat(r["ts"]).timestamp()),
            r["value"]) for r in body.get("readings", [])]
    c.eq((st, got), (200, stored.point(key)),
         f"{key}: the API answers what the file holds")

# RFC 3339 bounds: '+' sent as %2B, sent raw, and Z.
frm = urllib.parse.quote(local(T0 + 300))
to = local(T0 + 900).replace("+", "%2B")
st, _, body = it.get(
    f"{url}/api/v1/points/tepco/demand/readings?from={frm}&to={to}")
c.eq([r["ts"] for r in body.get("readings", [])],
     [local(T0 + 300), local(T0 + 600)], "RFC 3339 bounds with %2B")
st, _, body = it.get(f"{url}/api/v1/points/tepco/demand/readings"
                     f"?from=2022-06-27T00:00:00Z&to={local(T0 + 900)}")
c.eq([r["ts"] for r in body.get("readings", [])],
     [local(T0), local(T0 + 300), local(T0 + 600)],
     "RFC 3339 bounds with a raw + and Z")

# Bad query parameters name the parameter.
base = url + "/api/v1/points/tepco/demand/readings"
for query, name, code in (
        (f"from=yesterday&to={T0}", "'from'", "bad_parameter"),
        (f"from={T0}", "'to'", "missing_parameter"),
        (f"from={T0}&to={T0}", "'to'", "bad_parameter")):
    body = check_error("readings " + query, it.get(base + "?" + query), 400,
                       code, url, now)
    c.true(name in body.get("message", ""),
           f"readings {query}: message names {name}")
body = check_error("aggregate interval", it.get(
    f"{url}/api/v1/points/tepco/demand/aggregate?from={T0}&to={T0 + 3600}"
    f"&interval=week&fn=avg"), 400, "bad_parameter", url, now)
c.true("'interval'" in body.get("message", ""),
       "aggregate message names interval")
body = check_error("summary at", it.get(
    f"{url}/api/v1/sites/tepco/summary?at=noon"), 400, "bad_parameter", url,
    now)
c.true("'at'" in body.get("message", ""), "summary message names at")

# A site in Europe/Berlin answers in its own offset (CEST in June).
st, _, _ = post(url, {"readings": [row("berlin/power", T0, 0.5)]},
                berlin_token)
c.eq(st, 200, "berlin ingest")
st, _, body = it.get(f"{url}/api/v1/points/berlin%2Fpower/readings"
                     f"?from={T0}&to={T0 + 1}")
c.eq(body.get("readings"), [{"ts": local(T0, CEST), "value": 0.5}],
     "berlin readings in +02:00")

# --- conditional GET -----------------------------------------------------------
def raw_get(url, headers):
    """(status, headers, body bytes) without JSON parsing."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", u.path + "?" + u.query, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


rurl = f"{url}/api/v1/points/berlin%2Fpower/readings?from={T0}&to={T0 + 120}"
st, hdrs, body = raw_get(rurl, {})
etag = hdrs.get("etag", "")
c.eq(st, 200, "readings for an ETag")
c.true(len(etag) > 2 and etag[0] == '"' and etag[-1] == '"',
       f"a strong ETag in quotes ({etag!r})")
for inm in (etag, "W/" + etag, '"other", ' + etag, "*"):
    st, hdrs, body = raw_get(rurl, {"If-None-Match": inm})
    c.eq((st, body, hdrs.get("etag")), (304, b"", etag),
         f"If-None-Match {inm!r}: 304 without a body")
st, _, body = raw_get(rurl, {"If-None-Match": '"other"'})
c.eq(st, 200, "another ETag: the whole answer")
st, _, _ = post(url, {"readings": [row("berlin/power", T0 + 60, 0.75)]},
                berlin_token)
st, hdrs, body = raw_get(rurl, {"If-None-Match": etag})
c.eq(st, 200, "changed data: 200 for the old ETag")
c.true(hdrs.get("etag") not in (None, etag), "changed data: a new ETag")
c.eq(json.loads(body).get("readings"),
     [{"ts": local(T0, CEST), "value": 0.5},
      {"ts": local(T0 + 60, CEST), "value": 0.75}],
     "changed data: the new reading is there")
st, hdrs, _ = raw_get(f"{url}/api/v1/points/nope/readings?from=0&to=1",
                      {"If-None-Match": "*"})
c.eq((st, "etag" in hdrs), (404, False), "an error has no ETag and no 304")

# --- concurrent writers ------------------------------------------------------
results = []


def writer(n):
    rows = [row("tepco/usage", T0 + 86400 + 60 * (100 * n + i), i)
            for i in range(100)]
    results.append(post(url, {"readings": rows}, token)[0])


threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
c.eq(sorted(results), [200] * 8, "concurrent writers all succeed")
total = 7 + 2 + 8 * 100
c.eq(health_count(url), total, "concurrent writers all stored")

# A clean stop also lets a sanitizer build report leaks by exit code.
c.eq(srv.stop(signal.SIGTERM), 0, "SIGTERM exits 0")

# --- durability: acknowledged, then killed -----------------------------------
srv = it.Server(db).start()
st, _, body = post(srv.url, {"readings": [row("tepco/demand", T0 + 1500,
                                              777.25)]}, token)
c.eq(st, 200, "last write acknowledged")
srv.stop(signal.SIGKILL)

# The reading is in the file, perhaps still in the arrival log; akari
# merges that when it next opens the file.
got = it.stored_readings(db).get(("tepco/demand", T0 + 1500))
c.eq(got, 777.25, "acknowledged reading in the file after SIGKILL")
cli("quarantine", "list")
stored = it.Stored(db)
c.eq((stored.by_key().get(("tepco/demand", T0 + 1500)), stored.arrivals),
     (777.25, 0), "acknowledged reading survives SIGKILL, merged")

# A restarted server sees it too.
srv = it.Server(db).start()
c.eq(health_count(srv.url), total + 1, "count after restart")
c.eq(srv.stop(signal.SIGINT), 0, "SIGINT exits 0")

shutil.rmtree(work, ignore_errors=True)
c.finish()
