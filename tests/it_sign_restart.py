"""A signed request recorded before a restart cannot be replayed after it.

The server keeps the nonces it has seen in memory only.  A request
signed and answered before a restart, sent again byte for byte to the
restarted server, must be refused (401 stale_signature, nothing
stored); a request signed after the restart is taken.  The signing
follows docs/registry.md, written here from that text.
"""
import hashlib
import hmac
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import akari_it as it  # noqa: E402

c = it.Checks()
d = it.tmpdir()
db = os.path.join(d, "a.db")
T0 = 1700000000


def sign(secret, ts, nonce, body):
    text = "\n".join(["POST", "/api/v1/ingest", str(ts), nonce,
                      hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), text.encode(),
                    hashlib.sha256).hexdigest()


def signed(token, secret, reading_ts, value):
    """(headers, body) of a request signed now."""
    body = json.dumps({"readings": [{"point": "hall/temp",
                                     "ts": reading_ts,
                                     "value": value}]}).encode()
    ts, nonce = int(time.time()), os.urandom(16).hex()
    return ({"Content-Type": "application/json",
             "Authorization": "Bearer " + token,
             "X-Akari-Timestamp": str(ts), "X-Akari-Nonce": nonce,
             "X-Akari-Signature": sign(secret, ts, nonce, body)}, body)


def second_after(t):
    """Waits until the clock's second is past t."""
    while int(time.time()) <= t:
        time.sleep(0.05)


it.run("site", "add", "hall", "--db", db, "--kind", "building",
       "--tz", "Asia/Tokyo")
token = it.run("device", "add", "--db", db, "--site", "hall",
               "m1").stdout.strip()
it.run("point", "add", "hall/temp", "--db", db, "--site", "hall",
       "--quantity", "temperature", "--unit", "degC")
secret = it.run("device", "secret", "set", "--db", db, "--site", "hall",
                "m1").stdout.strip()
c.eq(len(secret), 43, "the secret's length (32 bytes, base64url)")

with it.Server(db) as srv:
    second_after(int(time.time()))   # signed after the start's second
    h, body = signed(token, secret, T0, 20.5)
    st, _, b = it.http("POST", srv.url + "/api/v1/ingest", body, h)
    c.eq((st, b.get("accepted")), (200, 1), "signed request before restart")
    signed_at = int(h["X-Akari-Timestamp"])

second_after(signed_at)
with it.Server(db) as srv:
    started = int(time.time())
    st, _, b = it.http("POST", srv.url + "/api/v1/ingest", body, h)
    c.eq((st, b.get("error")), (401, "stale_signature"),
         "the recorded request replayed after the restart")
    c.true("start" in b.get("message", ""), "the refusal names the start "
           f"({b.get('message')})")

    second_after(started)
    h2, body2 = signed(token, secret, T0 + 60, 21.0)
    st, _, b = it.http("POST", srv.url + "/api/v1/ingest", body2, h2)
    c.eq((st, b.get("accepted")), (200, 1), "signed after the restart")

got = dict(it.Stored(db).point("hall/temp"))
c.eq(got, {T0: 20.5, T0 + 60: 21.0},
     "stored: the first request once and the new one, not the replay")
c.finish()
