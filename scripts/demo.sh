#!/usr/bin/env bash
# The demo behind `make run`: a fresh database with the real sample data,
# the server on loopback, and the kiosk replaying 27-30 June 2022, the
# days of the first tight-supply warning for the Tokyo area.
set -euo pipefail

akari=${1:?usage: demo.sh PATH/TO/akari}
top=$(cd "$(dirname "$0")/.." && pwd)
var="$top/var"
db="$var/demo.db"
port=${AKARI_PORT:-8080}
url="http://127.0.0.1:$port"

mkdir -p "$var"
rm -f "$db" "$db-wal" "$db-shm"

echo "demo: importing the sample data into $db"
"$akari" import --db "$db" --format tepco-daily "$top"/data/tepco/*.csv
# The home's and the room's recordings are lined up on the replayed days
# by whole days: Monday 2012-06-25 becomes Monday 2022-06-27, and
# 2015-02-05 becomes 2022-06-27.  Each slide names its recorded day.
"$akari" import --db "$db" --format ausgrid --shift-days 3654 \
	"$top/data/household/ausgrid_customer12_2011-2012.csv"
"$akari" import --db "$db" --format uci-occupancy --shift-days 2699 \
	"$top/data/environment/uci_occupancy_training.txt"
# The CO2, EV and weather slides' sites, lined up on Mondays the same way:
# 2016-07-04 (NREL PV), 2021-06-28 (JPL garage) and 2025-03-03 (Tokyo)
# each become 2022-06-27.
"$akari" import --db "$db" --format nrel-pv --shift-days 2184 \
	"$top/data/solar/nrel_serf_east_15min_ac_power.csv"
"$akari" import --db "$db" --format acn-ev --shift-days 364 \
	"$top/data/ev/acn_jpl_sessions_2021.json"
"$akari" import --db "$db" --format jma-hourly --shift-days -980 \
	"$top/data/weather/jma_tokyo_20250101_20250331.csv"

pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "demo: stopping"
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$akari" serve --db "$db" --listen "127.0.0.1:$port" &
pids+=($!)
for _ in $(seq 50); do
	curl -fsS "$url/api/v1/health" >/dev/null 2>&1 && break
	kill -0 "${pids[0]}" 2>/dev/null || {
		echo "demo: the server did not start (is port $port free?" \
			"set AKARI_PORT to use another)" >&2
		exit 1
	}
	sleep 0.2
done
echo "demo: server at $url (try $url/api/v1/points)"
# The registry and content routes (docs/registry.md, docs/playlists.md)
# take an admin token; a fresh database has none.
admin=$("$akari" admin token add --db "$db" demo 2>/dev/null)
echo "demo: for the docs' examples: AKARI=$url ADMIN=$admin"

replay="2022-06-27T06:00:00+09:00,2022-06-30T22:00:00+09:00"
# No building in the sample data has a floor area: no ranking slide.  The
# QR code links to what the demo can serve: the signage figures.
kiosk=(kiosk --server "$url" --replay "$replay" --speed 240
	--cache "$var/kiosk-cache"
	--slides grid,solar,household,air,co2,ev,weather,qr
	--qr-url "$url/api/v1/signage")
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	echo "demo: kiosk in a window; close it or press Ctrl-C to stop"
	"$akari" "${kiosk[@]}" --window 1280x720 &
else
	mkdir -p "$var/frames"
	echo "demo: no display; the kiosk writes PNG frames to $var/frames"
	echo "demo: (the newest 600 are kept)"
	echo "demo: press Ctrl-C to stop"
	"$akari" "${kiosk[@]}" --png-dir "$var/frames" --png-keep 600 \
		--window 1280x720 &
fi
pids+=($!)
wait "${pids[1]}" || true
