#!/usr/bin/python3
"""Where the PostgreSQL server's time goes under load (issue 13): pg_stat_statements and the
server's CPU per 1,000 requests, for one adapter (in-process simulators) under wrk.

Starts a throwaway PostgreSQL (tests/support/postgres_sandbox.py) with pg_stat_statements
(shared_preload_libraries, track_planning on), one adapter on it, 1 s of wrk warm-up, resets the
statistics, then SECONDS of `wrk -t2 -c64 -s bench/wrk.lua` (MODE success: one customer over and
over; customers: another customer each request) and prints req/s, p99, the server's CPU per
1,000 requests and, per statement: calls, execution ms in total, planning ms, plans, mean ms.
Timings depend on the machine's load: compare runs made one after the other.

Usage: /usr/bin/python3 bench/pg_profile.py ADAPTER success|customers SECONDS [POOL_SIZE]
"""

import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "tests", "support", "py"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import postgres_sandbox  # noqa: E402
import run_bench  # noqa: E402
from adapter_process import Adapter  # noqa: E402

PROFILE = ("SELECT calls, round(total_exec_time::numeric, 1), round(total_plan_time::numeric, 1), plans, "
           "round((total_exec_time / NULLIF(calls, 0))::numeric, 3), "
           "left(regexp_replace(query, '\\s+', ' ', 'g'), 100) "
           "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC")


def with_statistics(pg):
    pg.psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    pg.halt()
    pg.resume()
    pg.psql(["ALTER SYSTEM SET pg_stat_statements.track_planning = on", "SELECT pg_reload_conf()"])
    pg.psql("CREATE EXTENSION pg_stat_statements", database="adapter")


def profile(pg, binary, customers, seconds, pool):
    adapter = Adapter(binary, "--simulate", "--database", pg.uri, "--database-password", "file:" + pg.password_file,
                      "--database-pool-size", pool, "--threads", "320", "--auth", "api-key",
                      "--api-key-sha256", run_bench.API_KEY_SHA256)
    try:
        port = int(adapter.base.rsplit(":", 1)[1])
        run_bench.run_wrk(port, 64, 1, customers=customers)
        time.sleep(0.5)
        pg.psql("SELECT pg_stat_statements_reset()", database="adapter")
        cpu = run_bench.postgres_cpu_seconds()
        result = run_bench.run_wrk(port, 64, seconds, customers=customers)
        cpu = run_bench.postgres_cpu_seconds() - cpu
        requests = result["requests"]
        print(f"{'customers' if customers else 'success'}, pool {pool}: "
              f"{requests / (result['duration_us'] / 1e6):.0f} req/s, p99 {result['p99_us'] / 1000:.1f} ms, "
              f"errors {sum(result['errors'].values())}, PostgreSQL CPU {cpu / requests * 1000:.3f} s/1000 requests")
        print(f"{requests} requests; calls | execution ms | planning ms | plans | mean ms | statement")
        for line in pg.psql(PROFILE, database="adapter").splitlines():
            print("  ", line)
    finally:
        adapter.stop()


def main(argv):
    if len(argv) not in (4, 5) or argv[2] not in ("success", "customers"):
        print(__doc__, file=sys.stderr)
        return 2
    parent = tempfile.mkdtemp(prefix="pg-profile-", dir="/tmp")
    os.chmod(parent, 0o711)
    pg = postgres_sandbox.PostgresSandbox(os.path.join(parent, "pg"))
    pg.start()
    try:
        with_statistics(pg)
        profile(pg, argv[1], argv[2] == "customers", int(argv[3]), argv[4] if len(argv) == 5 else "80")
    finally:
        pg.stop()
        os.rmdir(parent)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
