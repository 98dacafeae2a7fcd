#!/usr/bin/python3
"""The drain main runs on SIGTERM (docs/operations.md, "Graceful stop"):
- SIGTERM with drain-ready-grace-s 2: /ready turns 503 "draining" at once, a
  POST during the drain is still served (200, the work-order system called),
  the listener still accepts until the grace has passed and refuses new
  connections after it, exit 0, the `drain` log line;
- a second SIGTERM during the drain ends it at once (`drain_cut_short`);
- SIGINT (Ctrl-C) skips the drain.
Loopback only, bounded (every wait has a limit; about 4 s in all).

usage: drain_test.py ADAPTER_BINARY
"""
import json
import os
import signal
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, http, migration_request, post_json  # noqa: E402

ADAPTER = sys.argv[1]
TELEPHONE = "447874384949"
GRACE_S = 2
WAIT_S = 10


def log_lines(path):
    with open(path, encoding="utf-8") as log:
        return [json.loads(line) for line in log if line.startswith("{")]


def wait_for(condition, seconds=WAIT_S):
    """Polls `condition` every 10 ms for at most `seconds`; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def accepting(base):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", int(base.rsplit(":", 1)[1]))) == 0


def ready_status(base):
    try:
        status, _, body = http("GET", base + "/ready", timeout=2)
        return status, json.loads(body)
    except OSError:
        return None, None


def exit_code(adapter, seconds=WAIT_S):
    try:
        return adapter._proc.wait(timeout=seconds)
    except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
        return "none (still running)"


def drain_then_stop():
    """SIGTERM: /ready 503 first, requests still served, the listener closed only after the grace."""
    failures = []
    with tempfile.NamedTemporaryFile("w+", prefix="drain-test-", suffix=".log") as log:
        with Adapter(ADAPTER, "--simulate", "--drain-ready-grace-s", str(GRACE_S), log=log) as adapter:
            signalled = time.monotonic()
            adapter._proc.send_signal(signal.SIGTERM)
            if not wait_for(lambda: ready_status(adapter.base) == (503, {"status": "NOT_READY",
                                                                         "reasons": ["draining"]})):
                failures.append(f"/ready never said draining after SIGTERM: {ready_status(adapter.base)}")
            status, body = post_json(adapter.base, migration_request(TELEPHONE), timeout=5)
            order = body.get("CreateVOIPMigrationWorkOrder", {}).get("success", {}).get("orderNumber")
            _, _, raw = http("GET", adapter.sim_base + "/__sim/received", timeout=5)
            created = [w["orderNumber"] for w in json.loads(raw)["workOrders"]]
            if status != 200 or created != [order]:
                failures.append(f"a POST while draining got {status} {body}; work orders created {created}")
            still_open = accepting(adapter.base)
            before_grace = time.monotonic() - signalled < GRACE_S - 0.2
            if before_grace and not still_open:
                failures.append("the listener closed before the grace period was over")
            if not wait_for(lambda: not accepting(adapter.base), GRACE_S + 5):
                failures.append(f"still accepting connections {GRACE_S + 5} s after SIGTERM")
            closed_after = time.monotonic() - signalled
            if closed_after < GRACE_S - 0.2:
                failures.append(f"the listener closed {closed_after:.1f} s after SIGTERM, before the {GRACE_S} s grace")
            code = exit_code(adapter)
            if code != 0:
                failures.append(f"exit code {code} after the drain, expected 0")
        drains = [line for line in log_lines(log.name) if line.get("event") == "drain"]
        if [line.get("graceS") for line in drains] != [GRACE_S]:
            failures.append(f"expected one drain log line with graceS {GRACE_S}, got {drains}")
    return failures


def stop_during_drain(second_signal, expected_event):
    """Grace 30 s; `second_signal` ends it (None: the first signal is SIGINT, which skips it)."""
    failures = []
    first = signal.SIGTERM if second_signal else signal.SIGINT
    with tempfile.NamedTemporaryFile("w+", prefix="drain-test-", suffix=".log") as log:
        with Adapter(ADAPTER, "--simulate", "--drain-ready-grace-s", "30", log=log) as adapter:
            signalled = time.monotonic()
            adapter._proc.send_signal(first)
            if second_signal:
                if not wait_for(lambda: ready_status(adapter.base)[0] == 503):
                    failures.append("/ready never turned 503 after SIGTERM")
                adapter._proc.send_signal(second_signal)
            code = exit_code(adapter, 5)
            if code != 0:
                failures.append(f"{first.name} then {second_signal}: exit code {code} within 5 s, expected 0")
            took = time.monotonic() - signalled
        events = [line.get("event") for line in log_lines(log.name)]
        if expected_event not in events or (expected_event == "stop" and "drain" in events):
            failures.append(f"{first.name} then {second_signal}: events {events}, expected {expected_event}"
                            f" (exited after {took:.1f} s)")
    return failures


def main():
    failures = drain_then_stop()
    failures += stop_during_drain(signal.SIGTERM, "drain_cut_short")
    failures += stop_during_drain(None, "stop")
    for failure in failures:
        print("FAIL " + failure)
    print(f"{len(failures)} failures in 3 cases" if failures else "3 passed, 0 failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
