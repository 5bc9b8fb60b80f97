"""Integration test: device requests while another program holds the
database's write lock, on a real `akari serve`.

The server writes when devices were last seen every few seconds, on the
thread of a device request.  While another connection holds the write
lock (here a python sqlite3 connection in BEGIN IMMEDIATE, as `akari
import --db` would), that write must not keep the request waiting for
the lock, nor keep every other device's request waiting behind it:

1. Concurrent ingests from two devices, sent once a last-seen write is
   due, are all answered 200 (the side file takes the readings) while
   the lock is still held.  The lock is released only after every
   answer came; the overall wait is a guard against hanging, far longer
   than a request needs, not a measure of speed.
2. The last-seen times taken while the lock was held are not lost: once
   the lock is free, the next write records both devices, the one that
   sent nothing since included, at or after the time their requests
   were sent.

Expected values: the HTTP statuses of docs/api.md, and the devices'
last_seen read from the database file directly, compared with the
clock of this test.
"""
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "seen.db")

# The server writes last-seen times at most every 5 s (api_auth.c);
# waiting a little longer makes one due.
FLUSH_WAIT_S = 6
PER_DEVICE = 4
# Guards against a hang only: the requests need a small part of it.
GUARD_S = 45


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def post(url, token, key, ts):
    return it.http("POST", url + "/api/v1/ingest",
                   {"readings": [{"point": key, "ts": ts, "value": 1.0}]},
                   {"Authorization": "Bearer " + token,
                    "Content-Type": "application/json"})


def last_seen():
    con = sqlite3.connect(db, timeout=30)
    try:
        return [r[0] for r in con.execute(
            "SELECT last_seen FROM devices ORDER BY id")]
    finally:
        con.close()


def work_fn():
    cli("site", "add", "town", "--kind", "grid", "--tz", "Asia/Tokyo")
    cli("site", "add", "sun", "--kind", "pv", "--tz", "Asia/Tokyo")
    toks = [cli("device", "add", "--site", "town", "meter").strip(),
            cli("device", "add", "--site", "sun", "inv").strip()]
    keys = ["town/p", "sun/pv"]
    cli("point", "add", "town/p", "--site", "town", "--quantity", "power",
        "--unit", "kW", "--step", "60")
    cli("point", "add", "sun/pv", "--site", "sun", "--quantity", "power",
        "--unit", "kW", "--step", "60")
    base = int(time.time()) // 60 * 60 - 3600
    with it.Server(db) as srv:
        time.sleep(FLUSH_WAIT_S)
        holder = sqlite3.connect(db, isolation_level=None, timeout=30)
        holder.execute("BEGIN IMMEDIATE")
        sent_at = int(time.time())
        answers = {}
        done = threading.Event()
        lock = threading.Lock()

        def one(i):
            dev = i % 2
            st = post(srv.url, toks[dev], keys[dev], base + 60 * i)[0]
            with lock:
                answers[i] = st
                if len(answers) == 2 * PER_DEVICE:
                    done.set()

        threads = [threading.Thread(target=one, args=(i,), daemon=True)
                   for i in range(2 * PER_DEVICE)]
        for t in threads:
            t.start()
        all_in = done.wait(GUARD_S)
        with lock:
            got = dict(answers)
        seen_locked = last_seen()
        holder.execute("ROLLBACK")
        holder.close()
        c.true(all_in, "all %d ingests answered while another program "
               "held the write lock (got %d)"
               % (2 * PER_DEVICE, len(got)))
        c.eq(sorted(got.values()), [200] * (2 * PER_DEVICE),
             "statuses of the ingests under the lock")
        c.eq(seen_locked, [None, None],
             "nothing written while the lock was held")
        for t in threads:
            t.join(GUARD_S)

        # The next write is due FLUSH_S after the one that failed.
        time.sleep(FLUSH_WAIT_S)
        c.eq(post(srv.url, toks[0], keys[0], base + 3600)[0], 200,
             "an ingest once the lock is free")
        it.wait_for(lambda: None not in last_seen(), timeout=GUARD_S)
        seen = last_seen()
        c.true(all(s is not None and s >= sent_at for s in seen),
               "both devices' last_seen written once the lock was free, "
               "at or after %d: %r" % (sent_at, seen))


work_fn()
c.finish_in(work)
