"""it_signage: GET /api/v1/signage and the slides drawn from it, against a
real `akari serve`.

The real NREL PV, ACN EV and JMA weather files are imported with the CLI;
three buildings get floor areas with `akari site add --floor-area` and a
day of half-hourly readings over HTTP.  Every figure of the answer is then
computed here from the raw files:
- solar: each 15-minute AC power reading (W / 1000) held until the next
  one, at most 900 s and not past `at`, summed from local midnight in
  Denver; CO2 = kWh x 0.491 kg/kWh (TEPCO Energy Partner's published
  factor), trees = CO2 / (8.8 kg / 365), lamp-hours = kWh / 0.010 kW;
- EV: the sessions whose connectionTime falls in the local day so far,
  and each session's kWh spread evenly over connectionTime to
  doneChargingTime (disconnectTime when that is null or later), summed
  over the hours of the day so far;
- weather: the JMA row whose hour ends last before `at` (its time minus
  an hour is the reading's), and the day's extremes and sums, with a
  現象なし flag (1) read as 0 and only quality 8 counted;
- ranking: kWh / m2 of the readings sent, thriftiest first.
The QR slide rendered by `akari render` is decoded by zbarimg (ZBar, a
reader that shares nothing with libqrencode) back to its URL.  A message
with broken markup and a broken image are rendered and reported.  A kiosk
caches the signage answer beside the summaries and plays the figures
slides from that cache while the server is away.
"""
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import zoneinfo

import akari_it as it

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "signage.db")

FACTOR = 0.491
TREE_KG_YEAR = 8.8
LAMP_KW = 0.010

DENVER = zoneinfo.ZoneInfo("America/Denver")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")

SOLAR_AT = dt.datetime(2016, 7, 10, 15, 20, tzinfo=DENVER)
EV_AT = dt.datetime(2021, 6, 15, 17, 0, tzinfo=LA)
WX_AT = dt.datetime(2025, 2, 10, 15, 30, tzinfo=TOKYO)
# The buildings' day (2022-06-27 JST), and the ranking's moment.
DAY = dt.datetime(2022, 6, 27, tzinfo=TOKYO)
RANK_AT = DAY + dt.timedelta(hours=18)


def cli(*args, check=True):
    return it.run(*args[:2], "--db", db, *args[2:], check=check)


def ts(d):
    return int(d.timestamp())


def midnight(d):
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


# --- expected figures from the raw files --------------------------------

def solar_kwh(at):
    rows = []
    with open(os.path.join(it.DATA, "solar",
                           "nrel_serf_east_15min_ac_power.csv")) as f:
        for r in csv.DictReader(f):
            rows.append((ts(dt.datetime.fromisoformat(r["measured_on"])),
                         float(r["ac_power"]) / 1000))
    rows.sort()
    t0, t1 = ts(midnight(at)), ts(at)
    kwh = 0.0
    for i, (t, kw) in enumerate(rows):
        if t >= t1:
            break
        nxt = rows[i + 1][0] if i + 1 < len(rows) else t + 900
        a, b = max(t, t0), min(t + 900, nxt, t1)
        if b > a:
            kwh += kw * (b - a) / 3600
    return kwh


def rfc1123(s):
    return dt.datetime.strptime(s, "%a, %d %b %Y %H:%M:%S GMT").replace(
        tzinfo=dt.timezone.utc)


def ev_figures(at):
    with open(os.path.join(it.DATA, "ev",
                           "acn_jpl_sessions_2021.json")) as f:
        sessions = json.load(f)
    t0, t1 = ts(midnight(at)), ts(at)
    n, kwh = 0, 0.0
    for s in sessions:
        conn = ts(rfc1123(s["connectionTime"]))
        disc = ts(rfc1123(s["disconnectTime"]))
        done = (ts(rfc1123(s["doneChargingTime"]))
                if s["doneChargingTime"] else None)
        end = done if done is not None and done <= disc else disc
        if t0 <= conn < t1:
            n += 1
        e = float(s["kWhDelivered"])
        if end <= conn:
            # all of it in the connection hour
            hour = conn - conn % 3600
            if t0 <= hour and hour + 3600 <= t1:
                kwh += e
            continue
        a, b = max(conn, t0), min(end, t1)
        if b > a:
            kwh += e * (b - a) / (end - conn)
    return n, kwh


def jma_rows():
    """[(start ts, {element: value or None})] of the JMA file."""
    path = os.path.join(it.DATA, "weather",
                        "jma_tokyo_20250101_20250331.csv")
    with open(path, encoding="cp932") as f:
        lines = list(csv.reader(f))
    elements, subs, flags = lines[3], lines[4], lines[5]
    cols = {}
    for i, (e, s, fl) in enumerate(zip(elements, subs, flags)):
        cols.setdefault((e, s), {})[fl] = i
    want = {"temperature": "気温(℃)", "precipitation": "降水量(mm)",
            "sunshine": "日照時間(時間)"}
    out = []
    for r in lines[6:]:
        if not r or not r[0]:
            continue
        d, hm = r[0].split(" ")
        y, mo, da = map(int, d.split("/"))
        h = int(hm.split(":")[0])
        end = dt.datetime(y, mo, da, tzinfo=TOKYO) + dt.timedelta(hours=h)
        vals = {}
        for name, el in want.items():
            c_ = cols[(el, "")]
            if r[c_["品質情報"]] != "8":
                vals[name] = None
                continue
            v = r[c_[""]]
            absent = "現象なし情報" in c_ and r[c_["現象なし情報"]] == "1"
            vals[name] = 0.0 if absent else (float(v) if v else None)
        out.append((ts(end) - 3600, vals))
    return out


def weather_figures(at):
    rows = jma_rows()
    t0, t1 = ts(midnight(at)), ts(at)
    latest, today = {}, {}
    for start, vals in rows:
        if start >= t1:
            continue
        for k, v in vals.items():
            if v is None:
                continue
            latest[k] = (start, v)
            if start >= t0:
                today.setdefault(k, []).append(v)
    return latest, today


# --- the test ------------------------------------------------------------

def setup():
    for fmt, path in (
            ("nrel-pv", ("solar", "nrel_serf_east_15min_ac_power.csv")),
            ("acn-ev", ("ev", "acn_jpl_sessions_2021.json")),
            ("jma-hourly", ("weather", "jma_tokyo_20250101_20250331.csv"))):
        it.run("import", "--db", db, "--format", fmt,
               os.path.join(it.DATA, *path))
    areas = {"hall": "1200", "library": "800", "gym": "950.5"}
    for name, m2 in areas.items():
        cli("site", "add", name, "--kind", "building", "--tz", "Asia/Tokyo",
            "--floor-area", m2)
    # A bad floor area is refused and adds nothing.
    p = cli("site", "add", "annex", "--kind", "building", "--tz",
            "Asia/Tokyo", "--floor-area", "-5", check=False)
    c.eq(p.returncode, 2, "negative floor area: exit status")
    c.true("--floor-area" in p.stderr, "negative floor area: message")
    listing = cli("site", "list").stdout
    c.true("annex" not in listing, "refused site not added")
    tokens = {}
    for name in ("hall", "library"):
        cli("point", "add", f"{name}/power", "--site", name, "--quantity",
            "power", "--unit", "kW", "--step", "1800")
        # generation is not consumption: it must not count
        cli("point", "add", f"{name}/pv", "--site", name, "--quantity",
            "power", "--unit", "kW", "--step", "1800")
        tokens[name] = cli("device", "add", "--site", name,
                           "meter").stdout.strip()
    return tokens


def building_rows():
    """Half-hourly kW for the whole day: hall 50 + h, library 40 + 2h."""
    rows = {"hall": [], "library": []}
    for i in range(48):
        t = DAY + dt.timedelta(minutes=30 * i)
        h = i / 2
        rows["hall"].append((t, 50 + h))
        rows["library"].append((t, 40 + 2 * h))
    return rows


def send_buildings(url, tokens):
    for name, rows in building_rows().items():
        body = {"readings": [
            {"point": f"{name}/power", "ts": t.isoformat(), "value": v}
            for t, v in rows] + [
            {"point": f"{name}/pv", "ts": t.isoformat(), "value": 500}
            for t, _ in rows]}
        status, _, ans = it.http("POST", url + "/api/v1/ingest", body, {
            "Authorization": "Bearer " + tokens[name],
            "Content-Type": "application/json"})
        c.eq(status, 200, f"{name}: ingest")


def signage(url, at, extra=""):
    status, _, body = it.get(f"{url}/api/v1/signage?at={ts(at)}{extra}")
    c.eq(status, 200, f"signage at {at.isoformat()}: status")
    return body if isinstance(body, dict) else {}


def check_solar(url):
    s = signage(url, SOLAR_AT).get("solar") or {}
    kwh = solar_kwh(SOLAR_AT)
    c.true(kwh > 5, f"the day has PV output ({kwh:.2f} kWh)")
    c.eq(s.get("site"), "nrel-serf", "solar site: the first of kind pv")
    c.close(s.get("energy_kwh"), kwh, 1e-6, "solar kWh today")
    c.close(s.get("co2_kg"), kwh * FACTOR, 1e-6, "CO2 avoided, kg")
    c.close(s.get("tree_days"), kwh * FACTOR / (TREE_KG_YEAR / 365), 1e-4,
            "cedars absorbing as much in a day")
    c.close(s.get("lamp_hours"), kwh / LAMP_KW, 1e-4, "LED lamp-hours")
    c.eq(s.get("co2_factor_kg_per_kwh"), FACTOR, "factor stated")
    # Just after midnight nothing is generated: 0 kWh, never negative CO2.
    night = signage(url, midnight(SOLAR_AT) + dt.timedelta(hours=3))
    ns = night.get("solar") or {}
    c.true(ns.get("energy_kwh") is not None and ns["energy_kwh"] <= 0,
           "night: the standby draw only")
    c.eq(ns.get("co2_kg"), 0.0, "night: no CO2 avoided")


def check_ev(url):
    e = signage(url, EV_AT).get("ev") or {}
    n, kwh = ev_figures(EV_AT)
    c.true(n > 5, f"sessions that day ({n})")
    c.eq(e.get("site"), "acn-jpl", "EV site")
    c.eq(e.get("sessions"), n, "EV sessions today")
    c.close(e.get("energy_kwh"), kwh, 1e-3, "EV kWh today")


def check_weather(url):
    w = signage(url, WX_AT).get("weather") or {}
    latest, today = weather_figures(WX_AT)
    got = w.get("latest") or {}
    for k in ("temperature", "precipitation", "sunshine"):
        want_ts, want_v = latest[k]
        g = got.get(k) or {}
        c.close(g.get("value"), want_v, 1e-9, f"latest {k}")
        g_ts = g.get("ts")
        c.eq(ts(dt.datetime.fromisoformat(g_ts)) if g_ts else None,
             want_ts, f"latest {k}: its time")
    c.eq(got.get("humidity"), None, "no humidity in the JMA file: null")
    t = w.get("today") or {}
    c.close(t.get("temperature_max"), max(today["temperature"]), 1e-9,
            "today's high")
    c.close(t.get("temperature_min"), min(today["temperature"]), 1e-9,
            "today's low")
    c.close(t.get("precipitation_mm"), sum(today["precipitation"]), 1e-9,
            "today's precipitation")
    c.close(t.get("sunshine_h"), sum(today["sunshine"]), 1e-9,
            "today's sunshine")
    # 現象なし hours: precipitation is a real 0, not missing.
    c.true(any(v == 0.0 for v in today["precipitation"]),
           "a 現象なし hour in the day")


def check_ranking(url):
    r = (signage(url, RANK_AT).get("ranking") or {}).get("sites") or []
    # Each half-hourly kW reading is half an hour of energy.
    want = {}
    for name, rows in building_rows().items():
        want[name] = sum(v * 0.5 for t, v in rows if t < RANK_AT)
    c.eq([x.get("site") for x in r], ["hall", "library", "gym"],
         "ranking order: least kWh/m2 first, no data last")
    byname = {x.get("site"): x for x in r}
    for name, m2 in (("hall", 1200), ("library", 800)):
        c.close(byname.get(name, {}).get("energy_kwh"), want[name], 1e-6,
                f"{name} kWh")
        c.close(byname.get(name, {}).get("kwh_per_m2"), want[name] / m2,
                1e-9, f"{name} kWh/m2")
    gym = byname.get("gym") or {}
    c.true("kwh_per_m2" in gym and gym["kwh_per_m2"] is None,
           "gym: listed with no data")
    c.close(gym.get("floor_area_m2"), 950.5, 1e-9, "gym floor area")


def png_ok(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def render(url, slide, size, out, *extra, at=RANK_AT):
    return it.run("render", "--server", url, "--slide", slide, "--at",
                  str(ts(at)), "--size", size, "-o", out, *extra,
                  check=False)


def check_slides(url):
    for slide, at in (("co2", SOLAR_AT), ("ranking", RANK_AT),
                      ("ev", EV_AT), ("weather", WX_AT)):
        for size in ("1920x1080", "1080x1920"):
            out = os.path.join(work, f"{slide}-{size}.png")
            p = render(url, slide, size, out, at=at)
            c.eq(p.returncode, 0, f"render {slide} {size}")
            c.true(os.path.exists(out) and png_ok(out),
                   f"{slide} {size}: a PNG")

    out = os.path.join(work, "message.png")
    p = render(url, "message", "1920x1080", out, "--message",
               "<b>節電にご協力ください")
    c.eq(p.returncode, 0, "broken markup: still drawn")
    c.true("markup" in p.stderr and "plain text" in p.stderr,
           "broken markup: reported")
    c.true(png_ok(out), "broken markup: a PNG")

    bad = os.path.join(work, "broken.jpg")
    with open(bad, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 not really a JPEG")
    out = os.path.join(work, "image.png")
    p = render(url, "image", "1080x1920", out, "--image", bad)
    c.eq(p.returncode, 0, "broken image: the slide still draws")
    c.true("cannot show the image" in p.stderr and bad in p.stderr,
           "broken image: reported with its path")


def check_qr(url):
    zbar = shutil.which("zbarimg")
    c.true(zbar is not None, "zbarimg (zbar-tools) is installed")
    if not zbar:
        return
    target = "https://portal.example.jp/resident/login?lang=ja&site=hall"
    for size in ("1920x1080", "1080x1920", "800x600"):
        out = os.path.join(work, f"qr-{size}.png")
        p = render(url, "qr", size, out, "--qr-url", target)
        c.eq(p.returncode, 0, f"render qr {size}")
        z = subprocess.run([zbar, "--quiet", "--raw", "-Sdisable",
                            "-Sqrcode.enable", out], capture_output=True,
                           text=True, timeout=60)
        c.eq(z.stdout.strip(), target, f"qr {size} decodes to the URL")


def check_kiosk_cache(url, srv):
    cache = os.path.join(work, "cache")
    frames = os.path.join(work, "frames")
    at = ts(EV_AT)
    args = [it.AKARI, "kiosk", "--server", url, "--replay",
            f"{at},{at + 3600}", "--speed", "0.001", "--slides",
            "ev,co2,weather,ranking", "--slide-seconds", "0.3",
            "--fade-seconds", "0", "--fetch-seconds", "0.5",
            "--retry-max", "1", "--cache", cache, "--png-dir", frames,
            "--window", "640x360", "--frames", "8"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    c.eq(p.returncode, 0, "kiosk played: " + p.stderr[-300:])
    path = os.path.join(cache, "slide-data.json")
    doc = json.load(open(path)) if os.path.exists(path) else {}
    cached = doc.get("signage") or {}
    live = signage(url, dt.datetime.fromtimestamp(doc.get("at", at),
                                                  dt.timezone.utc))
    c.eq(cached, live, "the cache holds the signage answer")
    c.eq((cached.get("ev") or {}).get("sessions"), ev_figures(
        dt.datetime.fromtimestamp(doc.get("at", at), LA))[0],
        "cached EV sessions")

    srv.stop()
    shutil.rmtree(frames, ignore_errors=True)
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    c.eq(p.returncode, 0, "kiosk without server: played from its cache")
    c.true("cached data" in p.stderr or "cache" in p.stderr,
           "kiosk without server: says it plays from the cache")
    c.true(len(os.listdir(frames)) >= 8 if os.path.isdir(frames) else False,
           "kiosk without server: frames written")


def check_kiosk_params(url):
    """Without --slides the kiosk plays what has something to show; a
    broken image is logged and left out, broken markup logged."""
    bad = os.path.join(work, "broken.jpg")
    frames = os.path.join(work, "frames-params")
    at = ts(EV_AT)
    p = subprocess.run(
        [it.AKARI, "kiosk", "--server", url, "--replay",
         f"{at},{at + 3600}", "--speed", "0.001", "--slide-seconds", "0.2",
         "--fade-seconds", "0", "--no-cache", "--png-dir", frames,
         "--window", "640x360", "--frames", "12", "--message", "<i>oops",
         "--image", bad, "--qr-url", "https://portal.example.jp/"],
        capture_output=True, text=True, timeout=120)
    c.eq(p.returncode, 0, "kiosk with params: exit status")
    plan = [ln for ln in p.stderr.splitlines() if "slides: " in ln]
    names = plan[0].split("slides: ")[1].split(",") if plan else []
    names = [n.strip().split(" ")[0] for n in names]
    c.eq(names[:8], ["grid", "solar", "household", "air", "co2",
                     "ranking", "ev", "weather"],
         "default rotation: the data slides")
    c.true("message" in plan[0] and "qr" in plan[0] if plan else False,
           "default rotation: message and qr, which have params")
    c.true("image" not in (plan[0] if plan else "image"),
           "broken image: left out of the rotation")
    c.true("the image slide is skipped" in p.stderr and bad in p.stderr,
           "broken image: logged with its path")
    c.true("shown as plain text" in p.stderr, "broken markup: logged")


def main():
    tokens = setup()
    srv = it.Server(db).start()
    try:
        send_buildings(srv.url, tokens)
        check_solar(srv.url)
        check_ev(srv.url)
        check_weather(srv.url)
        check_ranking(srv.url)
        check_slides(srv.url)
        check_qr(srv.url)
        # An unknown site named by the caller is a null section.
        body = signage(srv.url, EV_AT, "&ev=nowhere&weather=jma-tokyo")
        c.eq(body.get("ev"), None, "unknown ev site: null")
        c.true(isinstance(body.get("weather"), dict), "named weather site")
        # Polled every few seconds: unchanged figures are a 304.
        u = f"{srv.url}/api/v1/signage?at={ts(EV_AT)}"
        _, hdrs, _ = it.get(u)
        etag = {k.lower(): v for k, v in hdrs.items()}.get("etag")
        c.true(etag, "signage answer has an ETag")
        status, _, _ = it.http("GET", u, headers={"If-None-Match": etag})
        c.eq(status, 304, "same ETag: 304")
        status, _, _ = it.get(f"{srv.url}/api/v1/signage?at=yesterday")
        c.eq(status, 400, "bad at: 400")
        check_kiosk_params(srv.url)
        check_kiosk_cache(srv.url, srv)
    finally:
        srv.stop()
    c.finish()


if __name__ == "__main__":
    main()
