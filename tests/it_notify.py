"""it_notify: what akari tells systemd, read from a socket of our own.

systemd hands a Type=notify service the name of a Unix datagram socket
in NOTIFY_SOCKET: a file system path, or an abstract socket when it
starts with '@' (sd_notify(3)).  Each message is one datagram of
newline-separated assignments.  With WatchdogSec= it also passes the
period in WATCHDOG_USEC and the process it asks pings of in
WATCHDOG_PID; the watchdog is this process's when WATCHDOG_USEC is set
and WATCHDOG_PID is unset or this process's PID (sd_watchdog_enabled(3)).
This test binds such sockets itself and plays the service manager:

(a) `akari serve`: READY=1 arrives, and at that moment the server
already answers GET /api/v1/health (asked once, no retry).  Its STATUS=
names the database.  WATCHDOG=1 then arrives again and again, at least
once per WATCHDOG_USEC.  SIGTERM brings STOPPING=1 and a clean exit.  A
server given no WATCHDOG_USEC, or a WATCHDOG_PID of another process,
still says READY=1 and STOPPING=1 but never WATCHDOG=1; given its own
PID in WATCHDOG_PID (set by a shell that then execs it, as systemd
does), it pings.  The same over an abstract socket.  A path of 107
bytes and an abstract name of 107 (the most sun_path holds) work.
(b) `akari kiosk` over a path and `akari-kiosk` over an abstract socket,
writing PNG frames from a real server: READY=1 arrives only once the
first frame file exists, WATCHDOG=1 repeats while it plays, SIGTERM
brings STOPPING=1 and a clean exit.
(c) A socket that cannot be used never stops akari: a missing path, an
abstract name nobody bound, a path too long for sun_path and a relative
path; the server still answers and stops cleanly, and says so once in
its log rather than at every ping.  A socket whose queue is full and
never read does not hold the kiosk: it draws its frames and exits.
(d) The unit files in contrib/systemd pass `systemd-analyze verify` with
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
KIOSK = os.path.join(os.path.dirname(os.path.abspath(it.AKARI)),
                     "akari-kiosk")
SUN_PATH = 108  # bytes of sockaddr_un.sun_path on Linux


def abstract_name(tag, size=None):
    """'@' and a name no other run uses, padded to SIZE bytes after the
    '@' when given."""
    name = f"@akari-it-notify-{os.getpid()}-{tag}"
    if size is not None:
        name += "x" * (size - len(name) + 1)
    return name


def notify_env(name, watchdog=True):
    """The environment a Type=notify unit gets, NOTIFY_SOCKET=name."""
    env = dict(os.environ, NOTIFY_SOCKET=name)
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    if watchdog:
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    return env


class NotifySocket:
    """The service manager's end: a bound datagram socket, at a path or,
    for a name starting with '@', in the abstract namespace."""

    def __init__(self, name):
        self.name = name
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + name[1:] if name.startswith("@") else name)
        self.messages = []  # every message received, in order
        self.times = []  # when each arrived (time.monotonic())
        self.bad = []  # datagrams that are not assignments in UTF-8

    def env(self, watchdog=True):
        return notify_env(self.name, watchdog)

    def receive(self, timeout):
        """One datagram as a dict, or None after TIMEOUT seconds."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        try:
            msg = fields(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.bad.append(data)
            msg = {}
        self.messages.append(msg)
        self.times.append(time.monotonic())
        return msg

    def drain(self, seconds):
        """Receives whatever comes within SECONDS."""
        end = time.time() + seconds
        while time.time() < end:
            self.receive(max(0.01, end - time.time()))

    def wait(self, key, count=1):
        """Receives until `count` messages holding KEY=1 arrived since
        this socket was made; returns the last one, or None."""
        end = time.time() + DEADLINE
        while self.count(key) < count:
            left = end - time.time()
            if left <= 0 or self.receive(left) is None:
                return None
        return [m for m in self.messages if m.get(key) == "1"][count - 1]

    def count(self, key):
        return sum(1 for m in self.messages if m.get(key) == "1")

    def gaps(self, key):
        """Seconds between consecutive messages holding KEY=1."""
        t = [w for m, w in zip(self.messages, self.times)
             if m.get(key) == "1"]
        return [b - a for a, b in zip(t, t[1:])]

    def close(self, what):
        c.eq(self.bad, [], f"{what}: every datagram is UTF-8 assignments")
        self.sock.close()
        if not self.name.startswith("@"):
            os.unlink(self.name)


def fields(msg):
    """ "READY=1\\nSTATUS=..." as a dict; ValueError for a line that is
    not an assignment (a trailing newline is allowed)."""
    out = {}
    for line in msg.split("\n"):
        if line == "":
            continue
        k, sep, v = line.partition("=")
        if not sep or not k:
            raise ValueError(line)
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


def serve(db, env, log, own_pid=False):
    """`akari serve` on a free port; with OWN_PID, WATCHDOG_PID is its
    own PID, set by a shell that then execs it in the same process."""
    argv = [it.AKARI, "serve", "--db", db, "--listen", "127.0.0.1:0"]
    if own_pid:
        argv = ["sh", "-c", 'WATCHDOG_PID=$$; export WATCHDOG_PID; '
                'exec "$@"', "sh"] + argv
    with open(log, "w") as f:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=f,
                             text=True, env=env)
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

def serve_with_watchdog(name, what):
    """READY=1 with the server answering and STATUS= naming the database,
    WATCHDOG=1 again and again, STOPPING=1 on SIGTERM, over socket
    NAME."""
    ns = NotifySocket(name)
    db = os.path.join(work, what + ".db")
    log = os.path.join(work, what + ".log")
    p = serve(db, ns.env(), log)

    ready = ns.wait("READY")
    c.true(ready is not None, f"{what}: READY=1 arrives")
    if ready is None:
        print(read(log))
        stop(p)
        ns.close(what)
        return
    # READY comes after the "listening" line, so that line is waiting.
    url = listening_url(p)
    c.true(url is not None, f"{what}: prints its address")
    status, _, body = it.get(url + "/api/v1/health")
    c.eq(status, 200, f"{what}: answers /health as soon as it is READY")
    c.eq(body.get("status") if isinstance(body, dict) else body, "ok",
         f"{what}: /health body")
    c.true(db in ready.get("STATUS", ""),
           f"{what}: STATUS= names the database ({ready!r})")

    c.true(ns.wait("WATCHDOG", PINGS) is not None,
           f"{what}: WATCHDOG=1 arrives {PINGS} times")
    # The manager acts when a period passes without one; the typical
    # gap must be well inside it (a loaded machine may stretch one).
    gaps = sorted(ns.gaps("WATCHDOG"))
    c.true(gaps and gaps[len(gaps) // 2] < WATCHDOG_USEC / 1e6,
           f"{what}: pings come within WATCHDOG_USEC ({gaps})")
    c.eq(ns.count("STOPPING"), 0, f"{what}: no STOPPING=1 before SIGTERM")

    p.send_signal(signal.SIGTERM)
    c.true(ns.wait("STOPPING") is not None,
           f"{what}: STOPPING=1 on SIGTERM")
    c.eq(exit_status(p), 0, f"{what}: exit status after SIGTERM")
    ns.close(what)


def serve_without_pings(what, env_of, own_pid=False):
    """READY=1 and STOPPING=1 but no WATCHDOG=1 over 1.5 times the
    period a watchdog would have asked for (three pings' worth).
    env_of(ns) is the environment."""
    ns = NotifySocket(os.path.join(work, what + ".sock"))
    p = serve(os.path.join(work, what + ".db"), env_of(ns),
              os.path.join(work, what + ".log"), own_pid)
    c.true(ns.wait("READY") is not None, f"{what}: READY=1")
    listening_url(p)
    ns.drain(1.5 * WATCHDOG_USEC / 1e6)
    p.send_signal(signal.SIGTERM)
    c.true(ns.wait("STOPPING") is not None, f"{what}: STOPPING=1")
    c.eq(exit_status(p), 0, f"{what}: exit status")
    c.eq(ns.count("WATCHDOG"), 0, f"{what}: no WATCHDOG=1")
    ns.close(what)


def phase_serve():
    serve_with_watchdog(os.path.join(work, "serve.sock"), "serve")
    serve_with_watchdog(abstract_name("serve"), "serve, abstract socket")

    # No WATCHDOG_USEC: no watchdog asked for, so no pings, ever.
    serve_without_pings("serve, no WATCHDOG_USEC",
                        lambda ns: ns.env(watchdog=False))

    # WATCHDOG_USEC with the PID of another live process (this one):
    # that process's watchdog, not the server's.
    def other(ns):
        return dict(ns.env(), WATCHDOG_PID=str(os.getpid()))
    serve_without_pings("serve, another WATCHDOG_PID", other)

    # WATCHDOG_PID naming the server itself: it pings.
    ns = NotifySocket(os.path.join(work, "own-pid.sock"))
    p = serve(os.path.join(work, "own-pid.db"), ns.env(),
              os.path.join(work, "own-pid.log"), own_pid=True)
    c.true(ns.wait("READY") is not None, "serve, own WATCHDOG_PID: READY=1")
    listening_url(p)
    c.true(ns.wait("WATCHDOG", PINGS) is not None,
           f"serve, own WATCHDOG_PID: WATCHDOG=1 arrives {PINGS} times")
    p.send_signal(signal.SIGTERM)
    c.eq(exit_status(p), 0, "serve, own WATCHDOG_PID: exit status")
    ns.close("serve, own WATCHDOG_PID")


def phase_longest_names():
    """The longest names sun_path holds: a path of 107 bytes and its
    terminating NUL, and an abstract name of 107 bytes after its NUL."""
    d = work
    while SUN_PATH - 1 - len(d) > 60:
        d = os.path.join(d, "d" * 40)
        os.mkdir(d)
    path = os.path.join(d, "n" * (SUN_PATH - 2 - len(d)))
    c.eq(len(path.encode()), SUN_PATH - 1, "the longest path: its length")
    name = abstract_name("long", SUN_PATH - 1)
    c.eq(len(name.encode()), SUN_PATH, "the longest abstract name: length")
    for sock, what in ((path, "the longest path"),
                       (name, "the longest abstract name")):
        ns = NotifySocket(sock)
        p = serve(os.path.join(work, "longest.db"), ns.env(watchdog=False),
                  os.path.join(work, "longest.log"))
        c.true(ns.wait("READY") is not None, f"{what}: READY=1 arrives")
        listening_url(p)
        p.send_signal(signal.SIGTERM)
        c.true(ns.wait("STOPPING") is not None,
               f"{what}: STOPPING=1 arrives")
        c.eq(exit_status(p), 0, f"{what}: exit status")
        ns.close(what)


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
    c.true(raw.startswith(b"READY=1\n"),
           f"long STATUS: READY=1 whole, before it ({raw[:16]!r})")
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
    ns.sock.close()
    os.unlink(ns.name)


# --- (b) the kiosk -----------------------------------------------------------

def kiosk_phase(argv, name, what):
    db = os.path.join(work, what + ".db")
    server = serve(db, None, os.path.join(work, what + "-serve.log"))
    url = listening_url(server)
    if url is None:
        c.true(False, f"{what}: its server starts")
        stop(server)
        return

    ns = NotifySocket(name)
    frames = os.path.join(work, what + "-frames")
    os.mkdir(frames)
    log = os.path.join(work, what + ".log")
    with open(log, "w") as f:
        p = subprocess.Popen(
            argv + ["--server", url, "--png-dir", frames,
                    "--window", "320x180", "--no-cache",
                    "--slide-seconds", "1", "--fade-seconds", "0"],
            stdout=f, stderr=subprocess.STDOUT, env=ns.env())
    procs.append(p)

    ready = ns.wait("READY")
    c.true(ready is not None, f"{what}: READY=1 arrives")
    first = os.path.join(frames, "frame-000001.png")
    # Checked at once: the frame must be on disk before READY is sent.
    c.true(os.path.exists(first), f"{what}: first frame exists at READY")
    if ready is None:
        print(read(log))

    c.true(ns.wait("WATCHDOG", PINGS) is not None,
           f"{what}: WATCHDOG=1 arrives {PINGS} times")
    c.eq(ns.count("STOPPING"), 0, f"{what}: no STOPPING=1 before SIGTERM")

    p.send_signal(signal.SIGTERM)
    c.true(ns.wait("STOPPING") is not None,
           f"{what}: STOPPING=1 on SIGTERM")
    c.eq(exit_status(p), 0, f"{what}: exit status after SIGTERM")
    ns.close(what)
    stop(server)


def phase_kiosk():
    kiosk_phase([it.AKARI, "kiosk"], os.path.join(work, "kiosk.sock"),
                "kiosk")
    kiosk_phase([KIOSK], abstract_name("kiosk"), "akari-kiosk, abstract")


# --- (c) sockets akari cannot use --------------------------------------------

def phase_unusable():
    """Each name below reaches no socket.  The server starts, answers,
    keeps going past a few watchdog periods and stops cleanly; its log
    names the socket once, not at every failed ping."""
    cases = [
        (os.path.join(work, "nobody-here.sock"), "a missing path"),
        (abstract_name("nobody"), "an abstract name nobody bound"),
        ("/" + "p" * SUN_PATH, "a path over sun_path"),
        ("relative.sock", "a relative path"),
    ]
    for i, (name, what) in enumerate(cases):
        log = os.path.join(work, f"unusable-{i}.log")
        p = serve(os.path.join(work, f"unusable-{i}.db"), notify_env(name),
                  log)
        url = listening_url(p)
        c.true(url is not None, f"{what}: the server starts")
        if url is None:
            print(read(log))
            stop(p)
            continue
        time.sleep(1.5 * WATCHDOG_USEC / 1e6)  # three failed pings
        status, _, _ = it.get(url + "/api/v1/health")
        c.eq(status, 200, f"{what}: the server answers")
        p.send_signal(signal.SIGTERM)
        c.eq(exit_status(p), 0, f"{what}: exit status after SIGTERM")
        lines = [ln for ln in read(log).splitlines() if name in ln]
        c.eq(len(lines), 1, f"{what}: the log names the socket once "
             f"({lines})")


def phase_full_queue():
    """A bound socket nobody reads, its queue filled first: every send
    finds no room.  The kiosk still draws its frames and exits."""
    ns = NotifySocket(abstract_name("full"))
    ns.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    filler.setblocking(False)
    queued = 0
    try:
        while queued < 100000:
            filler.sendto(b"STATUS=filler", "\0" + ns.name[1:])
            queued += 1
    except BlockingIOError:
        pass
    filler.close()
    c.true(0 < queued < 100000, f"full queue: filled ({queued})")

    frames = os.path.join(work, "full-frames")
    log = os.path.join(work, "full.log")
    started = time.monotonic()
    try:
        p = subprocess.run(
            [KIOSK, "--server", f"http://127.0.0.1:{it.free_port()}",
             "--png-dir", frames, "--window", "320x180", "--no-cache",
             "--slide-seconds", "1", "--fade-seconds", "0",
             "--frames", "3", "--retry-max", "1"],
            env=ns.env(), capture_output=True, text=True,
            timeout=DEADLINE)
        rc, text = p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, text = None, str(e.stderr)
    took = time.monotonic() - started
    c.eq(rc, 0, f"full queue: the kiosk draws 3 frames and exits "
         f"({took:.1f} s)")
    c.true(os.path.exists(os.path.join(frames, "frame-000003.png")),
           "full queue: its third frame")
    lines = [ln for ln in text.splitlines() if ns.name in ln]
    c.eq(len(lines), 1, f"full queue: the log names the socket once "
         f"({lines})")
    ns.sock.close()


# --- (d) the unit files ------------------------------------------------------

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
    phase_longest_names()
    phase_long_status()
    phase_kiosk()
    phase_unusable()
    phase_full_queue()
    phase_units()
finally:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shutil.rmtree(work, ignore_errors=True)
c.finish()
