#!/usr/bin/env python3
"""it_point_unit_spelling: another spelling of a point's own unit is not
a change of unit.

degC and °C, ug/m3 and µg/m3 (the micro sign) and μg/m3 (the Greek mu)
name one unit each: the numbers stored read the same in either, so PATCH
takes the new spelling on a point with readings, and the readings keep
their values.  A real change on the same point (°C to degF) is still
refused with 409.

Expected values by hand: the readings sent, 21.5 and 12.0, unchanged.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

T0 = 1704844800  # 2024-01-10T00:00:00Z

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "spelling.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:])


ADMIN = it.run("admin", "token", "add", "--db", db, "root").stdout.strip()
cli("site", "add", "hall", "--kind", "building", "--tz", "UTC")
cli("point", "add", "hall/t", "--site", "hall", "--quantity",
    "temperature", "--unit", "degC", "--step", "60")
cli("point", "add", "hall/pm", "--site", "hall", "--quantity",
    "mass_concentration", "--unit", "ug/m3", "--step", "60")
dev = cli("device", "add", "--site", "hall", "gw").stdout.strip()
ADMIN_H = {"Authorization": "Bearer " + ADMIN,
           "Content-Type": "application/json"}
DEV_H = {"Authorization": "Bearer " + dev,
         "Content-Type": "application/json"}


def patch(url, key, unit):
    st, _, body = it.http("PATCH", f"{url}/api/v1/points/{it.q(key)}",
                          {"unit": unit}, ADMIN_H)
    return st, body if isinstance(body, dict) else {}


def stored(url, key):
    st, _, body = it.http("GET", f"{url}/api/v1/points/{it.q(key)}/readings"
                          f"?from={T0}&to={T0 + 600}", None, DEV_H)
    if st != 200 or not isinstance(body, dict):
        return st, None, []
    return st, body.get("unit"), [r["value"] for r in body["readings"]]


with it.Server(db) as srv:
    rows = [{"point": "hall/t", "ts": T0 + 60 * k, "value": 21.5}
            for k in range(3)]
    rows += [{"point": "hall/pm", "ts": T0 + 60 * k, "value": 12.0}
             for k in range(2)]
    st, _, body = it.http("POST", f"{srv.url}/api/v1/ingest",
                          {"readings": rows}, DEV_H)
    c.eq((st, body.get("accepted")), (200, 5), "five readings stored")

    st, body = patch(srv.url, "hall/t", "°C")
    c.eq((st, body.get("unit")), (200, "°C"), "degC to °C is taken")
    c.eq(stored(srv.url, "hall/t"), (200, "°C", [21.5, 21.5, 21.5]),
         "the temperatures read the same in °C")
    st, body = patch(srv.url, "hall/t", "degF")
    c.eq((st, body.get("error")), (409, "conflict"),
         "°C to degF is still refused")
    c.eq(stored(srv.url, "hall/t"), (200, "°C", [21.5, 21.5, 21.5]),
         "the refused change leaves the point as it was")

    st, body = patch(srv.url, "hall/pm", "µg/m3")
    c.eq((st, body.get("unit")), (200, "µg/m3"),
         "ug/m3 to µg/m3 (micro sign) is taken")
    st, body = patch(srv.url, "hall/pm", "\u03bcg/m3")
    c.eq((st, body.get("unit")), (200, "\u03bcg/m3"),
         "µg/m3 to μg/m3 (Greek mu) is taken")
    c.eq(stored(srv.url, "hall/pm"), (200, "\u03bcg/m3", [12.0, 12.0]),
         "the concentrations read the same")
c.finish_in(work)
