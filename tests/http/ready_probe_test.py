#!/usr/bin/python3
"""The adapter binary's circuit breakers as main wires them: GET /ready fails
once the breakers of both backends are open, each transition is one
`circuit_breaker` log line, and a refused request carries Retry-After.

Both backend URLs point at closed loopback ports, with breakers that open at
the first failure: one request fails to reach the work-order system (503) and
then MIDAS, which opens both breakers.

usage: ready_probe_test.py ADAPTER_BINARY
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

adapter = sys.argv[1]
BODY = json.dumps({"telephoneNumber": "447874384949",
                   "accountIdentification": {"accountNumber": "123456789", "siteReference": 42}}).encode()
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, data=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


with tempfile.TemporaryDirectory() as scratch:
    proc = subprocess.Popen(
        [adapter, "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0", "--auth", "none", "--database", os.path.join(scratch, "a.db"),
         "--workorder-url", f"http://127.0.0.1:{closed_port()}/wo", "--midas-url",
         f"http://127.0.0.1:{closed_port()}/midas", "--workorder-breaker-failures", "1",
         "--midas-breaker-failures", "1", "--workorder-breaker-open-ms", "60000",
         "--midas-breaker-open-ms", "60000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = None
        for line in proc.stderr:
            if "listening on" in line:
                base = line.split("listening on ")[1].strip()
                break
        status, _, body = get(base + "/ready")
        check(status == 200 and json.loads(body)["status"] == "READY", f"/ready before any failure: {status} {body}")

        status, headers, body = get(base + "/CreateVOIPMigrationWorkOrder", BODY)
        check(status == 503 and "Retry-After" not in headers, f"first request: connect failed, 503: {status}")

        status, _, body = get(base + "/ready")
        answer = json.loads(body)
        check(status == 503 and answer["status"] == "NOT_READY" and
              any("circuit breakers" in reason for reason in answer["reasons"]),
              f"/ready with both breakers open: {status} {body}")

        status, headers, body = get(base + "/CreateVOIPMigrationWorkOrder", BODY)
        fault = json.loads(body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"][0]
        check(status == 503 and headers.get("Retry-After", "").isdigit() and
              1 <= int(headers["Retry-After"]) <= 60 and fault["code"] == "10686",
              f"second request refused by the open breaker: {status} Retry-After={headers.get('Retry-After')}")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)

    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    transitions = [(e["backend"], e["from"], e["to"], e["level"]) for e in events if e["event"] == "circuit_breaker"]
    check(sorted(transitions) == [("midas", "closed", "open", "warn"), ("workorder", "closed", "open", "warn")],
          f"one warn log line per breaker opening: {transitions}")

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
