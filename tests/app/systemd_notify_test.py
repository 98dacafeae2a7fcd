#!/usr/bin/python3
"""The adapter as a systemd Type=notify service, against a fake NOTIFY_SOCKET the test owns
(a Unix datagram socket in a temporary directory), loopback only, bounded (about 2 s):

- ready_after_listening: STATUS= (opening the database) comes first; READY=1 arrives with a
  STATUS= naming the port, and at that moment the port answers GET /health (one attempt, no
  retry: readiness is sent once it listens and its database is open);
- watchdog_pings: with WATCHDOG_USEC=200000 set, WATCHDOG=1 arrives at least 3 times within
  2 s of READY=1; without it, none arrives in the whole run;
- stopping_on_sigterm: SIGTERM brings STOPPING=1 (with a STATUS=) and exit status 0.

usage: systemd_notify_test.py ADAPTER_BINARY
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ADAPTER = sys.argv[1]
WAIT_S = 10


class FakeSystemd:
    """A NOTIFY_SOCKET: a Unix datagram socket bound in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="notify-test-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def receive_until(self, predicate, seconds=WAIT_S):
        """Datagrams (each a dict of its assignments, in order) up to the first that satisfies
        `predicate`, that one included; stops at `seconds` (the last is then not a match)."""
        received = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            message = dict(line.split("=", 1) for line in data.split("\n") if "=" in line)
            received.append(message)
            if predicate(message):
                break
        return received

    def close(self):
        self.sock.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


def start(notify, watchdog_usec=None):
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    if watchdog_usec:
        env["WATCHDOG_USEC"] = str(watchdog_usec)
    return subprocess.Popen([ADAPTER, "--simulate", "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc):
    """SIGTERM; the exit status (None when it had to be killed)."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def health_now(port):
    """One GET /health, no retry: its status, or the error."""
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).status
    except OSError as error:
        return repr(error)


def ready_after_listening(failures):
    notify = FakeSystemd()
    proc = start(notify)
    try:
        received = notify.receive_until(lambda m: m.get("READY") == "1")
        health = None
        if received and received[-1].get("READY") == "1":
            port = int(received[-1].get("STATUS", "").rsplit(":", 1)[-1] or 0)
            health = health_now(port)
    finally:
        stop(proc)
        notify.close()
    if not received or received[-1].get("READY") != "1":
        failures.append(f"ready_after_listening: no READY=1 within {WAIT_S} s: {received}")
        return
    if health != 200:
        failures.append(f"ready_after_listening: GET /health right after READY=1 gave {health}")
    if not received[0].get("STATUS", "").startswith("opening the database"):
        failures.append(f"ready_after_listening: the first message is not the database status: {received}")
    if not received[-1].get("STATUS", "").startswith("serving on 127.0.0.1:"):
        failures.append(f"ready_after_listening: READY=1 without a STATUS naming the port: {received[-1]}")


def watchdog_pings(failures):
    notify = FakeSystemd()
    proc = start(notify, watchdog_usec=200000)
    try:
        notify.receive_until(lambda m: m.get("READY") == "1")
        pings = [0]

        def third_ping(message):
            pings[0] += message.get("WATCHDOG") == "1"
            return pings[0] >= 3

        notify.receive_until(third_ping, seconds=2)
    finally:
        stop(proc)
        notify.close()
    if pings[0] < 3:
        failures.append(f"watchdog_pings: {pings[0]} WATCHDOG=1 within 2 s with WATCHDOG_USEC=200000")
    notify = FakeSystemd()
    proc = start(notify)
    try:
        before_stop = notify.receive_until(lambda m: m.get("READY") == "1")
        status = stop(proc)
        after_stop = notify.receive_until(lambda m: False, seconds=0.5) if status is not None else []
    finally:
        notify.close()
    if any("WATCHDOG" in m for m in before_stop + after_stop):
        failures.append(f"watchdog_pings: WATCHDOG=1 without WATCHDOG_USEC: {before_stop + after_stop}")


def stopping_on_sigterm(failures):
    notify = FakeSystemd()
    proc = start(notify)
    try:
        notify.receive_until(lambda m: m.get("READY") == "1")
        proc.send_signal(signal.SIGTERM)
        received = notify.receive_until(lambda m: m.get("STOPPING") == "1")
        status = proc.wait(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.close()
    if not received or received[-1].get("STOPPING") != "1" or "STATUS" not in received[-1]:
        failures.append(f"stopping_on_sigterm: no STOPPING=1 with a STATUS= after SIGTERM: {received}")
    if status != 0:
        failures.append(f"stopping_on_sigterm: exit status {status}, expected 0")


def main():
    failures = []
    for case in (ready_after_listening, watchdog_pings, stopping_on_sigterm):
        count = len(failures)
        case(failures)
        print(("ok   " if len(failures) == count else "FAIL ") + case.__name__)
    for failure in failures:
        print("FAIL", failure)
    print(f"{3 - len({f.split(':')[0] for f in failures})} passed, {len({f.split(':')[0] for f in failures})} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
