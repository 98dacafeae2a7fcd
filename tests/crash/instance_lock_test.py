#!/usr/bin/python3
"""One adapter per database file, whatever name it is given: while a first
adapter runs a request (its attempt journalled, the work-order system slow),
a second one started on the same file through a symlink refuses to start,
says why, and touches nothing: the first request finishes with its order
number, MIDAS is told once that the work order was created, and once the
first adapter stops the outbox is empty. Loopback only, bounded (about 2 s).

usage: instance_lock_test.py ADAPTER_BINARY SIM_BINARY
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, Simulators, http, migration_request, post_json  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
SLOW_MS = 1000
TELEPHONE = "447700900003"  # the work-order system answers after SLOW_MS
WAIT_S = 10


def wait_for(condition, seconds=WAIT_S):
    """Polls `condition` every 20 ms for at most `seconds`; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def journalled(database):
    with sqlite3.connect(database) as db:
        return db.execute("SELECT work_order FROM outbox").fetchall()


def start_second(database, sim_base):
    """Starts a second adapter on `database`; (exit code or None if it started, what it wrote on stderr)."""
    proc = subprocess.Popen([ADAPTER, "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0", "--workorder-url", sim_base + "/workorder",
                             "--midas-url", sim_base + "/midas", "--auth", "none", "--database", database],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(WAIT_S, proc.kill)
    timer.start()
    text = ""
    for line in proc.stderr:  # until it exits, or says it is listening
        text += line
        if "listening on" in line:
            break
    timer.cancel()
    if proc.poll() is None and "listening on" in text:
        proc.terminate()
        proc.wait(timeout=WAIT_S)
        return None, text
    return proc.wait(timeout=WAIT_S), text


def main():
    failures = []
    data_dir = tempfile.mkdtemp(prefix="instance-lock-test-")
    database = os.path.join(data_dir, "adapter.db")
    alias = os.path.join(data_dir, "alias.db")
    try:
        with Simulators(SIM, "--slow-ms", str(SLOW_MS)) as sim, \
                Adapter(ADAPTER, "--workorder-url", sim.base + "/workorder", "--midas-url", sim.base + "/midas",
                        "--auth", "none", "--database", database, "--workorder-timeout-ms", "5000") as first:
            os.symlink(database, alias)
            answer = {}
            request = threading.Thread(target=lambda: answer.update(
                zip(("status", "body"), post_json(first.base, migration_request(TELEPHONE), timeout=WAIT_S))))
            request.start()
            if not wait_for(lambda: journalled(database) == [("attempting",)]):
                failures.append(f"the first adapter never journalled its attempt: {journalled(database)}")
            code, text = start_second(alias, sim.base)
            if code is None or code == 0:
                failures.append(f"a second adapter started on the same file through a symlink:\n{text}")
            elif "is in use by another adapter process" not in text:
                failures.append(f"the second adapter exited {code} without saying why:\n{text}")
            request.join(timeout=WAIT_S)
            order = answer.get("body", {}).get("CreateVOIPMigrationWorkOrder", {}).get("success", {}).get(
                "orderNumber")
            if answer.get("status") != 200 or not order:
                failures.append(f"the first adapter's request got {answer}, expected 200 with an order number")
            failures += midas_told_once(sim.base, order)
        if journalled(database) != []:  # the first adapter stopped cleanly: nothing left pending or unknown
            failures.append(f"the outbox still holds {journalled(database)} after the first adapter stopped")
    finally:
        subprocess.run(["rm", "-rf", data_dir], check=False)
    for failure in failures:
        print("FAIL " + failure)
    print(f"{1 - bool(failures)} passed, {int(bool(failures))} failed")
    return 1 if failures else 0


def midas_told_once(sim_base, order):
    """MIDAS got exactly one update: the work order created, with its number (no "adapter stopped")."""
    _, _, raw = http("GET", sim_base + "/__sim/received")
    updates = [(u["migrationStatus"], u["orderNumber"]) for u in json.loads(raw)["midasUpdates"]]
    if updates != [("WORK_ORDER_CREATED", order)]:
        return [f"MIDAS received {updates}, expected one WORK_ORDER_CREATED for {order}"]
    return []


if __name__ == "__main__":
    sys.exit(main())
