#!/usr/bin/python3
"""usage: layering.py SOURCE_DIR   (or: layering.py --self-test)

Checks that every #include in the product code points down the layers (docs/architecture.md,
"Layers"): a file may include its own folder's headers and those of the folders its folder is
allowed to see, nothing above or beside it; and the third-party headers that belong to one layer
(cpp-httplib, SQLite, gSOAP's generated code) appear only there. Prints each violation as
FILE:LINE: and exits 1 when there is any."""
import os, re, sys

# folder -> the project folders its files may include (besides their own).
ALLOWED = {
    "platform": [],
    "adapter/resilience": ["platform"],
    "adapter": ["adapter/resilience", "platform"],
    "adapter/delivery": ["adapter", "adapter/resilience", "platform"],
    "adapter/store": ["adapter", "adapter/resilience", "platform"],
    "adapter/soap": ["adapter", "adapter/resilience", "platform"],
    "http": ["adapter/soap", "adapter", "adapter/resilience", "platform"],
    "sim": ["http", "adapter/soap", "adapter", "platform"],
    "app": ["http", "sim", "adapter/delivery", "adapter/store", "adapter/soap", "adapter", "adapter/resilience",
            "platform"],
}
# third-party header (regex on the include's name) -> the folders that may include it.
THIRD_PARTY = [
    (r"^httplib\.h$", ["http", "sim", "app"], "cpp-httplib"),
    (r"^sqlite3\.h$", ["adapter/store"], "SQLite"),
    (r"^(soap\w*\.h|stdsoap2\.h|\w+\.nsmap)$", ["adapter/soap", "http", "sim"], "gSOAP generated code"),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

def folder_of(path):
    d = os.path.dirname(path)
    return d if d in ALLOWED else None

def project_folder(name):
    d = os.path.dirname(name)
    return d if d in ALLOWED else None

def check_file(path, lines):
    here = folder_of(path)
    problems = []
    for number, line in enumerate(lines, 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        name = m.group(2)
        there = project_folder(name)
        if there is not None and there != here and there not in ALLOWED[here]:
            problems.append(f"{path}:{number}: {here}/ may not include {name} ({there}/ is not below it)")
        for pattern, folders, what in THIRD_PARTY:
            if re.match(pattern, name) and here not in folders:
                problems.append(f"{path}:{number}: {here}/ may not include {name} ({what} belongs to "
                                f"{', '.join(f + '/' for f in folders)})")
    return problems

def check_tree(src):
    problems = []
    for folder in ALLOWED:
        base = os.path.join(src, folder)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            if name.endswith((".h", ".cc")):
                rel = f"{folder}/{name}"
                with open(os.path.join(src, rel), encoding="utf-8") as f:
                    problems += check_file(rel, f.read().splitlines())
    return problems

def self_test():
    """The checker itself: each planted violation is found, each allowed include passes."""
    cases = [
        ("platform/log.cc", '#include "adapter/fault.h"', 1),
        ("adapter/fault.cc", '#include "http/server.h"', 1),
        ("adapter/fault.cc", "#include <httplib.h>", 1),
        ("adapter/migration_flow.cc", '#include "soapH.h"', 1),
        ("adapter/delivery/outbox_relay.cc", '#include "adapter/store/sqlite_db.h"', 1),
        ("adapter/soap/midas_client.cc", "#include <sqlite3.h>", 1),
        ("adapter/migration_flow.cc", '#include "adapter/resilience/circuit_breaker.h"', 0),
        ("adapter/soap/midas_client.cc", '#include "soapMidasCustomerBindingProxy.h"', 0),
        ("http/server.cc", "#include <httplib.h>", 0),
        ("app/main.cc", '#include "adapter/store/sqlite_db.h"', 0),
    ]
    failed = 0
    for path, line, expected in cases:
        got = len(check_file(path, [line]))
        if got != expected:
            print(f"self-test: {path}: {line!r}: expected {expected} violation(s), found {got}")
            failed += 1
    print(f"self-test: {len(cases) - failed} of {len(cases)} cases right")
    return failed == 0

if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(0 if self_test() else 1)
    problems = check_tree(sys.argv[1])
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} violation(s)")
    sys.exit(1 if problems else 0)
