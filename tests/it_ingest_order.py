"""Integration test of the order of arrival on every write route of a
real `akari serve`: JSON (/api/v1/ingest), CSV (/api/v1/ingest/csv),
IEEE 1888 (dataRQ) and line protocol (/api/v2/write).

A request takes its place in the order of arrival when its headers are
in, before its body is read (docs/storage.md, "Order of arrival"): of
two values at one (point, ts), the request that began later wins, even
when it ends first.  Each route is checked the same way:

  1. request A sends its headers with "Expect: 100-continue" and waits
     for the server's "100 Continue", which libmicrohttpd sends only
     after akari has seen the headers (so A's place is taken);
  2. request B, begun after A, sends value 3 at (hall/power, T) and is
     answered;
  3. A then sends its body, value 1 at the same (point, ts), and is
     answered.

B began later, so the point holds 3 at T.  A route that takes its place
only when its put starts would order A after B and keep 1.
"""
import datetime
import json
import os
import socket
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

JST = datetime.timezone(datetime.timedelta(hours=9))
# Every route writes its own minute of 2026-12-01 (JST).
DAY = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=JST)

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "order.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
cli("point", "add", "hall/power", "--site", "hall", "--quantity", "power",
    "--unit", "kW", "--step", "60")
token = cli("device", "add", "--site", "hall", "gw").strip()


def json_write(t, value):
    body = json.dumps({"readings": [{"point": "hall/power",
                                     "ts": int(t.timestamp()),
                                     "value": value}]})
    return ("/api/v1/ingest", {"Content-Type": "application/json",
                               "Authorization": "Bearer " + token}, body)


def csv_write(t, value):
    spec = urllib.parse.quote("time=0,point:hall/power=1,unit=kW", safe="")
    return (f"/api/v1/ingest/csv?map={spec}",
            {"Content-Type": "text/csv", "Authorization": "Bearer " + token},
            f"ts,kw\n{t.isoformat()},{value}\n")


def fiap_write(t, value):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soapenv:Body><ns2:dataRQ xmlns:ns2="http://soap.fiap.org/">'
        '<transport xmlns="http://gutp.jp/fiap/2009/11/"><body>'
        '<point id="http://akari.example/hall/power">'
        f'<value time="{t.isoformat()}">{value}</value>'
        '</point></body></transport></ns2:dataRQ></soapenv:Body>'
        '</soapenv:Envelope>')
    return ("/axis2/services/FIAPStorage",
            {"Content-Type": "text/xml; charset=utf-8",
             "Authorization": "Bearer " + token}, body)


def lp_write(t, value):
    return ("/api/v2/write?bucket=hall&precision=s",
            {"Content-Type": "text/plain", "Authorization": "Token " + token},
            f"m,point=hall/power value={value} {int(t.timestamp())}\n")


def read_answer(s):
    """The status of the HTTP answer on s, read to its end (the request
    asked for Connection: close)."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def begin(port, path, headers, body):
    """Request A's headers, once the server has answered 100 Continue:
    returns the socket, or None when it answered otherwise."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
            f"Content-Length: {len(body.encode())}",
            "Expect: 100-continue", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    if not got.startswith(b"HTTP/1.1 100"):
        print(f"no 100 Continue: {got[:200]!r}", flush=True)
        s.close()
        return None
    return s


with it.Server(db) as srv:
    port = int(srv.url.rsplit(":", 1)[1])
    for minute, (name, write) in enumerate([("JSON", json_write),
                                            ("CSV", csv_write),
                                            ("IEEE 1888", fiap_write),
                                            ("line protocol", lp_write)]):
        t = DAY + datetime.timedelta(minutes=minute)
        path, headers, body_a = write(t, 1)
        a = begin(port, path, headers, body_a)
        c.true(a is not None, f"{name}: request A's headers taken")
        if a is None:
            continue

        path, headers, body_b = write(t, 3)
        status, _, answer = it.http("POST", srv.url + path, body_b, headers)
        c.true(200 <= status < 300, f"{name}: B answered {status} {answer!r}")

        a.sendall(body_a.encode())
        status = read_answer(a)
        a.close()
        c.true(status is not None and 200 <= status < 300,
               f"{name}: A answered {status}")

        got = it.readings(srv.url, "hall/power", t,
                          t + datetime.timedelta(minutes=1))
        c.eq([v for _, v in got], [3], f"{name}: the later request's value")

c.finish_in(work)
