#!/usr/bin/env python3
"""it_energy_units: energy in kWh whatever unit a power point or an energy
counter is registered in.

The same power, 1.5 kW held for 2 h, goes to points in kW (1.5), W (1500),
MW (0.0015) and 万kW (0.00015); the same energy, 3 kWh, to counters in
kWh, Wh and MWh.  Every figure akari derives from them must be the same
kWh for all: the point aggregate (hours and the day, from the raw
readings and from the rollups), the site aggregate, the site summary
(today, yesterday, the month from the day rollups, the hourly arrays)
and the signage figures (solar today and the ranking's kWh per m2).
IEEE 1888 FETCH through a rule in kW answers the W point's values in kW.

A file written before the rollups kept energy for points in W (their
rows with no energy, the schema at 12) gets it at the next open.

Expected values by hand: 120 one-minute readings of 1.5 kW, each held its
60 s step, are 120 x 1.5 x 60 / 3600 = 3.0 kWh, 1.5 kWh in each of the
two hours.  A register going 0, 1.5, 3.0 kWh an hour apart is 1.5 kWh an
hour, 3.0 in all; in Wh 0, 1500, 3000, in MWh 0, 0.0015, 0.003.  The
ranking site has a floor area of 100 m2: 3.0 / 100 = 0.03 kWh/m2.
"""
import datetime
import os
import sqlite3
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

UTC = datetime.timezone.utc
# 2024-01-10T00:00:00Z: the 10th, so that the month's earlier days come
# from the day rollups in a summary two days later.
DAY = datetime.datetime(2024, 1, 10, tzinfo=UTC)
T0 = int(DAY.timestamp())
assert T0 == 1704844800
TOL = 1e-9

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "energy.db")

POWER = {"kW": 1.5, "W": 1500, "MW": 0.0015, "万kW": 0.00015}
POWER_KEYS = {"kW": "kw", "W": "w", "MW": "mw", "万kW": "mankw"}
COUNTER = {"kWh": [0, 1.5, 3.0], "Wh": [0, 1500, 3000],
           "MWh": [0, 0.0015, 0.003]}
COUNTER_KEYS = {"kWh": "kwh", "Wh": "wh", "MWh": "mwh"}


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


cli("site", "add", "plant", "--kind", "pv", "--tz", "UTC")
for unit, name in POWER_KEYS.items():
    cli("point", "add", f"plant/{name}", "--site", "plant", "--quantity",
        "power", "--unit", unit, "--step", "60")
for unit, name in COUNTER_KEYS.items():
    cli("point", "add", f"plant/{name}", "--site", "plant", "--quantity",
        "energy", "--unit", unit, "--kind", "counter", "--step", "3600")
# The signage's solar figure and ranking, one site per unit of power.
for unit, name in (("kW", "solarkw"), ("W", "solarw")):
    cli("site", "add", name, "--kind", "pv", "--tz", "UTC")
    cli("point", "add", f"{name}/power", "--site", name, "--quantity",
        "power", "--unit", unit, "--step", "60")
for unit, name in (("kW", "hallkw"), ("W", "hallw")):
    cli("site", "add", name, "--kind", "building", "--tz", "UTC",
        "--floor-area", "100")
    cli("point", "add", f"{name}/consumption", "--site", name, "--quantity",
        "power", "--unit", unit, "--step", "60")
token = {s: cli("device", "add", "--site", s, "gw").strip()
         for s in ("plant", "solarkw", "solarw", "hallkw", "hallw")}

rows = {"plant": [], "solarkw": [], "solarw": [], "hallkw": [], "hallw": []}
for i in range(120):
    for unit, name in POWER_KEYS.items():
        rows["plant"].append({"point": f"plant/{name}", "ts": T0 + 60 * i,
                              "value": POWER[unit]})
    for site, unit in (("solarkw", "kW"), ("solarw", "W")):
        rows[site].append({"point": f"{site}/power", "ts": T0 + 60 * i,
                           "value": POWER[unit]})
    for site, unit in (("hallkw", "kW"), ("hallw", "W")):
        rows[site].append({"point": f"{site}/consumption",
                           "ts": T0 + 60 * i, "value": POWER[unit]})
for unit, name in COUNTER_KEYS.items():
    for h, v in enumerate(COUNTER[unit]):
        rows["plant"].append({"point": f"plant/{name}", "ts": T0 + 3600 * h,
                              "value": v})

ALL = [f"plant/{n}" for n in POWER_KEYS.values()] + \
      [f"plant/{n}" for n in COUNTER_KEYS.values()]
PER_HOUR = [1.5, 1.5] + [None] * 22


def check_point_aggregates(url, what):
    for key in ALL:
        hours = it.aggregate(url, it.q(key), DAY,
                             DAY + datetime.timedelta(days=1), "hour",
                             "energy")
        c.true(hours is not None and len(hours) == 24,
               f"{what}: {key} hourly energy answers 24 hours: {hours}")
        for k, want in enumerate(PER_HOUR):
            got = hours[k] if hours and k < len(hours) else "missing"
            if want is None:
                c.eq(got, None, f"{what}: {key} hour {k} has no energy")
            else:
                c.close(got, want, TOL, f"{what}: {key} hour {k} kWh")
        day = it.aggregate(url, it.q(key), DAY,
                           DAY + datetime.timedelta(days=1), "day",
                           "energy")
        c.close(day[0] if day else None, 3.0, TOL, f"{what}: {key} day kWh")
        # Whole days of a month: the day rollups, for points with a step.
        month = it.aggregate(url, it.q(key), DAY.replace(day=1),
                             DAY.replace(month=2, day=1), "day", "energy")
        c.close(sum(v for v in month if v is not None) if month else None,
                3.0, TOL, f"{what}: {key} the month's days in kWh")
        # An edge bucket, from raw readings: half of the second hour,
        # 30 readings of 1.5 kW held a minute, or half of a counter's
        # 1.5 kWh spread evenly over that hour: 0.75 kWh.
        part = it.aggregate(url, it.q(key),
                            DAY + datetime.timedelta(minutes=90),
                            DAY + datetime.timedelta(hours=2), "hour",
                            "energy")
        c.close(part[0] if part else None, 0.75, TOL,
                f"{what}: {key} 01:30-02:00 kWh")


def check_site_aggregate(url, what):
    st, _, body = it.get(
        f"{url}/api/v1/sites/plant/aggregate?from={it.q(DAY.isoformat())}"
        f"&to={it.q((DAY + datetime.timedelta(days=1)).isoformat())}"
        "&interval=day&fn=energy")
    c.eq(st, 200, f"{what}: site aggregate energy: {body}")
    got = {p["point"]: (p["unit"], p["values"])
           for p in (body.get("points", []) if isinstance(body, dict)
                     else [])}
    for key in ALL:
        unit, values = got.get(key, (None, [None]))
        c.eq(unit, "kWh", f"{what}: site aggregate {key} unit")
        c.close(values[0], 3.0, TOL, f"{what}: site aggregate {key} kWh")


def check_summary(url, what):
    # Two hours into the day, the day after, and two days after: today,
    # yesterday and the month from its day rollups.
    for at, field in ((T0 + 3 * 3600, "today"),
                      (T0 + 86400 + 3 * 3600, "yesterday"),
                      (T0 + 2 * 86400 + 3 * 3600, "month")):
        st, _, body = it.get(f"{url}/api/v1/sites/plant/summary?at={at}")
        c.eq(st, 200, f"{what}: summary at {at}")
        pts = {p["key"]: p for p in (body.get("points", [])
                                     if isinstance(body, dict) else [])}
        for key in ALL:
            p = pts.get(key, {})
            c.close((p.get(field) or {}).get("energy_kwh"), 3.0, TOL,
                    f"{what}: summary {field} energy of {key}")
            if field == "today":
                hourly = p.get("hourly_today") or []
                c.close(hourly[0] if hourly else None, 1.5, TOL,
                        f"{what}: summary hour 0 of {key}")
                c.close(hourly[1] if len(hourly) > 1 else None, 1.5, TOL,
                        f"{what}: summary hour 1 of {key}")
                c.eq(hourly[3] if len(hourly) > 3 else "missing", None,
                     f"{what}: summary hour 3 of {key} is empty")
            if field == "yesterday":
                hourly = p.get("hourly_yesterday") or []
                c.close(hourly[1] if len(hourly) > 1 else None, 1.5, TOL,
                        f"{what}: summary yesterday's hour 1 of {key}")


def check_signage(url, what):
    at = T0 + 3 * 3600
    for site in ("solarkw", "solarw"):
        st, _, body = it.get(f"{url}/api/v1/signage?at={at}&solar={site}")
        c.eq(st, 200, f"{what}: signage with solar {site}")
        solar = body.get("solar") if isinstance(body, dict) else None
        c.close((solar or {}).get("energy_kwh"), 3.0, TOL,
                f"{what}: signage solar energy of {site}")
    st, _, body = it.get(f"{url}/api/v1/signage?at={at}")
    ranking = ((body.get("ranking") or {}).get("sites", [])
               if isinstance(body, dict) else [])
    per = {r.get("site"): r for r in ranking}
    for site in ("hallkw", "hallw"):
        r = per.get(site, {})
        c.close(r.get("energy_kwh"), 3.0, TOL,
                f"{what}: ranking energy of {site}: {ranking}")
        c.close(r.get("kwh_per_m2"), 0.03, TOL,
                f"{what}: ranking kWh/m2 of {site}")


FIAP = "http://gutp.jp/fiap/2009/11/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def fiap_fetch(url, ids):
    keys = "".join(
        f'<key id="{i}" attrName="time" gteq="{DAY.isoformat()}" '
        f'lt="{(DAY + datetime.timedelta(minutes=3)).isoformat()}"/>'
        for i in ids)
    body = (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>'
            f'<queryRQ xmlns="http://soap.fiap.org/"><transport xmlns="{FIAP}">'
            f'<header><query id="a5e3c1b4-0d2f-4c6e-9a8b-1f2e3d4c5b6a" '
            f'type="storage">{keys}</query></header>'
            f'</transport></queryRQ></soapenv:Body></soapenv:Envelope>')
    st, _, raw = it.http("POST", url + "/axis2/services/FIAPStorage", body,
                         {"Content-Type": "text/xml; charset=utf-8",
                          "SOAPAction": '"http://soap.fiap.org/query"'})
    c.eq(st, 200, f"IEEE 1888 FETCH: {raw[:300]!r}")
    out = {}
    try:
        root = ET.fromstring(raw)
    except ET.ParseError:
        return out
    for p in root.iter(f"{{{FIAP}}}point"):
        out[p.get("id")] = [float(v.text) for v in
                            p.findall(f"{{{FIAP}}}value")]
    return out


mapfile = os.path.join(work, "fiap.map")
with open(mapfile, "w") as f:
    f.write("urn:plant:kw -> plant/kw kW\n"
            "urn:plant:w -> plant/w kW\n")

with it.Server(db, ["--fiap-map", mapfile]) as srv:
    for site, batch in rows.items():
        st, _, body = it.http("POST", srv.url + "/api/v1/ingest",
                              {"readings": batch},
                              {"Authorization": "Bearer " + token[site],
                               "Content-Type": "application/json"})
        c.eq((st, body.get("accepted") if isinstance(body, dict) else None),
             (200, len(batch)), f"ingest into {site}: {body}")
    check_point_aggregates(srv.url, "live")
    check_site_aggregate(srv.url, "live")
    check_summary(srv.url, "live")
    check_signage(srv.url, "live")
    got = fiap_fetch(srv.url, ["urn:plant:kw", "urn:plant:w"])
    for pid in ("urn:plant:kw", "urn:plant:w"):
        c.eq(got.get(pid), [1.5, 1.5, 1.5],
             f"IEEE 1888 FETCH of {pid} in kW")

# --- a file from before: no energy kept for points not in kW --------------

con = sqlite3.connect(db)
ids = [r[0] for r in con.execute(
    "SELECT id FROM points WHERE quantity = 'power' AND unit <> 'kW'")]
c.eq(len(ids), 5, "points of power not in kW")
con.execute(f"UPDATE rollups SET held = 0, kwh = 0 WHERE point_id IN "
            f"({','.join('?' * len(ids))})", ids)
con.execute("PRAGMA user_version = 12")
con.commit()
held = con.execute(f"SELECT count(*) FROM rollups WHERE held <> 0 AND "
                   f"point_id IN ({','.join('?' * len(ids))})",
                   ids).fetchone()[0]
con.close()
c.eq(held, 0, "the older file's rollups hold no energy for them")

with it.Server(db) as srv:
    check_point_aggregates(srv.url, "after migration")
    check_site_aggregate(srv.url, "after migration")
    check_summary(srv.url, "after migration")
    check_signage(srv.url, "after migration")

con = sqlite3.connect(db)
c.eq(con.execute("PRAGMA user_version").fetchone()[0], 13,
     "the file is at schema 13")
con.close()

c.finish_in(work)
