#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerate what is generated from proto/, or with --check, fail when it is stale:
#   gen/actionqueue/...            protoc-c's C code for the messages
#   gen/aqsnap/schema_facts.{h,json}, include/aqsnap/{schema_version,snapshot_fields}.h
#                                  the schema's facts (scripts/schema_facts.py)
# Usage: scripts/regen.sh [--check]    (gen/README.md)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/gen"
(cd "$root/proto" && protoc-c --c_out="$out/gen" actionqueue/snapshot/v1/*.proto)
/usr/bin/python3 "$root/scripts/schema_facts.py" "$root/proto" "$out"
generated=$(cd "$out" && find gen include -type f | sort)

if [ "${1:-}" = "--check" ]; then
  for rel in $generated; do
    if ! cmp -s "$out/$rel" "$root/$rel"; then
      echo "$rel is stale: run scripts/regen.sh" >&2
      diff -u "$root/$rel" "$out/$rel" | head -n 40 >&2 || true
      exit 1
    fi
  done
  have=$(cd "$root" && find gen/actionqueue gen/aqsnap -type f | sort)
  want=$(printf '%s\n' $generated | grep '^gen/')
  if [ "$have" != "$want" ]; then
    echo "gen/ holds files that proto/ does not produce" >&2
    exit 1
  fi
  echo "gen/ and the generated headers of include/aqsnap are up to date with proto/ ($(protoc-c --version | head -n 1))"
else
  rm -rf "$root/gen/actionqueue" "$root/gen/aqsnap"
  for rel in $generated; do
    mkdir -p "$(dirname "$root/$rel")"
    cp "$out/$rel" "$root/$rel"
  done
  echo "regenerated from proto/ with $(protoc-c --version | head -n 1)"
fi
