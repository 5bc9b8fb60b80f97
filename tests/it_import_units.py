#!/usr/bin/env python3
"""it_import_units: `akari import --db` creates a point only with a
quantity and unit the unit table pairs, as `akari point add` does.

A csv map naming a unit outside the table ("lux", "kw"), an unknown
quantity ("powr") or a unit of another quantity (a temperature in kW)
is refused: exit status 1, a message naming the point, the field and
what is allowed, and the same words after the field as `akari point add`
gives for that pair; the file, its site and its points are as they were
(the whole database dumped before and after).  A unit of the table
without quantity= takes its quantity from the table (degF: temperature,
once stored as "value"), and a point stored before the check (written
here with sqlite3) still takes an import in its own unit.
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "import-units.db")
csv = os.path.join(work, "one.csv")
with open(csv, "w", encoding="utf-8") as f:
    f.write("time,v\n2024-01-01 00:00,1.5\n")

it.run("site", "add", "hall", "--db", db, "--kind", "building", "--tz",
       "UTC")
con = sqlite3.connect(db)
con.execute("INSERT INTO points (key, site_id, quantity, unit, kind) "
            "SELECT 'hall/old', id, 'powr', 'kw', 'instantaneous' "
            "FROM sites WHERE name = 'hall'")
con.commit()
con.close()


def dump():
    con = sqlite3.connect(db)
    text = "\n".join(con.iterdump())
    con.close()
    return text


def imp(spec):
    return it.run("import", "--db", db, "--format", "csv", "--map",
                  "time=0,tz=UTC," + spec, csv, check=False)


# (map items of the point, quantity and unit for `point add`, the field
# at fault, words its message must hold)
BAD = [
    ("unit=lux", None, "lux", "unit",
     ['"lux"', "no quantity is given", "power", "temperature"]),
    ("unit=kw", None, "kw", "unit", ['"kw"', '"kW"']),
    ("unit=kw,quantity=power", "power", "kw", "unit",
     ['"kw"', "kW, W, MW"]),
    ("unit=kW,quantity=powr", "powr", "kW", "quantity",
     ['"powr"', "power, energy, temperature"]),
    ("unit=kW,quantity=temperature", "temperature", "kW", "unit",
     ['"kW"', "a unit of power, not of temperature", "degC"]),
]

for items, q, u, field, words in BAD:
    before = dump()
    r = imp("point:hall/new=1," + items)
    what = f"import {items}"
    c.eq(r.returncode, 1, f"{what}: exit status")
    prefix = f"{csv}: point 'hall/new': {field}: "
    line = next((ln for ln in r.stderr.splitlines()
                 if ln.startswith(prefix)), None)
    c.true(line, f"{what}: names the point and {field}: {r.stderr}")
    msg = line[len(prefix):] if line else ""
    for w in words:
        c.true(w in msg, f"{what}: message names {w}: {msg}")
    c.eq(r.stdout, "", f"{what}: nothing stored to sum up")
    c.eq(dump(), before, f"{what}: database unchanged")
    if q is not None:
        # the registry's own words for the pair
        p = it.run("point", "add", "hall/new", "--db", db, "--site", "hall",
                   "--quantity", q, "--unit", u, check=False)
        c.eq(p.returncode, 2, f"point add {q} in {u}: exit status")
        c.eq(p.stderr, f"akari point add: --{field}: {msg}\n",
             f"{what}: the same message as point add")
        c.eq(dump(), before, f"point add {q} in {u}: database unchanged")

# A map of two points, the second refused: neither is created.
before = dump()
r = imp("point:hall/a=1,unit=kW,point:hall/b=1,unit=lux")
c.eq(r.returncode, 1, "two points, one refused: exit status")
c.eq(dump(), before, "two points, one refused: database unchanged")

# A new site is not created either for a refused point.
r = imp("site=annex,point:annex/x=1,unit=lux")
c.eq(r.returncode, 1, "a new site's refused point: exit status")
c.eq(dump(), before, "a new site's refused point: database unchanged")


def point(key):
    con = sqlite3.connect(db)
    row = con.execute("SELECT quantity, unit FROM points WHERE key = ?",
                      (key,)).fetchone()
    n = con.execute("SELECT count(*) FROM points").fetchone()[0]
    con.close()
    return row, n


r = imp("point:hall/t=1,unit=degF")
c.eq(r.returncode, 0, f"degF without quantity=: {r.stderr}")
c.eq(point("hall/t"), (("temperature", "degF"), 2),
     "degF without quantity= is a temperature")

r = imp("point:hall/old=1,unit=kw")
c.eq(r.returncode, 0, f"the older point takes its own unit: {r.stderr}")
c.true(r.stdout.startswith(f"{csv}: 1 readings stored"),
       f"the older point's reading is stored: {r.stdout}")
c.eq(point("hall/old"), (("powr", "kw"), 2), "the older point, as it was")

c.finish_in(work)
