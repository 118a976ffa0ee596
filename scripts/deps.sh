#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install everything aqsnap needs to build, test and benchmark on Debian 12 (run as root).
# Idempotent: packages already present are not fetched again. buf (schema lint and breaking
# checks) comes from the npm registry into .tools/ (pinned, not committed). cargo and the
# librust-* sources build the engine.* tests' reference reader (tests/engine), offline.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

packages="build-essential cmake pkg-config git
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev python3-protobuf
  libcmocka-dev libbenchmark-dev libsimdjson-dev zlib1g-dev
  valgrind clang libclang-rt-14-dev time ninja-build groff-base
  cargo librust-serde-json-dev librust-serde-derive-dev librust-uuid-dev"

# npm: Debian's package conflicts with a nodejs that already bundles npm; add it only if absent.
command -v npm >/dev/null 2>&1 || packages="$packages npm"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  apt-get install -y -q --no-install-recommends $missing
fi

buf_version=1.75.0
if [ ! -x "$root/.tools/node_modules/.bin/buf" ] ||
   [ "$("$root/.tools/node_modules/.bin/buf" --version 2>/dev/null)" != "$buf_version" ]; then
  echo "deps: installing buf $buf_version from npm"
  npm install --silent --no-audit --no-fund --prefix "$root/.tools" "@bufbuild/buf@$buf_version"
fi
