#!/usr/bin/python3
"""System calls per request, the adapter beside the chain (docs/performance.md, "System calls").

For the adapter (voip-migration-adapter against voip-migration-sim, the benchmark's flags) and for
the chain's front server (voip-bench-reference --pass-through-to, against its backend), each a
fresh process: warm-up requests, then `strace -c -f -p PID` attached while N1 and then N2
sequential success requests are sent on one keep-alive connection. Calls per request per system
call = (calls in the N2 window - calls in the N1 window) / (N2 - N1), so what does not depend on
the request count (attaching, timers) cancels out. Prints a Markdown table; standard library only.

usage: bench/syscalls.py [--build build] [--adapter BIN] [--requests N1 N2] [--out results]
"""

import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench  # noqa: E402 - the benchmark's process helpers and request loop

WARMUP_REQUESTS = 100


def strace_counts(path):
    """{syscall: calls} from an `strace -c` summary."""
    counts = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 5 or not fields[0][0].isdigit() or fields[-1] == "total":
                continue
            counts[fields[-1]] = int(fields[3])
    return counts


def traced_window(pid, port, requests, out):
    """Counts of the system calls process `pid` (all its threads) makes while serving `requests`."""
    tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", out],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # strace attaches to every thread before the window starts
    statuses = run_bench.sequential_requests(port, requests)
    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=60)
    if statuses != {200: requests}:
        raise RuntimeError(f"answered {statuses}")
    return strace_counts(out)


def per_request(server, port, args, label):
    run_bench.sequential_requests(port, WARMUP_REQUESTS)
    n1, n2 = args.requests
    c1 = traced_window(server.pid, port, n1, os.path.join(args.out, f"strace-{label}-{n1}.txt"))
    c2 = traced_window(server.pid, port, n2, os.path.join(args.out, f"strace-{label}-{n2}.txt"))
    return {name: (c2.get(name, 0) - c1.get(name, 0)) / (n2 - n1) for name in set(c1) | set(c2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build")
    parser.add_argument("--adapter", default="")
    parser.add_argument("--out", default="results")
    parser.add_argument("--requests", type=int, nargs=2, default=[200, 1200])
    parser.add_argument("--threads", type=int, default=320)
    parser.add_argument("--sim-threads", type=int, default=700)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    sim = run_bench.start_sim(args.build, 0, args.sim_threads, args.out, "0")
    try:
        adapter = run_bench.start_adapter(args, sim.port, os.path.join(args.out, "syscalls-adapter.log"))
        try:
            adapter_calls = per_request(adapter, adapter.port, args, "adapter")
        finally:
            adapter.stop()
    finally:
        sim.stop()
    backend = run_bench.start_reference(args, threads=args.sim_threads, as_backend=True, name="chain-backend")
    try:
        chain = run_bench.start_reference(args, pass_through_to=f"http://127.0.0.1:{backend.port}", name="chain")
        try:
            chain_calls = per_request(chain, chain.port, args, "chain")
        finally:
            chain.stop()
    finally:
        backend.stop()

    names = sorted(set(adapter_calls) | set(chain_calls), key=lambda n: -max(adapter_calls.get(n, 0),
                                                                                chain_calls.get(n, 0)))
    print(f"| system call | adapter / request | chain / request | adapter − chain |")
    print("| --- | ---: | ---: | ---: |")
    for name in names:
        a, c = adapter_calls.get(name, 0), chain_calls.get(name, 0)
        if abs(a) < 0.05 and abs(c) < 0.05:
            continue
        print(f"| `{name}` | {a:.2f} | {c:.2f} | {a - c:+.2f} |")
    print(f"| **total** | {sum(adapter_calls.values()):.2f} | {sum(chain_calls.values()):.2f} | "
          f"{sum(adapter_calls.values()) - sum(chain_calls.values()):+.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
