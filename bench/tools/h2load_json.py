#!/usr/bin/env python3
"""Runs h2load with the given arguments, passes its output through and adds one summary line for bench/run.sh:

  h2load_json.py [h2load arguments...]   e.g. -c 64 -m 16 -t 1 -D 10 --warm-up-time 1 https://127.0.0.1:PORT/

  JSON {"rps": ..., "requests": ..., "succeeded": ..., "errors": ..., "mean_us": ..., "max_us": ..., "seconds": ...}

rps is h2load's own figure (requests done in the main duration / that duration, so the --warm-up-time is left
out); seconds is h2load's whole run (warm-up included), the span over which run.sh counts the server's CPU time;
errors counts failed, errored and timed-out requests and every non-2xx status. h2load reports no percentiles:
mean_us / max_us are its "time for request" mean and max. The exit code is h2load's (3 when it printed no summary).
"""
import json
import re
import subprocess
import sys

UNITS = {"us": 1.0, "ms": 1000.0, "s": 1e6}


def micros(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def main(argv):
    proc = subprocess.run(["h2load", *argv], capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    out = proc.stdout
    finished = re.search(r"^finished in ([0-9.]+)s, ([0-9.]+) req/s", out, re.M)
    requests = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                         r"(\d+) errored, (\d+) timeout", out, re.M)
    status = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out, re.M)
    latency = re.search(r"^time for request:\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)
    if not (finished and requests and status):
        print("h2load_json.py: no h2load summary in the output", file=sys.stderr)
        return proc.returncode or 3
    total, _, done, succeeded, failed, errored, timeout = (int(x) for x in requests.groups())
    non2xx = sum(int(x) for x in status.groups()[1:])
    result = {
        "rps": float(finished.group(2)),
        "seconds": float(finished.group(1)),
        "requests": total,
        "done": done,
        "succeeded": succeeded,
        "errors": failed + errored + timeout + non2xx,
        "mean_us": micros(latency.group(3)) if latency else None,
        "max_us": micros(latency.group(2)) if latency else None,
    }
    print("JSON " + json.dumps(result))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
