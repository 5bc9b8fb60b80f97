#!/bin/sh
# Installs InfluxDB 1.x (Debian package influxdb) for `make bench`, which
# runs the same workload against it.  Only the bench calls this: InfluxDB
# is a yardstick, not a dependency of akari, so install-deps.sh and
# `make test` never pull it in.  Without the package the bench still runs,
# for akari alone.
set -eu

if command -v influxd >/dev/null 2>&1; then
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-influxdb: not root and no sudo;" \
		     "the bench runs without InfluxDB" >&2
		exit 0
	fi
	SUDO=sudo
fi

if ! apt-cache policy influxdb 2>/dev/null | grep -q 'Candidate: [0-9]'; then
	echo "install-influxdb: no Debian package influxdb here;" \
	     "the bench runs without InfluxDB" >&2
	exit 0
fi

# The package's own service is not wanted: the bench starts influxd on
# its own ports with a throwaway data directory.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends influxdb >/dev/null ||
	echo "install-influxdb: apt-get failed;" \
	     "the bench runs without InfluxDB" >&2
if command -v service >/dev/null 2>&1; then
	$SUDO service influxdb stop >/dev/null 2>&1 || true
fi
exit 0
