#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Compare the benchmarks of BASE_REF and of the working tree, in one run on one machine.
#
#   bench/compare.sh [--reps N] [--tasks N] [--no-count] BASE_REF
#
# Builds both trees (Release, AQ_BUILD_BENCH) under $TMPDIR, then:
#   - times decode, full load, encode, JSON import and JSON export at --tasks (default 100000),
#     alternating the two binaries --reps times (default 5) so that drift on a busy machine
#     hits both alike, and prints each path's median and current/base ratio;
#   - counts the instructions of one operation of each path at 10,000 tasks with callgrind
#     (repeatable where timings are not), unless --no-count.
# A ratio above 1 means the working tree is slower.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
reps=5 tasks=100000 count=1 base=""
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift ;;
    --tasks) tasks=$2; shift ;;
    --no-count) count=0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) base=$1 ;;
  esac
  shift
done
[ -n "$base" ] || { sed -n '3,13p' "$0" >&2; exit 2; }
base_rev=$(git -C "$root" rev-parse --verify "$base^{commit}")

work=${TMPDIR:-/tmp}/aqsnap-compare
mkdir -p "$work"
rm -rf "$work/base-src"
mkdir -p "$work/base-src"
git -C "$root" archive "$base_rev" | tar -x -C "$work/base-src"

build() { # build <source> <dir>
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DAQ_BUILD_BENCH=ON -DAQ_BUILD_TESTS=OFF \
    -DAQ_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$2" -j "$(nproc)" --target aq_bench >/dev/null
}
echo "compare.sh: building $base ($(git -C "$root" rev-parse --short "$base_rev")) and the working tree" >&2
build "$work/base-src" "$work/build-base"
build "$root" "$work/build-cur"

# path in the benchmark suite | the shim function that does one operation
paths="ours/decode:op_decode ours/load_file:op_load_file ours/encode:op_encode ours/json_decode:op_json_decode ours/json_encode:op_json_encode"
filter=$(for p in $paths; do printf '%s|' "${p%%:*}"; done | sed 's/|$//')

run() { # run <build> <out.json>
  AQ_BENCH_SIZES=$tasks AQ_BENCH_DIR="$work/inputs" "$1/bench/aq_bench" \
    --benchmark_filter="^($filter)/tasks:$tasks/" --benchmark_repetitions=1 \
    --benchmark_out="$2" --benchmark_out_format=json >/dev/null
}
i=1
while [ "$i" -le "$reps" ]; do
  echo "compare.sh: timing, round $i of $reps" >&2
  if [ $((i % 2)) = 1 ]; then # who goes first alternates too
    run "$work/build-base" "$work/base.$i.json"
    run "$work/build-cur" "$work/cur.$i.json"
  else
    run "$work/build-cur" "$work/cur.$i.json"
    run "$work/build-base" "$work/base.$i.json"
  fi
  i=$((i + 1))
done

if [ "$count" = 1 ]; then
  for p in $paths; do
    name=${p%%:*} fn=${p##*:}
    for side in base cur; do
      echo "compare.sh: counting instructions of $name ($side)" >&2
      AQ_BENCH_SIZES=10000 AQ_BENCH_DIR="$work/inputs-count" valgrind --tool=callgrind \
        --toggle-collect="$fn" --callgrind-out-file="$work/$side.$fn.callgrind" \
        "$work/build-$side/bench/aq_bench" --benchmark_filter="^$name/tasks:10000/" \
        --benchmark_min_time=0 --benchmark_repetitions=1 >/dev/null 2>&1
    done
  done
fi

/usr/bin/python3 - "$work" "$reps" "$tasks" "$count" "$paths" <<'EOF'
import json, re, statistics, sys
work, reps, tasks, count, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1", sys.argv[5].split()

def times(side):
    out = {}
    for i in range(1, reps + 1):
        with open(f"{work}/{side}.{i}.json") as f:
            for b in json.load(f)["benchmarks"]:
                out.setdefault(b["name"].split("/tasks:")[0], []).append(b["real_time"])
    return out

def instructions(side, fn):
    with open(f"{work}/{side}.{fn}.callgrind") as f:
        m = re.search(r"^totals:\s+(\d+)", f.read(), re.M)
    return int(m.group(1)) if m else None

base, cur = times("base"), times("cur")
print(f"| path ({tasks} tasks) | base ms | current ms | current/base |"
      + (" base instructions (10k) | current instructions | current/base |" if count else ""))
print("|---|---:|---:|---:|" + ("---:|---:|---:|" if count else ""))
for p in paths:
    name, fn = p.split(":")
    b, c = statistics.median(base[name]), statistics.median(cur[name])
    row = f"| {name} | {b:.2f} | {c:.2f} | {c / b:.3f} |"
    if count:
        ib, ic = instructions("base", fn), instructions("cur", fn)
        row += f" {ib:,} | {ic:,} | {ic / ib:.4f} |"
    print(row)
print(f"\nmedians of {reps} alternating runs of each binary; instructions: callgrind, one "
      "operation (op + free) at 10,000 tasks")
EOF
