#!/usr/bin/env bash
# AsgiBridge load benchmark: AsgiBridge's host against two Kestrel reference servers, same machine, same run.
#
#   bench/run.sh [--rounds N] [--only asgibridge,asgibridge-log,raw,kestrel,kestrel-ws,h2-tls,h2c,mapasgi]
#                [--tuned] [--quick] [--duration S] [--skip-build] [--out DIR] [--results-md FILE]
#
#   --rounds N     interleaved rounds (default 3): every round runs every server once, in the same order
#   --only LIST    a subset of the rows asgibridge, asgibridge-log, raw, kestrel, kestrel-ws, and of the
#                  pairs h2-tls (host vs kestrel-h2), h2c (host vs kestrel-h2c), mapasgi (MapAsgi vs MapGet)
#   --tuned        also run every .NET row with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (second table)
#   --quick        smoke mode: 1 round, 3 s per scenario, short warm-ups (the figures are not measurements)
#   --duration S   seconds per measured scenario (default 10)
#   --skip-build   use the existing Release builds
#   --out DIR      where results.jsonl, logs and the report go (default bench/results/<UTC time>)
#   --results-md F the Markdown report (default bench/RESULTS.md for full runs of all rows, else DIR/RESULTS.md)
#
# Scenarios (wrk and the tools in bench/tools and bench/wrk, load pinned to CPU $LOAD_CPU, server to CPU
# $SERVER_CPU): idle (memory with 1000 idle keep-alive connections), plaintext (wrk -t1 -c64 keep-alive),
# pipelined (16 requests per batch), close (Connection: close: a TCP connection per request), upload
# (POST of 1 MiB to /, body ignored), download (GET of a 1 MiB chunked stream), ws (64-byte WebSocket echo,
# 64 connections). The asgibridge row runs with its access log off, like the other rows, which log nothing per
# request; asgibridge-log runs plaintext and pipelined with it on (the default), its output to /dev/null.
# Issue 14 pairs: h2 (h2load -c64 -m16 -t1) on the host's HTTP/2 over TLS (ALPN h2, self-signed certificate
# made in the run's temp dir) against kestrel-h2, and on h2c (Asgi:Protocols=Http2, prior knowledge) against
# kestrel-h2c (goal: host / kestrel >= 0.95 each); plaintext (wrk keep-alive) on /mapasgi and /mapget of one
# ASP.NET Core app (goal: MapAsgi / MapGet >= 0.90).
# See bench/README.md for the method. Environment overrides: SERVER_CPU, LOAD_CPU, CONNS,
# STREAM_CONNS, WS_CONNS, IDLE_CONNS, H2_CONNS, H2_STREAMS, ASGIBRIDGE_BENCH_NODE_DIR.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

SERVER_CPU=${SERVER_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
CONNS=${CONNS:-64}
PIPELINE_DEPTH=16
STREAM_CONNS=${STREAM_CONNS:-16}
STREAM_BYTES=1048576                         # 1 MiB per upload / download request
DOWNLOAD_PATH="/stream?chunks=16&size=65536" # 16 x 64 KiB = 1 MiB, chunked
WS_CONNS=${WS_CONNS:-64}
WS_SIZE=64
IDLE_CONNS=${IDLE_CONNS:-1000}
H2_CONNS=${H2_CONNS:-64}                     # h2load connections (-c)
H2_STREAMS=${H2_STREAMS:-16}                 # h2load concurrent streams per connection (-m)
# h2load warm-up of every HTTP/2 row (both servers alike). Longer than the plaintext one: on one loaded core the host's
# HTTP/2 path (Kestrel's HTTP/2 stack and the HttpContext backend, JIT-compiled, not ReadyToRun) reaches its tier-1
# code only after ~45 s (measured 2026-12-07: 52k, 132k, 155k, 173k req/s in successive 15 s runs), where the
# reference app, with no code of its own to compile, is steady after 15 s.
H2_WARMUP=${H2_WARMUP:-45}
NODE_DIR=${ASGIBRIDGE_BENCH_NODE_DIR:-/tmp/asgibridge-bench-node}
INLINE_KNOB=DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS

ROUNDS=3
DURATION=10
WARMUP=15         # plaintext warm-up before the HTTP scenarios (tiered JIT needs ~10 s on one loaded core)
SHORT_WARMUP=5    # warm-up of the upload, download and WebSocket paths
IDLE_HOLD=5
IDLE_PRIME=200
QUICK=0
TUNED=0
SKIP_BUILD=0
ONLY=""
OUT=""
RESULTS_MD=""
ROWS="asgibridge asgibridge-log raw kestrel kestrel-ws h2-tls h2c mapasgi"
PAIRS="h2-tls h2c mapasgi"   # --only names that select two servers (h2-tls, h2c) or two paths of one (mapasgi)

usage() { sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 2; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

DURATION_SET=""
while (($#)); do
  case $1 in
    --rounds) (($# >= 2)) || die "--rounds needs a value"; ROUNDS=$2; shift 2 ;;
    --only) (($# >= 2)) || die "--only needs a value"; ONLY=$2; shift 2 ;;
    --duration) (($# >= 2)) || die "--duration needs a value"; DURATION_SET=$2; shift 2 ;;
    --out) (($# >= 2)) || die "--out needs a value"; OUT=$2; shift 2 ;;
    --results-md) (($# >= 2)) || die "--results-md needs a value"; RESULTS_MD=$2; shift 2 ;;
    --tuned) TUNED=1; shift ;;
    --quick) QUICK=1; shift ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
if ((QUICK)); then
  ROUNDS=1 DURATION=3 WARMUP=1 SHORT_WARMUP=1 IDLE_HOLD=2 IDLE_PRIME=50 H2_WARMUP=1
fi
[[ -n $DURATION_SET ]] && DURATION=$DURATION_SET
is_uint "$ROUNDS" && ((ROUNDS >= 1 && ROUNDS <= 20)) || die "--rounds must be 1..20"
is_uint "$DURATION" && ((DURATION >= 1 && DURATION <= 30)) || die "--duration must be 1..30 seconds"
for v in SERVER_CPU LOAD_CPU CONNS STREAM_CONNS WS_CONNS IDLE_CONNS H2_CONNS H2_STREAMS; do
  is_uint "${!v}" || die "$v must be a non-negative integer"
done
ONLY=${ONLY//,/ }
for r in $ONLY; do [[ " $ROWS " == *" $r "* ]] || die "--only: unknown row '$r' (rows: $ROWS)"; done

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ------------------------------------------------------------------ prerequisites
as_root() {
  if ((EUID == 0)); then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}
install_prerequisites() {
  local pkgs=()
  command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  command -v taskset >/dev/null 2>&1 || pkgs+=(util-linux)
  command -v ss >/dev/null 2>&1 || pkgs+=(iproute2)
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
  command -v h2load >/dev/null 2>&1 || pkgs+=(nghttp2-client)
  command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
  if ((${#pkgs[@]})); then
    log "installing ${pkgs[*]} (apt-get)"
    command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get: install them first"
    as_root timeout 300 apt-get update -qq >&2 &&
      as_root env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${pkgs[@]}" >&2 ||
      die "apt-get install ${pkgs[*]} failed (needs root or passwordless sudo)"
  fi
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is required (dotnet not on PATH)"
  if [[ ! -f $NODE_DIR/node_modules/ws/package.json ]]; then
    log "npm install ws (+ optional bufferutil) into $NODE_DIR"
    mkdir -p "$NODE_DIR" || die "cannot create $NODE_DIR"
    timeout 300 npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error ws@8 >&2 ||
      die "npm install ws failed"
    timeout 300 npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error bufferutil@4 >&2 ||
      log "bufferutil not installed (optional: ws masks frames in JavaScript)"
  fi
}
install_prerequisites
export ASGIBRIDGE_BENCH_NODE_DIR=$NODE_DIR
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

CPUS=$(nproc --all)
((SERVER_CPU < CPUS && LOAD_CPU < CPUS)) ||
  die "needs CPUs $SERVER_CPU (server) and $LOAD_CPU (load) but this machine has $CPUS; set SERVER_CPU/LOAD_CPU"
((SERVER_CPU != LOAD_CPU)) || log "warning: server and load share CPU $SERVER_CPU: the figures will not be comparable"
taskset -c "$SERVER_CPU" true && taskset -c "$LOAD_CPU" true || die "taskset cannot pin to CPUs $SERVER_CPU/$LOAD_CPU"

HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll
REF_DLL=$BENCH/RefServers/bin/Release/net10.0/RefServers.dll
if ((SKIP_BUILD == 0)); then
  log "building src/Host and bench/RefServers (Release)"
  timeout 900 dotnet build "$ROOT/src/Host/Host.csproj" -c Release -nologo -v q >&2 || die "building src/Host failed"
  timeout 900 dotnet build "$BENCH/RefServers/RefServers.csproj" -c Release -nologo -v q >&2 || die "building bench/RefServers failed"
fi
[[ -f $HOST_DLL ]] || die "$HOST_DLL is missing (run without --skip-build)"
[[ -f $REF_DLL ]] || die "$REF_DLL is missing (run without --skip-build)"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= IDLE_CONNS + 200)) || log "warning: open-file limit $(ulimit -n) is low for $IDLE_CONNS connections"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$BENCH/results/$STAMP$( ((QUICK)) && echo -quick)}
mkdir -p "$OUT/logs" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
if [[ -z $RESULTS_MD ]]; then
  if ((QUICK == 0)) && [[ -z $ONLY ]]; then RESULTS_MD=$BENCH/RESULTS.md; else RESULTS_MD=$OUT/RESULTS.md; fi
fi
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
TMP=$(mktemp -d /tmp/asgibridge-bench.XXXXXX) || die "mktemp failed"
head -c "$STREAM_BYTES" /dev/zero | tr '\0' 'x' > "$TMP/upload.bin"
# The h2-tls pair's certificate, self-signed, for both servers (PEM: Kestrel's certificate configuration reads it
# for the host, X509Certificate2.CreateFromPemFile for RefServers). Only inside the run's temp dir, removed at exit.
CERT=$TMP/cert.pem CERT_KEY=$TMP/key.pem
if [[ -z $ONLY || " $ONLY " == *" h2-tls "* ]]; then
  timeout 60 openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' -keyout "$CERT_KEY" -out "$CERT" > /dev/null 2>&1 ||
    die "openssl could not make the h2-tls certificate"
fi

# ------------------------------------------------------------------ run description (read by tools/report.py)
{
  echo "date_utc=$(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "mode=$( ((QUICK)) && echo quick || echo full)"
  echo "commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  echo "commit_dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l | tr -d ' ') tracked files modified"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cpus=$CPUS"
  echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "dotnet_sdk=$(dotnet --version 2>/dev/null)"
  echo "dotnet_runtimes=$(dotnet --list-runtimes 2>/dev/null | awk '{print $1 " " $2}' | paste -sd ',' | sed 's/,/, /g')"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "h2load=$(h2load --version 2>&1 | head -1); $(openssl version 2>/dev/null)"
  echo "node=$(node --version 2>/dev/null); ws $(node -p "require('$NODE_DIR/node_modules/ws/package.json').version" 2>/dev/null); bufferutil $(node -p "require('$NODE_DIR/node_modules/bufferutil/package.json').version" 2>/dev/null || echo none)"
  echo "python=$(python3 --version 2>&1)"
  echo "rounds=$ROUNDS"
  echo "duration=$DURATION"
  echo "warmup=$WARMUP"
  echo "short_warmup=$SHORT_WARMUP"
  echo "h2_warmup=$H2_WARMUP"
  echo "server_cpu=$SERVER_CPU"
  echo "load_cpu=$LOAD_CPU"
  echo "conns=$CONNS"
  echo "pipeline_depth=$PIPELINE_DEPTH"
  echo "stream_conns=$STREAM_CONNS"
  echo "stream_bytes=$STREAM_BYTES"
  echo "download_path=$DOWNLOAD_PATH"
  echo "ws_conns=$WS_CONNS"
  echo "ws_size=$WS_SIZE"
  echo "idle_conns=$IDLE_CONNS"
  echo "idle_hold=$IDLE_HOLD"
  echo "idle_prime=$IDLE_PRIME"
  echo "h2_conns=$H2_CONNS"
  echo "h2_streams=$H2_STREAMS"
  echo "tuned=$TUNED"
  echo "only=${ONLY:-all}"
  echo "inherited_env=$(env | grep -E '^(DOTNET_|COMPlus_|ASPNETCORE_)' | grep -vE "^(DOTNET_CLI_[A-Z_]*|DOTNET_NOLOGO|DOTNET_SKIP_FIRST_TIME_EXPERIENCE|DOTNET_GENERATE_ASPNET_CERTIFICATE|$INLINE_KNOB)=" | paste -sd ' ')"
} > "$OUT/meta.env"

# ------------------------------------------------------------------ process handling (by recorded PID only)
SPID=""    # the server under test
LPID=""    # the load generator's `timeout` process (its own process group, see measure)

alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
cpu_ticks() {   # utime + stime of PID in clock ticks (fields 14, 15; the comm field may contain spaces)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }
  awk '{print $12 + $13}' <<< "$s"
}
mem_kib() {     # mem_kib PID FIELD -> kB from /proc/PID/status, or null
  local v
  v=$(awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null)
  echo "${v:-null}"
}

stop_load() {
  alive "$LPID" || { LPID=""; return; }
  kill -TERM "$LPID" 2>/dev/null   # timeout forwards it to the whole load process group
  for _ in $(seq 50); do alive "$LPID" || break; sleep 0.1; done
  alive "$LPID" && kill -KILL "$LPID" 2>/dev/null
  wait "$LPID" 2>/dev/null
  LPID=""
}
stop_server() {
  [[ -n $SPID ]] || return 0
  local pid=$SPID
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "  server pid $pid still running 10 s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  wait "$pid" 2>/dev/null
  SPID=""
}
cleanup() {
  stop_load
  stop_server
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server VARIANT LOGFILE PORT CMD... : starts CMD pinned to SERVER_CPU with the variant's runtime
# environment; exec keeps the recorded PID the server's own. Waits (30 s at most) until the probe (curl with the
# arguments in PROBE: GET / by default) answers 200.
# Standard output goes to SERVER_STDOUT when set (the access-log row: /dev/null), else to LOGFILE with stderr.
SERVER_STDOUT=""
PROBE=()
start_server() {
  local variant=$1 logf=$2 port=$3; shift 3
  # Explicit 0, not unset: the AsgiBridge host turns inline completions on by itself when the variable is absent,
  # and every .NET row must run with the same settings.
  local knob=("$INLINE_KNOB=0")
  [[ $variant == tuned ]] && knob=("$INLINE_KNOB=1")
  if [[ -n $SERVER_STDOUT ]]; then
    ( cd "$BENCH" && exec env "${knob[@]}" taskset -c "$SERVER_CPU" "$@" ) > "$SERVER_STDOUT" 2> "$logf" < /dev/null &
  else
    ( cd "$BENCH" && exec env "${knob[@]}" taskset -c "$SERVER_CPU" "$@" ) > "$logf" 2>&1 < /dev/null &
  fi
  SPID=$!
  local deadline=$((SECONDS + 30)) code=""
  while ((SECONDS < deadline)); do
    if ! alive "$SPID"; then
      wait "$SPID" 2>/dev/null
      log "  server exited during start-up (log: $logf)"; SPID=""; return 1
    fi
    code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "${PROBE[@]}" 2>/dev/null)
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  if [[ $code != 200 ]]; then log "  server did not answer ${PROBE[*]} with 200 within 30 s (log: $logf)"; stop_server; return 1; fi
  if ! ss -ltnpH "sport = :$port" 2>/dev/null | grep -q "pid=$SPID,"; then
    log "  warning: port $port is not owned by the recorded pid $SPID: $(ss -ltnpH "sport = :$port" 2>/dev/null)"
  fi
  return 0
}

# ------------------------------------------------------------------ one measured load
CUR_ROUND=0 CUR_VARIANT="" CUR_ROW="" CUR_PROC=""
record() {   # record SCENARIO RC WALL SERVER_CPU CLIENT_CPU RESULT_JSON
  printf '{"round":%d,"variant":"%s","row":"%s","proc":"%s","scenario":"%s","rc":%d,"wall_s":%s,"server_cpu_s":%s,"client_cpu_s":%s,"rss_kib":%s,"anon_kib":%s,"hwm_kib":%s,"result":%s}\n' \
    "$CUR_ROUND" "$CUR_VARIANT" "$CUR_ROW" "$CUR_PROC" "$1" "$2" "$3" "$4" "$5" \
    "$(mem_kib "$SPID" VmRSS)" "$(mem_kib "$SPID" RssAnon)" "$(mem_kib "$SPID" VmHWM)" "$6" >> "$RESULTS"
}

# measure SCENARIO LIMIT_S CMD... : runs CMD pinned to LOAD_CPU under `timeout` (which puts the load in its
# own process group and signals all of it), records the tool's "JSON ..." line and CPU use.
measure() {
  local scen=$1 limit=$2; shift 2
  local c0 c1 t0 t1 rc json cu cs wall scpu ccpu
  if ! alive "$SPID"; then log "  $scen: skipped, the server is gone"; record "$scen" 99 0 0 0 null; return 1; fi
  c0=$(cpu_ticks "$SPID"); t0=$(date +%s%N)
  taskset -c "$LOAD_CPU" timeout -k 5 "$limit" /usr/bin/time -f '%U %S' -o "$TMP/time" "$@" > "$TMP/out" 2> "$TMP/err" &
  LPID=$!
  wait "$LPID"; rc=$?
  LPID=""
  t1=$(date +%s%N); c1=$(cpu_ticks "$SPID")
  json=$(grep '^JSON ' "$TMP/out" | tail -1 | cut -c6-)
  [[ -n $json ]] || json=null
  read -r cu cs < <(tail -1 "$TMP/time" 2>/dev/null)
  [[ ${cu:-} =~ ^[0-9.]+$ && ${cs:-} =~ ^[0-9.]+$ ]] || { cu=0; cs=0; }
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  scpu=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
  ccpu=$(awk -v u="$cu" -v s="$cs" 'BEGIN {printf "%.2f", u + s}')
  record "$scen" "$rc" "$wall" "$scpu" "$ccpu" "$json"
  { echo "=== $scen: rc=$rc wall=${wall}s server_cpu=${scpu}s client_cpu=${ccpu}s: $*"; cat "$TMP/out" "$TMP/err"; } \
    >> "$OUT/logs/r$CUR_ROUND-$CUR_VARIANT-$CUR_PROC.load.log"
  local figure errs
  figure=$(grep -oE '"(rps|rate|anon_kib_per_conn)": ?[0-9.-]+' <<< "$json" | head -1)
  errs=$(grep -oE '"errors": ?[0-9]+' <<< "$json" | head -1)
  log "  $scen: rc=$rc ${figure:-no result} ${errs:-} server_cpu=${scpu}s/${wall}s"
  sleep 1
  return 0
}

check() {   # check NAME EXPECTED CMD... : a functional check before measuring (recorded, never fatal)
  local name=$1 expected=$2; shift 2
  check_value "$name" "$expected" "$(timeout 20 "$@" 2>/dev/null)"
}
check_value() {   # check_value NAME EXPECTED GOT
  local name=$1 expected=$2 got=$3
  if [[ $got == "$expected" ]]; then
    record "check-$name" 0 0 0 0 null
  else
    log "  check $name failed: expected '$expected', got '${got:0:120}'"
    record "check-$name" 1 0 0 0 null
  fi
}

# ------------------------------------------------------------------ the servers
# proc ROW GROUP: one server process serving one group of scenarios.
#   http:   idle, warm-up, plaintext, pipelined, close, upload   (asgibridge = Host --app hello, raw, kestrel)
#   ws:     warm-up, ws                                           (asgibridge = Host --app hello, kestrel-ws)
#   stream: warm-up, download                                     (asgibridge = Host --app demo, kestrel)
#   log:    warm-up, plaintext, pipelined                         (asgibridge-log = Host --app hello, access log on)
#   h2-tls: warm-up, h2 (h2load over TLS, ALPN h2)                (asgibridge-h2 = Host --app hello on https, kestrel-h2)
#   h2c:    warm-up, h2 (h2load, prior knowledge)                 (asgibridge-h2c = Host --Asgi:Protocols=Http2, kestrel-h2c)
#   mapasgi: warm-ups, plaintext on /mapget and /mapasgi          (aspnetcore: one process, rows mapget and mapasgi)
# The pair groups (h2-tls, h2c, mapasgi) are what --only names select; the other groups are selected by row.
PROCS=(
  "asgibridge http" "asgibridge-log log" "raw http" "kestrel http"
  "asgibridge ws" "kestrel-ws ws"
  "asgibridge stream" "kestrel stream"
  "asgibridge-h2 h2-tls" "kestrel-h2 h2-tls"
  "asgibridge-h2c h2c" "kestrel-h2c h2c"
  "aspnetcore mapasgi"
)
selected() {   # selected ROW GROUP: whether --only asks for this process
  [[ -z $ONLY ]] && return 0
  if [[ " $PAIRS " == *" $2 "* ]]; then [[ " $ONLY " == *" $2 "* ]]; else [[ " $ONLY " == *" $1 "* ]]; fi
}

# The response both servers of an HTTP/2 pair send (header names lower-cased and sorted, date left out): the
# same bytes apart from the date, so the pair compares the servers, not the responses.
H2_HEADERS="content-length: 13;content-type: text/plain;http/2 200;server: kestrel"
header_sig() {   # header_sig CURL_ARGS... -> the response head as one line: lower-cased, sorted, no date
  timeout 20 curl -s -m 5 -o /dev/null -D - "$@" 2>/dev/null | tr -d '\r' | tr 'A-Z' 'a-z' |
    sed 's/[[:space:]]*$//' | grep -v -e '^date:' -e '^$' | sort | paste -sd ';'
}
# The access log off, as in the plaintext row (the reference servers log nothing per request). ASP.NET Core's own
# per-request lines for pipeline requests (HTTP/2) are already at Warning by the Host's default.
HOST_H2_ARGS=(--Asgi:AccessLog=false)

server_command() {   # server_command ROW GROUP PORT -> CMD array
  case $1 in
    asgibridge)
      local app=hello
      [[ $2 == stream ]] && app=demo
      CMD=(dotnet "$HOST_DLL" --app "$app" --urls "http://127.0.0.1:$3" --Asgi:AccessLog=false) ;;
    asgibridge-log)
      # The access log on, as the host ships; its lines (one per request) are discarded by start_server.
      CMD=(dotnet "$HOST_DLL" --app hello --urls "http://127.0.0.1:$3") ;;
    asgibridge-h2)
      # HTTP/2 over TLS: Asgi:Protocols at its default (Http1AndHttp2), so ALPN offers h2 and http/1.1 and h2
      # goes to Kestrel's HTTP/2 stack and the HttpContext backend.
      CMD=(dotnet "$HOST_DLL" --app hello --urls "https://127.0.0.1:$3" "${HOST_H2_ARGS[@]}"
        "--Kestrel:Certificates:Default:Path=$CERT" "--Kestrel:Certificates:Default:KeyPath=$CERT_KEY") ;;
    asgibridge-h2c)
      CMD=(dotnet "$HOST_DLL" --app hello --urls "http://127.0.0.1:$3" --Asgi:Protocols=Http2 "${HOST_H2_ARGS[@]}") ;;
    kestrel-h2) CMD=(dotnet "$REF_DLL" kestrel-h2 "$3" "$CERT" "$CERT_KEY") ;;
    raw|kestrel|kestrel-ws|kestrel-h2c|aspnetcore) CMD=(dotnet "$REF_DLL" "$1" "$3") ;;
  esac
}

h2load_run() {   # h2load_run SCENARIO SECONDS URL : h2load for SECONDS after a 1 s warm-up of its own connections
  measure "$1" $(($2 + 30)) python3 "$BENCH/tools/h2load_json.py" -c "$H2_CONNS" -m "$H2_STREAMS" -t 1 \
    -D "$2" --warm-up-time 1 "$3"
}

run_proc() {   # run_proc ROUND VARIANT ROW GROUP
  CUR_ROUND=$1 CUR_VARIANT=$2 CUR_ROW=$3 CUR_PROC=$3-$4
  local group=$4 port url logf
  port=$(free_port) || { log "no free port"; return; }
  url="http://127.0.0.1:$port"
  PROBE=("$url/")
  case $group in
    h2-tls) url="https://127.0.0.1:$port"; PROBE=(-k --http2 "$url/") ;;
    h2c) PROBE=(--http2-prior-knowledge "$url/") ;;
    mapasgi) PROBE=("$url/mapget") ;;
  esac
  server_command "$CUR_ROW" "$group" "$port"
  logf="$OUT/logs/r$CUR_ROUND-$CUR_VARIANT-$CUR_PROC.server.log"
  log "round $CUR_ROUND/$ROUNDS $CUR_VARIANT: $CUR_PROC on port $port: ${CMD[*]}"
  SERVER_STDOUT=""
  [[ $group == log ]] && SERVER_STDOUT=/dev/null
  if ! start_server "$CUR_VARIANT" "$logf" "$port" "${CMD[@]}"; then
    record start 1 0 0 0 null
    return
  fi
  log "  pid $SPID ($(cat "/proc/$SPID/comm" 2>/dev/null)), CPU affinity $(taskset -pc "$SPID" 2>/dev/null | sed 's/.*: //')"
  record started 0 0 0 0 null
  local wrk_limit=$((DURATION + 20))
  case $group in
    http)
      check hello "Hello, World! 200" curl -s -m 5 -w ' %{http_code}' "$url/"
      check upload "Hello, World! 200" curl -s -m 10 -w ' %{http_code}' -X POST -H 'Expect:' \
        -H 'Content-Type: application/octet-stream' --data-binary "@$TMP/upload.bin" "$url/"
      measure idle $((IDLE_HOLD + 90)) python3 "$BENCH/tools/idle_conns.py" --port "$port" --pid "$SPID" \
        --count "$IDLE_CONNS" --hold "$IDLE_HOLD" --prime "$IDLE_PRIME" --deadline 60
      measure warmup $((WARMUP + 20)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$BENCH/wrk/report.lua" "$url/"
      measure plaintext $wrk_limit wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$BENCH/wrk/report.lua" "$url/"
      measure pipelined $wrk_limit wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$BENCH/wrk/pipeline.lua" "$url/" -- "$PIPELINE_DEPTH"
      measure close $wrk_limit wrk -t1 -c"$CONNS" -d"${DURATION}s" -H 'Connection: close' -s "$BENCH/wrk/report.lua" "$url/"
      measure warmup-upload $((SHORT_WARMUP + 20)) wrk -t1 -c"$STREAM_CONNS" -d"${SHORT_WARMUP}s" -s "$BENCH/wrk/upload.lua" "$url/" -- "$STREAM_BYTES"
      measure upload $wrk_limit wrk -t1 -c"$STREAM_CONNS" -d"${DURATION}s" -s "$BENCH/wrk/upload.lua" "$url/" -- "$STREAM_BYTES"
      ;;
    log)
      check hello "Hello, World! 200" curl -s -m 5 -w ' %{http_code}' "$url/"
      measure warmup $((WARMUP + 20)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$BENCH/wrk/report.lua" "$url/"
      measure plaintext $wrk_limit wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$BENCH/wrk/report.lua" "$url/"
      measure pipelined $wrk_limit wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$BENCH/wrk/pipeline.lua" "$url/" -- "$PIPELINE_DEPTH"
      ;;
    ws)
      measure warmup $((WARMUP + 20)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$BENCH/wrk/report.lua" "$url/"
      measure warmup-ws $((SHORT_WARMUP + 20)) node "$BENCH/tools/ws-echo-load.js" --url "ws://127.0.0.1:$port/ws" \
        --connections "$WS_CONNS" --size "$WS_SIZE" --duration "$SHORT_WARMUP"
      measure ws $wrk_limit node "$BENCH/tools/ws-echo-load.js" --url "ws://127.0.0.1:$port/ws" \
        --connections "$WS_CONNS" --size "$WS_SIZE" --duration "$DURATION"
      ;;
    stream)
      check download "200 $STREAM_BYTES" curl -s -m 10 -o /dev/null -w '%{http_code} %{size_download}' "$url$DOWNLOAD_PATH"
      measure warmup-download $((SHORT_WARMUP + 20)) wrk -t1 -c"$STREAM_CONNS" -d"${SHORT_WARMUP}s" -s "$BENCH/wrk/report.lua" "$url$DOWNLOAD_PATH"
      measure download $wrk_limit wrk -t1 -c"$STREAM_CONNS" -d"${DURATION}s" -s "$BENCH/wrk/report.lua" "$url$DOWNLOAD_PATH"
      ;;
    h2-tls|h2c)
      local h2=(-k --http2)
      [[ $group == h2c ]] && h2=(--http2-prior-knowledge)
      check hello "Hello, World! 200 2" curl -s -m 5 "${h2[@]}" -w ' %{http_code} %{http_version}' "$url/"
      check_value headers "$H2_HEADERS" "$(header_sig "${h2[@]}" "$url/")"
      h2load_run warmup "$H2_WARMUP" "$url/"
      h2load_run h2 "$DURATION" "$url/"
      ;;
    mapasgi)
      # One process, two endpoints: each warmed up, then measured one after the other, the first one
      # alternating from round to round. The records carry the endpoint as their row (mapget, mapasgi).
      check hello-mapget "Hello, World! 200" curl -s -m 5 -w ' %{http_code}' "$url/mapget"
      check hello-mapasgi "Hello, World! 200" curl -s -m 5 -w ' %{http_code}' "$url/mapasgi"
      check_value same-headers "$(header_sig "$url/mapget")" "$(header_sig "$url/mapasgi")"
      local order=(mapget mapasgi) path
      ((CUR_ROUND % 2)) && order=(mapasgi mapget)
      for path in mapget mapasgi; do
        CUR_ROW=$path
        measure warmup $((WARMUP + 20)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "$BENCH/wrk/report.lua" "$url/$path"
      done
      for path in "${order[@]}"; do
        CUR_ROW=$path
        measure plaintext $wrk_limit wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$BENCH/wrk/report.lua" "$url/$path"
      done
      CUR_ROW=aspnetcore
      ;;
  esac
  if alive "$SPID"; then record final 0 0 0 0 null; else log "  the server died during the run (log: $logf)"; fi
  stop_server
  local size
  size=$(stat -c %s "$logf" 2>/dev/null || echo 0)
  ((size < 65536)) || log "  warning: server log is $size bytes (per-request logging?): $logf"
  sleep 1
}

# ------------------------------------------------------------------ main
VARIANTS=(default)
((TUNED)) && VARIANTS+=(tuned)
log "results: $OUT"
for ((round = 1; round <= ROUNDS; round++)); do
  for variant in "${VARIANTS[@]}"; do
    for p in "${PROCS[@]}"; do
      read -r row group <<< "$p"
      selected "$row" "$group" || continue
      run_proc "$round" "$variant" "$row" "$group"
    done
  done
done

if python3 "$BENCH/tools/report.py" "$OUT" > "$OUT/RESULTS.md.tmp"; then
  mv "$OUT/RESULTS.md.tmp" "$OUT/RESULTS.md"
  [[ $RESULTS_MD -ef $OUT/RESULTS.md ]] || cp "$OUT/RESULTS.md" "$RESULTS_MD"
  log "report: $RESULTS_MD (raw data: $RESULTS)"
  python3 "$BENCH/tools/report.py" --summary "$OUT"
else
  die "report generation failed (raw data: $RESULTS)"
fi
