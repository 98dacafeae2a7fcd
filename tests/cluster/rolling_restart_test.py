#!/usr/bin/python3
"""Rolling restart under load: three adapter instances (each with its own
SQLite file) behind HAProxy configured exactly as deploy/haproxy.cfg ships
(round robin, checks on /ready every 2 s, down after 2 failures, retry-on
conn-failure), the adapters with their default drain (drain-ready-grace-s 5).
Eight clients POST steadily through HAProxy while each instance in turn gets
SIGTERM, is seen DOWN by HAProxy (its /ready said "draining"), exits 0, is
started again on the same port and database, and is seen UP again.

Passes when no client saw a failed request (every answer 200 with an order
number), every order number answered is one the work-order simulator handed
out and each was created once, MIDAS received one update per work order, and
every instance served requests in its second run. Bounded: about 40 s, every
wait limited, every process killed on the way out.

usage: rolling_restart_test.py ADAPTER_BINARY SIM_BINARY
"""
import collections
import os
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster, SteadyLoad, order_number, wait_for  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
CLIENTS = 8
DRAIN_S = 5  # the adapter's default drain-ready-grace-s
DOWN_WITHIN_S = DRAIN_S  # HAProxy must see the instance down before its listener closes
UP_WITHIN_S = 15
TIME_LIMIT_S = 150


def restart(cluster, instance, load, failures):
    """SIGTERM `instance`, check HAProxy follows the drain, start it again, wait until it is UP."""
    before = load.count()
    signalled = time.monotonic()
    instance.process.send(signal.SIGTERM)
    if not cluster.haproxy.wait_for_state(instance.name, "DOWN", DOWN_WITHIN_S + 10):
        failures.append(f"{instance.name}: HAProxy did not see it DOWN within {DOWN_WITHIN_S + 10} s of SIGTERM: "
                        f"{cluster.haproxy.server_states()}")
    down_after = time.monotonic() - signalled
    check = cluster.haproxy.server_rows()[instance.name]
    # Taken out by its /ready answering 503 (L7STS) while it still served, not by a refused connect.
    if check.get("check_status") != "L7STS" or down_after > DOWN_WITHIN_S:
        failures.append(f"{instance.name}: DOWN after {down_after:.1f} s by check {check.get('check_status')} "
                        f"({check.get('last_chk')}), expected /ready's 503 (L7STS) within the {DRAIN_S} s drain")
    code = instance.process.wait(DRAIN_S + 30)
    stopped_after = time.monotonic() - signalled
    if code != 0:
        failures.append(f"{instance.name}: exit code {code} after SIGTERM, expected 0")
    instance.start()
    if not cluster.haproxy.wait_for_state(instance.name, "UP", UP_WITHIN_S):
        failures.append(f"{instance.name}: not UP again within {UP_WITHIN_S} s: {cluster.haproxy.server_states()}")
    print(f"{instance.name}: DOWN {down_after:.1f} s after SIGTERM ({check.get('check_status')}), stopped "
          f"after {stopped_after:.1f} s, UP again after "
          f"{time.monotonic() - signalled:.1f} s; {load.count() - before} requests answered meanwhile")


def check_answers(results, received, failures):
    statuses = collections.Counter(r.status for r in results)
    failed = [r for r in results if r.status != 200 or not order_number(r.body)]
    for r in failed[:10]:
        failures.append(f"a client saw a failed request: {r.status} {r.error or r.body}")
    if failed:
        failures.append(f"{len(failed)} of {len(results)} requests failed: statuses {dict(statuses)}")
    answered = [order_number(r.body) for r in results if r.status == 200]
    created = [w["orderNumber"] for w in received["workOrders"]]
    duplicates = [number for number, count in collections.Counter(created).items() if count > 1]
    if duplicates or sorted(answered) != sorted(n for n in created if n):
        failures.append(f"order numbers answered ({len(answered)}) are not those created once "
                        f"({len(created)}, {len(duplicates)} twice)")
    updates = [u for u in received["midasUpdates"] if not u["faulted"]]
    if sorted(u["orderNumber"] for u in updates) != sorted(answered):
        failures.append(f"MIDAS received {len(updates)} updates for {len(answered)} work orders")


def main():
    signal.alarm(TIME_LIMIT_S)  # a hung wait ends the test (the finally below still cleans up)
    failures = []
    cluster = Cluster(ADAPTER, SIM, size=3)
    try:
        load = SteadyLoad([cluster.haproxy.port], clients=CLIENTS)
        if not wait_for(lambda: load.count() >= 50, 20):
            failures.append(f"the load never got going: {load.count()} answers in 20 s")
        for instance in cluster.instances:
            restart(cluster, instance, load, failures)
        after = load.count()
        wait_for(lambda: load.count() >= after + 50, 20)
        results = load.stop()
        check_answers(results, cluster.sim.received(), failures)
        for instance in cluster.instances:
            served = len(instance.requests_served(run=2))
            if served == 0:
                failures.append(f"{instance.name} served nothing after its restart")
        print(f"{len(results)} requests through HAProxy by {CLIENTS} clients, "
              f"{sum(1 for r in results if r.status == 200)} answered 200; second runs served "
              f"{[len(i.requests_served(run=2)) for i in cluster.instances]}")
    finally:
        cluster.stop(keep_workdir=True)
        if failures:
            print(f"logs kept in {cluster.workdir}")
        else:
            shutil.rmtree(cluster.workdir, ignore_errors=True)
    for failure in failures:
        print("FAIL " + failure)
    print("1 passed, 0 failed" if not failures else "0 passed, 1 failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
