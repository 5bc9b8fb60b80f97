"""Integration test: a running `akari serve` keeps the points it has
looked up between batches, and must never answer from a point the
registry has changed since.  The changes here come from the command line
(`akari point retire|change --db`, a second process writing the file
while the server runs) and from the admin API, each between two batches
of the same points, sent as line protocol and as JSON.

Expected values by hand: 68 degF is (68 - 32) * 5 / 9 = 20 degC; once the
point's unit is degF, 68 degF is stored as 68.
"""
import datetime
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

# 2022-06-27T00:00:00Z
T0 = 1656288000
assert T0 == int(datetime.datetime(2022, 6, 27,
                                   tzinfo=datetime.timezone.utc).timestamp())

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "registry.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def lp(url, token, lines):
    return it.http("POST", f"{url}/api/v2/write?bucket=b&precision=s",
                   "\n".join(lines) + "\n",
                   {"Authorization": f"Token {token}"})


def js(url, token, rows):
    return it.http("POST", f"{url}/api/v1/ingest", {"readings": rows},
                   {"Authorization": f"Bearer {token}",
                    "Content-Type": "application/json"})


def value_at(url, key, ts):
    q = urllib.parse.urlencode({"from": ts, "to": ts + 1})
    status, _, body = it.get(f"{url}/api/v1/points/{it.q(key)}/readings?{q}")
    c.eq(status, 200, f"readings of {key}")
    vals = [r["value"] for r in body.get("readings", [])]
    return vals[0] if len(vals) == 1 else vals


cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
for key, q, unit in [("hall/a", "power", "kW"), ("hall/b", "power", "kW"),
                     ("hall/t", "temperature", "degC"),
                     ("hall/u", "temperature", "degC")]:
    cli("point", "add", key, "--site", "hall", "--quantity", q,
        "--unit", unit)
token = cli("device", "add", "--site", "hall", "gw").strip()
admin = it.run("admin", "token", "add", "--db", db, "ops").stdout.strip()

with it.Server(db) as s:
    # Both points known and in service: both batches are taken whole.
    st, _, _ = lp(s.url, token, [f"m,point=hall/a value=1 {T0}",
                                 f"m,point=hall/b value=1 {T0}"])
    c.eq(st, 204, "line protocol before any change")
    st, _, body = js(s.url, token, [{"point": "hall/a", "ts": T0 + 60,
                                     "value": 2},
                                    {"point": "hall/b", "ts": T0 + 60,
                                     "value": 2}])
    c.eq((st, body.get("accepted")), (200, 2), "JSON before any change")

    # Retired by another process while the server runs.
    cli("point", "retire", "hall/a")
    st, _, body = lp(s.url, token, [f"m,point=hall/a value=3 {T0 + 120}",
                                    f"m,point=hall/b value=3 {T0 + 120}"])
    c.eq(st, 400, "line protocol after the retire: a partial write")
    c.true("line 1: point \"hall/a\" is retired" in body.get("message", ""),
           f"the retired point is named: {body}")
    st, _, body = js(s.url, token, [{"point": "hall/a", "ts": T0 + 180,
                                     "value": 4}])
    c.eq(st, 422, "JSON after the retire")
    c.eq([r["error"] for r in body.get("rejected", [])], ["retired_point"],
         "JSON refusal after the retire")
    c.eq(value_at(s.url, "hall/a", T0 + 120), [], "nothing stored at +120")
    c.eq(value_at(s.url, "hall/b", T0 + 120), 3, "hall/b stored at +120")

    # A unit changed from the command line between two batches.
    st, _, _ = lp(s.url, token, [f"m,point=hall/t value=1 {T0}"])
    c.eq(st, 204, "hall/t known before its unit changes")
    st, _, body = js(s.url, token, [{"point": "hall/t", "ts": T0 + 60,
                                     "value": 68, "unit": "degF"}])
    c.eq(st, 200, "68 degF into a degC point")
    c.close(value_at(s.url, "hall/t", T0 + 60), 20.0, 1e-9,
            "68 degF stored as 20 degC")
    cli("point", "change", "hall/t", "--unit", "degF")
    st, _, body = js(s.url, token, [{"point": "hall/t", "ts": T0 + 120,
                                     "value": 68, "unit": "degF"}])
    c.eq(st, 200, "68 degF into the point now in degF")
    c.close(value_at(s.url, "hall/t", T0 + 120), 68.0, 1e-9,
            "68 degF stored as 68 once the point is in degF")

    # Retired through the admin API of the same server.
    st, _, _ = lp(s.url, token, [f"m,point=hall/u value=1 {T0}"])
    c.eq(st, 204, "hall/u known before it is retired")
    st, _, _ = it.http("DELETE", f"{s.url}/api/v1/points/{it.q('hall/u')}",
                       None, {"Authorization": f"Bearer {admin}"})
    c.eq(st, 200, "admin retire of hall/u")
    st, _, body = lp(s.url, token, [f"m,point=hall/u value=2 {T0 + 60}"])
    c.eq(st, 422, "line protocol to a point retired over the API")

c.finish()
