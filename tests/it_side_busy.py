#!/usr/bin/env python3
"""Reads while another program holds the database's write lock
(docs/storage.md, "What a read sees"; docs/api.md, 503): a real `akari
serve`, and a second process, this test's own sqlite3 connection, that
takes the lock with BEGIN IMMEDIATE as `akari import --db` does.

With nothing waiting to be merged, reads are answered as usual.  A
batch sent meanwhile is acknowledged (it goes to the side file), and a
read that would leave it out is refused with 503, a Retry-After and a
message naming the cause, on the readings, summary and health routes
alike; once the lock is free, the same reads answer 200 with every
reading sent.  Expected readings are the ones this test sent.
"""
import datetime
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "busy.db")
T = 1705244400          # 2024-01-15T00:00:00+09:00
UTC = datetime.timezone.utc


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def post(url, token, rows):
    return it.http("POST", url + "/api/v1/ingest", {"readings": [
        {"point": "town/p", "ts": t, "value": v} for t, v in rows]},
        {"Authorization": "Bearer " + token,
         "Content-Type": "application/json"})


def readings(url):
    start = datetime.datetime.fromtimestamp(T, UTC).isoformat()
    end = datetime.datetime.fromtimestamp(T + 3600, UTC).isoformat()
    return it.get(f"{url}/api/v1/points/town/p/readings?from={it.q(start)}"
                  f"&to={it.q(end)}")


def values(body):
    return [r["value"] for r in body["readings"]] \
        if isinstance(body, dict) and "readings" in body else body


def refused(what, answer):
    status, headers, body = answer
    c.eq(status, 503, f"{what} while the lock is held: status")
    c.true(headers.get("Retry-After", "").isdigit(),
           f"{what}: a Retry-After ({headers.get('Retry-After')!r})")
    msg = body.get("message", "") if isinstance(body, dict) else ""
    c.true(isinstance(body, dict) and body.get("error") == "busy",
           f"{what}: error busy ({body!r})")
    c.true("write lock" in msg and "1 acknowledged readings" in msg,
           f"{what}: the message names the cause ({msg!r})")


cli("site", "add", "town", "--kind", "grid", "--tz", "Asia/Tokyo")
token = cli("device", "add", "--site", "town", "meter").strip()
cli("point", "add", "town/p", "--site", "town", "--quantity", "power",
    "--unit", "kW", "--step", "60")

with it.Server(db) as srv:
    status, _, _ = post(srv.url, token, [(T, 1.0)])
    c.true(status in (200, 204), f"the first batch is taken ({status})")
    status, _, body = readings(srv.url)
    c.eq((status, values(body)), (200, [1.0]), "read before the lock")

    other = sqlite3.connect(db, isolation_level=None, timeout=30)
    other.execute("BEGIN IMMEDIATE")
    try:
        status, _, body = readings(srv.url)
        c.eq((status, values(body)), (200, [1.0]),
             "with nothing waiting, a read is answered under the lock")
        status, _, body = post(srv.url, token, [(T + 60, 2.0)])
        c.true(status in (200, 204),
               f"a batch is acknowledged while the lock is held ({status} "
               f"{body!r})")
        refused("readings", readings(srv.url))
        refused("summary", it.get(f"{srv.url}/api/v1/sites/town/summary"
                                  f"?at={T + 120}"))
        refused("health", it.get(f"{srv.url}/api/v1/health"))
        # the file as it is: the second reading is not in it yet, so an
        # answer then would have left it out
        c.eq(it.stored_point(db, "town/p"), [(T, 1.0), (T + 60, 2.0)],
             "both acknowledged readings are on disk (the side file)")
    finally:
        other.execute("ROLLBACK")
        other.close()

    status, _, body = readings(srv.url)
    c.eq((status, values(body)), (200, [1.0, 2.0]),
         "once the lock is free the read has both readings")
    status, _, body = it.get(f"{srv.url}/api/v1/health")
    c.eq((status, body.get("readings") if isinstance(body, dict) else body),
         (200, 2), "health counts both")
c.finish_in(work)
