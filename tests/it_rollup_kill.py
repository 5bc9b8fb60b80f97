#!/usr/bin/env python3
"""it_rollup_kill: rollups survive SIGKILL in the middle of ingestion.

A writer sends batches of late, out-of-order, replaced and duplicated
readings to `akari serve` (two power points with a step, one without,
in a zone with DST) while the server is killed with SIGKILL at random
moments, a few times.  After each kill a copy of the database is taken
with SQLite's backup API and `akari rollup rebuild` recomputes every
rollup of the copy from its raw readings: the rollups the server kept
on write must be those rows, every resolution, count, min and max
exactly, sums and energy to a relative 1e-9.  A rollup committed apart
from its readings, or one that a restart's empty memory gets wrong,
shows as a difference.

AKARI_KILL_SEED fixes the kill moments (the seed is printed).
"""
import os
import random
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

KILLS = 4
# 2026-03-08T04:40:00Z, the night of New York's spring-forward change
# (07:00Z)
T0 = 1772944800
SPAN = 4 * 86400
POINTS = {"ny/a": 300, "ny/b": 60, "ny/c": 0}

c = it.Checks()
seed = int(os.environ.get("AKARI_KILL_SEED", random.randrange(1 << 30)))
print(f"seed {seed}", flush=True)
rng = random.Random(seed)
work = it.tmpdir()
db = os.path.join(work, "kill.db")

it.run("site", "add", "--db", db, "ny", "--kind", "home", "--tz",
       "America/New_York")
token = it.run("device", "add", "--db", db, "--site", "ny",
               "meter").stdout.strip()
for key, step in POINTS.items():
    it.run("point", "add", "--db", db, key, "--site", "ny", "--quantity",
           "power", "--unit", "kW", "--step", str(step))


def batch(r, cursor):
    """A batch of mostly appends after cursor, some late, replaced and
    repeated."""
    rows = []
    for key in POINTS:
        base = T0 + (r.randrange(0, SPAN) if r.random() < 0.3
                     else cursor % SPAN)
        for _ in range(r.randrange(1, 40)):
            t = base + r.randrange(0, 3 * 3600)
            rows.append({"point": key, "ts": t,
                         "value": round(r.uniform(-1, 9), 3)})
    for _ in range(r.randrange(0, 5)):
        dup = dict(r.choice(rows))
        dup["value"] += 1
        rows.append(dup)
    return rows


def writer(url, stop, r):
    cursor = r.randrange(0, SPAN)
    while not stop.is_set():
        cursor += 3 * 3600
        try:
            it.http("POST", url + "/api/v1/ingest",
                    {"readings": batch(r, cursor)},
                    {"Authorization": "Bearer " + token,
                     "Content-Type": "application/json"})
        except OSError:
            return


ROLLUPS = ("SELECT point_id, res, ts, n, sum, min, max, held, kwh "
           "FROM rollups ORDER BY point_id, res, ts")


def rollups(path):
    con = sqlite3.connect(path)
    try:
        return con.execute(ROLLUPS).fetchall()
    finally:
        con.close()


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * (1 + abs(b))


def compare(kept, rebuilt, what):
    keys = {r[:3] for r in kept} | {r[:3] for r in rebuilt}
    a = {r[:3]: r for r in kept}
    b = {r[:3]: r for r in rebuilt}
    bad = []
    for k in sorted(keys):
        x, y = a.get(k), b.get(k)
        if (x is None or y is None or x[3] != y[3] or x[5] != y[5] or
                x[6] != y[6] or x[7] != y[7] or not close(x[4], y[4]) or
                not close(x[8], y[8])):
            bad.append((x, y))
    c.true(len(keys) > 0, f"{what}: there are rollups")
    c.true(not bad, f"{what}: {len(bad)} of {len(keys)} rollups differ "
           f"from a rebuild, first {bad[:2]}")


for n in range(KILLS):
    srv = it.Server(db, ["--future-tolerance", "0"]).start()
    stop = threading.Event()
    writers = [threading.Thread(target=writer,
                                args=(srv.url, stop,
                                      random.Random(rng.random())))
               for _ in range(2)]
    for w in writers:
        w.start()
    time.sleep(rng.uniform(0.5, 2.0))
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    srv.proc = None
    stop.set()
    for w in writers:
        w.join()

    copy = os.path.join(work, f"copy{n}.db")
    src = sqlite3.connect(db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    # Acknowledged readings may still be in the arrival log: akari
    # merges them, and their rollups, as it opens the file.  The merge
    # changes no reading a program outside akari sees in the file.
    before = it.Stored(copy)
    it.run("quarantine", "list", "--db", copy)
    after = it.Stored(copy)
    c.eq((after.problems, after.arrivals), ([], 0),
         f"kill {n + 1}: merged, the store's rules kept")
    c.true(after.rows == before.rows and after.rows,
           f"kill {n + 1}: the merge keeps the {len(before.rows)} readings "
           f"({before.arrivals} in the log) as they were")
    kept = rollups(copy)
    it.run("rollup", "rebuild", "--db", copy)
    compare(kept, rollups(copy), f"kill {n + 1}")
    os.remove(copy)

c.finish()
