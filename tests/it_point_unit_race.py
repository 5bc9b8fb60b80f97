#!/usr/bin/env python3
"""it_point_unit_race: a unit change and a batch of the same point never
interleave within one server.

A batch checks its readings against the point's unit and stores the
numbers converted to it; a change of unit is refused once the point has
readings.  Sent together, either the batch is stored first (the change
then finds its readings and is refused, 409, and the readings stay in W)
or the change comes first (200, and the batch, sent in W, is converted
to the new unit kW).  What must never be: the change accepted and the
point left in kW holding the numbers of W.

Expected values by hand: 1000 W = 1.0 kW; 2000 readings a minute apart.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

T0 = 1704844800  # 2024-01-10T00:00:00Z
TRIALS = 20
ROWS = 2000

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "race.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:])


ADMIN = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC")
for i in range(TRIALS):
    cli("point", "add", f"hall/r{i}", "--site", "hall", "--quantity",
        "power", "--unit", "W", "--step", "60")
dev = cli("device", "add", "--site", "hall", "gw").stdout.strip()
ADMIN_H = {"Authorization": "Bearer " + ADMIN,
           "Content-Type": "application/json"}
DEV_H = {"Authorization": "Bearer " + dev,
         "Content-Type": "application/json"}

refused = changed = 0
with it.Server(db) as srv:
    for i in range(TRIALS):
        key = f"hall/r{i}"
        rows = [{"point": key, "ts": T0 + 60 * k, "value": 1000,
                 "unit": "W"} for k in range(ROWS)]
        res = {}
        start = threading.Barrier(2)

        def send():
            start.wait()
            res["ingest"] = it.http("POST", f"{srv.url}/api/v1/ingest",
                                    {"readings": rows}, DEV_H)

        def change():
            start.wait()
            res["patch"] = it.http("PATCH",
                                   f"{srv.url}/api/v1/points/{it.q(key)}",
                                   {"unit": "kW"}, ADMIN_H)

        ts = [threading.Thread(target=send), threading.Thread(target=change)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

        st_i, _, body_i = res["ingest"]
        c.eq((st_i, body_i.get("accepted") if isinstance(body_i, dict)
              else body_i), (200, ROWS), f"trial {i}: the batch is stored")
        st_p = res["patch"][0]
        st, _, body = it.http(
            "GET", f"{srv.url}/api/v1/points/{it.q(key)}/readings"
            f"?from={T0}&to={T0 + 60 * ROWS}", None, DEV_H)
        c.eq(st, 200, f"trial {i}: the readings are read")
        got = body.get("readings", []) if isinstance(body, dict) else []
        values = sorted({r["value"] for r in got})
        unit = body.get("unit") if isinstance(body, dict) else None
        if st_p == 409:
            refused += 1
            c.eq((unit, len(got), values), ("W", ROWS, [1000.0]),
                 f"trial {i}: refused, the readings stay 1000 W")
        else:
            changed += 1
            c.eq((st_p, unit, len(got), values), (200, "kW", ROWS, [1.0]),
                 f"trial {i}: changed first, the batch in kW (1000 W)")
print(f"{refused} changes refused, {changed} made before the batch",
      flush=True)
c.finish_in(work)
