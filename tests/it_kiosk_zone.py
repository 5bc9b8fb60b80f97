"""it_kiosk_zone: a slide without a site of its own (the QR slide) shows
the display's zone, not the box's.

A grid site in Asia/Tokyo with one reading.  A kiosk on a box whose zone
is UTC (TZ=UTC) replays 14:00 JST so slowly that its clock stands still,
playing the grid slide and then the QR slide.  Its QR frame must be the
picture `akari render` draws of the QR slide on a box in Tokyo
(TZ=Asia/Tokyo) told of no site (`--grid-site nowhere`), so with only
the box's zone to go by: the clock shows 14:00, not 05:00.  The same
render on a UTC box is a different picture (so the comparison can tell
them apart); `akari render` with the site, on a UTC box, takes the
site's zone as the kiosk does before it has shown a site.
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
db = os.path.join(work, "zone.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:])


def render(url, tz, name, *extra):
    path = os.path.join(work, name + ".png")
    env = dict(os.environ, TZ=tz)
    p = it.spawn([it.AKARI, "render", "--server", url, "--slide", "qr",
                  "--qr-url", URL, "--at", str(FROM), "--replay", "--size",
                  f"{W}x{H}", "-o", path, *extra],
                 os.path.join(work, name + ".log"), env=env)
    c.eq(p.wait(timeout=120), 0, f"render {name}")
    return it.png_rgb(path)


cli("site", "add", "tepco", "--kind", "grid", "--tz", "Asia/Tokyo")
cli("point", "add", "tepco/usage_hourly", "--site", "tepco", "--quantity",
    "ratio", "--unit", "%", "--step", "3600")
token = cli("device", "add", "--site", "tepco", "gw").stdout.strip()

with it.Server(db) as srv:
    status, _, ans = it.http(
        "POST", srv.url + "/api/v1/ingest",
        {"readings": [{"point": "tepco/usage_hourly", "ts": FROM - 3600,
                       "value": 80.0}]},
        {"Authorization": "Bearer " + token,
         "Content-Type": "application/json"})
    c.eq(status, 200, f"ingest: {ans}")
    tokyo = render(srv.url, "Asia/Tokyo", "qr-tokyo", "--grid-site",
                   "nowhere")
    utc = render(srv.url, "UTC", "qr-utc", "--grid-site", "nowhere")
    site = render(srv.url, "UTC", "qr-utc-site")

    frames = os.path.join(work, "frames")
    log = os.path.join(work, "kiosk.log")
    env = dict(os.environ, TZ="UTC", AKARI_LOG="debug")
    k = it.spawn([it.AKARI, "kiosk", "--server", srv.url, "--replay",
                  f"{FROM},{TO}", "--speed", "0.001", "--slides", "grid,qr",
                  "--qr-url", URL, "--slide-seconds", "1.5",
                  "--fade-seconds", "0", "--no-cache", "--png-dir", frames,
                  "--window", f"{W}x{H}"], log, env=env)
    rx = re.compile(r"frame (\d+): qr slide")
    try:
        got = it.wait_for(lambda: rx.findall(it.read_text(log)))
    finally:
        it.stop(k)

c.true(bool(got), "the kiosk shows the QR slide")
if got:
    shown = it.png_rgb(os.path.join(frames, f"frame-{int(got[0]):06d}.png"))
    c.true(shown == tokyo, "the QR frame on a UTC box is the Tokyo picture")
c.true(tokyo != utc, "with no site, a UTC box's QR slide differs")
c.true(site == tokyo, "akari render's QR slide takes the site's zone too")

c.finish_in(work)
