#!/usr/bin/python3
"""The throwaway PostgreSQL the store tests use (tests/support/postgres_sandbox.py) starts,
accepts the adapter role with its password over TCP, survives a halt/resume on the same port,
and leaves nothing behind when the block that uses it fails."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import postgres_sandbox  # noqa: E402


def query_as_adapter(sandbox, sql):
    """psql over TCP as the adapter role with the sandbox's password: (exit code, output)."""
    with open(sandbox.password_file, encoding="ascii") as f:
        password = f.read().strip()
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
    done = subprocess.run([f"{postgres_sandbox.BIN}/psql", "-X", "-At", "-d", sandbox.uri, "-c", sql],
                          capture_output=True, text=True, env=env, timeout=30)
    return done.returncode, done.stdout.strip() + done.stderr.strip()


class PostgresSandboxTest(unittest.TestCase):
    def setUp(self):
        self.parent = tempfile.mkdtemp(prefix="pg-sandbox-test-")
        os.chmod(self.parent, 0o711)  # the server runs as postgres and must reach its directory
        self.addCleanup(lambda: os.rmdir(self.parent) if os.path.isdir(self.parent) else None)

    # The URI reaches the adapter's own database as the adapter role, with the password file.
    def test_uri_reaches_database_as_adapter_role(self):
        with postgres_sandbox.PostgresSandbox(os.path.join(self.parent, "pg")) as pg:
            self.assertRegex(pg.uri, r"^postgresql://adapter@127\.0\.0\.1:\d+/adapter$")
            self.assertEqual(query_as_adapter(pg, "SELECT current_user || '@' || current_database()"),
                             (0, "adapter@adapter"))
            self.assertEqual(os.stat(pg.password_file).st_mode & 0o777, 0o600)

    # TCP refuses a wrong password: the password file is really needed.
    def test_wrong_password_is_refused(self):
        with postgres_sandbox.PostgresSandbox(os.path.join(self.parent, "pg")) as pg:
            env = dict(os.environ, PGPASSWORD="wrong", PGCONNECT_TIMEOUT="5")
            done = subprocess.run([f"{postgres_sandbox.BIN}/psql", "-X", "-d", pg.uri, "-c", "SELECT 1"],
                                  capture_output=True, text=True, env=env, timeout=30)
            self.assertNotEqual(done.returncode, 0)
            self.assertIn("password authentication failed", done.stderr)

    # halt makes the server unreachable, resume brings it back on the same port with its data.
    def test_halt_and_resume_keep_port_and_data(self):
        with postgres_sandbox.PostgresSandbox(os.path.join(self.parent, "pg")) as pg:
            self.assertEqual(query_as_adapter(pg, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")[0], 0)
            uri = pg.uri
            pg.halt()
            code, output = query_as_adapter(pg, "SELECT 1")
            self.assertNotEqual(code, 0)
            self.assertIn("Connection refused", output)
            pg.resume()
            self.assertEqual(pg.uri, uri)
            self.assertEqual(query_as_adapter(pg, "SELECT n FROM kept"), (0, "7"))

    # A failing block still stops the server and deletes the directory.
    def test_failure_inside_block_stops_and_deletes(self):
        directory = os.path.join(self.parent, "pg")
        with self.assertRaises(ZeroDivisionError):
            with postgres_sandbox.PostgresSandbox(directory) as pg:
                uri = pg.uri
                _ = 1 / 0
        self.assertFalse(os.path.exists(directory))
        self.assertNotEqual(connect_exit_code(uri), 0)

    # The command line prints the URI alone on stdout and `stop` removes everything.
    def test_command_line_start_and_stop(self):
        script = postgres_sandbox.__file__
        directory = os.path.join(self.parent, "pg")
        started = subprocess.run(["/usr/bin/python3", script, "start", directory],
                                 capture_output=True, text=True, timeout=120)
        self.addCleanup(subprocess.run, ["/usr/bin/python3", script, "stop", directory], timeout=120)
        self.assertEqual(started.returncode, 0, started.stderr)
        self.assertRegex(started.stdout, r"^postgresql://adapter@127\.0\.0\.1:\d+/adapter\n$")
        stopped = subprocess.run(["/usr/bin/python3", script, "stop", directory],
                                 capture_output=True, text=True, timeout=120)
        self.assertEqual(stopped.returncode, 0, stopped.stderr)
        self.assertFalse(os.path.exists(directory))


def connect_exit_code(uri):
    """psql's exit code connecting to `uri` (nonzero when nothing listens there)."""
    env = dict(os.environ, PGPASSWORD="x", PGCONNECT_TIMEOUT="5")
    return subprocess.run([f"{postgres_sandbox.BIN}/psql", "-X", "-d", uri, "-c", "SELECT 1"],
                          capture_output=True, env=env, timeout=30).returncode


if __name__ == "__main__":
    unittest.main()
