"""Integration test of GET /api/v1/sites/NAME/aggregate at its edges: the
ways a list of points can be sent, values that overflow a double, and a
zone half an hour off the hour.

Site "pune" is in Asia/Kolkata (+05:30, no DST), so its local hours
start at :30 UTC.  Its points have ten-minute readings; every expected
value is worked out here from the readings this test sends, with
zoneinfo for local hours and months.
"""
import datetime
import os
import shutil
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

TZ = zoneinfo.ZoneInfo("Asia/Kolkata")
STEP = 600

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "edges.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def local(ts):
    return datetime.datetime.fromtimestamp(ts, TZ).isoformat()


def midnight(y, m, d):
    return int(datetime.datetime(y, m, d, tzinfo=TZ).timestamp())


cli("site", "add", "pune", "--kind", "building", "--tz", "Asia/Kolkata")
for key in ("pune/p1", "pune/p2"):
    cli("point", "add", key, "--site", "pune", "--quantity", "power",
        "--unit", "kW", "--step", str(STEP))
for key in ("pune/temp", "pune/huge"):
    cli("point", "add", key, "--site", "pune", "--quantity", "temperature",
        "--unit", "degC", "--step", str(STEP))
TOKEN = cli("device", "add", "--site", "pune", "gw").strip()

# Two local days from 2025-01-30, across the end of January.
T0, T1 = midnight(2025, 1, 30), midnight(2025, 2, 1)
DATA = {key: {ts: round(1 + n + (ts // STEP) % 11 * 0.25, 2)
              for ts in range(T0, T1, STEP)}
        for n, key in enumerate(("pune/p1", "pune/p2", "pune/temp"))}
# Three readings of 1.7e308 in one hour: their sum, and so their mean,
# is beyond the largest double (1.797e308).
HUGE_HOUR = T0 + 3600
DATA["pune/huge"] = {HUGE_HOUR + k * STEP: 1.7e308 for k in range(3)}


def hour_edges(t0, t1):
    """Local hours of Kolkata: on :30 UTC, as its offset is +05:30."""
    e = t0 - (t0 - 1800) % 3600
    edges = [e]
    while edges[-1] < t1:
        edges.append(edges[-1] + 3600)
    return edges


def month_edges(t0, t1):
    d = datetime.datetime.fromtimestamp(t0, TZ).date().replace(day=1)
    edges = []
    while True:
        e = int(datetime.datetime(d.year, d.month, 1, tzinfo=TZ).timestamp())
        edges.append(e)
        if e >= t1:
            return edges
        d = (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def expect_avg(key, edges, t0, t1):
    out = []
    for a, b in zip(edges, edges[1:]):
        vals = [v for ts, v in DATA[key].items()
                if max(a, t0) <= ts < min(b, t1)]
        out.append(sum(vals) / len(vals) if vals else None)
    return out


def site_agg(query):
    return it.get(f"{srv.url}/api/v1/sites/pune/aggregate?{query}")


def close_list(got, want, what):
    c.eq(len(got), len(want), f"{what}: buckets")
    for k, (g, w) in enumerate(zip(got, want)):
        if g is None or w is None:
            c.eq(g, w, f"{what}[{k}]")
        else:
            c.close(g, w, 1e-9 * max(1.0, abs(w)), f"{what}[{k}]")


with it.Server(db) as srv:
    rows = [{"point": k, "ts": ts, "value": v}
            for k, d in DATA.items() for ts, v in sorted(d.items())]
    status, _, body = it.http(
        "POST", f"{srv.url}/api/v1/ingest", {"readings": rows},
        {"Authorization": f"Bearer {TOKEN}",
         "Content-Type": "application/json"})
    c.eq(status, 200, f"ingest: {body}")

    # Not on bucket edges: 00:20 local on the first day to 22:50 on the
    # second; the hours are those of +05:30.
    t0, t1 = T0 + 20 * 60, T1 - 70 * 60
    rng = f"from={it.q(local(t0))}&to={it.q(local(t1))}&interval=hour"
    edges = hour_edges(t0, t1)

    # --- the list of points ----------------------------------------------
    # A client that sends a list as a repeated parameter (what most HTTP
    # libraries make of one) gets every point it named, in its order.
    status, _, body = site_agg(f"{rng}&fn=avg&points=pune%2Fp2"
                               "&points=pune/p1,pune/temp")
    c.eq(status, 200, f"points repeated: status {body}")
    if status == 200:
        c.eq([p["point"] for p in body["points"]],
             ["pune/p2", "pune/p1", "pune/temp"],
             "points repeated: every key, in order")
        c.eq(body["starts"], [local(e) for e in edges[:-1]],
             "points repeated: hours of +05:30")
        for p in body["points"]:
            close_list(p["values"], expect_avg(p["point"], edges, t0, t1),
                       f"points repeated: {p['point']}")
    status, _, body = site_agg(f"{rng}&fn=avg&points=pune/p1"
                               "&points=pune/p2,pune%2Fp1")
    c.eq((status, body.get("error")), (400, "bad_query"),
         "a key in two of the repeated lists")
    c.true("pune/p1" in body.get("message", "") and
           "twice" in body.get("message", ""),
           f"a key in two lists: message {body.get('message')!r}")
    status, _, body = site_agg(f"{rng}&fn=avg&points=pune/p1&points=")
    c.eq((status, body.get("error")), (400, "bad_parameter"),
         "an empty one of the repeated lists")
    # "points" without "=" names no point: it is no request for all.
    status, _, body = site_agg(f"{rng}&fn=avg&points")
    c.eq((status, body.get("error")), (400, "bad_parameter"),
         "points without a value")
    c.true("'points'" in body.get("message", ""),
           f"points without a value: message {body.get('message')!r}")

    # --- values beyond a double ------------------------------------------
    # 3 x 1.7e308 overflows, so the hour has no finite sum or mean: null
    # in both answers, as JSON has no infinity, and the one-point answer
    # still has its "value".
    h0, h1 = HUGE_HOUR, HUGE_HOUR + 3600
    hrng = f"from={h0}&to={h1}&interval=hour"
    for fn in ("sum", "avg"):
        status, _, one = it.get(f"{srv.url}/api/v1/points/pune%2Fhuge/"
                                f"aggregate?{hrng}&fn={fn}")
        c.eq(status, 200, f"huge {fn}: one-point status")
        buckets = one.get("buckets", []) if isinstance(one, dict) else []
        c.eq([b.get("value", "missing") for b in buckets], [None],
             f"huge {fn}: one-point value")
        status, _, body = site_agg(f"{hrng}&fn={fn}&points=pune/huge")
        c.eq(status, 200, f"huge {fn}: site status")
        c.eq([p["values"] for p in body.get("points", [])], [[None]],
             f"huge {fn}: site value")
    # max of the same hour is a double: written so it reads back exactly
    status, _, body = site_agg(f"{hrng}&fn=max&points=pune/huge")
    c.eq([p["values"] for p in body.get("points", [])], [[1.7e308]],
         "huge max")

    # --- local months -----------------------------------------------------
    # to 01:00 on 1 February: a second month, with no reading in it
    m1 = T1 + 3600
    status, _, body = site_agg(f"from={t0}&to={m1}&interval=month&fn=avg"
                               "&points=pune/p1,pune/p2")
    medges = month_edges(t0, m1)
    c.eq(body.get("starts"), ["2025-01-01T00:00:00+05:30",
                              "2025-02-01T00:00:00+05:30"],
         "months of +05:30")
    for p in body.get("points", []):
        close_list(p["values"], expect_avg(p["point"], medges, t0, m1),
                   f"month {p['point']}")

shutil.rmtree(work, ignore_errors=True)
c.finish()
