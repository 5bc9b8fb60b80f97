"""Integration test: a running `akari serve` keeps the points it has
looked up between batches, and must never answer from a point the
registry has changed since.  The changes here come from the command line
(`akari point retire|change --db`, a second process writing the file
while the server runs) and from the admin API, each between two batches
of the same points, sent as line protocol and as JSON, while a client
keeps ingesting into another point, so that merges run all along.

A change through the server's API, or by another process, is seen by
the very next batch (ingest_points.h): the batches below are sent as
soon as the command that made the change has returned, with no wait.

A unit changes only on a point without readings (docs/registry.md), so
the points whose unit changes are first looked up by a batch that is
refused (a reading in kW), which stores nothing.

Expected values by hand: 68 degF is (68 - 32) * 5 / 9 = 20 degC; once the
point's unit is degF, 68 degF is stored as 68.
"""
import datetime
import os
import sys
import threading
import time
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
                     ("hall/u", "temperature", "degC"),
                     ("hall/v", "temperature", "degF"),
                     ("hall/w", "temperature", "degC"),
                     ("hall/bg", "power", "kW")]:
    cli("point", "add", key, "--site", "hall", "--quantity", q,
        "--unit", unit)
token = cli("device", "add", "--site", "hall", "gw").strip()
admin = it.run("admin", "token", "add", "--db", db, "ops").stdout.strip()



class Background:
    """Batches of 1,000 readings into hall/bg, one after another, until
    stopped; counts the batches that were not taken whole."""

    def __init__(self, url, token):
        self.url, self.token = url, token
        self.stop = threading.Event()
        self.sent = self.failed = 0
        self.thread = threading.Thread(target=self.run)

    def run(self):
        ts = T0
        while not self.stop.is_set():
            lines = [f"m,point=hall/bg value={i % 7} {ts + 60 * i}"
                     for i in range(1000)]
            ts += 60 * 1000
            st, _, _ = lp(self.url, self.token, lines)
            self.sent += 1
            self.failed += st != 204

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


with it.Server(db) as s, Background(s.url, token) as bg:
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
    st, _, body = js(s.url, token, [{"point": "hall/w", "ts": T0 + 60,
                                     "value": 68, "unit": "degF"}])
    c.eq(st, 200, "68 degF into a degC point")
    c.close(value_at(s.url, "hall/w", T0 + 60), 20.0, 1e-9,
            "68 degF stored as 20 degC")
    st, _, body = js(s.url, token, [{"point": "hall/t", "ts": T0,
                                     "value": 1, "unit": "kW"}])
    c.eq(st, 422, "hall/t looked up by a batch it refuses")
    c.eq(value_at(s.url, "hall/t", T0), [], "hall/t has no readings")
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
    st, _, body = js(s.url, token, [{"point": "hall/u", "ts": T0 + 120,
                                     "value": 3}])
    c.eq([r["error"] for r in body.get("rejected", [])], ["retired_point"],
         "JSON to a point retired over the API")

    # The same through the API for a unit, while the cache holds the
    # point: 68 degF into degF is 68, into degC 20 (as above).
    st, _, _ = js(s.url, token, [{"point": "hall/v", "ts": T0 + 180,
                                  "value": 1, "unit": "kW"}])
    c.eq(st, 422, "hall/v looked up by a batch it refuses")
    st, _, _ = it.http("PATCH", f"{s.url}/api/v1/points/{it.q('hall/v')}",
                       {"unit": "degC"},
                       {"Authorization": f"Bearer {admin}",
                        "Content-Type": "application/json"})
    c.eq(st, 200, "admin unit change of hall/v")
    st, _, _ = js(s.url, token, [{"point": "hall/v", "ts": T0 + 240,
                                  "value": 68, "unit": "degF"}])
    c.eq(st, 200, "68 degF into hall/v, now in degC")
    c.close(value_at(s.url, "hall/v", T0 + 240), 20.0, 1e-9,
            "68 degF stored as 20 degC by the next batch")
    # hall/t has readings now: its unit stays.
    st, _, _ = it.http("PATCH", f"{s.url}/api/v1/points/{it.q('hall/t')}",
                       {"unit": "degC"},
                       {"Authorization": f"Bearer {admin}",
                        "Content-Type": "application/json"})
    c.eq(st, 409, "no unit change for hall/t, which has readings")

c.true(bg.sent > 0 and bg.failed == 0,
       f"background batches all taken: {bg.sent} sent, {bg.failed} not")

c.finish()
