#!/usr/bin/env bash
# Paired rounds: AsgiBridge (--python) and uvicorn (--http httptools --loop uvloop) serving the same app, both started
# once, both pinned to the same CPU, warmed up once, then measured in short alternating runs; each round gives one
# ratio, and the median of the ratios is the result. On a shared machine whose speed drifts by tens of percent within
# minutes, two runs seconds apart see the same machine, which run.sh's rounds (a fresh server each) do not.
#
#   bench/python/paired.sh [--app hello_raw:app] [--rounds N] [--duration S] [--skip-build]
#
# Only one server is loaded at a time; the other idles on the same CPU. wrk -t1 -c$CONNS on CPU $LOAD_CPU, servers
# on CPU $SERVER_CPU, $WARMUP s of warm-up each (default 20: .NET's tiered JIT, README.md). Prints, per round, the
# rates and the servers' CPU µs per request (from /proc), then the medians of the rates and of the per-round ratios
# (AsgiBridge / uvicorn for the rate, uvicorn / AsgiBridge for the CPU per request: above 1 is better for both).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-20}
APP=hello_raw:app
ROUNDS=10
DURATION=3
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --app) APP=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $APP =~ ^[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "--app must be module:attribute" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 50)) || { echo "--rounds must be 1..50" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 60)) || { echo "--duration must be 1..60" >&2; exit 2; }
[ "$BUILD" = 1 ] && dotnet build "$ROOT/src/Host" -c Release -v q -nologo >/dev/null
HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll
LOGS=$(mktemp -d)

# shellcheck source=lib.sh
. "$HERE/lib.sh"

bridge_port=$(free_port)
taskset -c "$SERVER_CPU" dotnet "$HOST_DLL" --python "$APP" --app-dir "$HERE" --python-exe "$PY" --port "$bridge_port" \
  --no-access-log --log-level warning >"$LOGS/asgibridge.log" 2>&1 &
bridge_pid=$!
uvicorn_port=$(free_port)
taskset -c "$SERVER_CPU" "$PY" -m uvicorn "$APP" --app-dir "$HERE" --port "$uvicorn_port" --http httptools --loop uvloop \
  --no-access-log --log-level warning >"$LOGS/uvicorn.log" 2>&1 &
uvicorn_pid=$!
trap 'kill $bridge_pid $uvicorn_pid 2>/dev/null; wait $bridge_pid $uvicorn_pid 2>/dev/null' EXIT
wait_port "$bridge_port" && wait_port "$uvicorn_port" || { echo "a server did not start: $LOGS" >&2; exit 1; }

# measure PID PORT SECONDS: "RATE CPU_US"
measure() {
  local t0 t1 out
  t0=$(cpu_ticks "$1")
  out=$(timeout $(($3 + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$3s" "http://127.0.0.1:$2/")
  t1=$(cpu_ticks "$1")
  "$PY" -c 'import os, sys
rate, count, ticks = float(sys.argv[1] or 0), float(sys.argv[2] or 0), float(sys.argv[3])
print(rate, round(ticks * 1e6 / os.sysconf("SC_CLK_TCK") / count, 2) if count else 0)' \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '/requests in/ {print $1}' <<<"$out")" "$((t1 - t0))"
}

measure "$bridge_pid" "$bridge_port" "$WARMUP" >/dev/null
measure "$uvicorn_pid" "$uvicorn_port" "$WARMUP" >/dev/null
echo "# paired: $APP, AsgiBridge vs uvicorn ($(date -u +%FT%TZ), server CPU $SERVER_CPU, load CPU $LOAD_CPU, -c$CONNS, ${DURATION}s x $ROUNDS rounds)"
rows=()
for round in $(seq 1 "$ROUNDS"); do
  read -r brate bcpu < <(measure "$bridge_pid" "$bridge_port" "$DURATION")
  read -r urate ucpu < <(measure "$uvicorn_pid" "$uvicorn_port" "$DURATION")
  echo "round $round asgibridge $brate req/s $bcpu us/req  uvicorn $urate req/s $ucpu us/req"
  rows+=("$brate $bcpu $urate $ucpu")
done
printf '%s\n' "${rows[@]}" | "$PY" -c 'import statistics, sys
rows = [[float(x) for x in line.split()] for line in sys.stdin if line.strip()]
med = lambda xs: round(statistics.median(xs), 3)
print("median asgibridge", med([r[0] for r in rows]), "req/s", med([r[1] for r in rows]), "us/req;",
      "uvicorn", med([r[2] for r in rows]), "req/s", med([r[3] for r in rows]), "us/req")
print("median of per-round ratios: rate", med([r[0] / r[2] for r in rows if r[2]]),
      " cpu per request", med([r[3] / r[1] for r in rows if r[1]]))'
