#!/usr/bin/python3
"""The whole picture locally, for a newcomer (scripts/cluster.sh runs this): a
throwaway PostgreSQL, the simulators, INSTANCES adapter instances sharing that
database, and HAProxy in front of them with deploy/haproxy.cfg. Prints where
everything is, then waits; Ctrl-C (or SIGTERM) stops everything and deletes
the database and the logs.

usage: run_cluster.py ADAPTER_BINARY SIM_BINARY [--instances N] [--port PORT] [ADAPTER_ARGS...]
  --instances N   adapter instances (default 3)
  --port PORT     HAProxy's port on 127.0.0.1 (default 8080; 0 picks a free one)
  ADAPTER_ARGS    given to every instance (e.g. --log-level debug)
"""
import os
import signal
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from cluster import Cluster  # noqa: E402
from postgres_sandbox import PostgresSandbox  # noqa: E402


def parse(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    adapter, sim, rest = argv[1], argv[2], argv[3:]
    instances, port, extra = 3, 8080, []
    while rest:
        flag = rest.pop(0)
        if flag == "--instances" and rest:
            instances = int(rest.pop(0))
        elif flag == "--port" and rest:
            port = int(rest.pop(0))
        else:
            extra.append(flag)
    return adapter, sim, instances, port, extra


def banner(cluster, pg):
    base = cluster.base
    print(f"voip-migration-adapter cluster: HAProxy on {base} in front of", flush=True)
    for instance in cluster.instances:
        print(f"  {instance.name}: http://127.0.0.1:{instance.port} (log: {instance.process.log_path})")
    print(f"PostgreSQL (shared store):   {pg.uri} (password in {pg.password_file})")
    print(f"simulators:                  {cluster.sim.base} (what they received: curl -s "
          f"{cluster.sim.base}/__sim/received)")
    print(f"HAProxy's stats socket:      {cluster.haproxy.socket_path} (e.g. 'show stat')")
    print("try:\n  curl -s -X POST " + base + "/CreateVOIPMigrationWorkOrder -H 'Content-Type: application/json' "
          "-H \"Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)\" -d '{\"telephoneNumber\":\"447874384949\","
          "\"accountIdentification\":{\"accountNumber\":\"123456789\",\"siteReference\":42}}'")
    print("Ctrl-C stops everything.", flush=True)


def main():
    adapter, sim, instances, port, extra = parse(sys.argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the with blocks below still stop everything
    pg_dir = tempfile.mkdtemp(prefix="voip-cluster-pg-", dir="/tmp")
    try:
        with PostgresSandbox(pg_dir) as pg:
            args = ["--database", pg.uri, "--database-password", "file:" + pg.password_file, *extra]
            with Cluster(adapter, sim, size=instances, adapter_args=args, port=port) as cluster:
                banner(cluster, pg)
                try:
                    signal.pause()
                except KeyboardInterrupt:
                    pass
    finally:
        print("stopped: HAProxy, the instances, the simulators and PostgreSQL", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
