#!/usr/bin/python3
"""Every metric the Grafana dashboard queries is one the adapter exports.

Reads docs/grafana-dashboard.json, collects the voip_* series named in its
queries, and checks each family is declared (# TYPE) by the running adapter's
GET /metrics, so the dashboard cannot silently drift from adapter/metrics.h.

usage: dashboard_test.py ADAPTER_BINARY DASHBOARD_JSON
"""
import json
import re
import subprocess
import sys
import urllib.request

adapter, dashboard_path = sys.argv[1], sys.argv[2]
dashboard = json.load(open(dashboard_path, encoding="utf-8"))
queried = set()
for panel in dashboard["panels"]:
    for target in panel["targets"]:
        for name in re.findall(r"\bvoip_[a-z_]+", target["expr"]):
            queried.add(re.sub(r"_(bucket|sum|count)$", "", name))

proc = subprocess.Popen([adapter, "--simulate", "--listen", "127.0.0.1:0", "--drain-ready-grace-s", "0"], stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
try:
    base = None
    for line in proc.stderr:
        if "listening on" in line:
            base = line.split("listening on ")[1].strip()
            break
    metrics = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
finally:
    proc.terminate()
    proc.wait(timeout=10)
declared = set(re.findall(r"^# TYPE (\S+) ", metrics, re.M))
missing = sorted(queried - declared)
for name in missing:
    print(f"FAIL the dashboard queries {name}, which /metrics does not declare")
print(f"dashboard queries {len(queried)} families, all declared" if not missing else "")
print(f"{0 if missing else 1} passed, {1 if missing else 0} failed")
sys.exit(1 if missing else 0)
