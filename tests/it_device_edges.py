"""Integration test of device requests at the edges of their rules, on a
real `akari serve`:

1. A CSV upload over HTTP is a device's batch like any other: a row
   whose time is far ahead of the server's clock is held in quarantine
   (docs/counters.md), not stored as a reading.
2. A device's body limit holds for a gzip line-protocol body once
   unzipped, as the server's own limit does: a small gzip that unzips
   past it is a 413, nothing stored.
3. A rate so small that the wait for the next request does not fit in a
   whole number of seconds still refuses that request, with a
   Retry-After, and stores nothing.

Expected values come from the rules in the docs and from the database
file, read directly.
"""
import os
import gzip
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "edges.db")


def cli(*args, check=True):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


# The running server, while there is one.
live_url = None


def merged(url):
    """Has the server at url merge its arrival log (every read of
    readings does; /health is the cheapest), so that the file's tables
    hold every write acknowledged so far (docs/storage.md)."""
    status, _, _ = it.get(url + "/api/v1/health")
    c.eq(status, 200, "health, so that the server merges its log")


def readings_rows():
    """[(point_id, ts, value)] of every reading the file holds, read
    from the file itself (blocks or readings, and the arrival log)."""
    st = it.Stored(db)
    c.eq(st.problems, [], "the file keeps the store's rules")
    return st.triples()


def table(sql, *args):
    if live_url:
        merged(live_url)
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


ADMIN = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC")
cli("point", "add", "hall/temp", "--site", "hall", "--quantity",
    "temperature", "--unit", "degC")
METER = cli("device", "add", "--site", "hall", "m1").stdout.strip()
SLOW = cli("device", "add", "--site", "hall", "slow").stdout.strip()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def test_csv_future(url, log):
    now = int(time.time())
    # One row of the past, one a day ahead: the default tolerance is
    # 300 s, so the second is held.
    past, ahead = now - 600, now + 86400
    body = f"{iso(past)},20.5\n{iso(ahead)},21.5\n".encode()
    spec = "header=0,time=0,point:hall/temp=1,unit=degC"
    st, _, b = it.http(
        "POST", url + "/api/v1/ingest/csv?map=" + urllib.parse.quote(
            spec, safe=""), body,
        {"Authorization": "Bearer " + METER, "Content-Type": "text/csv"})
    c.eq(st, 200, "CSV with a future row: status")
    c.eq(b.get("accepted") if isinstance(b, dict) else b, 1,
         "CSV: one row accepted")
    msgs = b.get("messages", []) if isinstance(b, dict) else []
    c.true(len(msgs) == 1 and "body:2:" in msgs[0] and
           "quarantine" in msgs[0] and "future_ts" in msgs[0],
           f"CSV: the answer says line 2 is held: {msgs}")
    c.eq(b.get("set_aside") if isinstance(b, dict) else b, 1,
         "CSV: the answer counts the held row")
    with open(log) as f:
        warned = [line for line in f if " warn " in line and
                  "csv from device" in line and "quarantine" in line]
    c.eq(len(warned), 1, "CSV: the held row is logged at warn")
    c.eq(sorted((t, v) for _, t, v in readings_rows()),
         [(past, 20.5)], "CSV: only the present row is a reading")
    c.eq(table("SELECT ts, value, reason FROM quarantine"),
         [(ahead, 21.5, "future_ts")], "CSV: the future row is held")


def test_gzip_limit(url):
    st, _, _ = it.http(
        "PATCH", url + "/api/v1/devices/hall/m1", b'{"max_body": 1000}',
        {"Authorization": "Bearer " + ADMIN,
         "Content-Type": "application/json"})
    c.eq(st, 200, "gzip: device limit of 1000 bytes set")
    now = int(time.time())
    # 400 lines of about 27 bytes: some 11,000 bytes, far past 1000,
    # that gzip to a few hundred.
    text = "".join(f"hall temp=20.5 {now - 1000 + i}\n"
                   for i in range(400)).encode()
    body = gzip.compress(text)
    c.true(len(body) < 1000 < len(text),
           f"gzip: {len(body)} bytes sent, {len(text)} unzipped")
    before = readings_rows()
    st, _, b = it.http("POST", url + "/write?db=hall&precision=s", body,
                       {"Authorization": "Token " + METER,
                        "Content-Encoding": "gzip"})
    c.eq(st, 413, "gzip: unzipped past the device's limit")
    msg = b.get("message", "") if isinstance(b, dict) else ""
    c.true("1000" in msg, f"gzip: the message names the limit: {msg!r}")
    c.eq(readings_rows(), before,
         "gzip: database unchanged")


def test_tiny_rate(url):
    st, _, _ = it.http(
        "PATCH", url + "/api/v1/devices/hall/slow",
        b'{"rate_per_s": 1e-300, "burst": 1}',
        {"Authorization": "Bearer " + ADMIN,
         "Content-Type": "application/json"})
    c.eq(st, 200, "a tiny rate is a valid setting")
    h = {"Authorization": "Bearer " + SLOW,
         "Content-Type": "application/json"}
    st, _, _ = it.http("POST", url + "/api/v1/ingest", {"readings": []}, h)
    c.eq(st, 200, "tiny rate: the one request of the burst")
    before = readings_rows()
    now = int(time.time())
    st, hdrs, b = it.http(
        "POST", url + "/api/v1/ingest",
        {"readings": [{"point": "hall/temp", "ts": now, "value": 1}]}, h)
    # A bucket of 1 refilling at 1e-300 per second: the next request is
    # some 1e300 s away, far more than any header can say.
    c.eq(st, 429, "tiny rate: the second request is refused")
    c.eq(b.get("error") if isinstance(b, dict) else b, "rate_limited",
         "tiny rate: error code")
    c.true(int(hdrs.get("Retry-After", "0")) >= 10 ** 9,
           f"tiny rate: Retry-After {hdrs.get('Retry-After')!r} is long")
    c.eq(readings_rows(), before,
         "tiny rate: database unchanged")


def main():
    global live_url
    with it.Server(db) as srv:
        live_url = srv.url
        test_csv_future(srv.url, srv.log)
        test_gzip_limit(srv.url)
        test_tiny_rate(srv.url)
    c.finish()


main()
