#!/usr/bin/env bash
# The whole picture locally: a throwaway PostgreSQL, the simulators, three
# adapter instances sharing it and HAProxy in front (deploy/haproxy.cfg).
# Installs what is missing and builds first (scripts/setup.sh), prints the URL
# (HAProxy on 127.0.0.1:8080 unless PORT says otherwise; PORT=0 picks a free
# port), and stops everything on Ctrl-C. Extra arguments go to every adapter
# instance (e.g. --log-level debug). See docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec /usr/bin/python3 tests/cluster/run_cluster.py build/voip-migration-adapter build/voip-migration-sim \
  --instances "${INSTANCES:-3}" --port "${PORT:-8080}" "$@"
