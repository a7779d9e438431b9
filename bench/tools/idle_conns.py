#!/usr/bin/env python3
"""Memory per idle keep-alive connection.

  idle_conns.py --port PORT --pid PID [--count 1000] [--hold 5] [--prime 200] [--deadline 60]

1. primes the server: --prime connections, one GET / each, closed again (so the accept and request paths
   are JIT-compiled and their pools exist before the baseline is taken), then waits 1 s;
2. samples the server's VmRSS and RssAnon from /proc/PID/status (the baseline);
3. opens --count connections one after another, sends one "GET / HTTP/1.1" on each and reads the whole
   response, so every connection has served a request and sits idle in keep-alive;
4. holds them all for --hold seconds, sampling memory every 0.25 s; the settled figure is the median of
   the samples in the last second of the hold;
5. counts how many the server still keeps open, closes them all.

KiB per connection = (settled RssAnon - baseline RssAnon) / connections established (RSS likewise).
Bounded: every socket operation has a 5 s timeout and the whole run stops opening connections after
--deadline seconds. Prints a human line on stderr and one "JSON {...}" line on stdout (KiB).
"""
import argparse
import json
import resource
import socket
import statistics
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: idle_conns.py\r\n\r\n"


def memory(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def read_response(sock):
    """Reads one response whose body has a Content-Length; raises on anything else."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
        if len(data) > 65536:
            raise ConnectionError("response head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 200"):
        raise ConnectionError("unexpected status line: " + lines[0].decode("latin-1"))
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ConnectionError("response without Content-Length")
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the response body")
        body += chunk


def one_request(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        sock.sendall(REQUEST)
        read_response(sock)
    except BaseException:
        sock.close()
        raise
    return sock


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--hold", type=float, default=5.0)
    ap.add_argument("--prime", type=int, default=200)
    ap.add_argument("--deadline", type=float, default=60.0)
    args = ap.parse_args()
    if args.hold < 1:
        ap.error("--hold must be at least 1 s")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.count + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard != resource.RLIM_INFINITY else want, hard))

    start = time.monotonic()
    failures = []
    for _ in range(args.prime):
        if time.monotonic() - start > args.deadline / 4:
            break
        try:
            one_request(args.port).close()
        except (OSError, ConnectionError) as e:
            failures.append(f"prime: {e}")
    time.sleep(1.0)
    before = memory(args.pid)

    socks = []
    t0 = time.monotonic()
    for _ in range(args.count):
        if time.monotonic() - start > args.deadline:
            failures.append("deadline reached while opening connections")
            break
        try:
            socks.append(one_request(args.port))
        except (OSError, ConnectionError) as e:
            failures.append(str(e))
    open_seconds = time.monotonic() - t0

    samples = []
    hold_start = time.monotonic()
    while (now := time.monotonic()) < hold_start + args.hold:
        samples.append((now - hold_start, memory(args.pid)))
        time.sleep(0.25)
    last = [m for t, m in samples if t >= args.hold - 1.0] or [samples[-1][1]]
    settled = {k: int(statistics.median(m[k] for m in last)) for k in ("VmRSS", "RssAnon")}
    peak = {k: max(m[k] for _, m in samples) for k in ("VmRSS", "RssAnon")}

    still_open = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) != b"":
                still_open += 1  # unexpected bytes, but the connection is open
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        s.close()

    n = len(socks)
    per = (lambda delta: round(delta / n, 2) if n else None)
    result = {
        "tool": "idle_conns.py", "requested": args.count, "established": n, "still_open": still_open,
        "failures": len(failures), "open_seconds": round(open_seconds, 3), "hold_seconds": args.hold,
        "rss_before_kib": before["VmRSS"], "anon_before_kib": before["RssAnon"],
        "rss_settled_kib": settled["VmRSS"], "anon_settled_kib": settled["RssAnon"],
        "rss_peak_kib": peak["VmRSS"], "anon_peak_kib": peak["RssAnon"],
        "anon_kib_per_conn": per(settled["RssAnon"] - before["RssAnon"]),
        "rss_kib_per_conn": per(settled["VmRSS"] - before["VmRSS"]),
        "errors": len(failures) + (n - still_open),
    }
    for f in failures[:3]:
        print(f"idle_conns.py: {f}", file=sys.stderr)
    print(f"{n} idle connections ({still_open} still open after {args.hold:g} s): RssAnon "
          f"{before['RssAnon']} -> {settled['RssAnon']} KiB ({result['anon_kib_per_conn']} KiB/conn), VmRSS "
          f"{before['VmRSS']} -> {settled['VmRSS']} KiB ({result['rss_kib_per_conn']} KiB/conn)", file=sys.stderr)
    print("JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
