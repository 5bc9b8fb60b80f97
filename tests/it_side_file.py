#!/usr/bin/env python3
"""The arrival log's side file `<db>-arrivals` (docs/storage.md), as an
operator can leave it: another database's side file beside this one
(copied, or left by a killed server of a file since replaced by hand)
is moved aside, never merged, and the database opens; a side file of
this database is merged; the side file gets the database's permissions.

The side files are written here with Python's sqlite3 in the layout of
docs/storage.md: a table arrivals (seq, n, body), each body n readings
of (point id int64, ts int64, value double) little-endian, and a table
owner holding the token of the database it belongs to (file_id.token of
the database, 16 random bytes).  Expected readings are the ones written.
"""
import glob
import os
import sqlite3
import stat
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
T = 1669820400          # 2022-11-30T15:00:00Z


def make_db(name):
    db = os.path.join(work, name + ".db")
    it.run("site", "add", "--db", db, name, "--kind", "building", "--tz",
           "Asia/Tokyo")
    it.run("point", "add", "--db", db, f"{name}/p", "--site", name,
           "--quantity", "power", "--unit", "kW", "--step", "60")
    return db


def token_of(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT token FROM file_id").fetchone()[0]
    finally:
        con.close()


def point_id(db, key):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id FROM points WHERE key = ?",
                           (key,)).fetchone()[0]
    finally:
        con.close()


def write_side(db, token, pid, values):
    side = db + "-arrivals"
    body = b"".join(struct.pack("<qqd", pid, T + 60 * i, v)
                    for i, v in enumerate(values))
    con = sqlite3.connect(side)
    try:
        con.execute("CREATE TABLE arrivals (seq INTEGER PRIMARY KEY, "
                    "n INTEGER NOT NULL, body BLOB NOT NULL)")
        con.execute("CREATE TABLE owner (id INTEGER PRIMARY KEY "
                    "CHECK (id = 1), token BLOB NOT NULL)")
        con.execute("INSERT INTO owner VALUES (1, ?)", (token,))
        con.execute("INSERT INTO arrivals VALUES (7, ?, ?)",
                    (len(values), body))
        con.commit()
    finally:
        con.close()


a, b = make_db("a"), make_db("b")
pa, pb = point_id(a, "a/p"), point_id(b, "b/p")
c.eq(pa, pb, "both points have the same id, as two fresh files do")
c.true(token_of(a) != token_of(b), "two databases have two tokens")

# (1) a's side file beside b: b opens, b/p holds nothing, the file is
# kept aside under a name that says so, and the log says why.
write_side(b, token_of(a), pb, [1000.0, 1001.0, 1002.0])
r = it.run("quarantine", "list", "--db", b, check=False)
c.eq(r.returncode, 0, f"b opens beside a's side file ({r.stderr.strip()})")
c.true("belongs to another database" in r.stderr,
       f"the log names the foreign side file ({r.stderr.strip()})")
c.eq(it.stored_point(b, "b/p"), [], "b/p holds none of a's readings")
aside = glob.glob(b + "-arrivals.foreign-*")
c.eq(len(aside), 1, "the foreign side file is kept aside")
if aside:
    con = sqlite3.connect(aside[0])
    c.eq(con.execute("SELECT seq, n FROM arrivals").fetchall(), [(7, 3)],
         "the file kept aside still holds its batch")
    con.close()

# (2) b's own side file, as a killed server leaves it: merged at open.
for f in glob.glob(b + "-arrivals*"):
    os.remove(f)
write_side(b, token_of(b), pb, [5.0, 6.0])
it.run("quarantine", "list", "--db", b)
c.eq(it.stored_point(b, "b/p"), [(T, 5.0), (T + 60, 6.0)],
     "b's own side file is merged at open")

# (3) the side file a server makes has the database's permissions.
os.chmod(b, 0o600)
with it.Server(b) as srv:
    side = b + "-arrivals"
    ok = it.wait_for(lambda: os.path.exists(side))
    c.true(ok, "the server makes its side file")
    if ok:
        c.eq(oct(stat.S_IMODE(os.stat(side).st_mode)), oct(0o600),
             "the side file's mode is the database's")
c.finish_in(work)
