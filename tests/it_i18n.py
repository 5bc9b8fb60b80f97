"""it_i18n: the kiosk in Japanese, in English, alternating, and portrait.

A database gets TEPCO's 27 June 2022 readings over HTTP.  `akari render`
draws the grid slide at 14:00 JST with --lang ja, en and the default
ja+en: three different pictures.  `akari kiosk --png-dir` with --lang ja
and --lang en draws exactly the picture render draws with the same
language; with --bilingual alternate and one-second slides its frames
are, in turn, the Japanese and the English picture and nothing else.  A
portrait kiosk (360x640) with --place draws what render draws with the
same size and place, which differs from the picture without it.  With
--ticker, successive frames differ only in the ticker line.  A bad
--lang stops the kiosk before it starts.

The expected pictures come from `akari render`, a separate process that
shares nothing with the kiosk but the code; the translations themselves
are checked against po/ja.po in test_i18n and it_i18n_po.
"""
import datetime as dt
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

read = it.read_text

JST = dt.timezone(dt.timedelta(hours=9))
MAN_KW = 10000
AT = int(dt.datetime(2022, 6, 27, 14, 0, tzinfo=JST).timestamp())
W, H = 640, 360
DEADLINE = 90

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "i18n.db")


def tepco_readings(path):
    """[(point, ts, value)] of the 5-minute and hourly tables of one
    daily file, JST, 万kW as kW."""
    text = open(path, "rb").read().decode("cp932")
    out, table, header = [], None, None
    for line in text.splitlines():
        fields = line.split(",")
        if not line.strip():
            table = None
        elif fields[:2] == ["DATE", "TIME"]:
            header = fields
            table = ("hourly" if "当日実績(万kW)" in fields else
                     "five" if "当日実績(５分間隔値)(万kW)" in fields else None)
        elif table:
            row = dict(zip(header, fields))
            y, m, d = map(int, row["DATE"].split("/"))
            hh, mm = map(int, row["TIME"].split(":"))
            ts = int(dt.datetime(y, m, d, hh, mm, tzinfo=JST).timestamp())
            cols = ([("tepco/demand_hourly", "当日実績(万kW)", MAN_KW),
                     ("tepco/usage_hourly", "使用率(%)", 1),
                     ("tepco/supply_hourly", "供給力(万kW)", MAN_KW)]
                    if table == "hourly" else
                    [("tepco/demand", "当日実績(５分間隔値)(万kW)", MAN_KW),
                     ("tepco/solar", "太陽光発電実績(５分間隔値)(万kW)",
                      MAN_KW)])
            for key, col, scale in cols:
                if row.get(col, "").strip():
                    out.append((key, ts, float(row[col]) * scale))
    return out


def wait_for(cond, timeout=DEADLINE, step=0.1):
    end = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() > end:
            return v
        time.sleep(step)


def setup(url):
    def cli(*args):
        return it.run(*args[:2], "--db", db, *args[2:]).stdout

    cli("site", "add", "tepco", "--kind", "grid", "--tz", "Asia/Tokyo")
    token = cli("device", "add", "--site", "tepco", "logger").strip()
    for key, q, unit, step in [
            ("tepco/demand", "power", "kW", 300),
            ("tepco/solar", "power", "kW", 300),
            ("tepco/demand_hourly", "power", "kW", 3600),
            ("tepco/supply_hourly", "power", "kW", 3600),
            ("tepco/usage_hourly", "ratio", "%", 3600)]:
        cli("point", "add", key, "--site", "tepco", "--quantity", q,
            "--unit", unit, "--step", str(step))
    rows = [r for r in tepco_readings(os.path.join(
        it.DATA, "tepco", "20220627_power_usage.csv")) if r[1] < AT]
    status, _, answer = it.http("POST", url + "/api/v1/ingest", {
        "readings": [{"point": k, "ts": ts, "value": v}
                     for k, ts, v in rows]},
        {"Authorization": "Bearer " + token,
         "Content-Type": "application/json"})
    c.eq(status, 200, "ingest status")


def render(url, name, *look, size=(W, H)):
    path = os.path.join(work, name + ".png")
    it.run("render", "--server", url, "--slide", "grid", "--at", str(AT),
           "--size", f"{size[0]}x{size[1]}", "--replay", "-o", path, *look)
    return it.png_rgb(path)


def kiosk(url, name, frames, *look, size=(W, H)):
    """Runs a kiosk to `frames` PNG frames; returns them and its log."""
    out = os.path.join(work, name)
    log = os.path.join(work, name + ".log")
    with open(log, "w") as f:
        p = subprocess.run(
            [it.AKARI, "kiosk", "--server", url, "--replay",
             f"{AT},{AT + 3600}", "--speed", "0.001", "--slides", "grid",
             "--fade-seconds", "0", "--no-cache", "--png-dir", out,
             "--window", f"{size[0]}x{size[1]}", "--frames", str(frames),
             *look], stdout=f, stderr=subprocess.STDOUT, timeout=DEADLINE)
    c.eq(p.returncode, 0, name + ": kiosk status")
    pics = [it.png_rgb(os.path.join(out, n)) for n in sorted(os.listdir(out))
            if n.endswith(".png")] if os.path.isdir(out) else []
    return pics, read(log)


def main(url):
    setup(url)

    ref = {lang: render(url, "ref-" + lang.replace("+", "-"), "--lang",
                        lang) for lang in ("ja", "en", "ja+en")}
    c.true(ref["ja"] != ref["en"], "Japanese and English pictures differ")
    c.true(ref["ja+en"] not in (ref["ja"], ref["en"]),
           "the stacked picture is neither of them")
    c.true(render(url, "ref-default") == ref["ja+en"],
           "the default is Japanese over English")

    # One language: the kiosk's frame is render's picture.
    for lang in ("ja", "en"):
        pics, log = kiosk(url, "kiosk-" + lang, 2, "--lang", lang)
        c.true(len(pics) == 2, f"{lang}: two frames written")
        c.true(bool(pics) and pics[-1] == ref[lang],
               f"--lang {lang}: the kiosk draws what render draws")
        c.true("messages from " in log, f"{lang}: log names the catalogue")

    # Alternating with each one-second slide: Japanese, then English.
    pics, _ = kiosk(url, "kiosk-alt", 4, "--lang", "ja+en", "--bilingual",
                    "alternate", "--slide-seconds", "1")
    c.true(len(pics) >= 3, "alternate: frames written")
    c.true(all(p in (ref["ja"], ref["en"]) for p in pics),
           "alternate: every frame is the Japanese or the English one")
    c.true(ref["ja"] in pics and ref["en"] in pics,
           "alternate: both languages are shown")
    c.true(bool(pics) and pics[0] == ref["ja"],
           "alternate: the first language first")

    # English over Japanese: its own picture, on the kiosk as on render,
    # and alternating it starts with English.
    ref["en+ja"] = render(url, "ref-en-ja", "--lang", "en+ja")
    c.true(ref["en+ja"] not in (ref["ja"], ref["en"], ref["ja+en"]),
           "en+ja is a picture of its own")
    pics, _ = kiosk(url, "kiosk-en-ja", 2, "--lang", "en+ja")
    c.true(bool(pics) and pics[-1] == ref["en+ja"],
           "--lang en+ja: the kiosk draws what render draws")
    pics, _ = kiosk(url, "kiosk-alt-en", 3, "--lang", "en+ja",
                    "--bilingual", "alternate", "--slide-seconds", "1")
    c.true(bool(pics) and pics[0] == ref["en"],
           "alternate en+ja: English first")

    # A corrupt catalogue: the kiosk still draws, Japanese from the
    # msgids, as render does with the same file, and its log names the
    # file and says so.
    bad = os.path.join(work, "badlocale")
    os.makedirs(os.path.join(bad, "ja", "LC_MESSAGES"))
    with open(os.path.join(bad, "ja", "LC_MESSAGES", "akari.mo"), "wb") as f:
        f.write(b"\x00" * 64)
    os.environ["AKARI_LOCALEDIR"] = bad
    try:
        ref_bad = render(url, "ref-badmo", "--lang", "ja")
        pics, log = kiosk(url, "kiosk-badmo", 1, "--lang", "ja")
        said = it.run("render", "--server", url, "--slide", "grid", "--at",
                      str(AT), "--lang", "ja+en", "-o",
                      os.path.join(work, "said.png")).stderr
        quiet = it.run("render", "--server", url, "--slide", "grid",
                       "--at", str(AT), "--lang", "en", "-o",
                       os.path.join(work, "quiet.png")).stderr
    finally:
        del os.environ["AKARI_LOCALEDIR"]
    c.true("akari.mo" in said and "drawn in English" in said,
           f"corrupt catalogue: render says so ({said.strip()!r})")
    c.true("drawn in English" not in quiet,
           "corrupt catalogue: render --lang en needs no catalogue")
    c.true(ref_bad != ref["ja"], "without its catalogue ja is not drawn")
    c.true(bool(pics) and pics[-1] == ref_bad,
           "corrupt catalogue: the kiosk draws, from the msgids")
    c.true(os.path.join(bad, "ja", "LC_MESSAGES", "akari.mo") in log and
           "drawn in English" in log,
           "corrupt catalogue: the log names the file and says so")

    # Portrait, with a place name in the header.
    tall = (360, 640)
    place = ("--place", "新宿駅 西口")
    ref_tall = render(url, "ref-tall", *place, size=tall)
    c.true(ref_tall != render(url, "ref-tall-noplace", size=tall),
           "the place name changes the header")
    pics, _ = kiosk(url, "kiosk-tall", 2, *place, size=tall)
    c.true(bool(pics) and pics[-1] == ref_tall,
           "portrait kiosk with --place draws what render draws")

    # A ticker: frames come as it scrolls, and between two of them only
    # its line at the bottom changes (64 units of 360 / 1080 px: the
    # last 21.3 rows).
    pics, _ = kiosk(url, "kiosk-ticker", 6, "--ticker",
                    "節電にご協力ください Please save power")
    c.true(len(pics) == 6, "ticker: six frames written")
    moved = 0
    for a, b in zip(pics, pics[1:]):
        rows = [y for y in range(H) if a[2][y * W * 3:(y + 1) * W * 3] !=
                b[2][y * W * 3:(y + 1) * W * 3]]
        moved += bool(rows)
        c.true(not rows or rows[0] >= H - 22,
               f"ticker: only the bottom line changed (rows {rows[:1]})")
    c.true(moved >= 3, f"ticker: it moved between frames ({moved} of 5)")

    # Refused options.
    for args, want in [(("--lang", "fr"), "want ja, en, ja+en or en+ja"),
                       (("--bilingual", "both"), "want stack or alternate"),
                       (("--viewing-distance", "-3"), "want metres")]:
        p = it.run("kiosk", "--server", url, *args, check=False)
        c.eq(p.returncode, 2, f"kiosk {' '.join(args)}: status")
        c.true(want in p.stderr, f"kiosk {' '.join(args)}: says {want}")


with it.Server(db) as srv:
    main(srv.url)
c.finish_in(work, logs=False)
