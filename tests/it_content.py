"""it_content: the signage content routes against a real `akari serve`.

An admin token is made with the CLI.  Playlists, a group and a schedule
are put over HTTP; every edit without a token, with an unknown one or
with a malformed body is refused with its status and error code, and
the listing afterwards shows the database unchanged.  A display polls
GET /api/v1/displays/{id}/content: its ETag is the same while nothing
changes and a matching If-None-Match gets a 304 with no body; a
replaced playlist changes the ETag and the answer holds the new items.
An emergency message set for the display's group appears in its
content and not in another group's display; clearing it removes it, and
the log names who did each and when.  The CLI's `akari emergency` and
`akari playlist` write the same tables.

The expected answers are written out here from the requests made, not
read back from the server.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "content.db")

token = it.run("admin", "token", "add", "--db", db,
               "staff").stdout.strip().splitlines()[0]
AUTH = {"Authorization": f"Bearer {token}",
        "Content-Type": "application/json"}
JSON = {"Content-Type": "application/json"}

DEFAULT = {"items": [{"slide": "grid", "seconds": 10},
                     {"slide": "air", "seconds": 5}]}
MORNING = {"items": [{"slide": "solar", "seconds": 7,
                      "params": {"note": "朝"}}]}


def req(method, url, body=None, headers=AUTH):
    return it.http(method, url, body, headers)


srv = it.Server(db).start()
try:
    api = srv.url + "/api/v1"

    # Edits need an admin token: none, an unknown one.
    s, h, b = req("PUT", api + "/playlists/default", DEFAULT, JSON)
    c.eq(s, 401, "PUT without a token")
    c.eq(b.get("error"), "missing_admin_token", "its error code")
    c.true("Bearer" in h.get("WWW-Authenticate", ""), "WWW-Authenticate")
    s, _, b = req("PUT", api + "/playlists/default", DEFAULT,
                  {"Authorization": "Bearer nope", **JSON})
    c.eq(s, 401, "PUT with an unknown token")
    c.eq(b.get("error"), "bad_admin_token", "its error code")
    s, _, b = req("POST", api + "/emergency", {"message": "x"}, JSON)
    c.eq(s, 401, "an emergency message without a token")
    s, _, b = req("GET", api + "/playlists", headers={})
    c.eq(b, {"playlists": []}, "nothing stored by the refused edits")

    # Create, then refusals that leave it as it was.
    s, _, b = req("PUT", api + "/playlists/default", DEFAULT)
    c.eq((s, b), (201, {"name": "default", "revision": 1, "created": True}),
         "create a playlist")
    for body, what in [({"items": []}, "no items"),
                       ({"items": [{"slide": "grid"}]}, "no seconds"),
                       ({"items": [{"slide": "grid", "seconds": 0}]},
                        "0 seconds"),
                       ({"items": [{"slide": "grid", "seconds": 5,
                                    "x": 1}]}, "an unknown field"),
                       ({"items": DEFAULT["items"], "extra": 1},
                        "an unknown top field")]:
        s, _, b = req("PUT", api + "/playlists/default", body)
        c.eq((s, b.get("error")), (400, "bad_playlist"), what)
    s, _, b = req("PUT", api + "/playlists/default", "{not json")
    c.eq((s, b.get("error")), (400, "bad_json"), "a body that is not JSON")
    s, _, b = req("PUT", api + "/playlists/default", DEFAULT,
                  {"Authorization": AUTH["Authorization"],
                   "Content-Type": "text/plain"})
    c.eq(s, 415, "a body that is not application/json")
    s, _, b = req("PUT", api + "/playlists/bad%20name", DEFAULT)
    c.eq(s, 400, "a playlist name with a blank")
    s, _, b = req("GET", api + "/playlists/default", headers={})
    c.eq((b.get("revision"), b.get("items")), (1, DEFAULT["items"]),
         "the playlist is unchanged by the refusals")

    s, _, b = req("PUT", api + "/playlists/morning", MORNING)
    c.eq(s, 201, "a second playlist")
    s, _, b = req("PUT", api + "/groups/station",
                  {"tz": "Europe/London", "displays": ["hall-1"]})
    c.eq(s, 200, "a group")
    s, _, b = req("PUT", api + "/groups/mall",
                  {"tz": "Asia/Tokyo", "displays": ["shop-1"]})
    c.eq(s, 200, "another group")
    s, _, b = req("PUT", api + "/groups/x", {"tz": "Mars/Olympus"})
    c.eq((s, b.get("error")), (400, "invalid"), "an unknown zone")
    sched = {"playlist": "morning", "group": "station", "from": "2026-12-01",
             "to": "2026-12-25", "weekdays": ["mon", "fri"],
             "start": "07:00", "end": "10:00", "priority": 3}
    s, _, b = req("POST", api + "/schedules", sched)
    c.eq(s, 201, "a schedule")
    c.eq({k: b.get(k) for k in sched}, sched, "the schedule as sent")
    sid = b.get("id")
    for bad, what in [({**sched, "playlist": "nope"}, "an unknown playlist"),
                      ({**sched, "group": "nope"}, "an unknown group")]:
        s, _, b = req("POST", api + "/schedules", bad)
        c.eq(s, 404, what)
    for bad, what in [({**sched, "start": "25:00"}, "a bad time"),
                      ({**sched, "weekdays": ["someday"]}, "a bad weekday"),
                      ({**sched, "from": "2026-02-30"}, "a date that is not"),
                      ({**sched, "from": "2026-12-25", "to": "2026-12-01"},
                       "from after to")]:
        s, _, b = req("POST", api + "/schedules", bad)
        c.eq(s, 400, what)
    s, _, b = req("GET", api + "/schedules", headers={})
    c.eq(len(b.get("schedules", [])), 1, "one schedule after the refusals")
    s, _, b = req("DELETE", api + "/playlists/morning")
    c.eq((s, b.get("error")), (409, "in_use"),
         "a playlist a schedule plays is not deleted")

    # The display's content, its ETag and 304.
    url = api + "/displays/hall-1/content"
    s, h, b = req("GET", url, headers={})
    c.eq(s, 200, "content")
    etag = h.get("ETag")
    c.true(etag and etag.startswith('"') and not etag.startswith("W/"),
           f"a strong ETag ({etag})")
    c.eq(b.get("group"), "station", "the display's group")
    c.eq(b.get("tz"), "Europe/London", "the group's zone")
    c.eq(b.get("default"), "default", "the default playlist")
    c.eq(b["playlists"]["default"]["items"], DEFAULT["items"],
         "the default playlist's items")
    c.eq(b["playlists"]["morning"]["items"], MORNING["items"],
         "the scheduled playlist's items")
    c.eq([x["id"] for x in b["schedules"]], [sid], "its schedule")
    c.eq(b.get("emergency"), None, "no emergency")
    c.eq(b["layers"]["saving"]["grid_usage_pct"], 97,
         "the very-tight band by default")
    s, h2, _ = req("GET", url, headers={})
    c.eq(h2.get("ETag"), etag, "the same ETag for the same content")
    s, h3, raw = req("GET", url, headers={"If-None-Match": etag})
    c.eq((s, raw), (304, b""), "If-None-Match: 304 with no body")
    c.eq(h3.get("ETag"), etag, "the 304 carries the ETag")
    s, _, b = req("GET", api + "/displays/shop-1/content", headers={})
    c.eq(b.get("schedules"), [], "another group's display: no schedule")
    c.eq(sorted(b.get("playlists")), ["default"],
         "and only the default playlist")

    # Layer rules: refused ones change nothing, a good one is in the
    # content.
    for bad, what in [({"saving": {"grid_usage_pct": -1}}, "a negative "
                       "threshold"),
                      ({"saving": {"wind": 3}}, "an unknown rule"),
                      ({"other": {}}, "an unknown layer")]:
        s, _, b = req("PUT", api + "/layers", bad)
        c.eq((s, b.get("error")), (400, "bad_layers"), what)
    s, _, b = req("GET", api + "/layers", headers={})
    c.eq(b, {"saving": {"grid_usage_pct": 97, "home_demand_kw": None}},
         "the default rules, unchanged by the refusals")
    rules = {"saving": {"grid_usage_pct": 95, "home_demand_kw": 2.5}}
    s, _, b = req("PUT", api + "/layers", rules)
    c.eq((s, b), (200, rules), "set the rules")
    s, h, b = req("GET", url, headers={"If-None-Match": etag})
    c.eq((s, b.get("layers")), (200, rules), "the rules are in the content")
    etag = h.get("ETag")
    s, _, b = req("DELETE", api + "/groups/station")
    c.eq((s, b.get("error")), (409, "in_use"),
         "a group with a schedule is not deleted")

    # A change: new ETag, new items.
    NEW = {"items": [{"slide": "household", "seconds": 12}]}
    s, _, b = req("PUT", api + "/playlists/default", NEW)
    c.eq((s, b.get("revision"), b.get("created")), (200, 2, False),
         "replace a playlist")
    s, h, b = req("GET", url, headers={"If-None-Match": etag})
    c.eq(s, 200, "a changed content is sent again")
    c.true(h.get("ETag") != etag, "with a new ETag")
    c.eq(b["playlists"]["default"]["items"], NEW["items"], "the new items")
    c.eq(b["playlists"]["default"]["revision"], 2, "the new revision")
    etag = h.get("ETag")

    # An emergency message for the station group.
    s, _, b = req("POST", api + "/emergency",
                  {"message": "地震です。落ち着いて行動してください",
                   "group": "station"})
    c.eq((s, b.get("by"), b.get("target")), (201, "staff", "station"),
         "set an emergency message")
    s, _, b = req("POST", api + "/emergency",
                  {"message": "x", "group": "nope"})
    c.eq(s, 404, "an emergency message for an unknown group")
    # A group that is not a string is refused, not read as "every
    # display": a message meant for one group must not go to all.
    s, _, lg = req("GET", api + "/emergency/log", headers={})
    for bad in (12, ["station"], {"name": "station"}, True):
        s, _, b = req("POST", api + "/emergency",
                      {"message": "x", "group": bad})
        c.eq((s, b.get("error")), (400, "bad_emergency"),
             f"an emergency message for the group {bad!r}")
    s, _, b = req("GET", api + "/emergency", headers={})
    c.eq([e["target"] for e in b.get("active", [])], ["station"],
         "none of them is in force")
    s, _, lg2 = req("GET", api + "/emergency/log", headers={})
    c.eq(len(lg2.get("log", [])), len(lg.get("log", [])),
         "nor in the log")
    s, h, b = req("GET", url, headers={"If-None-Match": etag})
    c.eq(s, 200, "the message changes the content")
    c.eq((b.get("emergency") or {}).get("message"),
         "地震です。落ち着いて行動してください", "the message is in it")
    s, _, b = req("GET", api + "/displays/shop-1/content", headers={})
    c.eq(b.get("emergency"), None, "not for another group")
    s, _, b = req("DELETE", api + "/emergency?group=station",
                  headers={"Authorization": AUTH["Authorization"]})
    c.eq(s, 200, "clear it")
    s, _, b = req("DELETE", api + "/emergency?group=station",
                  headers={"Authorization": AUTH["Authorization"]})
    c.eq(s, 404, "clearing again: nothing in force")
    s, _, b = req("GET", url, headers={})
    c.eq(b.get("emergency"), None, "cleared from the content")

    # The CLI writes the same log, for all displays.
    it.run("emergency", "set", "--db", db, "--by", "desk", "火災です")
    s, _, b = req("GET", api + "/displays/shop-1/content", headers={})
    c.eq((b.get("emergency") or {}).get("message"), "火災です",
         "a CLI message for all displays reaches every group")
    it.run("emergency", "clear", "--db", db, "--by", "desk")
    s, _, b = req("GET", api + "/emergency/log", headers={})
    c.eq([(e["action"], e["target"], e["by"]) for e in b["log"]],
         [("clear", "*", "desk"), ("set", "*", "desk"),
          ("clear", "station", "staff"), ("set", "station", "staff")],
         "the log, newest first, with who")
    now = time.time()
    c.true(all(abs(e["at"] - now) < 120 for e in b["log"]),
           "each with when")
    p = it.run("emergency", "clear", "--db", db, check=False)
    c.eq(p.returncode, 1, "the CLI refuses to clear nothing")

    # The server's log names every set and clear.
    with open(srv.log) as f:
        log = f.read()
    c.true("emergency message set for station by staff" in log,
           "the server logs the set")
    c.true("emergency message for station cleared by staff" in log,
           "and the clear")

    # The CLI's playlist put checks the body like the API.
    bad = os.path.join(work, "bad.json")
    with open(bad, "w") as f:
        json.dump({"items": [{"slide": "grid", "seconds": -1}]}, f)
    p = it.run("playlist", "put", "--db", db, "default", "--file", bad,
               check=False)
    c.eq(p.returncode, 1, "the CLI refuses a bad playlist")
    s, _, b = req("GET", api + "/playlists/default", headers={})
    c.eq(b.get("revision"), 2, "and leaves it unchanged")
finally:
    rc = srv.stop()
c.eq(rc, 0, "the server stops cleanly (no sanitizer report)")

sys.exit(c.finish())
