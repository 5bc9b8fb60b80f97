#!/usr/bin/env python3
"""it_import_token: `akari import --push` takes the device token from
--token-file FILE or $AKARI_TOKEN, so that it is not on the command line
where ps shows it; --token TOKEN still works.

Against a real server: a csv file pushed with the token in a file (with
a newline after it, as an editor leaves one), then from the environment,
then with --token, stores each file's reading (read back over HTTP, the
value as the file writes it).  No token, a missing file, an empty file,
a file of two words, --token with --token-file, and --token-file with
--db are usage errors (status 2) that send nothing; a wrong token in the
file is the server's 401 (status 1), and nothing is stored.
"""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "import-token.db")
T0 = 1700000000          # 2023-11-14T22:13:20Z
MAP = "time=0,tz=UTC,point:hall/power=1,unit=kW"

it.run("site", "add", "hall", "--db", db, "--kind", "building", "--tz",
       "UTC")
it.run("point", "add", "hall/power", "--db", db, "--site", "hall",
       "--quantity", "power", "--unit", "kW")
token = it.run("device", "add", "--db", db, "--site", "hall",
               "meter").stdout.strip()


def csv_file(name, ts, value):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        when = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
        f.write(f"time,power\n{when:%Y-%m-%d %H:%M:%S},{value}\n")
    return path


def text_file(name, text):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def push(url, *args, env_token=None):
    env = {k: v for k, v in os.environ.items() if k != "AKARI_TOKEN"}
    if env_token is not None:
        env["AKARI_TOKEN"] = env_token
    return subprocess.run([it.AKARI, "import", "--push", url, "--format",
                           "csv", "--map", MAP, *args], capture_output=True,
                          text=True, env=env, timeout=120)


good_file = text_file("token", token + "\n")

with it.Server(db) as srv:
    def stored():
        st, _, body = it.get(srv.url + "/api/v1/points/hall/power/readings"
                             f"?from={T0}&to={T0 + 3600}")
        c.eq(st, 200, "the readings are served")
        return [r.get("value") for r in body.get("readings", [])] \
            if isinstance(body, dict) else None

    # the usage errors: nothing sent
    f = csv_file("none.csv", T0 + 600, 9.0)
    for what, args, env_token, words in (
            ("no token", (f,), None, ["--token-file", "AKARI_TOKEN"]),
            ("an empty AKARI_TOKEN", (f,), "", ["--token-file"]),
            ("a missing file", ("--token-file",
                                os.path.join(work, "nope"), f), None,
             ["--token-file", "nope"]),
            ("an empty file", ("--token-file", text_file("empty", "\n"), f),
             None, ["--token-file"]),
            ("two words", ("--token-file",
                           text_file("two", token + " x\n"), f), None,
             ["one word"]),
            ("both", ("--token", token, "--token-file", good_file, f), None,
             ["not both"])):
        r = push(srv.url, *args, env_token=env_token)
        c.eq(r.returncode, 2, f"{what}: exit status ({r.stderr})")
        for w in words:
            c.true(w in r.stderr, f"{what}: names {w}: {r.stderr}")
    r = it.run("import", "--db", db, "--token-file", good_file, "--format",
               "csv", "--map", MAP, f, check=False)
    c.eq(r.returncode, 2, f"--token-file with --db: {r.stderr}")
    c.eq(stored(), [], "the usage errors stored nothing")

    r = push(srv.url, "--token-file", text_file("wrong", "x" * 40 + "\n"),
             f)
    c.eq(r.returncode, 1, f"a wrong token: exit status ({r.stderr})")
    c.true("401" in r.stderr, f"a wrong token: the server's 401: "
           f"{r.stderr}")
    c.eq(stored(), [], "a wrong token stored nothing")

    r = push(srv.url, "--token-file", good_file, csv_file("a.csv", T0, 1.5))
    c.eq(r.returncode, 0, f"--token-file: {r.stderr}")
    r = push(srv.url, csv_file("b.csv", T0 + 60, 2.5), env_token=token)
    c.eq(r.returncode, 0, f"AKARI_TOKEN: {r.stderr}")
    r = push(srv.url, "--token", token, csv_file("c.csv", T0 + 120, 3.5),
             env_token="not-the-token")
    c.eq(r.returncode, 0, f"--token, which wins over AKARI_TOKEN: "
         f"{r.stderr}")
    c.eq(stored(), [1.5, 2.5, 3.5],
         "each file's reading is stored")

c.finish_in(work)
