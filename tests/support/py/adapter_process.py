"""Starts and stops the adapter binary (and helpers shared by the Python tests).

Every process binds to a free loopback port and is stopped by the caller
(use it as a context manager). Start-up is bounded: a process that does not
report its address within 20 s is killed and the test fails.
"""
import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request


class Adapter:
    """`voip-migration-adapter --listen 127.0.0.1:0 ARGS...` on a free port.

    base: http://127.0.0.1:PORT; sim_base: the in-process simulators' base URL
    (with --simulate), else None.

    Each process gets its own fresh database in a temporary directory (removed
    at stop) unless ARGS name one, and its outbox relay polls only every 10
    minutes unless ARGS say otherwise: a pending MIDAS update left by one case
    is then never redelivered in the middle of a later case's exchange (the
    relay has its own tests). SIGTERM stops it without the drain
    (--drain-ready-grace-s 0) unless ARGS give one: tests/crash/drain_test.py
    tests the drain.
    """

    def __init__(self, binary, *args, log=None):
        """log: an open file that receives the adapter's log (stdout); discarded when None."""
        self._data_dir = None
        extra = []
        if "--database" not in args:
            self._data_dir = tempfile.mkdtemp(prefix="adapter-test-")
            extra += ["--database", self._data_dir + "/adapter.db"]
        if "--outbox-poll-ms" not in args:
            extra += ["--outbox-poll-ms", "600000"]
        if "--drain-ready-grace-s" not in args:
            extra += ["--drain-ready-grace-s", "0"]
        self._proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", *extra, *args],
                                      stdout=log or subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines = []
        timer = threading.Timer(20, self._proc.kill)
        timer.start()
        for line in self._proc.stderr:
            lines.append(line)
            if line.startswith("try:"):
                break
        timer.cancel()
        text = "".join(lines)
        match = re.search(r"listening on (http://[0-9.]+:[0-9]+)", text)
        if not match:
            self._proc.kill()
            self._proc.wait()
            self._remove_data()
            raise RuntimeError("adapter did not start:\n" + text)
        self.base = match.group(1)
        midas = re.search(r"simulated MIDAS: +(\S+)", text)
        self.sim_base = midas.group(1).rsplit("/", 1)[0] if midas else None
        threading.Thread(target=self._proc.stderr.read, daemon=True).start()

    @property
    def pid(self):
        return self._proc.pid

    def stop(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._remove_data()

    def _remove_data(self):
        if self._data_dir:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Simulators:
    """`voip-migration-sim --listen 127.0.0.1:0 ARGS...` on a free port; base: http://127.0.0.1:PORT."""

    def __init__(self, binary, *args):
        self._proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", *args],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(20, self._proc.kill)
        timer.start()
        line = self._proc.stdout.readline()
        timer.cancel()
        match = re.search(r"listening on (http://[0-9.]+:[0-9]+)", line)
        if not match:
            self._proc.kill()
            self._proc.wait()
            raise RuntimeError("simulators did not start:\n" + line + self._proc.stderr.read())
        self.base = match.group(1)

    def stop(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=15):
    """One HTTP exchange; returns (status, headers, body bytes) for any status."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_json(base, payload, timeout=15):
    """POSTs a JSON request to the adapter's JSON face; returns (status, parsed body)."""
    status, _, raw = http("POST", base + "/CreateVOIPMigrationWorkOrder", json.dumps(payload),
                          {"Content-Type": "application/json"}, timeout)
    return status, json.loads(raw)


def migration_request(telephone, account="123456789", site=42):
    return {"telephoneNumber": telephone,
            "accountIdentification": {"accountNumber": account, "siteReference": site}}
