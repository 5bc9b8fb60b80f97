"""The block codec's byte format as docs/codec.md writes it down, read by
tests/akari_codec.py, the decoder written from that document alone:

(a) the document's own examples, byte for byte, and hand-made blocks of
    every value mode (decimal, tens, offsets, XOR with both windows),
    int64 extremes, NaN payloads and infinities;
(b) every refusal the document asks of a decoder: truncated blocks,
    trailing bytes, bad version and mode bytes, times that do not
    increase or pass INT64_MAX, widths over 64, chunk counts of 0 or past
    the items still to come, long varints, a bad XOR window;
(c) blocks the real `akari serve` wrote (where its file has a `blocks`
    table): decoded here, they must hold every reading sent, with the
    bits sent, agree with the block's own columns and with GET
    /api/v1/points/{key}/readings;
(d) the arrival log read from the file, and merged by akari: the same
    readings before and after, last write wins;
(e) hand-made blocks of every mode put into the file, which akari's own
    decoder must read as worked out here.

Expected values are worked out by hand in the comments or come from the
readings this test sends; the blocks of (a) and (b) are written with a
small writer of the document's primitives below, not by akari.
"""
import datetime
import math
import os
import random
import re
import shutil
import sqlite3
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_codec as codec  # noqa: E402
import akari_it as it  # noqa: E402

c = it.Checks()
MASK = (1 << 64) - 1
INT64_MAX = (1 << 63) - 1
INT64_MIN = -(1 << 63)


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def double(u):
    return struct.unpack("<d", struct.pack("<Q", u))[0]


# --- a writer of the document's primitives ---------------------------------

def varint(u):
    out = bytearray()
    while True:
        b = u & 0x7F
        u >>= 7
        out.append(b | (0x80 if u else 0))
        if not u:
            return bytes(out)


def zvarint(x):
    return varint(((x << 1) ^ (x >> 63)) & MASK)


def chunk(w, fields, base):
    """A stream chunk of width w: items base + fields[j]."""
    packed = 0
    for j, f in enumerate(fields):
        packed |= f << (j * w)
    size = (len(fields) * w + 7) // 8
    return (bytes([w]) + varint(len(fields)) + zvarint(base) +
            packed.to_bytes(size, "little"))


def run(count, base):
    return bytes([0]) + varint(count) + zvarint(base)


def bitstring(fields):
    """Fields (value, width), first one at bit 0, padded with zeros."""
    v, pos = 0, 0
    for f, w in fields:
        v |= f << pos
        pos += w
    return v.to_bytes((pos + 7) // 8, "little")


def first_difference(got, want):
    """None, or (index, got, want) where two lists first differ."""
    for i in range(max(len(got), len(want))):
        a = got[i] if i < len(got) else "(none)"
        b = want[i] if i < len(want) else "(none)"
        if a != b:
            return (i, a, b)
    return None


def check_block(block, want_ts, want_bits, what, mode=None):
    try:
        ts, got = codec.decode_bits(block)
    except ValueError as e:
        c.true(False, f"{what}: refused: {e}")
        return
    c.eq(first_difference(ts, want_ts), None, f"{what}: times")
    c.eq(first_difference([f"{u:016x}" for u in got],
                          [f"{u:016x}" for u in want_bits]), None,
         f"{what}: value bits")
    c.eq(codec.count(block), len(want_ts), f"{what}: count")
    if mode:
        c.eq(codec.mode_name(block), mode, f"{what}: mode")


def refused(block, words, what):
    """The decoder refuses block with a message holding words."""
    try:
        codec.decode_bits(block)
    except ValueError as e:
        c.true(words in str(e), f"{what}: message {str(e)!r} says {words!r}")
        return
    c.true(False, f"{what}: accepted")


# --- (a) the document's examples -------------------------------------------

# Times 10, 70, 130, 250, values 1.5, 1.25, 1.25, -3: byte for byte from
# docs/codec.md.  Times: 3 deltas 60, 60, 120 = base 60 + 0, 0, 60 in 6
# bits; values k = 2: 150, then deltas -25, 0, -425 = base -425 + 400,
# 425, 0 in 9 bits.
EX1 = bytes.fromhex("01 04 14" "06 03 78 00 c0 03" "02 ac 02"
                    "09 03 d1 06 90 53 03 00")
check_block(EX1, [10, 70, 130, 250],
            [bits(1.5), bits(1.25), bits(1.25), bits(-3.0)],
            "example 1", "decimal")
# Written with the writer above it is the same bytes.
c.eq(bytes([1]) + varint(4) + zvarint(10) + chunk(6, [0, 0, 60], 60) +
     bytes([2]) + zvarint(150) + chunk(9, [400, 425, 0], -425), EX1,
     "example 1 from the primitives")

# Times 0, 1, 2, values -0.0 three times: a run of two deltas of 1, then
# XOR: -0.0's bits 0x8000000000000000 LSB first, then two 0 bits.
EX2 = bytes.fromhex("01 03 00 00 02 02" "10 00 00 00 00 00 00 00 80 00")
check_block(EX2, [0, 1, 2], [1 << 63] * 3, "example 2", "xor")

# A day of one-minute readings of 2.5 from 1705244400, 18 bytes:
#   01                version
#   a0 0b             n = 1440 = 0x5a0: 0x20 | 0x80, 0x0b
#   e0 db 9f da 0c    zigzag(1705244400) = 3410488800 = 0xcb47ede0 in
#                     7-bit groups 0x60, 0x5b, 0x1f, 0x5a, 0x0c
#   00 9f 0b 78       a run: width 0, 1439 = 0x59f, base zigzag(60) = 120
#   01 32             decimal k = 1, zigzag(25) = 50
#   00 9f 0b 00       a run of 1439 zeros
EX3 = bytes.fromhex("01 a0 0b e0 db 9f da 0c 00 9f 0b 78 01 32 00 9f 0b 00")
c.eq(len(EX3), 18, "example 3 is 18 bytes")
check_block(EX3, [1705244400 + 60 * i for i in range(1440)],
            [bits(2.5)] * 1440, "example 3", "decimal")

# Padding bits of a payload are ignored on reading: example 1 with the
# six spare bits of the times payload's last byte set.
pad = bytearray(EX1)
pad[8] |= 0xFC
check_block(bytes(pad), [10, 70, 130, 250],
            [bits(1.5), bits(1.25), bits(1.25), bits(-3.0)],
            "example 1, padding bits set")

# --- (a) hand-made blocks of every mode -------------------------------------

# Tens, m = 2: times 0, 1800; I = 5, then 5 - 3 = 2: 500.0, 200.0.
check_block(bytes([1]) + varint(2) + zvarint(0) + run(1, 1800) +
            bytes([0x42]) + zvarint(5) + run(1, -3),
            [0, 1800], [bits(500.0), bits(200.0)], "tens", "tens")

# Tens, m = 9, with I = -9223372036 the product -9223372036000000000 is
# still an int64 (INT64_MIN is -9223372036854775808).
check_block(bytes([1]) + varint(1) + zvarint(7) + bytes([0x49]) +
            zvarint(-9223372036), [7], [bits(-9223372036e9)],
            "tens at the int64 edge", "tens")

# The tens product is taken in int64, modulo 2^64 as all arithmetic on
# items: 2^62 * 10 = 2^65 + 2^63 is 2^63 mod 2^64, as int64 -2^63.
check_block(bytes([1]) + varint(1) + zvarint(7) + bytes([0x41]) +
            zvarint(1 << 62), [7], [bits(-2.0 ** 63)],
            "a tens product past int64 wraps")

# Decimal with k = 3 and k = 9: 2345 / 1e3 is the double of "2.345", and
# 1 / 1e9 that of "1e-9" (one division rounded to nearest).
check_block(bytes([1]) + varint(2) + zvarint(100) + run(1, 1) +
            bytes([0x03]) + zvarint(2345) + run(1, -2345 - 1000),
            [100, 101], [bits(float("2.345")), bits(float("-1"))],
            "decimal k = 3")
# 3 / 10 is 0.3, where 3 * 0.1 would be 0.30000000000000004: a division.
check_block(bytes([1]) + varint(2) + zvarint(0) + run(1, 1) +
            bytes([0x01]) + zvarint(3) + run(1, 4),
            [0, 1], [bits(float("0.3")), bits(float("0.7"))],
            "decimal k = 1")
check_block(bytes([1]) + varint(1) + zvarint(-100) + bytes([0x09]) +
            zvarint(1), [-100], [bits(float("1e-9"))], "decimal k = 9")

# Decimal integers wrap modulo 2^64: I_0 = INT64_MAX, + 1 is INT64_MIN.
check_block(bytes([1]) + varint(2) + zvarint(0) + run(1, 1) +
            bytes([0x00]) + zvarint(INT64_MAX) + run(1, 1),
            [0, 1], [bits(float(INT64_MAX)), bits(float(INT64_MIN))],
            "decimal integers wrap")

# Offsets, k = 3: 0.482 with offsets +1 and -1 is the double above and
# the one below it; I = 0 with offset -1 (all ones, mod 2^64) is the NaN
# of bits 0xffffffffffffffff; I = 0 with offset 0x7ff0000000000000 is
# +infinity.
check_block(bytes([1]) + varint(4) + zvarint(0) + run(3, 60) +
            bytes([0x23]) + zvarint(482) + chunk(10, [482, 0, 482], -482) +
            chunk(64, [1, MASK, MASK, 0x7FF0000000000000], 0),
            [0, 60, 120, 180],
            [bits(math.nextafter(0.482, 1.0)),
             bits(math.nextafter(0.482, 0.0)), MASK, bits(math.inf)],
            "offsets", "offsets")

# XOR: 1.0 (0x3ff0000000000000); 1.0 again: "0"; 1.5 (0x3ff8...): x is
# bit 51 alone, "1 1", L = 12, M - 1 = 0, f = 1 (T = 51); 1.0: the same
# x in that window, "1 0", f = 1; +inf (0x7ff0...): x = 0x4000...,
# "1 1", L = 1, M - 1 = 0, f = 1; the NaN 0x7ff0000000000001: x = 1,
# "1 1", L = 63, M - 1 = 0, f = 1; -0.0: x = 0xfff0000000000001, "1 1",
# L = 0, M - 1 = 63, f = x.
NAN1 = 0x7FF0000000000001
xor_fields = [(bits(1.0), 64),
              (0, 1),
              (1, 1), (1, 1), (12, 6), (0, 6), (1, 1),
              (1, 1), (0, 1), (1, 1),
              (1, 1), (1, 1), (1, 6), (0, 6), (1, 1),
              (1, 1), (1, 1), (63, 6), (0, 6), (1, 1),
              (1, 1), (1, 1), (0, 6), (63, 6), (0xFFF0000000000001, 64)]
XOR = (bytes([1]) + varint(7) + zvarint(1000) + chunk(2, [0, 1, 2, 3, 0, 1],
                                                        1) +
       bytes([0x10]) + bitstring(xor_fields))
check_block(XOR, [1000, 1001, 1003, 1006, 1010, 1011, 1013],
            [bits(1.0), bits(1.0), bits(1.5), bits(1.0), bits(math.inf),
             NAN1, 1 << 63], "xor", "xor")
c.true(math.isnan(codec.decode(XOR)[1][5]), "xor: a NaN as a float")

# Times at the int64 extremes: from INT64_MIN one delta of 2^64 - 1 (a
# width-64 field, mod 2^64) reaches INT64_MAX exactly; times of chunks
# that follow each other: 4 packed deltas 1 .. 4, then a run of 10s.
check_block(bytes([1]) + varint(2) + zvarint(INT64_MIN) +
            chunk(64, [MASK], 0) + bytes([0]) + zvarint(0) + run(1, 0),
            [INT64_MIN, INT64_MAX], [0, 0], "times INT64_MIN to INT64_MAX")
want_ts = [-5, -4, -2, 1, 5] + [5 + 10 * i for i in range(1, 17)]
check_block(bytes([1]) + varint(21) + zvarint(-5) +
            chunk(2, [0, 1, 2, 3], 1) + run(16, 10) +
            bytes([0]) + zvarint(7) + run(20, 0),
            want_ts, [bits(7.0)] * 21, "times in two chunks")

# --- (b) what a decoder must refuse ------------------------------------------

for n in range(len(EX1)):
    refused(EX1[:n], "truncated", f"example 1 cut to {n} bytes")
for n in range(len(EX2)):
    refused(EX2[:n], "truncated", f"example 2 cut to {n} bytes")
for n in range(9, len(XOR)):
    refused(XOR[:n], "truncated", f"xor cut to {n} bytes")
for name, block in (("example 1", EX1), ("example 2", EX2),
                    ("example 3", EX3), ("xor", XOR)):
    refused(block + b"\x00", "after the values", f"{name} + one byte")
refused(bytes([0]) + EX1[1:], "version", "version 0")
refused(bytes([2]) + EX1[1:], "version", "version 2")
refused(bytes([1, 0, 0, 0]), "n is 0", "n = 0")

# Mode bytes beside the valid ranges 0x00-0x09, 0x10, 0x20-0x29,
# 0x41-0x49, in place of example 1's 0x02.
for mode in (0x0A, 0x0F, 0x11, 0x1A, 0x2A, 0x30, 0x40, 0x4A, 0x80, 0xFF):
    bad = bytearray(EX1)
    bad[9] = mode
    refused(bytes(bad), "mode byte", f"mode 0x{mode:02x}")

head = bytes([1]) + varint(2) + zvarint(0)
value2 = bytes([0]) + zvarint(1) + run(1, 0)
check_block(head + run(1, 1) + value2, [0, 1], [bits(1.0)] * 2,
            "the block the refusals below break")
refused(head + run(1, 0) + value2, "does not increase", "a delta of 0")
refused(bytes([1]) + varint(2) + zvarint(INT64_MAX) + run(1, 1) + value2,
        "INT64_MAX", "a time past INT64_MAX")
refused(bytes([1]) + varint(2) + zvarint(1) + chunk(64, [MASK], 0) +
        value2, "INT64_MAX", "a delta of 2^64 - 1 from 1")
refused(head + bytes([65]) + varint(1) + zvarint(1) + bytes(9) + value2,
        "width 65", "a width of 65")
refused(head + bytes([0]) + varint(0) + zvarint(1) + run(1, 1) + value2,
        "chunk count 0", "a chunk count of 0")
refused(head + run(2, 1) + value2, "chunk count 2", "a count past m")
refused(head + run(1, 1) + bytes([0]) + zvarint(1) + run(2, 0),
        "chunk count 2", "a value count past n - 1")
refused(bytes([1]) + varint(1 << 40) + zvarint(0) + run(1, 1) + value2,
        "more than", "n of 2^40, over the decoder's cap")
refused(bytes([1]) + varint(1000) + zvarint(0) + run(999, 1) + value2,
        "truncated", "n = 1000 with values for 2")
# Varints: 10 bytes with a tenth of 1 are 2^63 (n, over the cap); a
# tenth of 2, or an eleventh byte, is refused.
refused(bytes([1]) + bytes([0x80] * 9 + [1]) + zvarint(0), "more than",
        "n of 2^63")
refused(bytes([1]) + bytes([0x80] * 9 + [2]) + zvarint(0), "tenth byte",
        "a varint's tenth byte 2")
refused(bytes([1]) + bytes([0x80] * 10 + [1]) + zvarint(0), "tenth byte",
        "a varint of 11 bytes")
# XOR: "1 0" before any "1 1"; L + M over 64 (L = 60, M = 8).
refused(bytes([1]) + varint(2) + zvarint(0) + run(1, 1) + bytes([0x10]) +
        bitstring([(0, 64), (1, 1), (0, 1), (1, 4)]), "before any",
        "xor '1 0' without a window")
refused(bytes([1]) + varint(2) + zvarint(0) + run(1, 1) + bytes([0x10]) +
        bitstring([(0, 64), (1, 1), (1, 1), (60, 6), (7, 6), (1, 8)]),
        "more than 64", "xor L + M over 64")

# --- (c) and (d): blocks the real server wrote ------------------------------

work = it.tmpdir()
db = os.path.join(work, "codec.db")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


cli("site", "add", "lab", "--kind", "building", "--tz", "UTC")
POINTS = ("kw", "grid", "pv", "ev", "odd", "gaps", "bin")
for p in POINTS:
    cli("point", "add", f"lab/{p}", "--site", "lab", "--quantity", "power",
        "--unit", "kW")
token = cli("device", "add", "--site", "lab", "gw").strip()
HEADERS = {"Authorization": "Bearer " + token,
           "Content-Type": "application/json"}
D0 = 1705190400			# 2024-01-14T00:00:00Z
rng = random.Random(4)

# Each point a series for one of the encoder's choices (docs/codec.md):
# kW to three places (decimal), whole numbers of 10 MW (tens), watts
# times 0.001 (offsets), any double (XOR), zeros of both signs, extremes
# and subnormals, irregular times across a day boundary, and binary
# fractions that no short decimal holds, which change in a few mantissa
# bits or not at all (XOR: a window set, then reused, and "0").
sent = {}
kw = 1200.0
for i in range(2 * 1440):
    kw = round(kw + rng.uniform(-0.2, 0.2), 3)
    sent[("lab/kw", D0 + 60 * i)] = kw
for i in range(48):
    sent[("lab/grid", D0 + 1800 * i)] = float(rng.randrange(100, 900) *
                                              10000)
for i in range(96):
    sent[("lab/pv", D0 + 900 * i)] = rng.randrange(0, 5000) * 0.001
for i in range(300):
    sent[("lab/ev", D0 + 600 * i)] = rng.uniform(-1e6, 1e6)
odd = [-0.0, 0.0, -0.0, 5e-324, -2.2250738585072014e-308,
       1.7976931348623157e308, -1.7976931348623157e308, 0.1 + 0.2, 1e-300]
for i, v in enumerate(odd):
    sent[("lab/odd", D0 + i)] = v
v = 1.0
for i in range(400):
    if rng.random() < 0.7:
        v = 1.0 + (rng.getrandbits(8) << 36) * 2.0 ** -52
    sent[("lab/bin", D0 + 60 * i)] = v
t = D0 - 3600
for i in range(500):
    t += rng.choice((59, 60, 60, 60, 61, 3600, 7))
    sent[("lab/gaps", t)] = round(rng.uniform(-40, 40), 1)


def post(rows):
    st, _, body = it.http("POST", srv.url + "/api/v1/ingest",
                          {"readings": rows}, HEADERS)
    c.eq((st, body.get("rejected") if isinstance(body, dict) else body),
         (200, []), f"ingest of {len(rows)} rows")


srv = it.Server(db).start()
rows = [{"point": k, "ts": t, "value": v} for (k, t), v in sent.items()]
rng.shuffle(rows)
for off in range(0, len(rows), 700):
    post(rows[off:off + 700])
# Then rewrites inside stored blocks: new values at stored times (last
# write wins) and readings between stored ones, in a second pass.
# Whole 10 MW steps stay so, to keep that series in tens mode.
again = []
for (k, t), v in list(sent.items())[::37]:
    if k == "lab/odd":
        continue
    new, between = ((v + 10000.0, 20000.0) if k == "lab/grid" else
                    (round(v + 1.5, 3), 0.5))
    sent[(k, t)] = new
    sent[(k, t + 1)] = between
    again += [{"point": k, "ts": t, "value": new},
              {"point": k, "ts": t + 1, "value": between}]
post(again)


def same(schema):
    """What of a value must come back: its bits.  The old `readings`
    table is a REAL column, where SQLite keeps -0.0 as 0.0 (an integral
    REAL is stored as an integer), so there the sign of a zero is lost
    once merged; blocks keep every bit."""
    if schema == "blocks":
        return bits
    return lambda v: bits(0.0 if v == 0.0 else v)


def check_stored(what):
    st = it.Stored(db)
    key = same(st.schema)
    got = {k: key(v) for k, v in st.by_key().items()}
    want = {k: key(v) for k, v in sent.items()}
    c.eq(len(got), len(want), f"{what}: readings stored")
    diff = [(k, got.get(k), want[k]) for k in sorted(want)
            if got.get(k) != want[k]]
    c.eq(diff[:3], [], f"{what}: every reading with the bits sent")
    c.eq(st.problems, [], f"{what}: blocks, columns, no reading twice")
    return st


# While the server runs, readings may be in blocks, in readings or still
# in the arrival log: the file read in one transaction holds them all.
check_stored("running server")

# The readings endpoint answers what the file holds.
st = it.Stored(db)
t_first, t_last = min(t for _, t in sent), max(t for _, t in sent)
for p in POINTS:
    key = f"lab/{p}"
    status, _, body = it.get(f"{srv.url}/api/v1/points/{key}/readings?"
                             f"from={t_first}&to={t_last + 1}")
    c.eq(status, 200, f"readings of {key}")
    value = same(st.schema)
    api = [(int(datetime.datetime.fromisoformat(r["ts"]).timestamp()),
            value(float(r["value"])))
           for r in (body.get("readings", []) if isinstance(body, dict)
                     else [])]
    want = [(t, value(v)) for t, v in st.point(key)]
    c.eq(first_difference(api, want), None,
         f"{key}: the API's readings are the file's ({st.schema})")
    c.eq(len(api), len(want), f"{key}: as many readings as the file's")
c.eq(srv.stop(), 0, "a clean stop")

st = check_stored("stopped server")
c.eq(st.arrivals, 0, "a file at rest has no arrivals")
if st.schema == "blocks":
    modes = {}
    for point, t0, t1, n, ts, _ in st.blocks:
        c.true(all(a < b for a, b in zip(ts, ts[1:])),
               f"block of point {point} from {t0}: times increase")
    con = sqlite3.connect(db)
    for key, body in con.execute("SELECT p.key, b.body FROM blocks b JOIN "
                                 "points p ON p.id = b.point_id"):
        modes.setdefault(key, set()).add(codec.mode_name(body))
    con.close()
    # What the encoder chooses (docs/codec.md) for these series.
    c.eq(modes.get("lab/kw"), {"decimal"}, "kW in decimal mode")
    c.eq(modes.get("lab/grid"), {"tens"}, "10 MW steps in tens mode")
    c.eq(modes.get("lab/bin"), {"xor"}, "binary fractions in XOR mode")
    c.true(modes.get("lab/ev", set()) <= {"xor", "offsets"} and
           modes.get("lab/ev"), f"any double: {modes.get('lab/ev')}")
    c.true({"xor", "offsets"} & modes.get("lab/odd", set()),
           f"-0.0 is no decimal: {modes.get('lab/odd')}")
    print(f"blocks: {len(st.blocks)}, modes {modes}", flush=True)
else:
    print("no blocks table: the C encoder's blocks are not checked",
          flush=True)

# (d) The arrival log as another program finds it: two batches logged by
# hand (docs/storage.md), the later one overwriting a reading of the
# first, read from the file, then merged by akari as it opens the file.
con = sqlite3.connect(db)
ids = dict(con.execute("SELECT key, id FROM points"))
first = [(ids["lab/kw"], D0 + 5 * 86400, 1.25),
         (ids["lab/kw"], D0 + 5 * 86400 + 60, 2.5),
         (ids["lab/odd"], D0 + 30, -7.75)]
second = [(ids["lab/kw"], D0 + 5 * 86400, 3.0),
          (ids["lab/kw"], D0, 9.5)]
with con:
    for batch in (first, second):
        con.execute("INSERT INTO arrivals (n, body) VALUES (?, ?)",
                    (len(batch), b"".join(struct.pack("<qqd", *r)
                                          for r in batch)))
con.close()
sent[("lab/kw", D0 + 5 * 86400)] = 3.0
sent[("lab/kw", D0 + 5 * 86400 + 60)] = 2.5
sent[("lab/odd", D0 + 30)] = -7.75
sent[("lab/kw", D0)] = 9.5
st = check_stored("arrivals read from the file")
c.eq(st.arrivals, 5, "five readings in the arrival log")
it.run("quarantine", "list", "--db", db)
st = check_stored("arrivals merged by akari")
c.eq(st.arrivals, 0, "the arrival log is merged")

# (e) The other way round: blocks made here by hand, put into the file,
# read back by akari's own decoder through the readings endpoint.  Each
# point gets one block; the values are finite, so JSON carries them.
def hand_block(n, t0, deltas, mode, first, items, offsets=None):
    out = bytes([1]) + varint(n) + zvarint(t0)
    out += deltas + bytes([mode]) + zvarint(first) + items
    return out + (offsets or b"")


H = D0 + 10 * 86400
hand = {
    # decimal k = 3, times in a packed chunk and a run, values in a
    # packed chunk of 9 bits and a run of zeros
    "lab/hand_dec": hand_block(21, H, chunk(2, [0, 1, 2, 3], 59) +
                               run(16, 60), 0x03, 1500,
                               chunk(9, list(range(0, 400, 40)), -200) +
                               run(10, 0)),
    # tens m = 4: 3 * 10^4, then 3 - 2 and 1 + 5
    "lab/hand_tens": hand_block(3, H, run(2, 1800), 0x44, 3,
                                chunk(3, [0, 7], -2)),
    # offsets k = 2: 12.34 one ulp up, one down, exact
    "lab/hand_off": hand_block(3, H, run(2, 60), 0x22, 1234, run(2, 0),
                               chunk(2, [2, 0, 1], -1)),
    "lab/hand_xor": None,
}
# XOR: 1.0, "0", 1.5 ("1 1", L 12, M 1), 1.0 ("1 0"), 3.0 (0x4008... ^
# 0x3ff0... = 0x7ff8...: "1 1", L 1, M 12, f = 0xfff), -3.0 (x = bit 63:
# "1 1", L 0, M 1)
hand["lab/hand_xor"] = (
    bytes([1]) + varint(6) + zvarint(H) + run(5, 300) + bytes([0x10]) +
    bitstring([(bits(1.0), 64), (0, 1),
               (1, 1), (1, 1), (12, 6), (0, 6), (1, 1),
               (1, 1), (0, 1), (1, 1),
               (1, 1), (1, 1), (1, 6), (11, 6), (0xFFF, 12),
               (1, 1), (1, 1), (0, 6), (0, 6), (1, 1)]))
hand_want = {
    "lab/hand_dec": ([H, H + 59, H + 119, H + 180, H + 242] +
                     [H + 242 + 60 * i for i in range(1, 17)],
                     [1.5, 1.3, 1.14, 1.02, 0.94, 0.9, 0.9, 0.94, 1.02,
                      1.14, 1.3] + [1.3] * 10),
    "lab/hand_tens": ([H, H + 1800, H + 3600], [30000.0, 10000.0, 60000.0]),
    "lab/hand_off": ([H, H + 60, H + 120],
                     [math.nextafter(12.34, 99), math.nextafter(12.34, 0),
                      12.34]),
    "lab/hand_xor": ([H + 300 * i for i in range(6)],
                     [1.0, 1.0, 1.5, 1.0, 3.0, -3.0]),
}
for key, block in hand.items():
    ts, values = codec.decode(block)
    c.eq((ts, [bits(v) for v in values]),
         (hand_want[key][0], [bits(v) for v in hand_want[key][1]]),
         f"{key}: the hand-made block decodes here as worked out")
if it.Stored(db).schema == "blocks":
    for key in hand:
        cli("point", "add", key, "--site", "lab", "--quantity", "power",
            "--unit", "kW")
    con = sqlite3.connect(db)
    ids = dict(con.execute("SELECT key, id FROM points"))
    with con:
        for key, block in hand.items():
            ts = hand_want[key][0]
            con.execute("INSERT INTO blocks (point_id, t0, t1, n, body)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (ids[key], ts[0], ts[-1], len(ts), block))
    con.close()
    with it.Server(db) as srv:
        for key in hand:
            status, _, body = it.get(
                f"{srv.url}/api/v1/points/{key}/readings?from={H}"
                f"&to={H + 86400}")
            got = [(int(datetime.datetime.fromisoformat(r["ts"])
                        .timestamp()), bits(float(r["value"])))
                   for r in (body.get("readings", [])
                             if isinstance(body, dict) else [])]
            c.eq((status, got), (200, [(t, bits(v)) for t, v in
                                       zip(*hand_want[key])]),
                 f"{key}: akari reads the hand-made block the same")

    # A damaged block, and a good one whose row does not agree with it
    # (n), are an error naming the point and the block's t0
    # (docs/storage.md), here as in the Python decoder.
    damaged = {"lab/hand_cut": (EX1[:-1], 4), "lab/hand_n": (EX1, 5)}
    for key in damaged:
        cli("point", "add", key, "--site", "lab", "--quantity", "power",
            "--unit", "kW")
    con = sqlite3.connect(db)
    ids = dict(con.execute("SELECT key, id FROM points"))
    with con:
        for key, (block, n) in damaged.items():
            con.execute("INSERT INTO blocks (point_id, t0, t1, n, body)"
                        " VALUES (?, 10, 250, ?, ?)", (ids[key], n, block))
    con.close()
    problems = " ".join(it.Stored(db).problems)
    c.true(f"point {ids['lab/hand_cut']}: block of 19 bytes" in problems and
           "n 5, body 10 .. 250, 4" in problems,
           f"Stored names both damaged blocks: {problems}")
    with it.Server(db) as srv:
        for key in damaged:
            status, _, body = it.get(
                f"{srv.url}/api/v1/points/{key}/readings?from=0&to=1000")
            msg = body.get("message", "") if isinstance(body, dict) else ""
            c.eq((status, body.get("error") if isinstance(body, dict)
                  else body), (500, "storage"), f"{key}: an error")
            c.true(key in msg and re.search(r"\b10\b", msg),
                   f"{key}: the message names the point and t0: {msg!r}")

shutil.rmtree(work, ignore_errors=True)
c.finish()
