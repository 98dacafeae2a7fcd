#!/usr/bin/env bash
# Installs whatever this machine lacks (Debian packages only) and builds the
# project into build/. Called by scripts/run.sh and scripts/test.sh; safe to
# run again (it installs nothing when everything is there).
# BUILD_DIR=build-asan SANITIZER=address (or build-tsan, thread) builds a
# sanitizer tree instead (scripts/test.sh, docs/development.md).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake ninja-build pkg-config make
  dpkg-dev         # dpkg-source: unpacks Debian's gSOAP source, compiled into the build (scripts/fetch_gsoap_source.sh)
  gsoap libgsoap-dev libssl-dev zlib1g-dev
  libcpp-httplib-dev libpugixml-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libsystemd-dev   # sd_notify: Type=notify readiness, status and the watchdog (app/service_manager.h)
  googletest libgtest-dev libgmock-dev
  libxml2-utils python3 python3-jsonschema python3-yaml curl
  python3-lxml python3-spyne python3-zeep python3-suds
  openssl          # throwaway CAs in the TLS tests
  haproxy          # deploy/haproxy.cfg is checked with haproxy -c
  postgresql libpq-dev  # the PostgreSQL store (libpq) and its throwaway test server (tests/support/postgres_sandbox.py)
  clang libclang-rt-14-dev  # libFuzzer harnesses with ASan + UBSan (tests/fuzz/)
  clang-tidy clang-format   # the clang_tidy and clang_format tests (docs/development.md)
  prometheus       # promtool: the promtool_metrics and alerts tests
  debhelper help2man lintian systemd man-db  # the package test: build, man pages, lint, systemd-analyze
)

# node and npm run the node-soap interop tests; the machines come with them, a bare
# Debian gets Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages of the interop tests (node-soap), pinned by the committed lock file.
if [ ! -d tests/interop/node_modules ]; then
  echo "setup: npm ci in tests/interop" >&2
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DVOIP_SANITIZER="${SANITIZER:-}" >/dev/null
cmake --build "$BUILD_DIR" -- -j"$(nproc)"
