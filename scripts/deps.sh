#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install everything aqsnap needs to build, test and benchmark on Debian 12 (run as root).
# Idempotent: packages already present are not fetched again. buf (schema lint and breaking
# checks) and the TypeScript toolchain come from the npm registry into .tools/ (pinned, not
# committed). cargo and the librust-* sources build the engine.* tests' reference reader
# (tests/engine), the benchmarks' engine peer (bench/engine_peer) and the Rust example, offline. The examples of docs/LANGUAGES.md (xlang.* tests)
# also need Go, a JDK with protobuf-java, and the system's Node.js 20 (20.15 or later).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

packages="build-essential cmake pkg-config git
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev python3-protobuf
  libcmocka-dev libbenchmark-dev libsimdjson-dev zlib1g-dev
  valgrind clang libclang-rt-14-dev time ninja-build groff-base
  cargo librust-serde-json-dev librust-serde-derive-dev librust-uuid-dev librust-crc32fast-dev
  golang-go protoc-gen-go golang-google-protobuf-dev
  default-jdk-headless libprotobuf-java libgoogle-gson-java libguava-java
  librust-prost-dev librust-prost-build-dev librust-prost-types-dev librust-base64-dev"

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

# npm packages, pinned: buf; protobuf-es, its generator and the TypeScript compiler (the
# examples' protoc-gen-es pulls in its own typescript 5.4 too, whose library types are too old for
# protobuf-es 2.17).
npm_packages="@bufbuild/buf@1.75.0 @bufbuild/protobuf@2.17.0 @bufbuild/protoc-gen-es@2.17.0
  typescript@5.9.3 @types/node@20.19.43"
npm_missing=""
for spec in $npm_packages; do
  name=${spec%@*}
  have=$(node -p "require('$root/.tools/node_modules/$name/package.json').version" 2>/dev/null) ||
    have=""
  [ "$name@$have" = "$spec" ] || npm_missing="$npm_missing $spec"
done
if [ -n "$npm_missing" ]; then
  echo "deps: installing from npm:$npm_missing"
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  npm install --silent --no-audit --no-fund --save-exact --prefix "$root/.tools" $npm_missing
fi
