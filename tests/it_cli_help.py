#!/usr/bin/env python3
"""it_cli_help: `akari site|device|point --help` lists every action the
command takes, not only add and list.

Which actions a command takes is found by running it, not read from its
usage: every lowercase word quoted in the CLI's sources (src/cli/*.c) is
tried as `akari NOUN WORD --help`; a word the command takes answers with
status 0, any other is refused with status 2.  A word refused for its
missing second word ("device token") is tried again with each word as
the second.  Then the usage line "akari NOUN A|B ..." of --help must
name each action found, and an unknown action's message must too.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
top = os.environ.get("AKARI_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), ".."))

WORDS = set()
cli_dir = os.path.join(top, "src", "cli")
for name in sorted(os.listdir(cli_dir)):
    if name.endswith(".c"):
        with open(os.path.join(cli_dir, name), encoding="utf-8") as f:
            WORDS.update(re.findall(r'"([a-z]+)"', f.read()))
WORDS.discard("help")
c.true({"add", "list", "show"} <= WORDS, f"candidate words: {WORDS}")


def takes(*words):
    r = it.run(*words, "--help", check=False)
    return r.returncode == 0, r


def actions_of(noun):
    found = set()
    for w in sorted(WORDS):
        ok, r = takes(noun, w)
        if ok:
            found.add((w,))
        elif "unknown action" not in r.stderr:
            # a group of actions: NOUN W SUB
            for sub in sorted(WORDS):
                if takes(noun, w, sub)[0]:
                    found.add((w, sub))
    return found


def usage_names(text, noun):
    """The actions the usage lines of text name: "akari NOUN A|B" and
    "akari NOUN A B|C"."""
    named = set()
    for m in re.finditer(rf"akari {noun} ((?:[a-z|]+ )*)--", text):
        words = m.group(1).split()
        for first in words[0].split("|"):
            if len(words) == 1:
                named.add((first,))
            for sub in words[1].split("|") if len(words) > 1 else ():
                named.add((first, sub))
    return named


# What each command must take at least, as docs/registry.md ("From the
# command line") lists them.
AT_LEAST = {
    "site": {("add",), ("list",), ("show",), ("change",), ("retire",)},
    "device": {("add",), ("list",), ("show",), ("change",), ("retire",),
               ("token", "rotate"), ("token", "revoke"),
               ("secret", "set"), ("secret", "clear")},
    "point": {("add",), ("list",), ("show",), ("change",), ("retire",)},
}

for noun, least in AT_LEAST.items():
    found = actions_of(noun)
    c.true(least <= found, f"{noun}: takes {sorted(least - found)}")
    r = it.run(noun, "--help")
    named = usage_names(r.stdout, noun)
    for act in sorted(found):
        c.true(act in named, f"akari {noun} --help names "
               f"'{' '.join(act)}': {sorted(named)}")
    # and the refusal of an action it lacks
    r = it.run(noun, "frobnicate", check=False)
    c.eq(r.returncode, 2, f"akari {noun} frobnicate: exit status")
    for first in sorted({act[0] for act in found}):
        c.true(re.search(rf"\b{first}\b", r.stderr),
               f"akari {noun} frobnicate names '{first}': {r.stderr}")

c.finish()
