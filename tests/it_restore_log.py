"""akari restore from a database copied by hand with its logs beside it.

A server is killed (SIGKILL) after it acknowledged some readings; its
database, its -wal and its arrival log's side file are copied as a
person would copy them, file by file, and the copy is given to
`akari restore`.  The commits in the -wal and the batches in the side
file are not in the main file's bytes: the restored database must hold
every acknowledged reading all the same, with its value.  The copy is
not opened by Python before the restore: closing a connection would
checkpoint its -wal into the main file and hide the case.
"""
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(__file__))
import akari_it as it  # noqa: E402

c = it.Checks()
d = it.tmpdir()
db = os.path.join(d, "live.db")
T0 = 1656288000  # 2022-06-27T00:00:00Z
SIDECARS = ["-wal", "-shm", "-arrivals", "-arrivals-wal", "-arrivals-shm"]

it.run("site", "add", "hall", "--db", db, "--kind", "building",
       "--tz", "Asia/Tokyo")
token = it.run("device", "add", "--db", db, "--site", "hall",
               "meter").stdout.strip()
it.run("point", "add", "hall/p", "--db", db, "--site", "hall",
       "--quantity", "power", "--unit", "kW")

acked = {}
srv = it.Server(db).start()
for b in range(3):
    rows = [{"point": "hall/p", "ts": T0 + 60 * (100 * b + i),
             "value": (100 * b + i) * 0.5} for i in range(100)]
    st, _, body = it.http("POST", srv.url + "/api/v1/ingest",
                          {"readings": rows},
                          {"Authorization": "Bearer " + token,
                           "Content-Type": "application/json"})
    c.eq((st, body.get("accepted")), (200, 100), f"batch {b}")
    if st == 200:
        acked.update((r["ts"], r["value"]) for r in rows)
srv.stop(signal.SIGKILL)

usb = os.path.join(d, "usb")
os.mkdir(usb)
copy = os.path.join(usb, "copy.db")
shutil.copyfile(db, copy)
for end in SIDECARS:
    if os.path.exists(db + end):
        shutil.copyfile(db + end, copy + end)
# The case exists only when a log holds something the main file lacks.
logs = [end for end in ("-wal", "-arrivals")
        if os.path.exists(copy + end) and os.path.getsize(copy + end)]
c.true(logs, "the killed server left a -wal or a side file")

new = os.path.join(d, "new.db")
p = it.run("restore", "--db", new, "-i", copy, check=False)
c.eq(p.returncode, 0, f"restore exit status ({p.stderr.strip()})")
if p.returncode == 0:
    got = dict(it.Stored(new).point("hall/p"))
    c.eq(len(got), len(acked), "readings restored")
    wrong = [(ts, got.get(ts), v) for ts, v in sorted(acked.items())
             if got.get(ts) != v]
    c.eq(wrong[:5], [], "acknowledged readings missing or changed "
         "(ts, restored, sent)")
    c.eq([end for end in SIDECARS if os.path.exists(new + end)], [],
         "the restored database stands alone")

c.finish()
