#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Peak RSS per path, each in its own process under `/usr/bin/time -v` (Debian package `time`).
#   bench/rss.sh <build-dir> [tasks (100000)] [repetitions (3)] [names (every row)]
# names: a space-separated subset of the rows below, e.g. "baseline load stream_read".
# Prints one tab-separated line per process:
#   name  tasks  rep  max_rss_kb  payload_bytes  key=value...(from rss_probe)  wall_ns=N
# payload_bytes is the protobuf payload, or the JSON text for json_* and engine_* rows (file
# size - 12). wall_ns: the whole process (start, operation, release, exit), timed from here.
# The write rows load the snapshot first and count from there (rss_probe.c): their max_rss_kb
# includes the snapshot they write, their hwm - rss_before is the write's own peak.
set -eu
build=${1:?usage: bench/rss.sh <build-dir> [tasks] [repetitions] [names]}
tasks=${2:-100000}
reps=${3:-3}
only=${4:-}
probe="$build/bench/rss_probe"
[ -x "$probe" ] || { echo "rss.sh: $probe not built (cmake --build $build --target rss_probe)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "rss.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }

# Same inputs as the benchmarks (deterministic); prints key=value pairs.
gen=$("$probe" gen "$tasks")
pb=$(printf '%s\n' "$gen" | tr ' ' '\n' | sed -n 's/^pb_path=//p')
json=$(printf '%s\n' "$gen" | tr ' ' '\n' | sed -n 's/^json_path=//p')

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# name  operation  file
set -- \
  "baseline baseline $pb" \
  "read read $pb" \
  "pbc_unpack pbc_unpack $pb" \
  "cpp_parse cpp_parse $pb" \
  "load load $pb" \
  "steady steady $pb" \
  "stream_read stream_read $pb" \
  "write write $pb" \
  "stream_write stream_write $pb" \
  "json_read read $json" \
  "json_load json_load $json" \
  "json_stream_read stream_read $json" \
  "engine_load engine_load $json"

for spec in "$@"; do
  # shellcheck disable=SC2086 # split "name op file"
  set -- $spec
  name=$1 op=$2 file=$3
  [ "$file" != "-" ] || continue
  case " ${only:-$name} " in *" $name "*) ;; *) continue ;; esac
  rep=1
  while [ "$rep" -le "$reps" ]; do
    t0=$(date +%s%N)
    /usr/bin/time -v "$probe" "$op" "$file" >"$tmp/out" 2>"$tmp/err" || {
      echo "rss.sh: $name failed:" >&2; cat "$tmp/err" >&2; exit 1; }
    t1=$(date +%s%N)
    kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/err")
    payload=$(sed -n 's/.*payload=\([0-9]*\).*/\1/p' "$tmp/out")
    kv=$(sed 's/^op=[^ ]* payload=[0-9]* //' "$tmp/out")
    printf '%s\t%s\t%s\t%s\t%s\t%s wall_ns=%s\n' "$name" "$tasks" "$rep" "$kb" "$payload" "$kv" \
      $((t1 - t0))
    rep=$((rep + 1))
  done
done
