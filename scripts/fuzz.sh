#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run each libFuzzer target for SECONDS (default 60) from the committed corpus, with clang's
# AddressSanitizer and UndefinedBehaviorSanitizer. New corpus entries go to a scratch dir; a
# crash fails the script and leaves its input in build/fuzz/crashes/: commit it to
# tests/fuzz/corpus/<target>/ once fixed, so every later run replays it.
#   scripts/fuzz.sh [SECONDS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=$root/build/fuzz
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DAQ_SANITIZER=address,undefined -DAQ_FUZZ=ON \
  -DAQ_BUILD_TOOLS=OFF -DAQ_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_decode fuzz_load fuzz_roundtrip >/dev/null
mkdir -p "$build/crashes"
for target in decode load roundtrip; do
  scratch=$build/corpus-$target
  rm -rf "$scratch" && mkdir -p "$scratch"
  echo "fuzz: $target for ${seconds}s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=0 \
    -artifact_prefix="$build/crashes/$target-" -max_len=65536 \
    "$scratch" "$root/tests/fuzz/corpus/$target" 2>"$build/$target.log" || {
      tail -n 40 "$build/$target.log" >&2
      echo "fuzz: $target found a crash; input saved under $build/crashes/" >&2
      exit 1
    }
  grep -E "^#[0-9]+.*DONE" "$build/$target.log" | tail -n 1 || true
done
