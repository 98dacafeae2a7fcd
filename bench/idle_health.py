#!/usr/bin/python3
"""How long GET /health takes while other connections sit idle or drip.

Starts the adapter binary given (`--simulate`, loopback, a free port, any
extra adapter flags after `--`), opens IDLE TCP connections that send nothing
and SLOW connections that send the start of a request head and then one byte
per second, and then times GET /health on a new connection PROBES times, one
every 200 ms, each given at most --limit seconds. Prints one line per scenario:
the slowest, the median and how many probes failed (no answer within the
limit). Standard library only; Debian's /usr/bin/python3.

  bench/idle_health.py build/voip-migration-adapter --idle 0,63,64,2000 --slow 0,300
"""

import argparse
import re
import socket
import subprocess
import sys
import threading
import time


def start_adapter(binary, extra):
    proc = subprocess.Popen([binary, "--simulate", "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0"] + extra,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline().decode(errors="replace")
        m = re.search(r"listening on https?://[^:]+:(\d+)", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
            return proc, int(m.group(1))
    proc.kill()
    sys.exit("the adapter did not start")


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    return s


def probe(port, limit):
    """Seconds GET /health took on a new connection, or None past `limit`."""
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=limit)
        s.settimeout(max(0.01, limit - (time.monotonic() - start)))
        s.sendall(b"GET /health HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        answer = b""
        while b'"UP"' not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        s.close()
        if b'"UP"' in answer:
            return time.monotonic() - start
    except OSError:
        pass
    return None


def scenario(port, idle, slow, probes, limit):
    held = [connect(port) for _ in range(idle)]
    dripping = [connect(port) for _ in range(slow)]
    for s in dripping:
        try:
            s.send(b"GET /health HTTP/1.1\r\nHost: slow\r\nX-Slow: ")
        except OSError:
            pass
    stop = threading.Event()

    def drip():
        while not stop.wait(1.0):
            for s in dripping:
                try:
                    s.send(b"x")
                except OSError:
                    pass

    dripper = threading.Thread(target=drip)
    dripper.start()
    time.sleep(0.2)  # let the adapter take them all
    took = []
    for _ in range(probes):
        took.append(probe(port, limit))
        time.sleep(0.2)
    stop.set()
    dripper.join()
    for s in held + dripping:
        s.close()
    answered = sorted(t for t in took if t is not None)
    slowest = f"{answered[-1] * 1000:.1f} ms" if answered else "-"
    median = f"{answered[len(answered) // 2] * 1000:.1f} ms" if answered else "-"
    print(f"idle={idle} slow={slow}: /health slowest {slowest}, median {median}, "
          f"unanswered within {limit:g} s: {len(took) - len(answered)}/{len(took)}", flush=True)
    time.sleep(1.5)  # let the adapter close them before the next scenario


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--idle", default="0,63,64,200")
    parser.add_argument("--slow", default="0")
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--limit", type=float, default=5.0)
    parser.add_argument("extra", nargs="*", help="adapter flags, after --")
    args = parser.parse_args()
    proc, port = start_adapter(args.binary, args.extra)
    try:
        for idle in [int(n) for n in args.idle.split(",")]:
            for slow in [int(n) for n in args.slow.split(",")]:
                scenario(port, idle, slow, args.probes, args.limit)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
