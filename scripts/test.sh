#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit, integration, contract
# and drift tests) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 300
