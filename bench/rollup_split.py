#!/usr/bin/env python3
"""rollup_split: the bench's workload into one akari file, then its pages
by table and index (SQLite's dbstat) and, with --queries, the two
queries timed.

    python3 bench/rollup_split.py --akari build/src/cli/akari \
        --loadgen build/bench/loadgen [--quick] [--db FILE] [--reuse] \
        [--queries]

Writes 1,000 points x 1,440 one-minute readings by line protocol (batch
5,000, 4 clients), as bench/bench.py does, then prints the bytes per
reading of every table and index, the payload per cell and the unused
share of their pages.  --queries then writes the year's point and times
(a) and (b) as bench.py does.  --reuse skips the writes and measures an
existing --db (opening it with --akari first, so that its migrations
run).
"""
import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def split(db, readings):
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT name, sum(pgsize), count(*), sum(ncell), "
            "sum(payload), sum(unused) FROM dbstat GROUP BY name "
            "ORDER BY 2 DESC").fetchall()
        total = os.path.getsize(db)
        print(f"{'name':24} {'bytes':>12} {'pages':>7} {'cells':>9} "
              f"{'payload/cell':>12} {'unused':>6} {'B/reading':>9}")
        for name, size, pages, cells, payload, unused in rows:
            per = payload / cells if cells else 0
            print(f"{name:24} {size:12,} {pages:7,} {cells:9,} "
                  f"{per:12.1f} {100 * unused / size:5.1f}% "
                  f"{size / readings:9.3f}")
        print(f"{'file':24} {total:12,} {'':7} {'':9} {'':12} {'':6} "
              f"{total / readings:9.3f}")
        for res, n in con.execute("SELECT res, count(*) FROM rollups "
                                  "GROUP BY res"):
            print(f"rollups res {res}: {n:,} rows")
    finally:
        con.close()


def queries(ak, db, fresh):
    """Query (a) and (b) as bench.py times them; the year's point is
    written first unless the file already has it."""
    if fresh:
        year, q = ak.queries(db)
    else:
        ak.start(db)
        try:
            q = ak.query_all()
        finally:
            ak.stop()
    print(f"(a) a year of daily energy: {1000 * q['energy_s']:.2f} ms "
          f"({q['energy_days']} buckets, median of {bench.QUERY_REPEAT})")
    print(f"(b) hourly mean of the meters: {1000 * q['hourly_1_s']:.2f} ms "
          f"from 1 client, {1000 * q['hourly_4_s']:.2f} ms from 4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--akari", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--db", help="the file to write (kept) or reuse")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--queries", action="store_true",
                    help="also time queries (a) and (b)")
    args = ap.parse_args()
    w = bench.Workload(args.quick)
    workdir = tempfile.mkdtemp(prefix="akari-split-")
    try:
        ak = bench.Akari(args, w, workdir)
        db = args.db or os.path.join(workdir, "split.db")
        if not args.reuse:
            ak.make_template()
            shutil.copyfile(ak.template, db)
            ak.start(db)
            try:
                ak.ingest("lp", 5000, 4)
            finally:
                ak.stop()
        else:
            # a token of our own; opening the file also migrates it
            ak.token = ak.cli("device", "add", "--db", db, "--site",
                              "bench", f"split{os.getpid()}"
                              ).strip().splitlines()[-1]
        with sqlite3.connect(db) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        split(db, w.readings)
        if args.queries:
            queries(ak, db, not args.reuse)
            with sqlite3.connect(db) as c:
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            c.close()
            print("with the year's point:")
            split(db, w.readings)
    except bench.BenchError as e:
        print(f"rollup_split: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
