#!/usr/bin/python3
"""promtool (Prometheus's own linter) finds nothing to say about the running adapter's /metrics.

Starts the adapter with --simulate on a free loopback port, sends one request (so that the
request, backend and histogram families have samples), reads GET /metrics and runs
`promtool check metrics` on it: exit status 0 and no lint output. Also checks that the
families of the build's identity and of the process are there, since promtool accepts their
absence.

usage: promtool_metrics_test.py ADAPTER_BINARY
"""
import json
import subprocess
import sys
import urllib.request

adapter = sys.argv[1]
proc = subprocess.Popen([adapter, "--simulate", "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
try:
    base = None
    for line in proc.stderr:
        if "listening on" in line:
            base = line.split("listening on ")[1].strip()
            break
    body = json.dumps({"telephoneNumber": "447874384949",
                       "accountIdentification": {"accountNumber": "123456789", "siteReference": 42}}).encode()
    request = urllib.request.Request(base + "/CreateVOIPMigrationWorkOrder", data=body,
                                     headers={"Content-Type": "application/json"})
    answer = json.loads(urllib.request.urlopen(request, timeout=10).read())
    metrics = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
finally:
    proc.terminate()
    proc.wait(timeout=10)
checked = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=60)
failures = []
if "orderNumber" not in json.dumps(answer):
    failures.append(f"the request got no order number: {answer}")
if checked.returncode != 0 or checked.stdout.strip() or checked.stderr.strip():
    failures.append(f"promtool check metrics: exit {checked.returncode}: {checked.stdout}{checked.stderr}")
for family in ["voip_build_info", "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
               "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes"]:
    if f"\n# TYPE {family} " not in metrics:
        failures.append(f"/metrics does not declare {family}")
for failure in failures:
    print("FAIL", failure)
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
