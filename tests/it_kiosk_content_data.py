"""it_kiosk_content_data: a display playing server-edited content asks
for the slide data its playlists can show, and draws the slides without
a site in its group's zone.

A database gets an admin token, a display device hall-1 in group
"station" of zone Europe/London, and a default playlist of the QR and
air slides.  The kiosk, on a box in Tokyo (TZ=Asia/Tokyo), plays with
`--slides qr` (a rotation that needs no data) through a proxy that notes
each request, replaying 14:00 JST so slowly that its clock stands still.
(a) Once the content is in, it asks for the air summary (the playlist
names the air slide), the grid's and the home's (the saving request
reads them), and never for the signage answer (no slide that plays
reads it); it logs what it asks for.
(b) Its QR frame is the picture `akari render` draws of the QR slide at
the same time on a box in London (TZ=Europe/London) told of no site: the
clock in the group's zone, not the box's.  The render on a Tokyo box
is a different picture.
"""
import datetime as dt
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
W, H = 320, 180
URL = "https://example.org/portal"

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "content.db")
read = it.read_text


def render(url, tz, name):
    path = os.path.join(work, name + ".png")
    p = it.spawn([it.AKARI, "render", "--server", url, "--slide", "qr",
                  "--qr-url", URL, "--at", str(FROM), "--replay", "--size",
                  f"{W}x{H}", "--grid-site", "nowhere", "-o", path],
                 os.path.join(work, name + ".log"),
                 env=dict(os.environ, TZ=tz))
    c.eq(p.wait(timeout=120), 0, f"render {name}")
    return it.png_rgb(path)


admin = it.run("admin", "token", "add", "--db", db,
               "desk").stdout.split()[0]
it.run("site", "add", "--db", db, "hall", "--kind", "building", "--tz",
       "Asia/Tokyo")
dtoken = it.run("device", "add", "--db", db, "--site", "hall", "hall-1",
                "--kind", "display").stdout.split()[0]
tokfile = os.path.join(work, "display.token")
with open(tokfile, "w") as f:
    f.write(dtoken + "\n")
AUTH = {"Authorization": "Bearer " + admin,
        "Content-Type": "application/json"}

with it.Server(db) as srv:
    api = srv.url + "/api/v1"
    s, _, _ = it.http("PUT", api + "/playlists/default", {"items": [
        {"slide": "qr", "seconds": 1.5}, {"slide": "air", "seconds": 1.5}]},
        AUTH)
    c.eq(s, 201, "a default playlist")
    s, _, _ = it.http("PUT", api + "/groups/station",
                      {"tz": "Europe/London", "displays": ["hall-1"]}, AUTH)
    c.true(s in (200, 201), f"the group: {s}")
    london = render(srv.url, "Europe/London", "qr-london")
    tokyo = render(srv.url, "Asia/Tokyo", "qr-tokyo")

    proxy = it.Proxy(srv.url)
    frames = os.path.join(work, "frames")
    log = os.path.join(work, "kiosk.log")
    k = it.spawn([it.AKARI, "kiosk", "--server", proxy.url, "--display-id",
                  "hall-1", "--token-file", tokfile, "--replay",
                  f"{FROM},{TO}", "--speed", "0.001", "--slides", "qr",
                  "--qr-url", URL, "--fade-seconds", "0", "--fetch-seconds",
                  "0.5", "--no-cache", "--png-dir", frames, "--window",
                  f"{W}x{H}"], log,
                 env=dict(os.environ, TZ="Asia/Tokyo", AKARI_LOG="debug"))
    try:
        c.true(it.wait_for(lambda: "slide data asked for: grid home air"
                           in read(log), 60),
               "(a) the kiosk asks for what its playlists show")
        asked = it.wait_for(lambda: "/api/v1/sites/room1/summary" in
                            {re.sub(r"\?.*", "", s[0]) for s in proxy.seen})
        c.true(asked, "(a) the air summary is fetched")
        played = it.wait_for(lambda: [
            int(n) for n in re.findall(r"frame (\d+): qr slide", read(log))
            if int(n) > 2], 60)
    finally:
        it.stop(k)
        proxy.stop()

paths = {re.sub(r"\?.*", "", s[0]) for s in proxy.seen}
c.true("slide data asked for: none" in read(log),
       "(a) before the content, the QR rotation asks for nothing")
c.true("/api/v1/signage" not in paths, f"(a) no signage asked for: {paths}")
c.true({"/api/v1/sites/tepco/summary", "/api/v1/sites/home12/summary",
        "/api/v1/sites/room1/summary"} <= paths,
       f"(a) the grid's, the home's and the air's summaries: {paths}")
c.true(bool(played), "(b) the QR slide plays from the playlist")
if played:
    shown = it.png_rgb(os.path.join(frames, f"frame-{played[0]:06d}.png"))
    c.true(shown == london, "(b) the QR frame is London's picture")
c.true(london != tokyo, "(b) a Tokyo box's QR slide differs")

c.finish_in(work)
