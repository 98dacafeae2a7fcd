#!/usr/bin/python3
"""Validates real responses of the running adapter against docs/openapi.yaml.

Starts `voip-migration-adapter --simulate` on a free loopback port, drives every
documented outcome through the simulators' triggers, and checks each answer's
status is documented and its body validates against that status's schema.
Fails when a documented status of POST /CreateVOIPMigrationWorkOrder was never
produced (except 500, which needs an adapter bug). The operators' GETs
(/health, /ready, /metrics, the WSDL at /soap?wsdl) are checked the same way,
Content-Type and documented headers included, and every status documented for
them must be produced: /ready's 503 by an adapter whose backends are both down
(closed ports) with breakers that open at the first failure.

usage: openapi_test.py ADAPTER_BINARY OPENAPI_YAML
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import jsonschema
import yaml

ADAPTER, SPEC_PATH = sys.argv[1], sys.argv[2]
SPEC = yaml.safe_load(open(SPEC_PATH, encoding="utf-8"))
OPERATION = SPEC["paths"]["/CreateVOIPMigrationWorkOrder"]["post"]
RESOLVER = jsonschema.RefResolver.from_schema(SPEC)
DATA_DIR = tempfile.mkdtemp(prefix="openapi-test-")


def start_adapter(*args):
    database = tempfile.mktemp(suffix=".db", dir=DATA_DIR)
    proc = subprocess.Popen([ADAPTER, "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0", "--database", database, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    timer = threading.Timer(20, proc.kill)
    timer.start()
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("try:"):
            break
    timer.cancel()
    text = "".join(lines)
    match = re.search(r"listening on (http://[0-9.]+:[0-9]+)", text)
    if not match:
        proc.kill()
        raise SystemExit("adapter did not start:\n" + text)
    midas = re.search(r"simulated MIDAS: +(\S+)", text)
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, match.group(1), (midas.group(1) if midas else None)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


API_KEY = "openapi-contract-test-key"


def post(base, body, content_type="application/json", api_key=API_KEY, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    request = urllib.request.Request(base + "/CreateVOIPMigrationWorkOrder", data=data,
                                     headers={"Content-Type": content_type, **(headers or {}),
                                              **({"Authorization": "Bearer " + api_key} if api_key else {})},
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def body(telephone, account="123456789", site=42):
    return {"telephoneNumber": telephone, "accountIdentification": {"accountNumber": account, "siteReference": site}}


CASES = [
    ("success", body("447874384949"), "application/json", 200),
    ("MIDAS fault after create", body("447700900007"), "application/json", 200),
    ("MIDAS slow after create", body("447700900008"), "application/json", 200),
    ("MIDAS business fault after create", body("447700900009"), "application/json", 200),
    ("missing fields", {}, "application/json", 400),
    ("blank and wrong types", {"telephoneNumber": " ", "accountIdentification": {"accountNumber": 5, "siteReference": 1.5}},
     "application/json", 400),
    ("not JSON", "not json", "application/json", 400),
    ("not an object", "[]", "application/json", 400),
    ("duplicate keys", '{"telephoneNumber":"447874384949","telephoneNumber":"1"}', "application/json", 400),
    ("too large", " " * 70000, "application/json", 413),
    ("wrong content type", body("447874384949"), "text/plain", 415),
    ("work-order business fault", body("447700900001"), "application/json", 422),
    ("work-order system fault", body("447700900002"), "application/json", 502),
    ("work-order slow", body("447700900003"), "application/json", 504),
    ("work-order malformed answer", body("447700900004"), "application/json", 502),
    ("work-order HTML error page", body("447700900005"), "application/json", 502),
    ("work-order undeclared fault", body("447700900006"), "application/json", 502),
]


def report(label, name, problems, raw, failures):
    """Prints one check's result (with the body when it failed) and records a failure under `name`."""
    print(("ok   " if not problems else "FAIL ") + label)
    for problem in problems:
        print("     " + problem + "\n     body: " + raw.decode(errors="replace")[:400])
    if problems:
        failures.append(name)


def check(name, base, payload, content_type, expected, failures, seen, api_key=API_KEY, headers=None):
    status, raw = post(base, payload, content_type, api_key, headers)
    seen.add(str(status))
    problems = []
    if status != expected:
        problems.append(f"status {status}, expected {expected}")
    documented = OPERATION["responses"].get(str(status))
    if documented is None:
        problems.append(f"status {status} is not documented")
    else:
        schema = documented["content"]["application/json"]["schema"]
        try:
            jsonschema.Draft202012Validator(schema, resolver=RESOLVER).validate(json.loads(raw))
        except (jsonschema.ValidationError, ValueError) as error:
            problems.append(f"body does not match the schema: {error}")
    report(f"{name}: {status}", name, problems, raw, failures)


# Requests refused at their head, sent as raw bytes (urllib would not send them):
# (name, request bytes, expected status).
RAW_CASES = [
    ("POST without a length", b"POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n"
                              b"Content-Type: application/json\r\n\r\n", 411),
    ("request line too long", b"POST /CreateVOIPMigrationWorkOrder?" + b"q" * 9000 + b" HTTP/1.1\r\n", 414),
    ("head too large", b"POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n" +
                       (b"X-Filler: " + b"f" * 4000 + b"\r\n") * 5, 431),
    ("two Content-Lengths", b"POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n"
                            b"Content-Length: 0\r\nContent-Length: 2\r\n\r\n{}", 400),
]


def post_raw(base, request):
    """Sends `request` as it is; returns the status and body of the answer."""
    host, port = base.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        head, _, rest = answer.partition(b"\r\n\r\n")
        length = int(next((line.split(b":", 1)[1] for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), b"0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return int(head.split(b" ")[1]), rest[:length]


def check_raw(name, base, request, expected, failures, seen):
    status, raw = post_raw(base, request)
    seen.add(str(status))
    problems = [] if status == expected else [f"status {status}, expected {expected}"]
    documented = OPERATION["responses"].get(str(status))
    if documented is None:
        problems.append(f"status {status} is not documented")
    else:
        try:
            jsonschema.Draft202012Validator(documented["content"]["application/json"]["schema"],
                                            resolver=RESOLVER).validate(json.loads(raw))
        except (jsonschema.ValidationError, ValueError) as error:
            problems.append(f"body does not match the schema: {error}")
    report(f"{name}: {status}", name, problems, raw, failures)


# The operators' GETs: (name, path and query, path in the spec, expected status).
PROBES = [
    ("health", "/health", "/health", 200),
    ("ready", "/ready", "/ready", 200),
    ("metrics", "/metrics", "/metrics", 200),
    ("WSDL", "/soap?wsdl", "/soap", 200),
    ("GET /soap without ?wsdl", "/soap", "/soap", 405),
]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def same_media_type(a, b):
    return re.sub(r"\s+", "", a.lower()) == re.sub(r"\s+", "", b.lower())


def check_get(name, base, target, spec_path, expected, failures, seen_get):
    """GET base+target: a documented status, Content-Type, headers and body."""
    status, headers, raw = get(base + target)
    seen_get.add((spec_path, str(status)))
    problems = []
    if status != expected:
        problems.append(f"status {status}, expected {expected}")
    documented = SPEC["paths"][spec_path]["get"]["responses"].get(str(status))
    if documented is None:
        problems.append(f"status {status} is not documented")
    else:
        content_type = headers.get("Content-Type", "")
        media = [m for t, m in documented["content"].items() if same_media_type(t, content_type)]
        if not media:
            problems.append(f"Content-Type {content_type!r} is not documented")
        else:
            try:
                value = json.loads(raw) if "json" in content_type else raw.decode("utf-8")
                jsonschema.Draft202012Validator(media[0]["schema"], resolver=RESOLVER).validate(value)
            except (jsonschema.ValidationError, ValueError) as error:
                problems.append(f"body does not match the schema: {error}")
        for header, spec in documented.get("headers", {}).items():
            try:
                jsonschema.Draft202012Validator(spec["schema"]).validate(headers.get(header))
            except jsonschema.ValidationError as error:
                problems.append(f"header {header}: {error.message}")
    report(f"GET {target} ({name}): {status}", name, problems, raw, failures)


IDEMPOTENCY_CHECKS = 5


def slow_work_orders(sim_base):
    """How many work orders for the slow trigger the simulated work-order system has received."""
    with urllib.request.urlopen(sim_base + "/__sim/received", timeout=5) as response:
        received = json.loads(response.read())["workOrders"]
    return sum(1 for order in received if order["telephoneNumber"] == "447700900003")


def wait_for(condition, seconds=5):
    """Polls `condition` every 10 ms for at most `seconds`; whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def check_idempotency(base, sim_base, failures, seen):
    """Idempotency-Key: first use, replay, another request (422), in flight (409), too long (400)."""
    key = {"Idempotency-Key": "contract-key-1"}
    check("idempotency key first use", base, body("447874384949"), "application/json", 200, failures, seen,
          headers=key)
    check("idempotency key replay", base, body("447874384949"), "application/json", 200, failures, seen,
          headers=key)
    check("idempotency key with another request", base, body("447874384949", account="999"), "application/json",
          422, failures, seen, headers=key)
    slow_key = {"Idempotency-Key": "contract-key-slow"}
    slow_before = slow_work_orders(sim_base)
    first = threading.Thread(target=post, args=(base, body("447700900003")), kwargs={"headers": slow_key})
    first.start()
    # In flight once the work-order system has it (it then waits out --workorder-timeout-ms).
    if not wait_for(lambda: slow_work_orders(sim_base) > slow_before):
        failures.append("idempotency key in flight: the first request never reached the work-order system")
    check("idempotency key in flight", base, body("447700900003"), "application/json", 409, failures, seen,
          headers=slow_key)
    first.join()
    check("idempotency key too long", base, body("447874384949"), "application/json", 400, failures, seen,
          headers={"Idempotency-Key": "k" * 256})


def main():
    failures, seen, seen_get = [], set(), set()
    os.environ["VOIP_OPENAPI_TEST_KEYS"] = API_KEY
    adapter, base, midas_url = start_adapter("--simulate", "--workorder-timeout-ms", "500", "--midas-timeout-ms", "500",
                                             "--auth", "api-key", "--api-keys", "env:VOIP_OPENAPI_TEST_KEYS")
    down = not_ready = None
    try:
        for name, payload, content_type, expected in CASES:
            check(name, base, payload, content_type, expected, failures, seen)
        check("no API key", base, body("447874384949"), "application/json", 401, failures, seen, api_key=None)
        check("wrong API key", base, body("447874384949"), "application/json", 401, failures, seen, api_key="nope")
        check_idempotency(base, midas_url.rsplit("/", 1)[0], failures, seen)
        for name, request, expected in RAW_CASES:
            check_raw(name, base, request, expected, failures, seen)
        for name, target, spec_path, expected in PROBES:
            check_get(name, base, target, spec_path, expected, failures, seen_get)
        down, down_base, _ = start_adapter("--workorder-url", f"http://127.0.0.1:{closed_port()}/workorder",
                                           "--midas-url", midas_url, "--auth", "api-key",
                                           "--api-keys", "env:VOIP_OPENAPI_TEST_KEYS")
        check("work-order system down", down_base, body("447874384949"), "application/json", 503, failures, seen)
        not_ready, not_ready_base, _ = start_adapter(
            "--workorder-url", f"http://127.0.0.1:{closed_port()}/workorder",
            "--midas-url", f"http://127.0.0.1:{closed_port()}/midas", "--auth", "none",
            "--workorder-breaker-failures", "1", "--midas-breaker-failures", "1")
        check("both backends down", not_ready_base, body("447874384949"), "application/json", 503, failures, seen,
              api_key=None)
        check_get("both breakers open", not_ready_base, "/ready", "/ready", 503, failures, seen_get)
    finally:
        for proc in (adapter, down, not_ready):
            if proc:
                proc.terminate()
                proc.wait(timeout=10)
    untested = set(OPERATION["responses"]) - seen - {"500", "404"}
    if untested:
        print("FAIL documented statuses never produced: " + ", ".join(sorted(untested)))
        failures.append("coverage")
    documented_get = {(path, status) for path, item in SPEC["paths"].items() if "get" in item
                      for status in item["get"]["responses"]}
    if documented_get - seen_get:
        print("FAIL documented GET statuses never produced: " +
              ", ".join(f"{path} {status}" for path, status in sorted(documented_get - seen_get)))
        failures.append("GET coverage")
    total = len(CASES) + 5 + IDEMPOTENCY_CHECKS + len(PROBES) + len(RAW_CASES) + 1
    print(f"{total - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
    sys.exit(code)
