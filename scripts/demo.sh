#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The main job (README "Quick start"): build aqsnap and run it on the bundled example snapshot,
# an engine-format JSON snapshot.bin. Installs what it needs first.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DAQ_BUILD_TESTS=OFF >/dev/null
cmake --build build/demo -j "$(nproc)" >/dev/null
aqsnap=build/demo/tools/aqsnap
example=examples/snapshot.bin
set -x
"$aqsnap" inspect "$example"
"$aqsnap" validate "$example"
"$aqsnap" convert --to protobuf "$example" build/demo/snapshot.pb.bin
"$aqsnap" inspect build/demo/snapshot.pb.bin
"$aqsnap" convert --to json build/demo/snapshot.pb.bin build/demo/snapshot.json.bin
cmp "$example" build/demo/snapshot.json.bin
