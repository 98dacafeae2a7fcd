#!/usr/bin/env bash
# The benchmark (docs/performance.md). NOT part of the test command.
# Installs what it needs (Debian: wrk, valgrind, gnuplot-nox, strace, nginx-light),
# builds, then runs bench/run_bench.py: voip-migration-sim and the adapter as their
# own processes on loopback, wrk against the JSON face, the reference server and the
# pass-through chain (the architectural ceiling) in the same run, both again with
# nginx answering fixed SOAP responses as the backend,
# callgrind and memcheck on short runs. Writes results/ (git-ignored):
# bench.md, bench.json, bench.png, logs. Takes about four minutes.
# Extra arguments go to bench/run_bench.py (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(wrk valgrind gnuplot-nox python3 strace nginx-light)
missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/setup.sh  # installs the build's packages and builds into build/ (BUILD_DIR)
exec /usr/bin/python3 bench/run_bench.py --build "${BUILD_DIR:-build}" --out "${RESULTS_DIR:-results}" "$@"
