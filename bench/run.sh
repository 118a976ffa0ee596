#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The one command behind BENCHMARKS.md: build Release with the benchmarks, run every benchmark in
# one process (5 repetitions, medians), measure peak RSS per path in separate processes, and
# write the report.
#
#   bench/run.sh [--1m] [--update] [--quick] [build-dir]
#     --1m      also 1M tasks (protobuf paths, and the streaming paths' RSS beside the whole
#               load's and write's; needs ~11 GB of RAM and a few minutes more)
#     --update  replace the generated part of BENCHMARKS.md with this run's report
#     --quick   1 repetition, sizes 1k and 10k, no RSS (a smoke run; never for BENCHMARKS.md)
#     build-dir default /tmp/build-bench
#
# The engine is a peer in the same run: bench/engine_peer/ (the engine's model and serde_json,
# Rust) is linked into aq_bench and rss_probe and timed on the same bytes as aqsnap's JSON paths.
#
# Results go to <build-dir>/bench/results/ (bench.json, rss.tsv, machine.txt, report.md).
# Run it on an otherwise idle machine: timings on a 2-core VM are noisy, which is why
# BENCHMARKS.md compares ratios measured inside one run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
one_m=0 update=0 quick=0 build=/tmp/build-bench
for arg in "$@"; do
  case $arg in
    --1m) one_m=1 ;;
    --update) update=1 ;;
    --quick) quick=1 ;;
    -*) echo "run.sh: unknown option $arg" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
reps=5
[ "$quick" = 0 ] || reps=1

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAQ_BUILD_BENCH=ON -DAQ_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target aq_bench rss_probe
out="$build/bench/results"
mkdir -p "$out"

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "source: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), $(nproc) CPUs ($(lscpu | sed -n 's/^Thread(s) per core:[[:space:]]*//p') thread(s) per core)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo '?')"
  echo "compilers: $(gcc --version | head -n 1); $(g++ --version | head -n 1); flags: CMake Release (-O3 -DNDEBUG)"
  echo "libraries: protobuf-c $(pkgver libprotobuf-c-dev), libprotobuf $(pkgver libprotobuf-dev), simdjson $(pkgver libsimdjson-dev), zlib $(pkgver zlib1g-dev), Google Benchmark $(pkgver libbenchmark-dev), glibc $(pkgver libc6)"
  echo "engine peer: $(/usr/bin/rustc --version), cargo release profile; serde $(pkgver librust-serde-dev), serde_json $(pkgver librust-serde-json-dev), uuid $(pkgver librust-uuid-dev), crc32fast $(pkgver librust-crc32fast-dev) (Debian crates)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$out/machine.txt"

sizes_env=""
[ "$quick" = 0 ] || sizes_env="1000,10000"
AQ_BENCH_1M=$one_m AQ_BENCH_SIZES=$sizes_env "$build/bench/aq_bench" \
  --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/bench.json" --benchmark_out_format=json

echo "load average after the benchmarks: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
rss_arg=""
if [ "$quick" = 0 ]; then
  "$root/bench/rss.sh" "$build" 100000 3 >"$out/rss.tsv"
  # The streaming bounds are stated at 1M tasks: those paths, and the whole ones beside them.
  [ "$one_m" = 0 ] ||
    "$root/bench/rss.sh" "$build" 1000000 3 "baseline load stream_read write stream_write" \
      >>"$out/rss.tsv"
  rss_arg="--rss $out/rss.tsv"
fi

command="bench/run.sh"
[ "$one_m" = 0 ] || command="$command --1m"
# shellcheck disable=SC2086 # rss_arg is empty or two words
python3 "$root/bench/report.py" --bench "$out/bench.json" $rss_arg --machine "$out/machine.txt" \
  --repetitions "$reps" --command "$command" >"$out/report.md"
echo "run.sh: report in $out/report.md"

if [ "$update" = 1 ]; then
  doc="$root/BENCHMARKS.md"
  begin='<!-- BEGIN bench/run.sh output -->'
  end='<!-- END bench/run.sh output -->'
  if ! grep -qF "$begin" "$doc" || ! grep -qF "$end" "$doc"; then
    echo "run.sh: $doc lacks the markers $begin / $end" >&2
    exit 1
  fi
  awk -v b="$begin" -v e="$end" -v rep="$out/report.md" '
    $0 == b { print; while ((getline l < rep) > 0) print l; skip = 1; next }
    $0 == e { skip = 0 }
    !skip { print }' "$doc" >"$doc.tmp"
  mv "$doc.tmp" "$doc"
  echo "run.sh: updated $doc"
fi
