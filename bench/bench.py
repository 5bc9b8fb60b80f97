#!/usr/bin/env python3
"""`make bench`: akari's ingestion rate, bytes on disk and query latency,
and the same workload against InfluxDB 1.x when `influxd` is installed.

It prints figures; it passes or fails nothing (it exits non-zero only
when a run could not be made, for example a server that did not start or
readings that went missing). docs/performance.md explains the workload
and records what it measured.

The workload: POINTS meters, each with one reading a minute for a day
(1,000 x 1,440 = 1,440,000 readings), sent in arrival order (every
meter's minute 0, then every meter's minute 1, ...) in batches of 1,000
and 5,000 readings by 1 and 4 concurrent clients, as JSON to
/api/v1/ingest and as line protocol to /api/v2/write.  bench/loadgen.c
makes the bodies before the clock starts and sends them.  Then a year of
1-minute readings of one more point, and two queries: that year's daily
energy, and the hourly mean of every meter over the day.

Python standard library only.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

TZ = "Asia/Tokyo"
DAY_START = 1705244400		# 2024-01-15T00:00:00+09:00
YEAR_START = 1672498800		# 2023-01-01T00:00:00+09:00
QUERY_REPEAT = 5		# each single query, to take the median
LOAD_AT_START = 0.0


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def disk_bytes(paths):
    """Bytes the files take on disk (allocated blocks, not apparent size:
    InfluxDB preallocates sparse files that hold no data)."""
    total = 0
    for p in paths:
        if os.path.isfile(p):
            total += os.stat(p).st_blocks * 512
        elif os.path.isdir(p):
            for root, _, files in os.walk(p):
                for f in files:
                    total += os.stat(os.path.join(root, f)).st_blocks * 512
    return total


def http(method, url, data=None, headers=None, timeout=60):
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


class Workload:
    def __init__(self, quick):
        self.points = 100 if quick else 1000
        self.minutes = 1440
        self.year_minutes = 30 * 1440 if quick else 365 * 1440
        self.year_label = "30 days" if quick else "a year"
        self.batches = (1000, 5000)
        self.clients = (1, 4)

    @property
    def readings(self):
        return self.points * self.minutes

    def keys(self):
        return [f"bench/p{i:04d}" for i in range(self.points)]


def loadgen(args, *argv):
    p = subprocess.run([args.loadgen, *map(str, argv)], capture_output=True,
                       text=True, timeout=1800)
    if p.returncode != 0:
        raise BenchError(f"loadgen {argv[0]} failed: {p.stderr.strip()}")
    return json.loads(p.stdout)


def write(args, w, url, auth, fmt, batch, clients, **kw):
    argv = ["write", "--url", url, "--format", fmt, "--points", w.points,
            "--minutes", w.minutes, "--start", DAY_START, "--batch", batch,
            "--clients", clients]
    if auth:
        argv += ["--auth", auth]
    for k, v in kw.items():
        argv += [f"--{k}", v]
    return loadgen(args, *argv)


def get(args, workdir, urls, clients=1, repeat=1):
    path = os.path.join(workdir, "urls.txt")
    with open(path, "w") as f:
        f.write("\n".join(urls) + "\n")
    return loadgen(args, "get", "--urls", path, "--clients", clients,
                   "--repeat", repeat)


# --- akari ---------------------------------------------------------------

class Akari:
    def __init__(self, args, w, workdir):
        self.args = args
        self.w = w
        self.workdir = workdir
        self.template = os.path.join(workdir, "template.db")
        self.token = None
        self.proc = None
        self.url = None

    def cli(self, *argv):
        p = subprocess.run([self.args.akari, *argv], capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            raise BenchError(f"akari {' '.join(argv)}: {p.stderr.strip()}")
        return p.stdout

    def make_template(self):
        """The registry every run starts from: one site, one device, the
        meters and the year's point, made with the real CLI."""
        t0 = time.monotonic()
        db = self.template
        self.cli("site", "add", "--db", db, "bench", "--kind", "building",
                 "--tz", TZ)
        self.token = self.cli("device", "add", "--db", db, "--site",
                              "bench", "gw").strip().splitlines()[-1]
        for key in self.w.keys() + ["bench/year"]:
            self.cli("point", "add", "--db", db, key, "--site", "bench",
                     "--quantity", "power", "--unit", "kW", "--step", "60")
        log(f"akari: registry of {self.w.points + 1} points made in "
            f"{time.monotonic() - t0:.1f} s")

    def start(self, db):
        self.proc = subprocess.Popen(
            [self.args.akari, "serve", "--db", db, "--listen",
             "127.0.0.1:0"], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise BenchError(f"akari serve did not start: {line!r}")
        self.url = line.split()[-1]

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def stored(self):
        _, body = http("GET", self.url + "/api/v1/health")
        return json.loads(body)["readings"]

    def ingest(self, fmt, batch, clients, **kw):
        if fmt == "json":
            url = self.url + "/api/v1/ingest"
            auth = f"Authorization: Bearer {self.token}"
        else:
            url = self.url + "/api/v2/write?bucket=bench&precision=s"
            auth = f"Authorization: Token {self.token}"
        return write(self.args, self.w, url, auth, fmt, batch, clients, **kw)

    def run(self, fmt, batch, clients):
        """One ingestion run into a fresh copy of the registry; returns the
        loadgen report with bytes per reading added, and leaves the
        database file behind for the queries."""
        db = os.path.join(self.workdir, f"akari-{fmt}-{batch}-{clients}.db")
        shutil.copyfile(self.template, db)
        self.start(db)
        try:
            rep = self.ingest(fmt, batch, clients)
            n = self.stored()
        finally:
            self.stop()
        if n != self.w.readings:
            raise BenchError(f"akari stored {n} readings, "
                             f"{self.w.readings} were acknowledged")

        # The server's last connection has checkpointed; make sure.
        with sqlite3.connect(db) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        rep["bytes"] = disk_bytes([db, db + "-wal"])
        rep["db"] = db
        return rep

    def queries(self, db):
        w = self.w
        self.start(db)
        try:
            year = self.ingest("lp", 5000, 1, points=1, key="bench/year",
                               minutes=w.year_minutes, start=YEAR_START)
            return year, self.query_all()
        finally:
            self.stop()

    def query_all(self):
        w = self.w
        year_end = YEAR_START + 60 * w.year_minutes
        energy = (f"{self.url}/api/v1/points/bench%2Fyear/aggregate?"
                  f"from={YEAR_START}&to={year_end}&interval=day&fn=energy")
        # One call for the meters: the year's point is on the same site
        # and is named out.
        hourly = [f"{self.url}/api/v1/sites/bench/aggregate?"
                  f"from={DAY_START}&to={DAY_START + 86400}"
                  f"&interval=hour&fn=avg&points="
                  + ",".join(urllib.parse.quote(k, '') for k in w.keys())]

        # What the answers hold, once, outside the clock.
        _, body = http("GET", energy)
        days = len(json.loads(body)["buckets"])
        _, body = http("GET", hourly[0])
        answer = json.loads(body)
        hours = len(answer["starts"])
        if len(answer["points"]) != w.points:
            raise BenchError(f"(b) answered {len(answer['points'])} "
                             f"points, not {w.points}")

        a = get(self.args, self.workdir, [energy], repeat=QUERY_REPEAT)
        # From 1 client, the median of single calls; from 4, each client
        # calls QUERY_REPEAT times at once with the others, and the
        # figure is the median time a call took.
        b1 = get(self.args, self.workdir, hourly, repeat=QUERY_REPEAT)
        b4 = get(self.args, self.workdir, hourly, clients=4,
                 repeat=4 * QUERY_REPEAT)
        return {"energy_s": statistics.median(a["each_s"]),
                "energy_days": days, "hourly_hours": hours,
                "hourly_1_s": statistics.median(b1["each_s"]),
                "hourly_4_s": statistics.median(b4["each_s"]),
                "hourly_bytes": len(body),
                "hourly_calls": len(hourly)}


# --- InfluxDB ------------------------------------------------------------

class Influx:
    """influxd 1.x with its default storage settings (WAL fsynced on every
    write) in its own directory, on free loopback ports."""

    def __init__(self, args, w, workdir):
        self.args = args
        self.w = w
        self.workdir = workdir
        self.proc = None
        self.url = None
        self.dir = None

    def version(self):
        p = subprocess.run(["influxd", "version"], capture_output=True,
                           text=True)
        return p.stdout.strip()

    def start(self, name):
        self.dir = os.path.join(self.workdir, name)
        os.makedirs(self.dir)
        http_port, rpc_port = free_port(), free_port()
        conf = os.path.join(self.dir, "influxdb.conf")
        # Only what must differ from the defaults: places, ports, no
        # phoning home, no self-monitoring writes competing with the
        # bench.  A cold cache is written to TSM after 5 s instead of 10
        # min, so that bytes on disk can be read soon after the writes
        # stop; while writes go on it changes nothing.
        with open(conf, "w") as f:
            f.write(f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{self.dir}/meta"
[data]
  dir = "{self.dir}/data"
  wal-dir = "{self.dir}/wal"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "5s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
[logging]
  level = "warn"
""")
        self.url = f"http://127.0.0.1:{http_port}"
        self.proc = subprocess.Popen(
            ["influxd", "run", "-config", conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        up = False
        for _ in range(300):
            if self.proc.poll() is not None:
                break
            try:
                http("GET", self.url + "/ping", timeout=1)
                up = True
                break
            except OSError:
                time.sleep(0.1)
        if not up:
            self.stop()
            raise BenchError("influxd did not start")
        self.query("CREATE DATABASE bench", method="POST")

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def query_url(self, q):
        return (self.url + "/query?" +
                urllib.parse.urlencode({"db": "bench", "q": q}))

    def query(self, q, method="GET"):
        _, body = http(method, self.query_url(q), timeout=600)
        res = json.loads(body)["results"][0]
        if "error" in res:
            raise BenchError(f"influxdb: {q}: {res['error']}")
        return res

    def stored(self):
        res = self.query("SELECT count(value) FROM m")
        return res["series"][0]["values"][0][1] if "series" in res else 0

    def ingest(self, batch, clients, **kw):
        return write(self.args, self.w,
                     self.url + "/write?db=bench&precision=s", None, "lp",
                     batch, clients, **kw)

    def run(self, batch, clients, keep=False):
        self.start(f"influx-{batch}-{clients}")
        try:
            rep = self.ingest(batch, clients)
            n = self.stored()
            if n != self.w.readings:
                raise BenchError(f"influxdb stored {n} readings, "
                                 f"{self.w.readings} were acknowledged")
            if keep:
                rep["bytes"] = self.settled_bytes()
        except BaseException:
            self.stop()
            raise
        if not keep:
            self.stop()
        return rep

    def settled_bytes(self):
        """TSM + WAL of the database once the cache has been written out,
        InfluxDB's counterpart of a checkpoint."""
        data = os.path.join(self.dir, "data", "bench")
        wal = os.path.join(self.dir, "wal", "bench")
        for _ in range(120):
            time.sleep(0.5)
            if disk_bytes([wal]) < 64 * 1024:
                break
        time.sleep(1)
        return disk_bytes([data, wal])

    def queries(self):
        """On the server run(keep=True) left running."""
        w = self.w
        try:
            year = self.ingest(5000, 1, points=1, key="bench/year",
                               minutes=w.year_minutes, start=YEAR_START)
            year_end = YEAR_START + 60 * w.year_minutes
            ns = 1000000000
            energy = self.query_url(
                "SELECT integral(value, 1h) FROM m WHERE point = "
                f"'bench/year' AND time >= {YEAR_START * ns} AND "
                f"time < {year_end * ns} GROUP BY time(1d) tz('{TZ}')")
            hourly = self.query_url(
                "SELECT mean(value) FROM m WHERE "
                f"time >= {DAY_START * ns} AND "
                f"time < {(DAY_START + 86400) * ns} "
                f"GROUP BY time(1h), point tz('{TZ}')")

            _, body = http("GET", energy)
            days = len(json.loads(body)["results"][0]["series"][0]["values"])
            _, body = http("GET", hourly)
            series = json.loads(body)["results"][0]["series"]

            a = get(self.args, self.workdir, [energy], repeat=QUERY_REPEAT)
            b = get(self.args, self.workdir, [hourly], repeat=QUERY_REPEAT)
            return year, {"energy_s": statistics.median(a["each_s"]),
                          "energy_days": days,
                          "hourly_series": len(series),
                          "hourly_hours": len(series[0]["values"]),
                          "hourly_s": statistics.median(b["each_s"])}
        finally:
            self.stop()


# --- report --------------------------------------------------------------

def machine():
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} memory, " \
           f"{platform.system()} {platform.release()}"


def revision():
    """The source tree's commit, so that figures can be traced to code."""
    p = subprocess.run(["git", "-C", os.path.dirname(__file__) or ".",
                        "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return p.stdout.strip() or "unknown"


def rate(rep):
    return rep["readings"] / rep["wall_s"]


def ms(s):
    return f"{s * 1000:.1f} ms"


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def report(w, ak, ak_q, inf, inf_q, influx_version):
    out = []
    p = out.append
    p(f"machine: {machine()}")
    p(f"akari: {revision()}; load average at the start "
      f"{LOAD_AT_START:.2f} (other work on the machine skews the figures)")
    p(f"workload: {w.points} points x {w.minutes} one-minute readings = "
      f"{w.readings:,} readings, arrival order, over HTTP on loopback")
    if influx_version:
        p(f"InfluxDB: {influx_version}, default WAL fsync")
    p("")
    p("ingestion (every write acknowledged only once durable)")
    p(f"  {'system':8} {'format':6} {'batch':>6} {'clients':>7} "
      f"{'readings/s':>11} {'ack p50':>9} {'ack p99':>9} {'bytes/rd':>9}")
    for (fmt, batch, clients), rep in ak.items():
        p(f"  {'akari':8} {fmt:6} {batch:>6} {clients:>7} "
          f"{rate(rep):>11,.0f} {ms(rep['p50_s']):>9} "
          f"{ms(rep['p99_s']):>9} {rep['bytes'] / w.readings:>9.2f}")
    for (batch, clients), rep in inf.items():
        per = f"{rep['bytes'] / w.readings:.2f}" if "bytes" in rep else ""
        p(f"  {'influxdb':8} {'lp':6} {batch:>6} {clients:>7} "
          f"{rate(rep):>11,.0f} {ms(rep['p50_s']):>9} "
          f"{ms(rep['p99_s']):>9} {per:>9}")
    if inf:
        p("")
        p("akari / InfluxDB, line protocol (above 1 is akari ahead)")
        for (batch, clients), rep in inf.items():
            a = ak.get(("lp", batch, clients))
            if a:
                p(f"  batch {batch:>5}, {clients} client(s): readings/s "
                  f"{ratio(rate(a), rate(rep))}")
        last = [r for r in inf.values() if "bytes" in r]
        if last:
            a = ak[("lp", 5000, 4)]
            p(f"  bytes per reading: {ratio(a['bytes'], last[0]['bytes'])}"
              " (below 1 is akari smaller)")

    p("")
    year, q = ak_q
    p(f"queries ({w.year_label} of 1-minute data for one point: "
      f"{w.year_minutes:,} readings, ingested by line protocol at "
      f"{rate(year):,.0f}/s)")
    p(f"  akari    (a) daily energy over {w.year_label} "
      f"({q['energy_days']} buckets): {ms(q['energy_s'])} "
      f"(median of {QUERY_REPEAT})")
    p(f"  akari    (b) hourly mean of {w.points} points for one day: "
      f"{q['hourly_calls']} site aggregate call(s) of {w.points} x "
      f"{q['hourly_hours']} buckets ({q['hourly_bytes']:,} bytes), "
      f"{ms(q['hourly_1_s'])} from 1 client (median of {QUERY_REPEAT}), "
      f"{ms(q['hourly_4_s'])} a call with 4 clients calling at once")
    if inf_q:
        iyear, iq = inf_q
        p(f"  influxdb year ingested at {rate(iyear):,.0f}/s")
        p(f"  influxdb (a) integral(value, 1h) GROUP BY time(1d) "
          f"({iq['energy_days']} buckets): {ms(iq['energy_s'])}")
        p(f"  influxdb (b) one mean(value) GROUP BY time(1h), point "
          f"({iq['hourly_series']} series of {iq['hourly_hours']}): "
          f"{ms(iq['hourly_s'])}")
        p("  speed-up akari over InfluxDB (above 1 is akari faster): "
          f"(a) {ratio(iq['energy_s'], q['energy_s'])}, "
          f"(b) {ratio(iq['hourly_s'], q['hourly_1_s'])} from 1 client, "
          f"{ratio(iq['hourly_s'], q['hourly_4_s'])} from 4")
    return "\n".join(out)


def run_influx(args, w, workdir):
    influx = Influx(args, w, workdir)
    version = influx.version()
    inf = {}
    for batch in w.batches:
        for clients in w.clients:
            last = (batch, clients) == (5000, 4)
            log(f"influxdb: lp, batch {batch}, {clients} client(s)")
            inf[(batch, clients)] = influx.run(batch, clients, keep=last)
    log("influxdb: the year and the queries")
    return inf, influx.queries(), version


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--akari", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--quick", action="store_true",
                    help="100 points and 30 days: a minute, not ten")
    ap.add_argument("--no-influx", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory")
    args = ap.parse_args()

    global LOAD_AT_START
    LOAD_AT_START = os.getloadavg()[0]
    w = Workload(args.quick)
    workdir = tempfile.mkdtemp(prefix="akari-bench-")
    has_influx = not args.no_influx and shutil.which("influxd")
    t0 = time.monotonic()
    try:
        akari = Akari(args, w, workdir)
        akari.make_template()
        ak = {}
        for fmt in ("json", "lp"):
            for batch in w.batches:
                for clients in w.clients:
                    log(f"akari: {fmt}, batch {batch}, {clients} client(s)")
                    ak[(fmt, batch, clients)] = akari.run(fmt, batch,
                                                          clients)
        log("akari: the year and the queries")
        ak_q = akari.queries(ak[("lp", 5000, 4)]["db"])

        inf, inf_q, version = {}, None, None
        if has_influx:
            # akari's figures took minutes; a failing yardstick should
            # not take them away.
            try:
                inf, inf_q, version = run_influx(args, w, workdir)
            except (BenchError, OSError) as e:
                log(f"influxdb: {e}; akari's figures alone")
                inf, inf_q, version = {}, None, None
        else:
            log("influxd is not installed: akari alone "
                "(bench/install-influxdb.sh installs it)")

        print(report(w, ak, ak_q, inf, inf_q, version))
        log(f"bench took {time.monotonic() - t0:.0f} s")
    except BenchError as e:
        log(f"bench: {e}")
        return 1
    finally:
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
