#!/usr/bin/python3
"""Crash test: kill -9 the adapter after the work order is created and while
MIDAS is still answering; restart it on the same database; MIDAS receives the
update from the restarted process, and the work order is created only once.

The simulators run as their own process (voip-migration-sim), MIDAS answering
the trigger 447700900008 after --slow-ms. Loopback only, bounded (about 5 s).

usage: crash_test.py ADAPTER_BINARY SIM_BINARY
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, migration_request, post_json  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
SLOW_MS = 1500
TELEPHONE = "447700900008"  # MIDAS answers after SLOW_MS


def received(sim_base):
    with urllib.request.urlopen(sim_base + "/__sim/received", timeout=5) as response:
        return json.loads(response.read())


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def main():
    failures = []
    data_dir = tempfile.mkdtemp(prefix="crash-test-")
    database = os.path.join(data_dir, "adapter.db")
    sim = subprocess.Popen([SIM, "--listen", "127.0.0.1:0", "--slow-ms", str(SLOW_MS)], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    adapter = None
    try:
        sim_base = sim.stdout.readline().split("listening on ")[1].split()[0]
        args = ["--workorder-url", sim_base + "/workorder", "--midas-url", sim_base + "/midas", "--auth", "none",
                "--database", database, "--midas-timeout-ms", "5000", "--outbox-poll-ms", "100"]
        adapter = Adapter(ADAPTER, *args)
        request = threading.Thread(target=lambda: post_ignoring_errors(adapter.base), daemon=True)
        request.start()
        if not wait_for(lambda: received(sim_base)["midasUpdates"], 5):
            failures.append("MIDAS never heard from the first process")
        adapter._proc.kill()  # kill -9 while MIDAS is still answering
        adapter._proc.wait()
        orders = received(sim_base)["workOrders"]
        order_number = orders[0]["orderNumber"] if orders else None

        rows = sqlite3.connect(database).execute(
            "SELECT work_order, delivery, order_number FROM outbox").fetchall()
        if rows != [("created", "pending", order_number)]:
            failures.append(f"after the crash the outbox holds {rows}, expected the pending update of {order_number}")

        adapter = Adapter(ADAPTER, *args)  # restart on the same database
        def delivered_again():
            updates = [u for u in received(sim_base)["midasUpdates"] if u["orderNumber"] == order_number]
            return len(updates) >= 2 and not sqlite3.connect(database).execute("SELECT 1 FROM outbox").fetchall()
        if not wait_for(delivered_again, 10):
            failures.append("the restarted adapter did not deliver the pending MIDAS update")
        final = received(sim_base)
        last = [u for u in final["midasUpdates"] if u["orderNumber"] == order_number][-1:]
        if not last or last[0]["migrationStatus"] != "WORK_ORDER_CREATED":
            failures.append(f"MIDAS's last update is {last}, expected WORK_ORDER_CREATED {order_number}")
        if len(final["workOrders"]) != 1:
            failures.append(f"{len(final['workOrders'])} work orders were created, expected exactly 1")
    finally:
        if adapter:
            adapter.stop()
        sim.terminate()
        sim.wait(timeout=10)
        subprocess.run(["rm", "-rf", data_dir], check=False)
    for failure in failures:
        print("FAIL " + failure)
    print(f"{1 - bool(failures)} passed, {int(bool(failures))} failed")
    return 1 if failures else 0


def post_ignoring_errors(base):
    try:
        post_json(base, migration_request(TELEPHONE), timeout=10)
    except Exception:  # the adapter is killed mid-request
        pass


if __name__ == "__main__":
    sys.exit(main())
