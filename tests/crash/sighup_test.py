#!/usr/bin/python3
"""SIGHUP (and SIGPIPE) do not stop the adapter: after both, it logs that it
ignored SIGHUP, still creates a work order (200, an order number, the
work-order system called), and a later SIGTERM still stops it cleanly (exit 0,
the `stop` log line). Loopback only, bounded (every wait has a limit).

usage: sighup_test.py ADAPTER_BINARY
"""
import json
import os
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, http, migration_request, post_json  # noqa: E402

ADAPTER = sys.argv[1]
TELEPHONE = "447700900123"
WAIT_S = 10


def log_events(path):
    with open(path, encoding="utf-8") as log:
        return [json.loads(line).get("event") for line in log if line.startswith("{")]


def wait_for(condition, what):
    """Polls `condition` every 20 ms for at most WAIT_S seconds; False (and says so) when it never held."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    print(f"gave up after {WAIT_S} s waiting for {what}")
    return False


def main():
    failures = []
    with tempfile.NamedTemporaryFile("w+", prefix="sighup-test-", suffix=".log") as log:
        adapter = Adapter(ADAPTER, "--simulate", "--auth", "none", log=log)
        try:
            os.kill(adapter._proc.pid, signal.SIGPIPE)
            os.kill(adapter._proc.pid, signal.SIGHUP)
            wait_for(lambda: adapter._proc.poll() is not None or "signal_ignored" in log_events(log.name),
                     "the adapter to log signal_ignored or exit")
            if adapter._proc.poll() is not None:
                failures.append(f"the adapter exited with {adapter._proc.returncode} after SIGPIPE and SIGHUP")
            else:
                failures += still_serves(adapter)
                adapter._proc.terminate()
                try:
                    code = adapter._proc.wait(timeout=WAIT_S)
                except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
                    code = "none (still running)"
                if code != 0:
                    failures.append(f"SIGTERM after SIGHUP: exit code {code}, expected 0")
                if "stop" not in log_events(log.name):
                    failures.append(f"no stop log line after SIGTERM: events {log_events(log.name)}")
        finally:
            adapter.stop()
    for failure in failures:
        print("FAIL " + failure)
    print(f"{1 - bool(failures)} passed, {int(bool(failures))} failed")
    return 1 if failures else 0


def still_serves(adapter):
    """A create after the signals: 200 with an order number, and the work-order system received it."""
    status, body = post_json(adapter.base, migration_request(TELEPHONE), timeout=WAIT_S)
    order = body.get("CreateVOIPMigrationWorkOrder", {}).get("success", {}).get("orderNumber")
    if status != 200 or not order:
        return [f"after SIGHUP a create got {status} {body}, expected 200 with an order number"]
    _, _, raw = http("GET", adapter.sim_base + "/__sim/received")
    received = json.loads(raw)["workOrders"]
    if [(w["telephoneNumber"], w["orderNumber"]) for w in received] != [(TELEPHONE, order)]:
        return [f"the work-order system received {received}, expected one work order {order}"]
    return []


if __name__ == "__main__":
    sys.exit(main())
