"""Integration test of IEEE 1888 (FIAP) storage on a real `akari serve`
with a point ID map: WRITE (dataRQ) and FETCH (queryRQ) over SOAP 1.1,
time keys, select, acceptableSize paging with cursors, the standard's
error types, SOAP faults, and for every refusal an unchanged database.

The requests are the hand-written documents of tests/data/fiap, which
follow the FIAP WSDL's schema; the replies are read with xml.etree, not
with akari's code.  Expected values are worked out by hand in comments
from those documents, or from the readings this test writes itself
through the JSON API.
"""
import datetime
import http.client
import os
import subprocess
import sys
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
FSOAP = "http://soap.fiap.org/"
FIAP = "http://gutp.jp/fiap/2009/11/"
DOCS = os.path.join(it.SOURCE_DIR, "tests", "data", "fiap")
PATH = "/axis2/services/FIAPStorage"
MAX_BODY = 65536
JST = datetime.timezone(datetime.timedelta(hours=9))


def jst(*args):
    return datetime.datetime(*args, tzinfo=JST)


c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "fiap.db")
fiap_map = os.path.join(work, "fiap.map")


def cli(*args):
    return it.run(*args[:2], "--db", db, *args[2:]).stdout


def setup():
    cli("site", "add", "hall", "--kind", "building", "--tz", "Asia/Tokyo")
    cli("site", "add", "pool", "--kind", "building", "--tz", "Asia/Tokyo")
    for key, site, q, unit, kind in [
            ("hall/power", "hall", "power", "kW", "instantaneous"),
            ("hall/temp", "hall", "temperature", "degC", "instantaneous"),
            ("hall/door", "hall", "state", "state", "state"),
            ("paged/a", "hall", "power", "kW", "instantaneous"),
            ("paged/b", "hall", "power", "kW", "instantaneous"),
            ("pool/power", "pool", "power", "kW", "instantaneous")]:
        cli("point", "add", key, "--site", site, "--quantity", q,
            "--unit", unit, "--kind", kind)
    token = cli("device", "add", "--site", "hall", "gw").strip()
    with open(fiap_map, "w") as f:
        f.write("# The BEMS gateway reads its meter in watts.\n"
                "http://bems.example.jp/hall/meter1/power -> hall/power W\n"
                "http://bems.example.jp/ignored/* -> -\n"
                "urn:town:pool:* -> pool/*\n"
                "# A mistake: this point is a temperature.\n"
                "http://bems.example.jp/hall/temp-in-watts -> hall/temp W\n")
    return token


def doc(name):
    with open(os.path.join(DOCS, name), "rb") as f:
        return f.read()


def post(url, body, token=None, ctype="text/xml; charset=utf-8",
         path=PATH):
    headers = {"Content-Type": ctype}
    if token:
        headers["Authorization"] = "Bearer " + token
    return it.http("POST", url + path, body, headers)


def count(url):
    _, _, body = it.get(url + "/api/v1/health")
    return body.get("readings") if isinstance(body, dict) else None


def transport(raw, op):
    """The transport of a dataRS or queryRS, or None."""
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        print(f"reply is not XML ({e}): {raw[:300]!r}", flush=True)
        return None
    return root.find(f"{{{SOAP}}}Body/{{{FSOAP}}}{op}/{{{FIAP}}}transport")


def outcome(t):
    """"OK", or (error type, text), from a transport's header."""
    if t is None:
        return None
    h = t.find(f"{{{FIAP}}}header")
    if h is None:
        return None
    if h.find(f"{{{FIAP}}}OK") is not None:
        return "OK"
    e = h.find(f"{{{FIAP}}}error")
    return (e.get("type"), e.text or "") if e is not None else None


def points(t):
    """[(point id, [(aware datetime, text)])] of a queryRS's body."""
    out = []
    for p in t.findall(f"{{{FIAP}}}body/{{{FIAP}}}point"):
        out.append((p.get("id"), [
            (datetime.datetime.fromisoformat(v.get("time")), v.text)
            for v in p.findall(f"{{{FIAP}}}value")]))
    return out


def echoed(t):
    return t.find(f"{{{FIAP}}}header/{{{FIAP}}}query")


def fault(raw):
    """(faultcode, faultstring) of a SOAP 1.1 Fault, or None."""
    try:
        f = ET.fromstring(raw).find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    except ET.ParseError:
        return None
    if f is None:
        return None
    return f.findtext("faultcode"), f.findtext("faultstring")


def check_error(what, reply, op, want_type, words, url, before):
    """A FIAP error in the reply's header, naming words, nothing stored."""
    status, hdrs, raw = reply
    c.eq(status, 200, what + ": status")
    c.true(hdrs.get("Content-Type", "").startswith("text/xml"),
           what + ": text/xml")
    got = outcome(transport(raw, op))
    c.eq(got[0] if isinstance(got, tuple) else got, want_type,
         what + ": error type")
    text = got[1] if isinstance(got, tuple) else ""
    for w in words:
        c.true(w in text, f"{what}: the message names {w!r} ({text!r})")
    c.eq(count(url), before, what + ": database unchanged")
    return text


def check_fault(what, reply, status, code, words, url, before):
    got_status, hdrs, raw = reply
    c.eq(got_status, status, what + ": status")
    f = fault(raw)
    c.eq(f and f[0], "soapenv:" + code, what + ": faultcode")
    for w in words:
        c.true(f and w in (f[1] or ""),
               f"{what}: faultstring names {w!r} ({f and f[1]!r})")
    c.eq(count(url), before, what + ": database unchanged")
    return hdrs


def test_write(url, token):
    before = count(url)
    status, hdrs, raw = post(url, doc("write-ok.xml"), token)
    c.eq(status, 200, "write-ok: status")
    c.eq(outcome(transport(raw, "dataRS")), "OK", "write-ok: OK")

    # 1500 W and 2250.5 W into a kW point (the map's unit): 1.5, 2.2505.
    c.eq(it.readings(url, "hall/power", jst(2026, 12, 1), jst(2026, 12, 2)),
         [(jst(2026, 12, 1, 9, 0), 1.5), (jst(2026, 12, 1, 9, 1), 2.2505)],
         "write-ok: hall/power in kW, 00:01Z is 09:01 in Tokyo")
    # " -1.25e1 " is -12.5; the .000 fraction is the same second.
    c.eq(it.readings(url, "hall/temp", jst(2026, 12, 1), jst(2026, 12, 2)),
         [(jst(2026, 12, 1, 9, 0), 20.5), (jst(2026, 12, 1, 9, 1), -12.5),
          (jst(2026, 12, 1, 9, 2), 21.0)], "write-ok: hall/temp")
    # ON and off into a state point: 1 and 0.
    c.eq(it.readings(url, "hall/door", jst(2026, 12, 1), jst(2026, 12, 2)),
         [(jst(2026, 12, 1, 9, 0), 1.0), (jst(2026, 12, 1, 9, 5), 0.0)],
         "write-ok: hall/door")
    # 2 + 3 + 2; the ignored boiler's value is dropped by the map.
    c.eq(count(url), before + 7, "write-ok: seven readings")

    # The same message again is the same seven rows, on the alias path.
    status, _, raw = post(url, doc("write-ok.xml"), token, path="/fiap")
    c.eq(outcome(transport(raw, "dataRS")), "OK", "write-ok again: OK")
    c.eq(count(url), before + 7, "write-ok again: no duplicates")


def test_spellings(url, token):
    """The same schema in other clients' spellings of XML."""
    before = count(url)
    status, _, raw = post(url, doc("write-prefixed.xml"), token)
    c.eq(outcome(transport(raw, "dataRS")), "OK", "write-prefixed: OK")
    # CDATA 22.5 at 14:00; "&#x32;3" is 23 at 05:01Z = 14:01 in Tokyo.
    c.eq(it.readings(url, "hall/temp", jst(2026, 12, 1, 14),
                     jst(2026, 12, 1, 15)),
         [(jst(2026, 12, 1, 14, 0), 22.5), (jst(2026, 12, 1, 14, 1), 23.0)],
         "write-prefixed: values")
    c.eq(count(url), before + 2, "write-prefixed: two readings")

    # acceptableSize 1: the first page is 22.5, the second 23.
    status, _, raw = post(url, doc("fetch-jaxws.xml"))
    t = transport(raw, "queryRS")
    c.eq(outcome(t), "OK", "fetch-jaxws: OK")
    c.eq(points(t), [("http://akari.example/hall/temp",
                      [(jst(2026, 12, 1, 14, 0), "22.5")])],
         "fetch-jaxws: first page")
    cursor = echoed(t).get("cursor") if t is not None else None
    c.true(cursor, "fetch-jaxws: a cursor")
    second = doc("fetch-jaxws.xml").replace(
        b'acceptableSize="1"',
        b'acceptableSize="1" cursor="' + (cursor or "").encode() + b'"')
    _, _, raw = post(url, second)
    t = transport(raw, "queryRS")
    c.eq(points(t), [("http://akari.example/hall/temp",
                      [(jst(2026, 12, 1, 14, 1), "23")])],
         "fetch-jaxws: second page")
    c.eq(echoed(t).get("cursor") if t is not None else "?", None,
         "fetch-jaxws: the last page has no cursor")


def test_lexical(url, token):
    """Other lexical forms that the schema's types allow: xs:dateTime and
    xs:positiveInteger collapse the blanks around a value and the latter
    takes a plus sign; the uuid type takes upper-case hex digits.  And a
    point ID whose path decodes to bytes that are no UTF-8 names no
    point, which is the sender's error, not the server's."""
    write = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/'
             'soap/envelope/"><soapenv:Body><ns2:dataRQ xmlns:ns2="http://'
             'soap.fiap.org/"><transport xmlns="http://gutp.jp/fiap/2009/'
             '11/"><body><point id="%s"><value time="%s">%s</value></point>'
             '</body></transport></ns2:dataRQ></soapenv:Body>'
             '</soapenv:Envelope>')
    before = count(url)
    _, _, raw = post(url, write % ("http://akari.example/hall/temp",
                                   "\n\t 2026-12-01T15:00:00+09:00 \n",
                                   "30"), token)
    c.eq(outcome(transport(raw, "dataRS")), "OK",
         "lexical: a value time with blanks around it")
    c.eq(it.readings(url, "hall/temp", jst(2026, 12, 1, 15),
                     jst(2026, 12, 1, 16)), [(jst(2026, 12, 1, 15), 30.0)],
         "lexical: stored at 15:00 in Tokyo")
    c.eq(count(url), before + 1, "lexical: one reading")
    # xs:anyURI collapses too: a point ID with blanks around it is the
    # ID without them, for WRITE and for FETCH.
    _, _, raw = post(url, write % ("  http://akari.example/hall/temp\n",
                                   "2026-12-01T15:02:00+09:00", "31"), token)
    c.eq(outcome(transport(raw, "dataRS")), "OK",
         "lexical: a point ID with blanks around it")
    _, _, raw = post(url, doc("fetch-jaxws.xml").replace(
        b'id="http://akari.example/hall/temp"',
        b'id=" http://akari.example/hall/temp "').replace(
        b"T14:00:00", b"T15:02:00").replace(b"T14:01:00", b"T15:02:00"))
    t = transport(raw, "queryRS")
    c.eq(points(t) if t is not None else None,
         [("http://akari.example/hall/temp",
           [(jst(2026, 12, 1, 15, 2), "31")])],
         "lexical: a key's point ID with blanks around it")

    before = count(url)
    check_error("lexical: %FF in a point ID",
                post(url, write % ("http://akari.example/hall%FFtemp",
                                   "2026-12-01T15:01:00+09:00", "1"),
                     token), "dataRS", "POINT_NOT_FOUND", ["%FF"], url,
                before)

    # hall/temp holds 22.5 at 14:00 and 23 at 14:01 (test_spellings): one
    # a page, whichever spelling of 1 the query uses.
    for size in (b" 1 ", b"+1", b"\n+01\t"):
        _, _, raw = post(url, doc("fetch-jaxws.xml").replace(
            b'acceptableSize="1"', b'acceptableSize="' + size + b'"'))
        t = transport(raw, "queryRS")
        c.eq(outcome(t), "OK", f"lexical: acceptableSize {size!r}")
        c.eq(points(t) if t is not None else None,
             [("http://akari.example/hall/temp",
               [(jst(2026, 12, 1, 14, 0), "22.5")])],
             f"lexical: acceptableSize {size!r}, first page")
    cursor = echoed(t).get("cursor") if t is not None else None
    c.true(cursor, "lexical: a cursor")
    _, _, raw = post(url, doc("fetch-jaxws.xml").replace(
        b'acceptableSize="1"', b'acceptableSize="1" cursor="' +
        (cursor or "").upper().encode() + b'"'))
    t = transport(raw, "queryRS")
    c.eq(outcome(t), "OK", "lexical: the cursor in upper case")
    c.eq(points(t) if t is not None else None,
         [("http://akari.example/hall/temp",
           [(jst(2026, 12, 1, 14, 1), "23")])],
         "lexical: the cursor in upper case, second page")


def post_chunked(url, body, token):
    """A POST without Content-Length, its body sent in chunks."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.request("POST", PATH, iter([body[:100], body[100:]]),
                     {"Content-Type": "text/xml",
                      "Authorization": "Bearer " + token},
                     encode_chunked=True)
        r = conn.getresponse()
        return r.status, dict(r.headers), r.read()
    finally:
        conn.close()


def test_attributes(url):
    """An element with more attributes than any FIAP element takes is
    refused before parsing: libxml2 checks each new attribute against
    all the earlier ones, so a body of a few megabytes of attributes
    would hold a worker for hours.  The key of fetch-jaxws.xml has 4
    attributes (id, attrName, gteq, lteq); with 60 more it has 64 and
    is answered (the unknown ones are ignored), with 61 more it has 65
    and is refused."""
    before = count(url)
    for n, ok in ((60, True), (61, False)):
        extra = " ".join(f'x{i}="{i}"' for i in range(n))
        body = doc("fetch-jaxws.xml").replace(
            b'attrName="time"', b'attrName="time" ' + extra.encode())
        if ok:
            _, _, raw = post(url, body)
            c.eq(outcome(transport(raw, "queryRS")), "OK",
                 "attributes: 64 on one key are taken")
        else:
            check_fault("attributes: 65 on one key", post(url, body), 500,
                        "Client", ["line 8", "more than 64 attributes"],
                        url, before)


def test_device_limit(url, token):
    """A device's own body limit holds for IEEE 1888 as for JSON, also
    for a body sent in chunks, which declares no length up front.  The
    limit is a little under the body, so that the server reads the rest
    on and answers (past twice the limit it would close the
    connection)."""
    body = doc("write-ok.xml")
    limit = len(body) - 50
    admin = it.run("admin", "token", "add", "--db", db,
                   "fiap-admin").stdout.strip()
    status, _, _ = it.http("PATCH", url + "/api/v1/devices/hall/gw",
                           {"max_body": limit},
                           {"Authorization": "Bearer " + admin,
                            "Content-Type": "application/json"})
    c.eq(status, 200, "device limit: set")
    before = count(url)
    check_fault("device limit: declared length", post(url, body, token),
                413, "Client", [str(limit)], url, before)
    check_fault("device limit: chunked", post_chunked(url, body, token),
                413, "Client", [str(limit), "device"], url, before)
    it.http("PATCH", url + "/api/v1/devices/hall/gw", {"max_body": None},
            {"Authorization": "Bearer " + admin,
             "Content-Type": "application/json"})
    _, _, raw = post_chunked(url, body, token)
    c.eq(outcome(transport(raw, "dataRS")), "OK",
         "device limit: lifted, the same chunked body is taken")

def test_write_errors(url, token):
    before = count(url)

    # One good value (19 at 10:00) and four refused ones of four kinds,
    # so the type is the general one.
    status, _, raw = post(url, doc("write-partial.xml"), token)
    c.eq(status, 200, "write-partial: status")
    got = outcome(transport(raw, "dataRS"))
    c.eq(got[0] if isinstance(got, tuple) else got, "INVALID_REQUEST",
         "write-partial: error type")
    text = got[1] if isinstance(got, tuple) else ""
    for w in ("1 stored, 4 refused", "\"warm\"", "no time attribute",
              "no point \"hall/nosuch\"", "belongs to site \"pool\""):
        c.true(w in text, f"write-partial: message names {w!r}")
    c.eq(it.readings(url, "hall/temp", jst(2026, 12, 1, 10),
                     jst(2026, 12, 1, 11)),
         [(jst(2026, 12, 1, 10, 0), 19.0)], "write-partial: 19 stored")
    c.eq(count(url), before + 1, "write-partial: one reading more")
    before += 1

    check_error("write-unknown", post(url, doc("write-unknown.xml"), token),
                "dataRS", "POINT_NOT_FOUND", ["hall/nosuch", "0 stored"],
                url, before)
    check_error("write-stray", post(url, doc("write-stray.xml"), token),
                "dataRS", "INVALID_REQUEST", ["<note>", "nothing was stored"],
                url, before)
    check_error("write-nested", post(url, doc("write-nested.xml"), token),
                "dataRS", "INVALID_REQUEST", ["line 16", "<value> holds"],
                url, before)

    check_error("write-wrongunit", post(url, doc("write-wrongunit.xml"),
                                        token),
                "dataRS", "INVALID_REQUEST", ["\"W\"", "degC"], url, before)

    # Held in quarantine like a JSON reading: answered OK, no reading.
    status, _, raw = post(url, doc("write-future.xml"), token)
    c.eq(outcome(transport(raw, "dataRS")), "OK", "write-future: OK")
    c.eq(it.readings(url, "hall/temp", jst(2098, 12, 31), jst(2099, 1, 2)),
         [], "write-future: not a reading")
    c.eq(count(url), before, "write-future: no reading more")

    check_fault("write-cut", post(url, doc("write-cut.xml"), token), 500,
                "Client", ["not well-formed"], url, before)
    check_fault("write-doctype", post(url, doc("write-doctype.xml"), token),
                500, "Client", ["document type declaration"], url, before)
    check_fault("write-soap12", post(url, doc("write-soap12.xml"), token),
                500, "VersionMismatch", ["SOAP 1.1"], url, before)
    check_fault("not SOAP", post(url, b"<readings/>", token), 500, "Client",
                ["no SOAP 1.1 envelope"], url, before)

    hdrs = check_fault("no token", post(url, doc("write-ok.xml")), 401,
                       "Client", ["device token"], url, before)
    c.eq(hdrs.get("WWW-Authenticate"), "Bearer", "no token: challenge")
    check_fault("bad token", post(url, doc("write-ok.xml"), "x" * 43), 401,
                "Client", ["not known"], url, before)
    hdrs = check_fault("GET", it.http("GET", url + PATH), 405, "Client",
                       ["POST"], url, before)
    c.eq(hdrs.get("Allow"), "POST", "GET: Allow")
    check_fault("JSON type", post(url, doc("write-ok.xml"), token,
                                  ctype="application/json"),
                415, "Client", ["text/xml"], url, before)
    # A comment after the root is well-formed; it only makes the body big.
    big = doc("write-ok.xml") + b"<!--" + b"x" * MAX_BODY + b"-->"
    check_fault("too big", post(url, big, token), 413, "Client",
                [str(MAX_BODY)], url, before)


def test_fetch(url):
    before = count(url)
    status, _, raw = post(url, doc("fetch-range.xml"))
    c.eq(status, 200, "fetch-range: status, without a token")
    t = transport(raw, "queryRS")
    c.eq(outcome(t), "OK", "fetch-range: OK")
    # hall/temp in [09:00, 00:02Z = 09:02): 09:00 and 09:01; hall/power
    # read back in the map's W.
    nine, nine_one = jst(2026, 12, 1, 9, 0), jst(2026, 12, 1, 9, 1)
    c.eq(points(t), [
        ("http://akari.example/hall/temp",
         [(nine, "20.5"), (nine_one, "-12.5")]),
        ("http://bems.example.jp/hall/meter1/power",
         [(nine, "1500"), (nine_one, "2250.5")]),
    ], "fetch-range: values")
    q = echoed(t)
    c.eq(q is not None and q.get("id"),
         "0d5f0c4e-5a8e-4b1f-9a55-7c0f2b8e6a01",
         "fetch-range: the query is echoed")
    c.eq(q is not None and q.get("cursor"), None, "fetch-range: no cursor")
    c.eq(q is not None and [k.get("lt") for k in q], [
        "2026-12-01T00:02:00Z", None], "fetch-range: keys echoed")
    stamp = t.find(f"{{{FIAP}}}body/{{{FIAP}}}point/{{{FIAP}}}value")
    c.eq(stamp is not None and stamp.get("time"),
         "2026-12-01T09:00:00+09:00", "fetch-range: times in the site zone")

    status, _, raw = post(url, doc("fetch-select.xml"))
    t = transport(raw, "queryRS")
    c.eq(outcome(t), "OK", "fetch-select: OK")
    # hall/temp holds 20.5 (09:00), -12.5 (09:01), 21 (09:02) and 19
    # (10:00, from write-partial): newest, oldest, newest up to 09:01:30;
    # the door has nothing after 09:05, so its point is empty.
    c.eq(points(t), [
        ("http://akari.example/hall/temp", [(jst(2026, 12, 1, 10, 0), "19")]),
        ("http://akari.example/hall/temp", [(jst(2026, 12, 1, 9, 0), "20.5")]),
        ("http://akari.example/hall/temp",
         [(jst(2026, 12, 1, 9, 1), "-12.5")]),
        ("http://akari.example/hall/door", []),
    ], "fetch-select: values")

    check_error("fetch-unknown", post(url, doc("fetch-unknown.xml")),
                "queryRS", "POINT_NOT_FOUND", ["hall/nosuch"], url, before)
    _, _, raw = post(url, doc("fetch-unknown.xml"))
    c.eq(points(transport(raw, "queryRS")), [], "fetch-unknown: no body")
    check_error("fetch-value", post(url, doc("fetch-value.xml")), "queryRS",
                "QUERY_NOT_SUPPORTED", ["attrName \"value\""], url, before)
    check_error("fetch-stream", post(url, doc("fetch-stream.xml")), "queryRS",
                "QUERY_NOT_SUPPORTED", ["stream"], url, before)
    check_error("fetch-wrongunit", post(url, doc("fetch-wrongunit.xml")),
                "queryRS", "SERVER_ERROR", ["in W", "in degC"], url, before)
    check_fault("fetch-mustunderstand",
                post(url, doc("fetch-mustunderstand.xml")), 500,
                "MustUnderstand", ["Signature"], url, before)
    check_error("fetch-badtime", post(url, doc("fetch-badtime.xml")),
                "queryRS", "INVALID_REQUEST", ["gteq", "UTC offset"], url,
                before)


def with_cursor(raw, size, cursor):
    """fetch-paging.xml with acceptableSize and cursor set."""
    root = ET.fromstring(raw)
    q = root.find(f"{{{SOAP}}}Body/{{{FSOAP}}}queryRQ/{{{FIAP}}}transport/"
                  f"{{{FIAP}}}header/{{{FIAP}}}query")
    q.set("acceptableSize", str(size))
    if cursor:
        q.set("cursor", cursor)
    return ET.tostring(root)


def test_paging(url, token):
    # paged/a: 25 minutes from 2026-12-02T00:00+09:00, value 1.5 * i;
    # paged/b: two minutes before that (excluded by the key's gteq) and
    # 7 from it, value 100 + i.  The query reads a's 25, then b's 7.
    start = jst(2026, 12, 2)
    rows = [{"point": "paged/a", "ts": (start + datetime.timedelta(
        minutes=i)).isoformat(), "value": 1.5 * i} for i in range(25)]
    rows += [{"point": "paged/b", "ts": (start + datetime.timedelta(
        minutes=i)).isoformat(), "value": 100 + i} for i in range(-2, 7)]
    status, _, _ = it.http("POST", url + "/api/v1/ingest", {"readings": rows},
                           {"Authorization": "Bearer " + token,
                            "Content-Type": "application/json"})
    c.eq(status, 200, "paging: JSON ingest")
    want = [("http://akari.example/paged/a", start + datetime.timedelta(
        minutes=i), 1.5 * i) for i in range(25)]
    want += [("http://akari.example/paged/b", start + datetime.timedelta(
        minutes=i), 100.0 + i) for i in range(7)]

    template = doc("fetch-paging.xml")
    for size in (10, 5, 1, 31, 32, 20000):
        got, ids, cursor, pages = [], [], None, 0
        while pages < 100:
            _, _, raw = post(url, with_cursor(template, size, cursor))
            t = transport(raw, "queryRS")
            if outcome(t) != "OK":
                c.eq(outcome(t), "OK", f"paging {size}: page {pages + 1}")
                break
            pages += 1
            page = [(pid, ts, float(v)) for pid, vals in points(t)
                    for ts, v in vals]
            c.true(len(page) <= size, f"paging {size}: page within size")
            ids.append([pid for pid, _ in points(t)])
            got += page
            cursor = echoed(t).get("cursor")
            if not cursor:
                break
        c.eq(got, want, f"paging {size}: every value once, in order")
        # 32 values: ceil(32 / size) pages, at most 10000 in one.
        c.eq(pages, -(-32 // min(size, 10000)), f"paging {size}: pages")
        if size == 10:
            # a0-9, a10-19, a20-24 + b0-4, b5-6
            c.eq(ids, [["http://akari.example/paged/a"]] * 2 + [
                ["http://akari.example/paged/a",
                 "http://akari.example/paged/b"],
                ["http://akari.example/paged/b"]], "paging 10: points")
        if size == 5:
            # The fifth page ends with a24: b starts on the sixth.
            c.eq(ids[4:], [["http://akari.example/paged/a"]] + [
                ["http://akari.example/paged/b"]] * 2, "paging 5: points")

    # A cursor may be used again (a lost page asked for twice).
    _, _, raw = post(url, with_cursor(template, 10, None))
    cursor = echoed(transport(raw, "queryRS")).get("cursor")
    _, _, first = post(url, with_cursor(template, 10, cursor))
    _, _, again = post(url, with_cursor(template, 10, cursor))
    c.eq(points(transport(again, "queryRS")),
         points(transport(first, "queryRS")), "paging: a cursor again")

    before = count(url)
    check_error("unknown cursor",
                post(url, with_cursor(template, 10, str(uuid.uuid4()))),
                "queryRS", "INVALID_CURSOR", ["unknown or expired"], url,
                before)
    other = ET.fromstring(doc("fetch-range.xml"))
    other.find(f"{{{SOAP}}}Body/{{{FSOAP}}}queryRQ/{{{FIAP}}}transport/"
               f"{{{FIAP}}}header/{{{FIAP}}}query").set("cursor", cursor)
    check_error("another query's cursor", post(url, ET.tostring(other)),
                "queryRS", "INVALID_CURSOR", ["another query"], url, before)


def test_wsdl(url):
    """GET ?wsdl: the service's WSDL, at the address asked."""
    WSDL = "http://schemas.xmlsoap.org/wsdl/"
    WSOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
    XS = "http://www.w3.org/2001/XMLSchema"
    status, hdrs, raw = it.http("GET", url + PATH + "?wsdl")
    c.eq(status, 200, "wsdl: status")
    c.true(hdrs.get("Content-Type", "").startswith("text/xml"),
           "wsdl: text/xml")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        c.eq(str(e), None, "wsdl: parses")
        return
    c.eq(root.tag, f"{{{WSDL}}}definitions", "wsdl: root")
    c.eq(root.get("targetNamespace"), FSOAP, "wsdl: target namespace")
    addr = root.find(f"{{{WSDL}}}service/{{{WSDL}}}port/{{{WSOAP}}}address")
    c.eq(addr is not None and addr.get("location"), url + PATH,
         "wsdl: the service's address")
    ops = {op.get("name"): op.find(f"{{{WSOAP}}}operation").get("soapAction")
           for op in root.findall(f"{{{WSDL}}}binding/{{{WSDL}}}operation")}
    c.eq(ops, {"data": FSOAP + "data", "query": FSOAP + "query"},
         "wsdl: the two operations")
    # Every FIAP element and key attribute the requests of this test use
    # is declared by the schema in the WSDL.
    schemas = {s.get("targetNamespace"): s
               for s in root.iter(f"{{{XS}}}schema")}
    declared = {e.get("name") for e in schemas[FIAP].iter(f"{{{XS}}}element")}
    c.eq({"transport", "header", "body", "query", "key", "point", "pointSet",
          "value", "OK", "error"} - declared, set(), "wsdl: FIAP elements")
    top = {e.get("name") for e in schemas[FSOAP].findall(f"{{{XS}}}element")}
    c.eq(top, {"dataRQ", "dataRS", "queryRQ", "queryRS"},
         "wsdl: operation elements")
    key = next(t for t in schemas[FIAP].findall(f"{{{XS}}}complexType")
               if t.get("name") == "key")
    c.eq({a.get("name") for a in key.findall(f"{{{XS}}}attribute")},
         {"id", "attrName", "eq", "neq", "lt", "gt", "lteq", "gteq",
          "select", "trap"}, "wsdl: key attributes")
    status, _, raw = it.http("HEAD", url + PATH + "?wsdl")
    c.eq((status, raw), (200, b""), "wsdl: HEAD")


def test_bad_map():
    bad = os.path.join(work, "bad.map")
    with open(bad, "w") as f:
        f.write("# fine\nhttp://x/* -> a/*\nhttp://x/y -> a/b furlongs\n")
    p = subprocess.run([it.AKARI, "serve", "--db", db, "--listen",
                        "127.0.0.1:0", "--fiap-map", bad],
                       capture_output=True, text=True, timeout=60)
    c.eq(p.returncode, 2, "bad map: exit status")
    c.true(bad + ":3:" in p.stderr and "furlongs" in p.stderr,
           f"bad map: FILE:LINE and the unit ({p.stderr.strip()!r})")


def test_limits(url, token):
    """The message-size limits of IEEE 1888, on a server that takes
    bodies of the default 8 MiB."""
    before = count(url)
    value = '<value time="2026-12-01T13:00:00+09:00">1</value>\n'
    big = doc("write-many.xml").replace(b"<!--VALUES-->",
                                        value.encode() * 100001)
    check_error("write-many", post(url, big, token), "dataRS",
                "TOO_MANY_VALUES", ["100001 values", "100000"], url, before)
    # A refused value far down a long message is named by its own line:
    # <!--VALUES--> is line 13 of write-many.xml, so after 70000 empty
    # lines the value (a time without an offset) is on line 70013.
    far = doc("write-many.xml").replace(
        b"<!--VALUES-->", b"\n" * 70000 +
        b'<value time="2026-12-01T13:00:00">1</value>')
    check_error("write-many: line 70013", post(url, far, token), "dataRS",
                "INVALID_REQUEST", ["line 70013,"], url, before)
    key = '<key id="http://akari.example/hall/temp" attrName="time"/>\n'
    many = doc("fetch-many.xml").replace(b"<!--KEYS-->",
                                         key.encode() * 1001)
    check_error("fetch-many", post(url, many), "queryRS", "TOO_MANY_KEYS",
                ["1001 keys", "1000"], url, before)
    _, _, raw = post(url, doc("fetch-many.xml").replace(
        b"<!--KEYS-->", key.encode() * 1000))
    c.eq(outcome(transport(raw, "queryRS")), "OK", "fetch 1000 keys: OK")
    # Two megabytes of attributes on one element: answered at once.
    attrs = b" ".join(b'a%d=""' % i for i in range(200000))
    body = doc("fetch-jaxws.xml").replace(b'attrName="time"',
                                          b'attrName="time" ' + attrs)
    check_fault("200000 attributes", post(url, body), 500, "Client",
                ["more than 64 attributes"], url, before)


def main():
    token = setup()
    test_bad_map()
    srv = it.Server(db, ["--max-body", str(MAX_BODY), "--fiap-map",
                         fiap_map]).start()
    try:
        test_write(srv.url, token)
        test_write_errors(srv.url, token)
        test_fetch(srv.url)
        test_spellings(srv.url, token)
        test_lexical(srv.url, token)
        test_device_limit(srv.url, token)
        test_attributes(srv.url)
        test_wsdl(srv.url)
        test_paging(srv.url, token)
    finally:
        # Under the sanitizers a leak makes this exit status non-zero.
        c.eq(srv.stop(), 0, "serve stops cleanly")
    srv = it.Server(db, ["--fiap-map", fiap_map]).start()
    try:
        test_limits(srv.url, token)
    finally:
        c.eq(srv.stop(), 0, "serve stops cleanly, second run")
    c.finish()


main()
