"""it_themes_fonts: akari's fontconfig configuration (themes/fonts.conf),
which the kiosk and `akari render` read unless $FONTCONFIG_FILE names
another, draws the slides exactly as the system's configuration does.

TEPCO's 27 June 2022 is imported and served.  `akari render` draws the
grid slide in ja+en and in en, the message slide with Pango markup in
Japanese and English, and the QR slide with a Japanese caption, once
as it runs by default and once with FONTCONFIG_FILE=/etc/fonts/fonts.conf
(the system's configuration, with all its rule files): the PNG files'
pixels are the same.  A theme naming the generic family "sans-serif"
draws what the shipped theme's "Noto Sans CJK JP" draws.  fontconfig
itself reads the file without a complaint (fc-match's stderr is empty).

Expected pictures come from fontconfig's own configuration, which akari
does not write.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import akari_it as it  # noqa: E402

SYSTEM = "/etc/fonts/fonts.conf"
OURS = os.path.join(it.SOURCE_DIR, "themes", "fonts.conf")
AT = "1656306000"  # 2022-06-27T14:00:00+09:00

c = it.Checks()
work = it.tmpdir()
db = os.path.join(work, "fonts.db")
it.run("import", "--db", db, "--format", "tepco-daily",
       os.path.join(it.DATA, "tepco", "20220627_power_usage.csv"))

env = dict(os.environ)
env.pop("FONTCONFIG_FILE", None)
p = subprocess.run(["fc-match", "Noto Sans CJK JP:lang=ja"],
                   env=dict(env, FONTCONFIG_FILE=OURS), capture_output=True,
                   text=True)
c.eq((p.returncode, p.stderr), (0, ""), "fontconfig reads fonts.conf")
c.true("Noto Sans CJK JP" in p.stdout, f"it finds the theme's family: "
       f"{p.stdout.strip()}")

theme = os.path.join(work, "generic.theme")
with open(os.path.join(it.SOURCE_DIR, "themes", "dark.theme")) as f:
    text = f.read()
c.true("family=Noto Sans CJK JP" in text, "the dark theme names its family")
with open(theme, "w") as f:
    f.write(text.replace("family=Noto Sans CJK JP", "family=sans-serif"))

CASES = [
    ("grid-ja+en", ["--slide", "grid", "--lang", "ja+en"]),
    ("grid-en", ["--slide", "grid", "--lang", "en"]),
    ("message", ["--slide", "message", "--message",
                 "<b>節電</b>のご協力をお願いします\nPlease save "
                 "<i>power</i> 18:00–20:00"]),
    ("qr", ["--slide", "qr", "--qr-url", "https://example.jp/portal",
            "--caption", "ご家庭の電気の使い方 / Your home's use"]),
]

with it.Server(db) as srv:
    def render(name, args, extra_env, theme_args=()):
        out = os.path.join(work, name + ".png")
        p = subprocess.run([it.AKARI, "render", "--server", srv.url, "--at",
                            AT, "--size", "960x540", *args, *theme_args,
                            "-o", out], env=dict(env, **extra_env),
                           capture_output=True, text=True)
        c.eq(p.returncode, 0, f"{name}: akari render ({p.stderr.strip()})")
        return it.png_rgb(out) if p.returncode == 0 else None

    for name, args in CASES:
        ours = render(name + "-ours", args, {})
        system = render(name + "-system", args, {"FONTCONFIG_FILE": SYSTEM})
        c.true(ours is not None and ours == system,
               f"{name}: the same pixels as with the system's configuration")
    plain = render("generic-plain", CASES[0][1], {})
    generic = render("generic-sans", CASES[0][1], {}, ("--theme", theme))
    c.true(plain is not None and plain == generic,
           "a theme naming sans-serif draws Noto Sans CJK JP")

c.finish_in(work)
