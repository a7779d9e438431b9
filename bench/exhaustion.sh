#!/usr/bin/env bash
# Descriptor exhaustion: AsgiBridge's host and Kestrel's own stack under the same flood.
#
#   bench/exhaustion.sh [--servers LIST] [--conns N] [--hold S] [--nofile N] [--skip-build] [--out DIR]
#
#   --servers LIST  comma-separated rows (default asgibridge,asgibridge-nolimit,kestrel,raw):
#                     asgibridge          Host.dll --app hello (Asgi:LimitConnections at its default, derived)
#                     asgibridge-nolimit  the same with --Asgi:LimitConnections=null: only the accept loop protects it
#                     kestrel             RefServers kestrel: a minimal Kestrel HttpContext app (app.Run)
#                     raw                 RefServers raw: a minimal Kestrel ConnectionHandler
#   --conns N       connections opened against each server (default 400): half idle, half a slow-body POST
#   --hold S        seconds they are held open while the server is sampled (default 30)
#   --nofile N      the server's descriptor limit, ulimit -n (default 256)
#   --skip-build    use the existing Release builds
#   --out DIR       results.jsonl, logs and the report (default bench/results/exhaustion-<UTC time>)
#
# Each server is started alone under `ulimit -n N` on a free port of 127.0.0.1, primed, then flooded by
# tools/exhaustion_client.py, which samples its RSS, CPU time and liveness every second, closes the flood and
# measures how long until GET /hello answers again. A summary table (Markdown) is printed at the end and written
# to DIR/RESULTS.md. Every process is stopped by its recorded PID; every wait is bounded. See bench/README.md.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

SERVERS="asgibridge,asgibridge-nolimit,kestrel,raw"
CONNS=400
HOLD=30
NOFILE=256
RECOVER=30
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "exhaustion.sh: $*" >&2; exit 2; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

while (($#)); do
  case $1 in
    --servers) (($# >= 2)) || die "--servers needs a value"; SERVERS=$2; shift 2 ;;
    --conns) (($# >= 2)) || die "--conns needs a value"; CONNS=$2; shift 2 ;;
    --hold) (($# >= 2)) || die "--hold needs a value"; HOLD=$2; shift 2 ;;
    --nofile) (($# >= 2)) || die "--nofile needs a value"; NOFILE=$2; shift 2 ;;
    --out) (($# >= 2)) || die "--out needs a value"; OUT=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
is_uint "$CONNS" && ((CONNS >= 1 && CONNS <= 5000)) || die "--conns must be 1..5000"
is_uint "$HOLD" && ((HOLD >= 1 && HOLD <= 300)) || die "--hold must be 1..300 seconds"
is_uint "$NOFILE" && ((NOFILE >= 64)) || die "--nofile must be at least 64"
SERVERS=${SERVERS//,/ }
for s in $SERVERS; do
  [[ " asgibridge asgibridge-nolimit kestrel raw " == *" $s "* ]] || die "--servers: unknown row '$s'"
done
for tool in dotnet python3 curl; do command -v "$tool" >/dev/null 2>&1 || die "$tool is required"; done

HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll
REF_DLL=$BENCH/RefServers/bin/Release/net10.0/RefServers.dll
if ((!SKIP_BUILD)); then
  log "building src/Host and bench/RefServers (Release)"
  dotnet build -c Release "$ROOT/src/Host" -v q -nologo > /dev/null || die "building src/Host failed"
  dotnet build -c Release "$BENCH/RefServers" -v q -nologo > /dev/null || die "building bench/RefServers failed"
fi
[[ -f $HOST_DLL && -f $REF_DLL ]] || die "Release builds missing (run without --skip-build)"

OUT=${OUT:-$BENCH/results/exhaustion-$(date -u '+%Y%m%dT%H%M%SZ')}
mkdir -p "$OUT/logs" || die "cannot create $OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
{
  echo "date_utc=$(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  echo "cpus=$(nproc)"
  echo "kernel=$(uname -sr)"
  echo "dotnet_runtimes=$(dotnet --list-runtimes 2>/dev/null | awk '{print $1 " " $2}' | paste -sd ',')"
  echo "conns=$CONNS hold=$HOLD nofile=$NOFILE"
} > "$OUT/meta.env"

# ------------------------------------------------------------------ process handling (by recorded PID only)
SPID=""
CPID=""
alive() {   # running and not a zombie (a child that died stays a zombie until waited for)
  local s
  [[ -n ${1:-} ]] && s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != [ZX] ]]
}
stop_pid() {   # stop_pid PID: SIGTERM, SIGKILL after 10 s
  local pid=$1
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
}
cleanup() {
  [[ -n $CPID ]] && stop_pid "$CPID"
  [[ -n $SPID ]] && stop_pid "$SPID"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

server_command() {   # server_command ROW PORT -> CMD array
  case $1 in
    asgibridge) CMD=(dotnet "$HOST_DLL" --app hello --urls "http://127.0.0.1:$2") ;;
    asgibridge-nolimit) CMD=(dotnet "$HOST_DLL" --app hello --urls "http://127.0.0.1:$2" --Asgi:LimitConnections=null) ;;
    kestrel|raw) CMD=(dotnet "$REF_DLL" "$1" "$2") ;;
  esac
}

# ------------------------------------------------------------------ one server
run_server() {
  local row=$1 port logf rc="" note="" client_json="null"
  port=$(free_port) || { log "no free port"; return; }
  server_command "$row" "$port"
  logf=$OUT/logs/$row.server.log
  log "$row on port $port under ulimit -n $NOFILE: ${CMD[*]}"
  # The same runtime environment for every row: inline socket completions off (the host turns them on when the
  # variable is absent), as in bench/run.sh's default table. exec keeps the recorded PID the server's own.
  ( ulimit -n "$NOFILE" && cd "$BENCH" && exec env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 "${CMD[@]}" ) \
    > "$logf" 2>&1 < /dev/null &
  SPID=$!
  local deadline=$((SECONDS + 30)) ready=0
  while ((SECONDS < deadline)) && alive "$SPID"; do
    if [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/hello" 2>/dev/null) == 200 ]]; then
      ready=1; break
    fi
    sleep 0.1
  done
  if ((!ready)); then
    log "  $row did not answer GET /hello within 30 s (log: $logf)"
    stop_pid "$SPID"; wait "$SPID" 2>/dev/null; SPID=""
    printf '{"server":"%s","conns":%d,"exit_code":null,"exit_note":"did not start","client":null}\n' "$row" "$CONNS" >> "$RESULTS"
    return
  fi

  timeout -k 5 $((HOLD + RECOVER + 120)) python3 "$BENCH/tools/exhaustion_client.py" --port "$port" --pid "$SPID" \
    --conns "$CONNS" --hold "$HOLD" --recover "$RECOVER" --path /hello > "$OUT/logs/$row.client.out" 2> "$OUT/logs/$row.client.err" &
  CPID=$!
  wait "$CPID"
  CPID=""
  client_json=$(grep '^JSON ' "$OUT/logs/$row.client.out" | tail -1 | cut -c6-)
  [[ -n $client_json ]] || client_json=null

  if alive "$SPID"; then
    stop_pid "$SPID"
    wait "$SPID" 2>/dev/null
  else
    wait "$SPID" 2>/dev/null; rc=$?
    grep -q 'Out of memory' "$logf" && note="\"Out of memory.\""
    ((rc > 128)) && note="${note:+$note, }signal $((rc - 128))"
  fi
  SPID=""
  printf '{"server":"%s","conns":%d,"exit_code":%s,"exit_note":"%s","client":%s}\n' \
    "$row" "$CONNS" "${rc:-null}" "${note//\"/\\\"}" "$client_json" >> "$RESULTS"
  log "  $(tail -1 "$OUT/logs/$row.client.err" 2>/dev/null)${rc:+; exit code $rc}${note:+ ($note)}"
  sleep 2
}

for row in $SERVERS; do
  run_server "$row"
done

python3 "$BENCH/tools/exhaustion_client.py" --report "$RESULTS" | tee "$OUT/RESULTS.md"
log "results: $OUT"
