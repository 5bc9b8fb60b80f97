"""A household's power in W is drawn as the same power in kW, and a
room's temperature in degF as the same temperature in degC.

Two databases hold the same home site, "home", whose points
home/consumption and home/pv have the same readings: in kW in the
first, in W (each value times 1000) in the second.  `akari render`
draws the household slide of each from a
real server; the pictures must be the same pixels, since 1.5 kW and
1500 W are one power.  The kW picture is the expected value: nothing
of the W side's conversion is used to make it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import akari_it as it  # noqa: E402

c = it.Checks()
d = it.tmpdir()
T0 = 1656288000          # 2022-06-27T00:00:00Z, 09:00 in Tokyo
AT = T0 + 5 * 3600       # 14:00 in Tokyo


def reading(i):
    """A minute's consumption and pv in kW: a slow swing, three decimals
    (so that times 1000 is a whole number of W).  Today's energies,
    300 minutes from 09:00 to 14:00, are away from a rounding tie at
    the slide's two decimals, where the last bits of kW and W sums
    could round apart: consumption 120 + 0.012 * 12,450 = 269.4 kW min
    = 4.49 kWh; pv 360 - 0.004 * 22,500 = 270 kW min = 4.5 kWh."""
    return (0.4 + (i % 90) * 0.012, 1.2 - abs(i - 150) * 0.004)


def make(unit, factor):
    db = os.path.join(d, f"home-{unit}.db")
    it.run("site", "add", "home", "--db", db, "--kind", "home",
           "--tz", "Asia/Tokyo")
    token = it.run("device", "add", "--db", db, "--site", "home",
                   "meter").stdout.strip()
    for key in ("home/consumption", "home/pv"):
        it.run("point", "add", key, "--db", db, "--site", "home",
               "--quantity", "power", "--unit", unit, "--step", "60")
    rows = []
    for i in range(300):
        use, pv = reading(i)
        rows.append({"point": "home/consumption", "ts": T0 + 60 * i,
                     "value": round(use * factor, 3)})
        rows.append({"point": "home/pv", "ts": T0 + 60 * i,
                     "value": round(pv * factor, 3)})
    return db, token, rows


def draw(made, unit, slide, site_option, site):
    """Serves the database made, ingests its rows, draws slide of site
    (picked with site_option); the picture's pixels, or None."""
    db, token, rows = made
    with it.Server(db) as srv:
        st, _, b = it.http("POST", srv.url + "/api/v1/ingest",
                           {"readings": rows},
                           {"Authorization": "Bearer " + token,
                            "Content-Type": "application/json"})
        c.eq((st, b.get("accepted")), (200, len(rows)), f"{unit}: ingest")
        out = os.path.join(d, f"{slide}-{unit}.png")
        p = it.run("render", "--server", srv.url, "--slide", slide,
                   site_option, site, "--at", str(AT),
                   "--size", "960x540", "-o", out, check=False)
        c.eq(p.returncode, 0, f"{unit}: render ({p.stderr.strip()})")
        return it.png_rgb(out) if p.returncode == 0 else None


pictures = {}
for unit, factor in (("kW", 1), ("W", 1000)):
    pictures[unit] = draw(make(unit, factor), unit, "household",
                          "--home-site", "home")


def make_room(unit, convert):
    """A room with the same air in two units: temperature in tenths of a
    degree C, 20.0 to 24.9, sent as is or as degF (x 9 / 5 + 32)."""
    db = os.path.join(d, f"room-{unit}.db")
    it.run("site", "add", "room", "--db", db, "--kind", "building",
           "--tz", "Asia/Tokyo")
    token = it.run("device", "add", "--db", db, "--site", "room",
                   "sensor").stdout.strip()
    for key, q, u in (("room/temperature", "temperature", unit),
                      ("room/humidity", "humidity", "%RH"),
                      ("room/co2", "co2", "ppm")):
        it.run("point", "add", key, "--db", db, "--site", "room",
               "--quantity", q, "--unit", u, "--step", "60")
    rows = []
    for i in range(300):
        t = 20.0 + (i % 50) / 10
        rows += [{"point": "room/temperature", "ts": T0 + 60 * i,
                  "value": convert(t)},
                 {"point": "room/humidity", "ts": T0 + 60 * i,
                  "value": 45.0},
                 {"point": "room/co2", "ts": T0 + 60 * i, "value": 600.0}]
    return db, token, rows


for unit, convert in (("degC", lambda t: t),
                      ("degF", lambda t: round(t * 9 / 5 + 32, 2))):
    pictures[unit] = draw(make_room(unit, convert), unit, "air",
                          "--air-site", "room")


def differing(a, b):
    return sum(1 for i in range(0, len(a), 3) if a[i:i + 3] != b[i:i + 3])


if pictures["degC"] and pictures["degF"]:
    c.eq(differing(pictures["degC"][2], pictures["degF"][2]), 0,
         "pixels that differ between the degC and the degF room")
if pictures["kW"] and pictures["W"]:
    c.eq(differing(pictures["kW"][2], pictures["W"][2]), 0,
         "pixels that differ between the kW and the W household")
c.finish()
