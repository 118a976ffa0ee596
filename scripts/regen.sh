#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerate gen/ from proto/ with protoc-c, or with --check, fail when gen/ is stale.
# Usage: scripts/regen.sh [--check]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root/proto"
protoc-c --c_out="$out" actionqueue/snapshot/v1/*.proto
if [ "${1:-}" = "--check" ]; then
  for f in "$out"/actionqueue/snapshot/v1/*; do
    rel=actionqueue/snapshot/v1/$(basename "$f")
    if ! cmp -s "$f" "$root/gen/$rel"; then
      echo "gen/$rel is stale: run scripts/regen.sh" >&2
      diff -u "$root/gen/$rel" "$f" | head -n 40 >&2 || true
      exit 1
    fi
  done
  extra=$(cd "$root/gen" && find actionqueue -type f | sort)
  want=$(cd "$out" && find actionqueue -type f | sort)
  if [ "$extra" != "$want" ]; then
    echo "gen/ holds files protoc-c does not produce from proto/" >&2
    exit 1
  fi
  echo "gen/ is up to date with proto/ ($(protoc-c --version | head -n 1))"
else
  rm -rf "$root/gen/actionqueue"
  cp -R "$out/actionqueue" "$root/gen/"
  echo "regenerated gen/ with $(protoc-c --version | head -n 1)"
fi
