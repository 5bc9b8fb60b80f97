"""Integration test of counter points, quarantine and int/float rows on a
real `akari serve`.

1. A 6-digit kWh register sent over HTTP with a sentinel, a dip, a wrap,
   a lone zero and a meter replacement; energy and sum per hour and per
   30 minutes, a window that starts inside an increment, and the site
   summary.  The expected increments are worked out by hand below and
   also computed here from the raw series with the rules of
   docs/counters.md, written again in Python.
2. Quarantine: a reading an hour ahead of the clock is answered as held,
   is in the quarantine table and not among the stored readings, never
   shows as latest, and is listed by GET /api/v1/quarantine (admin
   token) and `akari quarantine list`.
3. An integer and then a float at the same (point, ts), as JSON and as
   line protocol, is one row in the database.
4. Error paths: a negative or too-large counter value is refused with
   its message and the database is unchanged.
"""
import datetime
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

JST = datetime.timezone(datetime.timedelta(hours=9))
DAY = datetime.datetime(2022, 6, 27, tzinfo=JST)
T0 = int(DAY.timestamp())
assert T0 == 1656255600

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "counter.db")

# Minutes after 00:00 local and the register's value.
#   0 999950  first
#  10 999960  +10
#  20 999970  +10
#  30 0xFFFFFFFE: "no measurement", set aside at ingest
#  40 999990  +20 over 20..40 (10 each side of 00:30)
#  50 999985  dip: 0
#  60      5  wrap: 5 + 10^6 - 999990 = 15
#  70      0  lone zero (next 25 is back above 5 - 0.5): skipped
#  80     25  +20 over 60..80
#  90..110    +10, +5, +5 (35, 40, 45)
# 120      3  drop 42 from 45 that holds (next 8): a new meter, +3
# 130..180    +5, then +10 five times (8, 18, ..., 58)
# Hours: 00h 10+10+20+0+15 = 55; 01h 20+10+5+5+3 = 43; 02h 5+50 = 55.
SERIES = [(0, 999950), (10, 999960), (20, 999970), (30, 4294967294),
          (40, 999990), (50, 999985), (60, 5), (70, 0), (80, 25), (90, 35),
          (100, 40), (110, 45), (120, 3), (130, 8), (140, 18), (150, 28),
          (160, 38), (170, 48), (180, 58)]
HOURLY = [55, 43, 55]
HALF_HOURLY = [10 + 10 + 10, 10 + 0 + 15, 20 + 10, 5 + 5 + 3, 5 + 10 + 10,
               10 + 10 + 10]
DIGITS = 6
SENTINELS = {4294967295, 4294967294, 2147483647, 2147483646, -2147483648}


def python_steps(series, digits):
    """[(t0, t1, delta)] by the rules of docs/counters.md."""
    top = 10 ** digits if digits else None

    def valid(v):
        return v >= 0 and v not in SENTINELS and (top is None or v < top)

    pts = [(t, v) for t, v in series if valid(v)]
    steps, mark, last = [], None, None
    for i, (t, v) in enumerate(pts):
        if mark is None:
            mark, last = v, t
            continue
        nxt = pts[i + 1][1] if i + 1 < len(pts) else None
        if (v > mark and nxt is not None and v - nxt >= v / 10
                and nxt >= mark - mark / 10):
            pass                                # spike: glitch
        elif v >= mark:
            steps.append((last, t, v - mark))
            mark, last = v, t
        elif mark - v < mark / 10:
            steps.append((last, t, 0))
            last = t
        elif i + 1 == len(pts):
            pass                                # pending
        elif pts[i + 1][1] >= mark - mark / 10:
            pass                                # glitch
        else:
            if top and v + top - mark < top / 10:
                steps.append((last, t, v + top - mark))
            else:
                steps.append((last, t, v))
            mark, last = v, t
    return steps


def spread(steps, edges, w0, w1):
    """Each step spread evenly over its interval into [edges[k],
    edges[k+1]), inside [w0, w1); None where nothing was measured."""
    out = [None] * (len(edges) - 1)
    for t0, t1, d in steps:
        for k in range(len(out)):
            a, b = max(t0, edges[k], w0), min(t1, edges[k + 1], w1)
            if a < b:
                out[k] = (out[k] or 0) + d * (b - a) / (t1 - t0)
    return out


def cli(*args, check=True):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


def post(url, token, rows):
    return it.http("POST", f"{url}/api/v1/ingest", {"readings": rows},
                   {"Authorization": f"Bearer {token}",
                    "Content-Type": "application/json"})


# The running server, while there is one.
live_url = None


def merged(url):
    """Has the server at url merge its arrival log (every read of
    readings does; /health is the cheapest), so that the file's tables
    hold every write acknowledged so far (docs/storage.md)."""
    status, _, _ = it.get(url + "/api/v1/health")
    c.eq(status, 200, "health, so that the server merges its log")


def stored():
    """The readings the database file holds, read from the file itself
    (blocks or readings, and the arrival log not merged yet)."""
    st = it.Stored(db)
    c.eq(st.problems, [], "the file keeps the store's rules")
    return st


def rows_at(key, ts):
    """(count, type, value) of the readings of key at ts, read from the
    database file itself: type "real" for a double, "integer" for a
    value SQLite kept as an integer."""
    v = stored().by_key().get((key, ts))
    if v is None:
        return 0, None, None
    return 1, "real" if isinstance(v, float) else "integer", v


def readings_count():
    return len(stored().rows)


def table_count(sql, *args):
    if live_url:
        merged(live_url)
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def setup():
    cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
    cli("point", "add", "hall/energy", "--site", "hall", "--quantity",
        "energy", "--unit", "kWh", "--kind", "counter", "--digits",
        str(DIGITS))
    cli("point", "add", "hall/power", "--site", "hall", "--quantity",
        "power", "--unit", "kW", "--step", "60")
    cli("point", "add", "hall/temp", "--site", "hall", "--quantity",
        "temperature", "--unit", "degC")
    token = cli("device", "add", "--site", "hall", "meter").stdout.strip()
    admin = it.run("admin", "token", "add", "--db", db,
                   "staff").stdout.strip()

    # --digits only for a counter, and in range.
    p = cli("point", "add", "hall/x", "--site", "hall", "--quantity",
            "energy", "--unit", "kWh", "--digits", "6", check=False)
    c.eq(p.returncode, 2, "--digits on an instantaneous point")
    c.true("--digits '6'" in p.stderr, f"--digits message: {p.stderr}")
    p = cli("point", "add", "hall/x", "--site", "hall", "--quantity",
            "energy", "--unit", "kWh", "--kind", "counter", "--digits",
            "16", check=False)
    c.eq(p.returncode, 2, "--digits 16")
    return token, admin


def test_counter(url, token):
    rows = [{"point": "hall/energy", "ts": T0 + m * 60, "value": v}
            for m, v in SERIES]
    status, _, body = post(url, token, rows)
    c.eq(status, 200, "counter batch status")
    c.eq(body.get("accepted"), len(SERIES) - 1, "counter rows stored")
    c.eq(body.get("missing"), 1, "sentinel answered as missing")
    aside = body.get("set_aside") or [{}]
    c.eq((aside[0].get("index"), aside[0].get("reason")),
         (3, "no_measurement"), "sentinel row set aside")
    c.eq(rows_at("hall/energy", T0 + 30 * 60)[0], 0, "sentinel not stored")

    steps = python_steps([(T0 + m * 60, v) for m, v in SERIES], DIGITS)
    hours = [T0 + h * 3600 for h in range(4)]
    want = spread(steps, hours, hours[0], hours[-1])
    c.eq([round(v, 9) for v in want], HOURLY, "python rules agree by hand")

    end = DAY + datetime.timedelta(hours=3)
    got = it.aggregate(url, "hall/energy", DAY, end, "hour", "energy")
    for k, (g, w) in enumerate(zip(got or [None] * 3, HOURLY)):
        c.close(g, w, 1e-9, f"energy hour {k}")
    got = it.aggregate(url, "hall/energy", DAY, end, "hour", "sum")
    for k, (g, w) in enumerate(zip(got or [None] * 3, HOURLY)):
        c.close(g, w, 1e-9, f"sum hour {k}")
    got = it.aggregate(url, "hall/energy", DAY, end, "30min", "energy")
    for k, (g, w) in enumerate(zip(got or [None] * 6, HALF_HOURLY)):
        c.close(g, w, 1e-9, f"energy half hour {k}")

    # From 00:35: the +20 over 00:20..00:40 keeps 5 minutes of its 20,
    # 5; then 0 and 15.  20 in all.
    start = DAY + datetime.timedelta(minutes=35)
    got = it.aggregate(url, "hall/energy", start,
                       DAY + datetime.timedelta(hours=1), "30min", "energy")
    want = spread(steps, [T0 + 1800, T0 + 3600], T0 + 35 * 60, T0 + 3600)
    c.close(got[0] if got else None, 20, 1e-9, "window inside a step")
    c.close(want[0], 20, 1e-9, "python window inside a step")

    # A day with no readings after them: nothing measured, null.
    got = it.aggregate(url, "hall/energy", DAY + datetime.timedelta(days=1),
                       DAY + datetime.timedelta(days=1, hours=1), "hour",
                       "energy")
    c.eq(got, [None], "no readings, no energy")

    status, _, body = it.get(f"{url}/api/v1/points/hall/energy/aggregate"
                             f"?from={it.q(DAY.isoformat())}"
                             f"&to={it.q(end.isoformat())}"
                             "&interval=hour&fn=energy")
    c.eq(body.get("unit") if isinstance(body, dict) else None, "kWh",
         "energy unit")

    at = DAY + datetime.timedelta(hours=3)
    status, _, body = it.get(f"{url}/api/v1/sites/hall/summary"
                             f"?at={it.q(at.isoformat())}")
    c.eq(status, 200, "summary status")
    pts = {p["key"]: p for p in body.get("points", [])}
    e = pts.get("hall/energy", {})
    c.close(e.get("today", {}).get("energy_kwh"), sum(HOURLY), 1e-9,
            "summary today energy")
    c.close(e.get("month", {}).get("energy_kwh"), sum(HOURLY), 1e-9,
            "summary month energy")
    c.eq([round(v, 9) if v is not None else None
          for v in e.get("hourly_today", [])[:4]], HOURLY + [None],
         "summary hourly energy")
    c.eq(e.get("latest", {}).get("value"), 48, "summary latest register")


def test_quarantine(url, token, admin):
    now = int(time.time())
    before = readings_count()
    status, _, body = post(url, token, [
        {"point": "hall/power", "ts": now - 60, "value": 1.5},
        {"point": "hall/power", "ts": now + 3600, "value": 99}])
    c.eq(status, 200, "quarantine batch status")
    c.eq((body.get("accepted"), body.get("quarantined")), (1, 1),
         "accepted and quarantined")
    aside = (body.get("set_aside") or [{}])[0]
    c.eq((aside.get("index"), aside.get("reason")), (1, "future_ts"),
         "future row set aside with its reason")
    c.true("ahead of the server's clock" in aside.get("message", ""),
           f"future message: {aside.get('message')}")
    c.eq(readings_count(), before + 1,
         "only the present row is a reading")
    c.eq(rows_at("hall/power", now + 3600)[0], 0, "future row not stored")
    c.eq(table_count("SELECT count(*) FROM quarantine WHERE ts = ? AND "
                     "value = 99 AND reason = 'future_ts'", now + 3600), 1,
         "future row in quarantine")

    # All rows in the future: still a 200, nothing stored.
    status, _, body = post(url, token, [
        {"point": "hall/power", "ts": now + 7200, "value": 98}])
    c.eq((status, body.get("accepted"), body.get("quarantined")),
         (200, 0, 1), "a batch of future rows only")

    # Latest as seen from two hours ahead is still the present reading.
    at = datetime.datetime.fromtimestamp(now + 9000, JST).isoformat()
    status, _, body = it.get(f"{url}/api/v1/sites/hall/summary"
                             f"?at={it.q(at)}")
    pts = {p["key"]: p for p in body.get("points", [])}
    c.eq((pts.get("hall/power", {}).get("latest") or {}).get("value"), 1.5,
         "latest is not the quarantined value")

    status, _, _ = it.get(f"{url}/api/v1/quarantine")
    c.eq(status, 401, "quarantine without a token")
    status, _, _ = it.http("GET", f"{url}/api/v1/quarantine", None,
                           {"Authorization": f"Bearer {token}"})
    c.eq(status, 401, "quarantine with a device token")
    status, _, body = it.http("GET", f"{url}/api/v1/quarantine", None,
                              {"Authorization": f"Bearer {admin}"})
    c.eq(status, 200, "quarantine with the admin token")
    held = body.get("held", []) if isinstance(body, dict) else []
    c.eq(body.get("count") if isinstance(body, dict) else None, 2,
         "quarantine count")
    c.eq(sorted((h["point"], h["value"], h["reason"]) for h in held),
         [("hall/power", 98, "future_ts"), ("hall/power", 99, "future_ts")],
         "quarantine listing")
    want_ts = datetime.datetime.fromtimestamp(
        now + 3600, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    c.true(any(h["ts"].startswith(want_ts) for h in held),
           f"held ts {want_ts} in {[h['ts'] for h in held]}")

    # Line protocol takes the same path: a 204, held, not stored.
    status, _, _ = it.http("POST", f"{url}/write?db=x&precision=s",
                           f"hall power=97 {now + 5400}",
                           {"Authorization": f"Bearer {token}"})
    c.eq(status, 204, "line protocol from the future")
    c.eq(rows_at("hall/power", now + 5400)[0], 0,
         "line protocol future row not stored")
    c.eq(table_count("SELECT count(*) FROM quarantine WHERE ts = ?",
                     now + 5400), 1, "line protocol future row held")

    out = cli("quarantine", "list").stdout.splitlines()
    c.eq(len(out), 3, "akari quarantine list rows")
    c.true(all(line.startswith("hall/power\t") and "future_ts" in line
               for line in out), f"akari quarantine list: {out}")


def test_int_float(url, token):
    ts = T0 + 5 * 3600
    for body in ([{"point": "hall/temp", "ts": ts, "value": 5}],
                 [{"point": "hall/temp", "ts": ts, "value": 5.0}]):
        status, _, _ = post(url, token, body)
        c.eq(status, 200, f"json {body[0]['value']!r}")
    c.eq(rows_at("hall/temp", ts), (1, "real", 5.0), "json 5 then 5.0")

    # In one batch, and a different value last: one row, the last value.
    status, _, _ = post(url, token, [
        {"point": "hall/temp", "ts": ts + 60, "value": 7},
        {"point": "hall/temp", "ts": ts + 60, "value": 7.25}])
    c.eq(rows_at("hall/temp", ts + 60), (1, "real", 7.25),
         "json 7 and 7.25 in one batch")

    hdr = {"Authorization": f"Bearer {token}"}
    lts = ts + 120
    for line in (f"hall temp=5i {lts}", f"hall temp=5.0 {lts}"):
        status, _, _ = it.http("POST", f"{url}/write?db=x&precision=s",
                               line, hdr)
        c.eq(status, 204, f"line protocol {line}")
    c.eq(rows_at("hall/temp", lts), (1, "real", 5.0),
         "line protocol 5i then 5.0")
    status, _, _ = it.http("POST", f"{url}/write?db=x&precision=s",
                           f"hall temp=6i {lts}\nhall temp=6.5 {lts}", hdr)
    c.eq(status, 204, "line protocol 6i and 6.5 in one write")
    c.eq(rows_at("hall/temp", lts), (1, "real", 6.5),
         "line protocol 6i then 6.5")


def test_point_api(url, admin):
    """counter_digits through POST /api/v1/points (admin token)."""
    hdr = {"Authorization": f"Bearer {admin}",
           "Content-Type": "application/json"}
    base = {"site": "hall", "quantity": "energy", "unit": "kWh",
            "kind": "counter"}
    status, _, body = it.http("POST", f"{url}/api/v1/points",
                              dict(base, key="hall/api", counter_digits=8),
                              hdr)
    c.eq(status, 201, "point with counter_digits")
    c.eq(body.get("counter_digits") if isinstance(body, dict) else None, 8,
         "counter_digits in the answer")
    c.eq(table_count("SELECT counter_digits FROM points WHERE key = ?",
                     "hall/api"), 8, "counter_digits stored")

    before = table_count("SELECT count(*) FROM points")
    for extra, what, text in (
            ({"counter_digits": 16}, "16 digits", "counter_digits"),
            ({"counter_digits": 6, "kind": "instantaneous"},
             "digits on an instantaneous point", "only a counter")):
        status, _, body = it.http("POST", f"{url}/api/v1/points",
                                  dict(base, key="hall/bad", **extra), hdr)
        c.eq(status, 400, what)
        msg = body.get("message", "") if isinstance(body, dict) else ""
        c.true(text in msg, f"{what}: {msg}")
    c.eq(table_count("SELECT count(*) FROM points"), before,
         "refused points not added")


def test_refusals(url, token):
    before = readings_count()
    for value, text in ((-1, "is negative"), (1234567, "6 digits")):
        status, _, body = post(url, token, [
            {"point": "hall/energy", "ts": T0 + 86400, "value": value}])
        c.eq(status, 422, f"counter value {value}")
        msg = ((body.get("rejected") or [{}])[0]).get("message", "")
        c.true(text in msg, f"message for {value}: {msg}")
    c.eq(readings_count(), before,
         "refusals store nothing")

    p = it.run("serve", "--db", db, "--listen", "127.0.0.1:0",
               "--future-tolerance", "-5", check=False)
    c.eq(p.returncode, 2, "--future-tolerance -5")
    c.true("--future-tolerance '-5'" in p.stderr, p.stderr)


def test_tolerance_option(token):
    """With a two-hour tolerance an hour ahead is stored."""
    now = int(time.time())
    with it.Server(db, ["--future-tolerance", "7200"]) as srv:
        status, _, body = post(srv.url, token, [
            {"point": "hall/power", "ts": now + 3600, "value": 3}])
        c.eq((status, body.get("accepted"), "quarantined" in body),
             (200, 1, False), "within --future-tolerance 7200")


def main():
    global live_url
    token, admin = setup()
    srv = it.Server(db)
    srv.start()
    live_url = srv.url
    try:
        test_counter(srv.url, token)
        test_quarantine(srv.url, token, admin)
        test_int_float(srv.url, token)
        test_refusals(srv.url, token)
        test_point_api(srv.url, admin)
    finally:
        live_url = None
        c.eq(srv.stop(), 0, "akari serve exit status")
    with open(srv.log) as f:
        log = f.read()
    warned = [line for line in log.splitlines()
              if "held in quarantine" in line and "warn" in line.lower()]
    c.eq(len(warned), 3, f"quarantine logged at warn: {warned}")
    test_tolerance_option(token)
    c.finish()


main()
