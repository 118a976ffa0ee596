# SPDX-License-Identifier: Apache-2.0
"""python.example_reader: examples/read_snapshot.py on files the C library wrote.

The example runs as a user would run it (its own process, the classes protoc generated from
proto/ on PYTHONPATH) on sample snapshots of write_c_snapshots (schema 4 to 8, and a large one),
on examples/snapshot.bin converted to protobuf by the tool, and on that file with its defaulted
fields cleared (the example must apply the engine's defaults as the C library does). Its whole
output must be exactly the summary built here from the C side's own renderings of the same file:
`aqsnap inspect --json` (envelope, counts, runs per state) and `aqsnap dump` (the task lines).
It must refuse, with exit 1 and a message, a file whose CRC does not match, a truncated file and
an engine JSON file; exit 2 without a FILE; and say how to generate the classes when they are
not on the path.
"""

import argparse
import json
import os
import subprocess
import sys

import xlang
from xlang import check

SECTIONS = ("dependency_declarations", "budgets", "subscriptions", "actors", "tenants",
            "role_assignments", "capability_grants", "ledger_entries")


def task_line(t):
    """The example's line for one task, from the engine JSON of `aqsnap dump`."""
    spec = t["task_spec"]
    p = spec["run_policy"]
    if p == "Once":
        policy = "once"
    elif "Repeat" in p:
        policy = f"repeat {p['Repeat']['count']}x every {p['Repeat']['interval_secs']}s"
    else:
        policy = f"cron '{p['Cron']['expression']}'"
    parent = spec.get("parent_task_id") or "-"
    return (f"task {spec['id']} policy={policy} priority={spec['metadata']['priority']} "
            f"safety={spec['constraints']['safety_level']} parent={parent} "
            f"payload={len(spec['payload']['bytes'])}B")


def expected_output(path, facts, dump):
    check(facts["format"] == "protobuf" and facts["envelope_version"] == xlang.FRAME_PROTOBUF,
          f"{path}: aqsnap inspect says {facts['format']} {facts['envelope_version']}")
    lines = [
        f"file:              {path}",
        f"envelope:          AQP1, {facts['payload_bytes']} payload bytes, "
        f"CRC-32 {facts['crc32']} (ok)",
        f"schema version:    {facts['schema_version']}",
        f"wal_sequence:      {facts['wal_sequence']}",
        f"timestamp:         {facts['timestamp']}",
        f"engine:            paused (since {dump['engine']['paused_at']})" if facts["paused"]
        else "engine:            running",
        f"tasks:             {facts['counts']['tasks']}",
        f"runs:              {facts['counts']['runs']}",
    ]
    lines += [f"  {state:<16} {n}" for state, n in facts["runs_by_state"].items()]
    lines += [f"{s + ':':<26} {facts['counts'][s]}" for s in SECTIONS]
    lines += [task_line(t) for t in dump["tasks"][:3]]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aqsnap", required=True)
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--writer", required=True)
    ap.add_argument("--example", required=True, help="examples/read_snapshot.py")
    ap.add_argument("--engine-file", required=True, help="examples/snapshot.bin (engine JSON)")
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()

    with xlang.scratch(a.work_dir) as work:
        gen = os.path.join(work, "gen")
        env = dict(os.environ, PYTHONPATH=gen, PYTHONDONTWRITEBYTECODE="1")

        def example(*args):
            return subprocess.run([sys.executable, a.example] + list(args), env=env,
                                  capture_output=True, encoding="utf-8", timeout=120)

        r = subprocess.run([a.writer, work], capture_output=True, text=True)
        check(r.returncode == 0, f"write_c_snapshots failed ({r.returncode}): {r.stderr}")
        # one coverage sample per schema version, the large random one, the realistic one
        files = [p for p in r.stdout.split() if p.endswith(("_s0.aqp", "_large.aqp"))]
        check(len(files) == xlang.SCHEMA_MAX - xlang.SCHEMA_MIN + 2,
              f"write_c_snapshots wrote {r.stdout!r}")
        converted = os.path.join(work, "example_snapshot.aqp")
        xlang.aqsnap_ok(a.aqsnap, "convert", "--to", "protobuf", a.engine_file, converted)
        files.append(converted)
        # The same with the defaulted fields left out, as an older writer leaves them: the
        # example must apply the engine's defaults exactly as the C library does.
        pb = xlang.generate(a.protoc, a.proto_dir, gen)
        snap = pb.snapshot.Snapshot.FromString(xlang.read_envelope(converted))
        for t in snap.tasks:
            t.task_spec.constraints.ClearField("safety_level")
            t.task_spec.constraints.ClearField("concurrency_key_hold_policy")
        snap.ClearField("engine")
        defaulted = os.path.join(work, "defaulted.aqp")
        xlang.write_file(defaulted, xlang.envelope(snap.SerializeToString()))
        files.append(defaulted)

        for path in files:
            facts = json.loads(xlang.aqsnap_ok(a.aqsnap, "inspect", "--json", path))
            dump = json.loads(xlang.aqsnap_ok(a.aqsnap, "dump", path))
            want = expected_output(path, facts, dump)
            r = example(path)
            check(r.returncode == 0 and r.stderr == "",
                  f"read_snapshot.py {path}: exit {r.returncode}, stderr {r.stderr!r}")
            if r.stdout != want:
                got, exp = r.stdout.splitlines(), want.splitlines()
                diff = [f"  line {i + 1}: got {g!r}\n          want {w!r}"
                        for i, (g, w) in enumerate(zip(got, exp)) if g != w]
                if len(got) != len(exp):
                    diff.append(f"  {len(got)} lines, expected {len(exp)}")
                xlang.fail(f"read_snapshot.py {os.path.basename(path)}: output differs from "
                           "aqsnap's own view of the file:\n" + "\n".join(diff))
        print(f"ok: read_snapshot.py summarised {len(files)} files exactly as aqsnap sees them")
        print(r.stdout, end="")

        # refusals: damaged files, the engine's JSON format, no FILE
        with open(converted, "rb") as f:
            image = bytearray(f.read())
        bad_crc = os.path.join(work, "bad_crc.aqp")
        image[-1] ^= 0x40
        xlang.write_file(bad_crc, bytes(image))
        truncated = os.path.join(work, "truncated.aqp")
        xlang.write_file(truncated, bytes(image[:-7]))
        for path, needle in [(bad_crc, "CRC-32 mismatch"), (truncated, "payload bytes"),
                             (a.engine_file, "aqsnap convert --to protobuf")]:
            r = example(path)
            check(r.returncode == 1 and needle in r.stderr and r.stdout == "",
                  f"read_snapshot.py {path}: exit {r.returncode} (want 1), stderr {r.stderr!r} "
                  f"(want {needle!r}), stdout {r.stdout[:200]!r}")
            print(f"ok: refused {os.path.basename(path)}: {r.stderr.strip()}")
        r = example()
        check(r.returncode == 2 and "usage" in r.stderr,
              f"read_snapshot.py without FILE: exit {r.returncode}, stderr {r.stderr!r}")
        print("ok: usage error without FILE")
        r = subprocess.run([sys.executable, a.example, converted], encoding="utf-8",
                           capture_output=True, timeout=120,
                           env=dict(env, PYTHONPATH=os.path.join(work, "nothing-here")))
        check(r.returncode == 1 and "protoc --python_out" in r.stderr,
              f"read_snapshot.py without the generated classes: exit {r.returncode}, "
              f"stderr {r.stderr!r}")
        print("ok: without the generated classes, it says how to make them")


if __name__ == "__main__":
    xlang.main(main)
