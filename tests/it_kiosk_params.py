"""A playlist item's params reach its slide: a real `akari serve` holds a
playlist whose message item carries Pango markup, a real `akari kiosk`
plays it into PNG frames, and the markup's pure green background
(#00FF00, a colour no theme uses) is found in the frames.  The same
kiosk's own --message is then overridden by the item, and an item
without params falls back to it.  Invalid markup is logged and shown as
plain text.

Expected pixels come from the markup this test writes, not from akari.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "params.db")
GREEN = (0, 255, 0)
RED = (255, 0, 0)


def share(path, colour):
    """The fraction of the frame's pixels that are exactly colour."""
    w, h, rgb = it.png_rgb(path)
    px = bytes(colour)
    n = sum(1 for i in range(0, len(rgb), 3) if rgb[i:i + 3] == px)
    return n / (w * h)


def newest(d):
    """The newest frame; not the kiosk's .frame.tmp.png, which is a frame
    still being written."""
    names = sorted(f for f in os.listdir(d)
                   if f.endswith(".png") and not f.startswith(".")) \
        if os.path.isdir(d) else []
    return os.path.join(d, names[-1]) if names else None


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    return cond()


def span(colour, text="MMMMMMMMMMMM"):
    return f'<span background="#{bytes(colour).hex()}">{text}</span>'


admin = it.run("admin", "token", "add", "--db", db,
               "desk").stdout.split()[0]
it.run("site", "add", "--db", db, "hall", "--kind", "building", "--tz",
       "Asia/Tokyo")
token = it.run("device", "add", "--db", db, "--site", "hall", "hall-1",
               "--kind", "display").stdout.split()[0]
tokfile = os.path.join(work, "display.token")
with open(tokfile, "w") as f:
    f.write(token + "\n")
AUTH = {"Authorization": "Bearer " + admin,
        "Content-Type": "application/json"}

srv = it.Server(db).start()
api = srv.url + "/api/v1"


def put(items):
    s, _, _ = it.http("PUT", api + "/playlists/default", {"items": items},
                      AUTH)
    c.true(s in (200, 201), f"playlist stored ({s})")


put([{"slide": "message", "seconds": 3,
      "params": {"message": span(GREEN)}}])

frames = os.path.join(work, "frames")
log = os.path.join(work, "kiosk.log")
with open(log, "w") as f:
    k = subprocess.Popen(
        [it.AKARI, "kiosk", "--server", srv.url, "--display-id", "hall-1",
         "--token-file", tokfile, "--png-dir", frames, "--png-keep", "20",
         "--window", "320x180", "--no-cache", "--fade-seconds", "0",
         "--message", span(RED)],
        stdout=f, stderr=subprocess.STDOUT)

c.true(wait_for(lambda: "playing default" in read(log), 30),
       "the kiosk plays the server's playlist")
c.true(wait_for(lambda: newest(frames) and share(newest(frames), GREEN)
                > 0.02, 30),
       "the item's markup is on screen (its green background)")
c.eq(share(newest(frames), RED), 0.0,
     "the item's message wins over --message")

# An item without params shows the kiosk's own --message.
put([{"slide": "message", "seconds": 3}])
c.true(wait_for(lambda: newest(frames) and share(newest(frames), RED)
                > 0.02, 30),
       "an item without params falls back to --message")

# Invalid markup: logged, shown as plain text (no coloured block).
put([{"slide": "message", "seconds": 3,
      "params": {"message": "<span background='#00FF00'>unclosed"}}])
c.true(wait_for(lambda: "the message's markup is not valid" in read(log),
                30), "invalid markup from the playlist is logged")
time.sleep(1.5)
c.eq(share(newest(frames), GREEN), 0.0,
     "invalid markup draws no green block")

k.send_signal(signal.SIGTERM)
try:
    rc = k.wait(timeout=30)
except subprocess.TimeoutExpired:
    k.kill()
    rc = k.wait()
c.eq(rc, 0, "the kiosk stops cleanly")
c.eq(srv.stop(), 0, "the server stops cleanly")

shutil.rmtree(work, ignore_errors=True)
c.finish()
