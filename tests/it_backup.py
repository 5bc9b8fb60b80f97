"""akari backup while akari serve ingests, and akari restore.

A Python thread posts batches to a real server without pause (a bounded
loop) and records every reading the server acknowledged.  Meanwhile
`akari backup` runs several times, plain and encrypted.  Every backup
must pass SQLite's integrity check (run here by Python's own sqlite3)
and hold every reading acknowledged before that backup started, with
its value.  The last encrypted backup is restored into a new file and
queried through a fresh server.  The refusals are checked too: wrong
passphrase, a changed byte, a live database, an existing target.
"""
import datetime
import os
import sqlite3
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import akari_it as it  # noqa: E402

c = it.Checks()
d = it.tmpdir()
db = os.path.join(d, "live.db")
T0 = 1656288000  # 2022-06-27T00:00:00Z
BATCH = 20
MAX_BATCHES = 20000  # the writer's bound; it stops sooner when told
PASS = "kiosk at the town hall, 2022"


def cli(*args):
    """A registry command on the live database: akari site add ..."""
    return it.run(*args[:2], "--db", db, *args[2:])


cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
token = cli("device", "add", "--site", "hall", "meter").stdout.strip()
cli("point", "add", "hall/bulk", "--site", "hall", "--quantity", "power",
    "--unit", "kW")
cli("point", "add", "hall/live", "--site", "hall", "--quantity", "power",
    "--unit", "kW")

passfile = os.path.join(d, "passphrase")
with open(passfile, "w") as f:
    f.write(PASS + "\n")
wrongfile = os.path.join(d, "wrong")
with open(wrongfile, "w") as f:
    f.write(PASS + "!\n")


def post(srv, rows):
    return it.http("POST", srv.url + "/api/v1/ingest", {"readings": rows},
                   {"Authorization": "Bearer " + token,
                    "Content-Type": "application/json"})


def live_value(i):
    # Distinct per reading, so a wrong or stale value is seen.
    return i * 0.25 + 1000.0


def db_readings(stored, key):
    """{ts: value} of key in a file read by Python (it.Stored)."""
    return dict(stored.point(key))


def integrity(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


srv = it.Server(db).start()

# A few hundred thousand readings first, so that a backup takes a while
# and writes land during it.
for b in range(4):
    rows = [{"point": "hall/bulk", "ts": T0 + 60 * (b * 50000 + i),
             "value": float(i % 977)} for i in range(50000)]
    st, _, body = post(srv, rows)
    c.eq((st, body.get("accepted")), (200, 50000), f"bulk batch {b}")

acked = {}  # ts -> value, for hall/live, once the server said 200
acked_lock = threading.Lock()
stop = threading.Event()
writer_errors = []


def writer():
    i = 0
    for _ in range(MAX_BATCHES):
        if stop.is_set():
            return
        rows = [{"point": "hall/live", "ts": T0 + 60 * (i + k),
                 "value": live_value(i + k)} for k in range(BATCH)]
        st, _, body = post(srv, rows)
        if st != 200 or body.get("accepted") != BATCH:
            writer_errors.append((st, body))
            return
        with acked_lock:
            for r in rows:
                acked[r["ts"]] = r["value"]
        i += BATCH


t = threading.Thread(target=writer)
t.start()

backups = []
for n, sealed in enumerate([False, True, False, True]):
    out = os.path.join(d, f"backup{n}.{'sealed' if sealed else 'db'}")
    with acked_lock:
        before = dict(acked)
    args = ["backup", "--db", db, "-o", out]
    if sealed:
        args += ["--passphrase-file", passfile, "--kdf-iterations", "2000"]
    p = it.run(*args, check=False)
    c.eq(p.returncode, 0, f"backup {n}: exit status ({p.stderr.strip()})")
    backups.append((out, sealed, before))

stop.set()
t.join()
c.eq(writer_errors, [], "the writer was never refused")
srv.stop()
with acked_lock:
    total = len(acked)
c.true(total > 0, f"the writer stored readings ({total})")
print("acknowledged before each backup:",
      [len(b[2]) for b in backups], "in all:", total, flush=True)

# Each backup: intact, and a superset of what was acknowledged before it.
for n, (out, sealed, before) in enumerate(backups):
    path = out
    if sealed:
        with open(out, "rb") as f:
            head = f.read(16)
        c.eq(head[:8], b"AKARIBAK", f"backup {n}: encrypted header")
        path = os.path.join(d, f"restored{n}.db")
        p = it.run("restore", "--db", path, "-i", out, "--passphrase-file",
                   passfile, check=False)
        c.eq(p.returncode, 0, f"backup {n}: restore ({p.stderr.strip()})")
    c.eq(integrity(path), [("ok",)], f"backup {n}: integrity_check")
    stored = it.Stored(path)
    # akari backup merges the arrival log on the copy (docs/storage.md).
    c.eq((stored.arrivals, stored.problems), (0, []),
         f"backup {n}: merged, and the store's rules kept")
    got = db_readings(stored, "hall/live")
    missing = [ts for ts in before if got.get(ts) != before[ts]]
    c.eq(missing[:5], [], f"backup {n}: every reading acknowledged before"
                          f" it ({len(before)}) is there, with its value")
    c.eq(len(db_readings(stored, "hall/bulk")), 200000,
         f"backup {n}: the bulk readings")

# The last encrypted backup, restored, answers through a fresh server
# exactly what its file holds.
restored = os.path.join(d, "restored3.db")
want = db_readings(it.Stored(restored), "hall/live")
with it.Server(restored) as fresh:
    q = urllib.parse.urlencode({"from": str(T0), "to": str(T0 + 60 * total
                                                          + 60)})
    st, _, body = it.get(fresh.url + "/api/v1/points/hall%2Flive/readings?"
                         + q)
    c.eq(st, 200, "fresh server: readings status")
    got = {}
    for r in (body.get("readings", []) if isinstance(body, dict) else []):
        ts = int(datetime.datetime.fromisoformat(r["ts"]).timestamp())
        got[ts] = r["value"]
    c.eq(got, want, "fresh server: the restored readings")
    c.true(len(want) >= len(backups[3][2]),
           "fresh server: at least the acknowledged readings")

# --- refusals: exit status 1, a message, and the target unchanged -------
target = os.path.join(d, "restored1.db")
with open(target, "rb") as f:
    target_bytes = f.read()


def refused(what, args, words):
    p = it.run(*args, check=False)
    c.eq(p.returncode, 1, f"{what}: exit status")
    for w in words:
        c.true(w in p.stderr, f"{what}: message names {w!r}: {p.stderr!r}")
    with open(target, "rb") as f:
        c.true(f.read() == target_bytes, f"{what}: target unchanged")
    strays = [x for x in os.listdir(d) if x.startswith(".")]
    c.eq(strays, [], f"{what}: no temporary file left")


sealed = backups[3][0]
refused("wrong passphrase", ["restore", "--db", target, "-i", sealed,
                             "--passphrase-file", wrongfile, "--force"],
        ["passphrase"])
with open(sealed, "rb") as f:
    data = bytearray(f.read())
data[len(data) // 2] ^= 1
bad = os.path.join(d, "bad.sealed")
with open(bad, "wb") as f:
    f.write(data)
refused("a changed byte", ["restore", "--db", target, "-i", bad,
                           "--passphrase-file", passfile, "--force"],
        ["changed"])
refused("no --force", ["restore", "--db", target, "-i", backups[0][0]],
        ["--force"])
os.environ["AKARI_IT_PASS"] = PASS
refused("encrypted backup, passphrase from the environment, no --force",
        ["restore", "--db", target, "-i", sealed, "--passphrase-env",
         "AKARI_IT_PASS"], ["exists"])
with it.Server(target):
    refused("a database a server has open", ["restore", "--db", target,
                                             "-i", backups[0][0],
                                             "--force"],
            ["stop akari serve"])

# A backup onto the database itself would replace it; backup has no
# --force, so the message must not offer one.
refused("backup onto the database itself",
        ["backup", "--db", target, "-o", target, "--passphrase-file",
         passfile], ["the database itself"])
p = it.run("backup", "--db", target, "-o", target, check=False)
c.true("--force" not in p.stderr, f"backup offers no --force: {p.stderr!r}")

# 2^32 + 1 iterations must not wrap to 1 on the way to an unsigned int.
out = os.path.join(d, "wrapped.sealed")
p = it.run("backup", "--db", target, "-o", out, "--passphrase-file",
           passfile, "--kdf-iterations", str(2**32 + 1), check=False)
c.eq(p.returncode, 2, "--kdf-iterations 2^32 + 1: exit status")
c.true(not os.path.exists(out), "--kdf-iterations 2^32 + 1: no backup")

c.finish()
