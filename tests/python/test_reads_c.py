# SPDX-License-Identifier: Apache-2.0
"""python.reads_c: Python's google.protobuf reads the protobuf snapshot files the C library wrote.

Two sources of C-written files:
  - write_c_snapshots (tests/python/write_c_snapshots.c): sample snapshots of every schema
    version with every enum and oneof variant and every Option both set and unset, each also
    written as engine JSON straight from memory (X.json next to X.aqp);
  - `aqsnap convert --to protobuf` of every engine JSON document in tests/data/json.
For each file: the envelope is checked by hand (frame version AQP1, payload length, zlib.crc32),
the payload is parsed with classes protoc generated from proto/ just now, Python's re-encoding
must give the same bytes, and every field of every record is compared with `aqsnap dump` of the
same file (the engine's JSON shape) by xlang.Comparer. The dump must in turn be the JSON the
snapshot was made from (X.json, or the converted document), so a fault of the C encoder that
its decoder mirrors is caught too. Finally the comparisons together must have exercised every
field, every Option both ways, every oneof variant and every enum value.
"""

import argparse
import glob
import json
import os
import subprocess

import xlang
from xlang import check


def strip_nul(value, where, stripped):
    """The document with NUL characters removed from every string: protobuf-c cannot carry them
    (aqsnap refuses such a document with AQ_ERR_STRING_HAS_NUL), and the fixtures have one."""
    if isinstance(value, str):
        if "\0" in value:
            stripped.append(where)
        return value.replace("\0", "")
    if isinstance(value, list):
        return [strip_nul(v, f"{where}[{i}]", stripped) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: strip_nul(v, f"{where}.{k}", stripped) for k, v in value.items()}
    return value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aqsnap", required=True)
    ap.add_argument("--writer", required=True, help="the write_c_snapshots program")
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--json-dir", required=True, help="tests/data/json")
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()

    with xlang.scratch(a.work_dir) as work:
        pb = xlang.generate(a.protoc, a.proto_dir, os.path.join(work, "gen"))
        files = []

        # 1. sample snapshots written by the C library itself
        out = os.path.join(work, "c")
        os.makedirs(out)
        r = subprocess.run([a.writer, out], capture_output=True, text=True)
        check(r.returncode == 0, f"write_c_snapshots failed ({r.returncode}): {r.stderr}")
        written = r.stdout.split()
        versions = xlang.SCHEMA_MAX - xlang.SCHEMA_MIN + 1
        want = 3 * versions + 2  # three samples per version, the large one, the filled one
        check(len(written) == want,
              f"write_c_snapshots wrote {len(written)} files, expected {want}")
        for p in written:  # X.json: the same snapshot through the JSON writer, not the codec
            doc = xlang.read_envelope(p[:-len(".aqp")] + ".json", xlang.FRAME_JSON)
            files.append((p, json.loads(doc)))

        # 2. the engine JSON documents, converted to protobuf by the tool
        docs = sorted(glob.glob(os.path.join(a.json_dir, "*.json")))
        check(len(docs) >= 5, f"expected the engine_v4..v8 documents in {a.json_dir}")
        nul_notes = []
        for doc_path in docs:
            name = os.path.basename(doc_path)
            with open(doc_path, encoding="utf-8") as f:
                stripped = []
                doc = strip_nul(json.load(f), "", stripped)
            bare = os.path.join(work, name)
            with open(bare, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            target = os.path.join(work, name + ".aqp")
            xlang.aqsnap_ok(a.aqsnap, "convert", "--to", "protobuf", bare, target)
            files.append((target, doc))
            if stripped:
                nul_notes.append(f"{name} ({', '.join(stripped)})")

        if nul_notes:
            print("note: NUL characters removed (protobuf-c strings cannot hold them) from "
                  + "; ".join(nul_notes))

        # 3. read each with google.protobuf and compare with the C rendering
        cmp = xlang.Comparer(pb)
        problems = []
        for path, original in files:
            label = os.path.basename(path)
            payload = xlang.read_envelope(path)
            msg = pb.snapshot.Snapshot.FromString(payload)
            # Nothing in the payload escaped the parse (a scalar field written twice, for one,
            # reads last-one-wins): Python's canonical re-encoding gives C's bytes back.
            if msg.SerializeToString() != payload:
                problems.append(f"{label}: Python re-encodes the payload to different bytes")
            dump = json.loads(xlang.aqsnap_ok(a.aqsnap, "dump", path))
            problems += cmp.snapshot(msg, dump, label)
            if original is not None and dump != original:
                problems.append(f"{label}: aqsnap dump differs from the JSON the file was made "
                                f"from: {xlang.first_difference(dump, original)}")
        xlang.report(f"{len(files)} C-written files read by Python, field by field", problems)
        xlang.report("coverage of every field, Option, variant and enum value",
                     cmp.coverage_gaps())


if __name__ == "__main__":
    xlang.main(main)
