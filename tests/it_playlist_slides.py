#!/usr/bin/env python3
"""it_playlist_slides: a playlist item naming no slide is refused.

PUT /api/v1/playlists/{name} and `akari playlist put` refuse an item
whose slide no kiosk draws ("gird") with 400 bad_playlist / a failed
exit, the message naming the item's index and every slide name allowed,
and the stored playlists as they were.  The names expected are read
from `akari kiosk --help`, which lists the renderer's slides.  A
playlist stored before the check (written here straight into the file)
is still served whole; the kiosk skips the unknown item (docs/
playlists.md).
"""
import json
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "slides.db")

# "--slides LIST  which slides, in order, among grid, solar, ... qr
# (default: ...": the names, as the kiosk's help gives them.
help_text = it.run("kiosk", "--help").stdout
m = re.search(r"among (.*?) \(default", help_text, re.S)
SLIDES = re.split(r",\s*", " ".join(m.group(1).split())) if m else []
c.true("grid" in SLIDES and "qr" in SLIDES and "gird" not in SLIDES,
       f"slide names from the kiosk's help: {SLIDES}")
ALLOWED = ", ".join(SLIDES)

token = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
AUTH = {"Authorization": f"Bearer {token}",
        "Content-Type": "application/json"}
GOOD = {"items": [{"slide": "grid", "seconds": 10},
                  {"slide": "air", "seconds": 5}]}
BAD = {"items": [{"slide": "grid", "seconds": 10},
                 {"slide": "air", "seconds": 5},
                 {"slide": "gird", "seconds": 10}]}
OLD = {"items": [{"slide": "grid", "seconds": 10},
                 {"slide": "gird", "seconds": 10}]}


def stored():
    con = sqlite3.connect(db)
    rows = con.execute("SELECT name, body, revision FROM playlists "
                       "ORDER BY name").fetchall()
    con.close()
    return rows


# --- the CLI --------------------------------------------------------------

good_file = os.path.join(work, "good.json")
bad_file = os.path.join(work, "bad.json")
with open(good_file, "w") as f:
    json.dump(GOOD, f)
with open(bad_file, "w") as f:
    json.dump(BAD, f)
it.run("playlist", "put", "--db", db, "lobby", "--file", good_file)
before = stored()
c.eq([(n, r) for n, _, r in before], [("lobby", 1)], "the CLI's playlist")

r = it.run("playlist", "put", "--db", db, "lobby", "--file", bad_file,
           check=False)
c.true(r.returncode != 0, f"playlist put with gird: exit {r.returncode}")
c.true(f'item 2: slide "gird" is not one of {ALLOWED}' in r.stderr,
       f"playlist put with gird: message: {r.stderr}")
r = it.run("playlist", "put", "--db", db, "new", "--file", bad_file,
           check=False)
c.true(r.returncode != 0, "a new playlist with gird: refused")
c.eq(stored(), before, "the CLI's refusals change nothing")

# A playlist of an older file, stored before slides were checked.
con = sqlite3.connect(db)
con.execute("INSERT INTO playlists (name, body) VALUES ('old', ?)",
            (json.dumps(OLD),))
con.commit()
con.close()
before = stored()

# --- HTTP -----------------------------------------------------------------

with it.Server(db) as srv:
    api = srv.url + "/api/v1"
    for name in ("lobby", "fresh"):
        s, _, b = it.http("PUT", f"{api}/playlists/{name}", BAD, AUTH)
        b = b if isinstance(b, dict) else {}
        c.eq((s, b.get("error")), (400, "bad_playlist"), f"PUT {name}")
        c.eq(b.get("message"),
             f'item 2: slide "gird" is not one of {ALLOWED}',
             f"PUT {name}: the message")
    s, _, b = it.http("PUT", f"{api}/playlists/lobby",
                      {"items": [{"slide": "GRID", "seconds": 5}]}, AUTH)
    c.eq(s, 400, "names are exact: GRID is no slide")
    c.eq(stored(), before, "the refused PUTs change nothing")

    # Every slide the kiosk lists is taken.
    s, _, b = it.http("PUT", f"{api}/playlists/all",
                      {"items": [{"slide": n, "seconds": 5}
                                 for n in SLIDES]}, AUTH)
    c.eq(s, 201, f"a playlist of every slide: {b}")

    # The older playlist is served as stored, unknown item and all.
    s, _, b = it.get(f"{api}/playlists/old")
    c.eq((s, b.get("items") if isinstance(b, dict) else None),
         (200, OLD["items"]), "the older playlist is served")

c.finish_in(work)
