"""A decoder of akari's block codec, byte format version 1, written from
docs/codec.md alone: a second implementation beside the C one, so that a
block akari writes is read back by code that only knows the document.

    ts, values = decode(block)       # [int], [float]
    ts, bits = decode_bits(block)    # [int], [uint64 bit patterns]

Values come back with the exact bits they were stored with (-0.0,
infinities, NaN payloads): decode_bits() gives the 64-bit patterns,
decode() the doubles made from them.  Anything the document says a
decoder must refuse raises ValueError with what was wrong and at which
byte: a truncated block, bytes after the values, a version or mode byte
that is not one of the document's, a width over 64, a chunk count of 0
or past the items still to come, times that do not increase or pass
INT64_MAX, a varint over 10 bytes, an XOR window used before one was
set.  Python standard library only.
"""
import struct

VERSION = 1
MASK = (1 << 64) - 1
INT64_MAX = (1 << 63) - 1

# 10^k as the doubles 1e0 .. 1e9: all exact.
POW10 = (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9)

MODE_DECIMAL = 0x00	# + k, k = 0 .. 9
MODE_XOR = 0x10
MODE_OFFSETS = 0x20	# + k, k = 0 .. 9
MODE_TENS = 0x40	# + m, m = 1 .. 9

# A corrupt block may claim any number of readings in a few bytes (a run
# chunk of 2^60 items); a decoder that builds lists needs a limit.  A day
# of one-second readings is 86,400.
DEFAULT_CAP = 1 << 22


def _int64(u):
    """The int64 whose two's-complement bit pattern is the uint64 u."""
    return u - (1 << 64) if u >> 63 else u


def _bits_of(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _double_of(u):
    return struct.unpack("<d", struct.pack("<Q", u))[0]


class _Reader:
    """Reads the items of docs/codec.md's notation from one block,
    refusing any read past its end."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def fail(self, what, at=None):
        raise ValueError(f"block of {len(self.data)} bytes, at byte "
                         f"{self.pos if at is None else at}: {what}")

    def take(self, n, what):
        if n > len(self.data) - self.pos:
            self.fail(f"truncated: {what} needs {n} bytes, "
                      f"{len(self.data) - self.pos} left")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self, what):
        return self.take(1, what)[0]

    def varint(self, what):
        start, u = self.pos, 0
        for i in range(10):
            b = self.u8(what)
            if i == 9 and b > 1:
                self.fail(f"{what}: the tenth byte of a varint is {b}, "
                          "may only be 0 or 1", start)
            u |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return u
        self.fail(f"{what}: a varint of more than 10 bytes", start)

    def zvarint(self, what):
        u = self.varint(what)
        return (u >> 1) ^ -(u & 1)

    def stream(self, m, what):
        """The m items of a stream, as uint64."""
        items = []
        while len(items) < m:
            start = self.pos
            w = self.u8(f"{what}: chunk width")
            if w > 64:
                self.fail(f"{what}: chunk width {w}, more than 64", start)
            c = self.varint(f"{what}: chunk count")
            left = m - len(items)
            if c < 1 or c > left:
                self.fail(f"{what}: chunk count {c}, {left} items still to "
                          "come", start)
            base = self.zvarint(f"{what}: chunk base") & MASK
            if w == 0:
                items.extend([base] * c)
                continue
            payload = self.take((c * w + 7) // 8, f"{what}: payload of "
                                f"{c} fields of {w} bits")
            packed = int.from_bytes(payload, "little")
            fmask = (1 << w) - 1
            items.extend((base + ((packed >> (j * w)) & fmask)) & MASK
                         for j in range(c))
        return items

    def integers(self, n, what):
        """I_0 .. I_{n-1} of the decimal, tens and offsets modes, as
        int64."""
        i = self.zvarint(f"{what}: I_0") & MASK
        out = [_int64(i)]
        for item in self.stream(n - 1, what):
            i = (i + item) & MASK
            out.append(_int64(i))
        return out

    def end(self):
        if self.pos != len(self.data):
            self.fail(f"{len(self.data) - self.pos} bytes after the values")


def _times(r, n):
    t = r.zvarint("t0")
    ts = [t]
    start = r.pos
    for i, d in enumerate(r.stream(n - 1, "times"), 1):
        if d < 1:
            r.fail(f"time {i} does not increase (delta 0)", start)
        t += d
        if t > INT64_MAX:
            r.fail(f"time {i} passes INT64_MAX", start)
        ts.append(t)
    return ts


def _xor(r, n):
    """The n values of the XOR mode, as uint64 bit patterns."""
    start = r.pos
    bits = int.from_bytes(r.data[start:], "little")
    nbits = 8 * (len(r.data) - start)
    pos = 0			# bit offset from start

    def field(w, what):
        nonlocal pos
        if pos + w > nbits:
            r.fail(f"truncated: XOR {what} needs {w} bits at bit {pos}, "
                   f"{nbits - pos} left", start + pos // 8)
        v = (bits >> pos) & ((1 << w) - 1)
        pos += w
        return v

    prev = field(64, "value 0")
    out = [prev]
    window = None
    for j in range(1, n):
        if not field(1, f"value {j}: first control bit"):
            out.append(prev)
            continue
        if field(1, f"value {j}: second control bit"):
            lead = field(6, f"value {j}: L")
            m = field(6, f"value {j}: M - 1") + 1
            if lead + m > 64:
                r.fail(f"XOR value {j}: L {lead} + M {m} is more than 64",
                       start + pos // 8)
            window = (lead, 64 - lead - m)
        elif window is None:
            r.fail(f"XOR value {j}: '1 0' before any '1 1'",
                   start + pos // 8)
        lead, trail = window
        f = field(64 - lead - trail, f"value {j}: meaningful bits")
        prev ^= f << trail
        out.append(prev)
    r.pos = start + (pos + 7) // 8
    return out


def _header(r):
    """The version byte, checked, and n, at least 1."""
    version = r.u8("version")
    if version != VERSION:
        r.fail(f"version {version}, not {VERSION}", 0)
    n = r.varint("n")
    if n < 1:
        r.fail("n is 0: a block holds at least one reading")
    return n


def _decode(block, cap, as_bits):
    """(times, values, mode byte) of one block: values as uint64 bit
    patterns when as_bits, else as floats (made without the detour
    through bits where the mode gives a double directly)."""
    r = _Reader(block)
    n = _header(r)
    if n > cap:
        r.fail(f"n is {n}, more than the {cap} readings allowed")
    ts = _times(r, n)

    at = r.pos
    mode = r.u8("mode")
    if mode == MODE_XOR:
        values = _xor(r, n)
        if not as_bits:
            values = [_double_of(u) for u in values]
    elif MODE_DECIMAL <= mode <= MODE_DECIMAL + 9:
        div = POW10[mode - MODE_DECIMAL]
        values = [float(i) / div for i in r.integers(n, "decimal values")]
        if as_bits:
            values = [_bits_of(v) for v in values]
    elif MODE_TENS + 1 <= mode <= MODE_TENS + 9:
        # "The product in int64": modulo 2^64 like all the format's
        # integer arithmetic, not a reason to refuse.
        mul = 10 ** (mode - MODE_TENS)
        values = [float(_int64((i * mul) & MASK))
                  for i in r.integers(n, "tens values")]
        if as_bits:
            values = [_bits_of(v) for v in values]
    elif MODE_OFFSETS <= mode <= MODE_OFFSETS + 9:
        div = POW10[mode - MODE_OFFSETS]
        ints = r.integers(n, "offsets values")
        offs = r.stream(n, "offsets")
        values = [(_bits_of(float(i) / div) + o) & MASK
                  for i, o in zip(ints, offs)]
        if not as_bits:
            values = [_double_of(u) for u in values]
    else:
        r.fail(f"mode byte 0x{mode:02x} is none of the format's", at)
    r.end()
    return ts, values, mode


def decode_bits(block, cap=DEFAULT_CAP):
    """(times, values) of one block: times as ints, values as the uint64
    bit patterns of the doubles.  A block of more than cap readings is
    refused like a corrupt one."""
    ts, bits, _ = _decode(block, cap, True)
    return ts, bits


def mode_name(block, cap=DEFAULT_CAP):
    """How a valid block codes its values: "decimal", "tens", "offsets"
    or "xor"."""
    mode = _decode(block, cap, False)[2]
    return ("xor" if mode == MODE_XOR else "tens" if mode >= MODE_TENS
            else "offsets" if mode >= MODE_OFFSETS else "decimal")


def decode(block, cap=DEFAULT_CAP):
    """(times, values) of one block, values as floats with the stored
    bits (compare NaNs by decode_bits())."""
    ts, values, _ = _decode(block, cap, False)
    return ts, values


def count(block):
    """n of a block, read from its header alone (the rest unchecked)."""
    return _header(_Reader(block))
