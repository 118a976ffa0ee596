# SPDX-License-Identifier: Apache-2.0
"""Shared code of the cross-language tests (tests/python/test_*.py, ctest python.*).

Everything here is written against the .proto files, never against the C code: the generated
classes come from `protoc --python_out` at test time, the envelope is parsed with struct and
zlib, and the protobuf <-> engine-JSON correspondence (TABLES below) is built from the facts the
.proto files state (gen/aqsnap/schema_facts.json, made from them by scripts/schema_facts.py).

Run with /usr/bin/python3 (Debian's, which has python3-protobuf).
"""

import contextlib
import importlib
import json
import os
import shutil
import struct
import subprocess
import sys
import uuid
import zlib

FRAME_PROTOBUF = 0x31505141  # b"AQP1" read as u32 little-endian
FRAME_JSON = 4
ENVELOPE = struct.Struct("<III")  # frame version, payload length, CRC-32 of the payload


class TestFailure(Exception):
    """A check failed; the message says which and with what values."""


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def require_protobuf():
    """Import google.protobuf or fail saying how to get it (never skip)."""
    try:
        importlib.import_module("google.protobuf")
    except ImportError as e:
        fail(f"{sys.executable}: cannot import google.protobuf ({e}): run scripts/deps.sh, "
             "which installs python3-protobuf, and run the tests with /usr/bin/python3")


# ---- scratch directory -------------------------------------------------------------------------

@contextlib.contextmanager
def scratch(path):
    """A fresh directory at `path` (under the build tree), removed afterwards whatever happens,
    unless AQ_KEEP_TMP is set in the environment (then its path is printed)."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    try:
        yield path
    finally:
        if os.environ.get("AQ_KEEP_TMP"):
            print(f"(AQ_KEEP_TMP: kept {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


# ---- generated classes -------------------------------------------------------------------------

class Proto:
    """The generated modules: .snapshot (snapshot_pb2) and .core (core_pb2)."""

    def __init__(self, snapshot, core):
        self.snapshot = snapshot
        self.core = core


def generate(protoc, proto_dir, out_dir):
    """protoc --python_out=<out_dir> of every .proto under proto_dir/actionqueue/snapshot/v1,
    then import the result."""
    require_protobuf()
    pkg = os.path.join(proto_dir, "actionqueue", "snapshot", "v1")
    protos = sorted(os.path.join(pkg, f) for f in os.listdir(pkg) if f.endswith(".proto"))
    check(protos, f"no .proto files in {pkg}")
    os.makedirs(out_dir, exist_ok=True)
    r = subprocess.run([protoc, f"--python_out={out_dir}", "-I", proto_dir] + protos,
                       capture_output=True, text=True)
    check(r.returncode == 0, f"protoc --python_out failed ({r.returncode}): {r.stderr}")
    sys.path.insert(0, out_dir)
    importlib.invalidate_caches()
    snapshot = importlib.import_module("actionqueue.snapshot.v1.snapshot_pb2")
    core = importlib.import_module("actionqueue.snapshot.v1.core_pb2")
    check(os.path.realpath(snapshot.__file__).startswith(os.path.realpath(out_dir)),
          f"imported {snapshot.__file__}, not the classes just generated in {out_dir}")
    return Proto(snapshot, core)


# ---- envelope ----------------------------------------------------------------------------------

def read_envelope(path, expect_frame=FRAME_PROTOBUF):
    """The payload of the snapshot file at `path`, after checking the 12-byte envelope: frame
    version, payload length equal to what follows the header, and zlib.crc32 of the payload."""
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) >= ENVELOPE.size, f"{path}: {len(data)} bytes, shorter than the envelope")
    frame, length, crc = ENVELOPE.unpack_from(data)
    payload = data[ENVELOPE.size:]
    check(frame == expect_frame,
          f"{path}: frame version 0x{frame:08x}, expected 0x{expect_frame:08x}")
    check(length == len(payload),
          f"{path}: envelope says {length} payload bytes, the file has {len(payload)}")
    actual = zlib.crc32(payload) & 0xFFFFFFFF
    check(crc == actual, f"{path}: envelope CRC-32 0x{crc:08x}, payload has 0x{actual:08x}")
    return payload


def envelope(payload, frame=FRAME_PROTOBUF):
    """A snapshot file image: the envelope around `payload`."""
    return ENVELOPE.pack(frame, len(payload), zlib.crc32(payload) & 0xFFFFFFFF) + payload


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)


# ---- the aqsnap tool ---------------------------------------------------------------------------

def aqsnap(tool, *args):
    """Run the aqsnap tool; returns the CompletedProcess (text mode, output captured)."""
    return subprocess.run([tool] + list(args), capture_output=True, encoding="utf-8",
                          timeout=120)


def aqsnap_ok(tool, *args):
    r = aqsnap(tool, *args)
    check(r.returncode == 0,
          f"aqsnap {' '.join(args)} exited {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}")
    return r.stdout


# ---- protobuf <-> engine JSON, field by field --------------------------------------------------
#
# Modes: REQ  an engine field that is not an Option: the protobuf field must be present;
#        OPT  an engine Option: present in protobuf exactly when the JSON value is not null;
#        DEF  a "defaulted" engine field that is not an Option: when absent from the protobuf,
#             the JSON holds the engine's default;
#        REP  a list: same length, element by element.
# `since`: the schema version that introduced the field; older documents have no JSON key for
# it and their protobuf must not carry it.

REQ, OPT, DEF, REP = "required", "option", "defaulted", "repeated"


class Int:
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi


U32, U64, I32, U8 = Int(0, 2**32 - 1), Int(0, 2**64 - 1), Int(-2**31, 2**31 - 1), Int(0, 255)
BOOL, STR, BYTES, UUID, STRLIST = "bool", "string", "bytes", "uuid", "string list"


class Enum:
    """An enum field: `names` maps every valid protobuf value name to the engine's name."""

    def __init__(self, enum, names):
        self.enum, self.names = enum, names


class Msg:
    def __init__(self, name):
        self.name = name


class F:
    def __init__(self, field, key, kind, mode, default=None, since=None, omit_none=False):
        self.field, self.key, self.kind, self.mode = field, key, kind, mode
        self.default, self.since, self.omit_none = default, since, omit_none


def _tables(path):
    """TABLES, ONEOFS and ENUMS from the schema's facts."""
    with open(path, encoding="utf-8") as f:
        facts = json.load(f)
    enums = {name: Enum(name, {v["name"]: v["json"] for v in e["values"]})
             for name, e in facts["enums"].items()}
    ints = {"U32": U32, "U64": U64, "I32": I32, "U8": U8}
    simple = {"BOOL": BOOL, "STR": STR, "BYTES": BYTES, "UUID": UUID, "STRLIST": STRLIST}
    records = facts["records"]

    def kind_of(fd):
        k = fd["kind"].replace("LIST_", "")
        if k in ints:
            return ints[k]
        if k in simple:
            return simple[k]
        if k == "ENUM":
            return enums[fd["type"]]
        return Msg(fd["type"])

    def default_json(fd):
        """The engine JSON a defaulted field holds when the protobuf does not carry it."""
        if fd["kind"] == "ENUM":
            return enums[fd["type"]].names[fd["default"]]
        if fd["kind"] == "MSG":
            return {g["json"]: None if g["presence"] == "OPT" else default_json(g)
                    for g in records[fd["type"]]["fields"]}
        return {"BOOL": False}.get(fd["kind"], [] if fd["kind"].startswith("LIST_") else 0)

    tables, oneofs = {}, {}
    for name, rec in records.items():
        if rec["kind"] in ("record", "root", "variant"):
            tables[name] = [
                F(fd["name"], fd["json"], kind_of(fd),
                  REP if fd["kind"].startswith("LIST_") else
                  {"REQ": REQ, "OPT": OPT, "DEF": DEF}[fd["presence"]],
                  default=default_json(fd) if fd["presence"] == "DEF" else None,
                  since=fd["since"] if fd["since"] > facts["schema_min"] else None,
                  omit_none=fd["omit_none"])
                for fd in rec["fields"]]
        elif rec["kind"] == "union":
            oneofs[name] = (rec["oneof"], {
                v["field"]: (v["json"],
                             "struct" if records[v["message"]]["fields"] else "unit",
                             v["message"]) for v in rec["variants"]})
        elif rec["kind"] == "handwritten":  # a built-in enum or Custom(String)
            oneofs[name] = (rec["oneof"], {
                fd["name"]: (None, "enum", enums[fd["type"]]) if fd["kind"] == "ENUM" else
                ("Custom", "newtype", None) for fd in rec["fields"]})
    return tables, oneofs, list(enums.values())


FACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "gen", "aqsnap",
                     "schema_facts.json")
# Message name (relative to the package) -> its fields, each with its engine JSON key.
# Data-carrying engine enums, as protobuf oneofs. Serde's external tagging: a unit variant is
# its name as a string ("Once"), a struct variant {"Name": {fields}}, a newtype variant
# {"Name": value}. Per oneof field: (engine variant name, shape, payload).
#   shape "unit":    payload is the variant's (field-less) message table name
#   shape "struct":  payload is the variant's message table name
#   shape "enum":    a built-in value: the string is the enum's engine name (payload: the Enum)
#   shape "newtype": {"Custom": "<string>"}
TABLES, ONEOFS, ENUMS = _tables(FACTS)
with open(FACTS, encoding="utf-8") as _f:
    SCHEMA_MIN, SCHEMA_MAX = (lambda d: (d["schema_min"], d["schema_max"]))(json.load(_f))

PACKAGE = "actionqueue.snapshot.v1."


def short_name(descriptor):
    return descriptor.full_name[len(PACKAGE):]


class Comparer:
    """Compares protobuf messages with the engine JSON (a parsed `aqsnap dump`) field by field,
    collecting every mismatch with its JSON path, and remembers what it has seen so that a test
    can require that every field, variant and enum value was exercised."""

    def __init__(self, proto):
        self.proto = proto
        self.mismatches = []
        self.seen = {}      # (message, field) -> {"present", "absent"}
        self.values = {}    # enum name -> engine names seen
        self.schema_version = None  # of the snapshot being compared
        self._check_tables()

    # -- the tables must describe the schema exactly: a new field, variant or enum value fails
    #    the test until the comparison covers it.
    def _check_tables(self):
        pool = self.proto.snapshot.DESCRIPTOR.pool
        reachable, todo = set(), ["Snapshot"]
        while todo:
            name = todo.pop()
            if name in reachable:
                continue
            reachable.add(name)
            d = pool.FindMessageTypeByName(PACKAGE + name)
            for f in d.fields:
                if f.message_type is not None:
                    todo.append(short_name(f.message_type))
        covered = set(TABLES) | set(ONEOFS) | {"StringList"}
        check(reachable == covered,
              f"comparison tables out of date: messages not compared "
              f"{sorted(reachable - covered)}, tables for unknown messages "
              f"{sorted(covered - reachable)}")
        for name, table in TABLES.items():
            fields = {f.name for f in pool.FindMessageTypeByName(PACKAGE + name).fields}
            listed = [f.field for f in table]
            check(sorted(listed) == sorted(fields),
                  f"comparison table of {name} lists {sorted(listed)}, the schema has "
                  f"{sorted(fields)}")
        strlist = pool.FindMessageTypeByName(PACKAGE + "StringList")
        fd = importlib.import_module("google.protobuf.descriptor").FieldDescriptor
        check([(f.name, f.label, f.type) for f in strlist.fields] ==
              [("values", fd.LABEL_REPEATED, fd.TYPE_STRING)],
              "StringList is no longer one repeated string 'values'")
        for name, (oneof, cases) in ONEOFS.items():
            d = pool.FindMessageTypeByName(PACKAGE + name)
            check(set(d.oneofs_by_name) == {oneof} and
                  {f.name for f in d.oneofs_by_name[oneof].fields} == set(cases) and
                  {f.name for f in d.fields} == set(cases),
                  f"comparison of the oneof {name}.{oneof} is out of date")
        for e in ENUMS:
            d = pool.FindEnumTypeByName(PACKAGE + e.enum)
            names = {v.name for v in d.values if v.number != 0}
            check(names == set(e.names),
                  f"engine names of {e.enum} cover {sorted(e.names)}, the schema has "
                  f"{sorted(names)}")

    # -- bookkeeping
    def _mismatch(self, path, msg):
        self.mismatches.append(f"{path}: {msg}")

    def _mark(self, msg_name, field, present):
        self.seen.setdefault((msg_name, field), set()).add("present" if present else "absent")

    def _unknown(self, m, path):
        unknown = m.UnknownFields()
        if len(unknown):
            nums = sorted({u.field_number for u in unknown})
            self._mismatch(path, f"fields unknown to the schema on the wire: {nums}")

    # -- values
    def _value(self, kind, pv, jv, path):
        """Compare one protobuf value with one JSON value of the given kind."""
        if isinstance(kind, Int):
            if type(jv) is not int:
                return self._mismatch(path, f"dump has {jv!r}, expected an integer")
            if not kind.lo <= jv <= kind.hi:
                return self._mismatch(path, f"dump value {jv} out of range")
            if pv != jv:
                self._mismatch(path, f"protobuf {pv} != dump {jv}")
        elif kind == BOOL:
            if type(jv) is not bool or pv != jv:
                self._mismatch(path, f"protobuf {pv!r} != dump {jv!r}")
        elif kind == STR:
            if type(jv) is not str or pv != jv:
                self._mismatch(path, f"protobuf {pv!r} != dump {jv!r}")
        elif kind == BYTES:
            if not isinstance(jv, list) or list(pv) != jv:
                self._mismatch(path, f"protobuf bytes {pv.hex()} != dump {jv!r}")
        elif kind == UUID:
            if len(pv) != 16:
                return self._mismatch(path, f"protobuf id has {len(pv)} bytes, not 16")
            text = str(uuid.UUID(bytes=bytes(pv)))
            if text != jv:
                self._mismatch(path, f"protobuf id {text} != dump {jv!r}")
        elif kind == STRLIST:
            self._unknown(pv, path)
            self._mark("StringList", "values", len(pv.values) > 0)
            if not isinstance(jv, list) or list(pv.values) != jv:
                self._mismatch(path, f"protobuf {list(pv.values)!r} != dump {jv!r}")
        elif isinstance(kind, Enum):
            d = self.proto.snapshot.DESCRIPTOR.pool.FindEnumTypeByName(PACKAGE + kind.enum)
            v = d.values_by_number.get(pv)
            name = kind.names.get(v.name) if v is not None else None
            if name is None:
                return self._mismatch(path, f"protobuf {kind.enum} value {pv} is not valid")
            self.values.setdefault(kind.enum, set()).add(name)
            if jv != name:
                self._mismatch(path, f"protobuf {v.name} ({name}) != dump {jv!r}")
        elif isinstance(kind, Msg):
            self.message(kind.name, pv, jv, path)
        else:
            raise AssertionError(kind)

    # -- messages
    def message(self, name, m, j, path):
        """Compare message `m` (table `name`) with the JSON value `j` at `path`."""
        self._unknown(m, path)
        if name in ONEOFS:
            return self._oneof(name, m, j, path)
        table = TABLES[name]
        if not isinstance(j, dict):
            return self._mismatch(path, f"dump has {j!r}, expected an object")
        sv = self.schema_version
        # serde writes no key for a None it skips (skip_serializing_if).
        keys = [f.key for f in table if (f.since is None or sv >= f.since)
                and not (f.omit_none and not m.HasField(f.field))]
        if list(j) != keys:
            self._mismatch(path, f"dump keys {list(j)}, expected {keys} (schema v{sv})")
        for f in table:
            fpath = f"{path}.{f.key}" if path else f.key
            if f.mode == REP:
                items = getattr(m, f.field)
                self._mark(name, f.field, len(items) > 0)
                if f.key not in j:
                    if len(items):
                        self._mismatch(fpath, f"{len(items)} items in protobuf, but schema "
                                              f"v{sv} has no '{f.key}' (dump omits it)")
                    continue
                jl = j[f.key]
                if not isinstance(jl, list) or len(jl) != len(items):
                    self._mismatch(fpath, f"protobuf has {len(items)} items, dump has "
                                          f"{len(jl) if isinstance(jl, list) else repr(jl)}")
                    continue
                for i, (pv, jv) in enumerate(zip(items, jl)):
                    self._value(f.kind, pv, jv, f"{fpath}[{i}]")
                continue
            has = m.HasField(f.field)
            self._mark(name, f.field, has)
            if f.key not in j:
                if has:
                    self._mismatch(fpath, f"set in protobuf, but schema v{sv} has no "
                                          f"'{f.key}' (dump omits it)")
                continue
            jv = j[f.key]
            if f.mode == REQ:
                if not has:
                    self._mismatch(fpath, f"required field absent from protobuf (dump {jv!r})")
                else:
                    self._value(f.kind, getattr(m, f.field), jv, fpath)
            elif f.mode == OPT:
                if has != (jv is not None):
                    self._mismatch(fpath, f"protobuf HasField={has}, dump {jv!r}")
                elif has:
                    self._value(f.kind, getattr(m, f.field), jv, fpath)
            elif f.mode == DEF:
                if has:
                    self._value(f.kind, getattr(m, f.field), jv, fpath)
                elif jv != f.default or type(jv) is not type(f.default):
                    self._mismatch(fpath, f"absent from protobuf, so the engine default "
                                          f"{f.default!r} was expected, dump has {jv!r}")
            else:
                raise AssertionError(f.mode)

    def _oneof(self, name, m, j, path):
        oneof, cases = ONEOFS[name]
        case = m.WhichOneof(oneof)
        for field in cases:
            self._mark(name, field, field == case)
        if case is None:
            return self._mismatch(path, f"no variant of {name} is set (dump {j!r})")
        variant, shape, payload = cases[case]
        pv = getattr(m, case)
        if shape == "enum":
            return self._value(payload, pv, j, path)
        if shape == "unit":
            self._unknown(pv, path)
            if j != variant:
                self._mismatch(path, f"protobuf {name}.{case} != dump {j!r}")
            return None
        if not isinstance(j, dict) or list(j) != [variant]:
            return self._mismatch(path, f"protobuf {name}.{case} != dump {j!r}")
        if shape == "struct":
            return self.message(payload, pv, j[variant], f"{path}.{variant}")
        return self._value(STR, pv, j[variant], f"{path}.{variant}")  # newtype Custom(String)

    def snapshot(self, m, doc, label):
        """Compare a whole Snapshot with its dump; returns the mismatches of this snapshot."""
        before = len(self.mismatches)
        sv = doc.get("metadata", {}).get("schema_version") if isinstance(doc, dict) else None
        if type(sv) is not int:
            self._mismatch(label, f"dump has no metadata.schema_version: {sv!r}")
            return self.mismatches[before:]
        self.schema_version = sv
        self.message("Snapshot", m, doc, "")
        new = self.mismatches[before:]
        self.mismatches[before:] = [f"{label}: {x}" for x in new]
        return self.mismatches[before:]

    def coverage_gaps(self, absent_too=(OPT,)):
        """What the compared snapshots never exercised: a field never present, a field of a mode
        in `absent_too` never absent, a oneof variant or an enum value never seen."""
        gaps = []
        for name, table in TABLES.items():
            for f in table:
                seen = self.seen.get((name, f.field), set())
                if "present" not in seen:
                    gaps.append(f"{name}.{f.field} never present")
                if f.mode in absent_too and "absent" not in seen:
                    gaps.append(f"{name}.{f.field} never absent")
        for name, (_, cases) in ONEOFS.items():
            for case in cases:
                if "present" not in self.seen.get((name, case), set()):
                    gaps.append(f"{name}.{case} never set")
        for e in ENUMS:
            missing = set(e.names.values()) - self.values.get(e.enum, set())
            if missing:
                gaps.append(f"{e.enum} values never seen: {sorted(missing)}")
        return gaps


def first_difference(got, want, path=""):
    """Where two parsed JSON values first differ, as 'path: got X, want Y' (None if equal)."""
    if isinstance(got, dict) and isinstance(want, dict):
        if list(got) != list(want):
            return f"{path or '.'}: keys {list(got)}, want {list(want)}"
        for k in got:
            d = first_difference(got[k], want[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return f"{path}: {len(got)} items, want {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            d = first_difference(g, w, f"{path}[{i}]")
            if d:
                return d
        return None
    if got != want or type(got) is not type(want):
        return f"{path}: got {got!r}, want {want!r}"
    return None


def report(label, problems, limit=60):
    """Fail with the first `limit` problems, or print that `label` passed."""
    if problems:
        shown = "\n  ".join(problems[:limit])
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        fail(f"{label}: {len(problems)} problem(s):\n  {shown}{more}")
    print(f"ok: {label}")


def main(run):
    """Entry point of a test script: run(), turning TestFailure into exit status 1."""
    try:
        run()
    except TestFailure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
