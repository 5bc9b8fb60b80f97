#!/usr/bin/env python3
"""it_point_unit_change: a point's unit or quantity changes only while it
has no history.

Its readings are numbers in the unit they were stored in; read in another
unit they would be wrong (kW to W: a thousandfold).  So PATCH
/api/v1/points/{key} and `akari point change` refuse a new unit or
quantity on a point with readings (409 conflict / exit status 1), with a
message that names the point, its readings' count and span, both units
and what to do instead, and leave the registry and the readings as they
were.  The same applies to readings held in quarantine and to rollups
whose raw readings are gone.  A point without readings changes freely,
and a point with readings still takes a change of step or kind, or its
own unit sent again.

Expected values by hand: 120 readings a minute apart from
2024-01-10T00:00:00Z end at 01:59:00Z; 1.5 kW held a minute each is
120 x 1.5 / 60 = 3.0 kWh.
"""
import datetime
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

T0 = 1704844800  # 2024-01-10T00:00:00Z
assert T0 == int(datetime.datetime(2024, 1, 10,
                                   tzinfo=datetime.timezone.utc).timestamp())

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "change.db")


def cli(*args, check=True):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


ADMIN = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC")
for key in ("hall/p", "hall/empty", "hall/held", "hall/pruned"):
    cli("point", "add", key, "--site", "hall", "--quantity", "power",
        "--unit", "kW", "--step", "60")
dev = cli("device", "add", "--site", "hall", "gw").stdout.strip()
ADMIN_H = {"Authorization": "Bearer " + ADMIN,
           "Content-Type": "application/json"}
DEV_H = {"Authorization": "Bearer " + dev,
         "Content-Type": "application/json"}


def points_rows():
    con = sqlite3.connect(db)
    rows = con.execute("SELECT key, quantity, unit, kind, step_s "
                       "FROM points ORDER BY key").fetchall()
    con.close()
    return rows


def patch(url, key, change):
    st, _, body = it.http("PATCH", f"{url}/api/v1/points/{it.q(key)}",
                          change, ADMIN_H)
    return st, body if isinstance(body, dict) else {}


def names_all(msg, words, what):
    for w in words:
        c.true(w in msg, f"{what}: message names {w}: {msg}")


with it.Server(db) as srv:
    # Without readings: the unit changes, and back again.
    st, body = patch(srv.url, "hall/empty", {"unit": "W"})
    c.eq((st, body.get("unit")), (200, "W"), "a point without readings: W")
    st, body = patch(srv.url, "hall/empty",
                     {"quantity": "temperature", "unit": "degC"})
    c.eq((st, body.get("quantity"), body.get("unit")),
         (200, "temperature", "degC"),
         "a point without readings: another quantity")

    rows = [{"point": "hall/p", "ts": T0 + 60 * i, "value": 1.5}
            for i in range(120)]
    # A reading ten days ahead of the clock is held in quarantine.
    rows.append({"point": "hall/held", "ts": int(time.time()) + 10 * 86400,
                 "value": 1.0})
    rows += [{"point": "hall/pruned", "ts": T0 + 60 * i, "value": 1.5}
             for i in range(3)]
    st, _, body = it.http("POST", srv.url + "/api/v1/ingest",
                          {"readings": rows}, DEV_H)
    c.eq(st, 200, f"the readings: {body}")
    BEFORE = points_rows()
    READINGS = it.readings(srv.url, "hall/p",
                           datetime.datetime.fromtimestamp(
                               T0, datetime.timezone.utc),
                           datetime.datetime.fromtimestamp(
                               T0 + 7200, datetime.timezone.utc))
    c.eq(len(READINGS), 120, "hall/p has its 120 readings")

    for change, words in (
            ({"unit": "W"},
             ["'hall/p'", "120 readings", "2024-01-10T00:00:00+00:00",
              "2024-01-10T01:59:00+00:00", "kW", "to W",
              "register a new point"]),
            ({"unit": "MW", "step_s": 300},
             ["'hall/p'", "120 readings", "kW", "to MW"]),
            ({"quantity": "temperature", "unit": "degC"},
             ["'hall/p'", "120 readings", "power in kW",
              "temperature in degC", "register a new point"])):
        st, body = patch(srv.url, "hall/p", change)
        c.eq((st, body.get("error")), (409, "conflict"), f"PATCH {change}")
        names_all(body.get("message", ""), words, f"PATCH {change}")
    c.eq(points_rows(), BEFORE, "refused PATCHes: registry unchanged")

    # A unit refused by the table is a 400 before the history counts.
    st, body = patch(srv.url, "hall/p", {"unit": "degC"})
    c.eq((st, body.get("error")), (400, "bad_field"), "PATCH to degC")
    # The quantity alone: the message starts with the field sent.
    st, body = patch(srv.url, "hall/p", {"quantity": "temperature"})
    c.eq((st, body.get("error")), (400, "bad_field"),
         "PATCH quantity alone")
    c.true(body.get("message", "").startswith("field 'quantity'"),
           f"PATCH quantity alone names quantity: {body}")

    # What a point with readings may still change.
    st, body = patch(srv.url, "hall/p", {"unit": "kW", "step_s": 120})
    c.eq((st, body.get("unit"), body.get("step_s")), (200, "kW", 120),
         "its own unit again, with a new step")
    st, body = patch(srv.url, "hall/p", {"step_s": 60})
    c.eq(st, 200, "the step back")

    # Held in quarantine only.
    st, body = patch(srv.url, "hall/held", {"unit": "W"})
    c.eq(st, 409, "a point with a reading in quarantine")
    names_all(body.get("message", ""), ["'hall/held'",
                                        "1 held in quarantine"],
              "quarantine")

    st, _, agg = it.get(
        f"{srv.url}/api/v1/points/{it.q('hall/p')}/aggregate"
        f"?from={T0}&to={T0 + 86400}&interval=day&fn=energy")
    c.close(agg["buckets"][0]["value"] if isinstance(agg, dict) else None,
            3.0, 1e-9, "hall/p's energy as before")

# Rollups whose raw readings are gone (as raw retention leaves them).
con = sqlite3.connect(db)
con.execute("DELETE FROM blocks WHERE point_id = "
            "(SELECT id FROM points WHERE key = 'hall/pruned')")
con.commit()
con.close()

r = cli("point", "change", "hall/p", "--unit", "W", check=False)
c.eq(r.returncode, 1, "CLI: unit change of a point with readings")
names_all(r.stderr, ["'hall/p'", "120 readings", "kW", "to W",
                     "register a new point"], "CLI unit change")
r = cli("point", "change", "hall/pruned", "--unit", "W", check=False)
c.eq(r.returncode, 1, "CLI: unit change of a point with rollups only")
names_all(r.stderr, ["'hall/pruned'", "rollups of 3 readings",
                     "raw readings pruned"], "CLI rollups only")
r = cli("point", "change", "hall/p", "--unit", "degC", check=False)
c.eq(r.returncode, 2, "CLI: a unit of another quantity")
c.true("--unit" in r.stderr, f"CLI names --unit: {r.stderr}")
c.eq(points_rows(), BEFORE, "refused changes: registry unchanged")
r = cli("point", "change", "hall/empty", "--quantity", "power", "--unit",
        "kW", check=False)
c.eq(r.returncode, 0, f"CLI: a point without readings: {r.stderr}")

c.finish_in(work)
