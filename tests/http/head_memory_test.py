#!/usr/bin/python3
"""Oversized request heads leave no memory behind (issue 11, point 3): the
adapter binary (--simulate) is sent 16 heads of 16 MiB each (2,048 header
lines of 8 KB), 4 connections at a time. Each must be cut off (431, or a reset
once the adapter stopped reading), never answered 200; /health still answers;
and the process's RSS must be back within 8 MiB of what it was before.

usage: head_memory_test.py ADAPTER_BINARY
"""
import os
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support", "py"))
from adapter_process import Adapter  # noqa: E402

HEAD_BYTES = 16 * 1024 * 1024
CONNECTIONS = 16
AT_ONCE = 4
SLACK_KIB = 8 * 1024
LINE = b"X-Filler: " + b"f" * 8000 + b"\r\n"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def oversized_head(port, outcomes):
    """Sends one oversized head; records the status answered, or 'reset'."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: a\r\n")
        chunk = LINE * 64
        sent = 0
        while sent < HEAD_BYTES:
            sock.sendall(chunk)
            sent += len(chunk)
        sock.sendall(b"\r\n")
    except OSError:
        pass  # the adapter stopped reading and closed
    try:
        answer = sock.recv(64)
        outcomes.append(int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else "closed")
    except OSError:
        outcomes.append("reset")
    finally:
        sock.close()


def health(base):
    with urllib.request.urlopen(base + "/health", timeout=5) as response:
        return response.status


with Adapter(sys.argv[1], "--simulate") as adapter:
    port = int(adapter.base.rsplit(":", 1)[1])
    pid = adapter.pid
    for _ in range(20):
        health(adapter.base)
    before = rss_kib(pid)
    outcomes = []
    started = time.monotonic()
    for first in range(0, CONNECTIONS, AT_ONCE):
        threads = [threading.Thread(target=oversized_head, args=(port, outcomes)) for _ in range(AT_ONCE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    print(f"{CONNECTIONS} heads of {HEAD_BYTES // 1024} KiB in {time.monotonic() - started:.1f} s: {outcomes}")
    check(len(outcomes) == CONNECTIONS, "every connection ended within its bound")
    check(200 not in outcomes, "no oversized head was served")
    check(all(o in (431, "reset", "closed") for o in outcomes), "each was answered 431 or cut off")
    check(health(adapter.base) == 200, "/health answers afterwards")
    after = rss_kib(pid)
    for _ in range(50):  # let freed memory go back (bounded: 5 s)
        if after <= before + SLACK_KIB:
            break
        time.sleep(0.1)
        after = rss_kib(pid)
    print(f"RSS before {before} KiB, after {after} KiB")
    check(after <= before + SLACK_KIB, f"RSS back within {SLACK_KIB} KiB of its baseline")

sys.exit(1 if failures else 0)
