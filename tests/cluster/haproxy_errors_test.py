#!/usr/bin/python3
"""HAProxy's own answers (deploy/haproxy.cfg's http-error lines) are the adapter's fault array,
not HAProxy's HTML pages: 503 with Retry-After when no instance is ready (nothing was sent), 502
when an instance breaks the connection before answering (outcome unknown, no Retry-After), and
every shipped error body is a SYSTEM 10686 fault. HAProxy runs with deploy/haproxy.cfg (only its
addresses replaced, tests/cluster/cluster.py) in front of stand-in servers; loopback only, each
test bounded to a few seconds.

usage: haproxy_errors_test.py   (no arguments; Debian's haproxy on the PATH)
"""
import http.client
import json
import os
import re
import socket
import sys
import tempfile
import threading
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402

SYSTEM_FAULT = {"code": "10686", "description": "System Exception", "severity": "CRITICAL",
                "sourceSystem": "Middleware", "type": "SYSTEM"}


def post(port):
    """One JSON create through HAProxy: (status, headers, parsed body)."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("POST", "/CreateVOIPMigrationWorkOrder", body=b'{"telephoneNumber":"447874384949"}',
                       headers={"Content-Type": "application/json"})
        answer = client.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, json.loads(answer.read())
    finally:
        client.close()


def only_fault(body):
    faults = body["CreateVOIPMigrationWorkOrder"]["failure"]["fault"]
    assert len(faults) == 1, faults
    return faults[0]


class ClosingServer:
    """Answers HAProxy's GET /ready with 200, and closes a create's connection without answering:
    an instance that dies mid-request. Counts the creates it took."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.requests = 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    head = connection.recv(65536)
                    if head.startswith(b"GET /ready "):  # HAProxy's check: ready
                        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    elif b"POST /CreateVOIPMigrationWorkOrder" in head:
                        self.requests += 1
                except OSError:
                    pass

    def close(self):
        self.listener.close()


class HaProxyErrorsTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="voip-haproxy-errors-")
        self.haproxy = None
        self.closing = None

    def tearDown(self):
        if self.haproxy:
            self.haproxy.stop()
        if self.closing:
            self.closing.close()
        cluster.shutil.rmtree(self.workdir, ignore_errors=True)

    def start_haproxy(self, port):
        instance = types.SimpleNamespace(name="adapter1", port=port)
        self.haproxy = cluster.HaProxy(self.workdir, [instance], check="inter 200ms fall 1 rise 1")

    # No instance ready (nothing listens): HAProxy's 503 is a SYSTEM 10686 fault in JSON with
    # Retry-After, saying that nothing was sent.
    def test_no_ready_instance_is_a_json_fault_with_retry_after(self):
        self.start_haproxy(cluster.free_port())
        self.assertTrue(self.haproxy.wait_for_state("adapter1", "DOWN", 5), self.haproxy.server_states())
        status, headers, body = post(self.haproxy.port)
        self.assertEqual(status, 503)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["retry-after"], "2")
        fault = only_fault(body)
        self.assertEqual({k: fault[k] for k in SYSTEM_FAULT}, SYSTEM_FAULT)
        self.assertIn("nothing was sent", fault["detail"])

    # An instance that takes the request and closes without answering: HAProxy's 502 is a SYSTEM
    # 10686 fault saying the outcome is unknown, without Retry-After; the request reached it once
    # (a create is never resent).
    def test_instance_failing_mid_request_is_a_json_fault_with_unknown_outcome(self):
        self.closing = ClosingServer()
        self.start_haproxy(self.closing.port)
        self.assertTrue(self.haproxy.wait_for_state("adapter1", "UP", 5), self.haproxy.server_states())
        status, headers, body = post(self.haproxy.port)
        self.assertEqual(status, 502)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertNotIn("retry-after", headers)
        fault = only_fault(body)
        self.assertEqual({k: fault[k] for k in SYSTEM_FAULT}, SYSTEM_FAULT)
        self.assertIn("may or may not have been created", fault["detail"])
        self.assertEqual(self.closing.requests, 1)

    # Every error body deploy/haproxy.cfg ships (502, 503, 504) parses as one SYSTEM 10686 fault.
    def test_every_shipped_error_body_is_a_system_fault(self):
        with open(cluster.DEPLOY_HAPROXY_CFG, encoding="utf-8") as shipped:
            lines = re.findall(r"(?m)^\s*http-error status (\d+) .*? string '([^']*)'", shipped.read())
        self.assertEqual(sorted(status for status, _ in lines), ["502", "503", "504"])
        for status, text in lines:
            fault = only_fault(json.loads(text))
            self.assertEqual({k: fault[k] for k in SYSTEM_FAULT}, SYSTEM_FAULT, status)


if __name__ == "__main__":
    unittest.main()
