#!/usr/bin/env python3
"""Descriptor-exhaustion flood against one server process (the client of bench/exhaustion.sh).

  exhaustion_client.py --port PORT --pid PID [--conns 400] [--hold 30] [--recover 30] [--path /hello]
  exhaustion_client.py --report results.jsonl      (prints the Markdown summary table of a run)

1. primes the server (20 requests on new connections), waits 1 s and samples its idle VmRSS;
2. opens --conns connections one after another: the even ones stay idle (nothing sent), the odd ones send a
   `POST` head with `Content-Length: 1000000` and never send the body (a slow body);
3. holds them --hold seconds, sampling once a second: is the process alive (and not a zombie), its VmRSS, its
   CPU time (/proc/PID/stat) and how many of our connections the server has closed;
4. closes them all and measures how long until GET --path answers 200 again (polled every 0.1 s, 2 s per try,
   --recover seconds at most).

Bounded: every socket operation has a timeout, opening stops after 60 s, the hold and the recovery have fixed
lengths. Prints one "JSON {...}" line on stdout (times in seconds, memory in KiB) and a human line on stderr.
"""
import argparse
import json
import os
import resource
import socket
import sys
import time

SLOW_BODY = b"POST /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def status(pid):
    """(alive, VmRSS KiB, CPU seconds) of PID from /proc; a zombie counts as dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        rss = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        return False, 0, None
    fields = stat.rsplit(")", 1)[1].split()
    state, cpu = fields[0], (int(fields[11]) + int(fields[12])) / CLK_TCK
    return state not in ("Z", "X"), rss, cpu


def get_ok(port, path, timeout=2.0):
    """True when GET path answers with a 200 status line within timeout."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n" not in data and len(data) < 4096:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def closed_by_server(socks):
    """How many of socks the server has closed (EOF or reset); a response without a close counts as open."""
    closed = 0
    for s in socks:
        try:
            data = s.recv(65536)
            if data == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    return closed


def flood(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.conns + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))

    for _ in range(20):
        get_ok(args.port, args.path)
    time.sleep(1.0)
    alive, idle_rss, cpu0 = status(args.pid)
    result = {"idle_rss_kib": idle_rss, "died_after_s": None}
    if not alive:
        result["died_after_s"] = 0
        return result

    socks, refused, timed_out = [], 0, 0
    t0 = time.monotonic()
    for i in range(args.conns):
        if time.monotonic() - t0 > 60:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.connect(("127.0.0.1", args.port))
            if i % 2 == 1:
                s.sendall(SLOW_BODY)
            s.setblocking(False)  # a socket with a timeout would wait in recv; closed_by_server must not
            socks.append(s)
        except socket.timeout:
            timed_out += 1
            s.close()
        except OSError:
            refused += 1
            s.close()
    result.update(connected=len(socks), refused=refused, connect_timeouts=timed_out,
                  open_s=round(time.monotonic() - t0, 2))

    samples = []
    hold_start = time.monotonic()
    for second in range(1, int(args.hold) + 1):
        time.sleep(max(0.0, hold_start + second - time.monotonic()))
        alive, rss, cpu = status(args.pid)
        samples.append({"t": second, "alive": alive, "rss_kib": rss,
                        "cpu_s": None if cpu is None else round(cpu - cpu0, 2),
                        "closed_by_server": closed_by_server(socks)})
        if not alive:
            result["died_after_s"] = round(time.monotonic() - t0, 1)
            break
    alive, rss, cpu = status(args.pid)
    living = [s for s in samples if s["alive"]]
    result.update(
        alive_after_hold=alive,
        peak_rss_kib=max((s["rss_kib"] for s in living), default=idle_rss),
        cpu_s=round(living[-1]["cpu_s"], 2) if living else None,
        closed_by_server=samples[-1]["closed_by_server"] if samples else 0,
        samples=samples)

    for s in socks:
        s.close()
    serve_again = None
    if alive:
        t_close = time.monotonic()
        while time.monotonic() - t_close < args.recover:
            if get_ok(args.port, args.path):
                serve_again = round(time.monotonic() - t_close, 2)
                break
            if not status(args.pid)[0]:
                result["died_after_s"] = round(time.monotonic() - t0, 1)
                break
            time.sleep(0.1)
    result["serve_again_s"] = serve_again
    result["rss_after_kib"] = status(args.pid)[1]
    return result


def report(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    print("| server | connections accepted by the kernel | closed by the server during the hold | alive after the hold | "
          "exit code | idle RSS | peak RSS | CPU during the hold | serves again after the close |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    mib = lambda k: f"{k / 1024:.0f} MiB" if k else "—"
    for r in rows:
        c = r.get("client") or {}
        alive = c.get("alive_after_hold")
        died = c.get("died_after_s")
        alive_text = "yes" if alive else (f"no (died {died:g} s into the flood)" if died is not None else "no")
        peak, idle = c.get("peak_rss_kib"), c.get("idle_rss_kib")
        peak_text = f"{mib(peak)} ({peak / idle:.1f}×)" if peak and idle else "—"
        cpu = c.get("cpu_s")
        again = c.get("serve_again_s")
        print(f"| {r['server']} | {c.get('connected', '—')} of {r.get('conns', '—')} | {c.get('closed_by_server', '—')} | "
              f"{alive_text} | {r.get('exit_code') if r.get('exit_code') is not None else '—'}"
              f"{' (' + r['exit_note'] + ')' if r.get('exit_note') else ''} | {mib(idle)} | {peak_text} | "
              f"{'—' if cpu is None else f'{cpu:.1f} s'} | {'—' if again is None else f'{again:.2f} s'} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--conns", type=int, default=400)
    ap.add_argument("--hold", type=float, default=30.0)
    ap.add_argument("--recover", type=float, default=30.0)
    ap.add_argument("--path", default="/hello")
    ap.add_argument("--report", metavar="RESULTS_JSONL")
    args = ap.parse_args()
    if args.report:
        report(args.report)
        return
    if args.port is None or args.pid is None:
        ap.error("--port and --pid are required")
    result = flood(args)
    print(f"idle {result['idle_rss_kib']} KiB, peak {result.get('peak_rss_kib')} KiB, cpu {result.get('cpu_s')} s, "
          f"alive {result.get('alive_after_hold')}, died after {result.get('died_after_s')} s, "
          f"serves again after {result.get('serve_again_s')} s", file=sys.stderr)
    print("JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
