"""it_notify: what akari tells systemd, read from a socket of our own.

systemd hands a Type=notify service the path of a Unix datagram socket
in NOTIFY_SOCKET and, with WatchdogSec=, the watchdog period in
WATCHDOG_USEC.  This test binds such a socket itself and plays the
service manager:

(a) `akari serve`: READY=1 arrives, and at that moment the server
already answers GET /api/v1/health (asked once, no retry).  Its STATUS=
names the database.  WATCHDOG=1 then arrives again and again.  SIGTERM
brings STOPPING=1 and a clean exit.  A server given no WATCHDOG_USEC
still says READY=1 and STOPPING=1 but never WATCHDOG=1.
(b) `akari kiosk --png-dir` against a real server: READY=1 arrives only
once the first frame file exists, WATCHDOG=1 repeats while it plays,
SIGTERM brings STOPPING=1 and a clean exit.
(c) The unit files in contrib/systemd pass `systemd-analyze verify` with
no complaint, where systemd-analyze is installed.  verify insists that
ExecStart's binary exists, so the copies checked here name the binary
just built (akari, or akari-kiosk for the player's unit) instead of
/usr/local/bin's; nothing else is changed.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

DEADLINE = 60  # seconds a single wait may take before it counts as failed
WATCHDOG_USEC = 1000000  # akari pings every half of it: 0.5 s
PINGS = 3  # "repeatedly"

c = it.Checks()
work = it.tmpdir()
procs = []


class NotifySocket:
    """The service manager's end: a bound datagram socket."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []  # every message received, in order

    def env(self, watchdog=True):
        env = dict(os.environ, NOTIFY_SOCKET=self.path)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        if watchdog:
            env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        return env

    def wait(self, key, count=1):
        """Receives until `count` messages holding KEY=1 arrived since
        this socket was made; returns the last one, or None."""
        end = time.time() + DEADLINE
        while self.count(key) < count:
            left = end - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return None
            self.messages.append(fields(data.decode()))
        return [m for m in self.messages if m.get(key) == "1"][count - 1]

    def count(self, key):
        return sum(1 for m in self.messages if m.get(key) == "1")

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def fields(msg):
    """ "READY=1\\nSTATUS=..." as a dict."""
    out = {}
    for line in msg.split("\n"):
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def exit_status(p):
    """Waits for p, already signalled once: a second signal could land
    after the handlers are put back and kill it."""
    try:
        return p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def serve(db, env, log):
    with open(log, "w") as f:
        p = subprocess.Popen([it.AKARI, "serve", "--db", db, "--listen",
                              "127.0.0.1:0"], stdout=subprocess.PIPE,
                             stderr=f, text=True, env=env)
    procs.append(p)
    return p


def listening_url(p):
    line = p.stdout.readline()
    m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
    return m.group(1) if m else None


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


# --- (a) the server ----------------------------------------------------------

def phase_serve():
    ns = NotifySocket(os.path.join(work, "serve.sock"))
    db = os.path.join(work, "serve.db")
    log = os.path.join(work, "serve.log")
    p = serve(db, ns.env(), log)

    ready = ns.wait("READY")
    c.true(ready is not None, "serve: READY=1 arrives")
    if ready is None:
        print(read(log))
        stop(p)
        return
    # READY comes after the "listening" line, so that line is waiting.
    url = listening_url(p)
    c.true(url is not None, "serve: prints its address")
    status, _, body = it.get(url + "/api/v1/health")
    c.eq(status, 200, "serve: answers /health as soon as it is READY")
    c.eq(body.get("status") if isinstance(body, dict) else body, "ok",
         "serve: /health body")
    c.true(db in ready.get("STATUS", ""),
           f"serve: STATUS= names the database ({ready!r})")

    c.true(ns.wait("WATCHDOG", PINGS) is not None,
           f"serve: WATCHDOG=1 arrives {PINGS} times")
    c.eq(ns.count("STOPPING"), 0, "serve: no STOPPING=1 before SIGTERM")

    p.send_signal(signal.SIGTERM)
    c.true(ns.wait("STOPPING") is not None, "serve: STOPPING=1 on SIGTERM")
    c.eq(exit_status(p), 0, "serve: exit status after SIGTERM")
    ns.close()

    # No WATCHDOG_USEC: no watchdog asked for, so no pings, ever.
    ns = NotifySocket(os.path.join(work, "serve-nowd.sock"))
    p = serve(os.path.join(work, "serve-nowd.db"), ns.env(watchdog=False),
              os.path.join(work, "serve-nowd.log"))
    c.true(ns.wait("READY") is not None, "serve, no watchdog: READY=1")
    url = listening_url(p)
    # Requests in between give the server time it could ping in.
    for _ in range(10):
        it.get(url + "/api/v1/health")
    p.send_signal(signal.SIGTERM)
    c.true(ns.wait("STOPPING") is not None,
           "serve, no watchdog: STOPPING=1")
    c.eq(exit_status(p), 0, "serve, no watchdog: exit status")
    c.eq(ns.count("WATCHDOG"), 0, "serve, no watchdog: no WATCHDOG=1")
    ns.close()


def phase_long_status():
    """STATUS= is cut to 255 bytes; the cut must not split a character,
    or systemd drops the status as not UTF-8.  The database's directory
    is k ASCII bytes then 3-byte characters, with k chosen so that byte
    255 of "serving DB on port N" falls one byte into a character."""
    prefix = "serving " + work + "/"
    k = (254 - len(prefix.encode())) % 3
    head = len(prefix.encode()) + k
    c.eq((255 - head) % 3, 1, "long STATUS: the cut falls in a character")
    sub = os.path.join(work, "a" * k + "\u30c7" * 80)
    os.mkdir(sub)
    db = os.path.join(sub, "s.db")
    ns = NotifySocket(os.path.join(work, "long.sock"))
    p = serve(db, ns.env(watchdog=False), os.path.join(work, "long.log"))
    ns.sock.settimeout(DEADLINE)
    try:
        raw = ns.sock.recv(4096)
    except socket.timeout:
        raw = b""
    status = raw.split(b"STATUS=", 1)[-1]
    try:
        text = status.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    c.true(text is not None, f"long STATUS: UTF-8 ({status[-4:]!r})")
    full = f"serving {db} on port"
    c.true(text is not None and 240 <= len(status) <= 255 and
           full.startswith(text), "long STATUS: a prefix, whole characters")
    listening_url(p)
    p.send_signal(signal.SIGTERM)
    exit_status(p)
    ns.close()


# --- (b) the kiosk -----------------------------------------------------------

def phase_kiosk():
    db = os.path.join(work, "kiosk.db")
    server = serve(db, None, os.path.join(work, "kiosk-serve.log"))
    url = listening_url(server)
    if url is None:
        c.true(False, "kiosk: its server starts")
        stop(server)
        return

    ns = NotifySocket(os.path.join(work, "kiosk.sock"))
    frames = os.path.join(work, "frames")
    os.mkdir(frames)
    log = os.path.join(work, "kiosk.log")
    with open(log, "w") as f:
        p = subprocess.Popen(
            [it.AKARI, "kiosk", "--server", url, "--png-dir", frames,
             "--window", "320x180", "--no-cache", "--slide-seconds", "1",
             "--fade-seconds", "0"],
            stdout=f, stderr=subprocess.STDOUT, env=ns.env())
    procs.append(p)

    ready = ns.wait("READY")
    c.true(ready is not None, "kiosk: READY=1 arrives")
    first = os.path.join(frames, "frame-000001.png")
    # Checked at once: the frame must be on disk before READY is sent.
    c.true(os.path.exists(first), "kiosk: first frame exists at READY")
    if ready is None:
        print(read(log))

    c.true(ns.wait("WATCHDOG", PINGS) is not None,
           f"kiosk: WATCHDOG=1 arrives {PINGS} times")
    c.eq(ns.count("STOPPING"), 0, "kiosk: no STOPPING=1 before SIGTERM")

    p.send_signal(signal.SIGTERM)
    c.true(ns.wait("STOPPING") is not None, "kiosk: STOPPING=1 on SIGTERM")
    c.eq(exit_status(p), 0, "kiosk: exit status after SIGTERM")
    ns.close()
    stop(server)


# --- (c) the unit files ------------------------------------------------------

def phase_units():
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("note: systemd-analyze not installed; the unit files are "
              "not verified here", flush=True)
        return
    src = os.path.join(it.SOURCE_DIR, "contrib", "systemd")
    units = []
    for name in sorted(os.listdir(src)):
        if not name.endswith(".service"):
            continue
        text = read(os.path.join(src, name))
        # The server's unit runs akari, the player's akari-kiosk.
        binary = "akari-kiosk" if name == "akari-kiosk.service" else "akari"
        c.true(f"/usr/local/bin/{binary} " in text,
               f"{name}: ExecStart runs /usr/local/bin/{binary}")
        for want in ("Type=notify", "Restart=always", "WatchdogSec=",
                     "ProtectSystem=strict", "NoNewPrivileges=yes"):
            c.true(re.search("^" + want, text, re.M),
                   f"{name}: has {want}")
        with open(os.path.join(work, name), "w") as f:
            built = os.path.join(os.path.dirname(os.path.abspath(it.AKARI)),
                                 binary)
            f.write(text.replace(f"/usr/local/bin/{binary} ", built + " "))
        units.append(os.path.join(work, name))
    c.eq(len(units), 2, "unit files in contrib/systemd")

    p = subprocess.run([analyze, "verify", *units], capture_output=True,
                       text=True, timeout=120)
    # verify exits 0 for unknown keys too, so anything printed fails.
    c.eq(p.returncode, 0, "systemd-analyze verify: exit status")
    c.eq(p.stdout + p.stderr, "", "systemd-analyze verify: no complaint")


try:
    phase_serve()
    phase_long_status()
    phase_kiosk()
    phase_units()
finally:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shutil.rmtree(work, ignore_errors=True)
c.finish()
