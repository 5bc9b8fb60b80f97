#!/usr/bin/env python3
"""it_point_units: a point is registered only with a quantity of the unit
table (docs/api.md) and one of that quantity's units.

Over HTTP (POST and PATCH /api/v1/points) and the CLI (akari point add
and change): a unit not in the table ("kw"), an unknown quantity
("powr") and a unit of another quantity (a temperature in kW) are
refused with 400 bad_field / exit status 2, a message naming the field,
the value and the units or quantities allowed (taken here from the table
in docs/api.md, read by this test), and the registry as it was.  A point
stored before the check (written here straight into the file with
sqlite3) still opens, takes readings and serves them.
"""
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "units.db")
top = os.environ.get("AKARI_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), ".."))

# The unit table of docs/api.md: "| quantity | `u1`, `u2` (note) |".
TABLE = {}
with open(os.path.join(top, "docs", "api.md"), encoding="utf-8") as f:
    text = f.read()
section = text[text.index("| quantity | units (the first is the base) |"):]
for line in section.splitlines()[2:]:
    if not line.startswith("|"):
        break
    q, units = [cell.strip() for cell in line.strip("|").split("|")]
    TABLE[q] = re.findall(r"`([^`]+)`", units)
c.eq(TABLE.get("power"), ["kW", "W", "MW", "万kW"], "table: power")
c.eq(TABLE.get("temperature"), ["degC", "°C", "degF", "°F", "K"],
     "table: temperature")


def cli(*args, check=False):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


ADMIN = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC", check=True)
cli("point", "add", "hall/power", "--site", "hall", "--quantity", "power",
    "--unit", "kW", "--step", "60", check=True)
dev = cli("device", "add", "--site", "hall", "gw", check=True).stdout.strip()

# A point of an older file: its unit was never checked.
con = sqlite3.connect(db)
con.execute("INSERT INTO points (key, site_id, quantity, unit, kind) "
            "SELECT 'hall/old', id, 'powr', 'kw', 'instantaneous' "
            "FROM sites WHERE name = 'hall'")
con.commit()
con.close()


def points_rows():
    con = sqlite3.connect(db)
    rows = con.execute("SELECT key, quantity, unit, kind, step_s "
                       "FROM points ORDER BY key").fetchall()
    con.close()
    return rows


BEFORE = points_rows()
c.eq(BEFORE, [("hall/old", "powr", "kw", "instantaneous", 0),
              ("hall/power", "power", "kW", "instantaneous", 60)],
     "the registry before")

# (quantity, unit, the field at fault, what its message must name)
BAD = [
    ("power", "kw", "unit", ['"kw"'] + TABLE["power"]),
    ("powr", "kW", "quantity", ['"powr"'] + list(TABLE)),
    ("temperature", "kW", "unit",
     ['"kW"', "power", "temperature"] + TABLE["temperature"]),
    ("humidity", "ppm", "unit", ['"ppm"', "humidity"] + TABLE["humidity"]),
]


def names_all(msg, words, what):
    for w in words:
        c.true(w in msg, f"{what}: message names {w}: {msg}")


# --- the CLI --------------------------------------------------------------

for q, u, field, words in BAD:
    r = cli("point", "add", "hall/new", "--site", "hall", "--quantity", q,
            "--unit", u)
    c.eq(r.returncode, 2, f"point add {q} in {u}: exit status")
    c.true(f"--{field}" in r.stderr, f"point add {q} in {u}: names "
           f"--{field}: {r.stderr}")
    names_all(r.stderr, words, f"point add {q} in {u}")
    c.eq(points_rows(), BEFORE, f"point add {q} in {u}: registry unchanged")

r = cli("point", "change", "hall/power", "--unit", "degC")
c.eq(r.returncode, 2, "point change to degC: exit status")
names_all(r.stderr, ['"degC"', "temperature", "power"] + TABLE["power"],
          "point change to degC")
r = cli("point", "change", "hall/power", "--quantity", "energy")
c.eq(r.returncode, 2, "point change to energy, keeping kW: exit status")
names_all(r.stderr, ['"kW"', "power", "energy"] + TABLE["energy"],
          "point change to energy")
c.eq(points_rows(), BEFORE, "point change: registry unchanged")

# --- HTTP -----------------------------------------------------------------

ADMIN_H = {"Authorization": "Bearer " + ADMIN,
           "Content-Type": "application/json"}

with it.Server(db) as srv:
    for q, u, field, words in BAD:
        st, _, body = it.http("POST", srv.url + "/api/v1/points",
                              {"key": "hall/new", "site": "hall",
                               "quantity": q, "unit": u}, ADMIN_H)
        body = body if isinstance(body, dict) else {}
        c.eq((st, body.get("error")), (400, "bad_field"),
             f"POST {q} in {u}")
        msg = body.get("message", "")
        c.true(msg.startswith(f"field '{field}'"),
               f"POST {q} in {u}: names field {field}: {msg}")
        names_all(msg, words, f"POST {q} in {u}")
    c.eq(points_rows(), BEFORE, "POST: registry unchanged")

    for change, words in (
            ({"unit": "degC"}, ['"degC"', "power"] + TABLE["power"]),
            ({"quantity": "temperature"},
             ['"kW"', "temperature"] + TABLE["temperature"]),
            ({"quantity": "temperature", "unit": "kWh"},
             ['"kWh"', "energy", "temperature"]),
            ({"unit": "kw", "step_s": 300}, ['"kw"'] + TABLE["power"])):
        st, _, body = it.http("PATCH", srv.url + "/api/v1/points/hall/power",
                              change, ADMIN_H)
        body = body if isinstance(body, dict) else {}
        c.eq((st, body.get("error")), (400, "bad_field"), f"PATCH {change}")
        names_all(body.get("message", ""), words, f"PATCH {change}")
    c.eq(points_rows(), BEFORE, "PATCH: registry unchanged")

    # What the table allows is taken: CO2 in ppm, a change of quantity
    # and unit together.
    st, _, body = it.http("POST", srv.url + "/api/v1/points",
                          {"key": "hall/co2", "site": "hall",
                           "quantity": "co2", "unit": "ppm"}, ADMIN_H)
    c.eq(st, 201, f"POST co2 in ppm: {body}")
    st, _, body = it.http("PATCH", srv.url + "/api/v1/points/hall/co2",
                          {"quantity": "temperature", "unit": "degF"},
                          ADMIN_H)
    c.eq(st, 200, f"PATCH to temperature in degF: {body}")
    c.eq((body.get("quantity"), body.get("unit")) if isinstance(body, dict)
         else None, ("temperature", "degF"), "PATCH: the point changed")

    # The older point serves: shown, written to in its own unit, read
    # back, and its step can change though its pair is not in the table.
    st, _, body = it.get(srv.url + "/api/v1/points/hall/old")
    c.eq((st, body.get("unit") if isinstance(body, dict) else None),
         (200, "kw"), "the older point is shown")
    st, _, body = it.http("POST", srv.url + "/api/v1/ingest",
                          {"readings": [{"point": "hall/old",
                                         "ts": 1700000000, "value": 2.5}]},
                          {"Authorization": "Bearer " + dev,
                           "Content-Type": "application/json"})
    c.eq(st, 200, f"a reading of the older point: {body}")
    st, _, body = it.get(srv.url + "/api/v1/points/hall/old/readings"
                         "?from=1700000000&to=1700000001")
    c.eq([r.get("value") for r in body.get("readings", [])]
         if isinstance(body, dict) else None, [2.5],
         "the older point's reading is served")
    st, _, body = it.http("PATCH", srv.url + "/api/v1/points/hall/old",
                          {"step_s": 60}, ADMIN_H)
    c.eq(st, 200, f"the older point's step changes: {body}")

r = cli("point", "change", "hall/old", "--kind", "state")
c.eq(r.returncode, 0, f"point change of the older point's kind: {r.stderr}")
c.eq([row for row in points_rows() if row[0] == "hall/old"],
     [("hall/old", "powr", "kw", "state", 60)], "the older point, changed")

c.finish_in(work)
