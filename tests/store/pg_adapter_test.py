#!/usr/bin/python3
"""The adapter binary on the PostgreSQL store (issue 13), against a throwaway server
(tests/support/postgres_sandbox.py): two instances share Idempotency-Keys; PostgreSQL
stopped -> 503 + Retry-After + SYSTEM 10686 and no backend call, /ready NOT_READY with the
reason; started again -> both recover without a restart; `db migrate|status`; a schema newer
than the binary's is refused at start-up.

Usage: pg_adapter_test.py ADAPTER_BINARY
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "support", "py"))
import postgres_sandbox  # noqa: E402
from adapter_process import Adapter, http, migration_request  # noqa: E402

BINARY = None
BODY = json.dumps(migration_request("447874384949"))


def post(base, key=None, body=BODY):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return http("POST", base + "/CreateVOIPMigrationWorkOrder", body, headers)


def received(adapter):
    return json.loads(http("GET", adapter.sim_base + "/__sim/received")[2])


def poll(what, check, seconds=20):
    """Calls check() until it returns a true value or `seconds` pass; returns the last value."""
    deadline = time.monotonic() + seconds
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.05)
        value = check()
    return value


class PgAdapterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parent = tempfile.mkdtemp(prefix="pg-adapter-test-")
        os.chmod(cls.parent, 0o711)
        cls.pg = postgres_sandbox.PostgresSandbox(os.path.join(cls.parent, "pg"))
        cls.pg.start()
        cls.store = ["--database", cls.pg.uri, "--database-password", "file:" + cls.pg.password_file,
                     "--database-check-ms", "100"]

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()
        os.rmdir(cls.parent)

    def start(self, *args):
        adapter = Adapter(BINARY, "--simulate", *self.store, *args)
        self.addCleanup(adapter.stop)
        return adapter

    # A key answered by one instance is replayed byte for byte by another, which calls no backend.
    def test_key_answered_on_one_instance_replays_on_another(self):
        a, b = self.start(), self.start()
        first = post(a.base, key="shared-key-1")
        self.assertEqual(first[0], 200, first[2])
        replay = post(b.base, key="shared-key-1")
        self.assertEqual(replay[0], 200)
        self.assertEqual(replay[2], first[2])
        self.assertEqual(replay[1].get("Idempotent-Replayed"), "true")
        self.assertEqual(received(b)["workOrders"], [])
        other = post(b.base, key="shared-key-1", body=json.dumps(migration_request("447874384948")))
        self.assertEqual(other[0], 422)
        self.assertEqual(len(received(a)["workOrders"]), 1)

    # PostgreSQL stopped: 503 with Retry-After and SYSTEM 10686, no backend call, /ready says why;
    # started again: /ready and requests recover without restarting the adapter.
    def test_outage_is_refused_then_recovered(self):
        adapter = self.start()
        self.assertEqual(post(adapter.base)[0], 200)
        before = received(adapter)
        self.pg.halt()
        try:
            status, headers, body = post(adapter.base, key="during-outage")
            self.assertEqual(status, 503, body)
            self.assertEqual(headers.get("Retry-After"), "1")
            fault = json.loads(body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"][0]
            self.assertEqual((fault["type"], fault["code"]), ("SYSTEM", "10686"))
            self.assertEqual(post(adapter.base)[0], 503)
            self.assertEqual(received(adapter), before)
            ready = poll("not ready", lambda: (lambda r: r if r[0] == 503 else None)(http("GET", adapter.base + "/ready")))
            self.assertTrue(ready)
            self.assertIn("PostgreSQL store unavailable", json.loads(ready[2])["reasons"][0])
        finally:
            self.pg.resume()
        self.assertTrue(poll("ready", lambda: http("GET", adapter.base + "/ready")[0] == 200))
        self.assertTrue(poll("served", lambda: post(adapter.base)[0] == 200))
        self.assertEqual(len(received(adapter)["workOrders"]), len(before["workOrders"]) + 1)

    # PostgreSQL read-only: 503 with SYSTEM 10686 and no backend call, /ready says read-only;
    # writable again: served again, without a restart.
    def test_read_only_database_is_refused_then_recovered(self):
        adapter = self.start()
        before = received(adapter)
        writable = "SET default_transaction_read_only = off"
        self.pg.psql([writable, "ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()"])
        try:
            refused = poll("refused", lambda: (lambda r: r if r[0] == 503 else None)(post(adapter.base)))
            self.assertTrue(refused)
            fault = json.loads(refused[2])["CreateVOIPMigrationWorkOrder"]["failure"]["fault"][0]
            self.assertEqual((fault["type"], fault["code"]), ("SYSTEM", "10686"))
            self.assertEqual(refused[1].get("Retry-After"), "1")
            self.assertEqual(received(adapter), before)
            ready = poll("not ready", lambda: (lambda r: r if r[0] == 503 else None)(http("GET", adapter.base + "/ready")))
            self.assertTrue(ready)
            self.assertIn("PostgreSQL store is read-only", json.loads(ready[2])["reasons"][0])
        finally:
            self.pg.psql([writable, "ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"])
        self.assertTrue(poll("served", lambda: post(adapter.base)[0] == 200))
        self.assertTrue(poll("ready", lambda: http("GET", adapter.base + "/ready")[0] == 200))

    # `db migrate` brings the store to this binary's version, and a second run applies nothing;
    # `db status` names both versions; exit 0.
    def test_db_status_and_migrate(self):
        for _ in range(2):
            migrate = subprocess.run([BINARY, "db", "migrate", *self.store[:4]], capture_output=True, text=True,
                                     timeout=60)
            self.assertEqual(migrate.returncode, 0, migrate.stderr)
        self.assertIn("applied: 0", migrate.stdout)
        status = subprocess.run([BINARY, "db", "status", *self.store[:4]], capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertRegex(status.stdout, r"store: postgresql\nschema version: (\d+)\nthis adapter's version: \1\n")
        self.assertIn("0001_outbox_idempotency.sql applied", status.stdout)

    # A schema newer than the binary's: the adapter refuses to start, saying so.
    def test_newer_schema_refuses_start(self):
        self.start()  # migrated
        self.pg.psql("INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')", "adapter")
        try:
            started = subprocess.run([BINARY, "--simulate", "--listen", "127.0.0.1:0", *self.store],
                                     capture_output=True, text=True, timeout=60)
        finally:
            self.pg.psql("DELETE FROM schema_migrations WHERE version = 99", "adapter")
        self.assertEqual(started.returncode, 1)
        self.assertRegex(started.stderr, r"schema version 99 is newer than this adapter's \(\d+\)")


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
