"""Helpers for akari's integration tests: a real `akari serve` on a free
loopback port, the real CLI, plain HTTP from the standard library, and
readers for the PNG pictures akari draws and for xwd screenshots of its
window.

Every it_*.py test imports this module; ctest sets AKARI (the binary) and
AKARI_SOURCE_DIR (the source tree).  Tests count their checks and end
with the line "N passed, N failed".
"""
import datetime
import http.client as http_client
import http.server as http_server
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

import akari_codec

AKARI = os.environ.get("AKARI", "akari")
SOURCE_DIR = os.environ.get(
    "AKARI_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
DATA = os.path.join(SOURCE_DIR, "data")


class Checks:
    """Counts checks; a failed one prints both values and the run goes on."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def eq(self, got, want, what):
        if got == want:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}: got {got!r}, want {want!r}", flush=True)

    def close(self, got, want, tol, what):
        ok = got is not None and want is not None and abs(got - want) <= tol
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {what}: got {got!r}, want {want!r} (tol {tol})",
                  flush=True)

    def true(self, cond, what):
        self.eq(bool(cond), True, what)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed or not self.passed else 0)

    def finish_in(self, work, logs=True):
        """finish(), after WORK: kept when a check failed (with its .log
        files printed, when LOGS), else removed."""
        if self.failed:
            for name in sorted(os.listdir(work)) if logs else ():
                if name.endswith(".log"):
                    text = read_text(os.path.join(work, name))
                    print(f"--- {name}\n{text}")
            print("work directory kept:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
        self.finish()


def run(*args, check=True, input=None):
    """Runs `akari ARGS...`; returns the CompletedProcess (text mode)."""
    p = subprocess.run([AKARI, *args], capture_output=True, text=True,
                       input=input, timeout=300)
    if check and p.returncode != 0:
        raise RuntimeError(f"akari {' '.join(args)} exited {p.returncode}:"
                           f"\n{p.stdout}\n{p.stderr}")
    return p


def tmpdir():
    return tempfile.mkdtemp(prefix="akari-it-")


class Server:
    """`akari serve --db DB --listen 127.0.0.1:0`; the port is read from
    the line "listening on http://127.0.0.1:PORT" that serve prints."""

    def __init__(self, db, extra=()):
        self.db = db
        self.extra = list(extra)
        self.proc = None
        self.url = None

    def start(self):
        # The log goes to a file beside the database: a pipe nobody reads
        # would block a server that logs a lot.
        self.log = self.db + ".serve.log"
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [AKARI, "serve", "--db", self.db, "--listen",
                 "127.0.0.1:0", *self.extra],
                stdout=subprocess.PIPE, stderr=log, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if m:
                self.url = m.group(1)
                return self
        self.stop()
        with open(self.log) as log:
            raise RuntimeError("akari serve did not report its address:\n"
                               + log.read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Proxy:
    """Forwards GETs to upstream; seen holds (path, If-None-Match or
    None, status, ETag or None) of each."""

    def __init__(self, upstream):
        host = urllib.parse.urlsplit(upstream)
        self.seen = []
        lock = threading.Lock()
        proxy = self

        class Handler(http_server.BaseHTTPRequestHandler):
            def do_GET(self):
                conn = http_client.HTTPConnection(host.hostname, host.port,
                                                  timeout=30)
                fwd = {k: v for k, v in self.headers.items()
                       if k.lower() in ("accept", "if-none-match",
                                        "authorization")}
                conn.request("GET", self.path, headers=fwd)
                r = conn.getresponse()
                body = r.read()
                with lock:
                    proxy.seen.append((self.path,
                                       self.headers.get("If-None-Match"),
                                       r.status, r.getheader("ETag")))
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding",
                                         "content-length", "date",
                                         "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                conn.close()

            def log_message(self, *args):
                pass

        self.httpd = http_server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def http(method, url, body=None, headers=None):
    """Returns (status, headers, parsed JSON or raw bytes)."""
    data = body
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
    elif isinstance(body, str):
        data = body.encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, hdrs, raw = r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, dict(e.headers), e.read()
    try:
        return status, hdrs, json.loads(raw)
    except ValueError:
        return status, hdrs, raw


def get(url):
    return http("GET", url)


def q(s):
    """s quoted as one query value."""
    return urllib.parse.quote(s, safe="")


def aggregate(url, key, start, end, interval, fn):
    """The buckets' values of one aggregate, or None on an error."""
    status, _, body = get(
        f"{url}/api/v1/points/{key}/aggregate?from={q(start.isoformat())}"
        f"&to={q(end.isoformat())}&interval={interval}&fn={fn}")
    if status != 200 or not isinstance(body, dict):
        print(f"aggregate {key}: {status} {body!r}", flush=True)
        return None
    return [b["value"] for b in body["buckets"]]


def readings(url, key, start, end):
    """[(aware datetime, value)] of key in [start, end); [] on an
    error."""
    status, _, body = get(
        f"{url}/api/v1/points/{key}/readings?from={q(start.isoformat())}"
        f"&to={q(end.isoformat())}")
    if status != 200 or not isinstance(body, dict):
        print(f"readings {key}: {status} {body!r}", flush=True)
        return []
    return [(datetime.datetime.fromisoformat(r["ts"]), r["value"])
            for r in body["readings"]]


# --- the stored readings, read from the SQLite file as an outside program -

# The most readings a block holds (docs/storage.md).
BLOCK_MAX = 2048


class Stored:
    """Every reading a database file holds, read with SQLite itself and
    tests/akari_codec.py, not through akari: from the `blocks` table
    (docs/codec.md) where the file has one, else from `readings`, then
    the batches still in `arrivals` applied in seq order over them, last
    write wins, then those of the side file `<db>-arrivals` that the
    file's `log_applied` and `log_kept` do not count as merged, when
    the side file names the file's own token (docs/storage.md).  The
    side file is read first, then the database in one read
    transaction, so a server merging meanwhile changes nothing seen: a
    batch gone from the side file by then is merged.

    rows:     {(point_id, ts): value}
    keys:     {point_id: point key}
    blocks:   [(point_id, t0, t1, n, [ts], [value])] as stored
    arrivals: the number of readings still in the arrival log
    problems: what breaks the store's own rules, in words; empty when
              none: a block that does not decode, holds more than
              BLOCK_MAX readings or whose columns do not match its
              body, blocks of one point that overlap, a
              (point, ts) in two blocks, rows left in `readings` beside
              `blocks`, an arrival body that is not n readings of 24
              bytes."""

    def __init__(self, db_path):
        self.rows, self.keys, self.blocks = {}, {}, []
        self.arrivals, self.problems = 0, []
        # sqlite3 would create a missing file, and then find no tables.
        if not os.path.isfile(db_path):
            raise FileNotFoundError(f"no database file {db_path}")
        side = self._read_side(db_path + "-arrivals")
        con = sqlite3.connect(db_path, isolation_level=None)
        try:
            con.execute("BEGIN")
            self._read(con)
            self._apply_side(con, side)
            con.execute("COMMIT")
        finally:
            con.close()

    @staticmethod
    def _read_side(path):
        """(token, [(seq, n, body)]) of the side file, (None, []) when
        there is none; token is the database token it names, or None."""
        if not os.path.isfile(path):
            return None, []
        con = sqlite3.connect(f"file:{path}?mode=rw", uri=True,
                              isolation_level=None)
        try:
            con.execute("BEGIN")
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            rows = [] if "arrivals" not in tables else list(con.execute(
                "SELECT seq, n, body FROM arrivals ORDER BY seq"))
            token = None if "owner" not in tables else con.execute(
                "SELECT token FROM owner").fetchone()
            con.execute("COMMIT")
            return token and token[0], rows
        finally:
            con.close()

    def _apply_side(self, con, side):
        token, side = side
        tables = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if token is not None and "file_id" in tables and token != \
                con.execute("SELECT token FROM file_id").fetchone()[0]:
            return      # another database's: never merged into this one
        applied, kept = 0, set()
        if "log_applied" in tables:
            row = con.execute("SELECT seq FROM log_applied").fetchone()
            applied = row[0] if row else 0
            kept = {r[0] for r in con.execute("SELECT seq FROM log_kept")}
        for seq, n, body in side:
            if seq <= applied and seq not in kept:
                continue
            self._apply_body(f"side batch {seq}", n, body)

    def _read(self, con):
        tables = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.schema = "blocks" if "blocks" in tables else "readings"
        self.keys = dict(con.execute("SELECT id, key FROM points"))
        if self.schema == "blocks":
            self._read_blocks(con)
            if "readings" in tables:
                left = con.execute(
                    "SELECT count(*) FROM readings").fetchone()[0]
                if left:
                    self.problems.append(f"{left} rows left in readings "
                                         "beside blocks")
        else:
            # Its primary key (point_id, ts) holds a reading once.
            self.rows = {(p, t): v for p, t, v in con.execute(
                "SELECT point_id, ts, value FROM readings")}
        if "arrivals" in tables:
            self._read_arrivals(con)

    def _read_blocks(self, con):
        last = {}			# point id -> (t1 of its last block, id)
        for bid, point, t0, t1, n, body in con.execute(
                "SELECT id, point_id, t0, t1, n, body FROM blocks"
                " ORDER BY point_id, t0"):
            try:
                ts, values = akari_codec.decode(body)
            except ValueError as e:
                self.problems.append(f"block {bid} of point {point}: {e}")
                continue
            self.blocks.append((point, t0, t1, n, ts, values))
            if len(ts) > BLOCK_MAX:
                self.problems.append(f"block {bid} of point {point}: "
                                     f"{len(ts)} readings, more than "
                                     f"{BLOCK_MAX}")
            if (t0, t1, n) != (ts[0], ts[-1], len(ts)):
                self.problems.append(
                    f"block {bid} of point {point}: columns t0 {t0}, t1 "
                    f"{t1}, n {n}, body {ts[0]} .. {ts[-1]}, {len(ts)}")
            if point in last and last[point][0] >= ts[0]:
                self.problems.append(
                    f"blocks {last[point][1]} and {bid} of point {point} "
                    f"overlap: {last[point][0]} >= {ts[0]}")
            last[point] = (ts[-1], bid)
            for t, v in zip(ts, values):
                if (point, t) in self.rows:
                    self.problems.append(f"({point}, {t}) stored twice")
                self.rows[(point, t)] = v

    def _read_arrivals(self, con):
        for seq, n, body in con.execute(
                "SELECT seq, n, body FROM arrivals ORDER BY seq"):
            self._apply_body(f"arrival {seq}", n, body)

    def _apply_body(self, what, n, body):
        if len(body) != 24 * n:
            self.problems.append(f"{what}: {len(body)} bytes for {n} "
                                 "readings")
            return
        for point, t, v in struct.iter_unpack("<qqd", body):
            self.rows[(point, t)] = v
        self.arrivals += n

    def by_key(self):
        """{(point key, ts): value}"""
        return {(self.keys.get(p, p), t): v
                for (p, t), v in self.rows.items()}

    def point(self, key):
        """[(ts, value)] of one point, oldest first."""
        ids = [p for p, k in self.keys.items() if k == key]
        return sorted((t, v) for (p, t), v in self.rows.items()
                      if p in ids)

    def triples(self):
        """[(point_id, ts, value)], sorted: the shape of a SELECT of the
        old readings table."""
        return sorted((p, t, v) for (p, t), v in self.rows.items())


def stored_readings(db_path):
    """{(point key, ts): value} of every reading the file holds (see
    Stored)."""
    return Stored(db_path).by_key()


def stored_point(db_path, key):
    """[(ts, value)] of one point's stored readings, oldest first."""
    return Stored(db_path).point(key)


def png_rgb(path):
    """(width, height, bytes of RGB rows) of an 8-bit RGB or RGBA PNG
    without interlace, as akari writes them.  The standard library has no
    PNG reader, so the row filters 0-4 are undone here."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(path + ": not a PNG")
    pos, idat, w = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError(f"{path}: PNG type {ctype}/{depth}")
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + n
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rgb = bytearray()
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                cc = prev[i - bpp] if i >= bpp else 0
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else cc
                line[i] = (line[i] + pred) & 255
        prev = line
        if bpp == 4:
            del line[3::4]
        rgb += line
    return w, h, bytes(rgb)


def xwd_rgb(data):
    """(width, height, bytes of RGB rows) of an xwd dump of a TrueColor
    window (ZPixmap, 32 bits per pixel), as `xwd -root` writes it."""
    fields = struct.unpack(">25I", data[:100])
    (header_size, _version, pixmap_format, _depth, w, h, _xoff, byte_order,
     _unit, _bit_order, _pad, bits_per_pixel, bytes_per_line, _visual,
     red_mask, green_mask, blue_mask, _bits_rgb, _cmap, ncolors) = fields[:20]
    if pixmap_format != 2 or bits_per_pixel != 32:
        raise ValueError(f"xwd format {pixmap_format}/{bits_per_pixel}")
    pos = header_size + 12 * ncolors
    order = "<" if byte_order == 0 else ">"

    def shift(mask):
        return (mask & -mask).bit_length() - 1

    rs, gs, bs = shift(red_mask), shift(green_mask), shift(blue_mask)
    rgb = bytearray()
    for y in range(h):
        row = data[pos + y * bytes_per_line:pos + y * bytes_per_line + 4 * w]
        for (p,) in struct.iter_unpack(order + "I", row):
            rgb += bytes(((p & red_mask) >> rs, (p & green_mask) >> gs,
                          (p & blue_mask) >> bs))
    return w, h, bytes(rgb)


def sanitized(pid):
    """Whether the process has AddressSanitizer's runtime mapped."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "libasan" in f.read()
    except OSError:
        return False


def free_display(first=99):
    """The first X display number from FIRST up that has neither a lock
    file nor a socket, for a private Xvfb."""
    for n in range(first, 400):
        if not (os.path.exists(f"/tmp/.X{n}-lock") or
                os.path.exists(f"/tmp/.X11-unix/X{n}")):
            return n
    raise RuntimeError("no free X display number")


def free_port():
    """A loopback TCP port that was free a moment ago: for a server that
    needs a fixed address, or an address that nobody answers on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(args, log, env=None):
    """Starts ARGS with its output (stdout and stderr) in the file LOG.
    The caller stops the process (stop below)."""
    with open(log, "w") as f:
        return subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT,
                                env=env)


def stop(p, sig=signal.SIGTERM, timeout=30):
    """Sends SIG to P unless it has ended, waits up to TIMEOUT seconds,
    then kills it.  Returns its exit status."""
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def xvfb(n, screen, log, *extra, timeout=60):
    """Starts `Xvfb :N` with one screen of SCREEN ("WxHxDEPTH") and no
    TCP, its output in the file LOG, and waits for its socket.  Returns
    (process, started): started is false when Xvfb exited or no socket
    came within TIMEOUT seconds.  The caller stops the process."""
    with open(log, "w") as f:
        p = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", screen,
                              "-nolisten", "tcp", *extra],
                             stdout=f, stderr=subprocess.STDOUT)
    sock = f"/tmp/.X11-unix/X{n}"
    end = time.time() + timeout
    while not os.path.exists(sock) and p.poll() is None \
            and time.time() < end:
        time.sleep(0.1)
    return p, os.path.exists(sock) and p.poll() is None


def read_text(path):
    """The text of the file PATH as UTF-8, bad bytes replaced; "" while
    it does not exist, as a log not yet written."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# --- kiosk tests: TEPCO's daily file, waits, PNG frames ----------------------

JST = datetime.timezone(datetime.timedelta(hours=9))
MAN_KW = 10000  # 1 万kW in kW
WAIT = 90  # seconds a single wait may take before it counts as failed

def tepco_readings(path):
    """[(point, ts, value)] of one daily file: the hourly table (demand,
    forecast, usage %, supply) and the 5-minute table (demand, solar).
    A row's time is the start of its interval, JST; 万kW becomes kW."""
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
            ts = int(datetime.datetime(y, m, d, hh, mm, tzinfo=JST).timestamp())
            if table == "hourly":
                cols = [("tepco/demand_hourly", "当日実績(万kW)", MAN_KW),
                        ("tepco/forecast_hourly", "予測値(万kW)", MAN_KW),
                        ("tepco/usage_hourly", "使用率(%)", 1),
                        ("tepco/supply_hourly", "供給力(万kW)", MAN_KW)]
            else:
                cols = [("tepco/demand", "当日実績(５分間隔値)(万kW)", MAN_KW),
                        ("tepco/solar", "太陽光発電実績(５分間隔値)(万kW)",
                         MAN_KW)]
            for key, col, scale in cols:
                if row.get(col, "").strip():
                    out.append((key, ts, float(row[col]) * scale))
    return out


def wait_for(cond, timeout=WAIT, step=0.05):
    """cond()'s first true value, or its last value once timeout is over."""
    end = time.time() + timeout
    while True:
        v = cond()
        if v or time.time() > end:
            return v
        time.sleep(step)


def frame_numbers(d):
    return sorted(int(m.group(1)) for m in
                  (re.match(r"frame-(\d+)\.png$", n) for n in
                   (os.listdir(d) if os.path.isdir(d) else [])) if m)
