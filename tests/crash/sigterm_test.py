#!/usr/bin/python3
"""SIGTERM with a request in flight: the adapter stops accepting, finishes the
request (200 with its order number, MIDAS told), leaves nothing pending in the
outbox and exits 0. Loopback only, bounded (about 3 s).

usage: sigterm_test.py ADAPTER_BINARY SIM_BINARY
"""
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
from adapter_process import Adapter, migration_request, post_json  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
SLOW_MS = 1000
TELEPHONE = "447700900003"  # the work-order system answers after SLOW_MS
WAIT_S = 10


def wait_for(condition, seconds=WAIT_S):
    """Polls `condition` every 10 ms for at most `seconds`; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def journalled(database):
    """The work-order column of every outbox entry (an attempt in flight is 'attempting')."""
    with sqlite3.connect(database) as db:
        return db.execute("SELECT work_order FROM outbox").fetchall()


def accepting(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main():
    failures = []
    data_dir = tempfile.mkdtemp(prefix="sigterm-test-")
    database = os.path.join(data_dir, "adapter.db")
    sim = subprocess.Popen([SIM, "--listen", "127.0.0.1:0", "--slow-ms", str(SLOW_MS)], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    adapter = None
    try:
        sim_base = sim.stdout.readline().split("listening on ")[1].split()[0]
        adapter = Adapter(ADAPTER, "--workorder-url", sim_base + "/workorder", "--midas-url", sim_base + "/midas",
                          "--auth", "none", "--database", database, "--workorder-timeout-ms", "5000")
        answer = {}
        request = threading.Thread(target=lambda: answer.update(
            zip(("status", "body"), post_json(adapter.base, migration_request(TELEPHONE), timeout=10))))
        request.start()
        if not wait_for(lambda: journalled(database) == [("attempting",)]):
            failures.append(f"the request was never journalled as attempting: {journalled(database)}")
        adapter._proc.terminate()  # SIGTERM while the work order is being created
        port = int(adapter.base.rsplit(":", 1)[1])
        if not wait_for(lambda: not accepting(port)):
            failures.append("still accepting connections after SIGTERM")
        elif not request.is_alive():
            failures.append("the listener closed only once the request in flight had finished")
        request.join(timeout=10)
        code = adapter._proc.wait(timeout=10)
        if code != 0:
            failures.append(f"exit code {code}, expected 0")
        if answer.get("status") != 200 or "orderNumber" not in str(answer.get("body")):
            failures.append(f"the request in flight got {answer}, expected 200 with an order number")
        rows = sqlite3.connect(database).execute("SELECT work_order, delivery FROM outbox").fetchall()
        if rows:
            failures.append(f"the outbox still holds {rows} after a clean stop")
    finally:
        if adapter:
            adapter.stop()
        sim.terminate()
        sim.wait(timeout=10)
        subprocess.run(["rm", "-rf", data_dir], check=False)
    failures += grace_exceeded()
    for failure in failures:
        print("FAIL " + failure)
    print(f"{1 - bool(failures)} passed, {int(bool(failures))} failed")
    return 1 if failures else 0


def grace_exceeded():
    """A request longer than shutdown-grace-s: exit 0 at the grace period, the attempt left journalled."""
    failures = []
    data_dir = tempfile.mkdtemp(prefix="sigterm-grace-test-")
    database = os.path.join(data_dir, "adapter.db")
    sim = subprocess.Popen([SIM, "--listen", "127.0.0.1:0", "--slow-ms", "4000"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    adapter = None
    try:
        sim_base = sim.stdout.readline().split("listening on ")[1].split()[0]
        adapter = Adapter(ADAPTER, "--workorder-url", sim_base + "/workorder", "--midas-url", sim_base + "/midas",
                          "--auth", "none", "--database", database, "--workorder-timeout-ms", "8000",
                          "--shutdown-grace-s", "1")
        threading.Thread(target=lambda: post_quietly(adapter.base), daemon=True).start()
        if not wait_for(lambda: journalled(database) == [("attempting",)]):
            failures.append(f"past the grace period: never journalled as attempting: {journalled(database)}")
        started = time.monotonic()
        adapter._proc.terminate()
        code = adapter._proc.wait(timeout=10)
        took = time.monotonic() - started
        if code != 0:
            failures.append(f"past the grace period: exit code {code}, expected 0")
        if not 0.8 <= took <= 3:
            failures.append(f"past the grace period: exited after {took:.1f} s, expected about 1 s")
        rows = journalled(database)
        if rows != [("attempting",)]:
            failures.append(f"past the grace period the outbox holds {rows}, expected the journalled attempt")
    finally:
        if adapter:
            adapter.stop()
        sim.terminate()
        sim.wait(timeout=10)
        subprocess.run(["rm", "-rf", data_dir], check=False)
    return failures


def post_quietly(base):
    try:
        post_json(base, migration_request(TELEPHONE), timeout=10)
    except Exception:  # the adapter exits mid-request
        pass


if __name__ == "__main__":
    sys.exit(main())
