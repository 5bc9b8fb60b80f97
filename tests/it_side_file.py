#!/usr/bin/env python3
"""The arrival log's side file `<db>-arrivals` (docs/storage.md), as an
operator can leave it: another database's side file beside this one
(copied, or left by a killed server of a file since replaced by hand)
is moved aside, never merged, and the database opens; a side file of
this database is merged, but for a batch whose body is not n readings,
which is left out with an error; a file that is not a side file at all
is moved aside and the database opens; another database's side file is
not added to a backup; the side file gets the database's permissions;
a side file with a page broken in the middle of its batches is set
aside and every batch on the pages still readable is merged; a batch
naming a point the database does not have is merged without those
readings, which are kept in `<db>-arrivals.unknown`, and the open goes
on.

The side files are written here with Python's sqlite3 in the layout of
docs/storage.md: a table arrivals (seq, n, body), each body n readings
of (point id int64, ts int64, value double) little-endian, and a table
owner holding the token of the database it belongs to (file_id.token of
the database, 16 random bytes).  Expected readings are the ones written;
for the broken page, the batches it held are read from the page's own
bytes (SQLite's file format: cell pointers, then each cell's payload
size and rowid as varints) before it is broken.
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


def write_side(db, token, pid, values, bad=False, seq=7):
    """A side file of one batch (seq) of values a minute apart from T;
    with bad, a second batch (seq + 1) whose body is a byte short.  A
    seq the database counts as merged (log_applied) is skipped."""
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
        con.execute("INSERT INTO arrivals VALUES (?, ?, ?)",
                    (seq, len(values), body))
        if bad:
            con.execute("INSERT INTO arrivals VALUES (?, 1, ?)", (seq + 1,
                        struct.pack("<qqd", pid, T + 3600, 9.0)[:-1]))
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

# (2b) a's side file beside b, and b backed up: the copy holds none of
# it (akari backup adds the side file's batches a copy lacks).
for f in glob.glob(b + "-arrivals*"):
    os.remove(f)
write_side(b, token_of(a), pb, [1000.0])
copy = os.path.join(work, "copy.db")
r = it.run("backup", "--db", b, "-o", copy, check=False)
c.eq(r.returncode, 0, f"backup beside a foreign side file ({r.stderr})")
if r.returncode == 0:
    c.eq(it.stored_point(copy, "b/p"), [(T, 5.0), (T + 60, 6.0)],
         "the backup holds b's readings and none of a's")

# (4) a side file with a batch a byte short: the good batch is merged,
# the bad one left out and named in the log.
for f in glob.glob(b + "-arrivals*"):
    os.remove(f)
write_side(b, token_of(b), pb, [7.0], bad=True, seq=20)
r = it.run("quarantine", "list", "--db", b, check=False)
c.eq(r.returncode, 0, f"b opens beside a damaged batch ({r.stderr})")
c.true("batch 21 holds 23 bytes for 1 readings" in r.stderr,
       f"the log names the damaged batch ({r.stderr.strip()})")
c.eq(it.stored_point(b, "b/p"), [(T, 7.0), (T + 60, 6.0)],
     "the good batch is merged, the damaged one left out")

# (5) not a side file at all: moved aside, and the database opens.
for f in glob.glob(b + "-arrivals*"):
    os.remove(f)
with open(b + "-arrivals", "wb") as f:
    f.write(b"this is not a database" * 200)
r = it.run("quarantine", "list", "--db", b, check=False)
c.eq(r.returncode, 0, f"b opens beside a file that is not a side file "
     f"({r.stderr.strip()})")
c.true("cannot be read" in r.stderr, f"the log says why ({r.stderr})")
c.eq(len(glob.glob(b + "-arrivals.damaged-*")), 1,
     "the unreadable file is kept aside")
c.eq(it.stored_point(b, "b/p"), [(T, 7.0), (T + 60, 6.0)],
     "b's readings are as they were")



def write_batches(db, token, batches):
    """A side file of the batches [(seq, [(point id, ts, value)])]."""
    con = sqlite3.connect(db + "-arrivals")
    try:
        con.execute("CREATE TABLE arrivals (seq INTEGER PRIMARY KEY, "
                    "n INTEGER NOT NULL, body BLOB NOT NULL)")
        con.execute("CREATE TABLE owner (id INTEGER PRIMARY KEY "
                    "CHECK (id = 1), token BLOB NOT NULL)")
        con.execute("INSERT INTO owner VALUES (1, ?)", (token,))
        for seq, rows in batches:
            body = b"".join(struct.pack("<qqd", p, t, v) for p, t, v in rows)
            con.execute("INSERT INTO arrivals VALUES (?, ?, ?)",
                        (seq, len(rows), body))
        con.commit()
    finally:
        con.close()


def varint(buf, i):
    """SQLite's varint at buf[i]: (value, index after it)."""
    v = 0
    for k in range(8):
        b = buf[i + k]
        v = (v << 7) | (b & 0x7F)
        if b < 0x80:
            return v, i + k + 1
    return (v << 8) | buf[i + 8], i + 9


def table_leaves(path, table):
    """[(page number, [rowid])] of the leaf pages of table, in key order,
    read from the file's bytes."""
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                       (table,)).fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(path, "rb") as f:
        data = f.read()
    leaves = []

    def walk(n):
        p = data[(n - 1) * size:n * size]
        h = 100 if n == 1 else 0
        cells = int.from_bytes(p[h + 3:h + 5], "big")
        if p[h] == 0x05:            # interior: children, then the right
            for k in range(cells):
                off = int.from_bytes(p[h + 12 + 2 * k:h + 14 + 2 * k], "big")
                walk(int.from_bytes(p[off:off + 4], "big"))
            walk(int.from_bytes(p[h + 8:h + 12], "big"))
        elif p[h] == 0x0D:          # leaf: payload size, rowid, payload
            rowids = []
            for k in range(cells):
                off = int.from_bytes(p[h + 8 + 2 * k:h + 10 + 2 * k], "big")
                _, j = varint(p, off)
                rowids.append(varint(p, j)[0])
            leaves.append((n, rowids))
    walk(root)
    return leaves, size


# (6) a page of the side file breaks in the middle of its batches: 400
# batches of one reading each (seq s: ts T + 60 s, value s), the second
# of its leaf pages made unreadable.  The database opens, every batch of
# the other pages is merged, the log names the file and the batches on
# either side of the damage, and the damaged file is kept aside.
d6 = make_db("c")
p6 = point_id(d6, "c/p")
write_batches(d6, token_of(d6),
              [(s, [(p6, T + 60 * s, float(s))]) for s in range(1, 401)])
leaves, page_size = table_leaves(d6 + "-arrivals", "arrivals")
c.true(len(leaves) >= 3, f"the batches fill {len(leaves)} leaf pages")
if len(leaves) >= 3:
    broken_page, lost = leaves[1]
    with open(d6 + "-arrivals", "r+b") as f:
        f.seek((broken_page - 1) * page_size)
        f.write(b"\x00")          # no page type is 0
    side_size = os.path.getsize(d6 + "-arrivals")
    r = it.run("quarantine", "list", "--db", d6, check=False)
    c.eq(r.returncode, 0, f"c opens beside a broken page ({r.stderr})")
    want = [(T + 60 * s, float(s)) for s in range(1, 401) if s not in lost]
    c.eq(it.stored_point(d6, "c/p"), want,
         f"every batch but the {len(lost)} of the broken page is merged")
    before, after = leaves[0][1][-1], leaves[2][1][0]
    c.true(f"cannot be read between batch {before} and batch {after}"
           in r.stderr, f"the log names the batches around the damage "
           f"({r.stderr.strip()})")
    c.true(d6 + "-arrivals" in r.stderr, "the log names the file")
    c.true("unmerged" not in r.stderr, "the log does not call the kept "
           "batches unmerged")
    aside = glob.glob(d6 + "-arrivals.damaged-*")
    c.eq(len(aside), 1, "the damaged side file is kept aside")
    if aside:
        c.eq(os.path.getsize(aside[0]), side_size,
             "the file kept aside is the damaged file as it was")
    c.true(not os.path.exists(d6 + "-arrivals"),
           "the new side file is merged and gone at rest")
    # and the next open finds nothing more to do
    r = it.run("quarantine", "list", "--db", d6, check=False)
    c.eq(r.returncode, 0, "c opens again")
    c.eq(it.stored_point(d6, "c/p"), want, "c's readings stay as merged")

# (7) a batch naming a point the database does not have (id 999999): the
# open goes on, batch 7's reading of c/p and batch 8 are merged, the two
# readings of point 999999 are kept in c-arrivals.unknown, and the log
# names the batch and the point.
for f in glob.glob(d6 + "-arrivals*"):
    os.remove(f)
write_batches(d6, token_of(d6), [
    (1000, [(p6, T + 60 * 1000, 1.5), (999999, T, 2.5),
            (999999, T + 60, 3.5)]),
    (1001, [(p6, T + 60 * 1001, 4.5)])])
r = it.run("quarantine", "list", "--db", d6, check=False)
c.eq(r.returncode, 0, f"c opens beside a batch of an unknown point "
     f"({r.stderr.strip()})")
c.true("batch 1000 holds 2 readings of point id 999999" in r.stderr,
       f"the log names the batch and the point ({r.stderr.strip()})")
got = [x for x in it.stored_point(d6, "c/p") if x[0] >= T + 60 * 1000]
c.eq(got, [(T + 60 * 1000, 1.5), (T + 60 * 1001, 4.5)],
     "the known point's readings of both batches are merged")
unknown = d6 + "-arrivals.unknown"
c.true(os.path.exists(unknown), "the unknown point's readings are kept")
if os.path.exists(unknown):
    con = sqlite3.connect(unknown)
    c.eq(con.execute("SELECT point_id, ts, value FROM readings "
                     "ORDER BY ts").fetchall(),
         [(999999, T, 2.5), (999999, T + 60, 3.5)],
         "c-arrivals.unknown holds both readings of point 999999")
    con.close()
c.true(not os.path.exists(d6 + "-arrivals"), "the side file is merged")

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
