#!/usr/bin/python3
"""PostgreSQL stopped for 5 s under load (three instances sharing it, eight
steady clients spread over the instances directly, so that what the adapters
answer is seen, not HAProxy's own 503 once every /ready fails):
- while it is down: answers are 503 with Retry-After and a SYSTEM 10686 fault,
  and none of them reached a backend (work orders created == 200s answered);
- nothing else: every answer is 200 or such a 503, no exchange fails, no
  instance exits (the same processes throughout);
- started again: 200s resume on every instance without a restart, /ready is
  200 again on each;
- nothing pending is lost: MIDAS acknowledges one update per work order.
Bounded: about 30 s, every wait limited, every process stopped on the way out.

usage: store_outage_test.py ADAPTER_BINARY SIM_BINARY
"""
import collections
import os
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from cluster import Cluster, SteadyLoad, http_get, order_number, wait_for  # noqa: E402
from postgres_sandbox import PostgresSandbox  # noqa: E402

ADAPTER, SIM = sys.argv[1], sys.argv[2]
OUTAGE_S = 5
CLIENTS = 8
RECOVERY_S = 15  # database-check-ms (500) and a pool reconnect, with room for a loaded machine
TIME_LIMIT_S = 150


def system_fault(body):
    faults = ((body or {}).get("CreateVOIPMigrationWorkOrder") or {}).get("failure", {}).get("fault", [])
    return any(f.get("code") == "10686" and f.get("type") == "SYSTEM" for f in faults)


def check_answers(answers, outage, failures):
    statuses = collections.Counter(a.status for a in answers)
    unexpected = [a for a in answers if a.status not in (200, 503)]
    if unexpected:
        failures.append(f"{len(unexpected)} answers neither 200 nor 503: {unexpected[:3]}")
    bad_503 = [a for a in answers if a.status == 503 and not (a.retry_after and system_fault(a.body))]
    if bad_503:
        failures.append(f"{len(bad_503)} 503s without Retry-After or a SYSTEM 10686 fault: {bad_503[:2]}")
    # From 0.5 s after the server had stopped (requests in flight then may still end either way)
    # until it was started again, every answer is a 503.
    during = [a for a in answers if outage[0] + 0.5 <= a.at <= outage[1]]
    if not during or any(a.status != 503 for a in during):
        failures.append(f"from 0.5 s after the server stopped until it was started again, answers were "
                        f"{dict(collections.Counter(a.status for a in during))}, expected only 503s")
    after = [a for a in answers if a.at > outage[1]]
    print(f"{len(answers)} answers: {dict(statuses)}; {len(during)} during the outage; "
          f"{sum(1 for a in after if a.status == 200)} 200s after it")


def main():
    signal.alarm(TIME_LIMIT_S)
    failures = []
    pg_dir = tempfile.mkdtemp(prefix="voip-cluster-pg-", dir="/tmp")
    with PostgresSandbox(pg_dir) as pg:
        cluster = Cluster(ADAPTER, SIM, size=3, check="inter 500ms fall 2 rise 2",
                          adapter_args=["--database", pg.uri, "--database-password", "file:" + pg.password_file,
                                        "--database-check-ms", "500", "--outbox-poll-ms", "200"])
        try:
            pids = [i.process.pid for i in cluster.instances]
            load = SteadyLoad([i.port for i in cluster.instances], clients=CLIENTS)
            wait_for(lambda: load.count() >= 40, 20)
            pg.halt()  # returns once the server has stopped
            halted = time.monotonic()
            time.sleep(OUTAGE_S)  # the outage itself lasts this long; nothing is waited for here
            resuming = time.monotonic()  # pg.resume() returns only once the server accepts again
            pg.resume()
            resumed = time.monotonic()
            recovered = wait_for(lambda: all(http_get(i.port, "/ready")[0] == 200 for i in cluster.instances),
                                 RECOVERY_S, step=0.1)
            if not recovered:
                failures.append(f"/ready not 200 on every instance within {RECOVERY_S} s of the database's return: "
                                f"{[http_get(i.port, '/ready') for i in cluster.instances]}")
            mark = load.count()
            wait_for(lambda: sum(1 for a in load.answers()[mark:] if a.status == 200) >= 3 * CLIENTS, RECOVERY_S)
            answers = load.stop()
            check_answers(answers, (halted, resuming), failures)
            served_after = [sum(1 for a in answers if a.port == i.port and a.at > resumed and a.status == 200)
                            for i in cluster.instances]
            if not all(served_after):
                failures.append(f"200s after the database's return per instance: {served_after}")
            if [i.process.pid for i in cluster.instances] != pids or not all(i.process.running()
                                                                              for i in cluster.instances):
                failures.append("an instance exited or was restarted during the outage")
            ok = sorted(order_number(a.body) for a in answers if a.status == 200)
            created = sorted(w["orderNumber"] for w in cluster.sim.received()["workOrders"])
            if ok != created:
                failures.append(f"{len(created)} work orders created for {len(ok)} 200s: a 503 reached the "
                                f"work-order system, or a 200 was not a creation")
            delivered = wait_for(lambda: sorted(u["orderNumber"] for u in cluster.sim.received()["midasUpdates"]
                                                if not u["faulted"]) == ok, RECOVERY_S, step=0.1)
            if not delivered:
                failures.append("MIDAS did not acknowledge exactly one update per work order")
            print(f"200s per instance after the database's return: {served_after}")
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
