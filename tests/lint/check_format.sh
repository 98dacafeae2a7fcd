#!/bin/sh
# usage: check_format.sh SOURCE_DIR enforce|report
# Runs clang-format --dry-run --Werror over every file source_files.sh lists. enforce: fails on
# the first run with any unformatted file. report: says how many there are and exits 77, which
# CTest reports as skipped (the check is not enforced yet: docs/development.md).
set -eu
src=$1 mode=$2
format=$(command -v clang-format-14 || command -v clang-format)
cd "$src"
unformatted=$(sh tests/lint/source_files.sh . | while read -r file; do
  "$format" --dry-run --Werror "$file" >/dev/null 2>&1 || echo "$file"
done)
if [ -z "$unformatted" ]; then echo "every file is formatted"; exit 0; fi
count=$(echo "$unformatted" | wc -l)
if [ "$mode" = enforce ]; then
  echo "$unformatted" | while read -r file; do "$format" --dry-run "$file" 2>&1 | head -20; done
  echo "$count file(s) not formatted: run scripts/format.sh" >&2
  exit 1
fi
echo "not enforced yet: $count file(s) not formatted (docs/development.md)"
exit 77
