#!/usr/bin/env python3
"""it_rollup_prune_live: raw retention while readings arrive.

Ten days of 5-minute power readings for a point in New York: the older
five are sent first, then the recent five, shuffled, with values
replaced twice in one batch, while `akari prune --older-than-days 5`
runs again and again on the same file.  Afterwards the daily energy of
the whole days before the horizon (answered from frozen rollups) and the
hourly energy after it (from rollups kept on write) must equal the
test's own fold of everything it sent: each reading of v kW holds until
the next one, at most 300 s.  Then the old batches are sent once more,
as a gateway repeating its backlog does, also to a second point that
has only those (so no raw reading of it is left): those days must not
change.
"""
import datetime as dt
import os
import random
import subprocess
import sys
import threading
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
rng = random.Random(3)
NY = zoneinfo.ZoneInfo("America/New_York")
STEP = 300
DAY = 86400
work = it.tmpdir()
db = os.path.join(work, "prune.db")
it.run("site", "add", "--db", db, "ny", "--kind", "home", "--tz",
       "America/New_York")
token = it.run("device", "add", "--db", db, "--site", "ny",
               "m").stdout.strip()
for key in ("ny/p", "ny/old"):
    it.run("point", "add", "--db", db, key, "--site", "ny", "--quantity",
           "power", "--unit", "kW", "--step", str(STEP))

now = int(time.time())
sent = {}


def post(url, rows, key="ny/p"):
    status, _, out = it.http(
        "POST", url + "/api/v1/ingest",
        {"readings": [{"point": key, "ts": t, "value": v}
                      for t, v in rows]},
        {"Authorization": "Bearer " + token,
         "Content-Type": "application/json"})
    if status != 200 or out.get("accepted") != len(rows):
        c.true(False, f"ingest: {status} {out!r}")
    if key == "ny/p":
        for t, v in rows:
            sent[t] = v


def fold(a, b):
    """Energy of [a, b) from what was sent; None without any hold."""
    ts = sorted(sent)
    kwh, held = 0.0, 0
    for i, t in enumerate(ts):
        end = t + STEP
        if i + 1 < len(ts):
            end = min(end, ts[i + 1])
        x0, x1 = max(t, a), min(end, b)
        if x0 < x1:
            kwh += sent[t] * (x1 - x0) / 3600
            held += x1 - x0
    return kwh if held else None


def same(got, want):
    return (got is None) == (want is None) and (
        want is None or abs(got - want) <= 1e-9 * (1 + abs(want)))


base = now - now % STEP
old = [(t, round(rng.uniform(0, 5), 2))
       for t in range(base - 10 * DAY, base - 5 * DAY - 2 * 3600, STEP)]
new = [(t, round(rng.uniform(0, 5), 2))
       for t in range(base - 5 * DAY + 2 * 3600, now - 600, STEP)]

# Whole local days from the first full one to the horizon's.
d0 = dt.datetime.fromtimestamp(base - 10 * DAY, NY).date() + \
    dt.timedelta(days=1)
d1 = dt.datetime.fromtimestamp(now - 5 * DAY, NY).date()
days = [dt.datetime(d.year, d.month, d.day, tzinfo=NY)
        for d in (d0 + dt.timedelta(days=k)
                  for k in range((d1 - d0).days + 1))]


def check_days(url, what, key="ny/p"):
    got = it.aggregate(url, key, days[0], days[-1], "day", "energy")
    want = [fold(int(a.timestamp()), int(b.timestamp()))
            for a, b in zip(days, days[1:])]
    c.true(got is not None and len(got) == len(want) and
           all(map(same, got, want)),
           f"{what}: daily energy of {key} before the horizon: {got} "
           f"vs {want}")


with it.Server(db, ["--future-tolerance", "0"]) as srv:
    for i in range(0, len(old), 500):
        post(srv.url, old[i:i + 500])
        post(srv.url, old[i:i + 500], "ny/old")
    rng.shuffle(new)
    stop = threading.Event()
    prunes = [0]

    def pruner():
        while not stop.is_set():
            subprocess.run([it.AKARI, "prune", "--db", db,
                            "--older-than-days", "5"], capture_output=True)
            prunes[0] += 1

    th = threading.Thread(target=pruner)
    th.start()
    for i in range(0, len(new), 37):
        t = rng.choice(new)[0]
        post(srv.url, new[i:i + 37] + [(t, 7.0), (t, 8.0)])
    # On a busy machine one prune pass can outlast all the batches: send
    # them again (the last write wins here and in the server alike) until
    # two passes have run beside the writes.
    i, deadline = 0, time.time() + 120
    while prunes[0] < 2 and time.time() < deadline:
        post(srv.url, new[i % len(new):i % len(new) + 37])
        i += 37
    stop.set()
    th.join()
    c.true(prunes[0] >= 2, f"pruned {prunes[0]} times during ingestion")

    status, _, body = it.get(f"{srv.url}/api/v1/points/ny/p/readings?"
                             f"from={base - 10 * DAY}&to={now}")
    left = [r for r in body.get("readings", [])
            if dt.datetime.fromisoformat(r["ts"]).timestamp() <
            now - 5 * DAY - 600]
    c.eq(left, [], "readings older than five days are gone")
    c.true("pruned_before" in body, "the answer says where raw data ends")

    check_days(srv.url, "after pruning")
    check_days(srv.url, "after pruning", "ny/old")
    h0 = (now - 5 * DAY + 3 * 3600) // 3600 * 3600
    h1 = (now - 3600) // 3600 * 3600
    status, _, body = it.get(f"{srv.url}/api/v1/points/ny/p/aggregate?"
                             f"from={h0}&to={h1}&interval=hour&fn=energy")
    got = [b["value"] for b in body.get("buckets", [])]
    want = [fold(t, t + 3600) for t in range(h0, h1, 3600)]
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want))
           if not same(g, w)]
    c.true(len(got) == len(want) and not bad,
           f"hourly energy after the horizon: {len(bad)} differ, "
           f"first {bad[:3]}")

    # The backlog again: stored raw for a moment, counted no second time.
    for i in range(0, len(old), 500):
        post(srv.url, old[i:i + 500])
        post(srv.url, old[i:i + 500], "ny/old")
    check_days(srv.url, "after the old batches came again")
    check_days(srv.url, "after the old batches came again", "ny/old")
c.finish()
