#!/usr/bin/env bash
# Longer fuzzing than the test suite's few seconds: builds the libFuzzer
# harnesses (clang, ASan + UBSan) and runs each for SECONDS (default 300),
# keeping each one's corpus in build/fuzz/corpus-NAME between runs. A crash
# stops with the input saved in build/fuzz/artifacts-NAME/.
# usage: scripts/fuzz.sh [SECONDS] [FUZZER...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
seconds=${1:-300}
shift || true
fuzzers=("$@")
if ((${#fuzzers[@]} == 0)); then fuzzers=(json_request_fuzzer fault_detail_fuzzer soap_request_fuzzer backend_answer_fuzzer request_head_fuzzer xml_chars_fuzzer); fi
build=${BUILD_DIR:-build}
for name in "${fuzzers[@]}"; do
  mkdir -p "$build/fuzz/corpus-$name" "$build/fuzz/artifacts-$name"
  echo "fuzz: $name for ${seconds}s" >&2
  "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=70000 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz/artifacts-$name/" \
    "$build/fuzz/corpus-$name" tests/fixtures tests/fuzz/seeds
done
