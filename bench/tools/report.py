#!/usr/bin/env python3
"""Turns one bench/run.sh run (RESULTS_DIR/results.jsonl + meta.env) into bench/RESULTS.md.

  report.py RESULTS_DIR            the full Markdown report on stdout
  report.py --summary RESULTS_DIR  just the main tables (what run.sh prints at the end)

Figures are medians over rounds; ratios are ratios of those medians. Only runs whose tool exited 0 and
printed a result count; a run with errors (wrk socket/status errors, WebSocket errors, idle connections the
server dropped) still counts but is flagged with "!" in the per-round appendix and listed under the tables.
"""
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROWS = ["asgibridge", "asgibridge-log", "raw", "kestrel", "kestrel-ws"]
ROW_TITLES = {
    "asgibridge": "**asgibridge** (Host `--app hello`; download: `--app demo`; access log off)",
    "asgibridge-log": "asgibridge-log (the same with its access log on, output discarded)",
    "raw": "raw (Kestrel `ConnectionHandler`, fixed response)",
    "kestrel": "kestrel (`app.Run` HttpContext)",
    "kestrel-ws": "kestrel-ws (`UseWebSockets` echo)",
}
SCENARIOS = ["plaintext", "pipelined", "close", "download", "upload", "ws", "idle"]
TITLES = {
    "plaintext": "plaintext keep-alive (req/s)",
    "pipelined": "pipelined ×16 (req/s)",
    "close": "conn-per-request (req/s)",
    "download": "1 MiB download (MiB/s)",
    "upload": "1 MiB upload (MiB/s)",
    "ws": "WS echo 64 B (msg/s)",
    "idle": "idle keep-alive (KiB/conn)",
}
SHORT = {"plaintext": "plaintext", "pipelined": "pipelined", "close": "close", "download": "download",
         "upload": "upload", "ws": "ws", "idle": "idle KiB/conn"}
LOWER_IS_BETTER = {"idle"}

# Issue 14's pairs: (name, what, AsgiBridge's row, the reference row, scenario, load, goal). A pair's ratio is
# AsgiBridge's median over the reference's median, like the other ratios.
PAIRS = [
    ("h2-tls", "HTTP/2 over TLS (ALPN h2): host vs `kestrel-h2`", "asgibridge-h2", "kestrel-h2", "h2", "h2load", 0.95),
    ("h2c", "h2c (prior knowledge): host `Asgi:Protocols=Http2` vs `kestrel-h2c`", "asgibridge-h2c", "kestrel-h2c", "h2",
     "h2load", 0.95),
    ("mapasgi", "`MapAsgi` vs `MapGet`, one ASP.NET Core app (HTTP/1.1)", "mapasgi", "mapget", "plaintext", "wrk", 0.90),
]
PAIR_ROWS = [row for pair in PAIRS for row in (pair[2], pair[3])]
PAIR_TITLES = {
    "asgibridge-h2": "asgibridge-h2 (Host `--app hello` on https)",
    "kestrel-h2": "kestrel-h2 (`app.Run`, TLS, Http1AndHttp2)",
    "asgibridge-h2c": "asgibridge-h2c (Host `--app hello`, `Asgi:Protocols=Http2`)",
    "kestrel-h2c": "kestrel-h2c (`app.Run`, cleartext Http2)",
    "mapasgi": "mapasgi (`app.MapAsgi(\"/mapasgi\", hello)`)",
    "mapget": "mapget (`app.MapGet(\"/mapget\", () => TypedResults.Text(...))`)",
}
SHORT["h2"] = "h2 (req/s)"
MEASURED = set(SCENARIOS) | {"h2"}
GBPS_IN_MIBPS = 1e9 / 1048576  # the issue's 1 GB/s target, in MiB/s


def read_meta(run_dir):
    meta = {}
    path = run_dir / "meta.env"
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                meta[key] = value
    return meta


def read_records(run_dir):
    records = []
    for line in (run_dir / "results.jsonl").read_text().splitlines():
        line = line.strip()
        if line:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                print(f"report.py: skipping a malformed line: {line[:80]}", file=sys.stderr)
    return records


def figure(rec, stream_bytes):
    """The headline number of one measured scenario, or None when it did not produce one."""
    r = rec.get("result")
    if rec.get("rc") != 0 or not isinstance(r, dict):
        return None
    scen = rec["scenario"]
    if scen in ("plaintext", "pipelined", "close", "h2"):
        return r.get("rps")
    if scen in ("download", "upload"):
        return r["rps"] * stream_bytes / 1048576 if r.get("rps") is not None else None
    if scen == "ws":
        return r.get("rate")
    if scen == "idle":
        return r.get("anon_kib_per_conn")
    return None


def errors(rec):
    r = rec.get("result")
    if not isinstance(r, dict):
        return None
    return r.get("errors")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, scen=None):
    if v is None:
        return "n/a"
    if scen == "idle":
        return f"{v:.1f}"
    if scen in ("download", "upload"):
        return f"{v:,.0f}"
    return f"{v:,.0f}"


def fmt_ratio(v):
    return "n/a" if v is None else f"{v:.2f}"


def fmt_ms(us):
    return "n/a" if us is None else f"{us / 1000:.2f}"


class Run:
    def __init__(self, run_dir):
        self.dir = run_dir
        self.meta = read_meta(run_dir)
        self.records = read_records(run_dir)
        self.stream_bytes = int(self.meta.get("stream_bytes", 1048576))
        self.variants = [v for v in ("default", "tuned") if any(r.get("variant") == v for r in self.records)]
        # (variant, row, scenario) -> list of records, in round order
        self.by_key = defaultdict(list)
        for rec in self.records:
            self.by_key[(rec.get("variant"), rec.get("row"), rec.get("scenario"))].append(rec)
        self.rows = [row for row in ROWS if any(r.get("row") == row for r in self.records)]
        self.pair_rows = [row for row in PAIR_ROWS if any(r.get("row") == row for r in self.records)]
        self.pairs = [p for p in PAIRS if p[2] in self.pair_rows or p[3] in self.pair_rows]

    def values(self, variant, row, scen):
        return [figure(r, self.stream_bytes) for r in self.by_key[(variant, row, scen)]]

    def med(self, variant, row, scen):
        return median(self.values(variant, row, scen))

    def med_field(self, variant, row, scen, field):
        return median([(r.get("result") or {}).get(field) for r in self.by_key[(variant, row, scen)]
                       if r.get("rc") == 0 and isinstance(r.get("result"), dict)])

    def cpu_pct(self, variant, row, scen, which):
        vals = []
        for r in self.by_key[(variant, row, scen)]:
            seconds = (r.get("result") or {}).get("seconds") or r.get("wall_s")
            if r.get("rc") == 0 and seconds:
                vals.append(100.0 * r.get(which, 0) / seconds)
        return median(vals)

    def ratio(self, variant, a, b, scen):
        x, y = self.med(variant, a, scen), self.med(variant, b, scen)
        return x / y if x is not None and y else None


def main_table(run, variant):
    lines = ["| server | " + " | ".join(TITLES[s] for s in SCENARIOS) + " |",
             "| --- |" + " ---: |" * len(SCENARIOS)]
    for row in run.rows:
        cells = [fmt(run.med(variant, row, s), s) for s in SCENARIOS]
        lines.append(f"| {ROW_TITLES[row]} | " + " | ".join(cells) + " |")
    return lines


def ratio_table(run, variant):
    cols = ["plaintext", "pipelined", "close", "download", "upload", "ws", "idle"]
    lines = ["| ratio (medians) | " + " | ".join(SHORT[c] for c in cols) + " |",
             "| --- |" + " ---: |" * len(cols)]
    specs = [("asgibridge / kestrel", "kestrel", {"ws": "kestrel-ws"}),
             ("asgibridge / raw", "raw", {"ws": None, "download": None})]
    for title, base, overrides in specs:
        cells = []
        for c in cols:
            b = overrides.get(c, base)
            cells.append(fmt_ratio(run.ratio(variant, "asgibridge", b, c)) if b else "n/a")
        label = title + (" (ws: / kestrel-ws)" if base == "kestrel" else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def latency_table(run, variant):
    cols = [("plaintext", "plaintext"), ("close", "conn-per-request"), ("ws", "WS echo")]
    lines = ["| server | " + " | ".join(f"{t} p50 / p99 (ms)" for _, t in cols) + " |",
             "| --- |" + " --- |" * len(cols)]
    for row in run.rows:
        cells = []
        for scen, _ in cols:
            p50 = run.med_field(variant, row, scen, "p50_us")
            p99 = run.med_field(variant, row, scen, "p99_us")
            cells.append("n/a" if p50 is None and p99 is None else f"{fmt_ms(p50)} / {fmt_ms(p99)}")
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return lines


def cpu_table(run, variant):
    scens = ["plaintext", "pipelined", "close", "download", "upload", "ws"]
    lines = ["| server | " + " | ".join(f"{s} server / load" for s in scens) + " |",
             "| --- |" + " ---: |" * len(scens)]
    for row in run.rows:
        cells = []
        for s in scens:
            sv, cv = run.cpu_pct(variant, row, s, "server_cpu_s"), run.cpu_pct(variant, row, s, "client_cpu_s")
            cells.append("n/a" if sv is None else f"{sv:.0f} % / {cv:.0f} %")
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return lines


def targets_table(run, variant):
    def check(value, ok):
        return "n/a" if value is None else ("met" if ok(value) else "**not met**")

    r = lambda a, b, s: run.ratio(variant, a, b, s)  # noqa: E731
    dl, ul = run.med(variant, "asgibridge", "download"), run.med(variant, "asgibridge", "upload")
    idle = r("asgibridge", "kestrel", "idle")
    rows = [
        ("plaintext ≥ 1.10 × kestrel", r("asgibridge", "kestrel", "plaintext"), lambda v: v >= 1.10, fmt_ratio),
        ("plaintext ≥ 0.90 × raw", r("asgibridge", "raw", "plaintext"), lambda v: v >= 0.90, fmt_ratio),
        ("pipelined ×16 ≥ 0.90 × raw", r("asgibridge", "raw", "pipelined"), lambda v: v >= 0.90, fmt_ratio),
        ("WS echo ≥ 1.0 × kestrel-ws", r("asgibridge", "kestrel-ws", "ws"), lambda v: v >= 1.0, fmt_ratio),
        ("1 MiB download ≥ 1 GB/s", dl, lambda v: v >= GBPS_IN_MIBPS, lambda v: "n/a" if v is None else f"{v * 1048576 / 1e9:.2f} GB/s"),
        ("1 MiB upload ≥ 1 GB/s", ul, lambda v: v >= GBPS_IN_MIBPS, lambda v: "n/a" if v is None else f"{v * 1048576 / 1e9:.2f} GB/s"),
        ("idle KiB/conn ≤ kestrel", idle, lambda v: v <= 1.0, lambda v: "n/a" if v is None else f"{v:.2f} × kestrel"),
        ("access log on: plaintext ≥ 0.90 × off (issue 13)", r("asgibridge-log", "asgibridge", "plaintext"), lambda v: v >= 0.90, fmt_ratio),
    ]
    lines = ["| target (issues 6, 13) | measured | status |", "| --- | ---: | --- |"]
    for title, value, ok, show in rows:
        lines.append(f"| {title} | {show(value)} | {check(value, ok)} |")
    return lines


def pairs_table(run, variant):
    lines = ["| comparison (issue 14) | load | AsgiBridge (req/s) | reference (req/s) | ratio | goal | status |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for _, title, ours, ref, scen, tool, goal in run.pairs:
        a, b = run.med(variant, ours, scen), run.med(variant, ref, scen)
        ratio = a / b if a is not None and b else None
        status = "n/a" if ratio is None else ("met" if ratio >= goal else "**not met**")
        lines.append(f"| {title} | {tool} | {fmt(a)} | {fmt(b)} | {fmt_ratio(ratio)} | ≥ {goal:.2f} | {status} |")
    return lines


def pairs_detail_table(run, variant):
    """Latency and CPU of each pair row: h2load gives a mean (no percentiles), wrk p50 / p99."""
    lines = ["| server | scenario | latency (ms) | server / load CPU |", "| --- | --- | --- | ---: |"]
    for _, _, ours, ref, scen, _, _ in run.pairs:
        for row in (ours, ref):
            if not run.by_key[(variant, row, scen)]:
                continue
            if scen == "h2":
                mean = run.med_field(variant, row, scen, "mean_us")
                latency = "n/a" if mean is None else f"mean {fmt_ms(mean)}"
            else:
                p50, p99 = run.med_field(variant, row, scen, "p50_us"), run.med_field(variant, row, scen, "p99_us")
                latency = f"p50 {fmt_ms(p50)} / p99 {fmt_ms(p99)}"
            sv, cv = run.cpu_pct(variant, row, scen, "server_cpu_s"), run.cpu_pct(variant, row, scen, "client_cpu_s")
            cpu = "n/a" if sv is None else f"{sv:.0f} % / {cv:.0f} %"
            lines.append(f"| {PAIR_TITLES[row]} | {scen} | {latency} | {cpu} |")
    return lines


def pairs_section(run, variant):
    if not run.pairs:
        return []
    return (["HTTP/2 and ASP.NET Core integration (issue 14; ratio = AsgiBridge's median / the reference's median, "
             "> 1 means AsgiBridge is faster):", ""] + pairs_table(run, variant) + [""])


def tuned_gain_table(run):
    lines = ["| server | " + " | ".join(SHORT[s] for s in SCENARIOS) + " |", "| --- |" + " ---: |" * len(SCENARIOS)]
    for row in run.rows:
        cells = []
        for s in SCENARIOS:
            a, b = run.med("tuned", row, s), run.med("default", row, s)
            cells.append(fmt_ratio(a / b if a is not None and b else None))
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    for _, _, ours, ref, scen, _, _ in run.pairs:
        for row in (ours, ref):
            a, b = run.med("tuned", row, scen), run.med("default", row, scen)
            if a is not None or b is not None:
                lines.append(f"| {row} ({SHORT[scen]}) | " + " | ".join(
                    fmt_ratio(a / b if a is not None and b else None) if s == scen else "" for s in SCENARIOS) + " |")
    return lines


def problems(run):
    out = []
    for rec in run.records:
        scen = rec.get("scenario", "")
        where = f"round {rec.get('round')} {rec.get('variant')} {rec.get('proc')} {scen}"
        if scen.startswith("check-") and rec.get("rc") != 0:
            out.append(f"{where}: functional check failed (see the load log)")
        elif scen == "start" and rec.get("rc") != 0:
            out.append(f"{where}: the server did not start")
        elif scen in MEASURED or scen.startswith("warmup"):
            if rec.get("rc") != 0:
                out.append(f"{where}: tool exit code {rec.get('rc')}")
            elif not isinstance(rec.get("result"), dict):
                out.append(f"{where}: no result")
            elif errors(rec):
                out.append(f"{where}: {errors(rec)} errors")
    return out


def appendix(run, variant):
    rounds = sorted({r.get("round") for r in run.records if r.get("variant") == variant})
    lines = ["| server | scenario | " + " | ".join(f"round {n}" for n in rounds) + " | median | server CPU |",
             "| --- | --- |" + " ---: |" * len(rounds) + " ---: | ---: |"]
    for row in run.rows + run.pair_rows:
        for scen in SCENARIOS + ["h2"]:
            recs = run.by_key[(variant, row, scen)]
            if not recs:
                continue
            by_round = {r.get("round"): r for r in recs}
            cells = []
            for n in rounds:
                rec = by_round.get(n)
                if rec is None:
                    cells.append("")
                    continue
                v = figure(rec, run.stream_bytes)
                flag = "!" if v is None or errors(rec) else ""
                cells.append(fmt(v, scen) + flag)
            cpu = run.cpu_pct(variant, row, scen, "server_cpu_s")
            cpu_cell = "" if cpu is None or scen == "idle" else f"{cpu:.0f} %"
            lines.append(f"| {row} | {SHORT[scen]} | " + " | ".join(cells) + f" | {fmt(run.med(variant, row, scen), scen)} | {cpu_cell} |")
    return lines


def variant_title(run, variant):
    knob = "`DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1`"
    return "default runtime settings" if variant == "default" else f"tuned: {knob} for every .NET row"


def comparisons(run, variant):
    """The ratio and target tables, when the run has the asgibridge row and something to compare it with."""
    if "asgibridge" not in run.rows or len(run.rows) < 2:
        return []
    return (["Ratios (> 1 means AsgiBridge is faster; for idle memory, < 1 means it uses less):", ""]
            + ratio_table(run, variant) + [""] + targets_table(run, variant) + [""])


def summary(run):
    out = []
    for variant in run.variants:
        out += [f"### {variant_title(run, variant)}", ""]
        if run.rows:
            out += main_table(run, variant) + [""]
        out += comparisons(run, variant)
        out += pairs_section(run, variant)
    return out


def full(run):
    m = run.meta
    quick = m.get("mode") == "quick"
    out = ["# AsgiBridge load benchmark results", ""]
    if quick:
        out += ["> **Smoke run (`--quick`)**: 1 round of a few seconds per scenario. These figures only show that",
                "> the harness works; they are not measurements. Run `bench/run.sh` for real numbers.", ""]
    out += [
        f"- **Date (UTC):** {m.get('date_utc', '?')}; **commit:** `{m.get('commit', '?')}` "
        f"({m.get('commit_dirty', '?')}); **mode:** {m.get('mode', '?')}, {m.get('rounds', '?')} interleaved round(s), "
        f"{m.get('duration', '?')} s per scenario; rows: {m.get('only', 'all')}",
        f"- **Machine:** {m.get('cpu', '?')}, {m.get('cpus', '?')} CPUs, {m.get('memory', '?')}; {m.get('os', '?')}; "
        f"{m.get('kernel', '?')}",
        f"- **Software:** .NET SDK {m.get('dotnet_sdk', '?')} ({m.get('dotnet_runtimes', '?')}); {m.get('wrk', '?')}; "
        f"{m.get('h2load', 'h2load ?')}; node {m.get('node', '?')}; {m.get('python', '?')}",
        f"- **Pinning:** server on CPU {m.get('server_cpu', '?')}, every load generator on CPU {m.get('load_cpu', '?')} "
        f"(`taskset`).",
        f"- **Inherited runtime environment:** {m.get('inherited_env') or 'none (no DOTNET_/COMPlus_/ASPNETCORE_ variables)'}",
        "",
        "Medians over rounds; throughput in requests/s (WebSocket: echo round trips/s), streams in MiB/s "
        f"(requests/s × 1 MiB), memory in KiB of anonymous RSS per idle connection. How this is measured and how to "
        "read it: [README.md](README.md).",
        "",
    ]
    for variant in run.variants:
        title = variant_title(run, variant)
        out += [f"## {title[:1].upper() + title[1:]}", ""]
        out += pairs_section(run, variant)
        if run.pairs:
            out += ["Latency and CPU of the issue-14 rows (h2load reports a mean, no percentiles; CPU in % of one "
                    "core, server / load generator):", ""] + pairs_detail_table(run, variant) + [""]
        if not run.rows:
            continue
        out += main_table(run, variant) + [""]
        out += comparisons(run, variant)
        out += ["Latency (medians of each round's percentiles; wrk's include its coordinated-omission "
                "correction, the WebSocket client's are raw round trips):", ""]
        out += latency_table(run, variant) + [""]
        out += ["CPU use during the load, % of one core (server / load generator); a server well below ~95 % "
                "was not saturated, a load generator near 100 % was the limit:", ""]
        out += cpu_table(run, variant) + [""]
    if "tuned" in run.variants and "default" in run.variants:
        out += ["## Tuned / default (same run)", ""] + tuned_gain_table(run) + [""]
    issues = problems(run)
    if issues:
        out += ["## Problems seen in this run", ""] + [f"- {p}" for p in issues] + [""]
    notes = [
        f"- Each round starts every server once, in a fixed interleaved order (asgibridge, asgibridge-log, raw, kestrel for "
        f"HTTP; asgibridge, kestrel-ws for WebSocket; asgibridge `--app demo`, kestrel for the download), "
        f"each as a fresh process pinned to CPU {m.get('server_cpu', '?')}, started with `exec` so the recorded "
        "PID is the server's own, checked to own the listening socket, and stopped by that PID (SIGTERM, SIGKILL "
        "after 10 s).",
        f"- HTTP process: functional checks (`GET /` body, 1 MiB POST), then idle memory ({m.get('idle_conns', '?')} "
        f"connections after {m.get('idle_prime', '?')} priming requests, held {m.get('idle_hold', '?')} s), a "
        f"{m.get('warmup', '?')} s keep-alive warm-up, then plaintext (`wrk -t1 -c{m.get('conns', '?')}`), "
        f"pipelined (×{m.get('pipeline_depth', '?')}), close (`Connection: close`), a {m.get('short_warmup', '?')} s "
        f"upload warm-up and upload (`wrk -t1 -c{m.get('stream_conns', '?')}`, POST / with a 1 MiB body the app "
        "ignores).",
        f"- WebSocket process: {m.get('warmup', '?')} s HTTP warm-up, {m.get('short_warmup', '?')} s echo warm-up, "
        f"then `tools/ws-echo-load.js` ({m.get('ws_conns', '?')} connections, {m.get('ws_size', '?')}-byte binary "
        "messages, one in flight per connection, no permessage-deflate).",
        f"- Download process: `GET {m.get('download_path', '?')}` (16 × 64 KiB written one by one, chunked) with "
        f"`wrk -t1 -c{m.get('stream_conns', '?')}` after a warm-up; AsgiBridge serves it from its demo app, "
        "kestrel from the same loop over `Response.Body.WriteAsync`.",
    ] if run.rows else [
        f"- Each server is a fresh process per round, pinned to CPU {m.get('server_cpu', '?')}, started with `exec` so "
        "the recorded PID is the server's own, checked to own the listening socket, and stopped by that PID "
        "(SIGTERM, SIGKILL after 10 s).",
    ]
    if run.pairs:
        notes += [
            f"- Issue-14 pairs, each server a fresh process per round after the other rows: `h2load "
            f"-c{m.get('h2_conns', '?')} -m{m.get('h2_streams', '?')} -t1 -D {m.get('duration', '?')} --warm-up-time 1` "
            f"(after a {m.get('h2_warmup', m.get('warmup', '?'))} s h2load warm-up) against the host's `--app hello` on https (self-signed "
            "certificate, ALPN h2) and `kestrel-h2` (`app.Run`, TLS, Http1AndHttp2), then against the host with "
            "`Asgi:Protocols=Http2` on cleartext and `kestrel-h2c` (prior knowledge); both answer the same 200 "
            "`text/plain` 13-byte response (checked). The host runs with its access log off and ASP.NET Core's "
            "per-request `Microsoft.AspNetCore.Hosting.Diagnostics` lines raised to Warning, so no row logs per request.",
            "- `MapAsgi` vs `MapGet`: one ASP.NET Core process (`RefServers aspnetcore`, HTTP/1.1) with both endpoints "
            f"answering the same bytes (checked), each warmed {m.get('warmup', '?')} s, then `wrk -t1 "
            f"-c{m.get('conns', '?')}` on each, the first one alternating by round.",
        ]
    out += ["## Method notes", ""] + notes + [
        "- Every load runs under `timeout` on the load CPU; server CPU time comes from `/proc/PID/stat`, the load "
        "generator's from `/usr/bin/time`. Pipelined latencies are not reported (wrk records one sample per batch).",
        "",
        "## Appendix: per-round figures",
        "",
        "`!` marks a round whose tool reported errors or no result (see the load logs under the run directory).",
        "",
    ]
    for variant in run.variants:
        out += [f"### {variant_title(run, variant)}", ""] + appendix(run, variant) + [""]
    out += [f"Raw data: `{run.dir.name}/results.jsonl` (one JSON line per server × scenario × round) under "
            "`bench/results/` on the machine that ran it.", ""]
    return out


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    run = Run(Path(args[0]).resolve())
    lines = summary(run) if "--summary" in argv else full(run)
    print("\n".join(lines).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
