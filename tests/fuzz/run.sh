#!/bin/sh
# Runs one libFuzzer harness for a bounded time from seed directories; a new
# corpus goes to a temporary directory, crash inputs to ARTIFACT_DIR.
# usage: run.sh FUZZER SECONDS ARTIFACT_DIR SEED_DIR...
set -eu
fuzzer=$1 seconds=$2 artifacts=$3
shift 3
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exec_status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=70000 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$@" || exec_status=$?
exit $exec_status
