#!/usr/bin/env python3
"""Builds the renderer's test fixtures from the real sample data in data/.

Each fixture is one site summary shaped as analytics_summary() answers it
(src/cloud/analytics/analytics.h), computed here straight from the
published files, so the slides are tested on real numbers.  Run it from
anywhere; it rewrites the *.json files next to itself.

The clock is 2022-06-27 in Tokyo, the first day of the government's
tight-supply warning.  The home and the room are lined up on that day by
the same whole-day shifts the demo uses (scripts/demo.sh): 3654 days for
the Ausgrid home (Monday 2012-06-25), 2699 for the UCI room (2015-02-05).
"""

import csv
import datetime as dt
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DATA = os.path.join(TOP, "data")

JST = dt.timezone(dt.timedelta(hours=9))
# Ausgrid: fixed UTC+10, which the importer names "+10:00"
AEST = dt.timezone(dt.timedelta(hours=10))
DAY = 86400

HOME_SHIFT = 3654
ROOM_SHIFT = 2699


def unix(d):
	return int(d.timestamp())


def iso(ts, tz):
	return dt.datetime.fromtimestamp(ts, tz).isoformat()


# --- reading the published files -----------------------------------------

def tepco_sections(path):
	"""The hourly and five-minute sections of one TEPCO daily file."""
	with open(path, encoding="cp932", newline="") as f:
		lines = f.read().splitlines()
	hourly, fivemin, cur = [], [], None
	for ln in lines:
		if ln.startswith("DATE,TIME,当日実績(万kW),予測値"):
			cur = hourly
			continue
		if ln.startswith("DATE,TIME,当日実績(５分間隔値)"):
			cur = fivemin
			continue
		if not ln.strip():
			cur = None
			continue
		if cur is not None:
			cur.append(ln.split(","))
	return hourly, fivemin


def tepco_ts(date, time):
	y, mo, d = (int(x) for x in date.split("/"))
	h, mi = (int(x) for x in time.split(":"))
	return unix(dt.datetime(y, mo, d, h, mi, tzinfo=JST))


def tepco_points():
	"""Readings of every TEPCO point in June 2022, in kW or %."""
	pts = {k: [] for k in ("demand", "solar", "demand_hourly",
			       "forecast_hourly", "supply_hourly",
			       "usage_hourly")}
	tdir = os.path.join(DATA, "tepco")
	for name in sorted(os.listdir(tdir)):
		hourly, fivemin = tepco_sections(os.path.join(tdir, name))
		for r in hourly:
			ts = tepco_ts(r[0], r[1])
			pts["demand_hourly"].append((ts, int(r[2]) * 10000.0))
			pts["forecast_hourly"].append((ts, int(r[3]) * 10000.0))
			pts["usage_hourly"].append((ts, float(int(r[4]))))
			pts["supply_hourly"].append((ts, int(r[5]) * 10000.0))
		for r in fivemin:
			ts = tepco_ts(r[0], r[1])
			pts["demand"].append((ts, int(r[2]) * 10000.0))
			pts["solar"].append((ts, int(r[3]) * 10000.0))
	return pts


def ausgrid_points():
	path = os.path.join(DATA, "household",
			    "ausgrid_customer12_2011-2012.csv")
	gc, gg = [], []
	with open(path, newline="") as f:
		rd = csv.reader(f)
		next(rd)
		for r in rd:
			t = dt.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S")
			ts = unix(t.replace(tzinfo=AEST)) + HOME_SHIFT * DAY
			gc.append((ts, float(r[1])))
			gg.append((ts, float(r[2])))
	return {"consumption": gc, "pv": gg}


def uci_points():
	path = os.path.join(DATA, "environment", "uci_occupancy_training.txt")
	t_, h_, c_ = [], [], []
	with open(path, newline="") as f:
		rd = csv.reader(f)
		next(rd)
		for r in rd:
			# wall clock read in the site's zone (Asia/Tokyo)
			t = dt.datetime.strptime(r[1], "%Y-%m-%d %H:%M:%S")
			ts = unix(t.replace(tzinfo=JST)) + ROOM_SHIFT * DAY
			t_.append((ts, float(r[2])))
			h_.append((ts, float(r[3])))
			c_.append((ts, float(r[5])))
	return {"temperature": t_, "humidity": h_, "co2": c_}


# --- the summary, as analytics.h defines it ------------------------------

def energy(rd, step, lo, hi):
	"""kWh in [lo, hi): each reading holds until the next one, at most
	step seconds."""
	e = 0.0
	for i, (ts, v) in enumerate(rd):
		end = ts + step
		if i + 1 < len(rd):
			end = min(end, rd[i + 1][0])
		a, b = max(ts, lo), min(end, hi)
		if b > a:
			e += v * (b - a) / 3600.0
	return e


def hourly(rd, power, step, start, at, limit):
	out = []
	for h in range(24):
		lo, hi = start + h * 3600, start + (h + 1) * 3600
		if lo >= limit:
			out.append(None)
			continue
		hi = min(hi, limit)
		inside = [v for ts, v in rd if lo <= ts < hi]
		if not inside:
			out.append(None)
		elif power:
			out.append(round(energy(rd, step, lo, hi), 6))
		else:
			out.append(round(sum(inside) / len(inside), 6))
	return out


def point_summary(key, quantity, unit, step, shift, rd, at, tz):
	power = quantity == "power"
	rd = [(ts, v) for ts, v in rd if ts < at]
	now = dt.datetime.fromtimestamp(at, tz)
	day0 = unix(now.replace(hour=0, minute=0, second=0))
	yday0 = day0 - DAY
	month0 = unix(now.replace(day=1, hour=0, minute=0, second=0))
	today = [(ts, v) for ts, v in rd if ts >= day0]
	yday = [(ts, v) for ts, v in rd if yday0 <= ts < day0]

	t = {"min": None, "max": None, "avg": None, "count": len(today),
	     "peak": None}
	if today:
		vals = [v for _, v in today]
		t["min"], t["max"] = min(vals), max(vals)
		t["avg"] = round(sum(vals) / len(vals), 6)
		pk = max(today, key=lambda r: r[1])
		t["peak"] = {"ts": iso(pk[0], tz), "value": pk[1]}
	y = {"avg": round(sum(v for _, v in yday) / len(yday), 6)
	     if yday else None}
	m = {}
	if power:
		t["energy_kwh"] = round(energy(rd, step, day0, at), 6) \
			if today else None
		y["energy_kwh"] = round(energy(rd, step, yday0, day0), 6) \
			if yday else None
		m["energy_kwh"] = round(energy(rd, step, month0, at), 6)
	return {
		"key": key, "quantity": quantity, "unit": unit,
		"kind": "instantaneous", "step_s": step, "shift_days": shift,
		"latest": {"ts": iso(rd[-1][0], tz), "value": rd[-1][1]}
		if rd else None,
		"today": t, "yesterday": y, "month": m,
		"curve": [[ts, v] for ts, v in today],
		"hourly_today": hourly(rd, power, step, day0, at, at),
		"hourly_yesterday": hourly(rd, power, step, yday0, at, day0),
	}


def site_summary(site, kind, tzname, tz, at, points):
	now = dt.datetime.fromtimestamp(at, tz)
	day0 = now.replace(hour=0, minute=0, second=0)
	return {"site": site, "kind": kind, "tz": tzname, "at": iso(at, tz),
		"day_start": day0.isoformat(),
		"points": [point_summary(*p, at, tz) for p in points]}


def write(name, obj):
	with open(os.path.join(HERE, name), "w") as f:
		json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
		f.write("\n")


def main():
	tp, hp, up = tepco_points(), ausgrid_points(), uci_points()
	for hhmm in ("1100", "2100"):
		at = unix(dt.datetime(2022, 6, 27, int(hhmm[:2]), 0,
				      tzinfo=JST))
		write("tepco_%s.json" % hhmm, site_summary(
			"tepco", "grid", "Asia/Tokyo", JST, at, [
				("tepco/demand", "power", "kW", 300, 0,
				 tp["demand"]),
				("tepco/solar", "power", "kW", 300, 0,
				 tp["solar"]),
				("tepco/demand_hourly", "power", "kW", 3600,
				 0, tp["demand_hourly"]),
				("tepco/forecast_hourly", "power", "kW", 3600,
				 0, tp["forecast_hourly"]),
				("tepco/supply_hourly", "power", "kW", 3600,
				 0, tp["supply_hourly"]),
				("tepco/usage_hourly", "ratio", "%", 3600, 0,
				 tp["usage_hourly"])]))
		write("home12_%s.json" % hhmm, site_summary(
			"home12", "home", "+10:00", AEST, at, [
				("home12/consumption", "power", "kW", 1800,
				 HOME_SHIFT, hp["consumption"]),
				("home12/pv", "power", "kW", 1800, HOME_SHIFT,
				 hp["pv"])]))
		write("room1_%s.json" % hhmm, site_summary(
			"room1", "room", "Asia/Tokyo", JST, at, [
				("room1/temperature", "temperature", "degC", 60,
				 ROOM_SHIFT, up["temperature"]),
				("room1/humidity", "humidity", "%RH", 60,
				 ROOM_SHIFT, up["humidity"]),
				("room1/co2", "co2", "ppm", 60, ROOM_SHIFT,
				 up["co2"])]))
	return 0


if __name__ == "__main__":
	sys.exit(main())
