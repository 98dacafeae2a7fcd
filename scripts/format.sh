#!/bin/sh
# Formats the project's own C++ files in place with .clang-format (the clang_format test's
# file set: tests/lint/source_files.sh).
set -eu
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format)
sh tests/lint/source_files.sh . | xargs "$format" -i
