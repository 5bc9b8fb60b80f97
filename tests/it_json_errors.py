#!/usr/bin/env python3
"""it_json_errors: a JSON body with a UTF-8 byte order mark before it, or
a NUL byte in or after it, is refused with a message that says so and
where, on every JSON route: POST /api/v1/ingest, POST /api/v1/points,
PUT /api/v1/playlists/{name}, POST /api/v1/displays/{id}/heartbeat and
.../plays.

Each answer is 400 bad_json with the exact message; the offset and line
of the NUL are counted here from the bytes sent.  The same bodies
without the mark or the NUL are taken (so the refusal is theirs alone),
and the refused ones change no table (each dumped with sqlite3 before
and after).  A fault before a NUL keeps jansson's words.
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "json-errors.db")
BOM = b"\xef\xbb\xbf"
BOM_MSG = "body starts with a UTF-8 byte order mark; send JSON without it"
T0 = 1700000000


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout.strip()


admin = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC")
cli("point", "add", "hall/power", "--site", "hall", "--quantity", "power",
    "--unit", "kW")
meter = cli("device", "add", "--site", "hall", "meter")
screen = cli("device", "add", "--site", "hall", "--kind", "display",
             "hall-1")

def dump():
    """Every table but the devices', whose last contact any request of
    a known token may move."""
    con = sqlite3.connect(db)
    out = {}
    for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = "
                            "'table' AND name != 'devices'").fetchall():
        out[t] = con.execute(f"SELECT * FROM {t}").fetchall()
    con.close()
    return out


def nul_msg(body):
    off = body.index(b"\0")
    line = body[:off].count(b"\n") + 1
    return (f"body: NUL byte at offset {off} (line {line}); send the JSON "
            "text alone, without NUL bytes")


def auth(token):
    return {"Authorization": "Bearer " + token,
            "Content-Type": "application/json"}


# (route, method, path, token, a good body, a second good body)
ROUTES = [
    ("ingest", "POST", "/api/v1/ingest", meter,
     b'{"readings": [{"point": "hall/power", "ts": %d, "value": 1.5}]}'
     % T0,
     b'{"readings": [\n  {"point": "hall/power", "ts": %d, "value": 2}]}'
     % (T0 + 60)),
    ("points", "POST", "/api/v1/points", admin,
     b'{"key": "hall/a", "site": "hall", "quantity": "power", '
     b'"unit": "kW"}',
     b'{"key": "hall/b",\n "site": "hall", "quantity": "power", '
     b'"unit": "kW"}'),
    ("playlist", "PUT", "/api/v1/playlists/main", admin,
     b'{"items": [{"slide": "grid", "seconds": 10}]}',
     b'{"items": [\n{"slide": "solar", "seconds": 10}]}'),
    ("heartbeat", "POST", "/api/v1/displays/hall-1/heartbeat", screen,
     b'{"version": "0.1.0", "uptime_s": 5}',
     b'{"version": "0.1.0",\n"uptime_s": 6}'),
    ("plays", "POST", "/api/v1/displays/hall-1/plays", screen,
     b'{"plays": [{"slide": "grid", "start": %d, "seconds": 10.0}]}' % T0,
     b'{"plays": [\n{"slide": "grid", "start": %d, "seconds": 10.0}]}'
     % (T0 + 10)),
]

with it.Server(db) as srv:
    for name, method, path, token, good, good2 in ROUTES:
        url = srv.url + path
        bad = [
            ("a byte order mark", BOM + good, BOM_MSG),
            ("a NUL after the body", good + b"\0", nul_msg(good + b"\0")),
            ("a NUL after a newline", good2 + b"\n\0",
             nul_msg(good2 + b"\n\0")),
            # inside the value: before where the JSON would end
            ("a NUL inside it", good2[:20] + b"\0" + good2[20:],
             nul_msg(good2[:20] + b"\0" + good2[20:])),
        ]
        for what, body, msg in bad:
            before = dump()
            st, _, ans = it.http(method, url, body, auth(token))
            ans = ans if isinstance(ans, dict) else {}
            c.eq((st, ans.get("error"), ans.get("message")),
                 (400, "bad_json", msg), f"{name}: {what}")
            c.eq(dump(), before, f"{name}: {what}: nothing changed")

        # a fault before a NUL keeps jansson's own words ("string or '}'
        # expected near 'x'", at line 1)
        st, _, ans = it.http(method, url, b"{x}\0", auth(token))
        ans = ans if isinstance(ans, dict) else {}
        c.eq((st, ans.get("error")), (400, "bad_json"),
             f"{name}: not JSON")
        c.true("expected near 'x'" in ans.get("message", ""),
               f"{name}: jansson's words: {ans}")

        for body in (good, good2):
            st, _, ans = it.http(method, url, body, auth(token))
            c.true(st in (200, 201), f"{name}: the good body: {st} {ans}")

c.finish_in(work)
