#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers for the cli.* tests (tests/cli/cli_test.sh): make and damage snapshot files, and
check the aqsnap tool's outputs against facts computed here, independently of the library
(Python's json and zlib only).

Usage: snaputil.py COMMAND ARGS...   (each command is documented at its function)
Exit status: 0 ok; 1 a check failed (the reasons are on stderr); 2 misuse.
"""
import datetime
import json
import os
import sys
import zlib

FRAME_JSON = 4
FRAME_PROTOBUF = 0x31505141
STATES = ["Scheduled", "Ready", "Leased", "Running", "RetryWait", "Suspended", "Completed",
          "Failed", "Canceled"]
# inspect's section names: (text label, --json key, engine JSON key)
SECTIONS = [
    ("tasks", "tasks", "tasks"),
    ("runs", "runs", "runs"),
    ("dependency decls", "dependency_declarations", "dependency_declarations"),
    ("budgets", "budgets", "budgets"),
    ("subscriptions", "subscriptions", "subscriptions"),
    ("actors", "actors", "actors"),
    ("tenants", "tenants", "tenants"),
    ("role assignments", "role_assignments", "role_assignments"),
    ("capability grants", "capability_grants", "capability_grants"),
    ("ledger entries", "ledger_entries", "ledger_entries"),
]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def u32(b, off):
    return int.from_bytes(b[off:off + 4], "little")


def envelope(version, payload):
    return (version.to_bytes(4, "little") + len(payload).to_bytes(4, "little") +
            zlib.crc32(payload).to_bytes(4, "little") + payload)


def serde_compact(doc):
    """serde_json's compact layout (same as Python's with these settings, see
    tests/data/json/README.md)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_doc(path):
    return json.loads(read(path).decode("utf-8"))


# ---- making files -------------------------------------------------------------------------------

def cmd_wrap(version, src, dst):
    """wrap VERSION IN OUT: OUT = 12-byte envelope (VERSION, len, zlib crc32) + IN's bytes."""
    write(dst, envelope(int(version, 0), read(src)))


def cmd_payload(src, dst):
    """payload FILE OUT: OUT = FILE without its 12-byte envelope (checks the header's length)."""
    b = read(src)
    if u32(b, 4) != len(b) - 12:
        sys.exit("payload: %s: header length %d, file holds %d payload bytes"
                 % (src, u32(b, 4), len(b) - 12))
    write(dst, b[12:])


def cmd_header(path):
    """header FILE: prints the envelope's version, length and CRC as 'V LEN 0xCRC'."""
    b = read(path)
    print("%d %d 0x%08x" % (u32(b, 0), u32(b, 4), u32(b, 8)))


def cmd_crc(path):
    """crc FILE: prints 0x%08x of zlib.crc32 over FILE's payload (bytes after the envelope)."""
    print("0x%08x" % zlib.crc32(read(path)[12:]))


def cmd_nonul(src, dst):
    """nonul IN OUT: the document with every \\u0000 escape turned into \\u0002 (protobuf-c
    cannot carry a NUL inside a string; the escape has the same length and layout)."""
    write(dst, read(src).replace(b"\\u0000", b"\\u0002"))


def cmd_invalid(src, dst):
    """invalid IN OUT: a v8 engine document with exactly three violations, in validation order:
    metadata.task_count 7 (3 tasks); runs[0] history Scheduled -> Running (illegal); runs[1]
    references the unknown task 0000000a-0000-4000-8000-0000000000ff."""
    d = load_doc(src)
    d["metadata"]["task_count"] = 7
    r0 = d["runs"][0]
    assert r0["state_history"][1]["from"] == "Scheduled"
    assert r0["run_instance"]["state"] == "Running"
    r0["state_history"] = [r0["state_history"][0],
                           {"from": "Scheduled", "to": "Running",
                            "timestamp": r0["state_history"][1]["timestamp"]}]
    d["runs"][1]["run_instance"]["task_id"] = "0000000a-0000-4000-8000-0000000000ff"
    write(dst, serde_compact(d))


def cmd_replace(src, dst, old, new):
    """replace IN OUT OLD NEW: IN's text with OLD (which it must hold) replaced by NEW."""
    text = read(src)
    if old.encode() not in text:
        sys.exit("replace: %s does not hold %r" % (src, old))
    write(dst, text.replace(old.encode(), new.encode()))


def cmd_custom_empty(src, dst):
    """custom-empty IN OUT: the v8 engine document IN with its first role assignment given
    Role::Custom(""), which the engine loads and aqsnap warns about."""
    doc = load_doc(src)
    doc["role_assignments"][0]["role"] = {"Custom": ""}
    write(dst, serde_compact(doc))


def cmd_paused(src, dst):
    """paused IN OUT: the document with the engine paused at 1700000400 (not resumed)."""
    d = load_doc(src)
    d["engine"] = {"paused": True, "paused_at": 1700000400, "resumed_at": None}
    write(dst, serde_compact(d))


def cmd_schema(src, dst, version):
    """schema IN OUT N: the document with metadata.schema_version = N."""
    d = load_doc(src)
    d["metadata"]["schema_version"] = int(version)
    write(dst, serde_compact(d))


def cmd_corrupt(mode, src, dst, arg="0"):
    """corrupt MODE IN OUT [ARG]: flip (xor 0x01 into payload byte ARG), cut (keep the first
    ARG bytes), version (set the version word to ARG)."""
    b = bytearray(read(src))
    n = int(arg, 0)
    if mode == "flip":
        b[12 + n] ^= 0x01
    elif mode == "cut":
        b = b[:n]
    elif mode == "version":
        b[0:4] = n.to_bytes(4, "little")
    else:
        sys.exit("corrupt: unknown mode %s" % mode)
    write(dst, bytes(b))


# ---- checking outputs ---------------------------------------------------------------------------

def cmd_isjson(path):
    """isjson FILE: FILE parses as one JSON document."""
    try:
        load_doc(path)
    except ValueError as e:
        sys.exit("%s is not valid JSON: %s" % (path, e))


def first_diff(a, b, path="$"):
    if type(a) is not type(b):
        return "%s: %r vs %r" % (path, a, b)
    if isinstance(a, dict):
        if list(a) != list(b):
            return "%s: keys %s vs %s" % (path, list(a), list(b))
        for k in a:
            d = first_diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (path, a, b)


def cmd_jsoneq(a, b):
    """jsoneq A B: A and B parse to the same JSON value (same keys in the same order)."""
    d = first_diff(load_doc(a), load_doc(b))
    if d:
        sys.exit("%s and %s differ at %s" % (a, b, d))


def state_name(s):
    return next(iter(s)) if isinstance(s, dict) else s


def expected_facts(path, doc_path, violations):
    """What inspect must say about the snapshot file `path`, which holds the engine document at
    `doc_path` (the same document when `path` is a bare one)."""
    b = read(path)
    doc = load_doc(doc_path)
    f = {"file": os.fsencode(path).decode("utf-8", "replace")}  # as inspect --json renders it
    if b[:1] == b"{":
        f.update(framed=False, format="json", envelope_version=0, payload=b)
    else:
        version, length = u32(b, 0), u32(b, 4)
        f.update(framed=True, envelope_version=version, payload=b[12:12 + length],
                 format={FRAME_JSON: "json", FRAME_PROTOBUF: "protobuf"}[version])
        if u32(b, 8) != zlib.crc32(f["payload"]):
            sys.exit("test input %s: header CRC is not zlib.crc32 of its payload" % path)
    f["trailing_bytes"] = len(b) - 12 - len(f["payload"]) if f["framed"] else 0
    f["payload_bytes"] = len(f["payload"])
    f["crc32"] = "0x%08x" % zlib.crc32(f.pop("payload"))
    f["schema_version"] = doc["metadata"]["schema_version"]
    f["wal_sequence"] = doc["metadata"]["wal_sequence"]
    f["timestamp"] = doc["timestamp"]
    engine = doc.get("engine") or {}
    f["paused"] = bool(engine.get("paused", False))
    f["paused_at"] = engine.get("paused_at")
    f["counts"] = {k: len(doc.get(jk) or []) for _, k, jk in SECTIONS}
    f["runs_by_state"] = {s: 0 for s in STATES}
    for r in doc["runs"]:
        f["runs_by_state"][state_name(r["run_instance"]["state"])] += 1
    f["violations"] = violations
    # Engine 0.1.2's verdict: the first reason it would not load the file as it is.
    cron = any(isinstance(t["task_spec"]["run_policy"], dict)
               and "Cron" in t["task_spec"]["run_policy"] for t in doc["tasks"])
    f["engine_reason"] = ("protobuf file" if f["format"] == "protobuf" else
                          "no envelope" if not f["framed"] else
                          "schema version %d:" % f["schema_version"]
                          if f["schema_version"] != 8 else
                          "violation" if violations else "Cron policy" if cron else None)
    return f


class Checker:
    def __init__(self, what):
        self.what = what
        self.errors = []

    def eq(self, name, expected, actual):
        if expected != actual:
            self.errors.append("%s: expected %r, actual %r" % (name, expected, actual))

    def finish(self):
        if self.errors:
            sys.stderr.write("%s:\n  %s\n" % (self.what, "\n  ".join(self.errors)))
            sys.exit(1)


def cmd_inspect_text(path, doc_path, out_path, violations="0"):
    """inspect-text FILE DOC OUT [VIOLATIONS]: OUT (the output of `aqsnap inspect FILE`) states
    the facts of FILE, which holds document DOC, and VIOLATIONS violations."""
    f = expected_facts(path, doc_path, int(violations))
    c = Checker("aqsnap inspect %s (text)" % path)
    lines = read(out_path).decode("utf-8").split("\n")
    if lines[-1] != "":
        c.errors.append("output does not end with a newline")
    lines = lines[:-1]
    fields, states, order = {}, {}, []
    for line in lines:
        if line.startswith("  "):
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                c.errors.append("unexpected runs-per-state line %r" % line)
                continue
            states[parts[0]] = int(parts[1])
            continue
        key, sep, value = line.partition(":")
        if not sep:
            c.errors.append("line without 'key:' %r" % line)
            continue
        order.append(key)
        fields[key] = value.strip()
    c.eq("file", path, fields.get("file"))
    if f["framed"]:
        v = f["envelope_version"]
        if f["format"] == "json":
            c.eq("format", "json (envelope version %d)" % v, fields.get("format"))
        else:
            c.eq("format", 'protobuf (envelope version 0x%08x, "AQP1")' % v, fields.get("format"))
    else:
        c.eq("format", "json (bare document, no envelope)", fields.get("format"))
    c.eq("payload", "%d bytes, CRC-32 %s" % (f["payload_bytes"], f["crc32"]), fields.get("payload"))
    if f["trailing_bytes"]:
        c.eq("trailing bytes", "%d after the payload (ignored, as the engine ignores them)"
             % f["trailing_bytes"], fields.get("trailing bytes"))
    c.eq("schema version", str(f["schema_version"]), fields.get("schema version"))
    c.eq("wal_sequence", str(f["wal_sequence"]), fields.get("wal_sequence"))
    iso = datetime.datetime.fromtimestamp(f["timestamp"], datetime.timezone.utc)
    c.eq("timestamp", "%d (%s)" % (f["timestamp"], iso.strftime("%Y-%m-%dT%H:%M:%SZ")),
         fields.get("timestamp"))
    c.eq("engine", "paused (since %d)" % f["paused_at"] if f["paused"] else "running",
         fields.get("engine"))
    for label, key, _ in SECTIONS:
        c.eq(label, str(f["counts"][key]), fields.get(label))
    c.eq("runs per state", f["runs_by_state"], states)
    if sum(states.values()) != f["counts"]["runs"]:
        c.errors.append("runs per state add up to %d, not to the run count %d"
                        % (sum(states.values()), f["counts"]["runs"]))
    verdict = fields.get("validation", "")
    if f["violations"] == 0:
        c.eq("validation", "ok", verdict)
    else:
        prefix = "%d violation%s, first: " % (f["violations"], "" if f["violations"] == 1 else "s")
        if not verdict.startswith(prefix) or len(verdict) == len(prefix):
            c.eq("validation", prefix + "<message>", verdict)
    engine = fields.get("engine 0.1.2", "")
    if f["engine_reason"] is None:
        c.eq("engine 0.1.2", "loads it as it is", engine)
    elif not (engine.startswith("does not load it as it is: ") and f["engine_reason"] in engine):
        c.eq("engine 0.1.2", "does not load it as it is: ...%s..." % f["engine_reason"], engine)
    expected_keys = (["file", "format", "payload"]
                     + (["trailing bytes"] if f["trailing_bytes"] else [])
                     + ["schema version", "wal_sequence", "timestamp", "engine"]
                     + [label for label, _, _ in SECTIONS] + ["validation", "engine 0.1.2"])
    # "runs" is followed by its per-state lines, which are not keys.
    c.eq("lines, in order", expected_keys, order)
    c.finish()


def cmd_inspect_json(path, doc_path, out_path, violations="0"):
    """inspect-json FILE DOC OUT [VIOLATIONS]: OUT (the output of `aqsnap inspect --json FILE`)
    is one valid JSON object with the facts of FILE."""
    f = expected_facts(path, doc_path, int(violations))
    c = Checker("aqsnap inspect --json %s" % path)
    raw = read(out_path)
    try:
        j = json.loads(raw.decode("utf-8"))
    except ValueError as e:
        sys.exit("aqsnap inspect --json %s: output is not valid JSON (%s): %r" % (path, e, raw))
    if not isinstance(j, dict):
        sys.exit("aqsnap inspect --json %s: output is not a JSON object: %r" % (path, raw))
    for key in ["file", "format", "framed", "envelope_version", "payload_bytes", "crc32",
                "trailing_bytes", "schema_version", "wal_sequence", "timestamp", "paused", "counts",
                "runs_by_state"]:
        c.eq(key, f[key], j.get(key))
    if sum(j.get("runs_by_state", {}).values()) != j.get("counts", {}).get("runs"):
        c.errors.append("runs_by_state does not add up to counts.runs")
    c.eq("violations", f["violations"], j.get("violations"))
    c.eq("valid", f["violations"] == 0, j.get("valid"))
    if f["violations"]:
        if not isinstance(j.get("first_violation"), str) or not j["first_violation"]:
            c.errors.append("first_violation missing: %r" % j.get("first_violation"))
    c.eq("engine_release", "0.1.2", j.get("engine_release"))
    c.eq("engine_loads", f["engine_reason"] is None, j.get("engine_loads"))
    if f["engine_reason"] is not None and f["engine_reason"] not in j.get("engine_reason", ""):
        c.errors.append("engine_reason %r lacks %r" % (j.get("engine_reason"), f["engine_reason"]))
    c.finish()


COMMANDS = {
    "wrap": cmd_wrap, "payload": cmd_payload, "header": cmd_header, "crc": cmd_crc,
    "nonul": cmd_nonul, "invalid": cmd_invalid, "paused": cmd_paused, "schema": cmd_schema,
    "custom-empty": cmd_custom_empty, "replace": cmd_replace,
    "corrupt": cmd_corrupt, "isjson": cmd_isjson, "jsoneq": cmd_jsoneq,
    "inspect-text": cmd_inspect_text, "inspect-json": cmd_inspect_json,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except TypeError as e:
        sys.stderr.write("snaputil.py %s: %s\n" % (sys.argv[1], e))
        sys.exit(2)
