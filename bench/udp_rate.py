#!/usr/bin/env python3
"""Datagram rates through a path, for 64-byte and 1,200-byte datagrams (iperf3 -u).

  udp_rate.py ENTRY --path NAME [--echo PORT] [--sizes 64,1200] [--rates 10000,50000]
  udp_rate.py --report FILE...      # a Markdown table of earlier results

ENTRY is the path's entry port for the harness's iperf3 service (TCP for iperf3's control
connection, UDP for its datagrams). For each size it measures, each direction (-R: service to
peer) on its own, for --duration seconds:

  max       iperf3 -b 0: the sender offers as much as it can; what arrives, in datagrams/s
            and Mbit/s of payload, and the loss.
  RATE      iperf3 paced at RATE datagrams/s: what arrives, and the loss.

Then, with --echo (the path's entry for a UDP echo service), 5,000 ping-pongs of 64 bytes on one
socket, after all the above: the harness measures the same, but before a JIT-compiled relay has
seen any UDP; this is the warm figure.

A search for the highest rate without loss was tried and dropped: with short trials the
buffers absorb an overload and the answer jumped around between runs.

Everything shares the machine's cores: sender, relays and receiver. Emits one JSON line per
measurement. Python 3 standard library only.
"""
import argparse
import json
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"


# Between runs: a relay that queues (in its sockets, in a TCP connection) still delivers the last
# run's tail for a moment, and iperf3 takes the first datagram on its port as the next stream.
DRAIN_SECONDS = 2


def iperf(port, size, seconds, reverse, rate):
    cmd = ["iperf3", "-c", HOST, "-p", str(port), "-u", "-l", str(size), "-b", rate,
           "-t", str(seconds), "-J", "--connect-timeout", "5000"]
    if reverse:
        cmd.append("-R")
    for attempt in range(3):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
            out = json.loads(p.stdout) if p.stdout.strip() else {}
        except (subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            out = {"error": str(e)}
        time.sleep(DRAIN_SECONDS)
        if "end" in out and "sum_received" in out["end"]:
            r = out["end"]["sum_received"]
            sent = out["end"].get("sum_sent", r)
            packets = r["packets"]
            received = packets - r["lost_packets"]
            return {"offered_pps": round(packets / max(sent["seconds"], 1e-9)),
                    "received_pps": round(received / max(r["seconds"], 1e-9)),
                    "mbps": round(received * size * 8 / max(r["seconds"], 1e-9) / 1e6, 1),
                    "lost_percent": round(100.0 * r["lost_packets"] / max(packets, 1), 2)}
        print(f"iperf3 attempt {attempt + 1} failed: {out.get('error')}", file=sys.stderr)
        time.sleep(2)
    raise SystemExit(f"iperf3 failed 3 times: {' '.join(cmd)}")


def cpu_busy_percent():
    """How busy all CPUs were over one second, from /proc/stat: the machine may be shared."""
    def sample():
        v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return sum(v), v[3] + v[4]
    total0, idle0 = sample()
    time.sleep(1)
    total1, idle1 = sample()
    return round(100 * (1 - (idle1 - idle0) / max(1, total1 - total0)), 1)


def measure(a):
    print(json.dumps({"test": "meta", "path": a.path, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                      "cpu_busy_before_pct": cpu_busy_percent(),
                      "loadavg": open("/proc/loadavg").read().split()[0]}), flush=True)
    if a.warmup > 0:
        iperf(a.entry, 1200, a.warmup, False, "0")
    for size in [int(s) for s in a.sizes.split(",")]:
        for reverse in (False, True):
            emit(a.path, "max", size, reverse, iperf(a.entry, size, a.duration, reverse, "0"))
            for pps in [int(r) for r in a.rates.split(",")]:
                r = iperf(a.entry, size, a.duration, reverse, str(pps * size * 8))
                emit(a.path, str(pps), size, reverse, r)
    if a.echo:
        print(json.dumps({"test": "udp_latency_warm", "path": a.path, "size": 64,
                          **ping_pong(a.echo)}), flush=True)


def ping_pong(port, count=5000, size=64):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    s.connect((HOST, port))
    payload = bytes(i & 0xFF for i in range(size))
    samples, lost = [], 0
    for _ in range(count):
        t0 = time.perf_counter()
        s.send(payload)
        try:
            if s.recv(65535) != payload:
                raise SystemExit("udp echo mismatch")
            samples.append((time.perf_counter() - t0) * 1e6)
        except socket.timeout:
            lost += 1
    s.close()
    samples.sort()
    pick = lambda q: round(samples[min(len(samples) - 1, int(q * len(samples)))], 1)
    return {"n": len(samples), "lost": lost, "p50_us": pick(0.5), "p90_us": pick(0.9),
            "p99_us": pick(0.99), "p999_us": pick(0.999)}


def emit(path, mode, size, reverse, r):
    print(json.dumps({"test": "udp_rate", "path": path, "mode": mode, "size": size,
                      "reverse": reverse, **r}), flush=True)


def report(files):
    rows = {}
    latency = {}
    paths = []
    for f in files:
        for line in open(f):
            r = json.loads(line)
            if r.get("test") == "meta":
                print(f"- {r['path']}: {r['date']}, CPUs {r['cpu_busy_before_pct']} % busy before"
                      f" the start, load average {r['loadavg']}")
            if r.get("test") == "udp_latency_warm":
                latency[r["path"]] = r
            if r.get("test") != "udp_rate":
                continue
            if r["path"] not in paths:
                paths.append(r["path"])
            rows[(r["mode"], r["size"], r["reverse"], r["path"])] = r
    print()
    print("| datagrams received [per second, Mbit/s of payload, loss] | " + " | ".join(paths) + " |")
    print("|---|" + "---:|" * len(paths))
    modes = sorted({k[0] for k in rows}, key=lambda m: (m != "max", int(m) if m.isdigit() else 0))
    for size in sorted({k[1] for k in rows}):
        for reverse in (False, True):
            way = "service to peer" if reverse else "peer to service"
            for mode in modes:
                label = "as fast as it goes (-b 0)" if mode == "max" else f"{int(mode):,}/s offered"
                cells = []
                for p in paths:
                    r = rows.get((mode, size, reverse, p))
                    cells.append("–" if r is None else
                                 f"{r['received_pps']:,}/s, {r['mbps']:,} Mbit/s, {r['lost_percent']} % lost")
                print(f"| {size} B, {way}, {label} | " + " | ".join(cells) + " |")
    if latency:
        for q in ("p50_us", "p99_us"):
            cells = [f"{latency[p][q]:,}" if p in latency else "–" for p in paths]
            print(f"| 64 B ping-pong after the above (warm), {q[:3]} [µs] | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("entry", nargs="?", type=int)
    ap.add_argument("--path", default="?")
    ap.add_argument("--echo", type=int, help="entry port of a UDP echo, for the warm ping-pong")
    ap.add_argument("--sizes", default="64,1200")
    ap.add_argument("--rates", default="10000,50000", help="offered datagrams/s, besides -b 0")
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--report", nargs="+")
    a = ap.parse_args()
    if a.report:
        report(a.report)
    elif a.entry:
        measure(a)
    else:
        ap.error("give ENTRY or --report FILE...")


main()
