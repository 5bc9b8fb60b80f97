"""Integration test of the server against hostile and sloppy input: odd
headers, empty and truncated bodies, numbers JSON cannot hold, times
without an offset, batches one row too large, bytes that are not UTF-8 in
a URL, registry names with control characters, and read queries that
cannot be answered.  Each must get its status and a message that names
what was wrong, and leave the stored readings exactly as they were.

Expected values come from the requests this test sends, never from
akari's answers.
"""
import datetime
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

# 2022-06-27T00:00:00+09:00
T0 = int(datetime.datetime(2022, 6, 27, tzinfo=datetime.timezone(
    datetime.timedelta(hours=9))).timestamp())

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "input.db")


def cli(*args, check=True):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


def db_rows():
    """[(point_id, ts, value)] of every reading the file holds, read
    from the file itself (blocks or readings, and the arrival log)."""
    st = it.Stored(db)
    c.eq(st.problems, [], "the file keeps the store's rules")
    return st.triples()


def raw(data):
    """Sends bytes as they are; returns (status, headers, body text)."""
    host, port = urllib.parse.urlsplit(srv.url).netloc.split(":")
    s = socket.create_connection((host, int(port)), timeout=60)
    s.sendall(data)
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = dict(h.split(": ", 1) for h in lines[1:] if ": " in h)
    return int(lines[0].split()[1]), hdrs, body.decode("utf-8", "replace")


def request(method, path, headers=(), body=b""):
    h = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    h += "".join(f"{k}: {v}\r\n" for k, v in headers)
    return (h + "\r\n").encode() + body


def ingest(body, token_header=None, ctype="application/json"):
    hdrs = {"Authorization": token_header or "Bearer " + token}
    if ctype is not None:
        hdrs["Content-Type"] = ctype
    return it.http("POST", srv.url + "/api/v1/ingest", body, hdrs)


def refused(what, answer, status, code, words=()):
    """A whole-request refusal: status, code, a message holding each of
    words, and no reading changed."""
    st, hdrs, body = answer
    c.eq(st, status, what + ": status")
    ok = isinstance(body, dict)
    c.true(ok, f"{what}: JSON body ({body!r:.200})")
    if not ok:
        return
    c.eq(body.get("error"), code, what + ": error code")
    msg = body.get("message") or ""
    for w in words:
        c.true(w in msg, f"{what}: message {msg!r} names {w!r}")
    c.eq(db_rows(), before, what + ": readings unchanged")


def row_refused(what, answer, status, code, words=()):
    """A batch whose only row is refused: the row's reason and message."""
    st, _, body = answer
    c.eq(st, status, what + ": status")
    rows = body.get("rejected") if isinstance(body, dict) else None
    c.eq([(r.get("index"), r.get("error")) for r in rows or []],
         [(0, code)], what + ": row reason")
    msg = rows[0].get("message", "") if rows else ""
    for w in words:
        c.true(w in msg, f"{what}: message {msg!r} names {w!r}")
    c.eq(db_rows(), before, what + ": readings unchanged")


def one(ts=None, value=1.0, point="hall/power", **extra):
    return {"readings": [{"point": point, "ts": T0 if ts is None else ts,
                          "value": value, **extra}]}


# --- registry ----------------------------------------------------------------

cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
cli("point", "add", "hall/power", "--site", "hall", "--quantity", "power",
    "--unit", "kW", "--step", "1800")
cli("point", "add", "hall/temp", "--site", "hall", "--quantity",
    "temperature", "--unit", "degC", "--step", "60")
cli("point", "add", "hall/a%b?c#d e", "--site", "hall", "--quantity",
    "power", "--unit", "kW")
token = cli("device", "add", "--site", "hall", "meter1").stdout.strip()

# Text that JSON or a log line cannot carry is refused by the CLI, which
# says which field was wrong, and nothing is added.
for key, what in ((b"hall/\xffx", b"not UTF-8"),
                  (b"hall/a\nb", b"control character")):
    # Bytes, not text: what akari echoes of the key is not UTF-8 either.
    p = subprocess.run([it.AKARI, "point", "add", "--db", db, key, "--site",
                        "hall", "--quantity", "power", "--unit", "kW"],
                       capture_output=True, timeout=60)
    c.true(p.returncode == 1 and b"point key" in p.stderr
           and what in p.stderr,
           f"point key {key!r} refused: {p.returncode} {p.stderr!r}")
p = it.run("site", "add", "--db", db, "x", "--kind", "b\tc", "--tz", "UTC",
           check=False)
c.true(p.returncode == 1 and "site kind" in p.stderr,
       f"site kind with a tab refused: {p.stderr!r}")

# A body limit too large for the counter must not wrap round to a small
# one: 2**54 + 1 KiB is 1 KiB modulo 2**64.
for size in ("18014398509481985K", "1025M", "1073741825", "0", "-1K"):
    try:
        p = subprocess.run([it.AKARI, "serve", "--db", db, "--listen",
                            "127.0.0.1:0", "--max-body", size],
                           capture_output=True, text=True, timeout=20)
        c.true(p.returncode == 2 and "--max-body" in p.stderr,
               f"--max-body {size} refused: {p.returncode} {p.stderr!r}")
    except subprocess.TimeoutExpired:
        c.true(False, f"--max-body {size} refused: the server started")

srv = it.Server(db).start()
st, _, body = it.get(srv.url + "/api/v1/points")
c.eq([p.get("key") for p in body.get("points", [])],
     ["hall/a%b?c#d e", "hall/power", "hall/temp"], "every point is listed")

before = db_rows()
c.eq(before, [], "no readings yet")

# --- headers -----------------------------------------------------------------

# Blanks around the token are not part of it.
st, _, body = ingest(one(T0), token_header="Bearer   " + token + "  \t")
c.eq((st, body), (200, {"accepted": 1, "rejected": []}),
     "token with blanks around it")
st, _, body = ingest(one(T0 + 1800), token_header="bearer\t" + token)
c.eq(st, 200, "scheme in lower case, tab after it")
before = db_rows()
c.eq(len(before), 2, "both stored")
refused("token with a blank inside",
        ingest(one(), token_header="Bearer " + token[:9] + " " + token[9:]),
        401, "bad_token")
refused("scheme without token", ingest(one(), token_header="Bearer   "),
        401, "missing_token")

for ctype in ("application/json; charset=utf-8",
              "Application/JSON;charset=UTF-8",
              "application/json ; charset=utf-8"):
    st, _, _ = ingest(one(T0), ctype=ctype)
    c.eq(st, 200, f"Content-Type {ctype!r} accepted")
c.eq(db_rows(), before, "the same row sent again changes nothing")
for ctype in ("application/jsonx", "text/json", "application/ld+json"):
    refused(f"Content-Type {ctype!r}", ingest(one(), ctype=ctype), 415,
            "unsupported_media_type", [ctype])

# The body is read as sent: a compressed one is refused, not read as
# JSON (gzip) nor taken as plain text under another name (br).
for enc, body in (("gzip", gzip.compress(json.dumps(one()).encode())),
                  ("br", json.dumps(one()).encode())):
    refused(f"Content-Encoding {enc!r}",
            it.http("POST", srv.url + "/api/v1/ingest", body,
                    {"Authorization": "Bearer " + token,
                     "Content-Type": "application/json",
                     "Content-Encoding": enc}),
            415, "unsupported_media_type", [enc, "gzip"])
st, _, _ = it.http("POST", srv.url + "/api/v1/ingest",
                   json.dumps(one(T0)).encode(),
                   {"Authorization": "Bearer " + token,
                    "Content-Type": "application/json",
                    "Content-Encoding": "identity"})
c.eq(st, 200, "Content-Encoding identity is the body as sent")

# --- bodies ------------------------------------------------------------------

auth = [("Authorization", "Bearer " + token),
        ("Content-Type", "application/json")]
st, hdrs, text = raw(request("POST", "/api/v1/ingest", auth))
refused("POST without a body", (st, hdrs, json.loads(text)), 400, "bad_json",
        ["empty"])
refused("empty body", ingest(b""), 400, "bad_json", ["empty"])
refused("body of blanks", ingest(b"  \n "), 400, "bad_json", ["line 2"])
refused("NaN literal", ingest('{"readings": [{"point": "hall/power", '
                              '"ts": 1, "value": NaN}]}'),
        400, "bad_json", ["NaN"])
refused("number too large for a double",
        ingest('{"readings": [{"point": "hall/power", "ts": 1, '
               '"value": 1e999}]}'), 400, "bad_json", ["1e999"])
refused("integer too large", ingest(
    '{"readings": [{"point": "hall/power", "ts": 99999999999999999999, '
    '"value": 1}]}'), 400, "bad_json", ["99999999999999999999"])
refused("repeated key", ingest('{"readings": [{"point": "hall/power", '
                               '"point": "hall/temp", "ts": 1, '
                               '"value": 1}]}'),
        400, "bad_json", ["duplicate", "point"])
refused("bytes that are not UTF-8",
        ingest(b'{"readings": [{"point": "hall/\xff", "ts": 1, '
               b'"value": 1}]}'), 400, "bad_json", ["0xff"])
refused("second document", ingest(b'{"readings": []} {"readings": []}'),
        400, "bad_json", ["end of file expected"])
refused("readings not an array", ingest({"readings": {}}), 400, "bad_batch")

rows = [{"point": "hall/power", "ts": T0 + 60 * i, "value": 1.0}
        for i in range(100001)]
refused("100001 rows", ingest({"readings": rows}), 400, "too_many_rows",
        ["100001", "100000"])
st, _, body = ingest({"readings": rows[:100000]})
c.eq((st, body.get("accepted")), (200, 100000), "100000 rows accepted")
before = db_rows()
# The two rows stored above are at T0 and T0 + 1800, both in the batch.
c.eq(len(before), 100000, "100000 rows stored")
st, _, body = ingest({"readings": []})
c.eq((st, body), (200, {"accepted": 0, "rejected": []}), "empty batch")

# --- rows --------------------------------------------------------------------

row_refused("value as a string", ingest(one(value="NaN")), 422, "bad_value")
row_refused("value Infinity as a string", ingest(one(value="Infinity")),
            422, "bad_value")
row_refused("value null", ingest(one(value=None)), 422, "bad_value")
row_refused("ts without offset", ingest(one("2022-06-27T09:00:00")), 422,
            "bad_ts", ["2022-06-27T09:00:00", "offset"])
row_refused("ts a date", ingest(one("2022-06-27")), 422, "bad_ts")
row_refused("ts past 9999", ingest(one(253402300800)), 422, "bad_ts",
            ["253402300800"])
row_refused("ts as a float past 9999", ingest(one(1e300)), 422, "bad_ts")
row_refused("ts before 1900", ingest(one(-2208988801)), 422, "bad_ts")
row_refused("ts true", ingest(one(True)), 422, "bad_ts")
row_refused("unit of another quantity", ingest(one(unit="kWh")), 422,
            "wrong_unit", ['"kWh"', '"kW"'])
row_refused("unit a number", ingest(one(unit=1)), 422, "bad_unit")
row_refused("point of another key", ingest(one(point="hall/Power")), 404,
            "unknown_point", ["hall/Power"])
row_refused("row not an object", ingest({"readings": [[T0, 1.0]]}), 422,
            "bad_row")

# Zero and negative Unix seconds are instants like any other.
st, _, body = ingest({"readings": [
    {"point": "hall/a%b?c#d e", "ts": 0, "value": 2.0},
    {"point": "hall/a%b?c#d e", "ts": -86400, "value": 3.0}]})
c.eq((st, body), (200, {"accepted": 2, "rejected": []}),
     "zero and negative ts")
before = db_rows()

# --- URLs --------------------------------------------------------------------

# A key with '%', '?', '#' and a space reads back when percent-encoded.
key = urllib.parse.quote("hall/a%b?c#d e", safe="")
st, _, body = it.get(f"{srv.url}/api/v1/points/{key}/readings"
                     f"?from=-86400&to=1")
c.eq((st, [r.get("value") for r in body.get("readings", [])]),
     (200, [3.0, 2.0]), "readings of a key with % ? # and a space")

# Bytes that are not UTF-8 come back replaced, not cut off.
st, _, body = it.get(srv.url + "/api/v1/points/hall%2F%FF/readings"
                     "?from=0&to=1")
c.eq((st, body.get("error"), body.get("message")),
     (404, "unknown_point", 'no point "hall/\ufffd"'),
     "key that is not UTF-8")

st, hdrs, body = it.http("DELETE", srv.url + "/api/v1/health")
c.eq((st, body.get("error"), hdrs.get("Allow")),
     (405, "method_not_allowed", "GET, HEAD"), "DELETE health")
st, hdrs, body = it.http("HEAD", srv.url + "/api/v1/ingest")
c.eq((st, hdrs.get("Allow")), (405, "POST"), "HEAD ingest")
for path in ("/", "/api/v1", "/api/v1/points/", "/api/v2/points",
             "/api/v1/points//readings", "/api/v1/sites//summary"):
    st, _, body = it.get(srv.url + path)
    c.eq((st, body.get("error")), (404, "not_found"), f"GET {path}")

# --- read queries that cannot be answered ------------------------------------

agg = srv.url + "/api/v1/points/hall%2Fpower/aggregate"
day = f"from={T0}&to={T0 + 86400}"
for query, status, code, word in (
        (f"{day}&interval=week&fn=avg", 400, "bad_parameter", "interval"),
        (f"{day}&interval=day&fn=median", 400, "bad_parameter", "fn"),
        (f"{day}&fn=avg", 400, "missing_parameter", "interval"),
        (f"{day}&interval=day", 400, "missing_parameter", "fn"),
        (f"from={T0}&interval=day&fn=avg", 400, "missing_parameter", "to"),
        (f"from={T0 + 1}&to={T0}&interval=day&fn=avg", 400, "bad_parameter",
         "to"),
        (f"from=2022-06-27T00:00:00&to={T0}&interval=day&fn=avg", 400,
         "bad_parameter", "from"),
        (f"from=0&to=3155760000&interval=5min&fn=avg", 400, "bad_query",
         "buckets"),
        (f"from=-9223372036854775808&to=9223372036854775807&interval=day"
         f"&fn=avg", 400, "bad_query", "range")):
    st, _, body = it.get(agg + "?" + query)
    c.eq((st, body.get("error")), (status, code), f"aggregate {query}")
    c.true(word in body.get("message", ""),
           f"aggregate {query}: message names {word}")
st, _, body = it.get(srv.url + "/api/v1/points/hall%2Ftemp/aggregate?"
                     + day + "&interval=day&fn=energy")
c.eq((st, body.get("error")), (400, "bad_query"), "energy of a temperature")
c.true("temperature" in body.get("message", ""),
       "energy of a temperature: message names the quantity")

st, _, body = it.get(srv.url + "/api/v1/sites/nowhere/summary")
c.eq((st, body), (404, {"error": "unknown_site",
                        "message": 'no site "nowhere"'}), "unknown site")
# A moment with no data today: nulls and zero counts, never zeros.
st, _, body = it.get(srv.url + "/api/v1/sites/hall/summary?at="
                     "2030-01-01T12:00:00%2B09:00")
c.eq(st, 200, "summary with no data today")
power = [p for p in body.get("points", []) if p.get("key") == "hall/power"]
today = power[0].get("today", {}) if power else {}
c.eq((today.get("count"), today.get("max"), today.get("energy_kwh")),
     (0, None, None), "no data today: count 0 and nulls")
c.eq(set(power[0].get("hourly_today", [0])) if power else None, {None},
     "no data today: every hour null")

c.eq(db_rows(), before, "reads changed nothing")
c.eq(srv.stop(), 0, "server stops cleanly")
shutil.rmtree(work, ignore_errors=True)
c.finish()
