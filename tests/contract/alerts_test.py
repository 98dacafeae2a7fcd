#!/usr/bin/python3
"""deploy/alerts.yml is a valid Prometheus rules file and says what docs/operations.md says.

- promtool check rules accepts it (Debian's prometheus package provides promtool);
- it holds exactly the alerts of the "## Alerts" table of docs/operations.md, each with the
  table's expression, `for` (0m: none) and severity label, so neither can drift from the other.

usage: alerts_test.py ALERTS_YML OPERATIONS_MD
"""
import re
import subprocess
import sys

import yaml

alerts_path, operations_path = sys.argv[1], sys.argv[2]
failures = []

checked = subprocess.run(["promtool", "check", "rules", alerts_path], capture_output=True, text=True, timeout=60)
if checked.returncode != 0:
    failures.append(f"promtool check rules: exit {checked.returncode}: {checked.stdout}{checked.stderr}")


def documented_alerts():
    """name -> (expr, for, severity) from the table under "## Alerts"."""
    text = open(operations_path, encoding="utf-8").read()
    section = text.split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 5 or not re.fullmatch(r"[A-Z][A-Za-z]+", cells[0]):
            continue
        expr = re.match(r"`(.*?)`", cells[1]).group(1).replace("\\|", "|")
        table[cells[0]] = (" ".join(expr.split()), cells[2], cells[3])
    return table


def file_alerts():
    rules = [r for g in yaml.safe_load(open(alerts_path, encoding="utf-8"))["groups"] for r in g["rules"]]
    return {r["alert"]: (" ".join(r["expr"].split()), r.get("for", "0m"), r.get("labels", {}).get("severity"))
            for r in rules}


documented, shipped = documented_alerts(), file_alerts()
if not documented:
    failures.append("found no alert in docs/operations.md's Alerts table")
for name in sorted(set(documented) | set(shipped)):
    if name not in shipped:
        failures.append(f"{name}: in docs/operations.md, not in {alerts_path}")
    elif name not in documented:
        failures.append(f"{name}: in {alerts_path}, not in docs/operations.md")
    elif documented[name] != shipped[name]:
        failures.append(f"{name}: docs say {documented[name]}, the file says {shipped[name]}")
for failure in failures:
    print("FAIL", failure)
print(f"{len(shipped)} alerts, {len(documented)} documented")
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
