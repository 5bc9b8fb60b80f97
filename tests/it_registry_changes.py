"""Integration test: changing a site's zone or a point's step over HTTP
keeps every aggregate over the data already stored right, on a real
`akari serve`.

Day and month buckets are local days, and a power point's energy is
held for at most its step; both were worked out as readings arrived.
After the change, the aggregates must be what the readings give under
the new settings.  The expected values are computed here from the raw
series by hand, in comments and in Python.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "changes.db")
UTC = datetime.timezone.utc

# 2023-11-15T00:00:00Z, a UTC midnight; readings hourly for three days,
# the value being the hour's number since T0: 0, 1, ..., 71 kW.
T0 = 1700006400
assert T0 % 86400 == 0
VALUES = {T0 + h * 3600: float(h) for h in range(72)}


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:])


def at(t):
    return datetime.datetime.fromtimestamp(t, UTC)


ADMIN = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC")
cli("point", "add", "hall/p", "--site", "hall", "--quantity", "power",
    "--unit", "kW", "--step", "3600")
TOKEN = cli("device", "add", "--site", "hall", "m1").stdout.strip()


def patch(url, path, body):
    st, _, b = it.http("PATCH", url + path, body,
                       {"Authorization": "Bearer " + ADMIN,
                        "Content-Type": "application/json"})
    c.eq(st, 200, f"PATCH {path} {body}: status")


def day_values(t0, hold_s):
    """The mean and the energy of the readings of [t0, t0 + 1 day): each
    reading holds min(3600, hold_s) seconds, all inside the day."""
    vs = [v for t, v in VALUES.items() if t0 <= t < t0 + 86400]
    return sum(vs) / len(vs), sum(v * min(3600, hold_s) / 3600 for v in vs)


def main():
    with it.Server(db) as srv:
        url = srv.url
        st, _, _ = it.http(
            "POST", url + "/api/v1/ingest",
            {"readings": [{"point": "hall/p", "ts": t, "value": v}
                          for t, v in VALUES.items()]},
            {"Authorization": "Bearer " + TOKEN,
             "Content-Type": "application/json"})
        c.eq(st, 200, "72 hourly readings stored")
        # UTC days: hours 0..23 average 11.5, and so on.
        c.eq(it.aggregate(url, "hall/p", at(T0), at(T0 + 3 * 86400), "day",
                          "avg"), [11.5, 35.5, 59.5], "UTC day means")

        # Tokyo is UTC+9: its days start at 15:00Z, so the first whole
        # one is hours 15..38 (mean 26.5, energy 15 + ... + 38 = 636 kWh)
        # and the next hours 39..62 (mean 50.5, 1212 kWh).
        patch(url, "/api/v1/sites/hall", {"tz": "Asia/Tokyo"})
        j0 = T0 + 15 * 3600
        want = [day_values(j0, 3600), day_values(j0 + 86400, 3600)]
        c.eq([w[0] for w in want], [26.5, 50.5], "hand check of the means")
        c.eq([w[1] for w in want], [636, 1212], "hand check of the energy")
        c.eq(it.aggregate(url, "hall/p", at(j0), at(j0 + 2 * 86400), "day",
                          "avg"), [w[0] for w in want],
             "Tokyo day means after the zone change")
        c.eq(it.aggregate(url, "hall/p", at(j0), at(j0 + 2 * 86400), "day",
                          "energy"), [w[1] for w in want],
             "Tokyo day energy after the zone change")

        # A step of 1800 s holds each hourly reading half an hour: half
        # the energy, 318 and 606 kWh; hour 15 gives 15 * 0.5 = 7.5.
        patch(url, "/api/v1/points/hall/p", {"step_s": 1800})
        want = [day_values(j0, 1800), day_values(j0 + 86400, 1800)]
        c.eq([w[1] for w in want], [318, 606], "hand check, step 1800")
        c.eq(it.aggregate(url, "hall/p", at(j0), at(j0 + 2 * 86400), "day",
                          "energy"), [w[1] for w in want],
             "day energy after the step change")
        c.eq(it.aggregate(url, "hall/p", at(j0), at(j0 + 3 * 3600), "hour",
                          "energy"), [7.5, 8.0, 8.5],
             "hourly energy after the step change")
    c.finish()


main()
