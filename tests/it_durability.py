"""Durability under SIGKILL: writers ingest continuously over JSON and
line protocol while `akari serve` is killed with SIGKILL at random
moments, many times over.  After each kill the SQLite file itself is
read (not through akari) and must hold every reading the server
acknowledged, with the value that was sent, and nothing that was never
sent.  The writers then re-send the batch that was in flight when the
server died, as a real gateway does, and at the end every reading is
stored exactly once.  The hourly rollups must agree with the raw
readings after every kill: the re-sent batch counted once, no rollup
committed apart from its readings.

Expected contents come from the batches this test sent; the value of a
reading is a function of its point and time, so a re-sent batch carries
the same values and any mix-up shows.

AKARI_SOAK_SEED fixes the random kill moments (the seed is printed);
AKARI_SOAK_ROUNDS changes the number of kills (default 20).
"""
import bisect
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

T0 = 1656288000			# 2022-06-27T00:00:00Z
# Each writer has a year of its own before T0: readings in the past, as
# a gateway catching up sends them (not ahead of the server's clock,
# which akari holds back).
SPAN = 366 * 86400
ORIGIN = T0 - 4 * SPAN		# before every writer's year
POINTS = 8
MINUTES_PER_BATCH = 25		# x POINTS readings per batch
ROUNDS = int(os.environ.get("AKARI_SOAK_ROUNDS", "20"))
SEED = int(os.environ.get("AKARI_SOAK_SEED", str(int(time.time()))))

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "soak.db")
rng = random.Random(SEED)
print(f"seed {SEED}, {ROUNDS} kills", flush=True)


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def value_of(point, ts):
    """The one value ever sent for (point, ts): exact in binary and in
    decimal, so JSON and line protocol carry it without rounding."""
    return point * 1000 + ((ts - ORIGIN) // 60) % 100000 + 0.25


class Writer(threading.Thread):
    """Sends batch after batch until the server stops answering.  Its
    time range is its own, so writers never overwrite each other."""

    def __init__(self, index, kind, token):
        super().__init__(daemon=True)
        self.index = index
        self.kind = kind		# "json" or "lp"
        self.token = token
        self.next_batch = 0
        self.acked = 0			# readings acknowledged
        self.in_flight = None		# the batch whose fate is unknown
        self.url = None
        self.errors = []

    def batch_rows(self, n):
        first = base(self.index, n)
        # A year holds far more batches than the kills leave time for.
        assert first + MINUTES_PER_BATCH * 60 <= base(self.index, 0) + SPAN
        return [(p, first + m * 60) for m in range(MINUTES_PER_BATCH)
                for p in range(POINTS)]

    def send(self, rows):
        u = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        if self.kind == "json":
            body = json.dumps({"readings": [
                {"point": f"soak/p{p}", "ts": ts, "value": value_of(p, ts)}
                for p, ts in rows]})
            path = "/api/v1/ingest"
            headers = {"Authorization": "Bearer " + self.token,
                       "Content-Type": "application/json"}
        else:
            body = "".join(f"soak p{p}={value_of(p, ts)} {ts}\n"
                           for p, ts in rows)
            path = "/api/v2/write?org=town&bucket=b&precision=s"
            headers = {"Authorization": "Token " + self.token}
        try:
            conn.request("POST", path, body.encode(), headers)
            r = conn.getresponse()
            answer = r.read()
        finally:
            conn.close()
        if r.status not in (200, 204):
            self.errors.append(f"{self.kind}: {r.status} {answer[:200]!r}")
            return False
        if self.kind == "json":
            got = json.loads(answer)
            if got.get("accepted") != len(rows):
                self.errors.append(f"json: partial answer {got!r}")
                return False
        return True

    def run(self):
        while True:
            if self.in_flight is None:
                self.in_flight = self.batch_rows(self.next_batch)
                self.next_batch += 1
            try:
                ok = self.send(self.in_flight)
            except (OSError, http.client.HTTPException):
                return			# the server died; fate unknown
            if not ok:
                return
            self.acked += len(self.in_flight)
            self.in_flight = None


def base(writer, batch):
    """The first time of a writer's batch; batches follow each other."""
    return T0 - (writer + 1) * SPAN + batch * MINUTES_PER_BATCH * 60


def stored():
    """The file's readings and hourly rollups, read with SQLite itself
    and tests/akari_codec.py, not through akari."""
    st = it.Stored(db)
    st.times = sorted(t for _, t in st.rows)
    con = sqlite3.connect(db)
    try:
        # An hour is its two half-hour rollups (res 1).
        st.hourly = {(p, t): (n, total) for p, t, n, total in con.execute(
            "SELECT point_id, ts / 3600 * 3600, sum(n), sum(sum)"
            " FROM rollups WHERE res = 1 GROUP BY 1, 2"
            " HAVING sum(n) > 0")}
    finally:
        con.close()
    return st


def wrong_values(st):
    """Readings whose value is not the one this test sends for their
    point and time: a mix-up, a torn write or a reading never sent."""
    number = {i: int(k[len("soak/p"):]) for i, k in st.keys.items()}
    return [(st.keys[p], t, v) for (p, t), v in st.rows.items()
            if v != value_of(number[p], t)]


def in_range(st, start, end):
    return bisect.bisect_left(st.times, end) - \
        bisect.bisect_left(st.times, start)


def rollups_off(st):
    """Hours whose rollup is not their readings' count and sum: a batch
    counted twice (the re-sent one) or a rollup committed apart from its
    readings.  Tokyo's hours are UTC's, so an hour starts at a multiple
    of 3600; an hour is its half-hours (res 1).  The values are exact
    in binary and their sums too, so the order of the additions does not
    matter."""
    raw = {}
    for (p, t), v in st.rows.items():
        n, total = raw.get((p, t // 3600 * 3600), (0, 0.0))
        raw[(p, t // 3600 * 3600)] = (n + 1, total + v)
    return sorted((k, raw.get(k), st.hourly.get(k))
                  for k in raw.keys() | st.hourly.keys()
                  if raw.get(k) != st.hourly.get(k))


def check_round(n, writers):
    """A writer's acknowledged batches are exactly its batches before
    the one in flight, so the file must hold all of their rows, all or
    none of the one in flight, and nothing after it."""
    st = stored()
    c.eq((st.problems, st.arrivals), ([], 0),
         f"kill {n}: the store's rules kept, the arrival log merged")
    c.eq(wrong_values(st)[:3], [], f"kill {n}: readings with a wrong value")
    c.eq(rollups_off(st)[:3], [], f"kill {n}: hours whose rollup is not "
         "their readings' count and sum")
    for w in writers:
        acked = w.next_batch - (w.in_flight is not None)
        per_batch = MINUTES_PER_BATCH * POINTS
        c.eq(in_range(st, base(w.index, 0), base(w.index, acked)),
             acked * per_batch,
             f"kill {n}: writer {w.index}'s acknowledged readings")
        extra = in_range(st, base(w.index, acked), base(w.index, 0) + SPAN)
        # A batch is one transaction: all of it or none.
        c.true(extra in ((0, per_batch) if w.in_flight else (0,)),
               f"kill {n}: writer {w.index} has {extra} readings past "
               "its acknowledged ones")
    return st


cli("site", "add", "soak", "--kind", "building", "--tz", "Asia/Tokyo")
for p in range(POINTS):
    cli("point", "add", f"soak/p{p}", "--site", "soak", "--quantity",
        "power", "--unit", "kW", "--kind", "instantaneous")
token = cli("device", "add", "--site", "soak", "gw").strip()
writers = [Writer(0, "json", token), Writer(1, "json", token),
           Writer(2, "lp", token)]

acked_total = 0
for n in range(1, ROUNDS + 1):
    srv = it.Server(db).start()
    threads = []
    for w in writers:
        t = Writer(w.index, w.kind, w.token)
        t.next_batch, t.acked, t.in_flight = w.next_batch, w.acked, \
            w.in_flight
        t.url = srv.url
        threads.append(t)
        t.start()
    time.sleep(rng.uniform(0.05, 1.5))
    srv.stop(signal.SIGKILL)
    for t in threads:
        t.join(timeout=60)
        c.true(not t.is_alive(), f"kill {n}: writer {t.index} stopped")
        c.eq(t.errors, [], f"kill {n}: writer {t.index} refused")
    writers = threads
    # Acknowledged batches may still be in the arrival log: akari
    # merges them, and their rollups, as it opens the file.
    cli("quarantine", "list")
    check_round(n, writers)

acked_total = sum(w.acked for w in writers)
print(f"{acked_total} readings acknowledged across {ROUNDS} kills",
      flush=True)
c.true(acked_total > 0, "some readings were acknowledged")

# The last in-flight batches are re-sent once the server is back: every
# reading is then stored exactly once, and akari counts what the file
# holds.
srv = it.Server(db).start()
for w in writers:
    w.url = srv.url
    if w.in_flight is not None:
        c.true(w.send(w.in_flight), f"re-send of writer {w.index}")
        w.acked += len(w.in_flight)
        w.in_flight = None
want = sum(w.next_batch for w in writers) * MINUTES_PER_BATCH * POINTS
status, _, health = it.get(srv.url + "/api/v1/health")
c.eq(status, 200, "health after the kills")
c.eq(health.get("readings") if isinstance(health, dict) else None,
     want, "akari counts every reading once")
c.eq(srv.stop(signal.SIGTERM), 0, "a clean stop after the kills")
st = check_round("final", writers)
c.eq(len(st.rows), want, "every reading sent is stored once")

shutil.rmtree(work, ignore_errors=True)
c.finish()
