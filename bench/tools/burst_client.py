#!/usr/bin/env python3
"""Memory after a connection burst (the client of bench/burst.sh).

  burst_client.py --port PORT --pid PID [--conns 10000] [--batch 500] [--hold 2] [--after 60] [--prime 200]
  burst_client.py --report results.jsonl      (prints the Markdown summary table of a run)

1. primes the server (--prime requests on new connections), waits 2 s and takes the pre-burst VmRSS and RssAnon
   (median of 5 samples over 1 s);
2. opens --conns connections in batches of --batch: each batch connects, sends one "GET / HTTP/1.1" on every
   connection, then reads every response; all connections stay open;
3. holds them --hold seconds, then counts how many the server still keeps open and closes them all;
4. samples the server's VmRSS and RssAnon every second for --after seconds.

Bounded: every socket operation has a 5 s timeout, opening stops after 120 s, the sampling has a fixed length.
Prints one "JSON {...}" line on stdout (memory in KiB) and a human line on stderr.
"""
import argparse
import json
import resource
import socket
import statistics
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: burst_client.py\r\n\r\n"
TARGET = 1.5  # RSS must come back within 1.5 x the pre-burst figure


def memory(pid):
    values = {"VmRSS": 0, "RssAnon": 0}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in values:
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


def read_response(sock):
    """Reads one response with a Content-Length body; raises on anything else."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
        if len(data) > 65536:
            raise ConnectionError("response head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ConnectionError("unexpected status line: " + head.split(b"\r\n")[0].decode("latin-1"))
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the response body")
        body += chunk


def still_open(socks):
    count = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) != b"":
                count += 1
        except BlockingIOError:
            count += 1
        except OSError:
            pass
    return count


def burst(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.conns + 100
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))

    failures = []
    for _ in range(args.prime):
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=5) as s:
                s.sendall(REQUEST)
                read_response(s)
        except (OSError, ConnectionError) as e:
            failures.append(f"prime: {e}")
    time.sleep(2.0)
    base = []
    for _ in range(5):
        base.append(memory(args.pid))
        time.sleep(0.2)
    before = {k: int(statistics.median(m[k] for m in base)) for k in ("VmRSS", "RssAnon")}

    socks, peak = [], dict(before)
    t0 = time.monotonic()
    while len(socks) < args.conns and time.monotonic() - t0 < 120:
        batch = []
        for _ in range(min(args.batch, args.conns - len(socks))):
            try:
                s = socket.create_connection(("127.0.0.1", args.port), timeout=5)
                s.sendall(REQUEST)
                batch.append(s)
            except OSError as e:
                failures.append(f"connect: {e}")
        for s in batch:
            try:
                read_response(s)
                socks.append(s)
            except (OSError, ConnectionError) as e:
                failures.append(f"response: {e}")
                s.close()
        m = memory(args.pid)
        peak = {k: max(peak[k], m[k]) for k in peak}
    open_seconds = time.monotonic() - t0

    hold_end = time.monotonic() + args.hold
    while time.monotonic() < hold_end:
        m = memory(args.pid)
        peak = {k: max(peak[k], m[k]) for k in peak}
        time.sleep(0.25)
    open_at_close = still_open(socks)
    for s in socks:
        s.close()

    samples = []
    t_close = time.monotonic()
    for second in range(1, int(args.after) + 1):
        time.sleep(max(0.0, t_close + second - time.monotonic()))
        m = memory(args.pid)
        samples.append({"t": second, "rss_kib": m["VmRSS"], "anon_kib": m["RssAnon"]})
    back = next((s["t"] for s in samples if s["rss_kib"] <= TARGET * before["VmRSS"]), None)
    return {
        "established": len(socks), "open_at_close": open_at_close, "failures": len(failures),
        "failure_examples": failures[:3], "open_seconds": round(open_seconds, 2),
        "rss_before_kib": before["VmRSS"], "anon_before_kib": before["RssAnon"],
        "rss_peak_kib": peak["VmRSS"], "anon_peak_kib": peak["RssAnon"],
        "rss_back_within_target_s": back, "samples": samples,
    }


def report(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    mib = lambda k: f"{k / 1024:.0f} MiB" if k else "—"
    print("| setting | environment | pre-burst RSS | peak RSS | RSS 10 s after | 30 s after | 60 s after | "
          "60 s ÷ pre-burst | ≤ 1.5× after | after a full GC | wrk req/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        c = r.get("client") or {}
        at = {s["t"]: s["rss_kib"] for s in c.get("samples", [])}
        before = c.get("rss_before_kib")
        last = at.get(max(at)) if at else None
        ratio = f"{last / before:.2f}×" if last and before else "—"
        back = c.get("rss_back_within_target_s")
        rps = r.get("wrk_rps")
        gc = r.get("rss_after_full_gc_kib")
        gc_text = f"{mib(gc)} ({gc / before:.2f}×)" if gc and before else "—"
        print(f"| {r['variant']} | {r['env'] or '(none)'} | {mib(before)} | {mib(c.get('rss_peak_kib'))} | "
              f"{mib(at.get(10))} | {mib(at.get(30))} | {mib(last)} | {ratio} | "
              f"{'never' if c and back is None else (f'{back} s' if back is not None else '—')} | {gc_text} | "
              f"{'—' if rps is None else f'{rps:,.0f}'} |")
    print()
    print("Connections established / still open when closed / failures: " + "; ".join(
        f"{r['variant']} {(r.get('client') or {}).get('established', '—')}/"
        f"{(r.get('client') or {}).get('open_at_close', '—')}/{(r.get('client') or {}).get('failures', '—')}"
        for r in rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--hold", type=float, default=2.0)
    ap.add_argument("--after", type=float, default=60.0)
    ap.add_argument("--prime", type=int, default=200)
    ap.add_argument("--report", metavar="RESULTS_JSONL")
    args = ap.parse_args()
    if args.report:
        report(args.report)
        return
    if args.port is None or args.pid is None:
        ap.error("--port and --pid are required")
    r = burst(args)
    last = r["samples"][-1]["rss_kib"] if r["samples"] else 0
    print(f"{r['established']} connections ({r['failures']} failures) in {r['open_seconds']} s: VmRSS "
          f"{r['rss_before_kib']} -> peak {r['rss_peak_kib']} -> {last} KiB {args.after:g} s after the close "
          f"(within {TARGET}x after {r['rss_back_within_target_s']} s)", file=sys.stderr)
    print("JSON " + json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
