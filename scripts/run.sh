#!/usr/bin/env bash
# Sets up, builds and starts the adapter with both legacy systems simulated
# in-process. Extra arguments go to the adapter (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/voip-migration-adapter --simulate --listen "${LISTEN:-127.0.0.1:8080}" "$@"
