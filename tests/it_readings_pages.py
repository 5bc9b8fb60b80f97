"""Readings in pages: GET .../readings with `limit` and `next_from`.

A point gets 10 readings a minute apart, one of them a gap.  Asked in
pages of 3 from `from`, each answer holds the next 3 readings oldest
first and names in `next_from` the time of the first one it left out;
the last page has no `next_from`.  The pages joined are the readings
sent.  A bad `limit` is refused naming the parameter.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import akari_it as it  # noqa: E402

c = it.Checks()
d = it.tmpdir()
db = os.path.join(d, "a.db")
T0 = 1656288000  # 2022-06-27T00:00:00Z = 09:00 in Tokyo

it.run("site", "add", "hall", "--db", db, "--kind", "building",
       "--tz", "Asia/Tokyo")
token = it.run("device", "add", "--db", db, "--site", "hall",
               "m").stdout.strip()
it.run("point", "add", "hall/p", "--db", db, "--site", "hall",
       "--quantity", "power", "--unit", "kW")
# Minutes 0..10 but not 4: ten readings.
sent = [(T0 + 60 * m, 1.0 + m) for m in range(11) if m != 4]


def stamp(ts):
    """RFC 3339 in Tokyo, as the API writes times of a Tokyo site."""
    m = (ts - T0) // 60
    return f"2022-06-27T09:{m:02d}:00+09:00"


with it.Server(db) as srv:
    st, _, b = it.http("POST", srv.url + "/api/v1/ingest",
                       {"readings": [{"point": "hall/p", "ts": t,
                                      "value": v} for t, v in sent]},
                       {"Authorization": "Bearer " + token,
                        "Content-Type": "application/json"})
    c.eq((st, b.get("accepted")), (200, 10), "ingest")

    base = srv.url + "/api/v1/points/hall/p/readings?to=" + it.q(
        "2022-06-27T10:00:00+09:00") + "&limit=3&from="
    start, pages, got = it.q(stamp(T0)), [], []
    while len(pages) < 10:
        st, _, b = it.http("GET", base + start)
        c.eq(st, 200, f"page {len(pages) + 1}")
        if st != 200:
            break
        rows = [(r["ts"], r["value"]) for r in b["readings"]]
        pages.append(len(rows))
        got += rows
        if "next_from" not in b:
            break
        start = it.q(b["next_from"])
    c.eq(pages, [3, 3, 3, 1], "page sizes")
    c.eq(got, [(stamp(t), v) for t, v in sent], "the pages joined")

    # next_from is the first reading left out: minute 3 after a page
    # of three; after a page of four (minutes 0-3) minute 5, past the
    # gap.
    st, _, b = it.http("GET", base + it.q(stamp(T0)))
    c.eq(b.get("next_from"), stamp(T0 + 60 * 3), "first page's next_from")
    st, _, b = it.http("GET", base.replace("limit=3", "limit=4") +
                       it.q(stamp(T0)))
    c.eq(b.get("next_from"), stamp(T0 + 60 * 5),
         "a page ending before the gap names the reading after it")
    st, _, b = it.http("GET", base.replace("limit=3", "limit=10") +
                       it.q(stamp(T0)))
    c.eq((len(b.get("readings", [])), "next_from" in b), (10, False),
         "a page that holds them all has no next_from")

    for bad in ["0", "200001", "abc", "3x", ""]:
        st, _, b = it.http("GET", base.replace("limit=3", "limit=" + bad) +
                           it.q(stamp(T0)))
        c.eq((st, b.get("error")), (400, "bad_parameter"), f"limit={bad!r}")
        c.true("'limit'" in b.get("message", ""),
               f"limit={bad!r}: the message names it ({b.get('message')})")

    # Past the cap of 200,000 readings a range without limit is refused
    # whole; with limit it is answered in pages.
    it.run("point", "add", "hall/big", "--db", db, "--site", "hall",
           "--quantity", "power", "--unit", "kW")
    N = 200001
    for lo in range(0, N, 70000):
        rows = [{"point": "hall/big", "ts": T0 + i, "value": i % 100}
                for i in range(lo, min(N, lo + 70000))]
        st, _, b = it.http("POST", srv.url + "/api/v1/ingest",
                           {"readings": rows},
                           {"Authorization": "Bearer " + token,
                            "Content-Type": "application/json"})
        c.eq((st, b.get("accepted")), (200, len(rows)), f"big batch {lo}")
    big = (srv.url + "/api/v1/points/hall/big/readings?from=" +
           it.q(stamp(T0)) + "&to=" + it.q("2022-06-30T00:00:00+09:00"))
    st, _, b = it.http("GET", big)
    c.eq((st, b.get("error")), (400, "too_many_readings"),
         "200,001 readings without limit")
    st, _, b = it.http("GET", big + "&limit=200000")
    c.eq((st, len(b.get("readings", [])), b.get("next_from")),
         (200, 200000, "2022-06-29T16:33:20+09:00"),
         "the first page of 200,000: T0 + 200,000 s is 2 d 7 h 33 m 20 s "
         "after 09:00 on the 27th: 16:33:20 on the 29th")
c.finish()
