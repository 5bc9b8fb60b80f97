#!/usr/bin/env bash
# Installs Debian's chromium for the browser half of `make bench-kiosk`.
# Only the benchmark calls this: akari itself and its tests never need a
# browser, so scripts/install-deps.sh leaves it out.  Installing needs
# root; without it the benchmark goes on without the browser figures.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-chromium: not root, not installing chromium" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk \
	>/dev/null
