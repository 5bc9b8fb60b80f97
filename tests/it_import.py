"""it_import: the real `akari import` of the sample data in data/, then
`akari serve` on the result, with aggregates over HTTP checked against
values this test computes itself from the raw files: the energy of a
TEPCO day from its hourly and its 5-minute rows, a day's kWh of the home,
an hour's mean CO2 in the room.  Then --shift-days and --from/--to move
and cut a day exactly, --push stores over HTTP what a local import
stores, refused rows are reported with their file line, and a malformed
file stores nothing.
"""
import csv
import datetime as dt
import glob
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

TEPCO = sorted(glob.glob(os.path.join(it.DATA, "tepco", "*.csv")))
AUSGRID = os.path.join(it.DATA, "household",
                       "ausgrid_customer12_2011-2012.csv")
OCCUPANCY = os.path.join(it.DATA, "environment", "uci_occupancy_training.txt")
TESTDATA = os.path.join(it.SOURCE_DIR, "tests", "data", "import")

JST = dt.timezone(dt.timedelta(hours=9))
AEST = dt.timezone(dt.timedelta(hours=10))
MAN_KW = 10000  # 1 万kW in kW
DAY = dt.timedelta(days=1)

c = it.Checks()


# --- the raw files, read here without akari ------------------------------

def tepco_tables(path):
    """{'hourly': [row dict], 'five': [row dict]} of one daily file; a
    table is found by its header's Japanese column names."""
    text = open(path, "rb").read().decode("cp932")
    tables = {"hourly": [], "five": []}
    header = name = None
    for line in text.splitlines():
        fields = line.split(",")
        if not line.strip():
            name = None
        elif fields[:2] == ["DATE", "TIME"]:
            header = fields
            name = ("hourly" if "当日実績(万kW)" in fields else
                    "five" if "当日実績(５分間隔値)(万kW)" in fields else None)
        elif name:
            tables[name].append(dict(zip(header, fields)))
    return tables


def tepco_file(day):
    return os.path.join(it.DATA, "tepco", day.strftime("%Y%m%d") +
                        "_power_usage.csv")


def ausgrid_rows():
    with open(AUSGRID, newline="") as f:
        return [r for r in csv.DictReader(f)]


def occupancy_rows():
    with open(OCCUPANCY, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        # Each row starts with an index the header does not name.
        return [dict(zip(header, row[1:])) for row in r]


# --- the server ----------------------------------------------------------

aggregate = it.aggregate


def readings(url, key, start, end):
    """[(unix seconds, value)] of key in [start, end)."""
    return [(int(t.timestamp()), v)
            for t, v in it.readings(url, key, start, end)]


def rel(want):
    """Tolerance for a sum of a few hundred exact decimals."""
    return abs(want) * 1e-9 + 1e-9


def akari_import(*args, check=True):
    return it.run("import", *args, check=check)


# --- local import of all the samples -------------------------------------

tmp = it.tmpdir()
db = os.path.join(tmp, "local.db")

p = akari_import("--db", db, "--format", "tepco-daily", *TEPCO)
lines = p.stdout.splitlines()
c.eq(len(lines), 30, "one summary line per TEPCO file")
# A full day: 24 hourly rows x 4 series + 288 five-minute rows x 2.
c.eq(sum(" 672 readings stored, 0 refused" in ln for ln in lines), 30,
     "every TEPCO day stored whole")
akari_import("--db", db, "--format", "ausgrid", AUSGRID)
akari_import("--db", db, "--format", "uci-occupancy", OCCUPANCY)

with it.Server(db) as srv:
    url = srv.url

    # The energy of 27 June 2022 from the 24 hourly rows: each holds an
    # hour, so kWh = sum(万kW) * 10000 * 1 h.
    day = dt.datetime(2022, 6, 27, tzinfo=JST)
    t = tepco_tables(tepco_file(day))
    want = sum(float(r["当日実績(万kW)"]) for r in t["hourly"]) * MAN_KW
    c.eq(len(t["hourly"]), 24, "24 hourly rows in the raw file")
    got = aggregate(url, "tepco/demand_hourly", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, rel(want), "2022-06-27 hourly energy")

    # The same day from the 5-minute demand: each row holds 1/12 h.
    want = sum(float(r["当日実績(５分間隔値)(万kW)"])
               for r in t["five"]) * MAN_KW / 12
    c.eq(len(t["five"]), 288, "288 five-minute rows in the raw file")
    got = aggregate(url, "tepco/demand", day, day + DAY, "day", "energy")
    c.close(got and got[0], want, rel(want), "2022-06-27 5-minute energy")

    # Every TEPCO day: the hourly usage rate lands in its local hour.
    for d in range(1, 31):
        day = dt.datetime(2022, 6, d, tzinfo=JST)
        t = tepco_tables(tepco_file(day))
        want = [float(r["使用率(%)"]) for r in t["hourly"]]
        got = aggregate(url, "tepco/usage_hourly", day, day + DAY, "hour",
                        "avg")
        c.eq(got, want, f"usage rate by hour, 2022-06-{d:02d}")

    # The solar peak of 30 June, in kW, at its 5-minute slot.
    day = dt.datetime(2022, 6, 30, tzinfo=JST)
    t = tepco_tables(tepco_file(day))
    solar = [(dt.datetime.strptime(r["DATE"] + " " + r["TIME"],
                                   "%Y/%m/%d %H:%M").replace(tzinfo=JST),
              float(r["太陽光発電実績(５分間隔値)(万kW)"]) * MAN_KW)
             for r in t["five"]]
    got = readings(url, "tepco/solar", day, day + DAY)
    c.eq(got, [(int(ts.timestamp()), v) for ts, v in solar],
         "2022-06-30 solar readings, kW at each 5-minute start")

    # A day of the home, 2012-06-25 at UTC+10: 48 half hours of GC kW,
    # each held 0.5 h.
    home = ausgrid_rows()
    day = dt.datetime(2012, 6, 25, tzinfo=AEST)
    gc = [float(r["GC"]) for r in home if r[""].startswith("2012-06-25")]
    c.eq(len(gc), 48, "48 half hours on 2012-06-25 in the raw file")
    want = sum(gc) * 0.5
    got = aggregate(url, "home12/consumption", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, rel(want), "home12 kWh on 2012-06-25")
    home_day = readings(url, "home12/consumption", day, day + DAY)
    home_pv = readings(url, "home12/pv", day, day + DAY)

    # The room's mean CO2 from 10:00 to 11:00 on 2015-02-05, local time.
    room = occupancy_rows()
    co2 = [float(r["CO2"]) for r in room
           if r["date"].startswith("2015-02-05 10:")]
    c.true(len(co2) > 50, "about a reading a minute in that hour")
    hour = dt.datetime(2015, 2, 5, 10, tzinfo=JST)
    got = aggregate(url, "room1/co2", hour, hour + dt.timedelta(hours=1),
                    "hour", "avg")
    want = sum(co2) / len(co2)
    c.close(got and got[0], want, 1e-9 * want, "room1 mean CO2, 10-11h")

    # Calendar months of the home at UTC+10: each month's kWh is the sum
    # of its half hours x 0.5 h, July 2011 to June 2012.
    months = {}
    for r in home:
        key = r[""][:7]
        months[key] = months.get(key, 0.0) + float(r["GG"]) * 0.5
    c.eq(len(months), 12, "twelve months in the raw file")
    got = aggregate(url, "home12/pv", dt.datetime(2011, 7, 1, tzinfo=AEST),
                    dt.datetime(2012, 7, 1, tzinfo=AEST), "month", "energy")
    c.eq(len(got or []), 12, "home12 PV: twelve month buckets")
    for g, (m, want) in zip(got or [], sorted(months.items())):
        c.close(g, want, rel(want), f"home12 PV kWh in {m}")

    # All of June 2022 from the thirty files' 5-minute demand; the month
    # bucket is the local (JST) calendar month.
    want = sum(float(r["当日実績(５分間隔値)(万kW)"])
               for f in TEPCO for r in tepco_tables(f)["five"]
               if r["当日実績(５分間隔値)(万kW)"]) * MAN_KW / 12
    june = dt.datetime(2022, 6, 1, tzinfo=JST)
    got = aggregate(url, "tepco/demand", june,
                    dt.datetime(2022, 7, 1, tzinfo=JST), "month", "energy")
    c.close(got and got[0], want, rel(want), "tepco/demand kWh in June 2022")

    # The room's day figures on 2015-02-09 from its minute rows.
    temp = [float(r["Temperature"]) for r in room
            if r["date"].startswith("2015-02-09")]
    day = dt.datetime(2015, 2, 9, tzinfo=JST)
    for fn, want in (("min", min(temp)), ("max", max(temp)),
                     ("avg", sum(temp) / len(temp)), ("sum", sum(temp))):
        got = aggregate(url, "room1/temperature", day, day + DAY, "day", fn)
        c.close(got and got[0], want, rel(want),
                f"room1 temperature {fn} on 2015-02-09")

# --- --shift-days and --from/--to ----------------------------------------

# Monday 2012-06-25 moved 3654 days is Monday 2022-06-27.
c.eq(dt.date(2012, 6, 25) + dt.timedelta(days=3654), dt.date(2022, 6, 27),
     "3654 days from 2012-06-25")
shifted_db = os.path.join(tmp, "shifted.db")
p = akari_import("--db", shifted_db, "--format", "ausgrid",
                 "--shift-days", "3654", "--from", "2012-06-25",
                 "--to", "2012-06-25", AUSGRID)
c.true(" 96 readings stored, 0 refused" in p.stdout,
       f"one day of two points stored: {p.stdout!r}")
c.true(f", {len(home) * 2 - 96} of {len(home) * 2} outside" in p.stdout,
       f"the rest skipped: {p.stdout!r}")

with it.Server(shifted_db) as srv:
    day = dt.datetime(2022, 6, 27, tzinfo=AEST)
    shift = 3654 * 86400
    got = readings(srv.url, "home12/consumption", day, day + DAY)
    c.eq(got, [(ts + shift, v) for ts, v in home_day],
         "the shifted day: same values, exactly 3654 days later")
    got = aggregate(srv.url, "home12/consumption", day - DAY, day + 2 * DAY,
                    "day", "energy")
    want = sum(gc) * 0.5
    c.eq(got and [got[0], got[2]], [None, None],
         "nothing on the days around it")
    c.close(got and got[1], want, rel(want), "the shifted day's kWh")

# --- --push --------------------------------------------------------------

push_db = os.path.join(tmp, "push.db")
# An import that selects no row still makes the site and points.
p = akari_import("--db", push_db, "--format", "ausgrid", "--from",
                 "1990-01-01", "--to", "1990-01-01", AUSGRID)
c.true(" 0 readings stored" in p.stdout, f"registry only: {p.stdout!r}")
token = it.run("device", "add", "--db", push_db, "--site", "home12",
               "meter12").stdout.strip()
c.true(len(token) > 20, "device token printed")

with it.Server(push_db) as srv:
    # The whole year: 35136 readings go in batches of 5000.
    p = akari_import("--push", srv.url, "--token", token, "--format",
                     "ausgrid", AUSGRID)
    c.true(f" {len(home) * 2} readings stored, 0 refused" in p.stdout,
           f"pushed whole: {p.stdout!r}")
    day = dt.datetime(2012, 6, 25, tzinfo=AEST)
    c.eq(readings(srv.url, "home12/consumption", day, day + DAY), home_day,
         "pushed consumption equals the local import")
    c.eq(readings(srv.url, "home12/pv", day, day + DAY), home_pv,
         "pushed PV equals the local import")
    got = aggregate(srv.url, "home12/consumption", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, rel(want), "pushed kWh on 2012-06-25")

    # A wrong token: the server refuses the batch, the import says so.
    p = akari_import("--push", srv.url, "--token", "not-a-token",
                     "--format", "ausgrid", AUSGRID, check=False)
    c.eq(p.returncode, 1, "bad token: exit status")
    c.true("status 401" in p.stderr, f"bad token reported: {p.stderr!r}")

# Refused rows are reported with their line: a server where home12 has
# only the consumption point.
part_db = os.path.join(tmp, "part.db")
it.run("site", "add", "--db", part_db, "home12", "--kind", "home", "--tz",
       "+10:00")
it.run("point", "add", "--db", part_db, "home12/consumption", "--site",
       "home12", "--quantity", "power", "--unit", "kW", "--step", "1800")
token = it.run("device", "add", "--db", part_db, "--site", "home12",
               "meter12").stdout.strip()
cut = os.path.join(TESTDATA, "ausgrid_cut.csv")
with it.Server(part_db) as srv:
    p = akari_import("--push", srv.url, "--token", token, "--format",
                     "ausgrid", cut, check=False)
    c.eq(p.returncode, 1, "refused rows: exit status")
    c.true(" 4 readings stored, 4 refused" in p.stdout,
           f"refused rows counted: {p.stdout!r}")
    # ausgrid_cut.csv line 2 is 2011-07-01 00:00:00,0.392,0.0
    c.true(f"{cut}:2: home12/pv at 2011-07-01T00:00:00+10:00 refused"
           in p.stderr, f"refused row named by line: {p.stderr!r}")
    day = dt.datetime(2011, 7, 1, tzinfo=AEST)
    got = readings(srv.url, "home12/consumption", day, day + DAY)
    c.eq([v for _, v in got], [0.392, 0.578, 0.46799999999999997],
         "the good rows of the cut stored")

# --- bad input -----------------------------------------------------------

bad_db = os.path.join(tmp, "bad.db")
bad = os.path.join(TESTDATA, "tepco_bad_number.csv")
good = os.path.join(TESTDATA, "tepco_midday.csv")
p = akari_import("--db", bad_db, "--format", "tepco-daily", bad, good,
                 check=False)
c.eq(p.returncode, 1, "a malformed file: exit status")
c.true(f"{bad}:3: 当日実績(万kW) value '46x9' is not a number" in p.stderr,
       f"FILE:LINE message: {p.stderr!r}")
# tepco_midday.csv: 4 readings at 13:00, 2 at 14:00 (its empty cells are
# no readings), 2 five-minute readings at 14:00.
c.true(f"{good}: 8 readings stored, 0 refused" in p.stdout,
       f"the good file after it still imported: {p.stdout!r}")
c.true(bad not in p.stdout, "no summary for the malformed file")
with it.Server(bad_db) as srv:
    # The bad file's line 2 (0:00) was good, but nothing of that file
    # may be stored; the midday file has an actual demand at 13:00 only.
    day = dt.datetime(2022, 6, 27, tzinfo=JST)
    got = readings(srv.url, "tepco/demand_hourly", day, day + DAY)
    c.eq(got, [(int((day + dt.timedelta(hours=13)).timestamp()),
                5254 * MAN_KW)], "only the midday file's 13:00 demand")

for args in (["--format", "ausgrid", AUSGRID],
             ["--db", db, "--push", "http://x", "--format", "ausgrid",
              AUSGRID],
             ["--db", db, "--format", "nope", AUSGRID],
             ["--db", db, "--format", "ausgrid"],
             ["--db", db, "--format", "ausgrid", "--from", "2012-13-01",
              AUSGRID],
             ["--db", db, "--format", "ausgrid", "--from", "2012-06-02",
              "--to", "2012-06-01", AUSGRID]):
    p = akari_import(*args, check=False)
    what = " ".join(os.path.basename(a) for a in args)
    c.eq(p.returncode, 2, f"usage error: {what}")

shutil.rmtree(tmp, ignore_errors=True)
c.finish()
