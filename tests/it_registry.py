"""Integration test of the registry and credentials: admin tokens, sites,
devices and points created, changed and retired over HTTP, device tokens
rotated and revoked, HMAC request signing, per-device rate and body
limits, and device liveness, against a real `akari serve`.

Every refusal is checked for its status, its error code, a message that
names what was wrong, and a database left as it was, read from the
SQLite file directly.  Token hashes are computed with hashlib and the
signatures with Python's hmac module, from docs/registry.md, not from
akari's code.
"""
import base64
import hashlib
import hmac
import json
import math
import os
import sqlite3
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "registry.db")

# 2023-11-14T22:13:20Z and on: any time will do for readings.
T0 = 1700000000


def cli(*args, check=True):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


def cli3(*args, check=True):
    """For the three-word commands (admin token add)."""
    return it.run(*args[:3], "--db", db, *args[3:], check=check)


ADMIN = cli3("admin", "token", "add", "root").stdout.strip()
OPS = cli3("admin", "token", "add", "ops").stdout.strip()
p = cli3("admin", "token", "revoke", "ops")
c.true("no admin token is left" not in p.stderr,
       "revoking one of two admin tokens: no warning")
lone = os.path.join(work, "lone.db")
it.run("admin", "token", "add", "--db", lone, "only")
p = it.run("admin", "token", "revoke", "--db", lone, "only")
c.true("no admin token is left" in p.stderr,
       f"revoking the last admin token warns ({p.stderr.strip()})")


# The running server, while there is one.
live_url = None


def merged(url):
    """Has the server at url merge its arrival log (every read of
    readings does; /health is the cheapest), so that the file's tables
    hold every write acknowledged so far (docs/storage.md)."""
    status, _, _ = it.get(url + "/api/v1/health")
    c.eq(status, 200, "health, so that the server merges its log")


def snapshot():
    """The registry and readings as stored, read from the file.  Only
    last_seen is left out: liveness may write it at any moment."""
    if live_url:
        merged(live_url)
    con = sqlite3.connect(db)
    try:
        out = {}
        for table, cols in [
                ("sites", "id, name, kind, tz, parent_id, retired"),
                ("devices", "id, site_id, name, kind, token_hash, retired, "
                 "token_revoked, hmac_secret, rate_per_s, burst, max_body"),
                ("points", "id, key, site_id, quantity, unit, kind, step_s, "
                 "retired"),
                ("admin_tokens", "id, name, token_hash, revoked")]:
            out[table] = con.execute(
                f"SELECT {cols} FROM {table} ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    st = it.Stored(db)
    c.eq(st.problems, [], "the file keeps the store's rules")
    out["readings"] = st.triples()
    return out


def value_at(key, ts):
    """The stored value of key at ts, read from the file (blocks or
    readings, and the arrival log), or None."""
    return it.stored_readings(db).get((key, ts))


def one(sql, *args):
    if live_url:
        merged(live_url)
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()


def api(method, path, body=None, token=None, headers=None, raw=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    return it.http(method, url + path, data, h)


def adm(method, path, body=None, **kw):
    return api(method, path, body, token=ADMIN, **kw)


def refused(what, answer, status, code, words, before):
    """An error answer: its status, code, a message holding each of
    words, and the database unchanged."""
    st, hdrs, body = answer
    c.eq(st, status, what + ": status")
    ok = isinstance(body, dict)
    c.eq(body.get("error") if ok else body, code, what + ": error code")
    msg = body.get("message", "") if ok else ""
    for w in words:
        c.true(w in msg, f"{what}: message {msg!r} names {w!r}")
    c.eq(snapshot(), before, what + ": database unchanged")
    return hdrs


def ingest(token, key, ts, value, headers=None):
    body = json.dumps({"readings": [{"point": key, "ts": ts,
                                     "value": value}]}).encode()
    h = {"Content-Type": "application/json",
         "Authorization": "Bearer " + token}
    h.update(headers or {})
    return it.http("POST", url + "/api/v1/ingest", body, h)


def is_token(t):
    """32 random bytes as base64url without padding."""
    try:
        raw = base64.urlsafe_b64decode(t + "=")
    except ValueError:
        return False
    return len(t) == 43 and len(raw) == 32


srv = it.Server(db, ["--offline-after", "2"]).start()
srv_started = int(time.time())
url = srv.url
live_url = url

# --- admin tokens --------------------------------------------------------

before = snapshot()
body = {"name": "x", "kind": "building", "tz": "Asia/Tokyo"}
hdrs = refused("no admin token", api("POST", "/api/v1/sites", body), 401,
               "missing_admin_token", ["admin token"], before)
c.eq(hdrs.get("WWW-Authenticate"), "Bearer", "401 says Bearer")
refused("unknown admin token",
        api("POST", "/api/v1/sites", body, token="x" * 43), 401,
        "bad_admin_token", ["not known"], before)
refused("revoked admin token", api("POST", "/api/v1/sites", body, token=OPS),
        401, "bad_admin_token", ["'ops'", "revoked"], before)
lst = cli3("admin", "token", "list").stdout
c.true("root" in lst and "ops" in lst, "admin token list names both")
p = cli3("admin", "token", "revoke", "ops", check=False)
c.eq(p.returncode, 1, "revoking a revoked admin token fails")
c.true("ops" in p.stderr, "and says which")
p = cli3("admin", "token", "add", "root", check=False)
c.eq(p.returncode, 1, "a taken admin token name fails")
c.eq(one("SELECT count(*) FROM admin_tokens")[0], 2, "two admin tokens")
c.eq(one("SELECT token_hash FROM admin_tokens WHERE name = 'root'")[0],
     hashlib.sha256(ADMIN.encode()).hexdigest(), "admin token stored hashed")
c.true(is_token(ADMIN), "admin token is 32 random bytes")

# --- sites ---------------------------------------------------------------

st, _, b = adm("POST", "/api/v1/sites",
               {"name": "city", "kind": "grid", "tz": "Asia/Tokyo"})
c.eq(st, 201, "create site city")
c.eq((b.get("name"), b.get("kind"), b.get("tz"), b.get("parent"),
      b.get("retired")), ("city", "grid", "Asia/Tokyo", None, None),
     "site city as created")
st, _, b = adm("POST", "/api/v1/sites", {"name": "hall", "kind": "building",
                                          "tz": "Asia/Tokyo",
                                          "parent": "city"})
c.eq((st, b.get("parent")), (201, "city"), "create site hall in city")
c.eq(one("SELECT s.name FROM sites s JOIN sites c ON c.parent_id = s.id "
         "WHERE c.name = 'hall'")[0], "city", "hall's parent stored")

before = snapshot()
refused("site without tz",
        adm("POST", "/api/v1/sites", {"name": "a", "kind": "grid"}),
        400, "bad_field", ["'tz'"], before)
refused("site with unknown zone",
        adm("POST", "/api/v1/sites", {"name": "a", "kind": "grid",
                                      "tz": "Mars/Base"}),
        400, "bad_field", ["Mars/Base"], before)
refused("site with unknown field",
        adm("POST", "/api/v1/sites", {"name": "a", "kind": "grid",
                                      "tz": "UTC", "colour": "red"}),
        400, "bad_field", ["'colour'"], before)
refused("site with a number for a name",
        adm("POST", "/api/v1/sites", {"name": 5, "kind": "grid",
                                      "tz": "UTC"}),
        400, "bad_field", ["'name'"], before)
refused("site body not JSON",
        adm("POST", "/api/v1/sites", raw=b"{nope",
            headers={"Content-Type": "application/json"}),
        400, "bad_json", ["not JSON"], before)
refused("site body not an object",
        adm("POST", "/api/v1/sites", raw=b"[1]",
            headers={"Content-Type": "application/json"}),
        400, "bad_json", ["object"], before)
refused("site body as text/plain",
        adm("POST", "/api/v1/sites", raw=b"{}",
            headers={"Content-Type": "text/plain"}),
        415, "unsupported_media_type", ["text/plain"], before)
refused("duplicate site",
        adm("POST", "/api/v1/sites", {"name": "hall", "kind": "grid",
                                      "tz": "UTC"}),
        409, "exists", ["'hall'"], before)
refused("site with unknown parent",
        adm("POST", "/api/v1/sites", {"name": "a", "kind": "grid",
                                      "tz": "UTC", "parent": "nowhere"}),
        400, "unknown_reference", ["'nowhere'"], before)
refused("site name with a control character",
        adm("POST", "/api/v1/sites", {"name": "a\nb", "kind": "grid",
                                      "tz": "UTC"}),
        400, "bad_field", ["control character"], before)

st, _, b = api("GET", "/api/v1/sites/hall")
c.eq((st, b.get("name")), (200, "hall"), "GET a site needs no admin")
refused("GET unknown site", api("GET", "/api/v1/sites/nope"), 404,
        "not_found", ["'nope'"], before)
st, hdrs, b = adm("PUT", "/api/v1/sites/hall", {"kind": "x"})
c.eq((st, hdrs.get("Allow")), (405, "GET, HEAD, PATCH, DELETE"),
     "PUT a site is 405 with Allow")

st, _, b = adm("PATCH", "/api/v1/sites/hall",
               {"kind": "school", "tz": "Europe/Berlin"})
c.eq((st, b.get("kind"), b.get("tz")), (200, "school", "Europe/Berlin"),
     "PATCH site kind and tz")
c.eq(one("SELECT kind, tz FROM sites WHERE name = 'hall'"),
     ("school", "Europe/Berlin"), "site change stored")
before = snapshot()
refused("PATCH site into a loop",
        adm("PATCH", "/api/v1/sites/city", {"parent": "hall"}),
        409, "conflict", ["'hall'", "itself"], before)
refused("PATCH site parent to itself",
        adm("PATCH", "/api/v1/sites/city", {"parent": "city"}),
        409, "conflict", ["itself"], before)
refused("PATCH site to a taken name",
        adm("PATCH", "/api/v1/sites/hall", {"name": "city"}),
        409, "exists", ["'city'"], before)
refused("PATCH site with nothing", adm("PATCH", "/api/v1/sites/hall", {}),
        400, "bad_field", ["nothing to change"], before)
refused("PATCH unknown site",
        adm("PATCH", "/api/v1/sites/nope", {"kind": "x"}),
        404, "not_found", ["'nope'"], before)
refused("PATCH site with unknown parent",
        adm("PATCH", "/api/v1/sites/hall", {"parent": "nowhere"}),
        400, "unknown_reference", ["'nowhere'"], before)
refused("PATCH site without admin",
        api("PATCH", "/api/v1/sites/hall", {"kind": "x"}),
        401, "missing_admin_token", ["admin token"], before)
st, _, b = adm("PATCH", "/api/v1/sites/hall", {"parent": None})
c.eq((st, b.get("parent")), (200, None), "PATCH parent null removes it")
c.eq(one("SELECT parent_id FROM sites WHERE name = 'hall'")[0], None,
     "parent removed in the file")

# --- devices -------------------------------------------------------------

st, _, b = adm("POST", "/api/v1/devices", {"site": "hall", "name": "m1"})
c.eq(st, 201, "create device")
tok1 = b.get("token", "")
c.true(is_token(tok1), "device token is 32 random bytes")
c.eq((b.get("site"), b.get("name"), b.get("kind"), b.get("signing")),
     ("hall", "m1", "meter", False), "device as created")
c.eq(one("SELECT token_hash FROM devices WHERE name = 'm1'")[0],
     hashlib.sha256(tok1.encode()).hexdigest(), "device token stored hashed")
st, _, b = adm("POST", "/api/v1/devices",
               {"site": "hall", "name": "m2", "kind": "sensor"})
tok2 = b.get("token", "")
c.eq((st, b.get("kind")), (201, "sensor"), "create device m2")
c.true(tok1 != tok2, "two tokens differ")

before = snapshot()
refused("device on unknown site",
        adm("POST", "/api/v1/devices", {"site": "nope", "name": "x"}),
        400, "unknown_reference", ["'nope'"], before)
refused("duplicate device",
        adm("POST", "/api/v1/devices", {"site": "hall", "name": "m1"}),
        409, "exists", ["'m1'"], before)
refused("device without name",
        adm("POST", "/api/v1/devices", {"site": "hall"}),
        400, "bad_field", ["'name'"], before)
refused("list devices without admin", api("GET", "/api/v1/devices"),
        401, "missing_admin_token", ["admin token"], before)
refused("list devices of unknown site",
        adm("GET", "/api/v1/devices?site=nope"), 400, "unknown_reference",
        ["'nope'"], before)
refused("GET unknown device", adm("GET", "/api/v1/devices/hall/zz"), 404,
        "not_found", ["'zz'", "'hall'"], before)
refused("device rate not a number",
        adm("PATCH", "/api/v1/devices/hall/m1", {"rate_per_s": "fast"}),
        400, "bad_field", ["'rate_per_s'"], before)
refused("device burst negative",
        adm("PATCH", "/api/v1/devices/hall/m1", {"burst": -1}),
        400, "bad_field", ["'burst'"], before)
refused("device renamed onto another",
        adm("PATCH", "/api/v1/devices/hall/m1", {"name": "m2"}),
        409, "exists", ["'m2'"], before)

st, _, b = adm("PATCH", "/api/v1/devices/hall/m2", {"kind": "gateway"})
c.eq((st, b.get("kind")), (200, "gateway"), "PATCH device kind")
c.eq(one("SELECT kind FROM devices WHERE name = 'm2'")[0], "gateway",
     "device kind stored")

st, _, b = adm("POST", "/api/v1/points",
               {"key": "hall/power", "site": "hall", "quantity": "power",
                "unit": "kW", "step_s": 60})
c.eq((st, b.get("key"), b.get("step_s"), b.get("kind")),
     (201, "hall/power", 60, "instantaneous"), "create point")
st, _, b = adm("POST", "/api/v1/points",
               {"key": "hall/temp", "site": "hall", "quantity": "temperature",
                "unit": "degC", "kind": "instantaneous"})
c.eq(st, 201, "create point hall/temp")

st, _, b = ingest(tok1, "hall/power", T0, 1.5)
c.eq((st, b.get("accepted")), (200, 1), "device writes with its token")

# Rotate: the old token is refused at once, the new one works.
st, _, b = adm("POST", "/api/v1/devices/hall/m1/token")
new1 = b.get("token", "")
c.eq(st, 200, "rotate token")
c.true(is_token(new1) and new1 != tok1, "rotation gives a new token")
c.eq(one("SELECT token_hash FROM devices WHERE name = 'm1'")[0],
     hashlib.sha256(new1.encode()).hexdigest(), "new token stored hashed")
before = snapshot()
refused("old token after rotation", ingest(tok1, "hall/power", T0 + 60, 2),
        401, "bad_token", ["not known"], before)
st, _, b = ingest(new1, "hall/power", T0 + 60, 2.0)
c.eq((st, b.get("accepted")), (200, 1), "new token works at once")

# Revoke: refused at once; revoking again is a conflict.
st, _, b = adm("DELETE", "/api/v1/devices/hall/m2/token")
c.eq((st, b.get("token_revoked")), (200, True), "revoke token")
before = snapshot()
refused("revoked token", ingest(tok2, "hall/power", T0 + 120, 3), 401,
        "bad_token", ["'m2'", "revoked"], before)
refused("revoke twice", adm("DELETE", "/api/v1/devices/hall/m2/token"),
        409, "conflict", ["already revoked"], before)
st, _, b = adm("POST", "/api/v1/devices/hall/m2/token")
tok2 = b.get("token", "")
c.eq((st, b.get("token_revoked")), (200, False),
     "a new token ends the revocation")
st, _, b = ingest(tok2, "hall/power", T0 + 120, 3.0)
c.eq(st, 200, "rotated after revoke works")

# The same from the InfluxDB route: a revoked token is a 401 there too.
adm("DELETE", "/api/v1/devices/hall/m2/token")
before = snapshot()
st, _, b = it.http("POST", url + "/api/v2/write?bucket=hall&precision=s",
                   b"power value=1 1700000300",
                   {"Authorization": "Token " + tok2})
c.eq(st, 401, "revoked token on /api/v2/write")
c.true("revoked" in b.get("message", ""), "line protocol 401 says revoked")
c.eq(snapshot(), before, "line protocol refusal: database unchanged")
tok2 = adm("POST", "/api/v1/devices/hall/m2/token")[2].get("token", "")

# --- points --------------------------------------------------------------

before = snapshot()
refused("point on unknown site",
        adm("POST", "/api/v1/points", {"key": "x/y", "site": "nope",
                                       "quantity": "power", "unit": "kW"}),
        400, "unknown_reference", ["'nope'"], before)
refused("point with bad kind",
        adm("POST", "/api/v1/points", {"key": "x/y", "site": "hall",
                                       "quantity": "power", "unit": "kW",
                                       "kind": "gauge"}),
        400, "bad_field", ["'kind'", "gauge"], before)
refused("point with step out of range",
        adm("POST", "/api/v1/points", {"key": "x/y", "site": "hall",
                                       "quantity": "power", "unit": "kW",
                                       "step_s": 99999999}),
        400, "bad_field", ["'step_s'"], before)
refused("duplicate point",
        adm("POST", "/api/v1/points", {"key": "hall/power", "site": "hall",
                                       "quantity": "power", "unit": "kW"}),
        409, "exists", ["'hall/power'"], before)
refused("PATCH point with unknown field",
        adm("PATCH", "/api/v1/points/hall/power", {"key": "b"}),
        400, "bad_field", ["'key'"], before)
refused("PATCH unknown point",
        adm("PATCH", "/api/v1/points/hall/nope", {"step_s": 5}),
        404, "not_found", ["'hall/nope'"], before)
refused("create point without admin",
        api("POST", "/api/v1/points", {"key": "x/y", "site": "hall",
                                       "quantity": "power", "unit": "kW"}),
        401, "missing_admin_token", ["admin token"], before)
st, _, b = adm("PATCH", "/api/v1/points/hall/temp",
               {"step_s": 600, "kind": "state", "unit": "K"})
c.eq((st, b.get("step_s"), b.get("kind"), b.get("unit")),
     (200, 600, "state", "K"), "PATCH point")
c.eq(one("SELECT step_s, kind, unit FROM points WHERE key = 'hall/temp'"),
     (600, "state", "K"), "point change stored")

# Retire a point: no new readings, by name; its history stays readable.
st, _, b = adm("DELETE", "/api/v1/points/hall/power")
c.true(st == 200 and b.get("retired"), "retire point")
before = snapshot()
st, _, b = ingest(new1, "hall/power", T0 + 180, 9.0)
c.eq(st, 422, "reading for a retired point")
rej = (b.get("rejected") or [{}])[0]
c.eq(rej.get("error"), "retired_point", "refused as retired")
c.true("hall/power" in rej.get("message", ""), "refusal names the point")
c.eq(snapshot(), before, "retired point: database unchanged")
st, _, b = api("GET", f"/api/v1/points/hall%2Fpower/readings?from={T0}"
               f"&to={T0 + 3600}")
c.eq([r["value"] for r in b.get("readings", [])], [1.5, 2.0, 3.0],
     "retired point's history readable")
st, _, b = api("GET", "/api/v1/points")
c.eq([p["key"] for p in b["points"]], ["hall/temp"],
     "point list hides retired")
st, _, b = api("GET", "/api/v1/points?retired=1")
c.eq([p["key"] for p in b["points"]], ["hall/power", "hall/temp"],
     "point list with ?retired=1")
refused("retire point twice", adm("DELETE", "/api/v1/points/hall/power"),
        409, "conflict", ["already retired"], before)
refused("PATCH retired point",
        adm("PATCH", "/api/v1/points/hall/power", {"step_s": 5}),
        409, "conflict", ["retired"], before)

# --- request signing -----------------------------------------------------


def sign(secret, method, path, ts, nonce, body, query=()):
    """docs/registry.md: hex HMAC-SHA256 over METHOD, the path (with the
    decoded query sorted as name=value joined by '&'), the timestamp, the
    nonce and the hex SHA-256 of the body, one per line."""
    canon = path
    if query:
        canon += "?" + "&".join(sorted(f"{k}={v}" for k, v in query))
    text = "\n".join([method, canon, str(ts), nonce,
                      hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), text.encode(),
                    hashlib.sha256).hexdigest()


nonce_n = [0]


def fresh_nonce():
    nonce_n[0] += 1
    return f"nonce-{nonce_n[0]:04d}-" + os.urandom(6).hex()


def signed_ingest(token, secret, key, ts, value, when=None, nonce=None,
                  tamper=False):
    body = json.dumps({"readings": [{"point": key, "ts": ts,
                                     "value": value}]}).encode()
    when = int(time.time()) if when is None else when
    nonce = nonce or fresh_nonce()
    sig = sign(secret, "POST", "/api/v1/ingest", when, nonce, body)
    if tamper:
        body = body.replace(b"}]}", b", \"x\": 1}]}")
    h = {"Content-Type": "application/json",
         "Authorization": "Bearer " + token,
         "X-Akari-Timestamp": str(when), "X-Akari-Nonce": nonce,
         "X-Akari-Signature": sig}
    return it.http("POST", url + "/api/v1/ingest", body, h), (when, nonce,
                                                              sig, body)


st, _, b = adm("POST", "/api/v1/devices/hall/m1/secret")
secret = b.get("secret", "")
c.eq((st, b.get("signing")), (200, True), "signing on")
c.true(is_token(secret), "secret is 32 random bytes")
st, _, b = adm("GET", "/api/v1/devices/hall/m1")
c.true("secret" not in b and b.get("signing") is True,
       "the secret is not shown again")

before = snapshot()
refused("unsigned request", ingest(new1, "hall/temp", T0, 20), 401,
        "unsigned", ["X-Akari-Signature"], before)
# A request must be signed after the server's start's second.
while int(time.time()) <= srv_started:
    time.sleep(0.05)
(ans, _) = signed_ingest(new1, secret, "hall/temp", T0, 20.5)
c.eq((ans[0], ans[2].get("accepted")), (200, 1), "signed request stored")
c.eq(value_at("hall/temp", T0), 20.5,
     "signed reading in the file")
before = snapshot()
(ans, _) = signed_ingest(new1, "wrong" + secret[5:], "hall/temp", T0 + 1, 1)
refused("wrong secret", ans, 401, "bad_signature", ["does not match"],
        before)
(ans, _) = signed_ingest(new1, secret, "hall/temp", T0 + 1, 1, tamper=True)
refused("body changed after signing", ans, 401, "bad_signature",
        ["does not match"], before)
(ans, _) = signed_ingest(new1, secret, "hall/temp", T0 + 1, 1,
                         when=int(time.time()) - 1000)
refused("stale timestamp", ans, 401, "stale_signature", ["300 s"], before)
(ans, _) = signed_ingest(new1, secret, "hall/temp", T0 + 1, 1,
                         when=int(time.time()) + 1000)
refused("timestamp from the future", ans, 401, "stale_signature",
        ["300 s"], before)
(ans, _) = signed_ingest(new1, secret, "hall/temp", T0 + 1, 1,
                         nonce="short")
refused("nonce too short", ans, 401, "bad_signature", ["X-Akari-Nonce"],
        before)

# A replay of a good request, byte for byte.
(ans, (when, nonce, sig, body)) = signed_ingest(new1, secret, "hall/temp",
                                                T0 + 2, 22.0)
c.eq(ans[0], 200, "signed request before its replay")
before = snapshot()
h = {"Content-Type": "application/json", "Authorization": "Bearer " + new1,
     "X-Akari-Timestamp": str(when), "X-Akari-Nonce": nonce,
     "X-Akari-Signature": sig}
refused("replayed nonce",
        it.http("POST", url + "/api/v1/ingest", body, h), 401,
        "replayed_nonce", [nonce], before)

# The same signed request sent by many threads at once is stored once:
# the nonce is remembered across the server's worker threads.
body = json.dumps({"readings": [{"point": "hall/temp", "ts": T0 + 3,
                                 "value": 23.0}]}).encode()
when, nonce = int(time.time()), fresh_nonce()
h = {"Content-Type": "application/json", "Authorization": "Bearer " + new1,
     "X-Akari-Timestamp": str(when), "X-Akari-Nonce": nonce,
     "X-Akari-Signature": sign(secret, "POST", "/api/v1/ingest", when, nonce,
                               body)}
statuses = []
lock = threading.Lock()


def send_copy():
    st, _, _ = it.http("POST", url + "/api/v1/ingest", body, h)
    with lock:
        statuses.append(st)


threads = [threading.Thread(target=send_copy) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
c.eq(sorted(statuses), [200] + [401] * 7, "concurrent replays: one stored")

# Signing on the InfluxDB route, query parameters included.
lp = b"hall temp=24.5 1700000004"
query = [("bucket", "hall"), ("precision", "s")]
when, nonce = int(time.time()), fresh_nonce()
h = {"Authorization": "Token " + new1, "X-Akari-Timestamp": str(when),
     "X-Akari-Nonce": nonce,
     "X-Akari-Signature": sign(secret, "POST", "/api/v2/write", when, nonce,
                               lp, query)}
st, _, _ = it.http("POST", url + "/api/v2/write?precision=s&bucket=hall",
                   lp, h)
c.eq(st, 204, "signed line protocol stored")
c.eq(value_at("hall/temp", T0 + 4), 24.5,
     "signed line protocol reading in the file")
before = snapshot()
when, nonce = int(time.time()), fresh_nonce()
h["X-Akari-Timestamp"], h["X-Akari-Nonce"] = str(when), nonce
h["X-Akari-Signature"] = sign(secret, "POST", "/api/v2/write", when, nonce,
                              lp, [("bucket", "hall"), ("precision", "ms")])
st, _, b = it.http("POST", url + "/api/v2/write?precision=s&bucket=hall",
                   lp, h)
c.eq(st, 401, "line protocol signed over other parameters")
c.true("does not match" in b.get("message", ""), "and says so")
c.eq(snapshot(), before, "line protocol signature: database unchanged")
st, _, b = it.http("POST", url + "/api/v2/write?precision=s&bucket=hall",
                   lp, {"Authorization": "Token " + new1})
c.eq(st, 401, "unsigned line protocol from a signing device")

# And on the CSV route, whose column map is a query parameter.
spec = "header=0,time=0,point:hall/temp=1,unit=K"
csv = b"2023-11-14T22:13:30+00:00,26.5\n"
when, nonce = int(time.time()), fresh_nonce()
h = {"Authorization": "Bearer " + new1, "Content-Type": "text/csv",
     "X-Akari-Timestamp": str(when), "X-Akari-Nonce": nonce,
     "X-Akari-Signature": sign(secret, "POST", "/api/v1/ingest/csv", when,
                               nonce, csv, [("map", spec)])}
csv_url = url + "/api/v1/ingest/csv?map=" + urllib.parse.quote(spec, safe="")
st, _, b = it.http("POST", csv_url, csv, h)
c.eq((st, b.get("accepted") if isinstance(b, dict) else b), (200, 1),
     "signed CSV stored")
c.eq(value_at("hall/temp", T0 + 10), 26.5,
     "signed CSV reading in the file")
before = snapshot()
refused("CSV replayed", it.http("POST", csv_url, csv, h), 401,
        "replayed_nonce", [nonce], before)
refused("CSV unsigned",
        it.http("POST", csv_url, csv, {"Authorization": "Bearer " + new1,
                                       "Content-Type": "text/csv"}),
        401, "unsigned", ["X-Akari-Timestamp"], before)

st, _, b = adm("DELETE", "/api/v1/devices/hall/m1/secret")
c.eq((st, b.get("signing")), (200, False), "signing off")
st, _, _ = ingest(new1, "hall/temp", T0 + 5, 25.0)
c.eq(st, 200, "unsigned again once signing is off")
before = snapshot()
refused("signing off twice", adm("DELETE", "/api/v1/devices/hall/m1/secret"),
        409, "conflict", ["does not sign"], before)

# --- per-device body limit -----------------------------------------------

st, _, b = adm("PATCH", "/api/v1/devices/hall/m2", {"max_body": 100})
c.eq((st, b.get("max_body")), (200, 100), "device body limit set")
before = snapshot()
big = json.dumps({"readings": [{"point": "hall/temp", "ts": T0 + i,
                                "value": i} for i in range(10)]}).encode()
c.true(len(big) > 100, "the big body is over 100 bytes")
refused("body over the device's limit",
        it.http("POST", url + "/api/v1/ingest", big,
                {"Content-Type": "application/json",
                 "Authorization": "Bearer " + tok2}),
        413, "body_too_large", ["100", "'m2'"], before)
st, _, b = ingest(tok2, "hall/temp", T0 + 6, 26.0)
c.eq(st, 200, "a small body within the limit")
adm("PATCH", "/api/v1/devices/hall/m2", {"max_body": None})

# --- liveness ------------------------------------------------------------

st, _, b = adm("GET", "/api/v1/devices")
states = {d["name"]: d["state"] for d in b.get("devices", [])}
c.eq(states, {"m1": "online", "m2": "online"}, "both devices online")
seen = {d["name"]: d["last_seen"] for d in b.get("devices", [])}
c.true(seen.get("m1") is not None, "last_seen given")
time.sleep(3)
st, _, b = adm("GET", "/api/v1/devices")
states = {d["name"]: d["state"] for d in b.get("devices", [])}
c.eq(states, {"m1": "offline", "m2": "offline"},
     "offline after 2 s of silence")
ingest(tok2, "hall/temp", T0 + 7, 27.0)
st, _, b = adm("GET", "/api/v1/devices/hall/m2")
c.eq(b.get("state"), "online", "online again after a request")

# --- retiring devices and sites ------------------------------------------

before = snapshot()
refused("retire a site in use", adm("DELETE", "/api/v1/sites/hall"), 409,
        "conflict", ["2 devices", "1 points"], before)
st, _, b = adm("DELETE", "/api/v1/devices/hall/m2")
c.true(st == 200 and b.get("retired"), "retire device")
before = snapshot()
refused("retired device's token", ingest(tok2, "hall/temp", T0 + 8, 1), 401,
        "bad_token", ["'m2'", "retired"], before)
refused("retire device twice", adm("DELETE", "/api/v1/devices/hall/m2"),
        409, "conflict", ["already retired"], before)
refused("rotate a retired device's token",
        adm("POST", "/api/v1/devices/hall/m2/token"), 409, "conflict",
        ["retired"], before)
st, _, b = adm("GET", "/api/v1/devices")
c.eq([d["name"] for d in b["devices"]], ["m1"], "device list hides retired")
st, _, b = adm("GET", "/api/v1/devices?retired=1")
c.eq([d["name"] for d in b["devices"]], ["m1", "m2"],
     "device list with ?retired=1")

adm("DELETE", "/api/v1/devices/hall/m1")
adm("DELETE", "/api/v1/points/hall/temp")
st, _, b = adm("DELETE", "/api/v1/sites/hall")
c.true(st == 200 and b.get("retired"), "retire an emptied site")
st, _, b = api("GET", "/api/v1/sites")
c.eq([s["name"] for s in b["sites"]], ["city"], "site list hides retired")
st, _, b = api("GET", "/api/v1/sites?retired=1")
c.eq([s["name"] for s in b["sites"]], ["city", "hall"],
     "site list with ?retired=1")
before = snapshot()
refused("device on a retired site",
        adm("POST", "/api/v1/devices", {"site": "hall", "name": "m9"}),
        409, "conflict", ["'hall'", "retired"], before)
refused("point on a retired site",
        adm("POST", "/api/v1/points", {"key": "hall/x", "site": "hall",
                                       "quantity": "power", "unit": "kW"}),
        409, "conflict", ["retired"], before)
refused("PATCH a retired site",
        adm("PATCH", "/api/v1/sites/hall", {"kind": "x"}), 409, "conflict",
        ["retired"], before)

# Refusals are logged at warn, with their reason.
t_stop = time.time()
live_url = None
srv.stop()
with open(srv.log) as f:
    log = f.read()
for words in ["replayed_nonce" and "was already used", "is retired",
              "300 s", "may send at most 100"]:
    c.true(words in log, f"log holds {words!r}")

# Last seen went to the file, once the server stopped at the latest.
last = one("SELECT last_seen FROM devices WHERE name = 'm2'")[0]
c.true(last is not None and last <= t_stop + 1 and last >= t_stop - 60,
       f"last_seen {last} written by {t_stop:.0f}")

# --- rate limits ---------------------------------------------------------

db2 = os.path.join(work, "rate.db")
it.run("site", "add", "--db", db2, "s", "--kind", "grid", "--tz", "UTC")
t_rate = it.run("device", "add", "--db", db2, "--site", "s", "d").stdout.strip()
t_fast = it.run("device", "add", "--db", db2, "--site", "s",
                "f").stdout.strip()
it.run("point", "add", "--db", db2, "s/p", "--site", "s", "--quantity",
       "power", "--unit", "kW")
admin2 = it.run("admin", "token", "add", "--db", db2, "a").stdout.strip()

with it.Server(db2, ["--rate", "0.1", "--burst", "2"]) as s2:
    url = s2.url
    t_first = time.time()
    for i in range(2):
        st, _, _ = ingest(t_rate, "s/p", T0 + i, i)
        c.eq(st, 200, f"request {i + 1} within the burst")
    n_before = len(it.Stored(db2).rows)
    st, hdrs, b = ingest(t_rate, "s/p", T0 + 2, 2)
    t_after = time.time()
    c.eq(st, 429, "third request over the rate")
    c.eq(b.get("error"), "rate_limited", "429 code")
    c.true("'d'" in b.get("message", ""), "429 names the device")
    # The bucket was full (2) at the first request and refills at 0.1/s:
    # at the third it holds 0.1 * elapsed, so one more is
    # (1 - 0.1 * elapsed) / 0.1 = 10 - elapsed seconds away.
    elapsed = t_after - t_first
    ra = int(hdrs.get("Retry-After", "0"))
    c.true(math.ceil(10 - elapsed) <= ra <= 10,
           f"Retry-After {ra} is ceil(10 - elapsed) with elapsed "
           f"{elapsed:.2f} s")
    c.eq(len(it.Stored(db2).rows), n_before, "429: database unchanged")
    st, hdrs, b = it.http("POST", url + "/api/v2/write?bucket=s",
                          b"p value=1 1700000009000000000",
                          {"Authorization": "Token " + t_rate})
    c.eq(st, 429, "line protocol over the rate")
    c.true(int(hdrs.get("Retry-After", "0")) >= 1,
           "line protocol 429 has Retry-After")

    # A device's own setting wins over the server's.
    st, _, b = it.http("PATCH", url + "/api/v1/devices/s/f",
                       json.dumps({"rate_per_s": 1000, "burst": 50}).encode(),
                       {"Authorization": "Bearer " + admin2,
                        "Content-Type": "application/json"})
    c.eq((st, b.get("rate_per_s"), b.get("burst")), (200, 1000.0, 50),
         "device rate set")
    ok = [ingest(t_fast, "s/p", T0 + 10 + i, i)[0] for i in range(5)]
    c.eq(ok, [200] * 5, "a device with a higher rate is not held back")

with open(s2.log) as f:
    c.true("more than its limit" in f.read(), "429 logged")

# --- the same from the CLI -----------------------------------------------


def cli2(*args, check=True):
    n = 3 if args[1] in ("token", "secret") else 2
    return it.run(*args[:n], "--db", db2, *args[n:], check=check)


def row2(sql, *args):
    con = sqlite3.connect(db2)
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()


out = cli2("device", "list", "--offline-after", "3600").stdout.splitlines()
states = {ln.split()[1]: ln.split()[3] for ln in out[1:]}
c.eq(states, {"d": "online", "f": "online"},
     "device list: both seen within the hour")
out = cli2("device", "list", "--offline-after", "1").stdout
time.sleep(1.1)
out = cli2("device", "list", "--offline-after", "1").stdout.splitlines()
c.eq({ln.split()[1]: ln.split()[3] for ln in out[1:]},
     {"d": "offline", "f": "offline"}, "device list: offline after 1 s")

new_tok = cli2("device", "token", "rotate", "--site", "s", "d").stdout.strip()
c.true(is_token(new_tok) and new_tok != t_rate, "CLI rotate prints a token")
c.eq(row2("SELECT token_hash FROM devices WHERE name = 'd'")[0],
     hashlib.sha256(new_tok.encode()).hexdigest(), "CLI rotation stored")
cli2("device", "token", "revoke", "--site", "s", "d")
c.true(row2("SELECT token_revoked FROM devices WHERE name = 'd'")[0],
       "CLI revoke stored")
p = cli2("device", "token", "revoke", "--site", "s", "d", check=False)
c.eq(p.returncode, 1, "CLI revoke twice fails")
c.true("already revoked" in p.stderr, "and says why")
cli2("device", "change", "--site", "s", "f", "--rate", "5", "--burst", "7")
c.eq(row2("SELECT rate_per_s, burst FROM devices WHERE name = 'f'"),
     (5.0, 7), "CLI device change stored")
p = cli2("device", "change", "--site", "s", "f", "--rate", "-1",
         check=False)
c.eq(p.returncode, 2, "CLI refuses a negative rate")
c.true("--rate" in p.stderr, "naming the option")
# s/p has readings: its own unit again is taken, another is refused.
cli2("point", "change", "s/p", "--step", "300", "--unit", "kW")
c.eq(row2("SELECT step_s, unit FROM points WHERE key = 's/p'"), (300, "kW"),
     "CLI point change stored")
p = cli2("point", "change", "s/p", "--unit", "W", check=False)
c.eq(p.returncode, 1, "CLI refuses another unit for a point with readings")
c.true("register a new point" in p.stderr, f"and says what to do: {p.stderr}")
c.eq(row2("SELECT unit FROM points WHERE key = 's/p'"), ("kW",),
     "the unit stays")
show = cli2("point", "show", "s/p").stdout
c.true("step_s    300" in show, "CLI point show")
p = cli2("site", "retire", "s", check=False)
c.eq(p.returncode, 1, "CLI refuses to retire a site in use")
c.true("retire them first" in p.stderr, "and says why")
cli2("device", "retire", "--site", "s", "d")
cli2("device", "retire", "--site", "s", "f")
cli2("point", "retire", "s/p")
cli2("site", "retire", "s")
c.eq(row2("SELECT count(*) FROM sites WHERE retired IS NOT NULL")[0], 1,
     "CLI retired the site")
out = cli2("device", "list").stdout.splitlines()
c.eq(len(out), 1, "device list hides retired devices")
out = cli2("device", "list", "--retired").stdout.splitlines()
c.eq(len(out), 3, "device list --retired shows them")

c.finish()
