#!/usr/bin/python3
"""The SQL statements the adapter sends PostgreSQL for one request, per path (issue 13).

Starts a throwaway PostgreSQL (tests/support/postgres_sandbox.py) with log_statement=all, one
adapter on it with the in-process simulators, sends a warm-up request, then one request of each
path (no key; no key again; with an Idempotency-Key; the key's replay) and prints, for each, the
statements the server log shows (`execute NAME:` is a prepared statement run by name).

Usage: /usr/bin/python3 bench/pg_statements.py BUILD/voip-migration-adapter
"""

import json
import os
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, os.path.join(ROOT, "tests", "support", "py"))
import postgres_sandbox  # noqa: E402
from adapter_process import Adapter, http, migration_request  # noqa: E402

PATHS = [("no key", None), ("no key, again", None), ("Idempotency-Key", "key-1"), ("the key's replay", "key-1")]


def statements_logged(log, since):
    with open(log, errors="replace") as f:
        f.seek(since)
        text = f.read()
    return [re.sub(r"^\d+ LOG:  ", "", line) for line in text.splitlines()
            if " LOG:  " in line and ("statement:" in line or "execute" in line)]


def main(binary):
    parent = tempfile.mkdtemp(prefix="pg-statements-", dir="/tmp")
    os.chmod(parent, 0o711)
    pg = postgres_sandbox.PostgresSandbox(os.path.join(parent, "pg"))
    pg.start()
    try:
        pg.psql(["ALTER SYSTEM SET log_statement = 'all'", "ALTER SYSTEM SET log_line_prefix = '%p '",
                 "SELECT pg_reload_conf()"])
        adapter = Adapter(binary, "--simulate", "--database", pg.uri, "--database-password",
                          "file:" + pg.password_file)
        try:
            def post(key):
                headers = {"Content-Type": "application/json"}
                if key:
                    headers["Idempotency-Key"] = key
                return http("POST", adapter.base + "/CreateVOIPMigrationWorkOrder",
                            json.dumps(migration_request("447874384949")), headers)
            post(None)
            time.sleep(0.5)
            for label, key in PATHS:
                since = os.path.getsize(pg.log)
                status = post(key)[0]
                time.sleep(0.3)  # the server writes its log line after the result
                statements = statements_logged(pg.log, since)
                print(f"== {label}: HTTP {status}, {len(statements)} statements")
                for statement in statements:
                    print("   ", statement[:160])
        finally:
            adapter.stop()
    finally:
        pg.stop()
        os.rmdir(parent)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
