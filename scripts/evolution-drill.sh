#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The evolution drill: proof that a schema author edits only what they must. In a scratch clone
# of the committed HEAD, tests/evolution/v9-new-fields.patch adds schema version 9 with a new
# optional field on a nested record (RunInstance.deadline_at) and a new optional record at the
# top level (Snapshot.retention); it edits the .proto files and include/aqsnap/model.h only.
# The drill then regenerates, builds, and checks that
#   - the new fields round-trip through protobuf and engine JSON v9 (unit.schema fills every
#     field the lists name; the tool converts a v9 document both ways without loss);
#   - v8 files and every compat/ fixture load as before, with the new fields absent;
#   - a v8 snapshot holding the new record is refused as a v9 feature;
#   - the comparison helper notices a changed value of each new field.
# Usage: scripts/evolution-drill.sh   (scripts/test.sh runs it; needs what scripts/deps.sh installs)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/aqsnap-drill.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf 'evolution-drill: %s\n' "$*"; }
die() { printf 'evolution-drill: FAILED: %s\n' "$*" >&2; exit 1; }

git clone -q "$root" "$work/aqsnap"
cd "$work/aqsnap"
git apply --3way tests/evolution/v9-new-fields.patch
edited=$(git diff --name-only | sort | tr '\n' ' ')
step "the schema author edited: $edited"
for f in $edited; do
  case $f in
    proto/*.proto | include/aqsnap/model.h) ;;
    *) die "the patch edits $f: a schema author should only touch the .proto files and model.h" ;;
  esac
done

step "regenerate gen/ and include/aqsnap/schema_version.h"
scripts/regen.sh >/dev/null
grep -q '^#define AQ_SCHEMA_MAX 9$' include/aqsnap/schema_version.h || die "AQ_SCHEMA_MAX is not 9"
for f in deadline_at keep_secs max_snapshots; do
  grep -q "$f" gen/aqsnap/schema_facts.h || die "schema_facts.h does not list $f"
done

step "build (no other file edited)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAQ_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

# Tests that stand for a decision a real schema version 9 needs besides its fields, so the drill
# leaves them out:
#   unit.json                    a golden engine-written document per schema version
#                                (tests/data/json/engine_v<N>.json): v9 needs the engine's own
#   unit.convert                 the decoder's rejection spec: a hand-written row per field saying
#                                where the coverage sample sets it; it names the fields without one
#   python.writes_c_reads        Python builds its snapshots field by field; its coverage check
#                                names the fields it never sets
#   compat.v8.bad_schema_version an immutable fixture whose schema_version 9 is refused as too
#                                new: with v9 it loads, a behaviour change that needs a new case
step "the test suite, but for the version-dependent tests named in this script"
ctest --test-dir build -j "$(nproc)" --output-on-failure \
  -R '^(unit|compat|gen|cli|python|engine)\.' \
  -E '^(unit\.json|unit\.convert|python\.writes_c_reads|compat\.v8\.bad_schema_version)$' \
  >"$work/ctest.log" 2>&1 || { cat "$work/ctest.log"; die "tests failed"; }
grep 'tests passed' "$work/ctest.log"

step "the comparison notices a changed value of each new field"
AQ_LIST_FIELDS=1 build/tests/test_schema >"$work/schema.log" 2>&1 ||
  { cat "$work/schema.log"; die "unit.schema failed"; }
for f in run_instance.deadline_at retention.keep_secs retention.max_snapshots; do
  grep -q "noticed $f\$" "$work/schema.log" || die "unit.schema never changed $f"
done

step "a v9 document through the tool: JSON -> protobuf -> JSON keeps the new fields"
aqsnap=build/tools/aqsnap
"$aqsnap" dump compat/engine-json/v8/ok_document.snap >"$work/v8.json"
/usr/bin/python3 - "$work/v8.json" "$work/v9.json" "$work/v8-retention.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["metadata"]["schema_version"] = 9
doc["runs"][0]["run_instance"]["deadline_at"] = 1700009999
doc["retention"] = {"keep_secs": 86400, "max_snapshots": 7}
json.dump(doc, open(sys.argv[2], "w"), separators=(",", ":"))
doc["metadata"]["schema_version"] = 8
del doc["runs"][0]["run_instance"]["deadline_at"]
json.dump(doc, open(sys.argv[3], "w"), separators=(",", ":"))
EOF
"$aqsnap" validate "$work/v9.json" >/dev/null
"$aqsnap" dump "$work/v9.json" >"$work/v9.direct.json"
"$aqsnap" convert --to protobuf "$work/v9.json" "$work/v9.aqp"
"$aqsnap" convert --to json "$work/v9.aqp" "$work/v9.back.snap"
"$aqsnap" dump "$work/v9.back.snap" >"$work/v9.back.json"
cmp "$work/v9.direct.json" "$work/v9.back.json" || die "protobuf lost something of the v9 document"
/usr/bin/python3 - "$work/v9.back.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
assert b["runs"][0]["run_instance"]["deadline_at"] == 1700009999, b["runs"][0]["run_instance"]
assert b["retention"] == {"keep_secs": 86400, "max_snapshots": 7}, b.get("retention")
EOF

step "streamed, record by record: the same verdicts and the same bytes (the new top-level field too)"
"$aqsnap" validate --stream "$work/v9.json" >/dev/null || die "the streaming read refused the v9 document"
"$aqsnap" validate --stream "$work/v9.aqp" >/dev/null || die "the streaming read refused the v9 file"
"$aqsnap" convert --stream --to protobuf "$work/v9.json" "$work/v9.stream.aqp"
cmp "$work/v9.aqp" "$work/v9.stream.aqp" || die "a streaming conversion to protobuf differs"
"$aqsnap" convert --stream --to json "$work/v9.aqp" "$work/v9.stream.snap"
cmp "$work/v9.back.snap" "$work/v9.stream.snap" || die "a streaming conversion to JSON differs"

step "a v8 snapshot holding the new record is refused, naming it"
for mode in "" --stream; do
  # shellcheck disable=SC2086 # mode is empty or one word
  if "$aqsnap" validate $mode "$work/v8-retention.json" >"$work/v8.out" 2>&1; then
    die "a v8 snapshot with retention validated ($mode)"
  fi
  grep -q "retention is a schema v9 feature" "$work/v8.out" || { cat "$work/v8.out"; die "wrong refusal"; }
done

step "ok"
