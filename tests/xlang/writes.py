# SPDX-License-Identifier: Apache-2.0
"""xlang.<language>.writes: the example of one language edits every protobuf fixture of compat/
(`edit IN OUT`); aqsnap validates the result and dumps exactly the original with the one change
the example documents (conformance.EDITS). The fields of compat/future that this schema does not
know come back unchanged, checked with the newer schema's own classes (compat/future/future.proto),
except from prost, which drops them: there the test asserts that they are gone.
"""

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys

from conformance import (COMPAT_OK, DROPS_UNKNOWN_FIELDS, EDITS, LANGUAGES, Work, differences,
                         get_path, run_example, set_path, xlang)
from xlang import check


def newer_fields(snap):
    """What compat/future/make_future.py added, read with the newer schema's classes."""
    return {
        "workflows": [w.SerializeToString() for w in snap.workflows],
        "tasks[0].archived_reason": snap.tasks[0].archived_reason
        if snap.tasks[0].HasField("archived_reason") else None,
        "runs[0].run_instance.priority_class": snap.runs[0].run_instance.priority_class
        if snap.runs[0].run_instance.HasField("priority_class") else None,
        "runs[0].run_instance.deadline": snap.runs[0].run_instance.deadline
        if snap.runs[0].run_instance.HasField("deadline") else None,
        "tasks[*].task_spec.run_policy.repeat.jitter_secs":
            [t.task_spec.run_policy.repeat.jitter_secs for t in snap.tasks
             if t.task_spec.run_policy.repeat.HasField("jitter_secs")],
        "tasks[1].task_spec.constraints.safety_level":
            snap.tasks[1].task_spec.constraints.safety_level,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", required=True, choices=LANGUAGES)
    ap.add_argument("--aqsnap", required=True)
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()
    work = Work(a.work_dir)
    lang = a.lang
    compat = os.path.join(a.source_dir, "compat")
    out_dir = os.path.join(work.path, f"writes-{lang}")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    path_in_dump, change = EDITS[lang]
    problems = []

    for fixture in COMPAT_OK:
        source = os.path.join(compat, fixture + ".snap")
        target = os.path.join(out_dir, fixture.replace("/", "_") + ".snap")
        label = f"{lang}: edit compat/{fixture}.snap"
        r = run_example(work, lang, "edit", source, target)
        if r.returncode != 0 or r.stderr or r.stdout:
            problems.append(f"{label}: exit {r.returncode}, stdout {r.stdout[:80]!r}, "
                            f"stderr {r.stderr!r}")
            continue
        r = xlang.aqsnap(a.aqsnap, "validate", target)
        if r.returncode != 0:
            problems.append(f"{label}: aqsnap validate refuses the result: {r.stdout}{r.stderr}")
            continue
        before = json.loads(xlang.aqsnap_ok(a.aqsnap, "dump", source))
        after = json.loads(xlang.aqsnap_ok(a.aqsnap, "dump", target))
        old = get_path(before, path_in_dump)
        new = change(old)
        check(new != old, f"{label}: {path_in_dump} already is {new!r}: the edit shows nothing")
        diffs = differences(after, set_path(before, path_in_dump, new))
        problems += [f"{label}: aqsnap dump {d}" for d in diffs[:10]]
        if not diffs:
            print(f"ok: {label}: valid, and aqsnap dump shows only "
                  f"{path_in_dump}: {json.dumps(old)} -> {json.dumps(new)}")

    # The newer schema's fields, through this runtime's read and write.
    subprocess.run([a.protoc, f"--python_out={out_dir}", f"-I{compat}/future", "future.proto"],
                   check=True)
    sys.path.insert(0, out_dir)
    future_pb2 = importlib.import_module("future_pb2")

    def parse(path):
        return future_pb2.Snapshot.FromString(xlang.read_envelope(path))

    before = newer_fields(parse(os.path.join(compat, "future", "ok_future_fields.snap")))
    after = newer_fields(parse(os.path.join(out_dir, "future_ok_future_fields.snap")))
    if lang in DROPS_UNKNOWN_FIELDS:
        # prost keeps no unknown field; the enum value it does not know is an i32 field there.
        sandboxed = before["tasks[1].task_spec.constraints.safety_level"]
        want = {k: (sandboxed if k.endswith("safety_level") else [] if isinstance(v, list)
                    else None) for k, v in before.items()}
        verdict = "dropped every newer field, kept the unknown enum value"
    else:
        want = before
        verdict = "kept every newer field"
    wrong = [f"{k}: {after[k]!r}, want {want[k]!r}" for k in want if after[k] != want[k]]
    check(before["workflows"] and before["tasks[0].archived_reason"],
          "compat/future/ok_future_fields.snap has no newer fields: the check would be blind")
    problems += [f"{lang}: edit compat/future/ok_future_fields.snap: newer field {w}"
                 for w in wrong]
    if not wrong:
        print(f"ok: {lang}: read and write of compat/future {verdict}")

    xlang.report(f"{lang}: every edit valid and exactly as documented", problems)


if __name__ == "__main__":
    xlang.main(main)
