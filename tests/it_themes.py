#!/usr/bin/env python3
"""`--theme` on `akari render` and `akari kiosk`, against a real server.

Each shipped theme, named or given as a file, draws a slide whose
background is the theme's own: the expected colour is read from the
theme file here with configparser, not from akari.  A theme that does
not exist or does not parse stops either command with status 2 and a
message naming it, before anything is drawn.
"""
import configparser
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

THEMES = os.path.join(it.SOURCE_DIR, "themes")
c = it.Checks()


def png_pixel(path, x, y):
    """(r, g, b) at (x, y) of an 8-bit RGB or RGBA PNG."""
    w, _, rgb = it.png_rgb(path)
    i = (y * w + x) * 3
    return tuple(rgb[i:i + 3])


def theme_bg(name):
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(os.path.join(THEMES, name + ".theme"))
    v = cp["colors"]["background"]
    return tuple(int(v[i:i + 2], 16) for i in (1, 3, 5))


def main():
    work = it.tmpdir()
    try:
        with it.Server(os.path.join(work, "a.db")) as srv:
            run_checks(work, srv.url)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c.finish()


def run_checks(work, url):
    w, h = 640, 360
    names = ["dark", "light", "high-contrast"]
    bgs = [theme_bg(n) for n in names]
    c.true(len(set(bgs)) == 3, "the three backgrounds differ")

    # akari render: by name, and by path
    for name, bg in zip(names, bgs):
        for spec in (name, os.path.join(THEMES, name + ".theme")):
            out = os.path.join(work, "r.png")
            it.run("render", "--server", url, "--slide", "grid",
                   "--size", f"{w}x{h}", "--theme", spec, "-o", out)
            c.eq(png_pixel(out, 2, h - 3), bg, f"render --theme {spec}")
            os.remove(out)

    # without --theme: the dark default
    out = os.path.join(work, "r.png")
    it.run("render", "--server", url, "--slide", "grid", "--size",
           f"{w}x{h}", "-o", out)
    c.eq(png_pixel(out, 2, h - 3), bgs[0], "render with no --theme")

    # akari kiosk: one frame to a PNG directory
    frames = os.path.join(work, "frames")
    os.mkdir(frames)
    it.run("kiosk", "--server", url, "--png-dir", frames, "--window",
           f"{w}x{h}", "--frames", "1", "--no-cache", "--theme",
           "high-contrast")
    got = sorted(os.listdir(frames))
    c.true(len(got) >= 1, "the kiosk wrote a frame")
    if got:
        c.eq(png_pixel(os.path.join(frames, got[0]), 2, h - 3), bgs[2],
             "kiosk --theme high-contrast")

    # a theme that is not there, or does not parse
    bad = os.path.join(work, "bad.theme")
    with open(bad, "w") as f:
        f.write("[colors]\nbackgruond=#000000\n")
    for cmd in (["render", "--server", url, "--slide", "grid", "-o",
                 os.path.join(work, "x.png")],
                ["kiosk", "--server", url, "--png-dir", frames,
                 "--frames", "1", "--no-cache"]):
        p = it.run(*cmd, "--theme", "nosuch", check=False)
        c.eq(p.returncode, 2, f"{cmd[0]} --theme nosuch: status")
        c.true("no theme 'nosuch'" in p.stderr,
               f"{cmd[0]} --theme nosuch says so: {p.stderr!r}")
        p = it.run(*cmd, "--theme", bad, check=False)
        c.eq(p.returncode, 2, f"{cmd[0]} --theme bad.theme: status")
        c.true(f"{bad}:2: unknown colour 'backgruond'" in p.stderr,
               f"{cmd[0]} names the bad key: {p.stderr!r}")
    c.true(not os.path.exists(os.path.join(work, "x.png")),
           "no picture from a bad theme")


main()
