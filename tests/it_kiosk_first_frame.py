"""it_kiosk_first_frame: the first frame on screen, drawn with the fonts
a thread of the kiosk made ready while the first fetch ran, is the slide
exactly, in every language setting.

TEPCO's 27 June 2022 is imported and served.  Under Xvfb, a full-screen
akari-kiosk (the player alone, as a box runs it) starts with no cache,
playing the grid slide at a replayed 14:00 JST, in ja+en (the default),
ja and en.  Its log says the fonts were made ready before its first
frame; a screenshot (xwd) taken once it says the first frame is shown is the
picture `akari render` draws of the same slide, size, time and language,
pixel for pixel: the header, the gauge, the curves and the Japanese and
English texts, not a frame drawn before the data came or in another
font.  Without cached data or a kept screen size, that picture is the
one the fonts' thread drew as soon as the first fetch answered, at the
screen's size as the X server gave it before the window opened (the
log says so); on a portrait screen, at the end, the same holds, in the
slide's portrait layout (with SDL_VIDEODRIVER spelt "X11,wayland", which
SDL reads as X11).  On an X server with two screens the size is not
asked for.  The ja and en pictures differ from each
other, so the check sees the language.

Started again with the cache of that run and a server that answers
nothing, the kiosk's first frame is the cached slide with its stale mark:
the fresh picture except for a small area.  That frame is the one the
fonts' thread drew before the window opened, at the screen size the
first run kept beside the cache (the log says so); started once more
with a wrong size kept there, the thread's picture does not fit, the
kiosk draws its own (or, where the window said its size before the
thread began, the thread draws at that size and its picture is shown),
and the two screens are the same pixel for pixel.
The right size is kept again.  The same holds in English alone and with
the languages in turn (the thread draws in the languages of the first
frame), and a kept size that is absurd (16384x16384), not a number, or
a FIFO nobody writes to is ignored without holding the start up: the
thread then draws at the screen's size as the X server gives it.  A
display whose group names another zone than the grid site's still shows
the thread's picture of the grid slide, which does not depend on it.

Against a server that takes the request and never answers, a SIGTERM
while the fonts' thread waits for the first fetch stops the kiosk
cleanly (status 0), and a start that fails for want of an X server ends
that wait rather than sitting out its 3 s (the log says which).

Expected pictures come from `akari render`, a separate command that
shares no state with the kiosk.
"""
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

JST = dt.timezone(dt.timedelta(hours=9))
FROM = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
TO = FROM + 3600
W, H = 640, 360
DEADLINE = 90  # seconds any single wait may take before it counts as failed
LEAN = os.path.join(os.path.dirname(it.AKARI), "akari-kiosk")

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "first.db")
procs = []  # every process started here, stopped in the finally below


def start(args, log, env=None):
    p = it.spawn(args, log, env)
    procs.append(p)
    return p


stop = it.stop


def render(url, lang, path):
    it.run("render", "--server", url, "--slide", "grid", "--at", str(FROM),
           "--size", f"{W}x{H}", "--replay", "--lang", lang, "-o", path)
    return it.png_rgb(path)


def kiosk(url, lang, cache, log, env, *extra):
    # The clock moves a millisecond per real second: 14:00:00 throughout.
    argv = [LEAN, "--server", url, "--fullscreen", "--replay",
            f"{FROM},{TO}", "--speed", "0.001", "--slides", "grid",
            "--lang", lang, "--retry-max", "1",
            *(["--cache", cache] if cache else ["--no-cache"]), *extra]
    return start(argv, log, env)


def diff_count(a, b):
    (_, _, pa), (_, _, pb) = a, b
    return sum(1 for i in range(0, len(pa), 3) if pa[i:i + 3] != pb[i:i + 3])


def first_shot(p, log, shot):
    """The screen once the kiosk's log says its first frame is shown."""
    if not it.wait_for(lambda: "first frame shown" in read(log) or
                       p.poll() is not None, timeout=DEADLINE):
        return None
    return shot()


def fonts_first(log, what):
    text = read(log)
    ready = text.find("fonts made ready")
    shown = text.find("first frame shown")
    c.true(0 <= ready < shown, f"{what}: the fonts were made ready before "
           f"the first frame")


def drawn_by_thread(log, what, size):
    text = read(log)
    c.true(f"the first slide's expected size: {size}, from the X server"
           in text, f"{what}: the X server gave the screen's size, {size}, "
           f"before the window opened")
    c.true(f"first slide drawn at {size}" in text and
           "first frame: the slide as the fonts' thread drew it" in text,
           f"{what}: the fonts' thread drew the first frame at the "
           f"screen's size, {size}, from the first fetch, and it is shown")


def portrait(url, work):
    """On a portrait screen, a start without cached data or a kept size
    shows the picture the fonts' thread drew from the first fetch at the
    size the X server gave before the window opened: the slide exactly,
    in its portrait layout."""
    pw, ph = 360, 640
    n = it.free_display()
    x, started = it.xvfb(n, f"{pw}x{ph}x24",
                         os.path.join(work, "xvfb-portrait.log"), "-br",
                         timeout=DEADLINE)
    procs.append(x)
    c.true(started, "Xvfb with a portrait screen started")
    if not started:
        return
    # SDL reads the driver's name in any case, first of a list.
    env = dict(os.environ, DISPLAY=f":{n}", AKARI_LOG="debug",
               SDL_VIDEODRIVER="X11,wayland")
    env.pop("WAYLAND_DISPLAY", None)
    ref = os.path.join(work, "ref-portrait.png")
    it.run("render", "--server", url, "--slide", "grid", "--at", str(FROM),
           "--size", f"{pw}x{ph}", "--replay", "--lang", "ja+en", "-o", ref)
    log = os.path.join(work, "kiosk-portrait.log")
    k = kiosk(url, "ja+en", None, log, env)

    def shot():
        p = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"],
                           capture_output=True, timeout=60)
        return it.xwd_rgb(p.stdout) if p.returncode == 0 else None

    got = first_shot(k, log, shot)
    drawn_by_thread(log, "portrait, no cache", f"{pw}x{ph}")
    c.true(got is not None and got == it.png_rgb(ref),
           "portrait, no cache: it is the slide as akari render draws it")
    c.eq(stop(k), 0, "portrait: the kiosk stops cleanly")
    stop(x)


def group_zone(url, env, auth, tokfile):
    """A display whose group names a zone of its own (London) shows the
    grid slide in the grid site's zone all the same: the picture the
    fonts' thread drew, in Tokyo's time, is the first frame, even when
    the group's zone comes in with the content before it is shown."""
    api = url + "/api/v1"
    s, _, _ = it.http("PUT", api + "/playlists/default",
                      {"items": [{"slide": "grid", "seconds": 30}]}, auth)
    c.eq(s, 201, "group zone: a playlist of the grid slide")
    s, _, _ = it.http("PUT", api + "/groups/station",
                      {"tz": "Europe/London", "displays": ["hall-1"]}, auth)
    c.true(s in (200, 201), "group zone: a group in London's zone")
    log = os.path.join(work, "kiosk-group.log")
    k = kiosk(url, "ja+en", os.path.join(work, "cache-group"), log, env,
              "--display-id", "hall-1", "--token-file", tokfile)
    it.wait_for(lambda: "first frame shown" in read(log) or
                k.poll() is not None, timeout=DEADLINE)
    c.true("first frame: the slide as the fonts' thread drew it"
           in read(log), "group zone: the first frame is the fonts' "
           "thread's picture of the grid slide")
    c.eq(stop(k), 0, "group zone: the kiosk stops cleanly")


def two_screens(url, work):
    """An X server with two screens: the window covers the first, which
    $DISPLAY may not name, so the X server's size is not asked for; the
    thread waits for the window's, and the first frame comes as ever."""
    n = it.free_display()
    x, started = it.xvfb(n, f"{W}x{H}x24",
                         os.path.join(work, "xvfb-two.log"), "-br",
                         "-screen", "1", "800x600x24", timeout=DEADLINE)
    procs.append(x)
    c.true(started, "Xvfb with two screens started")
    if not started:
        return
    env = dict(os.environ, DISPLAY=f":{n}", AKARI_LOG="debug")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    log = os.path.join(work, "kiosk-two.log")
    k = kiosk(url, "ja+en", None, log, env)
    it.wait_for(lambda: "first frame shown" in read(log) or
                k.poll() is not None, timeout=DEADLINE)
    text = read(log)
    c.true("the first slide's expected size: 0x0, from nowhere yet" in text,
           "two screens: the X server's size is not asked for")
    c.true("first frame shown" in text, "two screens: a first frame")
    c.eq(stop(k), 0, "two screens: the kiosk stops cleanly")
    stop(x)


def silent_server(work):
    """A server that takes the request and never answers, without a
    cache: the fonts' thread waits for the first fetch while the kiosk's
    thread, the window open, waits for it.  A SIGTERM then ends that wait
    and the kiosk stops cleanly, status 0; a start that fails (no X
    server at all) ends it too, status 1, rather than waiting for a fetch
    nobody will use."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    n = it.free_display()
    x, started = it.xvfb(n, f"{W}x{H}x24",
                         os.path.join(work, "xvfb-silent.log"),
                         timeout=DEADLINE)
    procs.append(x)
    c.true(started, "Xvfb for the silent server started")
    env = dict(os.environ, DISPLAY=f":{n}", AKARI_LOG="debug")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)
    log = os.path.join(work, "kiosk-silent.log")
    k = kiosk(url, "ja+en", None, log, env)
    # The window is open: the thread waits for the fetch (up to 3 s).
    it.wait_for(lambda: "display: x11" in read(log) or k.poll() is not None,
                timeout=DEADLINE, step=0.01)
    c.eq(stop(k), 0, "silent server: a SIGTERM while the first fetch is "
         "waited for stops the kiosk cleanly")
    text = read(log)
    c.true("until a stop was asked for" in text and "stopping" in text,
           "silent server: the stop ended the fonts' thread's wait")
    stop(x)

    env["DISPLAY"] = f":{it.free_display()}"
    log = os.path.join(work, "kiosk-silent-nox.log")
    k = kiosk(url, "ja+en", None, log, env)
    k.wait(timeout=DEADLINE)
    c.eq(k.returncode, 1, "silent server, no X server: the start fails")
    c.true("the fonts' thread stopped waiting for the first fetch" in
           read(log), "silent server, no X server: the failed start ended "
           "the fonts' thread's wait")
    silent.close()


def main():
    if not shutil.which("Xvfb") or not shutil.which("xwd"):
        c.true(False, "Xvfb and xwd are installed (scripts/install-deps.sh)")
        c.finish()
    c.true(os.access(LEAN, os.X_OK), "akari-kiosk is built next to akari")
    it.run("import", "--db", db, "--format", "tepco-daily",
           os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))
    admin = it.run("admin", "token", "add", "--db", db,
                   "desk").stdout.split()[0]
    auth = {"Authorization": "Bearer " + admin,
            "Content-Type": "application/json"}
    it.run("site", "add", "--db", db, "hall", "--kind", "building", "--tz",
           "Asia/Tokyo")
    tokfile = os.path.join(work, "display.token")
    with open(tokfile, "w") as f:
        f.write(it.run("device", "add", "--db", db, "--site", "hall",
                       "hall-1", "--kind", "display").stdout.split()[0] +
                "\n")
    port = it.free_port()
    url = f"http://127.0.0.1:{port}"
    slog = os.path.join(work, "serve.log")
    srv = start([it.AKARI, "serve", "--db", db, "--listen",
                 f"127.0.0.1:{port}"], slog)
    if not it.wait_for(lambda: "listening on" in read(slog) or
                       srv.poll() is not None):
        raise RuntimeError("akari serve did not start:\n" + read(slog))

    n = it.free_display()
    xvfb, started = it.xvfb(n, f"{W}x{H}x24", os.path.join(work, "xvfb.log"),
                            "-br", timeout=DEADLINE)
    procs.append(xvfb)
    if not started:
        c.true(False, "Xvfb started")
        return
    env = dict(os.environ, DISPLAY=f":{n}", AKARI_LOG="debug")
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("SDL_VIDEODRIVER", None)

    def shot():
        p = subprocess.run(["xwd", "-root", "-silent", "-display", f":{n}"],
                           capture_output=True, timeout=60)
        return it.xwd_rgb(p.stdout) if p.returncode == 0 else None

    refs = {}
    cache = os.path.join(work, "cache")
    for lang in ("ja+en", "ja", "en"):
        refs[lang] = render(url, lang, os.path.join(work, f"ref-{lang}.png"))
        log = os.path.join(work, f"kiosk-{lang}.log")
        k = kiosk(url, lang, cache if lang == "ja+en" else None, log, env)
        got = first_shot(k, log, shot)
        c.true(got is not None, f"{lang}: a first frame was shown")
        c.true(got is not None and got == refs[lang],
               f"{lang}: the first frame on screen is the slide as akari "
               f"render draws it")
        fonts_first(log, lang)
        drawn_by_thread(log, lang, f"{W}x{H}")
        c.eq(stop(k), 0, f"{lang}: the kiosk stops cleanly")
    c.true(diff_count(refs["ja"], refs["en"]) > W * H / 100,
           "the Japanese and English slides differ")

    # Nobody answers: the first frame is the cache's, marked stale.
    c.true(os.path.exists(os.path.join(cache, "slide-data.json")),
           "the first run saved the cache")
    refused = f"http://127.0.0.1:{it.free_port()}"
    log = os.path.join(work, "kiosk-cached.log")
    k = kiosk(refused, "ja+en", cache, log, env)
    got = first_shot(k, log, shot)
    c.true("frame 1: grid slide, stale data" in read(log),
           "cached: the kiosk's first frame is of stale data")
    d = diff_count(got, refs["ja+en"]) if got else -1
    c.true(0 < d < W * H / 4, f"cached: the first frame is the cached slide "
           f"with its stale mark ({d} pixels differ from the fresh one)")
    fonts_first(log, "cached")
    c.true("first frame: the slide as the fonts' thread drew it"
           in read(log), "cached: the first frame is the one the fonts' "
           "thread drew")
    c.eq(stop(k), 0, "cached: the kiosk stops cleanly")

    # A size kept from another screen: the thread's frame is dropped.
    size_file = os.path.join(cache, "frame-size")
    c.eq(read(size_file).strip(), f"{W}x{H}",
         "the screen's size is kept beside the cache")
    looks = (("ja+en", "ja+en", ()), ("en", "en", ()),
             ("alternate", "ja+en", ("--bilingual", "alternate")))
    for name, lang, extra in looks:
        log = os.path.join(work, f"kiosk-{name}-kept.log")
        k = kiosk(refused, lang, cache, log, env, *extra)
        kept = first_shot(k, log, shot)
        c.true("first frame: the slide as the fonts' thread drew it"
               in read(log), f"{name}: the first frame is the one the "
               f"fonts' thread drew")
        c.eq(stop(k), 0, f"{name}: the kiosk stops cleanly")

        with open(size_file, "w") as f:
            f.write("800x600\n")
        log = os.path.join(work, f"kiosk-{name}-resized.log")
        k = kiosk(refused, lang, cache, log, env, *extra)
        again = first_shot(k, log, shot)
        # The thread draws at the kept size, unless the window said its
        # own before the thread began (a slow build): then at that one.
        text = read(log)
        if "first slide drawn at 800x600" in text:
            c.true("first frame drawn again: the fonts' thread drew "
                   f"800x600, the frame is {W}x{H}" in text,
                   f"{name}, wrong size kept: the kiosk draws the first "
                   f"frame itself")
            c.true(kept is not None and again == kept,
                   f"{name}: the frame the fonts' thread drew is the one "
                   f"the kiosk draws, pixel for pixel")
        else:
            c.true(f"first slide drawn at {W}x{H}" in text and
                   "first frame: the slide as the fonts' thread drew it"
                   in text, f"{name}, wrong size kept: the thread drew at "
                   f"the window's size, and its picture is shown")
            c.true(kept is not None and again == kept,
                   f"{name}: the same picture either way")
        c.eq(stop(k), 0, f"{name}, wrong size kept: the kiosk stops "
             f"cleanly")
        c.eq(read(size_file).strip(), f"{W}x{H}",
             f"{name}: the screen's size is kept again")

    # Whatever is in the way of the kept size, the start goes on.
    for name, make in (("absurd", lambda p: open(p, "w").write(
                           "16384x16384\n")),
                       ("garbage", lambda p: open(p, "w").write("big\n")),
                       ("fifo", os.mkfifo)):
        os.remove(size_file)
        make(size_file)
        log = os.path.join(work, f"kiosk-{name}.log")
        k = kiosk(refused, "ja+en", cache, log, env)
        c.true(first_shot(k, log, shot) == got,
               f"{name} size kept: the first frame is shown as ever")
        c.true("first frame: the slide as the fonts' thread drew it"
               in read(log), f"{name} size kept: the fonts' thread drew "
               f"it at the window's size")
        c.eq(stop(k), 0, f"{name} size kept: the kiosk stops cleanly")
        c.eq(read(size_file).strip(), f"{W}x{H}",
             f"{name} size kept: the screen's size is kept in its place")
    group_zone(url, env, auth, tokfile)
    stop(xvfb)
    portrait(url, work)
    two_screens(url, work)
    silent_server(work)
    stop(srv)


try:
    main()
finally:
    for proc in reversed(procs):
        stop(proc)
c.finish_in(work)
