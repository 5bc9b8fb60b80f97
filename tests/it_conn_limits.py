"""Integration test of the server's connection limits (docs/api.md,
"Running the server"), on a real `akari serve`:

1. 200 idle TCP connections from one address (127.0.0.1) do not take
   the server down: a request from another loopback address
   (127.0.0.2) is still answered 200.
2. A connection from that address past its limit of 64 is closed by the
   server instead of being served: a request sent on it gets no HTTP
   answer (the socket is closed or reset).
3. Once the idle connections are gone, the address is served again.

The socket timeout only guards against a hang; no time is measured.
"""
import os
import socket
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "conns.db")
IDLE = 200
PER_IP = 64  # docs/api.md
GUARD_S = 60


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(GUARD_S)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def health(port, src):
    """The status line of GET /api/v1/health from src, or "" when the
    server closed the connection without an answer."""
    s = connect(port, src)
    try:
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return data.split(b"\r\n", 1)[0].decode("latin-1")


it.run("site", "add", "town", "--db", db, "--kind", "grid",
       "--tz", "Asia/Tokyo")
with it.Server(db) as srv:
    port = urllib.parse.urlsplit(srv.url).port
    c.true(health(port, "127.0.0.1").startswith("HTTP/1.1 200"),
           "health answered before the idle connections")
    idle = [connect(port, "127.0.0.1") for _ in range(IDLE)]
    c.true(health(port, "127.0.0.2").startswith("HTTP/1.1 200"),
           "health from another address answered with %d idle "
           "connections open" % IDLE)
    c.eq(health(port, "127.0.0.1"), "",
         "a connection past the %d of one address is closed unanswered"
         % PER_IP)
    for s in idle:
        s.close()
    served = it.wait_for(
        lambda: health(port, "127.0.0.1").startswith("HTTP/1.1 200"),
        timeout=GUARD_S)
    c.true(served, "the address is served again once its idle "
           "connections are closed")
    c.eq(srv.stop(), 0, "server stops cleanly")

c.finish_in(work)
