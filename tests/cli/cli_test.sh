#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The cli.* tests: the aqsnap tool's outputs, errors and exit codes (tests/cli/CMakeLists.txt).
#
# usage: cli_test.sh CASE AQSNAP PYTHON SOURCE_DIR WORK_DIR VERSION
#   CASE      one of the case_* functions below, with dots: validate.crc_mismatch
#   AQSNAP    the tool under test; PYTHON runs tests/cli/snaputil.py (stdlib only)
#   WORK_DIR  scratch directory, emptied first; the tool runs there on relative file names
#   VERSION   the project version `aqsnap --version` must print
#
# Inputs are tests/data/json/engine_v<N>.json, wrapped in envelopes and damaged by snaputil.py,
# which also computes every fact the tool must report (zlib CRC-32, counts, ...) on its own.
# Each failed expectation prints the command, what was expected and what the tool did; the
# test fails if any did. Exit 77 means skipped.
set -u

if [ $# -ne 6 ]; then
    echo "usage: cli_test.sh CASE AQSNAP PYTHON SOURCE_DIR WORK_DIR VERSION" >&2
    exit 2
fi
CASE=$1 AQSNAP=$2 PYTHON=$3 SRC=$4 WORK=$5 VERSION=$6
# The schema versions this build reads (generated from proto/ into the public header).
SCHEMA_MIN=$(sed -n 's/^#define AQ_SCHEMA_MIN //p' "$SRC/include/aqsnap/schema_version.h")
SCHEMA_MAX=$(sed -n 's/^#define AQ_SCHEMA_MAX //p' "$SRC/include/aqsnap/schema_version.h")
DATA=$SRC/tests/data/json
UTIL=$SRC/tests/cli/snaputil.py
VERSIONS="4 5 6 7 8"
AQP1=827347265 # 0x31505141, the protobuf frame version

rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1

failures=0
CMD="(setup)"
rc=
runs=0  # commands run so far
shown=0 # the last command whose output was shown

# ---- running the tool and checking what it did ------------------------------------------------

# run_program NAME PROGRAM ARGS...: run PROGRAM (NAME in messages); stdout in ./out, stderr in
# ./err, exit status in $rc. (So no test file may be called out or err.)
run_program() {
    CMD="$1"
    _program=$2
    shift 2
    CMD="$CMD $*"
    runs=$((runs + 1))
    "$_program" "$@" >out 2>err
    rc=$?
}

# run ARGS...: run the tool.
run() { run_program aqsnap "$AQSNAP" "$@"; }

# run_to TARGET ARGS...: the same with stdout sent to TARGET (./out stays empty).
run_to() {
    _target=$1
    shift
    CMD="aqsnap $* >$_target"
    runs=$((runs + 1))
    : >out
    "$AQSNAP" "$@" >"$_target" 2>err
    rc=$?
}

# run_piped FILE ARGS...: run the tool with FILE on its standard input through a pipe.
run_piped() {
    _in=$1
    shift
    CMD="cat $_in | aqsnap $*"
    runs=$((runs + 1))
    cat "$_in" | "$AQSNAP" "$@" >out 2>err
    rc=$?
}

# run_bounded ARGS...: run the tool, killed after 30 s (a hang shows as exit status 124).
run_bounded() {
    CMD="timeout 30 aqsnap $*"
    runs=$((runs + 1))
    timeout 30 "$AQSNAP" "$@" >out 2>err
    rc=$?
}

# actual: what the last command did (once per command; later failures refer to it).
actual() {
    if [ "$shown" = "$runs" ]; then
        echo "  actual: (as above)"
        return
    fi
    shown=$runs
    echo "  actual exit status: $rc"
    echo "  actual stdout ($(wc -c <out) bytes):"
    head -n 12 out | cut -c 1-300 | sed 's/^/    | /'
    echo "  actual stderr ($(wc -c <err) bytes):"
    head -n 12 err | cut -c 1-300 | sed 's/^/    | /'
}

# fail EXPECTED: record a failed expectation of the last command.
fail() {
    echo "FAIL: $CMD"
    echo "  expected: $1"
    actual
    failures=$((failures + 1))
}

expect_rc() { [ "$rc" = "$1" ] || fail "exit status $1"; }
expect_out_empty() { [ ! -s out ] || fail "nothing on stdout"; }
expect_err_empty() { [ ! -s err ] || fail "nothing on stderr"; }
# expect_out_line TEXT / expect_err_line TEXT: a whole line equal to TEXT.
expect_out_line() { grep -Fqx -- "$1" out || fail "a stdout line '$1'"; }
expect_err_line() { grep -Fqx -- "$1" err || fail "a stderr line '$1'"; }
# expect_out_match ERE / expect_err_match ERE: some line matches.
expect_out_match() { grep -Eq -- "$1" out || fail "a stdout line matching /$1/"; }
expect_err_match() { grep -Eq -- "$1" err || fail "a stderr line matching /$1/"; }
expect_err_has() { grep -Fq -- "$1" err || fail "stderr containing '$1'"; }
# expect_err_lines N: stderr has exactly N lines.
expect_err_lines() {
    [ "$(wc -l <err | tr -d ' ')" = "$1" ] || fail "exactly $1 line(s) on stderr"
}
expect_out_lines() {
    [ "$(wc -l <out | tr -d ' ')" = "$1" ] || fail "exactly $1 line(s) on stdout"
}
# expect_line N WHERE ERE...: line N of WHERE (out or err) matches every ERE.
expect_line() {
    _n=$1 _f=$2
    shift 2
    _line=$(sed -n "${_n}p" "$_f")
    for _re in "$@"; do
        printf '%s\n' "$_line" | grep -Eq -- "$_re" || fail "$_f line $_n matching /$_re/"
    done
}
# expect_absent PATH...: the command left no such file.
expect_absent() {
    for _p in "$@"; do
        if [ -e "$_p" ] || [ -L "$_p" ]; then
            fail "no file '$_p' (it exists: $(ls -ld -- "$_p"))"
        fi
    done
}
# expect_same_file EXPECTED ACTUAL: byte for byte.
expect_same_file() {
    if ! cmp "$1" "$2" >cmp.log 2>&1; then
        fail "$2 identical to $1 ($(cat cmp.log))"
    fi
}

# expect_frame FILE VERSION: FILE is an envelope with that version word, its length the payload's
# and its CRC zlib's crc32 of the payload.
expect_frame() {
    _h=$(util header "$1") || { fail "$1 readable"; return; }
    _crc=$(util crc "$1")
    _size=$(($(wc -c <"$1") - 12))
    [ "$_h" = "$2 $_size $_crc" ] ||
        fail "$1: envelope '$2 $_size $_crc' (version, length, CRC), found '$_h'"
}

# check DESCRIPTION COMMAND...: a helper check (snaputil.py); its output says what is wrong.
check() {
    _desc=$1
    shift
    if ! "$@" >check.log 2>&1; then
        echo "FAIL: $CMD"
        echo "  expected: $_desc"
        sed 's/^/  /' check.log
        actual
        failures=$((failures + 1))
    fi
}

util() { "$PYTHON" "$UTIL" "$@"; }

# setup COMMAND...: a step that makes inputs; the test cannot go on without it.
setup() {
    if ! "$@" >setup.log 2>&1; then
        echo "ERROR: test setup failed: $*"
        sed 's/^/  /' setup.log
        exit 1
    fi
}

# ---- inputs ------------------------------------------------------------------------------------

# env_v N: envV.snap, the fixture engine_vN.json in a JSON envelope (version word 4).
env_v() { setup util wrap 4 "$DATA/engine_v$1.json" "env$1.snap"; }

# nonul_v N: docN.json (the fixture without NUL characters, which protobuf-c cannot carry),
# jsonN.snap (it in a JSON envelope) and pbN.snap (converted to protobuf by the tool).
nonul_v() {
    setup util nonul "$DATA/engine_v$1.json" "doc$1.json"
    setup util wrap 4 "doc$1.json" "json$1.snap"
    setup "$AQSNAP" convert --to protobuf "json$1.snap" "pb$1.snap"
}

# invalid_doc: bad.json (v8 with three violations, see snaputil.py invalid), bad.snap (framed).
invalid_doc() {
    setup util invalid "$DATA/engine_v8.json" bad.json
    setup util wrap 4 bad.json bad.snap
}

# ---- inspect -----------------------------------------------------------------------------------

# Text output for JSON envelope files: every fact, against the document and zlib's CRC.
case_inspect_envelope() {
    for v in $VERSIONS; do
        env_v "$v"
        run inspect "env$v.snap"
        expect_rc 0
        expect_err_empty
        check "the facts of env$v.snap" util inspect-text "env$v.snap" "$DATA/engine_v$v.json" out
    done
}

case_inspect_envelope_json() {
    for v in $VERSIONS; do
        env_v "$v"
        run inspect --json "env$v.snap"
        expect_rc 0
        expect_err_empty
        check "valid JSON with the facts of env$v.snap" \
            util inspect-json "env$v.snap" "$DATA/engine_v$v.json" out
    done
}

# Protobuf files (written by convert): the facts are the source document's.
case_inspect_protobuf() {
    for v in $VERSIONS; do
        nonul_v "$v"
        run inspect "pb$v.snap"
        expect_rc 0
        expect_err_empty
        check "the facts of pb$v.snap" util inspect-text "pb$v.snap" "doc$v.json" out
    done
}

case_inspect_protobuf_json() {
    for v in $VERSIONS; do
        nonul_v "$v"
        run inspect --json "pb$v.snap"
        expect_rc 0
        expect_err_empty
        check "valid JSON with the facts of pb$v.snap" util inspect-json "pb$v.snap" "doc$v.json" out
    done
}

# Bare JSON documents (no envelope), compact and pretty.
case_inspect_bare() {
    for f in engine_v4 engine_v5 engine_v6 engine_v7 engine_v8 engine_v4.pretty engine_v8.pretty; do
        setup cp "$DATA/$f.json" "$f.json"
        run inspect "$f.json"
        expect_rc 0
        expect_err_empty
        check "the facts of $f.json" util inspect-text "$f.json" "$f.json" out
    done
}

case_inspect_bare_json() {
    for f in engine_v4 engine_v5 engine_v6 engine_v7 engine_v8 engine_v4.pretty engine_v8.pretty; do
        setup cp "$DATA/$f.json" "$f.json"
        run inspect --json "$f.json"
        expect_rc 0
        expect_err_empty
        check "valid JSON with the facts of $f.json" util inspect-json "$f.json" "$f.json" out
    done
}

# A paused engine: "paused (since T)" / "paused":true.
case_inspect_paused() {
    setup util paused "$DATA/engine_v8.json" paused.json
    setup util wrap 4 paused.json paused.snap
    run inspect paused.snap
    expect_rc 0
    expect_out_line "engine:            paused (since 1700000400)"
    check "the facts of paused.snap" util inspect-text paused.snap paused.json out
    run inspect --json paused.snap
    expect_rc 0
    check "the facts of paused.snap" util inspect-json paused.snap paused.json out
}

# An invalid but loadable snapshot: inspect reads it, exits 0 and counts the violations.
case_inspect_invalid() {
    invalid_doc
    run inspect bad.snap
    expect_rc 0
    expect_err_empty
    expect_out_match '^validation: +3 violations, first: metadata\.task_count'
    check "the facts of bad.snap, 3 violations" util inspect-text bad.snap bad.json out 3
    run inspect --json bad.snap
    expect_rc 0
    expect_err_empty
    check "valid JSON, \"valid\":false, \"violations\":3" util inspect-json bad.snap bad.json out 3
}

# A file name that JSON must escape still gives valid JSON naming the file.
case_inspect_json_file_name() {
    env_v 8
    name=$(printf 'q"b\\s\tt.snap')
    setup cp env8.snap "$name"
    run inspect --json "$name"
    expect_rc 0
    check "valid JSON with the facts of $name" util inspect-json "$name" "$DATA/engine_v8.json" out
}

# A file name that is not UTF-8 still gives valid JSON: each invalid sequence becomes U+FFFD,
# valid multi-byte characters stay as they are.
case_inspect_json_file_name_not_utf8() {
    env_v 8
    name=$(printf 'bad\377\342\202name-\303\251.snap')
    setup cp env8.snap "$name"
    run inspect --json "$name"
    expect_rc 0
    expect_out_match "$(printf '"file":"bad\\\\ufffd\\\\ufffdname-\303\251[.]snap"')"
    check "valid JSON with the facts of the file" util inspect-json "$name" "$DATA/engine_v8.json" out
}

# ---- validate ----------------------------------------------------------------------------------

# Good files of every kind: exit 0 and "FILE: valid".
case_validate_valid() {
    for v in $VERSIONS; do
        env_v "$v"
        nonul_v "$v"
        setup cp "$DATA/engine_v$v.json" "bare$v.json"
        for f in "env$v.snap" "pb$v.snap" "bare$v.json"; do
            run validate "$f"
            expect_rc 0
            expect_line 1 out "^$f: valid\$"
            expect_out_lines 2
            expect_err_empty
            # The engine's verdict: every fixture document has a Cron policy and a five-field
            # expression, which no engine build loads; before that, format and version.
            case $f in
            pb*) why='protobuf file: .* convert it to JSON first' ;;
            bare*) why='no envelope: ' ;;
            *) [ "$v" = 8 ] && why='tasks\[2\] .* Cron policy, which no engine build loads: .*"\*/5 \* \* \* \*" \(5 fields; cron expressions have 6 or 7, seconds first\)' ||
                why="schema version $v: the engine loads only 8; run \`aqsnap migrate\`" ;;
            esac
            expect_line 2 out "^$f: engine 0\.1\.2 does not load it: $why"
        done
    done
}

# Several violations: exit 1, every one on stdout, one a line, in validation order, with ids.
case_validate_violations() {
    invalid_doc
    for f in bad.snap bad.json; do
        run validate "$f"
        expect_rc 1
        expect_out_lines 3
        expect_line 1 out 'metadata\.task_count' '\b7\b' '\b3\b'
        expect_line 2 out 'runs\[0\]\.state_history\[1\]' '0000000b-0000-4000-8000-000000000001' \
            'Scheduled -> Running'
        expect_line 3 out 'runs\[1\]' '0000000b-0000-4000-8000-000000000002' \
            '0000000a-0000-4000-8000-0000000000ff'
        expect_err_line "aqsnap: $f: 3 violations"
        expect_err_lines 1
    done
}

# Warnings (what the engine loads although aqsnap knows it is wrong) do not fail the check,
# unless --strict: an empty Custom role name, bytes after the payload.
case_validate_warnings() {
    setup util custom-empty "$DATA/engine_v8.json" custom.json
    setup util wrap 4 custom.json custom.snap
    env_v 8
    { cat env8.snap && printf 'xyz'; } >trailing.snap
    for f in custom.json custom.snap trailing.snap; do
        case $f in
        trailing.snap) kind=AQ_ERR_TRAILING_DATA where=': 3 bytes after the [0-9]+-byte payload' ;;
        *) kind=AQ_ERR_CUSTOM_NAME_EMPTY where=': role_assignments\[0\]\.role\.custom: actor ' ;;
        esac
        run validate "$f"
        expect_rc 0
        expect_err_empty
        expect_out_lines 3
        expect_line 1 out "^warning: $kind$where"
        expect_line 2 out "^$f: valid, 1 warning\$"
        expect_line 3 out "^$f: engine 0\.1\.2 does not load it: "
        run validate --strict "$f"
        expect_rc 1
        expect_out_lines 1
        expect_line 1 out "^$kind$where"
        expect_err_line "aqsnap: $f: 1 violation"
    done
}

# Two verdicts, for each row of issue 12's table (files made here): whether aqsnap loads the
# file, and whether engine 0.1.2 loads it as it is, with the reason; --engine makes the second
# an exit status (5), --json prints both.
CRON='{"Cron":{"expression":"*/5 * * * *","max_occurrences":12}}'
case_validate_engine_verdicts() {
    # v8 without a Cron policy: both load it.
    setup util replace "$DATA/engine_v8.json" once.json "$CRON" '"Once"'
    setup util wrap 4 once.json once.snap
    run validate --engine once.snap
    expect_rc 0
    expect_out_lines 2
    expect_line 2 out '^once\.snap: engine 0\.1\.2 loads it$'
    run validate --json --engine once.snap
    expect_rc 0
    expect_line 1 out '^\{"file":"once\.snap","valid":true,"violations":0,"warnings":0,"engine_release":"0\.1\.2","engine_loads":true\}$'
    # What the engine loads although aqsnap knows it is wrong: warnings, and the engine loads.
    setup util custom-empty once.json custom.json
    setup util wrap 4 custom.json custom.snap
    { cat once.snap && printf 'xyz'; } >trailing.snap
    for f in custom.snap trailing.snap; do
        run validate --engine "$f"
        expect_rc 0
        expect_line 1 out '^warning: '
        expect_line 3 out "^$f: engine 0\.1\.2 loads it\$"
    done
    # serde's other forms of a struct, and skipped values of any depth or bytes, load.
    setup util replace once.json seq.json '{"Repeat":{"count":3,"interval_secs":60}}' '{"Repeat":[3,60]}'
    setup util replace seq.json seq2.json '"tenants":[' '"zz":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"zzz":"\u00ff","tenants":['
    setup util wrap 4 seq2.json seq.snap
    run validate --engine seq.snap
    expect_rc 0
    expect_out_line "seq.snap: valid"
    expect_out_line "seq.snap: engine 0.1.2 loads it"
    # Not the engine's: an older schema version, no envelope, protobuf.
    env_v 7
    run validate --engine env7.snap
    expect_rc 5
    expect_line 2 out '^env7\.snap: engine 0\.1\.2 does not load it: schema version 7: the engine loads only 8; run `aqsnap migrate`$'
    run validate --json env7.snap
    expect_rc 0
    expect_line 1 out '"valid":true,.*"engine_loads":false,"engine_reason":"schema version 7: the engine loads only 8; run `aqsnap migrate`"\}$'
    run validate --engine once.json
    expect_rc 5
    expect_line 2 out '^once\.json: engine 0\.1\.2 does not load it: no envelope: '
    setup util nonul once.json nonul.json
    setup util wrap 4 nonul.json nonul.snap
    setup "$AQSNAP" convert --to protobuf nonul.snap once.aqp
    run validate --engine once.aqp
    expect_rc 5
    expect_line 2 out '^once\.aqp: engine 0\.1\.2 does not load it: protobuf file: '
    # Cron: default builds refuse it; workflow builds parse it as cron 0.12 does.
    setup util replace "$DATA/engine_v8.json" cron6.json "$CRON" '{"Cron":{"expression":"0 */5 * * * Mon-Fri"}}'
    setup util wrap 4 cron6.json cron6.snap
    run validate --engine cron6.snap
    expect_rc 5
    expect_line 2 out 'has a Cron policy: only engine builds with the `workflow` feature load it$'
    setup util replace "$DATA/engine_v8.json" bogus.json "$CRON" '{"Cron":{"expression":"bogus"}}'
    setup util wrap 4 bogus.json bogus.snap
    run validate --engine bogus.snap
    expect_rc 5
    expect_line 2 out 'which no engine build loads: default builds refuse Cron, and `workflow` builds refuse "bogus" \(the seconds field takes no names, found .bogus.\)$'
    setup util replace "$DATA/engine_v8.json" zero.json "$CRON" '{"Cron":{"expression":"0 */5 * * * *","max_occurrences":0}}'
    setup util wrap 4 zero.json zero.snap
    run validate --engine zero.snap
    expect_rc 1
    expect_line 1 out '^AQ_ERR_TASK_CRON_MAX_OCCURRENCES_ZERO: tasks\[2\]\.task_spec\.run_policy\.cron\.max_occurrences: '
    run validate --json zero.snap
    expect_rc 1
    expect_line 1 out '"valid":false,"violations":1,"warnings":0,"first_violation":".*"engine_loads":false,"engine_reason":"1 violation of the rules the engine checks"\}$'
}

# inspect states the bytes after the payload, which the engine ignores.
case_inspect_trailing() {
    env_v 8
    { cat env8.snap && printf 'xyz'; } >trailing.snap
    run inspect trailing.snap
    expect_rc 0
    expect_err_empty
    check "the facts of trailing.snap" util inspect-text trailing.snap "$DATA/engine_v8.json" out
    run inspect --json trailing.snap
    expect_rc 0
    check "the facts of trailing.snap (JSON)" util inspect-json trailing.snap \
        "$DATA/engine_v8.json" out
}

# --stream: the same verdicts from a read one record at a time, in either format.
case_validate_stream() {
    for v in $VERSIONS; do
        nonul_v "$v"
        run validate --stream "pb$v.snap"
        expect_rc 0
        expect_out_line "pb$v.snap: valid"
        expect_out_lines 1
        expect_err_empty
    done
    for v in $VERSIONS; do
        env_v "$v"
        run validate --stream "env$v.snap"
        expect_rc 0
        expect_out_line "env$v.snap: valid"
    done
    # bytes after a JSON payload are ignored, as the engine ignores them; a protobuf file has none
    { cat env8.snap && printf 'xyz'; } >trailing.snap
    run validate --stream trailing.snap
    expect_rc 0
    { cat pb8.snap && printf 'xyz'; } >trailing.pb
    run validate --stream trailing.pb
    expect_rc 1
    expect_err_match "^aqsnap: trailing.pb: 3 unexpected bytes after the"
    invalid_doc
    run validate bad.snap
    cp out whole.out
    cp err whole.err
    run validate --stream bad.snap
    expect_rc 1
    expect_same_file whole.out out
    expect_same_file whole.err err
    setup util corrupt flip pb8.snap crc-pb8.snap 100
    run validate --stream crc-pb8.snap
    expect_rc 1
    expect_err_match "^aqsnap: crc-pb8.snap: CRC-32 mismatch"
    run validate --stream nosuch.snap
    expect_rc 1
    expect_err_match "^aqsnap: nosuch.snap: no snapshot"
}

# An unsupported schema version is a violation too (exit 1, named).
case_validate_schema_version() {
    for sv in $((SCHEMA_MIN - 1)) $((SCHEMA_MAX + 1)); do
        setup util schema "$DATA/engine_v8.json" "schema$sv.json" "$sv"
        run validate "schema$sv.json"
        expect_rc 1
        expect_out_match "schema_version.*\\b$sv\\b"
        expect_err_line "aqsnap: schema$sv.json: 1 violation"
    done
}

# A flipped payload byte: exit 1, "aqsnap: FILE: ..." with both CRCs as 0x%08x.
case_validate_crc_mismatch() {
    env_v 8
    nonul_v 8
    for f in env8.snap pb8.snap; do
        setup util corrupt flip "$f" "crc-$f" 100
        header_crc=$(util header "crc-$f" | cut -d' ' -f3)
        actual_crc=$(util crc "crc-$f")
        run validate "crc-$f"
        expect_rc 1
        expect_out_empty
        expect_err_lines 1
        expect_err_match "^aqsnap: crc-$f: .*CRC"
        expect_err_match "expected $header_crc\\b"
        expect_err_match "actual $actual_crc\\b"
    done
}

# A payload cut short: the offset where the data ends and the announced length.
case_validate_truncated_payload() {
    env_v 8
    len=$(util header env8.snap | cut -d' ' -f2)
    for cut in 12 500 $((len + 11)); do
        setup util corrupt cut env8.snap "cut$cut.snap" "$cut"
        run validate "cut$cut.snap"
        expect_rc 1
        expect_out_empty
        expect_err_lines 1
        expect_err_match "^aqsnap: cut$cut\\.snap: .*truncated"
        expect_err_match "\\b$cut\\b"
        expect_err_match "\\b$len\\b"
    done
}

# A file shorter than the 12-byte header.
case_validate_truncated_header() {
    env_v 8
    for cut in 1 7 11; do
        setup util corrupt cut env8.snap "cut$cut.snap" "$cut"
        run validate "cut$cut.snap"
        expect_rc 1
        expect_out_empty
        expect_err_lines 1
        expect_err_match "^aqsnap: cut$cut\\.snap: .*truncated"
        expect_err_match "\\b$cut\\b"
        expect_err_match 'header'
    done
}

# A wrong version word: expected 4 (and the protobuf word) and what was found.
case_validate_bad_version() {
    env_v 8
    for word in 0 5 0x31505142 0xffffffff; do
        # shellcheck disable=SC2004 # $word holds a hex literal
        dec=$(($word))
        hex=$(printf '0x%08x' "$dec")
        setup util corrupt version env8.snap "ver$word.snap" "$word"
        run validate "ver$word.snap"
        expect_rc 1
        expect_out_empty
        expect_err_lines 1
        expect_err_match "^aqsnap: ver$word\\.snap: .*version"
        expect_err_match "expected 4\\b"
        expect_err_match "found ($dec\\b|$hex\\b)"
    done
}

# A missing file and an empty file are "no snapshot": exit 1.
case_validate_missing() {
    run validate nosuch.snap
    expect_rc 1
    expect_out_empty
    expect_err_match '^aqsnap: nosuch\.snap: no snapshot'
    : >empty.snap
    run validate empty.snap
    expect_rc 1
    expect_out_empty
    expect_err_match '^aqsnap: empty\.snap: no snapshot'
}

# A directory, a FIFO (no writer: the tool must not wait for one) or a device is no snapshot
# file: exit 1, one line naming the path once.
case_validate_directory() {
    mkdir adir
    run validate adir
    expect_rc 1
    expect_out_empty
    expect_err_lines 1
    expect_err_line 'aqsnap: adir: the path is a directory, not a snapshot file'
}

case_validate_not_a_file() {
    mkfifo afifo
    run_bounded validate afifo
    expect_rc 1
    expect_err_line 'aqsnap: afifo: the path is a FIFO (named pipe), not a snapshot file'
    run_bounded inspect /dev/null
    expect_rc 1
    expect_err_line 'aqsnap: /dev/null: the path is a character device, not a snapshot file'
}

# A text file is not a snapshot file (rather than an "incompatible version").
case_validate_text_file() {
    echo "hello, world" >hello.txt
    run validate hello.txt
    expect_rc 1
    expect_err_lines 1
    expect_err_match '^aqsnap: hello\.txt: not a snapshot file \(neither an envelope nor JSON\)'
}

# A bare JSON document may start with blank lines and spaces (a pretty dump saved to a file).
case_validate_leading_whitespace() {
    env_v 8
    { printf '\n\n  ' && "$AQSNAP" dump --pretty env8.snap; } >lead.json
    run validate lead.json
    expect_rc 0
    expect_out_line "lead.json: valid"
    printf '  {}' >empty-object.json
    run validate empty-object.json
    expect_rc 1
    expect_err_match "^aqsnap: empty-object\\.json: .*missing field .version."
}

# Load errors are the same for every command (exit 1, "aqsnap: FILE: problem", no output file).
case_errors_every_command() {
    env_v 8
    setup util corrupt flip env8.snap crc.snap 100
    for cmd in inspect "inspect --json" dump "dump --pretty"; do
        # shellcheck disable=SC2086 # $cmd is a command and its option
        run $cmd crc.snap
        expect_rc 1
        expect_out_empty
        expect_err_match '^aqsnap: crc\.snap: .*CRC'
        run $cmd nosuch.snap
        expect_rc 1
        expect_out_empty
        expect_err_match '^aqsnap: nosuch\.snap: no snapshot'
    done
    run convert crc.snap out.pb
    expect_rc 1
    expect_err_match '^aqsnap: crc\.snap: .*CRC'
    expect_absent out.pb out.pb.tmp
    run convert nosuch.snap out.pb
    expect_rc 1
    expect_err_match '^aqsnap: nosuch\.snap: no snapshot'
    expect_absent out.pb out.pb.tmp
}

# ---- standard input ----------------------------------------------------------------------------

# '-' reads the snapshot from standard input (a pipe here), for every command: the same output as
# from the file, which inspect and validate name '-'.
case_stdin_every_command() {
    nonul_v 8
    setup cp doc8.json bare.json
    for f in json8.snap pb8.snap bare.json; do
        for cmd in validate inspect "inspect --json" dump "dump --pretty"; do
            # shellcheck disable=SC2086 # $cmd is a command and its option
            run $cmd "$f"
            expect_rc 0
            sed "s|$f|-|" out >expected
            # shellcheck disable=SC2086
            run_piped "$f" $cmd -
            expect_rc 0
            expect_err_empty
            expect_same_file expected out
        done
        run_piped "$f" convert --to protobuf - "$f.pb"
        expect_rc 0
        expect_same_file pb8.snap "$f.pb"
    done
    # a redirected file is read the same way
    CMD="aqsnap validate - <pb8.snap"
    "$AQSNAP" validate - <pb8.snap >out 2>err
    rc=$?
    expect_rc 0
    expect_out_line "-: valid"
}

# Load errors from standard input name it '-': empty, not a snapshot, cut short, trailing bytes.
case_stdin_errors() {
    env_v 8
    : >empty
    run_piped empty validate -
    expect_rc 1
    expect_err_line "aqsnap: -: no snapshot: the stream is empty"
    echo "hello, world" >hello.txt
    run_piped hello.txt validate -
    expect_rc 1
    expect_err_match '^aqsnap: -: not a snapshot file'
    setup util corrupt cut env8.snap cut.snap 500
    run_piped cut.snap dump -
    expect_rc 1
    expect_out_empty
    expect_err_match '^aqsnap: -: truncated snapshot: data ends at byte 500\b'
    # Bytes after the payload load, as the engine loads them: counted, then dropped.
    { cat env8.snap && echo extra; } >long.snap
    run_piped long.snap inspect -
    expect_rc 0
    expect_err_empty
    expect_out_line "trailing bytes:    6 after the payload (ignored, as the engine ignores them)"
}

# ---- migrate -----------------------------------------------------------------------------------

# Every older engine JSON snapshot (and its protobuf copy) becomes a v8 engine JSON file that
# aqsnap validates with no warning and whose only engine objection left is its Cron policy;
# --schema-version picks another version, and going back is refused naming the record.
case_migrate_to_engine_version() {
    for v in 4 5 6 7 8; do
        env_v "$v"
        nonul_v "$v"
        for f in "env$v.snap" "pb$v.snap"; do
            run migrate "$f" "$f.v8"
            expect_rc 0
            expect_out_empty
            expect_err_empty
            expect_frame "$f.v8" 4
            run validate "$f.v8"
            expect_rc 0
            expect_out_lines 2
            expect_line 1 out "^$f\.v8: valid\$"
            expect_line 2 out "^$f\.v8: engine 0\.1\.2 does not load it: tasks\[2\] .* Cron policy"
            run inspect --json "$f.v8"
            expect_line 1 out '"schema_version":8,'
        done
    done
    # Up and down where the content allows it.
    env_v 5
    run migrate --schema-version 6 env5.snap env5.v6
    expect_rc 0
    run inspect env5.v6
    expect_out_line "schema version:    6"
    run migrate --schema-version 4 env5.snap env5.v4
    expect_rc 1
    expect_err_match '^aqsnap: env5\.snap: cannot be migrated to schema version 4: tasks\[[0-9]+\]\.task_spec\.(parent_task_id|constraints\.required_capabilities): .* is a schema v5 feature'
    expect_absent env5.v4
    env_v 8
    run migrate --schema-version 7 env8.snap env8.v7
    expect_rc 1
    expect_err_match 'cannot be migrated to schema version 7: .*schema v8 feature'
    expect_absent env8.v7
}

# --schema-version with a value that is no schema version.
case_usage_schema_version() {
    env_v 7
    for v in $((SCHEMA_MIN - 1)) $((SCHEMA_MAX + 1)) x "" 8x -8; do
        run migrate --schema-version "$v" env7.snap out.snap
        expect_usage migrate
        expect_err_has '--schema-version'
        expect_absent out.snap
    done
    run migrate env7.snap
    expect_usage migrate
}

# ---- memory limit ------------------------------------------------------------------------------

# --max-memory SIZE bounds what a load may hold: over it, exit 4 and a message naming the limit;
# K, M and G are binary multiples; from a file and from standard input, for every command.
case_max_memory_option() {
    nonul_v 8
    for f in json8.snap pb8.snap; do
        for cmd in validate inspect dump "convert --to json"; do
            # shellcheck disable=SC2086
            run $cmd --max-memory 1K "$f" $([ "$cmd" = "convert --to json" ] && echo out.snap)
            expect_rc 4
            expect_out_empty
            expect_err_lines 1
            expect_err_match "^aqsnap: $f: memory limit of 1024 bytes reached"
            expect_absent out.snap out.snap.tmp
        done
        run validate --max-memory 64M "$f"
        expect_rc 0
        run validate "$f" --max-memory=1G
        expect_rc 0
        run_piped "$f" validate --max-memory 2K -
        expect_rc 4
        expect_err_match "^aqsnap: -: memory limit of 2048 bytes reached"
    done
}

# ---- convert -----------------------------------------------------------------------------------

# json -> protobuf -> json (default directions) gives back the engine file byte for byte.
case_convert_roundtrip() {
    for v in $VERSIONS; do
        setup util nonul "$DATA/engine_v$v.json" "doc$v.json"
        setup util wrap 4 "doc$v.json" "json$v.snap"
        run convert "json$v.snap" "pb$v.snap"
        expect_rc 0
        expect_out_empty
        expect_err_empty
        expect_frame "pb$v.snap" "$AQP1"
        run convert "pb$v.snap" "back$v.snap"
        expect_rc 0
        expect_out_empty
        expect_err_empty
        expect_same_file "json$v.snap" "back$v.snap"
    done
}

# --to protobuf from a JSON envelope, a bare document and a protobuf file.
case_convert_to_protobuf() {
    nonul_v 8
    setup cp doc8.json bare.json
    for f in json8.snap bare.json pb8.snap; do
        run convert --to protobuf "$f" "$f.pb"
        expect_rc 0
        expect_err_empty
        expect_frame "$f.pb" "$AQP1"
        expect_same_file pb8.snap "$f.pb"
    done
    run convert --to=protobuf json8.snap eq.pb
    expect_rc 0
    expect_same_file pb8.snap eq.pb
}

# --to json from a protobuf file, a JSON envelope and a bare document: the engine's file.
case_convert_to_json() {
    nonul_v 8
    setup cp doc8.json bare.json
    for f in pb8.snap json8.snap bare.json; do
        run convert --to json "$f" "$f.json.snap"
        expect_rc 0
        expect_err_empty
        expect_same_file json8.snap "$f.json.snap"
    done
    # the NUL characters of the original fixture are fine in JSON
    env_v 8
    run convert --to json "$DATA/engine_v8.json" nul.snap
    expect_rc 0
    expect_same_file env8.snap nul.snap
}

# --pretty with JSON: serde_json's pretty layout in a valid envelope.
case_convert_pretty() {
    for v in 4 8; do
        run convert --to json --pretty "$DATA/engine_v$v.json" "pretty$v.snap"
        expect_rc 0
        expect_err_empty
        check "pretty$v.snap: an envelope" util payload "pretty$v.snap" "pretty$v.payload"
        expect_same_file "$DATA/engine_v$v.pretty.json" "pretty$v.payload"
        expect_frame "pretty$v.snap" 4
        run validate "pretty$v.snap"
        expect_rc 0
    done
    # from protobuf, --pretty alone means json
    nonul_v 8
    run convert --pretty pb8.snap pretty-pb.snap
    expect_rc 0
    check "pretty-pb.snap: an envelope" util payload pretty-pb.snap pretty-pb.payload
    check "pretty-pb.snap holds doc8.json" util jsoneq doc8.json pretty-pb.payload
}

# Options after the files, as the usage allows: `aqsnap convert IN OUT --to protobuf|json`.
case_convert_options_after_files() {
    nonul_v 8
    run convert json8.snap after.pb --to protobuf
    expect_rc 0
    expect_err_empty
    expect_same_file pb8.snap after.pb
    run convert pb8.snap after.snap --to json
    expect_rc 0
    expect_same_file json8.snap after.snap
    run inspect json8.snap --json
    expect_rc 0
    check "valid JSON with the facts of json8.snap" util inspect-json json8.snap doc8.json out
}

# --pretty with protobuf output is a usage error; OUT is not created.
case_convert_pretty_protobuf() {
    nonul_v 8
    run convert --pretty json8.snap out.pb
    expect_rc 2
    expect_out_empty
    expect_err_has '--pretty'
    expect_absent out.pb out.pb.tmp
    run convert --to protobuf --pretty pb8.snap out.pb
    expect_rc 2
    expect_err_has '--pretty'
    expect_absent out.pb out.pb.tmp
}

# The usage error is found before the input is read (it does not depend on IN).
case_convert_pretty_protobuf_before_load() {
    run convert --to protobuf --pretty nosuch.snap out.pb
    expect_rc 2
    expect_err_has '--pretty'
    expect_absent out.pb out.pb.tmp
}

# Atomic output: no OUT.tmp left; a previous OUT is replaced whole.
case_convert_atomic() {
    nonul_v 8
    run convert json8.snap new.pb
    expect_rc 0
    expect_absent new.pb.tmp
    echo "previous contents" >old.pb
    run convert json8.snap old.pb
    expect_rc 0
    expect_same_file pb8.snap old.pb
    expect_absent old.pb.tmp
    for f in *.tmp; do
        [ ! -e "$f" ] || fail "no *.tmp file left in the directory (found $f)"
    done
}

# OUT's directory does not exist: exit 3, "aqsnap: OUT: ...", nothing created.
case_convert_missing_dir() {
    nonul_v 8
    run convert json8.snap nodir/out.pb
    expect_rc 3
    expect_out_empty
    expect_err_lines 1
    expect_err_match '^aqsnap: nodir/out\.pb: '
    expect_absent nodir
}

# OUT is a directory: exit 3, the directory untouched, no OUT.tmp left.
case_convert_out_is_directory() {
    nonul_v 8
    mkdir outdir && echo keep >outdir/file
    run convert json8.snap outdir
    expect_rc 3
    expect_err_match '^aqsnap: outdir: '
    if [ ! -d outdir ] || [ "$(ls outdir)" != file ]; then
        fail "outdir still a directory holding only 'file'"
    fi
    expect_absent outdir.tmp
}

# OUT is a FIFO: not replaced (nor written into), exit 3 at once.
case_convert_out_is_fifo() {
    nonul_v 8
    mkfifo fifo
    run_bounded convert json8.snap fifo
    expect_rc 3
    expect_err_line 'aqsnap: fifo: the path is a FIFO (named pipe), not a snapshot file: it is not replaced'
    [ -p fifo ] || fail "fifo still a FIFO"
    expect_absent fifo.tmp
}

# Another writer holds OUT (flock(1) holds the lock of its temporary file): exit 3 saying so,
# nothing touched. Once it is gone, its leftover does not stand in the way.
case_convert_busy() {
    nonul_v 8
    echo "previous contents" >busy.pb
    cp busy.pb busy.orig
    CMD="flock busy.pb.tmp aqsnap convert json8.snap busy.pb"
    runs=$((runs + 1))
    flock busy.pb.tmp "$AQSNAP" convert json8.snap busy.pb >out 2>err
    rc=$?
    expect_rc 3
    expect_err_lines 1
    expect_err_match '^aqsnap: busy\.pb: another writer holds the path: its temporary file busy\.pb\.tmp is locked'
    expect_same_file busy.orig busy.pb
    run convert json8.snap busy.pb
    expect_rc 0
    expect_same_file pb8.snap busy.pb
    expect_absent busy.pb.tmp
}

# A symbolic link planted at OUT's temporary name is not followed: exit 3, its target intact.
case_convert_planted_symlink() {
    nonul_v 8
    echo secret >victim
    ln -s victim out.pb.tmp
    run convert json8.snap out.pb
    expect_rc 3
    expect_err_match '^aqsnap: out\.pb: the temporary file name out\.pb\.tmp is a symbolic link'
    [ "$(cat victim)" = secret ] || fail "victim still holding 'secret'"
    expect_absent out.pb
}

# A replaced OUT keeps its permission bits, read-only ones too.
case_convert_modes() {
    nonul_v 8
    run convert json8.snap out.pb
    for m in 600 444 640; do
        chmod "$m" out.pb
        run convert json8.snap out.pb
        expect_rc 0
        [ "$(stat -c %a out.pb)" = "$m" ] || fail "out.pb of mode $m (it is $(stat -c %a out.pb))"
    done
}

# OUT's name may take all 255 bytes a name may have (its temporary name is then shorter).
case_convert_long_name() {
    nonul_v 8
    name=$(printf '%0255d' 0)
    run convert json8.snap "$name"
    expect_rc 0
    expect_same_file pb8.snap "$name"
    for f in *.tmp; do
        [ ! -e "$f" ] || fail "no temporary file left (found $f)"
    done
}

# --stream: the files a whole conversion writes, copied one record at a time, from either
# format (--to is needed). A damaged IN fails after the copy began: OUT is not created.
case_convert_stream() {
    for v in $VERSIONS; do
        nonul_v "$v"
        for to in json protobuf; do
            for f in "pb$v.snap" "json$v.snap"; do
                run convert --to "$to" "$f" "whole-$to-$f"
                run convert --stream --to "$to" "$f" "s-$to-$f"
                expect_rc 0
                expect_out_empty
                expect_err_empty
                expect_same_file "whole-$to-$f" "s-$to-$f"
            done
        done
    done
    run convert --to json --pretty pb8.snap whole-pretty.snap
    run convert --stream --to json --pretty pb8.snap pretty.snap
    expect_rc 0
    expect_same_file whole-pretty.snap pretty.snap
    setup util corrupt flip pb8.snap crc-pb8.snap 100
    run convert --stream --to json crc-pb8.snap dest
    expect_rc 1
    expect_err_match "^aqsnap: crc-pb8.snap: CRC-32 mismatch"
    expect_absent dest dest.tmp
    run convert --stream pb8.snap dest
    expect_rc 2
    expect_err_match "^aqsnap: --stream needs --to"
    expect_absent dest
    run convert --stream --to json pb8.snap no/such/dir/out
    expect_rc 3
    expect_err_match "^aqsnap: no/such/dir/out: open directory"
}

# An invalid snapshot is refused (exit 1, the first violation named); OUT is not created and a
# previous OUT is kept byte for byte.
case_convert_invalid() {
    invalid_doc
    for to in protobuf json; do
        run convert --to "$to" bad.snap dest
        expect_rc 1
        expect_out_empty
        expect_err_match '^aqsnap: bad\.snap: .*task_count'
        expect_absent dest dest.tmp
    done
    echo "previous contents" >kept
    cp kept kept.orig
    run convert bad.json kept
    expect_rc 1
    expect_same_file kept.orig kept
    expect_absent kept.tmp
}

# A string holding NUL (the original fixtures) cannot go to protobuf (protobuf-c cannot carry it):
# exit 3, the input and the field named (the problem is IN's content), nothing written.
case_convert_nul_string() {
    env_v 8
    run convert env8.snap nul.pb
    expect_rc 3
    expect_out_empty
    expect_err_lines 1
    expect_err_match '^aqsnap: env8\.snap: cannot be written as protobuf: tasks\[[0-9]+\]\..*NUL'
    expect_absent nul.pb nul.pb.tmp
}

# ---- dump --------------------------------------------------------------------------------------

# Compact dump of a JSON envelope: the payload itself, plus a newline.
case_dump_compact() {
    for v in $VERSIONS; do
        env_v "$v"
        { cat "$DATA/engine_v$v.json" && echo; } >"expected$v"
        run dump "env$v.snap"
        expect_rc 0
        expect_err_empty
        expect_same_file "expected$v" out
        # a bare document dumps the same
        run dump "$DATA/engine_v$v.json"
        expect_rc 0
        expect_same_file "expected$v" out
    done
    # protobuf: the document it was converted from
    nonul_v 8
    { cat doc8.json && echo; } >expected-pb
    run dump pb8.snap
    expect_rc 0
    expect_same_file expected-pb out
}

# --pretty: the same JSON value; serde_json's pretty layout.
case_dump_pretty() {
    for v in $VERSIONS; do
        env_v "$v"
        run dump --pretty "env$v.snap"
        expect_rc 0
        expect_err_empty
        check "dump --pretty parses to engine_v$v.json's value" util jsoneq "$DATA/engine_v$v.json" out
        [ "$(tail -c 1 out | od -An -c | tr -d ' ')" = '\n' ] || fail "output ending in a newline"
    done
    for v in 4 8; do
        { cat "$DATA/engine_v$v.pretty.json" && echo; } >"expected$v"
        run dump --pretty "env$v.snap"
        expect_same_file "expected$v" out
    done
}

# dump reads a snapshot that breaks validation rules.
case_dump_invalid() {
    invalid_doc
    { cat bad.json && echo; } >expected
    run dump bad.snap
    expect_rc 0
    expect_err_empty
    expect_same_file expected out
}

# ---- output errors -----------------------------------------------------------------------------

# stdout cannot be written (/dev/full): exit 3 and a message, for every command that prints.
case_output_stdout_full() {
    [ -c /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
    env_v 8
    for cmd in dump "dump --pretty" inspect "inspect --json" validate; do
        # shellcheck disable=SC2086
        run_to /dev/full $cmd env8.snap
        expect_rc 3
        expect_err_match '^aqsnap: '
    done
}

# --help and --version print to stdout too: a full disk is an error there as well (exit 3).
case_output_help_full() {
    [ -c /dev/full ] || { echo "SKIP: no /dev/full"; exit 77; }
    for args in --help -h help "inspect --help" "validate -h" "convert --help" "dump --help" \
        --version -V version; do
        # shellcheck disable=SC2086
        run_to /dev/full $args
        expect_rc 3
        expect_err_line 'aqsnap: stdout: write failed'
    done
}

# ---- usage -------------------------------------------------------------------------------------

# expect_usage COMMAND: exit 2, nothing on stdout, "aqsnap: problem" then COMMAND's usage on
# stderr (the text `aqsnap COMMAND --help` prints).
expect_usage() {
    expect_rc 2
    expect_out_empty
    expect_line 1 err '^aqsnap: '
    sed 1d err >err.usage
    if [ "$1" = main ]; then
        "$AQSNAP" --help >help.txt 2>/dev/null
    else
        "$AQSNAP" "$1" --help >help.txt 2>/dev/null
    fi
    cmp -s help.txt err.usage || fail "stderr: 'aqsnap: <problem>', then the usage of '$1'"
}

case_usage_no_command() {
    run
    expect_usage main
    expect_err_match '^usage: aqsnap'
}

case_usage_unknown_command() {
    for c in frob INSPECT --bogus -x; do
        run "$c" file.snap
        expect_usage main
        expect_err_has "'$c'"
    done
}

case_usage_unknown_option() {
    env_v 8
    for c in inspect validate dump; do
        for o in --bogus -x --json=1; do
            run "$c" "$o" env8.snap
            expect_usage "$c"
            expect_line 1 err "'${o}'"
        done
    done
    for o in --bogus -x; do
        run convert "$o" env8.snap dest
        expect_usage convert
        expect_line 1 err "'$o'"
        expect_absent dest
    done
}

# An option that exists, given to a command that does not take it, is named in the message.
case_usage_foreign_option() {
    env_v 8
    for args in "inspect --pretty" "inspect --to json" "validate --pretty" \
        "validate --to protobuf" "dump --json" "dump --to json" "inspect --strict" \
        "dump --strict" "inspect --engine" "dump --engine"; do
        # shellcheck disable=SC2086
        run $args env8.snap
        c=${args%% *}
        o=${args#* }
        o=${o%% *}
        expect_usage "$c"
        expect_line 1 err "'$o'"
    done
    run convert --json env8.snap dest
    expect_usage convert
    expect_line 1 err "'--json'"
    expect_absent dest
}

# Missing or extra file arguments.
case_usage_file_args() {
    env_v 8
    for c in inspect validate dump; do
        run "$c"
        expect_usage "$c"
        run "$c" env8.snap env8.snap
        expect_usage "$c"
    done
    run convert
    expect_usage convert
    run convert env8.snap
    expect_usage convert
    run convert env8.snap out1 out2
    expect_usage convert
    expect_absent out1 out2
}

# --strict reports warnings as violations, which a streaming read does not report at all.
case_usage_strict_stream() {
    nonul_v 8
    run validate --strict --stream pb8.snap
    expect_usage validate
    expect_err_has '--strict does not go with --stream'
}

# --max-memory with a value that is not a size.
case_usage_max_memory() {
    env_v 8
    for v in 0 -5 12Q 1.5M "" K 99999999999999999999 1T; do
        run validate --max-memory "$v" env8.snap
        expect_usage validate
        expect_err_has '--max-memory'
    done
    run validate --max-memory
    expect_usage validate
}

# --to with a bad or missing value.
case_usage_bad_to() {
    env_v 8
    for f in xml JSON ""; do
        run convert --to "$f" env8.snap dest
        expect_usage convert
        expect_err_has 'protobuf'
        expect_absent dest
    done
    run convert --to
    expect_usage convert
}

# --to without its value, before or after the files: said as such, not "unknown option".
case_usage_to_missing_value() {
    env_v 8
    for args in "convert --to" "convert env8.snap dest --to"; do
        # shellcheck disable=SC2086
        run $args
        expect_usage convert
        expect_line 1 err "^aqsnap: option '--to' needs a value: protobuf or json\$"
        expect_absent dest
    done
    # A command without --to names it as a foreign option, with or without a value.
    run inspect env8.snap --to
    expect_usage inspect
    expect_line 1 err "^aqsnap: unknown option '--to'\$"
}

# --help: exit 0, the usage on stdout, nothing on stderr.
case_usage_help() {
    for h in --help -h help; do
        run "$h"
        expect_rc 0
        expect_err_empty
        expect_line 1 out '^usage: aqsnap'
        for c in inspect validate convert dump; do
            expect_out_match "^  $c "
        done
        expect_out_match 'Exit status: 0 success; 1 '
        expect_out_match '^  help, --help, -h '
        expect_out_match '^  version, --version, -V '
    done
    for c in inspect validate convert dump; do
        for h in --help -h; do
            run "$c" "$h"
            expect_rc 0
            expect_err_empty
            expect_line 1 out "^usage: aqsnap $c "
        done
        # --help does not look at the files
        run "$c" --help nosuch.snap
        expect_rc 0
        expect_err_empty
        expect_line 1 out "^usage: aqsnap $c "
    done
}

case_usage_version() {
    for v in --version -V version; do
        run "$v"
        expect_rc 0
        expect_err_empty
        expect_out_line "aqsnap $VERSION (schema versions $SCHEMA_MIN..$SCHEMA_MAX)"
        expect_out_lines 1
    done
}

# ---- examples/engine_snapshot.c (its path in $AQ_ENGINE_SNAPSHOT) ---------------------------

# run_example ARGS...: like run, for the example program.
run_example() { run_program engine_snapshot "$AQ_ENGINE_SNAPSHOT" "$@"; }

# It writes the file it is given, and never one named after an option.
case_example_engine_snapshot() {
    for h in --help -h; do
        run_example "$h"
        expect_rc 0
        expect_err_empty
        expect_line 1 out '^usage: engine_snapshot \[PATH\]$'
        expect_absent "$h" engine-snapshot.bin
    done
    for args in --bogus -x "a.bin b.bin" "a.bin --help"; do
        # shellcheck disable=SC2086
        run_example $args
        expect_rc 2
        expect_out_empty
        expect_line 1 err "^engine_snapshot: unexpected argument '"
        expect_err_match '^usage: engine_snapshot '
        expect_absent --bogus -x a.bin b.bin --help engine-snapshot.bin
    done
    # The default file, and a name starting with '-' written as ./-name; both load and validate.
    for path in "" ./-dash.bin; do
        # shellcheck disable=SC2086
        run_example $path
        expect_rc 0
        expect_err_empty
        f=${path:-engine-snapshot.bin}
        expect_line 1 out "^$f: [0-9]+-byte protobuf payload, schema v8, wal_sequence 42\$"
        run validate "$f"
        expect_rc 0
        expect_out_line "$f: valid"
    done
}

# ---- examples/engine_stream.c (its path in $AQ_ENGINE_STREAM) -----------------------------

run_stream() { run_program engine_stream "$AQ_ENGINE_STREAM" "$@"; }

# expect_streamed FILE N: engine_stream's two lines for N jobs (every third ready, running,
# done; wal_sequence 42 + 3N), and a file every reader takes with N tasks and runs in it.
expect_streamed() {
    expect_rc 0
    expect_err_empty
    expect_out_lines 2
    expect_line 1 out "^$1: persisted $2 jobs as $2 tasks and $2 runs\$"
    expect_line 2 out "^$1: restored $2 jobs \\($((($2 + 2) / 3)) ready, $((($2 + 1) / 3)) running, $(($2 / 3)) done\\), wal_sequence $((42 + 3 * $2)): the state persisted\$"
    expect_frame "$1" "$AQP1"
    run validate "$1"
    expect_rc 0
    expect_out_line "$1: valid"
    run validate --stream "$1"
    expect_rc 0
    expect_out_line "$1: valid"
    run inspect "$1"
    expect_rc 0
    expect_out_line "tasks:             $2"
    expect_out_line "runs:              $2"
    expect_out_line "  Ready            $((($2 + 2) / 3))"
    expect_out_line "  Running          $((($2 + 1) / 3))"
    expect_out_line "  Completed        $(($2 / 3))"
    expect_out_line "wal_sequence:      $((42 + 3 * $2))"
    expect_out_line "validation:        ok"
}

# Persists and restores any number of jobs to the file it is given (replacing it), and never
# writes one named after an option.
case_example_engine_stream() {
    for h in --help -h "--jobs 5 --help"; do
        # shellcheck disable=SC2086
        run_stream $h
        expect_rc 0
        expect_err_empty
        expect_line 1 out '^usage: engine_stream \[--jobs N\] PATH$'
    done
    for args in "" --bogus -x "--bogus a.aqp" "a.aqp b.aqp" "a.aqp -x" --jobs "a.aqp --jobs" \
        "--jobs -1 a.aqp" "--jobs +1 a.aqp" "--jobs 1x a.aqp" "--jobs x a.aqp" \
        "--jobs 10000001 a.aqp" "--jobs 99999999999999999999 a.aqp"; do
        # shellcheck disable=SC2086
        run_stream $args
        expect_rc 2
        expect_out_empty
        expect_line 1 err '^engine_stream: '
        expect_err_match '^usage: engine_stream \[--jobs N\] PATH$'
        expect_absent a.aqp b.aqp --bogus -x --jobs
    done
    run_stream --jobs "" a.aqp
    expect_rc 2
    expect_line 1 err "^engine_stream: --jobs takes a number of jobs up to 10000000, not ''\$"
    expect_absent a.aqp

    run_stream s.aqp
    expect_streamed s.aqp 3
    run_stream ./-dash.aqp --jobs 0
    expect_streamed ./-dash.aqp 0
    run_stream --jobs 1000 s.aqp # the same file again: replaced whole
    expect_streamed s.aqp 1000
    expect_absent s.aqp.tmp

    # A file that cannot be written: the writer's error, exit 1, nothing left behind.
    run_stream nodir/a.aqp
    expect_rc 1
    expect_out_empty
    expect_err_lines 1
    expect_line 1 err '^engine_stream: persist nodir/a\.aqp: .*No such file or directory \(AQ_ERR_SYSCALL\)$'
    setup mkdir dir.aqp
    run_stream dir.aqp
    expect_rc 1
    expect_out_empty
    expect_line 1 err '^engine_stream: persist dir\.aqp: .*\(AQ_ERR_NOT_A_FILE\)$'
}

# README.md's streaming section: its commands run as shown (the build/demo programs are the ones
# under test) and print what it shows; its excerpts are lines of the file, in order.
case_example_engine_stream_readme() {
    readme=$SRC/README.md
    awk '/^```console example=engine_stream$/ { on = 1; next }
         on && /^```$/ { exit }
         on && /^\$ / { n++; print substr($0, 3) > ("cmd." n); printf "" > ("want." n); next }
         on { print > ("want." n) }' "$readme"
    [ -f cmd.2 ] || fail "README.md: a console example=engine_stream block of two commands or more"
    set -f
    n=1
    while [ -f "cmd.$n" ]; do
        # shellcheck disable=SC2046
        set -- $(cat "cmd.$n")
        case $1 in
        build/demo/examples/engine_stream) program=$AQ_ENGINE_STREAM ;;
        build/demo/tools/aqsnap) program=$AQSNAP ;;
        *) program=$1 ;;
        esac
        name=$1
        shift
        mkdir -p build
        run_program "$name" "$program" "$@"
        expect_rc 0
        expect_err_empty
        cmp -s "want.$n" out || fail "stdout as README.md shows: $(cat "want.$n")"
        n=$((n + 1))
    done
    set +f

    if ! awk -v file="$SRC/examples/engine_stream.c" '
        BEGIN { while ((getline l < file) > 0) { sub(/^[ \t]+/, "", l); src[++n] = l } }
        /^```c excerpt=examples\/engine_stream\.c$/ { on = 1; blocks++; next }
        on && /^```$/ { on = 0; next }
        !on { next }
        { l = $0; sub(/^[ \t]+/, "", l) }
        l == "" || l ~ /^\.\.\./ { next }
        {
            for (k = at + 1; k <= n && src[k] != l; k++) {}
            if (k > n) { print "not a line of " file " after the previous one: " $0; bad = 1 }
            else at = k
            lines++
        }
        END { if (!blocks || !lines) { print "no c excerpt=examples/engine_stream.c block"; bad = 1 }
              exit bad }' "$readme" >excerpt.log; then
        echo "FAIL: README.md's excerpts of examples/engine_stream.c"
        sed 's/^/  /' excerpt.log
        failures=$((failures + 1))
    fi
}

# ---- main --------------------------------------------------------------------------------------

fn=case_$(printf '%s' "$CASE" | tr . _)
case $fn in
*[!A-Za-z0-9_]*) echo "cli_test.sh: bad case name '$CASE'" >&2; exit 2 ;;
esac
if ! command -v "$fn" >/dev/null 2>&1; then
    echo "cli_test.sh: unknown case '$CASE'" >&2
    exit 2
fi
"$fn"
if [ "$failures" -ne 0 ]; then
    echo "cli.$CASE: $failures failed expectation(s)"
    exit 1
fi
echo "cli.$CASE: ok"
exit 0
