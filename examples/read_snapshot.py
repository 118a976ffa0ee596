#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read an aqsnap protobuf snapshot file from Python and print a summary of it.

Nothing from aqsnap is needed but the schema: generate the classes from proto/ with protoc, then
run this script with them on the path (Debian: apt-get install protobuf-compiler python3-protobuf):

    mkdir -p build/py && protoc --python_out=build/py -I proto proto/actionqueue/snapshot/v1/*.proto
    PYTHONPATH=build/py python3 examples/read_snapshot.py snapshot.aqp

An aqsnap file is the ActionQueue engine's 12-byte envelope around one serialized
actionqueue.snapshot.v1.Snapshot:

    offset 0   u32 little-endian  frame version: 0x31505141 (the bytes "AQP1") for protobuf;
                                  the engine's own JSON snapshot.bin files carry 4
    offset 4   u32 little-endian  payload length N
    offset 8   u32 little-endian  CRC-32 of the payload (zlib.crc32)
    offset 12  N bytes            the payload

Exit status: 0 success, 1 the file is not a readable aqsnap protobuf snapshot, 2 usage error.
"""

import collections
import struct
import sys
import uuid
import zlib

# The generated classes: snapshot.proto's messages and core.proto's records and enums.
try:
    from actionqueue.snapshot.v1 import core_pb2, snapshot_pb2
except ImportError as e:  # no classes on the path, or no protobuf runtime
    sys.exit(f"read_snapshot.py: {e}: generate the classes with\n"
             "  protoc --python_out=build/py -I proto proto/actionqueue/snapshot/v1/*.proto\n"
             "and run with PYTHONPATH=build/py and a python3 that has google.protobuf")

FRAME_PROTOBUF = 0x31505141  # b"AQP1" read as a little-endian u32
FRAME_ENGINE_JSON = 4
HEADER = struct.Struct("<III")  # frame version, payload length, CRC-32


def load(path):
    """Check the envelope and parse the payload; returns (snapshot, payload length, CRC-32)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER.size:
        raise ValueError(f"{len(data)} bytes: too short for the {HEADER.size}-byte envelope")
    frame, length, crc = HEADER.unpack_from(data)
    if frame == FRAME_ENGINE_JSON:
        raise ValueError("an engine JSON snapshot (envelope version 4), not protobuf: "
                         "convert it first with `aqsnap convert --to protobuf IN OUT`")
    if frame != FRAME_PROTOBUF:
        raise ValueError(f"unknown envelope version 0x{frame:08x}")
    payload = data[HEADER.size:]
    if len(payload) != length:
        raise ValueError(f"the envelope announces {length} payload bytes, "
                         f"the file holds {len(payload)}")
    actual = zlib.crc32(payload)
    if actual != crc:
        raise ValueError(f"CRC-32 mismatch: expected 0x{crc:08x}, actual 0x{actual:08x}")
    snap = snapshot_pb2.Snapshot()
    snap.ParseFromString(payload)  # fields of a newer schema are kept as unknown fields
    return snap, length, crc


def uuid_text(raw):
    """Ids are 16-byte `bytes` fields; the engine spells them as hyphenated UUIDs."""
    return str(uuid.UUID(bytes=raw))


def engine_name(enum, value, prefix):
    """A protobuf enum value in the engine's spelling: RUN_STATE_RETRY_WAIT -> RetryWait."""
    words = enum.Name(value)[len(prefix):].split("_")
    return "".join(w.capitalize() for w in words)


def describe_task(task):
    spec = task.task_spec
    # A oneof says which variant is set; data-carrying variants are sub-messages.
    policy = spec.run_policy.WhichOneof("policy")
    if policy == "repeat":
        policy += f" {spec.run_policy.repeat.count}x every {spec.run_policy.repeat.interval_secs}s"
    elif policy == "cron":
        policy += f" '{spec.run_policy.cron.expression}'"
    # Every field is proto2 `optional`: HasField() tells "absent" from "zero". Fields the engine
    # defaults (like safety_level) mean their default when absent.
    c = spec.constraints
    safety = (engine_name(core_pb2.SafetyLevel, c.safety_level, "SAFETY_LEVEL_")
              if c.HasField("safety_level") else "Pure")
    parent = uuid_text(spec.parent_task_id) if spec.HasField("parent_task_id") else "-"
    return (f"{uuid_text(spec.id)} policy={policy} priority={spec.metadata.priority} "
            f"safety={safety} parent={parent} payload={len(spec.payload.bytes)}B")


def main(argv):
    if len(argv) != 2:
        print("usage: read_snapshot.py FILE", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        snap, length, crc = load(path)
    except (OSError, ValueError) as e:  # ValueError covers protobuf's DecodeError
        print(f"read_snapshot.py: {path}: {e}", file=sys.stderr)
        return 1

    meta, engine = snap.metadata, snap.engine
    print(f"file:              {path}")
    print(f"envelope:          AQP1, {length} payload bytes, CRC-32 0x{crc:08x} (ok)")
    print(f"schema version:    {meta.schema_version}")
    print(f"wal_sequence:      {meta.wal_sequence}")
    print(f"timestamp:         {snap.timestamp}")
    if engine.paused:  # an absent `engine` reads as all defaults: not paused
        print(f"engine:            paused (since {engine.paused_at})")
    else:
        print("engine:            running")
    print(f"tasks:             {len(snap.tasks)}")
    print(f"runs:              {len(snap.runs)}")
    states = collections.Counter(r.run_instance.state for r in snap.runs)
    for value in core_pb2.RunState.values():
        if value != core_pb2.RUN_STATE_UNSPECIFIED:  # zero is never a valid state
            print(f"  {engine_name(core_pb2.RunState, value, 'RUN_STATE_'):<16} {states[value]}")
    for section in ("dependency_declarations", "budgets", "subscriptions", "actors", "tenants",
                    "role_assignments", "capability_grants", "ledger_entries"):
        print(f"{section + ':':<26} {len(getattr(snap, section))}")
    for task in snap.tasks[:3]:
        print(f"task {describe_task(task)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
