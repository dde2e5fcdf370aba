#!/usr/bin/env python3
"""The targets of issue 6, checked against one sitting's results.

  targets.py RESULTS_DIR [PIPE_PATH ...]     (default paths: pipe pipe-notls)

Reads RESULTS_DIR/haproxy-2hop.jsonl (the yardstick), each pipe path's file and, for new
connections without the pool, pipe-nopool.jsonl; prints one Markdown table per pipe path:
metric, haproxy-2hop, pipe, pipe / haproxy, the target, met or not. Exit status 0 even when a
target is missed: this reports, it does not judge a run.
"""
import json
import os
import statistics
import sys


def load(results, path):
    file = os.path.join(results, path + ".jsonl")
    if not os.path.exists(file):
        return []
    with open(file) as f:
        return [json.loads(line) for line in f if line.strip()]


def throughput(rows, streams, reverse):
    runs = [r for r in rows if r["test"] == "throughput" and r.get("proto") == "tcp"
            and r["streams"] == streams and r["reverse"] == reverse]
    if not runs:
        return None, None
    return (statistics.mean(r["gbps"] for r in runs),
            statistics.mean(r["relay_cpu_s_per_gb"] for r in runs))


def first(rows, test, **match):
    for r in rows:
        if r["test"] == test and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def fmt(value, digits=1):
    return "–" if value is None else f"{value:,.{digits}f}"


def row(metric, base, ours, higher_is_better, factor=1.0, digits=1, note=""):
    if base is None or ours is None:
        return f"| {metric} | {fmt(base, digits)} | {fmt(ours, digits)} | – | – | not measured |"
    ratio = ours / base if base else float("nan")
    if higher_is_better:
        target, met = f"≥ {factor:g}× haproxy", ours >= base * factor
    else:
        target, met = f"≤ {factor:g}× haproxy", ours <= base * factor
    return (f"| {metric} | {fmt(base, digits)} | {fmt(ours, digits)} | {ratio:.2f} | {target} | "
            f"{'**met**' if met else '**not met**'}{note} |")


def table(results, name, haproxy, nopool):
    ours = load(results, name)
    if not ours:
        print(f"(no results for {name})\n")
        return
    meta = first(ours, "meta") or {}
    print(f"### {name}: {meta.get('desc', '')}\n")
    print("| metric | haproxy-2hop | " + name + " | ratio | target | |")
    print("|---|---:|---:|---:|---|---|")
    for streams in (1, 8):
        for reverse in (False, True):
            label = f"TCP throughput, {streams} stream{'s' if streams > 1 else ''}" + (
                ", reverse" if reverse else "") + " [Gbit/s]"
            base, base_cpu = throughput(haproxy, streams, reverse)
            value, cpu = throughput(ours, streams, reverse)
            note = "" if cpu is None else f" (CPU {cpu:.2f} s/GB vs {fmt(base_cpu, 2)})"
            print(row(label, base, value, True, note=note))
    for q in ("p50", "p99"):
        b, o = first(haproxy, "latency", proto="tcp"), first(ours, "latency", proto="tcp")
        print(row(f"latency 64 B round trip {q} [µs]", b and b[f"{q}_us"], o and o[f"{q}_us"],
                  False, 1.1))
    for label, source in (("pool on", ours), ("pool off", nopool)):
        if source is ours or source:
            for workers in (1, 16):
                b = first(haproxy, "connrate", workers=workers)
                o = first(source, "connrate", workers=workers)
                print(row(f"new connections, {workers} worker{'s' if workers > 1 else ''}, "
                          f"{label} [conn/s]", b and b["conns_per_s"], o and o["conns_per_s"], True))
                print(row(f"connect → first byte p99, {workers} worker{'s' if workers > 1 else ''}, "
                          f"{label} [µs]", b and b["fb_p99_us"], o and o["fb_p99_us"], False))
    scale = first(ours, "scale", k=5000)
    if scale:
        per_conn = scale["rss_kb_per_conn"]
        met = "**met**" if per_conn <= 16 else "**not met**"
        print(f"| 5,000 held connections: RSS per connection [KiB] | "
              f"{fmt((first(haproxy, 'scale', k=5000) or {}).get('rss_kb_per_conn'))} | "
              f"{per_conn:.1f} | – | ≤ 16 | {met} |")
    errors = sum(r.get("errors", 0) for r in ours if r["test"] == "connrate")
    lost = sum(r.get("lost", 0) for r in ours if r["test"] == "latency")
    short = sum(r["k"] - r["opened"] for r in ours if r["test"] == "scale")
    clean = errors == 0 and lost == 0 and short == 0
    print(f"| errors: failed connections / lost round trips / connections not opened | | "
          f"{errors} / {lost} / {short} | | 0 | {'**met**' if clean else '**not met**'} |")
    print()


def main():
    results = sys.argv[1]
    names = sys.argv[2:] or ["pipe", "pipe-notls"]
    haproxy = load(results, "haproxy-2hop")
    if not haproxy:
        sys.exit(f"targets.py: no {results}/haproxy-2hop.jsonl; run haproxy-2hop in the same sitting")
    nopool = load(results, "pipe-nopool")
    for name in names:
        table(results, name, haproxy, nopool)


main()
