#!/bin/sh
# usage: check_reports.sh reset|check DIR
# reset: empties DIR, the folder every binary of a sanitizer tree writes its reports to
# (tests/sanitizers/default_options.cc). check: fails, printing them, when DIR holds any report.
set -eu
action=$1 dir=$2
case $action in
  reset) mkdir -p "$dir" && find "$dir" -type f -delete ;;
  check)
    reports=$(find "$dir" -type f | sort)
    [ -z "$reports" ] && { echo "no sanitizer report in $dir"; exit 0; }
    for report in $reports; do echo "=== $report"; cat "$report"; done
    echo "$(echo "$reports" | wc -l) sanitizer report(s) in $dir" >&2
    exit 1 ;;
  *) echo "usage: $0 reset|check DIR" >&2; exit 2 ;;
esac
