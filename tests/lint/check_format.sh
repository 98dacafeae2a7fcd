#!/bin/sh
# usage: check_format.sh SOURCE_DIR
# Runs clang-format --dry-run --Werror over every file source_files.sh lists and fails, showing
# the first differences of each, when any file is not formatted (scripts/format.sh formats them).
set -eu
src=$1
format=$(command -v clang-format-14 || command -v clang-format)
cd "$src"
unformatted=$(sh tests/lint/source_files.sh . | while read -r file; do
  "$format" --dry-run --Werror "$file" >/dev/null 2>&1 || echo "$file"
done)
if [ -z "$unformatted" ]; then echo "every file is formatted"; exit 0; fi
count=$(echo "$unformatted" | wc -l)
echo "$unformatted" | while read -r file; do "$format" --dry-run "$file" 2>&1 | head -20; done
echo "$count file(s) not formatted: run scripts/format.sh" >&2
exit 1
