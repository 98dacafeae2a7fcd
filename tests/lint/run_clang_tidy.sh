#!/bin/sh
# usage: run_clang_tidy.sh BUILD_DIR SOURCE_DIR
# Runs clang-tidy with SOURCE_DIR/.clang-tidy over the product's translation units (those of
# BUILD_DIR/compile_commands.json under adapter/, app/, http/, platform/ and sim/; not tests, not
# generated code) and the product headers they include. Fails, printing them, on any finding.
set -eu
build=$1 src=$2
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
files=$(/usr/bin/python3 - "$build/compile_commands.json" "$src" <<'PY'
import json, os, sys
database, source = sys.argv[1], os.path.realpath(sys.argv[2])
folders = tuple(os.path.join(source, name) + os.sep for name in ("adapter", "app", "http", "platform", "sim"))
units = {entry["file"] for entry in json.load(open(database))}
print("\n".join(sorted(u for u in units if os.path.realpath(u).startswith(folders))))
PY
)
findings=$(mktemp)
trap 'rm -f "$findings"' EXIT
status=0
# stderr only counts the diagnostics clang-tidy hid (system headers, other checks).
echo "$files" | xargs -P "$(nproc)" -n 4 "$tidy" -p "$build" --quiet >"$findings" 2>/dev/null || status=$?
cat "$findings"
count=$(grep -c ': \(warning\|error\): ' "$findings" || true)
echo "clang-tidy: $(echo "$files" | wc -l) files, $count finding(s)"
[ "$status" -eq 0 ] && [ "$count" -eq 0 ]
