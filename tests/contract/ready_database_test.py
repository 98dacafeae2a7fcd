#!/usr/bin/python3
"""GET /ready of the running adapter follows its database: 200 while the file it
opened is at its path and takes writes, 503 naming the database once its
directory is moved away, 200 again when it is back. /health stays 200 all along.
Loopback only, bounded (a few seconds).

usage: ready_database_test.py ADAPTER_BINARY
"""
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, http  # noqa: E402

ADAPTER = sys.argv[1]
DEADLINE_S = 10  # the check runs every 50 ms here; this only bounds a loaded machine


def wait_for_ready_status(base, wanted):
    """Polls /ready until it answers `wanted`; returns (status, body) of the last answer."""
    end = time.monotonic() + DEADLINE_S
    while True:
        status, _, raw = http("GET", base + "/ready")
        if status == wanted or time.monotonic() > end:
            return status, json.loads(raw)
        time.sleep(0.05)


def main():
    failures = []
    root = tempfile.mkdtemp(prefix="ready-test-")
    data, moved = os.path.join(root, "data"), os.path.join(root, "moved")
    os.mkdir(data)
    try:
        with Adapter(ADAPTER, "--simulate", "--database", os.path.join(data, "adapter.db"),
                     "--database-check-ms", "50") as adapter:
            status, body = wait_for_ready_status(adapter.base, 200)
            if (status, body) != (200, {"status": "READY"}):
                failures.append(f"at start: /ready answered {status} {body}")

            os.rename(data, moved)
            status, body = wait_for_ready_status(adapter.base, 503)
            reasons = body.get("reasons", [])
            if status != 503 or body.get("status") != "NOT_READY" or not any("adapter.db" in r for r in reasons):
                failures.append(f"database moved away: /ready answered {status} {body}")
            health, _, _ = http("GET", adapter.base + "/health")
            if health != 200:
                failures.append(f"database moved away: /health answered {health}, wanted 200")

            os.rename(moved, data)
            status, body = wait_for_ready_status(adapter.base, 200)
            if (status, body) != (200, {"status": "READY"}):
                failures.append(f"database back: /ready answered {status} {body}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for failure in failures:
        print("FAIL " + failure)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    sys.exit(1 if failures else 0)


main()
