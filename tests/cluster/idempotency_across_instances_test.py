#!/usr/bin/python3
"""One Idempotency-Key across three instances sharing one PostgreSQL: 50
parallel requests with the same key and body through HAProxy (each on its own
connection, so round robin spreads them over the instances) -> exactly one
work order created (the simulator's record), every 200 carries that order
number, every other answer is 409, and more than one instance answered. A
51st request with the key afterwards replays the stored answer byte for byte.
Bounded: about 20 s, every wait limited, every process stopped on the way out.

usage: idempotency_across_instances_test.py ADAPTER_BINARY SIM_BINARY
"""
import collections
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from cluster import Cluster, migration_body  # noqa: E402
from postgres_sandbox import PostgresSandbox  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
PARALLEL = 50
TIME_LIMIT_S = 150


def post(port, body, key, start):
    """One POST on a new connection once `start` is set; (status, body bytes)."""
    start.wait(10)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/CreateVOIPMigrationWorkOrder", body,
                           {"Content-Type": "application/json", "Idempotency-Key": key})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}".encode()
    finally:
        connection.close()


def order_number(raw):
    try:
        return json.loads(raw)["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"]
    except (ValueError, KeyError, TypeError):
        return None


def check(cluster, answers, replay, key, failures):
    statuses = collections.Counter(status for status, _ in answers)
    ok = [raw for status, raw in answers if status == 200]
    created = [w["orderNumber"] for w in cluster.sim.received()["workOrders"]]
    if len(created) != 1:
        failures.append(f"{len(created)} work orders created for one Idempotency-Key, expected 1: {created}")
    if not ok or {order_number(raw) for raw in ok} != set(created[:1]):
        failures.append(f"the 200s carry {sorted({order_number(raw) for raw in ok})}, created {created}")
    if set(statuses) - {200, 409}:
        failures.append(f"answers other than 200 and 409: {dict(statuses)}: "
                        f"{[raw[:300] for status, raw in answers if status not in (200, 409)][:3]}")
    keyed = [i.requests_served() for i in cluster.instances]  # these requests are all each instance saw
    answering = [i.name for i, lines in zip(cluster.instances, keyed) if lines]
    if len(answering) < 2:
        failures.append(f"the requests were not spread: only {answering} answered")
    if replay[0] != 200 or (ok and replay[1] != ok[0]):
        failures.append(f"the replay got {replay[0]} {replay[1][:300]!r}, expected the first 200 byte for byte")
    print(f"{PARALLEL} parallel requests, one key: {dict(statuses)}; work orders created {len(created)}; "
          f"instances answering {answering} ({[len(lines) for lines in keyed]} requests each)")


def main():
    signal.alarm(TIME_LIMIT_S)
    failures = []
    pg_dir = tempfile.mkdtemp(prefix="voip-cluster-pg-", dir="/tmp")
    with PostgresSandbox(pg_dir) as pg:
        # The work-order system answers after 300 ms: the first request is still in flight while
        # the others arrive on the other instances (409), and those after it get the replay (200).
        cluster = Cluster(ADAPTER, SIM, size=3, check="inter 500ms fall 2 rise 2", sim_args=["--latency-ms", "300"],
                          adapter_args=["--database", pg.uri, "--database-password", "file:" + pg.password_file])
        try:
            key = str(uuid.uuid4())
            body = migration_body(4242)
            start = threading.Event()
            with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
                futures = [pool.submit(post, cluster.haproxy.port, body, key, start) for _ in range(PARALLEL)]
                start.set()
                answers = [future.result(60) for future in futures]
            replay = post(cluster.haproxy.port, body, key, start)
            check(cluster, answers, replay, key, failures)
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
