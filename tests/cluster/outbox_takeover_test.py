#!/usr/bin/python3
"""Pending MIDAS updates outlive the instance that took them (three instances,
one PostgreSQL): with MIDAS down (its simulator process stopped), 20 requests
sent to one instance are answered 200 with the order number and a fault saying
the update is pending; that instance is killed with SIGKILL; MIDAS comes back
(a new simulator on the same port) -> the two survivors deliver every one of
the 20 updates within the lease plus the relay's backoff, and MIDAS
acknowledges each exactly once (its record: one update per order number, no
other). Bounded: about 30 s, every wait limited, every process stopped on the
way out.

usage: outbox_takeover_test.py ADAPTER_BINARY SIM_BINARY
"""
import collections
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from cluster import Cluster, migration_body, wait_for  # noqa: E402
from postgres_sandbox import PostgresSandbox  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
REQUESTS = 20
LEASE_MS = 3000
RETRY_BASE_MS = 200
RETRY_CAP_MS = 1000
POLL_MS = 200
# The survivors take over once the dead instance's lease has run out, then deliver at their next
# poll after the entry's backoff; MIDAS's breaker (open 500 ms) may cost one more round.
DELIVERED_WITHIN_S = (LEASE_MS + RETRY_CAP_MS + 2 * POLL_MS + 500) / 1000 + 5
TIME_LIMIT_S = 150


def post(port, number):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/CreateVOIPMigrationWorkOrder", migration_body(number),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def pending_answer(status, body):
    """The order number of a 200 whose faults say the MIDAS update is pending; None otherwise."""
    success = (body.get("CreateVOIPMigrationWorkOrder") or {}).get("success") or {}
    if status != 200 or not success.get("fault"):
        return None
    return success.get("orderNumber")


def acknowledged(cluster):
    return [u["orderNumber"] for u in cluster.midas_sim.received()["midasUpdates"] if not u["faulted"]]


def main():
    signal.alarm(TIME_LIMIT_S)
    failures = []
    pg_dir = tempfile.mkdtemp(prefix="voip-cluster-pg-", dir="/tmp")
    with PostgresSandbox(pg_dir) as pg:
        cluster = Cluster(ADAPTER, SIM, size=3, separate_midas=True, check="inter 500ms fall 2 rise 2",
                          adapter_args=["--database", pg.uri, "--database-password", "file:" + pg.password_file,
                                        "--database-lease-ms", str(LEASE_MS),
                                        "--outbox-retry-base-ms", str(RETRY_BASE_MS),
                                        "--outbox-retry-cap-ms", str(RETRY_CAP_MS),
                                        "--outbox-poll-ms", str(POLL_MS), "--midas-breaker-open-ms", "500"])
        try:
            cluster.midas_sim.stop(5)  # MIDAS down: its port refuses connections
            victim = cluster.instances[0]
            answers = [post(victim.port, 7000 + n) for n in range(REQUESTS)]
            orders = [pending_answer(status, body) for status, body in answers]
            if None in orders:
                failures.append(f"not every request was answered 200 with a pending-update fault: "
                                f"{[a for a, o in zip(answers, orders) if o is None][:3]}")
            victim.process.kill()  # kill -9 the instance that took them
            cluster.restart_midas()
            back = time.monotonic()
            expected = sorted(o for o in orders if o)
            delivered = wait_for(lambda: len(acknowledged(cluster)) >= len(expected), DELIVERED_WITHIN_S, step=0.1)
            took = time.monotonic() - back
            # A little longer, so that a second delivery would show.
            wait_for(lambda: len(acknowledged(cluster)) > len(expected), 2 * POLL_MS / 1000 + 1, step=0.1)
            got = acknowledged(cluster)
            twice = [n for n, c in collections.Counter(got).items() if c > 1]
            if not delivered or sorted(got) != expected:
                failures.append(f"MIDAS acknowledged {len(got)} updates ({len(twice)} twice) within "
                                f"{DELIVERED_WITHIN_S:.1f} s, expected the {len(expected)} pending ones once each")
            delivering = [i.name for i in cluster.instances[1:]
                          if any(line.get("event") == "midas_update_delivered" for line in i.log_events())]
            print(f"{len(expected)} updates pending on {victim.name}, killed; MIDAS back: {len(got)} acknowledged "
                  f"after {took:.1f} s ({len(twice)} twice); survivors logging deliveries: {delivering}")
        finally:
            cluster.stop(keep_workdir=bool(failures))
            if failures:
                print(f"logs kept in {cluster.workdir}")
    shutil.rmtree(pg_dir, ignore_errors=True)
    for failure in failures:
        print("FAIL " + failure)
    print("1 passed, 0 failed" if not failures else "0 passed, 1 failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
