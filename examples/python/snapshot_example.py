#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Read and write aqsnap protobuf snapshot files with the official Python runtime
(google.protobuf, json_format). Generate the classes and run it as docs/LANGUAGES.md shows.

    snapshot_example.py json FILE     print FILE's snapshot in the protobuf JSON mapping
    snapshot_example.py edit IN OUT   read IN, add 1 to tasks[0].task_spec.constraints.max_attempts,
                                      write OUT (unknown fields are kept)

An aqsnap file is a 12-byte envelope around one serialized actionqueue.snapshot.v1.Snapshot:
u32 LE frame version 0x31505141 ("AQP1"), u32 LE payload length, u32 LE CRC-32 of the payload
(zlib.crc32), then the payload.

Exit status: 0 success, 1 the file is unreadable or not an aqsnap protobuf snapshot (the message
says why), 2 usage error.
"""

import struct
import sys
import zlib

from google.protobuf import json_format
from google.protobuf.message import DecodeError

from actionqueue.snapshot.v1 import snapshot_pb2

FRAME_PROTOBUF = 0x31505141  # b"AQP1" read as a little-endian u32
FRAME_ENGINE_JSON = 4  # the engine's own JSON snapshot files
HEADER = struct.Struct("<III")  # frame version, payload length, CRC-32


class SnapshotFileError(Exception):
    """A file that is not a readable aqsnap protobuf snapshot; the message says why."""


def read_snapshot(path):
    """Check the envelope of the file at `path` and parse its payload. Fields of a newer schema
    are kept as unknown fields and written back by SerializeToString()."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER.size:
        raise SnapshotFileError(f"{len(data)} bytes: too short for the {HEADER.size}-byte envelope")
    frame, length, crc = HEADER.unpack_from(data)
    payload = data[HEADER.size:]
    if frame == FRAME_ENGINE_JSON:
        raise SnapshotFileError("an engine JSON snapshot (envelope version 4), not protobuf: "
                                "convert it first with `aqsnap convert --to protobuf IN OUT`")
    if frame != FRAME_PROTOBUF:
        raise SnapshotFileError(f"unknown envelope version 0x{frame:08x} "
                                f"(expected 0x{FRAME_PROTOBUF:08x}, AQP1)")
    if length != len(payload):
        raise SnapshotFileError(f"the envelope announces {length} payload bytes, "
                                f"the file holds {len(payload)}")
    actual = zlib.crc32(payload)
    if actual != crc:
        raise SnapshotFileError(f"CRC-32 mismatch: expected 0x{crc:08x}, actual 0x{actual:08x}")
    try:
        return snapshot_pb2.Snapshot.FromString(payload)
    except DecodeError as e:
        raise SnapshotFileError(f"not a valid actionqueue.snapshot.v1.Snapshot: {e}") from e


def write_snapshot(path, snap):
    """Serialize `snap` into the envelope at `path`. A real engine would write a temporary file,
    fsync it and rename it over the old one; this example keeps to the format."""
    payload = snap.SerializeToString()
    with open(path, "wb") as f:
        f.write(HEADER.pack(FRAME_PROTOBUF, len(payload), zlib.crc32(payload)) + payload)


def print_json(snap):
    # Proto2 fields have presence: the printer emits every field that is set (zero or not) and
    # leaves out the ones that are not. including_default_value_fields=True would print those
    # with invented default values.
    print(json_format.MessageToJson(snap, preserving_proto_field_name=True, indent=2))


def edit(snap):
    if not snap.tasks:
        raise SnapshotFileError("the snapshot has no task to edit")
    # Reading an unset proto2 field gives its default (0 here); HasField() tells the difference.
    snap.tasks[0].task_spec.constraints.max_attempts += 1


def main(argv):
    if not ((len(argv) == 3 and argv[1] == "json") or (len(argv) == 4 and argv[1] == "edit")):
        print("usage: snapshot_example.py json FILE | snapshot_example.py edit IN OUT",
              file=sys.stderr)
        return 2
    current = argv[2]
    try:
        snap = read_snapshot(current)
        if argv[1] == "json":
            print_json(snap)
        else:
            edit(snap)
            current = argv[3]
            write_snapshot(current, snap)
    except OSError as e:
        print(f"snapshot_example.py: {current}: {e.strerror}", file=sys.stderr)
        return 1
    except SnapshotFileError as e:
        print(f"snapshot_example.py: {current}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
