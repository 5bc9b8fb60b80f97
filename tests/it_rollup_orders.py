#!/usr/bin/env python3
"""it_rollup_orders: aggregates answered from rollups equal the fold of
the raw readings, whatever order the readings came in.

Two sites: America/New_York around its 2026-11-01 fall-back night, in
1969-12-31 (negative times) and in 1900 (local mean time, -04:56:02), and
Australia/Lord_Howe around its two 30-minute DST shifts of 2026-27.  Each
has a power point with a step (energy from rollups), one without (its
count, sum, min and max from rollups), a state point and a counter (min
and max).  Readings go to two servers on one file at once, shuffled, in
batches of random size, with values repeated inside a batch (the later
stands) and replaced later; a zone change in the middle.  After each
round every 30-minute, hourly, daily and monthly aggregate over random
ranges, aligned or not, is compared with the test's own fold of what it
sent.

The expected buckets are found with Python's zoneinfo only: a bucket is
the run of instants with the same local date (day), month, or wall-clock
hour or half-hour and UTC offset (an offset change ends one).  A reading
holds until the next one, at most the step, clipped to the range.
"""
import bisect
import datetime as dt
import os
import random
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
rng = random.Random(int(os.environ.get("AKARI_ORDERS_SEED", "5")))
ROUNDS = 3
work = it.tmpdir()
db = os.path.join(work, "orders.db")

SITES = {"ny": "America/New_York", "lh": "Australia/Lord_Howe"}
POINTS = {}  # key: (site, quantity, unit, kind, step)
for s in SITES:
    POINTS[f"{s}/p"] = (s, "power", "kW", "instantaneous", 300)
    POINTS[f"{s}/q"] = (s, "power", "kW", "instantaneous", 0)
    POINTS[f"{s}/t"] = (s, "temperature", "degC", "state", 60)
    POINTS[f"{s}/c"] = (s, "energy", "kWh", "counter", 900)
DAY = 86400
WINDOWS = {
    # 2026-11-01T06:00Z is New York's fall-back change
    "ny": [(1793512800 - 2 * DAY, 1793512800 + 2 * DAY),
           (-2 * DAY, DAY),
           (-2208988800 + 3600, -2208988800 + 2 * DAY)],
    # Lord Howe: +10:30 to +11 on 2026-10-04, back on 2027-04-04
    "lh": [(1791036000 - 2 * DAY, 1791036000 + 2 * DAY),
           (1806760800 - 2 * DAY, 1806760800 + 2 * DAY)],
}
sent = {k: {} for k in POINTS}

for s, z in SITES.items():
    it.run("site", "add", "--db", db, s, "--kind", "home", "--tz", z)
token = {s: it.run("device", "add", "--db", db, "--site", s,
                   "m").stdout.strip() for s in SITES}
for k, (s, q, u, kind, step) in POINTS.items():
    it.run("point", "add", "--db", db, k, "--site", s, "--quantity", q,
           "--unit", u, "--kind", kind, "--step", str(step))


def key_of(tz, iv, t):
    d = dt.datetime.fromtimestamp(t, tz)
    if iv == "30min":
        return (d.date(), d.hour, d.minute // 30, d.utcoffset())
    if iv == "hour":
        return (d.date(), d.hour, d.utcoffset())
    if iv == "day":
        return d.date()
    return (d.year, d.month)


def boundaries(tz, iv, a, b):
    """Starts of the buckets that cover [a, b), and the end of the last."""
    probe = 60 if iv in ("30min", "hour") else 3600

    def first_of(lo, hi):
        """The first instant in (lo, hi] with hi's bucket."""
        kh = key_of(tz, iv, hi)
        while hi - lo > 1:
            m = (lo + hi) // 2
            if key_of(tz, iv, m) == kh:
                hi = m
            else:
                lo = m
        return hi

    k, t = key_of(tz, iv, a), a
    while key_of(tz, iv, t - probe) == k:
        t -= probe
    out = [first_of(t - probe, t)]
    t = a
    while True:
        if key_of(tz, iv, t + probe) != key_of(tz, iv, t):
            out.append(first_of(t, t + probe))
            if out[-1] >= b:
                return out
        t += probe


def expect(key, a, b, iv, fn):
    s, _, _, _, step = POINTS[key]
    bnd = boundaries(zoneinfo.ZoneInfo(SITES[s]), iv, a, b)
    acc = [{"n": 0, "sum": 0.0, "min": None, "max": None, "held": 0,
            "kwh": 0.0} for _ in range(len(bnd) - 1)]
    ts = sorted(sent[key])
    for i, t in enumerate(ts):
        v = sent[key][t]
        if a <= t < b:
            x = acc[bisect.bisect_right(bnd, t) - 1]
            x["n"] += 1
            x["sum"] += v
            x["min"] = v if x["min"] is None else min(x["min"], v)
            x["max"] = v if x["max"] is None else max(x["max"], v)
        if fn != "energy" or not step:
            continue
        end = t + step
        if i + 1 < len(ts):
            end = min(end, ts[i + 1])
        x0, end = max(t, a), min(end, b)
        while x0 < end:
            j = bisect.bisect_right(bnd, x0) - 1
            cut = min(bnd[j + 1], end)
            acc[j]["held"] += cut - x0
            acc[j]["kwh"] += v * (cut - x0) / 3600
            x0 = cut
    if fn == "energy":
        return [x["kwh"] if x["held"] else None for x in acc]
    if fn == "avg":
        return [x["sum"] / x["n"] if x["n"] else None for x in acc]
    return [x[fn] if x["n"] else None for x in acc]


def same(got, want):
    return (got is None) == (want is None) and (
        want is None or abs(got - want) <= 1e-9 * (1 + abs(want)))


def compare(url, what):
    bad = total = 0
    for key, (s, _, _, kind, step) in POINTS.items():
        fns = ["avg", "min", "max"]
        if kind != "counter":
            fns.append("sum")
        if step and kind == "instantaneous":
            fns.append("energy")
        for w0, w1 in WINDOWS[s]:
            for iv in ("30min", "hour", "day", "month"):
                if iv == "month":
                    a, b = w0 - 40 * DAY, w1 + 40 * DAY
                elif rng.random() < 0.5:
                    a, b = w0 - DAY, w1 + DAY
                else:
                    a = rng.randrange(w0 - 3600, w1)
                    b = rng.randrange(a + 1, w1 + 7200)
                for fn in fns:
                    want = expect(key, a, b, iv, fn)
                    status, _, body = it.get(
                        f"{url}/api/v1/points/{key}/aggregate?from={a}"
                        f"&to={b}&interval={iv}&fn={fn}")
                    got = ([x["value"] for x in body["buckets"]]
                           if status == 200 else None)
                    total += 1
                    if (got is None or len(got) != len(want) or
                            not all(map(same, got, want))):
                        bad += 1
                        if bad <= 5:
                            print(f"{what}: {key} {iv} {fn} [{a}, {b}): "
                                  f"got {got}, want {want}", flush=True)
    c.eq(bad, 0, f"{what}: aggregates that differ of {total}")


def send_round(urls, rnd):
    for s in SITES:
        rows = []
        for key in (k for k in POINTS if POINTS[k][0] == s):
            step = POINTS[key][4] or 300
            for w0, w1 in WINDOWS[s]:
                base = w0 + rnd * (w1 - w0) // ROUNDS
                for j in range(rng.randrange(5, 60)):
                    t = (base + j * step if rng.random() < 0.7
                         else rng.randrange(w0, w1))
                    v = (float(rng.randrange(0, 100000))
                         if POINTS[key][3] == "counter"
                         else round(rng.uniform(-1, 10), 2))
                    rows.append((key, t, v))
        rng.shuffle(rows)
        for _ in range(10):
            k, t, v = rng.choice(rows)
            rows.append((k, t, v + 1))
        i = 0
        while i < len(rows):
            chunk = rows[i:i + rng.randrange(1, 200)]
            i += len(chunk)
            status, _, out = it.http(
                "POST", rng.choice(urls) + "/api/v1/ingest",
                {"readings": [{"point": k, "ts": t, "value": v}
                              for k, t, v in chunk]},
                {"Authorization": "Bearer " + token[s],
                 "Content-Type": "application/json"})
            if status != 200 or out.get("accepted") != len(chunk):
                c.true(False, f"ingest: {status} {out!r}")
            for k, t, v in chunk:
                sent[k][t] = v


opts = ["--future-tolerance", "0"]
with it.Server(db, opts) as one, it.Server(db, opts) as two:
    for rnd in range(ROUNDS):
        send_round([one.url, two.url], rnd)
        compare(one.url, f"round {rnd + 1}")
        if rnd == 0:
            it.run("site", "change", "--db", db, "ny", "--tz",
                   "Asia/Kolkata")
            SITES["ny"] = "Asia/Kolkata"
            compare(two.url, "after New York became Kolkata")
it.run("rollup", "rebuild", "--db", db)
with it.Server(db) as srv:
    compare(srv.url, "after a rebuild")
c.finish()
