# SPDX-License-Identifier: Apache-2.0
"""xlang.reference: the files every example reads, and what each must print for them.

Files read: every protobuf fixture of compat/ (v4..v8 ok_document, v8 ok_realistic, the newer
schema's future/ok_future_fields, and the three v8 bad_* files that break an engine rule but
not the wire format), and a large snapshot written by the library (write_large.c). For each,
the reference is Python's own parse, checked field by field against `aqsnap dump` of the same
file (tests/python's Comparer; for the bad_* files, `aqsnap validate` must refuse them and the
reference must show the defect), printed by json_format with proto field names. Next to it the
same with the numbers of enum values the schema does not know, for the runtimes that print them
(conformance.PRINTS_UNKNOWN_ENUM_VALUES).

Files refused: the damaged fixtures of compat/v8, an engine JSON file, and damaged copies made
here (empty, too short, trailing bytes, a payload that does not parse), each with the message
every example must give, computed from the file.

Everything goes to <work>/inputs with index.json, for xlang.<language>.reads.
"""

import argparse
import copy
import json
import os
import shutil
import subprocess
import zlib

from conformance import COMPAT_OK, ENGINE_JSON_REFUSAL, PARSE_REFUSAL, Work, xlang
from xlang import check

# The fixtures that break an engine rule but not the wire format, and what the reference must
# show of each: the one thing that was changed (compat/README.md).
DEFECTS = {
    "v8/bad_missing_state": lambda ref: "state" not in ref["runs"][1]["run_instance"],
    "v8/bad_schema_version": lambda ref: ref["metadata"]["schema_version"] == 9,
    "v8/bad_unknown_task": lambda ref: ref["runs"][0]["run_instance"]["task_id"] not in
    {t["task_spec"]["id"] for t in ref["tasks"]},
}


def with_unknown_enum_values(msg, doc):
    """`doc` (the JSON of `msg`) plus, wherever `msg` keeps the value of a known enum field among
    its unknown fields (a closed enum's value the schema does not know), that value's number."""
    for u in msg.UnknownFields():
        field = msg.DESCRIPTOR.fields_by_number.get(u.field_number)
        if field is not None and field.enum_type is not None and u.wire_type == 0:
            value = (u.data + 2**31) % 2**32 - 2**31  # a varint as the int32 it encodes
            if field.label == field.LABEL_REPEATED:
                doc.setdefault(field.name, []).append(value)
            else:
                doc[field.name] = value
    for field, value in msg.ListFields():
        if field.message_type is None:
            continue
        if field.label == field.LABEL_REPEATED:
            for m, d in zip(value, doc[field.name]):
                with_unknown_enum_values(m, d)
        else:
            with_unknown_enum_values(value, doc[field.name])
    return doc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aqsnap", required=True)
    ap.add_argument("--write-large", required=True, help="the write_large program")
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()
    work = Work(a.work_dir)
    compat = os.path.join(a.source_dir, "compat")

    shutil.rmtree(work.inputs, ignore_errors=True)
    os.makedirs(work.inputs)
    pb = xlang.generate(a.protoc, os.path.join(a.source_dir, "proto"),
                        os.path.join(work.inputs, "gen"))
    from google.protobuf import json_format  # noqa: E402  (xlang.generate checked it is there)
    comparer = xlang.Comparer(pb)
    index = {"reads": [], "refusals": []}

    def add_read(name, path):
        msg = pb.snapshot.Snapshot.FromString(xlang.read_envelope(path))
        ref = json_format.MessageToDict(msg, preserving_proto_field_name=True)
        stem = os.path.join(work.inputs, name.replace("/", "_"))
        case = {"name": name, "path": path, "reference": stem + ".json"}
        case["with_unknown_enums"] = case["reference"]
        ref_unknown_enums = with_unknown_enum_values(msg, copy.deepcopy(ref))
        if ref_unknown_enums != ref:
            case["with_unknown_enums"] = stem + ".with_unknown_enums.json"
        for key, doc in (("reference", ref), ("with_unknown_enums", ref_unknown_enums)):
            with open(case[key], "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
        index["reads"].append(case)
        return msg, ref

    # 1. files every example must read, checked against aqsnap's own view of them
    large = os.path.join(work.inputs, "large.snap")
    r = subprocess.run([a.write_large, large], capture_output=True, text=True)
    check(r.returncode == 0, f"write_large failed ({r.returncode}): {r.stderr}")
    problems = []
    files = [(f"compat/{c}.snap", os.path.join(compat, c + ".snap")) for c in COMPAT_OK]
    for name, path in files + [("large.snap", large)]:
        msg, _ = add_read(name, path)
        xlang.aqsnap_ok(a.aqsnap, "validate", path)
        dump = json.loads(xlang.aqsnap_ok(a.aqsnap, "dump", path))
        known = type(msg)()
        known.CopyFrom(msg)
        known.DiscardUnknownFields()  # compat/future's newer fields: the writes test's subject
        problems += comparer.snapshot(known, dump, name)
    problems += [f"the files read never exercise: {gap}" for gap in comparer.coverage_gaps()]
    if all(c["with_unknown_enums"] == c["reference"] for c in index["reads"]):
        problems.append("no file read has an enum value the schema does not know (compat/future "
                        "should): the runtimes' difference there would go untested")
    xlang.report("the reference parse equals aqsnap dump, field by field, on every file read",
                 problems)

    # 2. files that break an engine rule, not the wire format: read as written, refused by aqsnap
    for case, shows_defect in DEFECTS.items():
        path = os.path.join(compat, case + ".snap")
        _, ref = add_read(f"compat/{case}.snap", path)
        r = xlang.aqsnap(a.aqsnap, "validate", path)
        check(r.returncode == 1, f"aqsnap validate {path}: exit {r.returncode}, want 1")
        check(shows_defect(ref), f"the reference of compat/{case}.snap does not show its defect")

    # 3. files every example must refuse, with the message it must give
    def refusal(name, path, message, prefix_only=False):
        index["refusals"].append({"name": name, "path": path, "message": message,
                                  "prefix_only": prefix_only})

    for case in ("bad_crc", "bad_truncated", "bad_frame_version"):
        path = os.path.join(compat, "v8", case + ".snap")
        with open(path, "rb") as f:
            data = f.read()
        frame, length, crc = xlang.ENVELOPE.unpack_from(data)
        payload = data[xlang.ENVELOPE.size:]
        refusal(f"compat/v8/{case}.snap", path, {
            "bad_crc": f"CRC-32 mismatch: expected 0x{crc:08x}, "
                       f"actual 0x{zlib.crc32(payload):08x}",
            "bad_truncated": f"the envelope announces {length} payload bytes, "
                             f"the file holds {len(payload)}",
            "bad_frame_version": f"unknown envelope version 0x{frame:08x} "
                                 f"(expected 0x{xlang.FRAME_PROTOBUF:08x}, AQP1)",
        }[case])
    refusal("compat/engine-json/v8/ok_document.snap",
            os.path.join(compat, "engine-json", "v8", "ok_document.snap"), ENGINE_JSON_REFUSAL)
    with open(os.path.join(compat, "v8", "ok_document.snap"), "rb") as f:
        good = f.read()
    payload = good[xlang.ENVELOPE.size:]
    made = {
        "empty": (b"", "0 bytes: too short for the 12-byte envelope"),
        "short": (good[:7], "7 bytes: too short for the 12-byte envelope"),
        "trailing": (good + b"\0\0\0", f"the envelope announces {len(payload)} payload "
                     f"bytes, the file holds {len(payload) + 3}"),
        # The last byte of the last record cut, in a consistent envelope: no runtime parses it.
        "unparsable": (xlang.envelope(payload[:-1]), PARSE_REFUSAL),
    }
    for name, (data, message) in made.items():
        path = os.path.join(work.inputs, name + ".snap")
        xlang.write_file(path, data)
        refusal(name + ".snap", path, message, prefix_only=name == "unparsable")

    with open(work.index, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1)
    print(f"ok: {len(index['reads'])} files to read, with their reference JSON, and "
          f"{len(index['refusals'])} to refuse, in {work.index}")


if __name__ == "__main__":
    xlang.main(main)
