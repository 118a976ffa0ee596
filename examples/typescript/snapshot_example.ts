// SPDX-License-Identifier: Apache-2.0
//
// Reads and writes aqsnap protobuf snapshot files with protobuf-es (@bufbuild/protobuf), the most
// used TypeScript runtime, on Node.js. Build and run it as docs/LANGUAGES.md shows.
//
//   snapshot_example json FILE     print FILE's snapshot in the protobuf JSON mapping
//   snapshot_example edit IN OUT   read IN, add 1 to the snapshot's timestamp (a uint64: a
//                                  bigint here), write OUT (unknown fields are kept)
//
// An aqsnap file is a 12-byte envelope around one serialized actionqueue.snapshot.v1.Snapshot:
// u32 LE frame version 0x31505141 ("AQP1"), u32 LE payload length, u32 LE CRC-32 of the payload
// (node:zlib crc32), then the payload.
//
// Exit status: 0 success, 1 the file is unreadable or not an aqsnap protobuf snapshot (the
// message says why), 2 usage error.

import { readFileSync, writeFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import { type Snapshot, SnapshotSchema } from "./gen/actionqueue/snapshot/v1/snapshot_pb";

const FRAME_PROTOBUF = 0x31505141; // "AQP1" read as a little-endian u32
const FRAME_ENGINE_JSON = 4; // the engine's own JSON snapshot files
const HEADER_SIZE = 12;

/** A file that is not a readable aqsnap protobuf snapshot; the message says why. */
class SnapshotFileError extends Error {}

const hex32 = (v: number) => "0x" + v.toString(16).padStart(8, "0");

/** Checks the envelope of the file at `path` and parses its payload. Fields of a newer schema
 * are kept as unknown fields and written back by toBinary(). */
function readSnapshot(path: string): Snapshot {
  const data = readFileSync(path);
  if (data.length < HEADER_SIZE) {
    throw new SnapshotFileError(
      `${data.length} bytes: too short for the ${HEADER_SIZE}-byte envelope`,
    );
  }
  const frame = data.readUInt32LE(0);
  const length = data.readUInt32LE(4);
  const crc = data.readUInt32LE(8);
  const payload = data.subarray(HEADER_SIZE);
  if (frame === FRAME_ENGINE_JSON) {
    throw new SnapshotFileError(
      "an engine JSON snapshot (envelope version 4), not protobuf: " +
        "convert it first with `aqsnap convert --to protobuf IN OUT`",
    );
  }
  if (frame !== FRAME_PROTOBUF) {
    throw new SnapshotFileError(
      `unknown envelope version ${hex32(frame)} (expected ${hex32(FRAME_PROTOBUF)}, AQP1)`,
    );
  }
  if (length !== payload.length) {
    throw new SnapshotFileError(
      `the envelope announces ${length} payload bytes, the file holds ${payload.length}`,
    );
  }
  const actual = crc32(payload);
  if (actual !== crc) {
    throw new SnapshotFileError(`CRC-32 mismatch: expected ${hex32(crc)}, actual ${hex32(actual)}`);
  }
  try {
    return fromBinary(SnapshotSchema, payload);
  } catch (e) {
    throw new SnapshotFileError(
      `not a valid actionqueue.snapshot.v1.Snapshot: ${(e as Error).message}`,
    );
  }
}

/** Serializes `snap` into the envelope at `path`. A real engine would write a temporary file,
 * fsync it and rename it over the old one; this example keeps to the format. */
function writeSnapshot(path: string, snap: Snapshot): void {
  const payload = toBinary(SnapshotSchema, snap);
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(FRAME_PROTOBUF, 0);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(crc32(payload), 8);
  writeFileSync(path, Buffer.concat([header, payload]));
}

function printJson(snap: Snapshot): void {
  // Proto2 fields have presence: the printer emits every field that is set (zero or not) and
  // leaves out the ones that are not. 64-bit integers are bigints, printed as strings.
  console.log(toJsonString(SnapshotSchema, snap, { useProtoFieldName: true, prettySpaces: 2 }));
}

function edit(snap: Snapshot): void {
  // Assigning a proto2 optional field sets it (isFieldSet() tells set from default).
  snap.timestamp = snap.timestamp + 1n;
}

function main(args: string[]): number {
  const json = args.length === 2 && args[0] === "json";
  const editFile = args.length === 3 && args[0] === "edit";
  if (!json && !editFile) {
    console.error("usage: snapshot_example json FILE | snapshot_example edit IN OUT");
    return 2;
  }
  let current = args[1];
  try {
    const snap = readSnapshot(current);
    if (json) {
      printJson(snap);
    } else {
      edit(snap);
      current = args[2];
      writeSnapshot(current, snap);
    }
  } catch (e) {
    // A bad file or a failed read or write (Node's errors carry a syscall); anything else is a bug.
    const err = e as NodeJS.ErrnoException;
    if (!(err instanceof SnapshotFileError) && err.syscall === undefined) throw e;
    console.error(`snapshot_example: ${current}: ${err.message}`);
    return 1;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
