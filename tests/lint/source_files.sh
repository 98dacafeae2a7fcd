#!/bin/sh
# usage: source_files.sh SOURCE_DIR
# Prints the project's own C++ files (product, tests, benchmark), one a line, relative to
# SOURCE_DIR: what .clang-format governs. Not generated code, not node_modules.
set -eu
cd "$1"
find adapter app bench http platform sim tests -name node_modules -prune -o \
  -type f \( -name '*.cc' -o -name '*.h' \) -print | sort
