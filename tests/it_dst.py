"""Integration test of local-time buckets across daylight saving time: a
site in Europe/Berlin made with the real CLI, hourly power readings sent
over HTTP for 2025-03-29 .. 2025-10-28, and the hourly, daily and monthly
aggregates read back.

Europe/Berlin springs forward at 2025-03-30T01:00:00Z (02:00 CET becomes
03:00 CEST), so that local day has 23 hours, and falls back at
2025-10-26T01:00:00Z (03:00 CEST becomes 02:00 CET), so that day has 25.
Every expected bucket start, count and total is computed here with
Python's zoneinfo from the readings this test sends, never taken from
akari's answers.
"""
import datetime
import os
import shutil
import sys
import urllib.parse
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = datetime.timezone.utc
KEY = "berlin/power"

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "dst.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def midnight(y, m, d):
    """The instant (Unix seconds) of local midnight in Berlin."""
    return int(datetime.datetime(y, m, d, tzinfo=BERLIN).timestamp())


def local(ts):
    """RFC 3339 in Berlin's offset, as akari writes its times."""
    return datetime.datetime.fromtimestamp(ts, BERLIN).isoformat()


def value(ts):
    """A reading's kW: varies by hour so that no total is a plain count."""
    return 0.25 + (ts // 3600) % 11 * 0.5


def query(ts):
    return urllib.parse.quote(local(ts), safe="")


def aggregate(frm, to, interval, fn):
    status, _, body = it.get(
        f"{srv.url}/api/v1/points/{KEY}/aggregate?from={query(frm)}"
        f"&to={query(to)}&interval={interval}&fn={fn}")
    c.eq(status, 200, f"aggregate {interval} {fn} {local(frm)}: status")
    return body.get("buckets", []) if isinstance(body, dict) else []


# --- the registry, through the CLI -----------------------------------------

cli("site", "add", "berlin", "--kind", "home", "--tz", "Europe/Berlin")
cli("point", "add", KEY, "--site", "berlin", "--quantity", "power", "--unit",
    "kW", "--step", "3600")
token = cli("device", "add", "--site", "berlin", "meter1").strip()

# --- hourly readings over HTTP ---------------------------------------------

# One reading at the start of every UTC hour (in Berlin every UTC hour is
# a local hour) from local midnight of 2025-03-29 to that of 2025-10-29.
# Half of them are sent as RFC 3339 in the local offset and half as Unix
# seconds, so both spellings cross the transitions.
start, end = midnight(2025, 3, 29), midnight(2025, 10, 29)
readings = {ts: value(ts) for ts in range(start, end, 3600)}
rows = [{"point": KEY, "ts": local(ts) if i % 2 else ts, "value": v}
        for i, (ts, v) in enumerate(sorted(readings.items()))]

srv = it.Server(db).start()
for off in range(0, len(rows), 2000):
    status, _, body = it.http(
        "POST", srv.url + "/api/v1/ingest",
        {"readings": rows[off:off + 2000]},
        {"Authorization": "Bearer " + token,
         "Content-Type": "application/json; charset=utf-8"})
    c.eq((status, body), (200, {"accepted": len(rows[off:off + 2000]),
                                "rejected": []}), f"ingest from row {off}")

# --- hourly buckets on the two transition days -----------------------------


def check_hours(y, m, d, nhours):
    frm, to = midnight(y, m, d), midnight(*next_day(y, m, d))
    want = [(local(ts), readings[ts]) for ts in range(frm, to, 3600)]
    c.eq(len(want), nhours, f"{y}-{m:02}-{d:02} has {nhours} hours")
    got = [(b.get("start"), b.get("value"))
           for b in aggregate(frm, to, "hour", "energy")]
    c.eq(len(got), nhours, f"{y}-{m:02}-{d:02}: hourly buckets")
    c.eq([s for s, _ in got], [s for s, _ in want],
         f"{y}-{m:02}-{d:02}: local starts of the hours")
    # A 1-hour step: each reading holds for its whole hour, so a bucket's
    # kWh is that reading's kW.
    for (s, g), (_, w) in zip(got, want):
        c.close(g, w, 1e-9, f"{s}: energy of the hour")
    got = [(b.get("start"), b.get("value"))
           for b in aggregate(frm, to, "hour", "avg")]
    c.eq(got, want, f"{y}-{m:02}-{d:02}: hourly avg")


def next_day(y, m, d):
    n = datetime.date(y, m, d) + datetime.timedelta(days=1)
    return n.year, n.month, n.day


check_hours(2025, 3, 30, 23)
check_hours(2025, 10, 26, 25)
check_hours(2025, 3, 29, 24)
check_hours(2025, 10, 27, 24)

# The fall-back day names its repeated hour twice, once in each offset.
starts = [b.get("start") for b in aggregate(
    midnight(2025, 10, 26), midnight(2025, 10, 27), "hour", "sum")]
c.eq(starts[2:4], ["2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00"],
     "the repeated hour is two buckets")
starts = [b.get("start") for b in aggregate(
    midnight(2025, 3, 30), midnight(2025, 3, 31), "hour", "sum")]
c.eq(starts[1:3], ["2025-03-30T01:00:00+01:00", "2025-03-30T03:00:00+02:00"],
     "the skipped hour has no bucket")

# --- day and month energy --------------------------------------------------


def day_total(y, m, d):
    frm, to = midnight(y, m, d), midnight(*next_day(y, m, d))
    return sum(v for ts, v in readings.items() if frm <= ts < to)


for y, m, d0, d1 in ((2025, 3, 29, 31), (2025, 10, 25, 28)):
    frm, to = midnight(y, m, d0), midnight(*next_day(y, m, d1))
    days = [(y, m, d) for d in range(d0, d1 + 1)]
    got = aggregate(frm, to, "day", "energy")
    c.eq([b.get("start") for b in got],
         [local(midnight(*day)) for day in days],
         f"{y}-{m:02}: local midnights")
    for b, day in zip(got, days):
        c.close(b.get("value"), day_total(*day), 1e-6,
                f"{b.get('start')}: day energy")

# 2025-03-30 holds 23 readings and 2025-10-26 25: the daily sum of kW
# readings and their count show it without any energy integration.
got = aggregate(midnight(2025, 10, 26), midnight(2025, 10, 27), "day", "avg")
c.close(got[0].get("value") if got else None, day_total(2025, 10, 26) / 25,
        1e-9, "2025-10-26: the mean of 25 readings")
got = aggregate(midnight(2025, 3, 30), midnight(2025, 3, 31), "day", "avg")
c.close(got[0].get("value") if got else None, day_total(2025, 3, 30) / 23,
        1e-9, "2025-03-30: the mean of 23 readings")

# Months April .. October, and March and October cut at the readings' ends.
months = [(2025, m) for m in range(4, 11)]
got = aggregate(midnight(2025, 4, 1), midnight(2025, 11, 1), "month",
                "energy")
c.eq([b.get("start") for b in got],
     [local(midnight(y, m, 1)) for y, m in months], "month starts")
for b, (y, m) in zip(got, months):
    frm = midnight(y, m, 1)
    to = midnight(y + m // 12, m % 12 + 1, 1)
    want = sum(v for ts, v in readings.items() if frm <= ts < to)
    c.close(b.get("value"), want, 1e-6, f"{b.get('start')}: month energy")

c.eq(srv.stop(), 0, "server stops cleanly")
shutil.rmtree(work, ignore_errors=True)
c.finish()
