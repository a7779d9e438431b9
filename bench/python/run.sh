#!/usr/bin/env bash
# Python ASGI apps: AsgiBridge (--python) against uvicorn (--http httptools --loop uvloop), same Python, same app.
#
#   bench/python/run.sh [--duration S] [--rounds N] [--skip-build]
#
# Each server is pinned to CPU $SERVER_CPU (taskset), wrk to CPU $LOAD_CPU; wrk -t1 -c$CONNS keep-alive GET / for
# S seconds (default 10) after a $WARMUP s warm-up (default 10: .NET's tiered JIT needs several seconds under load); rounds interleave the servers (default 2). Apps: hello_raw.py (raw
# ASGI) and hello_fastapi.py. Results: requests/s per row and round, then the median, on stdout and in
# $OUT/results.txt. Debian packages: python3-uvicorn python3-httptools python3-uvloop python3-fastapi, wrk.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
CONNS=${CONNS:-64}
DURATION=10
ROUNDS=2
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --skip-build) BUILD=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$ROOT/bench/results/python-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
[ "$BUILD" = 1 ] && dotnet build "$ROOT/src/Host" -c Release -v q -nologo >/dev/null
HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# run_one SERVER APP: prints requests/s
run_one() {
  local server=$1 app=$2 port pid
  port=$(free_port)
  case "$server" in
    asgibridge)
      taskset -c "$SERVER_CPU" dotnet "$HOST_DLL" --python "$app" --app-dir "$HERE" --python-exe "$PY" \
        --port "$port" --no-access-log --log-level warning >"$OUT/$server-$app.log" 2>&1 &
      pid=$! ;;
    uvicorn)
      taskset -c "$SERVER_CPU" "$PY" -m uvicorn "$app" --app-dir "$HERE" --port "$port" --http httptools \
        --loop uvloop --no-access-log --log-level warning >"$OUT/$server-$app.log" 2>&1 &
      pid=$! ;;
  esac
  if ! wait_port "$port"; then echo "0"; kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return; fi
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP:-10}s" "http://127.0.0.1:$port/" >/dev/null 2>&1
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port/" >"$OUT/$server-$app.wrk" 2>&1
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  awk '/Requests\/sec/ {print $2}' "$OUT/$server-$app.wrk"
}

{
  echo "# Python ASGI hello: AsgiBridge vs uvicorn ($(date -u +%FT%TZ), server CPU $SERVER_CPU, wrk CPU $LOAD_CPU, -c$CONNS, ${DURATION}s)"
  echo "# python: $("$PY" -c 'import sys, uvicorn; print(sys.version.split()[0], "uvicorn", uvicorn.__version__)')"
  for app in hello_raw:app hello_fastapi:app; do
    for server in asgibridge uvicorn; do
      rates=()
      for _ in $(seq 1 "$ROUNDS"); do rates+=("$(run_one "$server" "$app")"); done
      median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
      echo "$app $server ${rates[*]} median $median"
    done
  done
} | tee "$OUT/results.txt"
