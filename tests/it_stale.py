#!/usr/bin/env python3
"""it_stale: the summary and the signage answer say how old each latest
reading is and whether it is too old to be shown as the current figure.

The rule (docs/api.md): stale once the reading is more than three of its
point's steps old, and never before 900 s.  Expected values come from the
readings this test sends: the newest before `at`, age `at` minus its
time.  Points of step 300 (limit 900), 3600 (limit 10,800) and none,
judged by the spacing of their readings (3 x 3,000 s, 3 x 1,800 s).
"""
import datetime as dt
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "stale.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:])


# 2022-06-27T00:00:00Z is 1656288000.
DAY = 1656288000
cli("site", "add", "town", "--kind", "grid", "--tz", "UTC")
cli("point", "add", "town/demand", "--site", "town", "--quantity", "power",
    "--unit", "kW", "--step", "300")
cli("point", "add", "town/temp", "--site", "town", "--quantity",
    "temperature", "--unit", "degC")
cli("point", "add", "town/meter", "--site", "town", "--quantity",
    "power", "--unit", "kW")
cli("site", "add", "jma", "--kind", "weather", "--tz", "UTC")
cli("point", "add", "jma/temperature", "--site", "jma", "--quantity",
    "temperature", "--unit", "degC", "--step", "3600")
token = cli("device", "add", "--site", "town", "gw").stdout.strip()
wtoken = cli("device", "add", "--site", "jma", "obs").stdout.strip()

# Demand every 5 minutes from 00:00 to 10:00; the temperature, with no
# step, at 09:00 and 09:50; the weather hourly from 00:00 to 10:00.
demand = [(DAY + k * 300, 100.0 + k) for k in range(121)]
temp = [(DAY + 9 * 3600, 21.5), (DAY + 9 * 3600 + 3000, 22.0)]
weather = [(DAY + h * 3600, 20.0 + h / 2) for h in range(11)]
LAST = DAY + 10 * 3600


def send(url, tok, rows):
    status, _, ans = it.http(
        "POST", url + "/api/v1/ingest",
        {"readings": [{"point": k, "ts": t, "value": v} for k, t, v in rows]},
        {"Authorization": "Bearer " + tok,
         "Content-Type": "application/json"})
    c.eq(status, 200, f"ingest: {ans}")


def latest(body, key):
    for p in body.get("points", []):
        if p.get("key") == key:
            return p.get("latest")
    return "no such point"


def expect(got, ts, value, age, stale, what):
    got = got if isinstance(got, dict) else {}
    when = got.get("ts")
    c.eq(int(dt.datetime.fromisoformat(when).timestamp()) if when else None,
         ts, f"{what}: ts")
    c.eq(got.get("value"), value, f"{what}: value")
    c.eq(got.get("age_s"), age, f"{what}: age_s")
    c.eq(got.get("stale"), stale, f"{what}: stale")


with it.Server(db) as srv:
    send(srv.url, token, [("town/demand", t, v) for t, v in demand] +
         [("town/temp", t, v) for t, v in temp])
    send(srv.url, wtoken, [("jma/temperature", t, v) for t, v in weather])

    def summary(at):
        status, _, body = it.get(f"{srv.url}/api/v1/sites/town/summary"
                                 f"?at={at}")
        c.eq(status, 200, f"summary at {at}: status")
        return body if isinstance(body, dict) else {}

    # Readings count before `at` only: at 10:00 the newest demand is
    # 09:55 (300 s old), at 10:15 the 10:00 one is 900 s old, still
    # current; a second later it is past 3 x 300.
    dv = dict(demand)
    for at, ts, stale in ((LAST, LAST - 300, False),
                          (LAST + 900, LAST, False),
                          (LAST + 901, LAST, True)):
        body = summary(at)
        expect(latest(body, "town/demand"), ts, dv[ts], at - ts, stale,
               f"demand at {at}")

    # The temperature has no step: it is judged by the spacing of its
    # readings, 09:00 and 09:50, one of 3,000 s, so three of them (9,000
    # s) and not the floor of 900 s.  Its 09:50 reading is 600 s old at
    # 10:00, still current 901 s and 9,000 s after it, stale at 9,001.
    body = summary(LAST)
    expect(latest(body, "town/temp"), temp[1][0], 22.0, 600, False,
           "temperature at 10:00")
    pt = next((p for p in body.get("points", [])
               if p.get("key") == "town/temp"), {})
    c.eq((pt.get("step_s"), pt.get("spacing_s")), (0, 3000),
         "temperature: no step, readings 3,000 s apart")
    for age, stale in ((901, False), (9000, False), (9001, True)):
        body = summary(temp[1][0] + age)
        expect(latest(body, "town/temp"), temp[1][0], 22.0, age, stale,
               f"temperature {age} s after its reading")

    # A half-hourly meter added without a step: 20 minutes after a
    # reading it is not dated (it used to be, for half of each
    # interval, past the 900 s floor); 3 x 1,800 s is its limit.
    hh = [(DAY + k * 1800, 5.0 + k) for k in range(21)]
    send(srv.url, token, [("town/meter", t, v) for t, v in hh])
    hv = dict(hh)
    last = hh[-1][0]
    for age, stale in ((1200, False), (1799, False), (5400, False),
                       (5401, True)):
        body = summary(last + age)
        expect(latest(body, "town/meter"), last, hv[last], age, stale,
               f"half-hourly meter {age} s after its reading")
    body = summary(last + 1200)
    pt = next((p for p in body.get("points", [])
               if p.get("key") == "town/meter"), {})
    c.eq(pt.get("spacing_s"), 1800, "half-hourly meter: spacing_s")

    # A point with a step keeps it, whatever its readings' spacing.
    pt = next((p for p in body.get("points", [])
               if p.get("key") == "town/demand"), {})
    c.eq((pt.get("step_s"), pt.get("spacing_s")), (300, 300),
         "demand: its own step")

    # Three days later the summary still names the last reading (read
    # from before yesterday), 3 x 86,400 s old.
    at = LAST + 3 * 86400
    body = summary(at)
    expect(latest(body, "town/demand"), LAST, dv[LAST], 3 * 86400, True,
           "demand three days later")

    # Before any reading there is no latest at all.
    body = summary(DAY)
    c.eq(latest(body, "town/demand"), None, "before the first reading")

    # The weather section of the signage answer: hourly, so 10,800 s
    # (three steps) is current and 10,801 s is not.
    wv = dict(weather)
    for at, stale in ((LAST + 10800, False), (LAST + 10801, True)):
        status, _, body = it.get(f"{srv.url}/api/v1/signage?weather=jma"
                                 f"&at={at}")
        c.eq(status, 200, f"signage at {at}: status")
        w = ((body if isinstance(body, dict) else {}).get("weather")
             or {}).get("latest", {})
        expect(w.get("temperature"), LAST, wv[LAST], at - LAST, stale,
               f"weather temperature at {at}")
        c.eq((w.get("temperature") or {}).get("step_s"), 3600,
             f"weather temperature at {at}: its point's step")

c.finish_in(work)
