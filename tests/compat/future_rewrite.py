# SPDX-License-Identifier: Apache-2.0
"""compat.future.rewrite_keeps_unknown: a snapshot written by a newer schema, loaded by aqsnap
and written again as protobuf, still carries every field of the newer schema (checked with that
schema's own classes), and the SANDBOXED safety level this version does not know comes back.

    python3 future_rewrite.py <aqsnap> <compat dir> <work dir>
"""
import os
import struct
import subprocess
import sys
import zlib

tool, compat, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
subprocess.run(["protoc", f"--python_out={work}", f"-I{compat}/future", "future.proto"], check=True)
sys.path.insert(0, work)
import future_pb2  # noqa: E402

source = f"{compat}/future/ok_future_fields.snap"
rewritten = f"{work}/rewritten.snap"
subprocess.run([tool, "convert", "--to", "protobuf", source, rewritten], check=True)


def parse(path):
    data = open(path, "rb").read()
    frame, length, crc = struct.unpack("<III", data[:12])
    assert frame == 0x31505141, hex(frame)
    assert length == len(data) - 12 and crc == zlib.crc32(data[12:]) & 0xFFFFFFFF
    snap = future_pb2.Snapshot()
    snap.ParseFromString(data[12:])
    return snap


before, after = parse(source), parse(rewritten)
checks = {
    "workflows": (list(before.workflows), list(after.workflows)),
    "tasks[0].archived_reason": (before.tasks[0].archived_reason, after.tasks[0].archived_reason),
    "runs[0].run_instance": (before.runs[0].run_instance, after.runs[0].run_instance),
    "tasks[1] safety_level": (before.tasks[1].task_spec.constraints.safety_level,
                              after.tasks[1].task_spec.constraints.safety_level),
    "repeat jitter": ([t.task_spec.run_policy.repeat.jitter_secs for t in before.tasks],
                      [t.task_spec.run_policy.repeat.jitter_secs for t in after.tasks]),
}
failed = [name for name, (a, b) in checks.items() if a != b]
assert after.workflows[0].name == "nightly"
assert after.runs[0].run_instance.priority_class == "batch"
assert after.tasks[1].task_spec.constraints.safety_level == future_pb2.SAFETY_LEVEL_SANDBOXED
if failed:
    sys.exit("lost in the rewrite: " + ", ".join(failed))

# Everything this version knows is unchanged too.
dumps = [subprocess.run([tool, "dump", p], check=True, capture_output=True).stdout
         for p in (source, rewritten)]
if dumps[0] != dumps[1]:
    sys.exit("the known fields differ after the rewrite")
print("newer-schema fields kept through load and write:", ", ".join(checks))
