#!/usr/bin/env bash
# Memory after a connection burst: the AsgiBridge host under each GC setting, same binary, same run.
#
#   bench/burst.sh [--variants LIST] [--conns N] [--after S] [--skip-build] [--out DIR]
#
#   --variants LIST  comma-separated GC settings (default: all of them, in this order):
#                      server              the host as built (Server GC, DATAS on: the .NET 9+ default)
#                      server-nodatas      DOTNET_GCDynamicAdaptationMode=0 (classic Server GC, one heap per core)
#                      workstation         DOTNET_gcServer=0
#                      server-conserve     DOTNET_GCConserveMemory=5
#                      server-affinitize   DOTNET_GCHeapAffinitizeMask=0x1 (Server GC on one core: one heap)
#                      server-hardlimit    DOTNET_GCHeapHardLimit=0x10000000 (256 MiB heap limit, as in a container)
#                      server-gen0         DOTNET_GCgen0size=0x400000 (4 MiB gen0 budget)
#   --conns N        connections in the burst (default 10000)
#   --after S        seconds of RSS sampling after the close (default 60)
#   --skip-build     use the existing Release build
#   --out DIR        results.jsonl, logs and the report (default bench/results/burst-<UTC time>)
#
# With dotnet-gcdump (on PATH, or DOTNET_GCDUMP=/path/to/dotnet-gcdump), a heap snapshot is taken after the
# sampling: that induces one full GC, and the RSS 5 s later shows what the setting keeps once the garbage of
# the burst has been collected (an idle process allocates nothing, so no GC runs by itself).
#
# For each variant: Host.dll --app hello on a free port of 127.0.0.1 under `ulimit -n 20000`, with
# Asgi:TimeoutKeepAlive=120 so that every connection of the burst is still open when the burst ends;
# tools/burst_client.py primes it, takes the pre-burst RSS, opens the connections in batches of 500 (one GET
# each), holds them 2 s, closes them and samples RSS every second; then `wrk -t1 -c64 -d5s` on GET / gives
# the throughput under that setting. A Markdown table is printed and written to DIR/RESULTS.md.
# Every process is stopped by its recorded PID; every wait is bounded. See bench/README.md.
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

ALL_VARIANTS="server server-nodatas workstation server-conserve server-affinitize server-hardlimit server-gen0"
VARIANTS=$ALL_VARIANTS
CONNS=10000
AFTER=60
NOFILE=20000
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "burst.sh: $*" >&2; exit 2; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

while (($#)); do
  case $1 in
    --variants) (($# >= 2)) || die "--variants needs a value"; VARIANTS=${2//,/ }; shift 2 ;;
    --conns) (($# >= 2)) || die "--conns needs a value"; CONNS=$2; shift 2 ;;
    --after) (($# >= 2)) || die "--after needs a value"; AFTER=$2; shift 2 ;;
    --out) (($# >= 2)) || die "--out needs a value"; OUT=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
is_uint "$CONNS" && ((CONNS >= 1 && CONNS <= 18000)) || die "--conns must be 1..18000"
is_uint "$AFTER" && ((AFTER >= 1 && AFTER <= 600)) || die "--after must be 1..600 seconds"
for v in $VARIANTS; do [[ " $ALL_VARIANTS " == *" $v "* ]] || die "--variants: unknown variant '$v'"; done
for tool in dotnet python3 curl wrk; do command -v "$tool" >/dev/null 2>&1 || die "$tool is required"; done
GCDUMP=${DOTNET_GCDUMP:-$(command -v dotnet-gcdump 2>/dev/null)}
[[ -z $GCDUMP || -x $GCDUMP ]] || die "DOTNET_GCDUMP=$GCDUMP is not executable"
ulimit -n "$NOFILE" 2>/dev/null || die "cannot raise ulimit -n to $NOFILE (hard limit $(ulimit -Hn))"

variant_env() {   # variant_env NAME -> ENV array (runtime settings of the variant)
  case $1 in
    server) ENV=() ;;
    server-nodatas) ENV=(DOTNET_GCDynamicAdaptationMode=0) ;;
    workstation) ENV=(DOTNET_gcServer=0) ;;
    server-conserve) ENV=(DOTNET_GCConserveMemory=5) ;;
    server-affinitize) ENV=(DOTNET_GCHeapAffinitizeMask=0x1) ;;
    server-hardlimit) ENV=(DOTNET_GCHeapHardLimit=0x10000000) ;;
    server-gen0) ENV=(DOTNET_GCgen0size=0x400000) ;;
  esac
}

HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll
if ((!SKIP_BUILD)); then
  log "building src/Host (Release)"
  dotnet build -c Release "$ROOT/src/Host" -v q -nologo > /dev/null || die "building src/Host failed"
fi
[[ -f $HOST_DLL ]] || die "Release build missing (run without --skip-build)"

OUT=${OUT:-$BENCH/results/burst-$(date -u '+%Y%m%dT%H%M%SZ')}
mkdir -p "$OUT/logs" || die "cannot create $OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
{
  echo "date_utc=$(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  echo "cpus=$(nproc)"
  echo "kernel=$(uname -sr)"
  echo "dotnet_runtimes=$(dotnet --list-runtimes 2>/dev/null | awk '{print $1 " " $2}' | paste -sd ',')"
  echo "conns=$CONNS after=$AFTER nofile=$NOFILE"
  echo "gcdump=${GCDUMP:-none}"
  echo "inherited_env=$(env | grep -E '^(DOTNET_|COMPlus_)' | grep -vE '^DOTNET_(CLI_[A-Z_]*|NOLOGO|SKIP_FIRST_TIME_EXPERIENCE)=' | paste -sd ' ')"
} > "$OUT/meta.env"

# ------------------------------------------------------------------ process handling (by recorded PID only)
SPID=""
CPID=""
alive() {   # running and not a zombie
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

run_variant() {
  local variant=$1 port logf client_json rps
  variant_env "$variant"
  port=$(free_port) || { log "no free port"; return; }
  logf=$OUT/logs/$variant.server.log
  log "$variant on port $port: ${ENV[*]:-(no GC variables)}"
  ( cd "$BENCH" && exec env "${ENV[@]}" dotnet "$HOST_DLL" --app hello --urls "http://127.0.0.1:$port" \
      --Asgi:TimeoutKeepAlive=120 ) > "$logf" 2>&1 < /dev/null &
  SPID=$!
  local deadline=$((SECONDS + 30)) ready=0
  while ((SECONDS < deadline)) && alive "$SPID"; do
    if [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null) == 200 ]]; then
      ready=1; break
    fi
    sleep 0.1
  done
  if ((!ready)); then
    log "  did not answer GET / within 30 s (log: $logf)"
    stop_pid "$SPID"; wait "$SPID" 2>/dev/null; SPID=""
    return
  fi

  timeout -k 5 $((AFTER + 240)) python3 "$BENCH/tools/burst_client.py" --port "$port" --pid "$SPID" \
    --conns "$CONNS" --after "$AFTER" > "$OUT/logs/$variant.client.out" 2> "$OUT/logs/$variant.client.err" &
  CPID=$!
  wait "$CPID"
  CPID=""
  client_json=$(grep '^JSON ' "$OUT/logs/$variant.client.out" | tail -1 | cut -c6-)
  log "  $(tail -1 "$OUT/logs/$variant.client.err" 2>/dev/null)"

  local gc_rss=null
  if [[ -n $GCDUMP ]] && alive "$SPID"; then
    if timeout -k 5 60 "$GCDUMP" collect -p "$SPID" -o "$OUT/logs/$variant.gcdump" > "$OUT/logs/$variant.gcdump.log" 2>&1; then
      sleep 5
      gc_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SPID/status" 2>/dev/null)
      log "  VmRSS 5 s after a full GC (dotnet-gcdump): ${gc_rss:-?} KiB"
    fi
    [[ $gc_rss =~ ^[0-9]+$ ]] || gc_rss=null
  fi

  rps=null
  if alive "$SPID"; then
    timeout -k 5 30 wrk -t1 -c64 -d5s "http://127.0.0.1:$port/" > "$OUT/logs/$variant.wrk.out" 2>&1
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/logs/$variant.wrk.out")
    log "  wrk: ${rps:-no result} requests/s"
    [[ -n $rps ]] || rps=null
  else
    log "  the host died (log: $logf)"
  fi
  stop_pid "$SPID"; wait "$SPID" 2>/dev/null; SPID=""
  printf '{"variant":"%s","env":"%s","wrk_rps":%s,"rss_after_full_gc_kib":%s,"client":%s}\n' \
    "$variant" "${ENV[*]:-}" "$rps" "$gc_rss" "${client_json:-null}" >> "$RESULTS"
  sleep 2
}

for v in $VARIANTS; do
  run_variant "$v"
done

python3 "$BENCH/tools/burst_client.py" --report "$RESULTS" | tee "$OUT/RESULTS.md"
log "results: $OUT"
