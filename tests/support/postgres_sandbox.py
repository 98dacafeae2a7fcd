#!/usr/bin/python3
"""A throwaway PostgreSQL 15 cluster for tests (issue 13).

Command line (run with /usr/bin/python3):
  postgres_sandbox.py start DIR [--durable]   create and start; prints the libpq URI on stdout
  postgres_sandbox.py halt DIR                stop the server (fast), keep DIR (a mid-test outage)
  postgres_sandbox.py resume DIR              start a halted server again, on the same port
  postgres_sandbox.py stop DIR                stop the server (fast) and delete DIR
  postgres_sandbox.py uri DIR                 print the URI of a started sandbox again

As a module:
  with PostgresSandbox(directory) as pg:      # stopped and deleted on exit, also on failure
      pg.uri, pg.password_file, pg.halt(), pg.resume(), pg.psql("SELECT 1")

What `start` makes: initdb in DIR/data (as the `postgres` user through `runuser` when running
as root: initdb and postgres refuse root), the server on a free loopback port and a Unix socket in
DIR, a login role `adapter` that owns a database `adapter`. TCP connections authenticate with
scram-sha-256: the role's password is in DIR/password (the adapter reads it with
`--database-password file:DIR/password`); the URI carries no password. The Unix socket trusts the
superuser `postgres` for administration (psql -h DIR -p PORT -U postgres).

Unless --durable is given the server runs with fsync=off (a test database is thrown away; a
crash of the machine loses nothing that matters), which keeps the tests fast on a shared disk.
DIR must not exist yet or be empty, and its parents must be traversable by `postgres` (/tmp is).
"""

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys

BIN = "/usr/lib/postgresql/15/bin"
ROLE = "adapter"
DATABASE = "adapter"
START_TIMEOUT_S = 60


class SandboxError(RuntimeError):
    """A sandbox step failed; the message says which and carries the server log tail."""


def _as_server_user(argv):
    """The command, run as `postgres` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + argv
    return argv


def _run(argv, what, log=None):
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        tail = ""
        if log and os.path.exists(log):
            with open(log, encoding="utf-8", errors="replace") as f:
                tail = "".join(f.readlines()[-20:])
        raise SandboxError(f"{what} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
    return done.stdout


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _give_to_server_user(path):
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


class PostgresSandbox:
    """One throwaway cluster in `directory`; see the module comment."""

    def __init__(self, directory, durable=False):
        self.directory = os.path.abspath(directory)
        self.durable = durable

    @property
    def data(self):
        return os.path.join(self.directory, "data")

    @property
    def log(self):
        return os.path.join(self.directory, "server.log")

    @property
    def password_file(self):
        return os.path.join(self.directory, "password")

    @property
    def port(self):
        with open(os.path.join(self.directory, "port"), encoding="ascii") as f:
            return int(f.read().strip())

    @property
    def uri(self):
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self):
        """Creates the cluster, starts it, creates role and database; returns the URI."""
        os.makedirs(self.directory, exist_ok=True)
        if os.listdir(self.directory):
            raise SandboxError(f"{self.directory} is not empty")
        try:
            return self._create()
        except BaseException:
            self.stop()  # nothing half-made stays behind
            raise

    def _create(self):
        parent = os.path.dirname(self.directory)
        if subprocess.run(_as_server_user(["test", "-x", parent])).returncode != 0:
            raise SandboxError(f"the postgres user cannot enter {parent} (chmod o+x it, or use /tmp)")
        os.chmod(self.directory, 0o700)
        _give_to_server_user(self.directory)
        _run([f"{BIN}/initdb", "-D", self.data, "-U", "postgres", "-E", "UTF8",
              "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256"], "initdb")
        self._start_on_a_free_port()
        password = secrets.token_hex(16)
        self.psql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
        descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as f:
            f.write(password + "\n")
        return self.uri

    def _start_on_a_free_port(self):
        last = None
        for _ in range(3):  # another process may take the port between probe and bind
            port = _free_port()
            with open(os.path.join(self.directory, "port"), "w", encoding="ascii") as f:
                f.write(f"{port}\n")
            try:
                self.resume()
                return
            except SandboxError as error:
                last = error
        raise last

    def resume(self):
        """Starts the (halted or new) server on the recorded port; waits until it accepts."""
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
                   " -c max_connections=200")
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        _run([f"{BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", str(START_TIMEOUT_S),
              "-o", options, "start"], "pg_ctl start", log=self.log)

    def halt(self):
        """Stops the server (fast shutdown) and keeps the data: a database outage."""
        _run([f"{BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", str(START_TIMEOUT_S),
              "stop"], "pg_ctl stop", log=self.log)

    def running(self):
        pid_file = os.path.join(self.data, "postmaster.pid")
        return os.path.exists(pid_file)

    def psql(self, sql, database="postgres"):
        """Runs a statement (or a list of them, one after the other in one session, each in its
        own transaction) as the superuser over the Unix socket; returns the output."""
        statements = [sql] if isinstance(sql, str) else list(sql)
        commands = [arg for statement in statements for arg in ("-c", statement)]
        return _run([f"{BIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
                     self.directory, "-p", str(self.port), "-U", "postgres", "-d", database,
                     *commands], f"psql {sql!r}", log=self.log)

    def stop(self):
        """Stops the server if it runs and deletes the directory."""
        try:
            if os.path.isdir(self.data) and self.running():
                self.halt()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def main(argv):
    if len(argv) < 3 or argv[1] not in ("start", "halt", "resume", "stop", "uri"):
        print(__doc__, file=sys.stderr)
        return 2
    sandbox = PostgresSandbox(argv[2], durable="--durable" in argv[3:])
    try:
        if argv[1] == "start":
            print(sandbox.start(), flush=True)
        elif argv[1] == "halt":
            sandbox.halt()
        elif argv[1] == "resume":
            sandbox.resume()
        elif argv[1] == "uri":
            print(sandbox.uri)
        else:
            sandbox.stop()
    except SandboxError as error:
        print(f"postgres_sandbox: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
