#!/usr/bin/env bash
# Long fuzz runs of AsgiBridge's HTTP/1.1 handling: starts the host (src/Host, echo app, the short timeouts and
# small limits the cases assume) on a free 127.0.0.1 port, sends it mutated requests with bench/Fuzz, stops it
# by its PID and prints a summary. The cases are those of tests/AsgiBridge.Tests/Fuzz (the test runs 4000).
#
#   bench/fuzz.sh [--cases N] [--first N] [--seed S] [--concurrency C] [--skip-build] [--out DIR]
#   bench/fuzz.sh --case N [--seed S]     replay one case (its bytes and what the host answered)
#
#   --cases N        cases to run (default 100000)
#   --first N        index of the first case (default 0): --first 100000 continues a previous run
#   --seed S         run seed, decimal or 0x hex (default 0x5EEDF022, the test's)
#   --concurrency C  connections at a time (default 32)
#   --skip-build     use the existing Release builds
#   --out DIR        where report.md and host.log go (default bench/results/fuzz-<UTC time>)
#
# Exit code: 0 no failure; 1 failures (listed with their bytes); 2 the host stopped answering or exited;
# 3 the host logged errors; 64 bad usage. See bench/README.md (Fuzzing).
set -uo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

CASES=100000
FIRST=0
SEED=0x5EEDF022
CONCURRENCY=32
CASE=""
SKIP_BUILD=0
OUT=""

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "fuzz.sh: $*" >&2; exit 64; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

while (($#)); do
  case $1 in
    --cases) is_uint "${2:-}" || die "--cases needs a number"; CASES=$2; shift 2 ;;
    --first) is_uint "${2:-}" || die "--first needs a number"; FIRST=$2; shift 2 ;;
    --seed) [[ ${2:-} =~ ^(0[xX][0-9a-fA-F]+|[0-9]+)$ ]] || die "--seed needs a decimal or 0x hex number"; SEED=$2; shift 2 ;;
    --concurrency) is_uint "${2:-}" && ((${2} > 0)) || die "--concurrency needs a positive number"; CONCURRENCY=$2; shift 2 ;;
    --case) is_uint "${2:-}" || die "--case needs a number"; CASE=$2; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --out) [[ -n ${2:-} ]] || die "--out needs a directory"; OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (--help lists them)" ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
OUT=${OUT:-$BENCH/results/fuzz-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT" || die "cannot create $OUT"
HOST_DLL=$ROOT/src/Host/bin/Release/net10.0/Host.dll
FUZZ_DLL=$BENCH/Fuzz/bin/Release/net10.0/AsgiBridge.Fuzz.dll
log() { echo "[fuzz.sh] $*" >&2; }

if ((!SKIP_BUILD)); then
  log "building src/Host and bench/Fuzz (Release)"
  dotnet build "$ROOT/src/Host/Host.csproj" -c Release -v q -nologo >"$OUT/build.log" 2>&1 &&
    dotnet build "$BENCH/Fuzz/Fuzz.csproj" -c Release -v q -nologo >>"$OUT/build.log" 2>&1 ||
    { cat "$OUT/build.log" >&2; die "build failed"; }
fi
[[ -f $HOST_DLL && -f $FUZZ_DLL ]] || die "no Release build: run without --skip-build"

# The host picks a free port itself (port 0) and logs it; it is stopped by the PID recorded here.
mapfile -t SETTINGS < <(dotnet "$FUZZ_DLL" --print-settings)
dotnet "$HOST_DLL" --app echo --urls http://127.0.0.1:0 "${SETTINGS[@]}" >"$OUT/host.log" 2>&1 &
HPID=$!
stop_host() {
  kill -0 "$HPID" 2>/dev/null || return 0
  kill -TERM "$HPID" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$HPID" 2>/dev/null || return 0; sleep 0.2; done
  log "host $HPID still running 10 s after SIGTERM: killing it"
  kill -KILL "$HPID" 2>/dev/null
}
trap stop_host EXIT

PORT=""
for _ in $(seq 150); do
  PORT=$(sed -n 's|.*Now listening on: http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$OUT/host.log" | head -n 1)
  [[ -n $PORT ]] && break
  kill -0 "$HPID" 2>/dev/null || { cat "$OUT/host.log" >&2; die "the host exited at start-up"; }
  sleep 0.2
done
[[ -n $PORT ]] || { cat "$OUT/host.log" >&2; die "the host did not start listening within 30 s"; }
log "host pid $HPID on 127.0.0.1:$PORT (${SETTINGS[*]}); output in $OUT"

if [[ -n $CASE ]]; then
  dotnet "$FUZZ_DLL" --port "$PORT" --seed "$SEED" --case "$CASE"
  exit $?
fi

dotnet "$FUZZ_DLL" --port "$PORT" --seed "$SEED" --first "$FIRST" --cases "$CASES" --concurrency "$CONCURRENCY" >"$OUT/report.md"
rc=$?

# Crashes: the process gone, or errors in its log (an exception in a connection is logged by Kestrel as fail:).
if kill -0 "$HPID" 2>/dev/null; then host_state="running after the run"; else wait "$HPID"; host_state="EXITED (code $?)"; rc=2; fi
errors=$(grep -cE '^(fail|crit): ' "$OUT/host.log")
warnings=$(grep -cE '^warn: ' "$OUT/host.log")
((errors > 0 && rc == 0)) && rc=3
{
  echo
  echo "| host | |"
  echo "| --- | --- |"
  echo "| process | $host_state |"
  echo "| errors logged (fail/crit) | $errors |"
  echo "| warnings logged | $warnings |"
  echo "| exit code | $rc |"
} >>"$OUT/report.md"
cat "$OUT/report.md"
((errors > 0)) && { log "host errors:"; grep -A3 -E '^(fail|crit): ' "$OUT/host.log" | head -n 40 >&2; }
exit "$rc"
