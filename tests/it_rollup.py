#!/usr/bin/env python3
"""Rollups against a real `akari serve`: a year of one Sydney home's
half-hourly consumption (data/household, Ausgrid customer 12) sent over
HTTP with a share held back, then the late rows and some corrections;
every daily, monthly and hourly figure must equal what Python computes
from the CSV file itself.  Then raw retention: the readings go, the
rollups and so the aggregates stay, and the readings answer says where
raw data ends.

The expected values use only the CSV and Python's zoneinfo: the file's
times are UTC+10 all year; buckets are Australia/Sydney's local days,
months and wall-clock hours (DST from 2011-10-02 and until 2012-04-01);
a half-hour reading of v kW is v * 0.5 kWh, all inside its bucket since
Sydney's offsets are whole hours.
"""
import csv
import datetime as dt
import os
import random
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

AUSGRID = os.path.join(it.DATA, "household",
                       "ausgrid_customer12_2011-2012.csv")
AEST = dt.timezone(dt.timedelta(hours=10))
SYD = zoneinfo.ZoneInfo("Australia/Sydney")
KEY = "syd/consumption"
STEP = 1800

c = it.Checks()
rng = random.Random(1888)


def csv_rows():
    """{unix seconds: kW} of the GC column."""
    out = {}
    with open(AUSGRID, newline="") as f:
        for r in csv.DictReader(f):
            t = dt.datetime.fromisoformat(r[""]).replace(tzinfo=AEST)
            out[int(t.timestamp())] = float(r["GC"])
    return out


def local_days(start, end):
    """Midnights of the local dates from start up to end (dates)."""
    d = start
    while d < end:
        yield dt.datetime(d.year, d.month, d.day, tzinfo=SYD)
        d += dt.timedelta(days=1)


def expect(rows, bucket_of, keys, fn):
    """fn ('energy' or 'avg') of rows per bucket key, None when empty."""
    acc = {}
    for ts, v in rows.items():
        acc.setdefault(bucket_of(ts), []).append(v)
    out = []
    for k in keys:
        vs = acc.get(k)
        if not vs:
            out.append(None)
        elif fn == "energy":
            out.append(sum(v * STEP / 3600 for v in vs))
        else:
            out.append(sum(vs) / len(vs))
    return out


def day_of(ts):
    return dt.datetime.fromtimestamp(ts, SYD).date()


def month_of(ts):
    d = dt.datetime.fromtimestamp(ts, SYD)
    return (d.year, d.month)


def compare(url, rows, what):
    """Days, months and the hours of both DST days against rows."""
    start, end = dt.date(2011, 7, 1), dt.date(2012, 7, 1)
    days = list(local_days(start, end))
    y0 = dt.datetime(2011, 7, 1, tzinfo=SYD)
    y1 = dt.datetime(2012, 7, 1, tzinfo=SYD)
    months = [(2011 + (6 + i) // 12, (6 + i) % 12 + 1) for i in range(12)]
    for fn in ("energy", "avg"):
        got = it.aggregate(url, KEY, y0, y1, "day", fn)
        want = expect(rows, day_of, [d.date() for d in days], fn)
        check_list(got, want, f"{what}: daily {fn}")
        got = it.aggregate(url, KEY, y0, y1, "month", fn)
        want = expect(rows, month_of, months, fn)
        check_list(got, want, f"{what}: monthly {fn}")

    # Hours of the two change days: a wall-clock hour is a UTC hour here.
    for day, hours in ((dt.date(2011, 10, 2), 23), (dt.date(2012, 4, 1), 25)):
        d0 = dt.datetime(day.year, day.month, day.day, tzinfo=SYD)
        nxt = day + dt.timedelta(days=1)
        d1 = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=SYD)
        t0, t1 = int(d0.timestamp()), int(d1.timestamp())
        c.eq((t1 - t0) // 3600, hours, f"{day} has {hours} hours (zoneinfo)")
        got = it.aggregate(url, KEY, d0, d1, "hour", "energy")
        want = expect(rows, lambda ts: ts - ts % 3600,
                      range(t0, t1, 3600), "energy")
        check_list(got, want, f"{what}: hourly energy of {day}")


def check_list(got, want, what):
    if got is None or len(got) != len(want):
        c.true(False, f"{what}: {None if got is None else len(got)} "
               f"buckets, want {len(want)}")
        return
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want))
           if (g is None) != (w is None) or
           (w is not None and abs(g - w) > 1e-9 * (1 + abs(w)))]
    c.true(not bad, f"{what}: {len(bad)} of {len(want)} buckets differ, "
           f"first {bad[:3]}")


def ingest(url, token, items, batch):
    for i in range(0, len(items), batch):
        body = {"readings": [{"point": KEY, "ts": ts, "value": v}
                             for ts, v in items[i:i + batch]]}
        status, _, out = it.http(
            "POST", url + "/api/v1/ingest", body,
            {"Authorization": "Bearer " + token,
             "Content-Type": "application/json"})
        if status != 200 or out.get("accepted") != len(body["readings"]):
            c.true(False, f"ingest: {status} {out!r}")
            return


tmp = it.tmpdir()
db = os.path.join(tmp, "rollup.db")
it.run("site", "add", "--db", db, "syd", "--kind", "home", "--tz",
       "Australia/Sydney")
token = it.run("device", "add", "--db", db, "--site", "syd",
               "meter").stdout.strip()
it.run("point", "add", "--db", db, KEY, "--site", "syd", "--quantity",
       "power", "--unit", "kW", "--step", str(STEP))

full = csv_rows()
c.eq(len(full), 17568, "17,568 half hours in the file")
order = sorted(full)
late = set(rng.sample(order, 2000))

with it.Server(db) as srv:
    # In arrival order, with a ninth of the rows held back.
    sent = {ts: full[ts] for ts in order if ts not in late}
    ingest(srv.url, token, [(ts, full[ts]) for ts in order
                            if ts not in late], 500)
    compare(srv.url, sent, "on time")

    # The late rows, shuffled, and corrections of 500 rows (some sent
    # twice in one batch: the second value stands).
    items = [(ts, full[ts]) for ts in late]
    rng.shuffle(items)
    ingest(srv.url, token, items, 97)
    fixed = dict(full)
    fixes = []
    for ts in rng.sample(order, 500):
        fixes.append((ts, 9.0))
        fixes.append((ts, round(full[ts] * 2 + 0.125, 3)))
        fixed[ts] = round(full[ts] * 2 + 0.125, 3)
    ingest(srv.url, token, fixes, 250)
    compare(srv.url, fixed, "late and corrected")

    y0 = dt.datetime(2011, 7, 1, tzinfo=SYD)
    y1 = dt.datetime(2012, 7, 1, tzinfo=SYD)
    status, _, body = it.get(
        f"{srv.url}/api/v1/points/{KEY}/readings?from={it.q(y0.isoformat())}"
        f"&to={it.q((y0 + dt.timedelta(days=2)).isoformat())}")
    c.eq(status, 200, "readings before pruning")
    c.eq(len(body.get("readings", [])), 96, "two days of raw readings")
    c.true("pruned_before" not in body, "nothing pruned yet")

# Keep 365 days: the file's year is long past, so all of it goes.
now = int(time.time())
with it.Server(db, ["--retain-raw-days", "365"]) as srv:
    deadline = time.time() + 60
    left = None
    while time.time() < deadline:
        status, _, body = it.get(
            f"{srv.url}/api/v1/points/{KEY}/readings?"
            f"from={it.q(y0.isoformat())}&to={it.q(y1.isoformat())}")
        left = body.get("readings") if status == 200 else None
        if left == []:
            break
        time.sleep(0.2)
    c.eq(left, [], "raw readings of the year are pruned")
    cut = body.get("pruned_before")
    c.true(cut is not None, f"the answer says where raw data ends: {body!r}")
    if cut:
        t = dt.datetime.fromisoformat(cut).timestamp()
        c.true(abs(t - (now - 365 * 86400)) < 600,
               f"pruned before {cut}, 365 days ago")
    compare(srv.url, fixed, "after pruning")

    # A reading of yesterday is newer than the horizon and stays.
    ingest(srv.url, token, [(now - 86400, 1.5)], 1)
    d = dt.datetime.fromtimestamp(now - 2 * 86400, SYD)
    status, _, body = it.get(
        f"{srv.url}/api/v1/points/{KEY}/readings?from={it.q(d.isoformat())}"
        f"&to={it.q(dt.datetime.fromtimestamp(now, SYD).isoformat())}")
    c.eq([r["value"] for r in body.get("readings", [])], [1.5],
         "a recent reading is kept")
    c.true("pruned_before" not in body, "no note for a range after it")

# akari rollup rebuild keeps what it cannot rebuild (the pruned year).
p = it.run("rollup", "rebuild", "--db", db)
c.true("rebuilt the rollups of 1 point" in p.stdout, p.stdout)
with it.Server(db) as srv:
    compare(srv.url, fixed, "after a rebuild")

p = it.run("rollup", "rebuild", "--db", db, "--point", "nope", check=False)
c.eq(p.returncode, 1, "rebuild of an unknown point fails")
c.true("no point 'nope'" in p.stderr, p.stderr)
p = it.run("prune", "--db", db, "--older-than-days", "0", check=False)
c.eq(p.returncode, 2, "prune needs at least one day")
sys.exit(c.finish())
