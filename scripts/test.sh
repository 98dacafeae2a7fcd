#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through CTest, in three build trees
# (docs/development.md says what each covers and what it costs):
#   build/       the plain build: every test (unit, integration, contract, interop,
#                regression, drift, fuzzing, clang-tidy, format)
#   build-asan/  ASan + UBSan: the C++ unit and integration tests
#   build-tsan/  TSan: every C++ test that starts a thread
# All three run by default; SANITIZERS=0 runs only the plain tree (README says what each costs).
# The trees run one after the other; the command fails if any of them does.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=()
run_tree() {  # run_tree DIR [SANITIZER]
  local started=$SECONDS
  echo "test: === $1: build and test" >&2
  if BUILD_DIR=$1 SANITIZER=${2:-} scripts/setup.sh &&
     (cd "$1" && ctest --output-on-failure -j"$(nproc)" --timeout 300); then
    echo "test: === $1: passed in $((SECONDS - started)) s" >&2
  else
    echo "test: === $1: FAILED after $((SECONDS - started)) s" >&2
    failed+=("$1")
  fi
}

run_tree "${BUILD_DIR:-build}"
if [ "${SANITIZERS:-1}" != 0 ]; then
  run_tree build-asan address
  run_tree build-tsan thread
fi
if ((${#failed[@]})); then
  echo "test: FAILED: ${failed[*]} (total ${SECONDS} s)" >&2
  exit 1
fi
echo "test: all passed (total ${SECONDS} s)" >&2
