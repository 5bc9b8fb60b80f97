"""Integration test of GET /api/v1/sites/NAME/aggregate, the aggregate of
many points of a site in one answer.

Two sites in different zones: "tokyo" (Asia/Tokyo, no DST) and "london"
(Europe/London, which springs forward at 2025-03-30T01:00:00Z, so that
local day has 23 hours).  Each has power points with ten-minute readings
(and gaps), a temperature point, a counter point and a retired point.
Every expected hourly and daily avg, sum, min, max and energy is
computed here from the readings this test sends, with Python's zoneinfo
for the local days; the answer must also equal the one-point aggregate of
each point.  Then late data, the ETag, an empty range, retired points,
every error, and that the route is public like the one-point aggregate.
"""
import datetime
import os
import shutil
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

UTC = datetime.timezone.utc
STEP = 600
ZONES = {"tokyo": zoneinfo.ZoneInfo("Asia/Tokyo"),
         "london": zoneinfo.ZoneInfo("Europe/London")}

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "multi.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def midnight(site, y, m, d):
    return int(datetime.datetime(y, m, d, tzinfo=ZONES[site]).timestamp())


def local(site, ts):
    return datetime.datetime.fromtimestamp(ts, ZONES[site]).isoformat()


# --- the registry -----------------------------------------------------------

POWER = {"tokyo": ["tokyo/p1", "tokyo/p2"],
         "london": ["london/p1", "london/p2", "london/p3"]}
for site, tz in (("tokyo", "Asia/Tokyo"), ("london", "Europe/London")):
    cli("site", "add", site, "--kind", "building", "--tz", tz)
    for key in POWER[site] + [f"{site}/old"]:
        cli("point", "add", key, "--site", site, "--quantity", "power",
            "--unit", "kW", "--step", str(STEP))
    cli("point", "add", f"{site}/temp", "--site", site, "--quantity",
        "temperature", "--unit", "degC", "--step", str(STEP))
    cli("point", "add", f"{site}/meter", "--site", site, "--quantity",
        "energy", "--unit", "kWh", "--kind", "counter")
TOKENS = {site: cli("device", "add", "--site", site, "gw").strip()
          for site in ZONES}

# --- readings ---------------------------------------------------------------

# Three local days from 2025-03-29 in each zone; London's middle day has
# 23 hours.  Values vary by point and time so that no figure is a plain
# count; each power point has a gap of its own (a few null hours).
START = {s: midnight(s, 2025, 3, 29) for s in ZONES}
END = {s: midnight(s, 2025, 4, 1) for s in ZONES}
DATA = {}       # key -> {ts: value}


def value(n, ts):
    return round(0.5 + n * 0.75 + ((ts // STEP) * (n + 3)) % 17 * 0.125, 3)


for site in ZONES:
    keys = POWER[site] + [f"{site}/old", f"{site}/temp"]
    for n, key in enumerate(keys):
        gap0 = START[site] + (5 + 7 * n) * 3600
        DATA[key] = {ts: value(n, ts)
                     for ts in range(START[site], END[site], STEP)
                     if not gap0 <= ts < gap0 + 3 * 3600 + 1200}
    # A register that only rises, by 1 to 4 kWh every ten minutes.
    reg, meter = 1000.0, {}
    for ts in range(START[site], END[site], STEP):
        meter[ts] = reg
        reg += 1 + (ts // STEP) % 4
    DATA[f"{site}/meter"] = meter


def send(site, rows):
    status, _, body = it.http(
        "POST", f"{srv.url}/api/v1/ingest", {"readings": rows},
        {"Authorization": f"Bearer {TOKENS[site]}",
         "Content-Type": "application/json"})
    c.eq(status, 200, f"ingest {site}: {body}")


# --- what the answers must be, from the readings ----------------------------

def clock_edges(size):
    """Local hour or half-hour starts covering [t0, t1): both zones are
    whole hours off UTC, so these are UTC's."""
    def edges_of(site, t0, t1):
        edges = [t0 - t0 % size]
        while edges[-1] < t1:
            edges.append(edges[-1] + size)
        return edges
    return edges_of


EDGES = {"30min": clock_edges(1800), "hour": clock_edges(3600)}


def day_edges(site, t0, t1):
    tz = ZONES[site]
    d = datetime.datetime.fromtimestamp(t0, tz).date()
    edges = []
    while True:
        e = int(datetime.datetime(d.year, d.month, d.day,
                                  tzinfo=tz).timestamp())
        edges.append(e)
        if e >= t1:
            return edges
        d += datetime.timedelta(days=1)


def expect(key, site, t0, t1, interval, fn):
    """The buckets' values of key over [t0, t1) by docs/api.md's rules."""
    edges = EDGES.get(interval, day_edges)(site, t0, t1)
    nb = len(edges) - 1
    vals = [[] for _ in range(nb)]
    kwh = [0.0] * nb
    held = [0] * nb
    data = sorted(DATA[key].items())

    def bucket(t):
        k = 0
        while edges[k + 1] <= t:
            k += 1
        return k

    for i, (ts, v) in enumerate(data):
        if t0 <= ts < t1:
            vals[bucket(ts)].append(v)
        nxt = data[i + 1][0] if i + 1 < len(data) else None
        end = ts + STEP if nxt is None else min(nxt, ts + STEP)
        # clipped to the range: the reading before t0 reaches in
        a, e = max(ts, t0), min(end, t1)
        while a < e:
            k = bucket(a)
            cut = min(edges[k + 1], e)
            held[k] += cut - a
            kwh[k] += v * (cut - a) / 3600
            a = cut
    out = []
    for k in range(nb):
        if fn == "energy":
            out.append(kwh[k] if held[k] else None)
        elif not vals[k]:
            out.append(None)
        else:
            out.append({"avg": sum(vals[k]) / len(vals[k]),
                        "sum": sum(vals[k]), "min": min(vals[k]),
                        "max": max(vals[k])}[fn])
    return [local(site, e) for e in edges[:-1]], out


def expect_meter(site, t0, t1, interval):
    """A register that only rises: each increment spread evenly over the
    ten minutes between its two readings (docs/counters.md)."""
    edges = EDGES.get(interval, day_edges)(site, t0, t1)
    amount = [0.0] * (len(edges) - 1)
    seen = [False] * (len(edges) - 1)
    data = sorted(DATA[f"{site}/meter"].items())
    for (a, x), (b, y) in zip(data, data[1:]):
        for k in range(len(edges) - 1):
            lo, hi = max(a, edges[k], t0), min(b, edges[k + 1], t1)
            if lo < hi:
                amount[k] += (y - x) * (hi - lo) / (b - a)
                seen[k] = True
    return [amount[k] if seen[k] else None for k in range(len(amount))]


def site_agg(site, t0, t1, interval, fn, extra="", headers=None):
    return it.http(
        "GET", f"{srv.url}/api/v1/sites/{site}/aggregate?"
        f"from={it.q(local(site, t0))}&to={it.q(local(site, t1))}"
        f"&interval={interval}&fn={fn}{extra}", None, headers)


def one_agg(site, key, t0, t1, interval, fn):
    status, _, body = it.get(
        f"{srv.url}/api/v1/points/{key}/aggregate?"
        f"from={it.q(local(site, t0))}&to={it.q(local(site, t1))}"
        f"&interval={interval}&fn={fn}")
    c.eq(status, 200, f"one-point {key} {interval} {fn}")
    return body


def close_list(got, want, what):
    c.eq(len(got), len(want), f"{what}: buckets")
    for k, (g, w) in enumerate(zip(got, want)):
        if w is None or g is None:
            c.eq(g, w, f"{what}[{k}]")
        else:
            c.close(g, w, 1e-9 * max(1.0, abs(w)), f"{what}[{k}]")


def check_site(site, t0, t1, interval, fn, keys, what, extra=""):
    """The site answer against Python and against each one-point answer."""
    status, hdrs, body = site_agg(site, t0, t1, interval, fn, extra)
    c.eq(status, 200, f"{what}: status {body}")
    if status != 200:
        return body
    c.eq([p["point"] for p in body["points"]], keys, f"{what}: points")
    c.eq((body["site"], body["interval"], body["fn"]),
         (site, interval, fn), f"{what}: head")
    c.eq(body["from"], local(site, t0), f"{what}: from")
    for p in body["points"]:
        key = p["point"]
        if key.endswith("/meter"):
            want = expect_meter(site, t0, t1, interval)
            starts = expect(f"{site}/p1", site, t0, t1, interval, "avg")[0]
        else:
            starts, want = expect(key, site, t0, t1, interval, fn)
        c.eq(body["starts"], starts, f"{what}: starts")
        close_list(p["values"], want, f"{what} {key}")
        one = one_agg(site, key, t0, t1, interval, fn)
        c.eq([b["start"] for b in one.get("buckets", [])], body["starts"],
             f"{what} {key}: one-point starts")
        c.eq([b["value"] for b in one.get("buckets", [])], p["values"],
             f"{what} {key}: equals the one-point answer")
        c.eq(p["unit"], one.get("unit"), f"{what} {key}: unit")
    return body


with it.Server(db) as srv:
    for site in ZONES:
        rows = [{"point": k, "ts": ts, "value": v}
                for k, d in DATA.items() if k.startswith(site + "/")
                for ts, v in sorted(d.items())]
        send(site, rows)
    cli("point", "retire", "tokyo/old")
    cli("point", "retire", "london/old")

    # --- whole days: from the rollups -------------------------------------
    for site in ZONES:
        power = POWER[site]
        every = sorted(power + [f"{site}/meter", f"{site}/temp"])
        t0, t1 = START[site], END[site]
        for fn in ("avg", "sum", "min", "max"):
            for interval in ("hour", "day"):
                if fn in ("sum",):
                    keys = every
                else:
                    keys = sorted(power + [f"{site}/temp"])
                    # a counter's avg is of its register values; checked
                    # against the one-point answer below
                check_site(site, t0, t1, interval, fn, keys,
                           f"{site} {interval} {fn}",
                           "" if fn == "sum" else "&points=" + ",".join(keys))
        for interval in ("hour", "day"):
            check_site(site, t0, t1, interval, "energy", sorted(power),
                       f"{site} {interval} energy", "&quantity=power")
            check_site(site, t0, t1, interval, "energy",
                       [f"{site}/meter"] + power,
                       f"{site} {interval} energy, listed",
                       "&points=" + ",".join([f"{site}/meter"] + power))

    for site in ZONES:
        for fn in ("avg", "energy"):
            check_site(site, START[site], END[site], "30min", fn,
                       sorted(POWER[site]), f"{site} 30min {fn}",
                       "&quantity=power")

    # London's day of 23 hours, and Tokyo's day of 24.
    status, _, body = site_agg("london", START["london"], END["london"],
                               "hour", "avg")
    c.eq(len(body["starts"]), 24 + 23 + 24, "london: hours of three days")
    c.eq(body["starts"][24:26], ["2025-03-30T00:00:00+00:00",
                                 "2025-03-30T02:00:00+01:00"],
         "london: the hour 01:00 does not exist")
    status, _, body = site_agg("london", START["london"], END["london"],
                               "day", "energy", "&quantity=power")
    c.eq(body["starts"], ["2025-03-29T00:00:00+00:00",
                          "2025-03-30T00:00:00+00:00",
                          "2025-03-31T00:00:00+01:00"], "london: days")

    # --- edges that are not whole buckets: raw readings there -------------
    for site in ZONES:
        t0, t1 = START[site] + 25 * 60, END[site] - 85 * 60
        for fn in ("avg", "max", "energy"):
            check_site(site, t0, t1, "hour", fn, sorted(POWER[site]),
                       f"{site} edges hour {fn}", "&quantity=power")
        check_site(site, t0, t1, "day", "sum", sorted(POWER[site]),
                   f"{site} edges day sum", "&quantity=power")
        # inside one bucket
        check_site(site, t0, t0 + 20 * 60, "hour", "avg",
                   sorted(POWER[site]), f"{site} inside an hour",
                   "&quantity=power")

    # --- ETag, late data ---------------------------------------------------
    t0, t1 = START["tokyo"], END["tokyo"]
    status, hdrs, body = site_agg("tokyo", t0, t1, "hour", "avg",
                                  "&quantity=power")
    etag = hdrs.get("ETag")
    c.true(etag, "ETag on the site aggregate")
    status, _, _ = site_agg("tokyo", t0, t1, "hour", "avg",
                            "&quantity=power", {"If-None-Match": etag})
    c.eq(status, 304, "If-None-Match with the same ETag")

    # A value replaced, and a reading in p1's gap: both hours change.
    late_ts = t0 + 2 * 3600 + 1200
    gap_ts = t0 + 6 * 3600
    DATA["tokyo/p1"][late_ts] = 99.5
    DATA["tokyo/p1"][gap_ts] = 7.25
    send("tokyo", [{"point": "tokyo/p1", "ts": late_ts, "value": 99.5},
                   {"point": "tokyo/p1", "ts": gap_ts, "value": 7.25}])
    status, hdrs, _ = site_agg("tokyo", t0, t1, "hour", "avg",
                               "&quantity=power", {"If-None-Match": etag})
    c.eq(status, 200, "late data: the old ETag no longer matches")
    c.true(hdrs.get("ETag") and hdrs.get("ETag") != etag, "late data: ETag")
    for fn in ("avg", "max", "energy"):
        body = check_site("tokyo", t0, t1, "hour", fn, ["tokyo/p1",
                                                         "tokyo/p2"],
                          f"late data {fn}", "&quantity=power")
    body = check_site("tokyo", t0, t1, "hour", "max", ["tokyo/p1"],
                      "late data max, p1", "&points=tokyo/p1")
    c.eq(body["points"][0]["values"][2], 99.5, "late data: the new max")
    c.eq(body["points"][0]["values"][6], 7.25, "late data: the gap hour")

    # --- an empty range ----------------------------------------------------
    e0 = midnight("tokyo", 2026, 1, 1)
    status, _, body = site_agg("tokyo", e0, e0 + 86400, "hour", "avg",
                               "&quantity=power")
    c.eq(status, 200, "empty range: status")
    c.eq(len(body["starts"]), 24, "empty range: 24 hours")
    c.eq([p["values"] for p in body["points"]], [[None] * 24] * 2,
         "empty range: every value null")

    # --- retired points ----------------------------------------------------
    status, _, body = site_agg("tokyo", t0, t1, "day", "avg")
    keys = [p["point"] for p in body["points"]]
    c.eq(keys, ["tokyo/meter", "tokyo/p1", "tokyo/p2", "tokyo/temp"],
         "a retired point is left out of the whole site")
    status, _, body = site_agg("tokyo", t0, t1, "day", "avg", "&retired=1")
    c.eq([p["point"] for p in body["points"]],
         ["tokyo/meter", "tokyo/old", "tokyo/p1", "tokyo/p2", "tokyo/temp"],
         "retired=1 lists it")
    check_site("tokyo", t0, t1, "day", "avg", ["tokyo/old"],
               "a retired point listed by key", "&points=tokyo/old")

    # --- errors ------------------------------------------------------------
    def error(site, extra, status, code, words, what,
              base="&interval=hour&fn=avg"):
        st, _, body = it.get(
            f"{srv.url}/api/v1/sites/{site}/aggregate?from={t0}&to={t1}"
            f"{base}{extra}")
        c.eq(st, status, f"{what}: status")
        c.eq(body.get("error") if isinstance(body, dict) else body, code,
             f"{what}: error")
        msg = body.get("message", "") if isinstance(body, dict) else ""
        for w in words:
            c.true(w in msg, f"{what}: message {msg!r} names {w!r}")

    error("nowhere", "", 404, "unknown_site", ["nowhere"], "unknown site")
    error("tokyo", "&points=tokyo/p1,tokyo/nope", 404, "unknown_point",
          ["tokyo/nope"], "unknown point")
    error("tokyo", "&points=london/p1", 404, "unknown_point",
          ["london/p1", "tokyo"], "another site's point")
    error("tokyo", "", 400, "bad_parameter", ["'interval'"], "bad interval",
          base="&interval=week&fn=avg")
    error("tokyo", "", 400, "missing_parameter", ["'interval'"],
          "no interval", base="&fn=avg")
    error("tokyo", "", 400, "bad_parameter", ["'fn'"], "bad fn",
          base="&interval=hour&fn=median")
    error("tokyo", "&points=tokyo/p1,tokyo/p1", 400, "bad_query",
          ["tokyo/p1", "twice"], "a point listed twice")
    error("tokyo", "&points=tokyo/p1,,tokyo/p2", 400, "bad_parameter",
          ["'points'"], "an empty key")
    error("tokyo", "&retired=yes", 400, "bad_parameter", ["'retired'"],
          "bad retired")
    error("tokyo", "", 400, "bad_query", ["tokyo/temp", "energy"],
          "energy of a temperature point", base="&interval=hour&fn=energy")
    st, _, body = it.get(f"{srv.url}/api/v1/sites/tokyo/aggregate?to={t1}"
                         "&interval=hour&fn=avg")
    c.eq((st, body.get("error")), (400, "missing_parameter"), "no from")
    c.true("'from'" in body.get("message", ""), "no from: message")
    st, _, body = it.get(f"{srv.url}/api/v1/sites/tokyo/aggregate?"
                         f"from={t1}&to={t0}&interval=hour&fn=avg")
    c.eq((st, body.get("error")), (400, "bad_parameter"), "to before from")
    st, _, body = it.get(f"{srv.url}/api/v1/sites/tokyo/aggregate?"
                         f"from=yesterday&to={t1}&interval=hour&fn=avg")
    c.true(st == 400 and "'from'" in body.get("message", ""), "bad from")
    st, _, body = it.http("POST", f"{srv.url}/api/v1/sites/tokyo/aggregate",
                          {})
    c.eq(st, 405, "POST is not allowed")
    # The site itself is still the registry's.
    st, _, body = it.get(f"{srv.url}/api/v1/sites/tokyo")
    c.eq((st, body.get("name")), (200, "tokyo"), "GET /sites/NAME")

    # --- public, as the one-point aggregate --------------------------------
    for hdrs, what in (({}, "no token"),
                       ({"Authorization": "Bearer nonsense"}, "bad token"),
                       ({"Authorization": f"Bearer {TOKENS['tokyo']}"},
                        "a device token")):
        st, _, _ = site_agg("tokyo", t0, t1, "day", "avg", "", hdrs)
        st1, _, _ = it.http(
            "GET", f"{srv.url}/api/v1/points/tokyo%2Fp1/aggregate?from={t0}"
            f"&to={t1}&interval=day&fn=avg", None, hdrs)
        c.eq((st, st1), (200, 200), f"{what}: both aggregates answer")

shutil.rmtree(work, ignore_errors=True)
c.finish()
