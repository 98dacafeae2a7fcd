#!/usr/bin/python3
"""usage: handler_length.py SOURCE_DIR

Fails when an HTTP handler of the adapter (a function named Handle* in http/*.cc) is 40 lines
or longer, signature to closing brace. clang-tidy's readability-function-size holds every
function to 60 lines (.clang-tidy); handlers are held to less, so that each reads as the list of
its stages (docs/architecture.md). The scan is textual: a definition starts on a line naming
Handle...( and ending in '{', and ends at the first line holding only '}' at its indentation.
"""
import os
import re
import sys

LIMIT = 40
DEFINITION = re.compile(r"^(\s*)[\w:<>&*\s]*\bHandle\w*\(")


def handlers(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    for number, line in enumerate(lines):
        match = DEFINITION.match(line)
        if not match or line.rstrip().endswith(";"):
            continue
        name = re.search(r"\b(Handle\w*)\(", line).group(1)
        if "{" in line and line.rstrip().endswith("}"):
            yield name, number + 1, 1  # defined on one line
            continue
        # the signature may wrap: find the line that opens the body
        start = number
        while start < len(lines) and not lines[start].rstrip().endswith("{"):
            if lines[start].rstrip().endswith(";"):
                break
            start += 1
        if start >= len(lines) or not lines[start].rstrip().endswith("{"):
            continue
        closing = match.group(1) + "}"
        end = start + 1
        while end < len(lines) and lines[end].rstrip() != closing:
            end += 1
        yield name, number + 1, end - number + 1


def main():
    source = sys.argv[1]
    folder = os.path.join(source, "http")
    found, failures = 0, []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".cc"):
            continue
        path = os.path.join(folder, name)
        for handler, line, length in handlers(path):
            found += 1
            if length >= LIMIT:
                failures.append(f"http/{name}:{line}: {handler} is {length} lines (limit: under {LIMIT})")
    print("\n".join(failures))
    print(f"handler_length: {found} handlers, {len(failures)} too long")
    if found == 0:
        print("no handler found: the scan no longer matches the code")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
