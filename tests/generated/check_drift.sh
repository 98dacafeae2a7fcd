#!/bin/sh
# Fails when the committed review copy generated/contracts.h differs from what
# wsdl2h makes of wsdl/ now, ignoring the generator's output path and timestamp.
# Fix a failure with: cmake --build build --target regenerate
set -eu
built=$1
committed=$2
strip() {
  grep -v -E '^/\* .*contracts\.h$|^/\* End of .*contracts\.h \*/$|^   [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' "$1"
}
if ! strip "$built" > "${TMPDIR:-/tmp}/contracts.built.$$" || ! strip "$committed" > "${TMPDIR:-/tmp}/contracts.committed.$$"; then
  echo "cannot read $built or $committed" >&2
  exit 1
fi
if diff -u "${TMPDIR:-/tmp}/contracts.committed.$$" "${TMPDIR:-/tmp}/contracts.built.$$"; then
  rm -f "${TMPDIR:-/tmp}/contracts.built.$$" "${TMPDIR:-/tmp}/contracts.committed.$$"
  echo "generated/contracts.h matches wsdl/"
else
  rm -f "${TMPDIR:-/tmp}/contracts.built.$$" "${TMPDIR:-/tmp}/contracts.committed.$$"
  echo "generated/contracts.h is stale: run 'cmake --build build --target regenerate' and commit it" >&2
  exit 1
fi
