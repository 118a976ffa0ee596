#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# engine.* tests: the engine's own snapshot model (src/snapshot_model.rs, the seed verbatim) with
# real serde_json, built by Debian's cargo, reads aqsnap's JSON and writes back the same bytes.
#
#   engine_test.sh build    CARGO BUILD_DIR            copy this crate to BUILD_DIR, build it there
#   engine_test.sh fixtures BUILD_DIR ROOT             the engine-format files of the repository
#   engine_test.sh ours     BUILD_DIR AQSNAP WRITER ROOT   files aqsnap's JSON writer produced
#                                                          (converted, and migrated to v8)
#   engine_test.sh bites    BUILD_DIR ROOT             a one-byte change of layout is caught
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=$1
shift
dir=$(case $mode in build) echo "$2" ;; *) echo "$1" ;; esac)
ref=$dir/target/debug/engine_reference

# check [--pretty] FILE: the reference reads FILE (and writes it back identically), or a failure.
check() { "$ref" "$@" || failed=$((failed + 1)); }
failed=0

case $mode in
build)
    cargo=$1
    rm -rf "$dir/crate" && mkdir -p "$dir"
    cp -R "$here" "$dir/crate"
    # The crate's .cargo/config.toml (Debian's registry, offline) applies from its directory.
    cd "$dir/crate"
    CARGO_TARGET_DIR="$dir/target" "$cargo" build --offline --quiet || {
        echo "engine_test.sh: cargo could not build the reference; run scripts/deps.sh (cargo and" \
             "the librust-serde-json-dev, librust-serde-derive-dev, librust-uuid-dev," \
             "librust-crc32fast-dev packages)" >&2
        exit 1
    }
    ;;
fixtures)
    root=$2
    for f in "$root"/compat/engine-json/v*/*.snap "$root"/examples/snapshot.bin \
             "$root"/tests/data/json/engine_v?.json; do
        check "$f"
    done
    for f in "$root"/tests/data/json/*.pretty.json; do check --pretty "$f"; done
    ;;
ours)
    aqsnap=$2 writer=$3 root=$4
    work=$dir/ours
    rm -rf "$work" && mkdir -p "$work"
    # The sample builder's snapshots (every variant, schema 4 to 8), written by the JSON writer.
    "$writer" "$work" >/dev/null
    for f in "$work"/*.json; do check "$f"; done
    # The protobuf fixtures, converted by the tool, compact and pretty.
    for f in "$root"/compat/v*/ok_*.snap "$root"/compat/future/*.snap; do
        out=$work/$(echo "${f#"$root"/}" | tr / _)
        "$aqsnap" convert --to json "$f" "$out.json"
        check "$out.json"
        "$aqsnap" convert --to json --pretty "$f" "$out.pretty.json"
        check --pretty "$out.pretty.json"
    done
    # The engine JSON fixtures of older schema versions, migrated to the engine's (8): the very
    # bytes serde_json writes for the model it reads from them, and no violation nor warning.
    for f in "$root"/compat/engine-json/v[4-7]/ok_*.snap; do
        out=$work/migrated_$(echo "${f#"$root"/compat/engine-json/}" | tr / _)
        "$aqsnap" migrate "$f" "$out" || { failed=$((failed + 1)); continue; }
        check "$out"
        "$aqsnap" validate "$out" >"$out.validate" || failed=$((failed + 1))
        if grep -q '^warning: ' "$out.validate" || ! grep -qx "$out: valid" "$out.validate"; then
            cat "$out.validate" >&2
            echo "engine_test.sh: $out: expected valid with no warning" >&2
            failed=$((failed + 1))
        fi
    done
    ;;
bites)
    root=$2
    doc=$root/tests/data/json/engine_v8.json
    # One space more, two keys swapped: serde_json still reads both, and writes neither.
    sed 's/"paused":false/"paused": false/' "$doc" >"$dir/space.json"
    sed 's/"paused":false,"paused_at":\([0-9]*\)/"paused_at":\1,"paused":false/' "$doc" >"$dir/order.json"
    for f in space order; do
        if cmp -s "$dir/$f.json" "$doc"; then
            echo "engine_test.sh: the $f mutation changed nothing" >&2
            exit 1
        fi
        if "$ref" "$dir/$f.json" 2>"$dir/$f.err"; then
            echo "engine_test.sh: the reference accepted $f.json as written by serde_json" >&2
            failed=$((failed + 1))
        elif ! grep -q "writes it back differently" "$dir/$f.err"; then
            cat "$dir/$f.err" >&2
            echo "engine_test.sh: the reference refused $f.json for another reason" >&2
            failed=$((failed + 1))
        fi
    done
    ;;
*)
    echo "usage: engine_test.sh build|fixtures|ours|bites ..." >&2
    exit 2
    ;;
esac
[ "$failed" = 0 ] || { echo "engine_test.sh $mode: $failed check(s) failed" >&2; exit 1; }
