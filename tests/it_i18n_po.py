"""it_i18n_po: every message the renderer marks has a Japanese translation.

The sources under src/render are read here, without akari: every string
marked _("..."), N_("...") or L_("...") (adjacent literals joined) must be
a msgid of po/ja.po with a non-empty msgstr, and a msgid with a printf
conversion must keep the same conversions in its translation.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

top = os.environ.get("AKARI_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), ".."))
c = it.Checks()

STR = r'"(?:[^"\\]|\\.)*"'
MARK = re.compile(r'\b[NL]?_\(\s*((?:' + STR + r'\s*)+)\)')


def unquote(lits):
    parts = re.findall(STR, lits)
    return "".join(bytes(p[1:-1], "utf-8").decode("unicode_escape")
                   .encode("latin-1").decode("utf-8") for p in parts)


def po_entries(path):
    """{msgid: msgstr} of a .po file, continuation lines joined."""
    out, cur, key = {}, {}, None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("#") or not line:
            if "msgid" in cur:
                out[cur["msgid"]] = cur.get("msgstr", "")
                cur = {}
            continue
        m = re.match(r'(msgid|msgstr)\s+(".*")$', line)
        if m:
            key = m.group(1)
            cur[key] = unquote(m.group(2))
        elif line.startswith('"') and key:
            cur[key] += unquote(line)
    if "msgid" in cur:
        out[cur["msgid"]] = cur.get("msgstr", "")
    return out


po = po_entries(os.path.join(top, "po", "ja.po"))
marked = {}
src_dir = os.path.join(top, "src", "render")
for name in sorted(os.listdir(src_dir)):
    if not name.endswith(".c"):
        continue
    text = open(os.path.join(src_dir, name), encoding="utf-8").read()
    for m in MARK.finditer(text):
        marked.setdefault(unquote(m.group(1)), name)

c.true(len(marked) >= 60, "the renderer marks %d messages" % len(marked))
conv = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[sdfgu]")
for msgid, where in sorted(marked.items()):
    tr = po.get(msgid)
    c.true(bool(tr), "%s: %r has a Japanese translation" % (where, msgid))
    if tr:
        c.eq(sorted(conv.findall(tr)), sorted(conv.findall(msgid)),
             "conversions of %r" % msgid)
sys.exit(c.finish())
