#!/usr/bin/env bash
# Installs every Debian package akari needs to build, run and test.
# This is the one place where dependencies are listed; docs/dependencies.md
# says why each one was chosen.
set -eu

packages=(
  # build
  build-essential cmake pkg-config
  # cloud
  libmicrohttpd-dev libsqlite3-dev libjansson-dev libglib2.0-dev
  # gzip bodies of InfluxDB line protocol writes
  zlib1g-dev
  # IEEE 1888 (FIAP) SOAP messages
  libxml2-dev
  # hashing, HMAC, random tokens and backup encryption
  libmbedtls-dev
  # import --push and the kiosk's fetcher
  libcurl4-openssl-dev curl
  # kiosk: drawing, text, display
  libcairo2-dev libpango1.0-dev libsdl2-dev fonts-noto-cjk
  # kiosk: fontconfig's set-up on the fonts' thread (already Pango's)
  libfontconfig-dev
  # tests: a Latin-only face (no kana) that test_render names
  fonts-dejavu-core
  # kiosk: turning the screen off outside its hours (X11 DPMS)
  libx11-dev libxext-dev
  # kiosk: the X screen's size before the window opens (already Cairo's)
  libxcb1-dev
  # msgfmt: compiles the slides' message catalogues (po/*.po)
  gettext
  # the QR code and JPEG image slides; zbarimg reads the QR code back in tests
  libqrencode-dev libjpeg62-turbo-dev zbar-tools
  # tests: X server for the SDL window and xwd for its screenshot, python for
  # the independent reference computations, the sqlite3 shell
  xvfb xauth x11-apps python3 tzdata sqlite3
  # tests: xwininfo finds the kiosk's window on an X server started again
  x11-utils
  # tests: localedef and de_DE's source, a locale with a decimal comma
  locales
)

# The Node clients of tests/it_*.js, pinned by tests/node/package-lock.json,
# where node is installed.  Skipped while node_modules is newer than the
# lock file; a failure only warns, since those tests install on their own.
node_deps() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/node"
  command -v npm >/dev/null 2>&1 || return 0
  [ "$dir/node_modules" -nt "$dir/package-lock.json" ] && return 0
  npm ci --prefix "$dir" --no-audit --no-fund --silent ||
    echo "install-deps: npm ci in tests/node failed" >&2
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { node_deps; exit 0; }

echo "install-deps: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "install-deps: cannot install as $(id -un) without sudo. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
node_deps
