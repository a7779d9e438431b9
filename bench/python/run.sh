#!/usr/bin/env bash
# Python ASGI apps: AsgiBridge (--python) against uvicorn (--http httptools --loop uvloop), same Python, same app.
#
#   bench/python/run.sh [--duration S] [--rounds N] [--only LIST] [--skip-build]
#
# Rows (--only, comma-separated; default all):
#   raw, fastapi          each server pinned to CPU $SERVER_CPU (taskset), wrk pinned to CPU $LOAD_CPU:
#                         wrk -t1 -c$CONNS keep-alive GET / (hello_raw.py: raw ASGI; hello_fastapi.py: FastAPI)
#   raw-free, fastapi-free the second core free: the server unpinned (it may use both cores), wrk pinned to
#                         CPU $LOAD_CPU at nice 19, so it only takes what the server leaves
#   raw-kestrel           raw, with AsgiBridge's sockets on Kestrel's threads (--python-sockets kestrel) instead of
#                         the Python loop's (the default); uvicorn as in raw
#   ws                    ws_echo.py, both servers pinned as above: $WS_CONNS WebSocket connections, one 64-byte
#                         binary message in flight each (bench/tools/ws-echo-load.js, Node's ws; uvicorn --ws websockets)
# Each measurement runs S seconds (default 10) after a $WARMUP s warm-up (default 20: on one pinned core .NET's tiered
# JIT reached its last tier only after 15-40 s under load; with .NET's usual tier-up delay, which the Python host now
# keeps, within 10-20 s: bench/python/README.md); rounds interleave the servers
# (default 2). Results: per row and round, then the median, on
# stdout and in $OUT/results.txt, with the server's CPU time per request (user + system, from /proc: less sensitive
# to other load on the machine than the rate). Debian packages: python3-uvicorn python3-httptools python3-uvloop python3-fastapi
# python3-websockets, wrk, nodejs + npm (ws).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
CONNS=${CONNS:-64}
WS_CONNS=${WS_CONNS:-64}
NODE_DIR=${ASGIBRIDGE_BENCH_NODE_DIR:-/tmp/asgibridge-bench-node}
DURATION=10
ROUNDS=2
BUILD=1
ONLY="raw,fastapi,raw-free,fastapi-free,raw-kestrel,ws"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for row in ${ONLY//,/ }; do
  case "$row" in raw|fastapi|raw-free|fastapi-free|raw-kestrel|ws) ;; *) echo "--only: unknown row '$row'" >&2; exit 2 ;; esac
done
[[ $DURATION =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 60)) || { echo "--duration must be 1..60" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ ]] && ((ROUNDS >= 1 && ROUNDS <= 10)) || { echo "--rounds must be 1..10" >&2; exit 2; }
if [[ ",$ONLY," == *",ws,"* ]] && [ ! -f "$NODE_DIR/node_modules/ws/package.json" ]; then
  timeout 300 npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error ws@8 >&2 || { echo "npm install ws failed" >&2; exit 2; }
fi
OUT=${OUT:-$ROOT/bench/results/python-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
[ "$BUILD" = 1 ] && dotnet build "$ROOT/src/Host" -c Release -v q -nologo >/dev/null
HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll

# shellcheck source=lib.sh
. "$HERE/lib.sh"

# run_one SERVER APP KIND: prints "RATE CPU_US": requests/s (http) or echoes/s (ws), and the server's CPU
# microseconds per request (or echo) of the measured run. KIND: pinned | free | kestrel | ws.
run_one() {
  local server=$1 app=$2 kind=$3 port pid pin=(taskset -c "$SERVER_CPU") load=(taskset -c "$LOAD_CPU") extra=() t0 t1 rate count
  if [ "$kind" = free ]; then pin=(); load=(nice -n 19 taskset -c "$LOAD_CPU"); fi
  if [ "$kind" = kestrel ]; then extra=(--python-sockets kestrel); fi
  port=$(free_port)
  case "$server" in
    asgibridge)
      "${pin[@]}" dotnet "$HOST_DLL" --python "$app" --app-dir "$HERE" --python-exe "$PY" \
        --port "$port" --no-access-log --log-level warning "${extra[@]}" >"$OUT/$server-$app-$kind.log" 2>&1 &
      pid=$! ;;
    uvicorn)
      "${pin[@]}" "$PY" -m uvicorn "$app" --app-dir "$HERE" --port "$port" --http httptools --ws websockets \
        --loop uvloop --no-access-log --log-level warning >"$OUT/$server-$app-$kind.log" 2>&1 &
      pid=$! ;;
  esac
  if ! wait_port "$port"; then echo "0 0"; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return; fi
  if [ "$kind" = ws ]; then
    ASGIBRIDGE_BENCH_NODE_DIR=$NODE_DIR timeout $((${WARMUP:-20} + 30)) "${load[@]}" node "$ROOT/bench/tools/ws-echo-load.js" \
      --url "ws://127.0.0.1:$port/" --connections "$WS_CONNS" --duration "${WARMUP:-20}" >/dev/null 2>&1
    t0=$(cpu_ticks "$pid")
    ASGIBRIDGE_BENCH_NODE_DIR=$NODE_DIR timeout $((DURATION + 30)) "${load[@]}" node "$ROOT/bench/tools/ws-echo-load.js" \
      --url "ws://127.0.0.1:$port/" --connections "$WS_CONNS" --duration "$DURATION" >"$OUT/$server-$app-$kind.json" 2>/dev/null
    t1=$(cpu_ticks "$pid")
    rate=$("$PY" -c 'import json, sys
for line in open(sys.argv[1]):
    if line.startswith("JSON "):
        print(round(json.loads(line[5:])["rate"]))' "$OUT/$server-$app-$kind.json")
    count=$(( ${rate:-0} * DURATION ))
  else
    timeout $((${WARMUP:-20} + 30)) "${load[@]}" wrk -t1 -c"$CONNS" -d"${WARMUP:-20}s" "http://127.0.0.1:$port/" >/dev/null 2>&1
    t0=$(cpu_ticks "$pid")
    timeout $((DURATION + 30)) "${load[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port/" >"$OUT/$server-$app-$kind.wrk" 2>&1
    t1=$(cpu_ticks "$pid")
    rate=$(awk '/Requests\/sec/ {print $2}' "$OUT/$server-$app-$kind.wrk")
    count=$(awk '/requests in/ {print $1}' "$OUT/$server-$app-$kind.wrk")
  fi
  echo "${rate:-0} $("$PY" -c 'import os, sys; t, n = float(sys.argv[1]), float(sys.argv[2] or 0); print(round(t * 1e6 / os.sysconf("SC_CLK_TCK") / n, 1) if n else 0)' "$((t1 - t0))" "${count:-0}")"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

{
  echo "# Python ASGI: AsgiBridge vs uvicorn ($(date -u +%FT%TZ), server CPU $SERVER_CPU, load CPU $LOAD_CPU, -c$CONNS, ${DURATION}s, $ROUNDS rounds)"
  echo "# python: $("$PY" -c 'import sys, uvicorn; print(sys.version.split()[0], "uvicorn", uvicorn.__version__)')"
  for row in ${ONLY//,/ }; do
    case "$row" in
      raw) app=hello_raw:app kind=pinned ;;
      fastapi) app=hello_fastapi:app kind=pinned ;;
      raw-free) app=hello_raw:app kind=free ;;
      raw-kestrel) app=hello_raw:app kind=kestrel ;;
      fastapi-free) app=hello_fastapi:app kind=free ;;
      ws) app=ws_echo:app kind=ws ;;
    esac
    declare -A rates=() cpus=()
    for _ in $(seq 1 "$ROUNDS"); do
      for server in asgibridge uvicorn; do
        read -r rate cpu < <(run_one "$server" "$app" "$kind")
        rates[$server]+="$rate "
        cpus[$server]+="$cpu "
      done
    done
    for server in asgibridge uvicorn; do
      median=$(printf '%s\n' ${rates[$server]} | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
      cpu_median=$(printf '%s\n' ${cpus[$server]} | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
      echo "$row $server ${rates[$server]}median $median cpu_us/request ${cpus[$server]}median $cpu_median"
    done
    unset rates cpus
  done
} | tee "$OUT/results.txt"
