"""it_formats: the real `akari import` of the later sample files in data/
(TEPCO area mix, UCI household, NREL PV, JMA hourly, ACN EV sessions),
then `akari serve` on the result, with aggregates over HTTP checked
against values this test computes itself from the raw files: a July
2024 day's solar MWh and the month's deepest pumping, a Sceaux day's
kWh and its water heater's kWh from Wh per minute, a Denver day's PV
kWh with its standby nights, JMA daily mean temperature and January
rain, the sessions and kWh of an ACN day.  Then CSV of history: by the
CLI with --map, and over POST /api/v1/ingest/csv as a device, with
the refusals and an unchanged database for the bad cases.
"""
import csv
import datetime as dt
import email.utils
import json
import os
import shutil
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

MIX = os.path.join(it.DATA, "tepco-area", "eria_jukyu_202407_03.csv")
UCI = os.path.join(it.DATA, "household", "uci_household_2007-02-01_02.txt")
NREL = os.path.join(it.DATA, "solar", "nrel_serf_east_15min_ac_power.csv")
JMA = os.path.join(it.DATA, "weather", "jma_tokyo_20250101_20250331.csv")
ACN = os.path.join(it.DATA, "ev", "acn_jpl_sessions_2021.json")

JST = dt.timezone(dt.timedelta(hours=9))
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DENVER = zoneinfo.ZoneInfo("America/Denver")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

c = it.Checks()


aggregate = it.aggregate
readings = it.readings


def rel(want):
    return abs(want) * 1e-9 + 1e-6


# --- the raw files, read here without akari ------------------------------

def mix_rows():
    """[(start, {column: MW})] of the TEPCO area file."""
    with open(MIX, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = lines[1].split(",")
    out = []
    for line in lines[2:]:
        if not line:
            continue
        row = dict(zip(header, line.split(",")))
        y, m, d = map(int, row["DATE"].split("/"))
        hh, mm = map(int, row["TIME"].split(":"))
        out.append((dt.datetime(y, m, d, hh, mm, tzinfo=JST), row))
    return out


def uci_rows():
    with open(UCI) as f:
        r = csv.DictReader((ln for ln in f if ln.strip()), delimiter=";")
        out = []
        for row in r:
            d, m, y = map(int, row["Date"].split("/"))
            hh, mm, ss = map(int, row["Time"].split(":"))
            out.append((dt.datetime(y, m, d, hh, mm, ss, tzinfo=PARIS),
                        row))
        return out


def nrel_rows():
    with open(NREL) as f:
        r = csv.DictReader(ln for ln in f if ln.strip())
        return [(dt.datetime.fromisoformat(row["measured_on"]),
                 float(row["ac_power"])) for row in r]


def jma_rows():
    """[(interval start, fields)]; the file's times end the hour."""
    text = open(JMA, "rb").read().decode("cp932")
    out = []
    for line in text.splitlines()[6:]:
        if not line:
            continue
        f = line.split(",")
        day, time = f[0].split(" ")
        y, m, d = map(int, day.split("/"))
        hh, mm, ss = map(int, time.split(":"))
        end = dt.datetime(y, m, d, tzinfo=JST) + dt.timedelta(
            hours=hh, minutes=mm, seconds=ss)
        out.append((end - HOUR, f))
    return out


def acn_sessions():
    def t(s):
        return email.utils.parsedate_to_datetime(s) if s else None
    with open(ACN) as f:
        return [(t(s["connectionTime"]), t(s["disconnectTime"]),
                 t(s["doneChargingTime"]), s["kWhDelivered"])
                for s in json.load(f)]


# --- local import of the samples -----------------------------------------

tmp = it.tmpdir()
db = os.path.join(tmp, "formats.db")
mix = mix_rows()
uci = uci_rows()
nrel = nrel_rows()
jma = jma_rows()
acn = acn_sessions()

for fmt, path, n in [("tepco-mix", MIX, len(mix) * 18),
                     ("uci-household", UCI, len(uci) * 7),
                     ("nrel-pv", NREL, len(nrel)),
                     ("jma-hourly", JMA, None),
                     ("acn-ev", ACN, None)]:
    p = it.run("import", "--db", db, "--format", fmt, path)
    if n is not None:
        c.true(f": {n} readings stored, 0 refused" in p.stdout,
               f"{fmt} stored whole: {p.stdout!r}")
    else:
        c.true(" 0 refused" in p.stdout, f"{fmt}: {p.stdout!r}")

with it.Server(db) as srv:
    url = srv.url

    # TEPCO: 15 July 2024's solar, 48 half hours of MW: MWh = sum / 2.
    day = dt.datetime(2024, 7, 15, tzinfo=JST)
    rows = [r for t, r in mix if day <= t < day + DAY]
    c.eq(len(rows), 48, "48 half hours on 2024-07-15")
    want = sum(float(r["太陽光発電実績"]) for r in rows) / 2
    got = aggregate(url, "tepco/mix/solar", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0] / 1000, want, rel(want),
            "2024-07-15 solar MWh")
    # Pumping is negative and kept: the month's deepest half hour.
    month = dt.datetime(2024, 7, 1, tzinfo=JST)
    want = min(float(r["揚水"]) for _, r in mix) * 1000
    c.true(want < 0, "the raw file pumps")
    got = aggregate(url, "tepco/mix/pumped_storage", month,
                    month + 31 * DAY, "month", "min")
    c.close(got and got[0], want, 1e-6, "July's deepest pumping, kW")

    # UCI: 1 February 2007 in Sceaux.  Active power in kW a minute:
    # kWh = sum / 60.  The water heater's Wh per minute: kWh = sum / 1000,
    # which checks the Wh/min -> kW the importer does.
    day = dt.datetime(2007, 2, 1, tzinfo=PARIS)
    rows = [r for t, r in uci if day <= t < day + DAY]
    c.eq(len(rows), 1440, "1440 minutes on 2007-02-01")
    want = sum(float(r["Global_active_power"]) for r in rows) / 60
    got = aggregate(url, "sceaux/active_power", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, rel(want), "2007-02-01 kWh")
    want = sum(float(r["Sub_metering_3"]) for r in rows) / 1000
    got = aggregate(url, "sceaux/water_heater_ac", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, rel(want), "2007-02-01 water heater kWh")
    want = sum(float(r["Voltage"]) for r in rows) / len(rows)
    got = aggregate(url, "sceaux/voltage", day, day + DAY, "day", "avg")
    c.close(got and got[0], want, 1e-6, "2007-02-01 mean voltage")

    # NREL: 4 July 2016, a Denver day (-06:00).  Every reading holds a
    # quarter hour: kWh = sum(W) / 1000 / 4; the night's standby draw is
    # in it, and so are its negative readings.
    day = dt.datetime(2016, 7, 4, tzinfo=DENVER)
    vals = [v for t, v in nrel if day <= t < day + DAY]
    c.eq(len(vals), 96, "96 quarter hours on 2016-07-04")
    want = sum(vals) / 1000 / 4
    got = aggregate(url, "nrel-serf/ac_power", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, rel(want), "2016-07-04 PV kWh")
    neg = [v for t, v in readings(url, "nrel-serf/ac_power", day,
                                  day + DAY) if v < 0]
    c.eq(len(neg), sum(v < 0 for v in vals), "negative night readings kept")
    c.close(min(neg, default=0), min(vals) / 1000, 1e-12,
            "the lowest standby reading, kW")

    # JMA: 15 January 2025's mean temperature over the 24 hours that
    # start that day (the file's rows 1:00 .. 24:00, quality 8 only).
    day = dt.datetime(2025, 1, 15, tzinfo=JST)
    temps = [float(f[1]) for t, f in jma if day <= t < day + DAY
             and f[2] == "8"]
    c.eq(len(temps), 24, "24 hours on 2025-01-15")
    want = sum(temps) / 24
    got = aggregate(url, "jma-tokyo/temperature", day, day + DAY, "day",
                    "avg")
    c.close(got and got[0], want, 1e-9, "2025-01-15 mean temperature")
    # January's rain in mm, the hours' sum.
    jan = dt.datetime(2025, 1, 1, tzinfo=JST)
    want = sum(float(f[4] or 0) for t, f in jma
               if jan <= t < jan + 31 * DAY)
    got = aggregate(url, "jma-tokyo/precipitation", jan, jan + 31 * DAY,
                    "month", "sum")
    c.close(got and got[0], want, 1e-9, "January 2025 rain, mm")
    # The first row (2025/1/1 1:00:00) is stored at 00:00, its direction
    # 北西 as 315 degrees.
    got = readings(url, "jma-tokyo/wind_direction", jan, jan + HOUR)
    c.eq([(t.isoformat(), v) for t, v in got],
         [("2025-01-01T00:00:00+09:00", 315.0)], "first wind direction")

    # ACN: 15 June 2021 in Pasadena.  Sessions begun that day, and the
    # kWh charged in it: each session's kWh spread evenly from its
    # connection to doneChargingTime (or disconnection when that is null
    # or later).
    day = dt.datetime(2021, 6, 15, tzinfo=LA)
    want_n = sum(day <= s < day + DAY for s, _, _, _ in acn)
    c.true(want_n > 0, "sessions on 2021-06-15")
    got = aggregate(url, "acn-jpl/ev_sessions", day, day + DAY, "day",
                    "sum")
    c.eq(got and got[0], want_n, "2021-06-15 session count")
    want = 0.0
    for start, disc, done, kwh in acn:
        end = min(done, disc) if done else disc
        end = max(end, start)
        if end == start:
            want += kwh if day <= start < day + DAY else 0
            continue
        a, b = max(start, day), min(end, day + DAY)
        if a < b:
            want += kwh * (b - a).total_seconds() / (end - start) \
                .total_seconds()
    got = aggregate(url, "acn-jpl/ev_power", day, day + DAY, "day",
                    "energy")
    c.close(got and got[0], want, 1e-6, "2021-06-15 kWh charged")
    # The whole file: every session counted once, every kWh once.
    span0 = dt.datetime(2021, 5, 1, tzinfo=LA)
    span1 = dt.datetime(2021, 10, 1, tzinfo=LA)
    got = aggregate(url, "acn-jpl/ev_sessions", span0, span1, "month",
                    "sum")
    c.eq(got and sum(v or 0 for v in got), len(acn), "all sessions")
    want = sum(k for _, _, _, k in acn)
    got = aggregate(url, "acn-jpl/ev_power", span0, span1, "month",
                    "energy")
    c.close(got and sum(v or 0 for v in got), want, 1e-6, "all kWh")

# --- CSV of history --------------------------------------------------------

# A building-management export made from the first hour of the UCI file:
# date and time in their own columns, a header, kW in column 2.
bms = os.path.join(tmp, "bms.csv")
first_hour = uci[:60]
with open(bms, "w") as f:
    f.write("Datum;Zeit;Leistung\n")
    for t, r in first_hour:
        f.write(f"{t:%Y/%m/%d};{t:%H:%M};{r['Global_active_power']}\n")
csv_db = os.path.join(tmp, "csv.db")
MAP = ("date=0,time=1,sep=semicolon,tz=Europe/Paris,"
       "point:hall/power=2,unit=kW,step=60")
p = it.run("import", "--db", csv_db, "--format", "csv", "--map", MAP, bms)
c.true(": 60 readings stored, 0 refused" in p.stdout, f"csv: {p.stdout!r}")
p = it.run("import", "--db", csv_db, "--format", "csv", bms, check=False)
c.eq(p.returncode, 2, "csv without --map: usage error")
p = it.run("import", "--db", csv_db, "--format", "csv", "--map",
           "time=0,point:hall/power=2,unit=kW", bms, check=False)
c.eq(p.returncode, 2, "a map without tz: usage error")
c.true("the map needs tz=ZONE" in p.stderr, f"named: {p.stderr!r}")

token = it.run("device", "add", "--db", csv_db, "--site", "hall",
               "bms1").stdout.strip()
c.true(len(token) > 20, "device token printed")


def post_csv(url, body, spec, tok=token, ctype="text/csv"):
    headers = {"Content-Type": ctype}
    if tok:
        headers["Authorization"] = f"Bearer {tok}"
    return it.http("POST", f"{url}/api/v1/ingest/csv?map={it.q(spec)}",
                   body.encode(), headers)


def count_readings(url, key):
    return len(readings(url, key, dt.datetime(2000, 1, 1, tzinfo=JST),
                        dt.datetime(2030, 1, 1, tzinfo=JST)))


with it.Server(csv_db) as srv:
    url = srv.url
    c.eq(count_readings(url, "hall/power"), 60, "the CLI's 60 readings")

    # The second hour over HTTP, in W with RFC 3339 times: the zone is in
    # the times, ingest turns W into the point's kW.
    second = uci[60:120]
    body = "ts,watts\n" + "".join(
        f"{t.isoformat()},{float(r['Global_active_power']) * 1000:.1f}\n"
        for t, r in second)
    status, _, ans = post_csv(url, body,
                              "time=0,point:hall/power=1,unit=W")
    c.eq(status, 200, f"csv over HTTP: {ans!r}")
    c.eq(isinstance(ans, dict) and ans.get("accepted"), 60, "60 accepted")
    start = second[0][0]
    got = readings(url, "hall/power", start, start + HOUR)
    c.eq(len(got), 60, "the second hour stored")
    c.close(got and got[0][1], float(second[0][1]["Global_active_power"]),
            1e-9, "W became kW")
    want = sum(float(r["Global_active_power"]) for _, r in uci[:120]) / 60
    got = aggregate(url, "hall/power", uci[0][0], uci[0][0] + 2 * HOUR,
                    "day", "energy")
    c.close(got and got[0], want, rel(want), "two hours' kWh")

    # The errors: each its status, and nothing stored.
    before = count_readings(url, "hall/power")
    late = "ts,kw\n2007-02-03 00:00,1\n2007-02-03 00:01,x\n"
    status, _, ans = post_csv(url, late, "time=0,point:hall/power=1,unit=kW")
    c.eq(status, 400, "a bad value: 400")
    c.eq(isinstance(ans, dict) and ans.get("message"),
         "body:3: hall/power value 'x' is not a number", "its line")
    status, _, ans = post_csv(url, late, "time=0,point:hall/power=1")
    c.eq((status, isinstance(ans, dict) and ans.get("error")),
         (400, "bad_map"), "a map without unit: 400 bad_map")
    status, _, _ = post_csv(url, late, "time=0,point:hall/power=1,unit=kW",
                            tok=None)
    c.eq(status, 401, "no token: 401")
    status, _, _ = post_csv(url, late, "time=0,point:hall/power=1,unit=kW",
                            ctype="application/json")
    c.eq(status, 415, "JSON type: 415")
    status, _, ans = post_csv(url, "ts,kw\n2007-02-03 00:00,1\n",
                              "time=0,point:hall/other=1,unit=kW")
    c.eq(status, 422, f"only an unknown point: 422 {ans!r}")
    status, _, ans = post_csv(url, "ts,kw\n2007-02-03 00:00,1\n",
                              "time=0,site=home,point:home/p=1,unit=kW")
    c.eq(status, 400, "another site in the map: 400")
    status, _, ans = post_csv(url, "ts,kw\n2007-02-03 00:00,1\n",
                              "time=0,point:hall/power=1,unit=degC")
    c.eq(status, 422, f"a unit of another quantity: 422 {ans!r}")
    c.eq(count_readings(url, "hall/power"), before, "nothing stored")

shutil.rmtree(tmp, ignore_errors=True)
c.finish()
