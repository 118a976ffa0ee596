#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The schema's facts, read from proto/ and written where the C library and the tests use them.

The .proto files are the one place a field is described: its protobuf number and type come from
protoc, and what the engine's Rust model says beyond that (a 16-byte id, an Option, a serde
default, the schema version that introduced it, its JSON key) from an `aqsnap:` line in its
comment (the vocabulary is at the top of core.proto). This script reads both through protoc's
descriptor set (with source info, for the comments), checks them, and writes:

  gen/aqsnap/schema_facts.h      X-macro lists of records, fields and enums (private to src/ and
                                 the tests), expanded by every converter into straight-line code
  gen/aqsnap/schema_facts.json   the same facts for the Python tests
  include/aqsnap/schema_version.h  AQ_SCHEMA_MIN / AQ_SCHEMA_MAX (public)

Usage: schema_facts.py PROTO_DIR OUT_DIR   (scripts/regen.sh runs it; OUT_DIR mirrors the tree)
As a module: load(proto_dir) returns the Schema (the tests use the JSON file instead).
Run with /usr/bin/python3 (Debian's python3-protobuf); `protoc` must be on PATH.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

FD = descriptor_pb2.FieldDescriptorProto
PACKAGE = "actionqueue.snapshot.v1"
PROTO_FILES = ["actionqueue/snapshot/v1/core.proto", "actionqueue/snapshot/v1/snapshot.proto"]


class SchemaError(Exception):
    pass


# ---- reading the descriptors and their comments ---------------------------------------------

def descriptor_set(proto_dir):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "schema.binpb")
        subprocess.run(["protoc", "--include_source_info", f"--descriptor_set_out={out}",
                        "-I", proto_dir] + PROTO_FILES, check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
    return fds


class Comments:
    """`aqsnap:` tokens of each element, found by its source-info path."""

    def __init__(self, fdp):
        self.file = fdp.name
        self.by_path = {}
        for loc in fdp.source_code_info.location:
            text = loc.leading_comments + "\n" + loc.trailing_comments
            tokens = []
            for line in text.splitlines():
                m = re.search(r"aqsnap:(.*)$", line)
                if m:
                    tokens += m.group(1).split()
            if tokens:
                self.by_path[tuple(loc.path)] = (tokens, loc.span[0] + 1)

    def tokens(self, path, allowed, what):
        """{key: value or True} of the element at `path`; unknown keys are an error."""
        toks, line = self.by_path.get(tuple(path), ([], 0))
        out = {}
        for t in toks:
            key, _, value = t.partition("=")
            if key not in allowed:
                raise SchemaError(f"{self.file}:{line}: {what}: unknown aqsnap marker '{t}' "
                                  f"(known here: {', '.join(sorted(allowed))})")
            if key in out:
                raise SchemaError(f"{self.file}:{line}: {what}: '{key}' given twice")
            out[key] = value if value else True
        return out


def snake(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def upper_snake(name):
    return snake(name).upper()


def camel(snake_name):
    return "".join(p.capitalize() for p in snake_name.lower().split("_"))


def int_token(tokens, key, what):
    v = tokens.get(key)
    if v is None:
        return None
    if v is True or not v.isdigit():
        raise SchemaError(f"{what}: {key}= needs a number, got {v!r}")
    return int(v)


# ---- the model ------------------------------------------------------------------------------

class EnumValue:
    def __init__(self, name, suffix, number, json_name, since, constant):
        self.name, self.suffix, self.number = name, suffix, number
        self.json, self.since, self.constant = json_name, since, constant


class Enum:
    def __init__(self, full, pb_c, rust, native, values):
        self.full, self.pb_c, self.rust, self.native, self.values = full, pb_c, rust, native, values

    def value(self, name):
        for v in self.values:
            if v.name == name:
                return v
        raise SchemaError(f"enum {self.full} has no value {name}")


class Field:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class Record:
    """A message with a C struct of its own, a oneof variant stored in its parent's struct
    (`into`), a oneof (`variants`), or a list wrapper."""

    def __init__(self, full, name, native, rust, pb_c, kind):
        self.full, self.name, self.native, self.rust, self.pb_c = full, name, native, rust, pb_c
        self.kind = kind  # "record", "variant", "union", "wrapper"
        self.fields = []
        self.into_record = self.into_member = None
        self.oneof = None     # union: the oneof's name
        self.variants = []    # union: (case number, pb field name, variant Record, json name)


class Schema:
    def __init__(self):
        self.enums = {}     # full name -> Enum
        self.records = {}   # full name -> Record
        self.order = []     # Records, dependencies first
        self.schema_min = self.schema_max = None


def pb_c_names(full):
    """protoc-c's type, INIT macro and descriptor names for a message."""
    parts = full.split(".")
    pkg, rest = parts[:3], parts[3:]
    type_ = "__".join([p.capitalize() for p in pkg] + rest)
    upper = "__".join([p.upper() for p in pkg] + [upper_snake(p) for p in rest])
    desc = "__".join([p.lower() for p in pkg] + [snake(p) for p in rest]) + "__descriptor"
    return {"type": type_, "init": upper + "__INIT", "desc": desc}


def rust_name(full):
    rest = full[len(PACKAGE) + 1:].split(".")
    if len(rest) == 1:
        return "struct " + rest[0]
    return "struct variant " + "::".join(rest)


def read_enum(schema, comments, path, ed, prefix_full, schema_min):
    full = f"{prefix_full}.{ed.name}"
    what = f"enum {full}"
    t = comments.tokens(path, {"native", "prefix"}, what)
    native = t.get("native", snake(ed.name))
    cprefix = t.get("prefix", "AQ_" + native.upper())
    vprefix = upper_snake(ed.name) + "_"
    values = []
    for i, vd in enumerate(ed.value):
        vt = comments.tokens(path + [2, i], {"since", "json"}, f"{what}.{vd.name}")
        if not vd.name.startswith(vprefix):
            raise SchemaError(f"{what}: value {vd.name} lacks the prefix {vprefix}")
        suffix = vd.name[len(vprefix):]
        if vd.number == 0:
            if suffix != "UNSPECIFIED":
                raise SchemaError(f"{what}: value 0 must be {vprefix}UNSPECIFIED")
            continue
        if vd.number != len(values) + 1:
            raise SchemaError(f"{what}: values must be numbered 1, 2, 3... ({vd.name})")
        since = int_token(vt, "since", f"{what}.{vd.name}") or schema_min
        values.append(EnumValue(vd.name, suffix, vd.number, vt.get("json", camel(suffix)),
                                since, f"{cprefix}_{suffix}"))
    schema.enums[full] = Enum(full, pb_c_names(full)["type"], ed.name if prefix_full == PACKAGE else
                              prefix_full.split(".")[-1], native, values)


FIELD_MARKERS = {"uuid", "u8", "option", "default", "omit", "since", "json"}


def walk(comments, path, md, prefix_full, enums, messages):
    """Every enum and message declared in `md` (and md itself), with their source paths."""
    full = f"{prefix_full}.{md.name}"
    messages.append((comments, path, md, full))
    for i, ed in enumerate(md.enum_type):
        enums.append((comments, path + [4, i], ed, full))
    for i, nd in enumerate(md.nested_type):
        walk(comments, path + [3, i], nd, full, enums, messages)


MESSAGE_MARKERS = {"native", "into", "wrapper", "schema"}


def build_record(schema, comments, path, md, full):
    t = comments.tokens(path, MESSAGE_MARKERS, f"message {full}")
    name = md.name[len("Snapshot"):] if md.name.startswith("Snapshot") and md.name != "Snapshot" \
        else md.name
    nested = full[len(PACKAGE) + 1:].split(".")
    native = t.get("native", snake(name) if len(nested) == 1 else "_".join(snake(n) for n in nested))
    if "wrapper" in t:
        kind = "wrapper"
    elif "into" in t:
        kind = "variant"
    elif md.oneof_decl:
        kind = "union"  # or "handwritten", once its members are known (load)
    elif "schema" in t:
        kind = "root"
    else:
        kind = "record"
    rust = md.name if kind == "union" else rust_name(full)  # a Rust enum, named in messages
    rec = Record(full, native, native, rust, pb_c_names(full), kind)
    if kind == "variant":
        into = t["into"].split(".", 1)
        rec.into_record = into[0]
        rec.into_member = into[1] if len(into) > 1 else None
    if kind == "union":
        if len(md.oneof_decl) != 1 or any(not f.HasField("oneof_index") for f in md.field):
            raise SchemaError(f"message {full}: a oneof message holds exactly one oneof and "
                              "nothing else")
        rec.oneof = md.oneof_decl[0].name
    rec.fields = [(i, fd) for i, fd in enumerate(md.field)]
    rec.path = path
    rec.comments = comments
    return rec


def resolve_field(schema, rec, i, fd):
    what = f"{rec.full}.{fd.name}"
    t = rec.comments.tokens(rec.path + [2, i], FIELD_MARKERS, what)
    repeated = fd.label == FD.LABEL_REPEATED
    enum = msg = None
    if fd.type == FD.TYPE_UINT32:
        kind = "U8" if "u8" in t else "U32"
    elif fd.type == FD.TYPE_UINT64:
        kind = "U64"
    elif fd.type == FD.TYPE_INT32:
        kind = "I32"
    elif fd.type == FD.TYPE_BOOL:
        kind = "BOOL"
    elif fd.type == FD.TYPE_STRING:
        kind = "STR"
    elif fd.type == FD.TYPE_BYTES:
        kind = "UUID" if "uuid" in t else "BYTES"
    elif fd.type == FD.TYPE_ENUM:
        kind, enum = "ENUM", schema.enums[fd.type_name.lstrip(".")]
    elif fd.type == FD.TYPE_MESSAGE:
        msg = schema.records[fd.type_name.lstrip(".")]
        kind = "STRLIST" if msg.kind == "wrapper" else "MSG"
    else:
        raise SchemaError(f"{what}: protobuf type {fd.type} is not used by the engine's model")
    if ("u8" in t and fd.type != FD.TYPE_UINT32) or ("uuid" in t and fd.type != FD.TYPE_BYTES):
        raise SchemaError(f"{what}: 'u8' goes with uint32 fields, 'uuid' with bytes fields")
    if repeated:
        if kind not in ("STR", "UUID", "MSG"):
            raise SchemaError(f"{what}: lists of {kind} are not used by the engine's model")
        kind = "LIST_" + kind
    presence = "REQ"
    default = "0"
    if "option" in t:
        presence = "OPT"
        # An Option's `default` column: serde's attributes, which only the struct's sequence
        # form (a missing trailing element) and the writer (an omitted None) tell apart.
        if t.get("default") is True:
            default = "AQ_OPTION_DEFAULT"
        if "omit" in t:
            if default == "0":
                raise SchemaError(f"{what}: 'omit' (skip_serializing_if None) needs 'default', "
                                  "or serde could not read what it wrote")
            default = "(AQ_OPTION_DEFAULT | AQ_OPTION_OMIT_NONE)"
    elif "omit" in t:
        raise SchemaError(f"{what}: 'omit' is for 'option' fields")
    if "default" in t and presence != "OPT":
        presence = "DEF"
    if presence == "DEF" and kind == "ENUM":
        if t["default"] is True:
            raise SchemaError(f"{what}: a defaulted enum names its default: default=<VALUE>")
        default = enum.value(t["default"]).constant
    elif t.get("default") not in (None, True):
        raise SchemaError(f"{what}: default=<VALUE> is for enum fields")
    if repeated and presence == "OPT":
        raise SchemaError(f"{what}: an Option of a list is a `wrapper` message, not `option`")
    if kind == "STRLIST" and presence != "OPT":
        raise SchemaError(f"{what}: a list wrapper stands for an Option<Vec<..>>: mark it 'option'")
    if kind in ("I32", "BOOL", "U8") and presence == "OPT":
        raise SchemaError(f"{what}: the C model has no Option of {kind}")
    since = int_token(t, "since", what) or schema.schema_min
    if since > schema.schema_min and presence == "REQ":
        raise SchemaError(f"{what}: a field added in v{since} must be 'option' or 'default', "
                          "or older documents could not load")
    if since > schema.schema_min and presence == "DEF" and kind == "MSG":
        raise SchemaError(f"{what}: a record added in v{since} is an 'option' (a C pointer), "
                          "so that older documents can say it is absent")
    if since < schema.schema_min or since > schema.schema_max:
        raise SchemaError(f"{what}: since={since} is outside {schema.schema_min}..{schema.schema_max}")
    key = t.get("json", fd.name)
    member = key if rec.into_member is None else f"{rec.into_member}.{key}"
    return Field(pb=fd.name, member=member, number=fd.number, kind=kind,
                 type=(enum.native if enum else msg.native if msg else "_"),
                 presence=presence, since=since, json=key, default=default,
                 oneof=fd.oneof_index if fd.HasField("oneof_index") else None,
                 message=msg, enum=enum)


def load(proto_dir):
    fds = descriptor_set(proto_dir)
    schema = Schema()
    enums, messages = [], []
    files = {f.name: f for f in fds.file}
    for name in PROTO_FILES:
        fdp = files[name]
        if fdp.package != PACKAGE or fdp.syntax not in ("", "proto2"):
            raise SchemaError(f"{name}: expected proto2 package {PACKAGE}")
        c = Comments(fdp)
        for i, ed in enumerate(fdp.enum_type):
            enums.append((c, [5, i], ed, PACKAGE))
        for i, md in enumerate(fdp.message_type):
            walk(c, [4, i], md, PACKAGE, enums, messages)
    # The schema range sits on Snapshot; every default `since` depends on it.
    for c, path, md, full in messages:
        t = c.tokens(path, MESSAGE_MARKERS, f"message {full}")
        if "schema" in t:
            m = re.fullmatch(r"(\d+)\.\.(\d+)", t["schema"] if t["schema"] is not True else "")
            if not m or int(m.group(1)) > int(m.group(2)):
                raise SchemaError(f"message {full}: schema= takes MIN..MAX")
            schema.schema_min, schema.schema_max = int(m.group(1)), int(m.group(2))
    if schema.schema_min is None:
        raise SchemaError("no message carries `aqsnap: schema=MIN..MAX`")
    for c, path, ed, prefix in enums:
        read_enum(schema, c, path, ed, prefix, schema.schema_min)
    built = []
    for c, path, md, full in messages:
        rec = build_record(schema, c, path, md, full)
        schema.records[full] = rec
        built.append(rec)
    for rec in built:
        rec.fields = [resolve_field(schema, rec, i, fd) for i, fd in rec.fields]
        numbers = [f.number for f in rec.fields]
        if numbers != sorted(numbers):
            # The engine's JSON follows declaration order and protobuf's encoding number order;
            # the codec writes one order for both.
            raise SchemaError(f"message {rec.full}: declare fields in field-number order")
    for rec in built:
        if rec.kind != "union":
            continue
        if any(f.kind != "MSG" or f.message.kind != "variant" for f in rec.fields):
            # A oneof of an enum and a name (Role, Capability): hand-written converters.
            rec.kind = "handwritten"
            continue
        for f in rec.fields:
            rec.variants.append((f.number, f.pb, f.message, camel(f.pb)))
            if f.message.into_record != rec.native:
                raise SchemaError(f"{f.message.full}: into={f.message.into_record}, but it is a "
                                  f"variant of {rec.full} (C struct aq_{rec.native})")
    # Dependencies first, so that each converter can be defined before its first use.
    done = set()

    def visit(rec):
        if rec.full in done:
            return
        done.add(rec.full)
        for f in rec.fields:
            if f.message is not None:
                visit(f.message)
        schema.order.append(rec)

    for rec in built:
        visit(rec)
    return schema


# ---- output ---------------------------------------------------------------------------------

BANNER = ("Generated by scripts/schema_facts.py from the .proto files under proto/: do "
          "not edit.\n * Regenerate with scripts/regen.sh (gen/README.md).")


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def xlist(name, params, rows, doc):
    out = [f"/* {doc}\n * X({', '.join(params)}) */"]
    if not rows:
        out.append(f"#define {name}(X)")
        return "\n".join(out) + "\n"
    out.append(f"#define {name}(X) \\")
    for i, r in enumerate(rows):
        tail = " \\" if i + 1 < len(rows) else ""
        out.append(f"    X({', '.join(r)}){tail}")
    return "\n".join(out) + "\n"


def header(schema):
    s = [f"/* SPDX-License-Identifier: Apache-2.0 */\n/*\n * {BANNER}\n *\n * The schema's facts as X-macro lists: every converter (protobuf <-> native, engine\n"
         " * JSON reader and writer, validation's version gates, the tests' comparison) expands\n"
         " * them, so that a field is described once, in the .proto.\n */",
         "#ifndef AQSNAP_GEN_SCHEMA_FACTS_H", "#define AQSNAP_GEN_SCHEMA_FACTS_H", "",
         "/* The `default` column of an Option field (presence OPT): serde's #[serde(default)]\n"
         " * (None when its element is missing from a struct written as a sequence; a missing key\n"
         " * is None either way) and skip_serializing_if = \"Option::is_none\" (None has no key). */",
         "#define AQ_OPTION_DEFAULT 0x1",
         "#define AQ_OPTION_OMIT_NONE 0x2", ""]
    s.append("/* ---- enums ---------------------------------------------------------------------- */\n")
    for e in schema.enums.values():
        s.append(f"#define AQ_ENUM_{e.native}_RUST {c_str(e.rust)}")
        s.append(f"#define AQ_ENUM_{e.native}_MAX {len(e.values)}")
        s.append(f"#define AQ_ENUM_{e.native}_PB {e.pb_c}")
        s.append(xlist(f"AQ_ENUM_{e.native}", ["enum", "constant", "number", "json", "since"],
                       [[e.native, v.constant, str(v.number), c_str(v.json), str(v.since)]
                        for v in e.values],
                       f"enum {e.full}: its values in order"))
    s.append("/* ---- records ------------------------------------------------------------------------ */\n")
    lists = [
        ("root", "AQ_ROOT", "the snapshot itself (the codec handles it section by section)"),
        ("record", "AQ_RECORDS", "records with a C struct of their own, dependencies first"),
        ("union", "AQ_UNIONS", "oneofs of variant messages: the C kind is the oneof case number "
                               "and each variant's fields live in the union's C struct"),
        ("variant", "AQ_VARIANTS", "the variant messages of AQ_UNIONS"),
        ("handwritten", "AQ_HANDWRITTEN", "oneofs of a built-in enum or a custom name: "
                                          "converted by hand-written code"),
        ("wrapper", "AQ_WRAPPERS", "messages that wrap a list so that an Option<Vec<T>> keeps "
                                   "absent apart from empty"),
    ]
    for kind, lname, doc in lists:
        rows = []
        for r in schema.order:
            if r.kind != kind:
                continue
            row = [r.native]
            if kind == "variant":
                row.append(r.into_record)
            if kind in ("union", "handwritten"):
                row.append(r.oneof)
            if kind != "wrapper":
                row.append(c_str(r.rust))
            rows.append(row)
        params = ["record"] + (["parent"] if kind == "variant" else []) + \
            (["oneof"] if kind in ("union", "handwritten") else []) + \
            (["rust"] if kind != "wrapper" else [])
        s.append(xlist(lname, params, rows, doc))
    s.append("/* protobuf-c's names for each message: its type, INIT macro and descriptor; and its "
             "Rust name. */")
    for r in schema.order:
        s.append(f"#define AQ_RUST_{r.native} {c_str(r.rust)}")
        s.append(f"#define AQ_PB_{r.native} {r.pb_c['type']}")
        s.append(f"#define AQ_PB_INIT_{r.native} {r.pb_c['init']}")
        s.append(f"#define AQ_PB_DESC_{r.native} {r.pb_c['desc']}")
    s.append("")
    for r in schema.order:
        if r.kind == "union":
            s.append(xlist(f"AQ_UNION_{r.native}",
                           ["record", "oneof", "case", "constant", "pb_field", "variant", "json"],
                           [[r.native, r.oneof, str(n), f"AQ_{r.native.upper()}_{pb.upper()}",
                             pb, v.native, c_str(j)] for n, pb, v, j in r.variants],
                           f"{r.full}: the variants of oneof `{r.oneof}`"))
            names = [j for _, _, _, j in r.variants]
            text = ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
            s.append(f"#define AQ_UNION_{r.native}_NAMES {c_str(text)}\n")
    for r in schema.order:
        if r.kind not in ("root", "record", "variant"):
            continue
        s.append(f"#define AQ_FIELDS_{r.native}_COUNT {len(r.fields)}")
        rows = [[r.native, f.pb, f.member, str(f.number), f.kind, f.type, f.presence,
                 str(f.since), c_str(f.json), f.default] for f in r.fields]
        s.append(xlist(f"AQ_FIELDS_{r.native}",
                       ["record", "pb", "member", "number", "kind", "type", "presence", "since",
                        "json", "default"], rows, f"{r.full}: its fields in declaration order"))
    root = [r for r in schema.order if r.kind == "root"][0]
    params = ["record", "pb", "member", "number", "kind", "type", "presence", "since", "json",
              "default"]
    for name, pick, doc in (("AQ_SECTIONS", lambda f: f.kind == "LIST_MSG",
                             "the snapshot's lists of records, which the codec converts one "
                             "record at a time"),
                            ("AQ_HEAD", lambda f: f.kind != "LIST_MSG",
                             "the snapshot's other fields")):
        rows = [[root.native, f.pb, f.member, str(f.number), f.kind, f.type, f.presence,
                 str(f.since), c_str(f.json), f.default] for f in root.fields if pick(f)]
        s.append(xlist(name, params, rows, doc))
    s.append(features(schema))
    s.append("#endif /* AQSNAP_GEN_SCHEMA_FACTS_H */\n")
    return "\n".join(s)


def feature_scopes(schema):
    """What validation checks against metadata.schema_version, per scope: the snapshot and each
    record that is an item of a list. A row is a field newer than the oldest schema version, or
    an enum field whose enum has newer values, reached from the scope through embedded records,
    optional records (guarded by their pointer) and oneof variants (guarded by the kind).
    Returns [(scope Record, rows, lists)], rows = (expr, path, field, guard), lists =
    (expr, path, item Record)."""
    newest = {e.full: max(v.since for v in e.values) for e in schema.enums.values()}
    scopes, out = [], []
    root = [r for r in schema.order if r.kind == "root"][0]
    todo = [root]
    while todo:
        scope = todo.pop(0)
        if scope in scopes:
            continue
        scopes.append(scope)
        rows, lists = [], []

        def walk(rec, expr, path, guard):
            for f in rec.fields:
                e, p = expr + f.member, path + f.member
                if (f.since > schema.schema_min and not (scope is root and f.kind == "LIST_MSG")) or (
                        f.kind == "ENUM" and newest[f.enum.full] > schema.schema_min):
                    rows.append((e, p, f, guard))  # the snapshot's lists: AQ_SECTIONS' since
                if f.kind == "LIST_MSG":
                    lists.append((e, p, f.message))
                    if f.message not in todo and f.message not in scopes:
                        todo.append(f.message)
                elif f.kind == "MSG" and f.message.kind == "union":
                    for case, _, variant, _ in f.message.variants:
                        g = f"x->{e}.kind == {case}"
                        walk(variant, e + ".", p + ".",
                             g if guard == "1" else f"{guard} && {g}")
                elif f.kind == "MSG" and f.message.kind in ("record", "root"):
                    if f.presence == "OPT":
                        g = f"x->{e} != NULL"
                        walk(f.message, e + "->", p + ".", g if guard == "1" else f"{guard} && {g}")
                    else:
                        walk(f.message, e + ".", p + ".", guard)

        walk(scope, "", "", "1")
        out.append((scope, rows, lists))
    # Paths name one list of the snapshot and one list inside its item (runs[3].attempts[0]):
    # the items of a list inside an item must have nothing to check.
    by_scope = {o[0].full: o for o in out}
    for _, _, lists in out[:1]:
        for _, _, section in lists:
            for _, _, item in by_scope[section.full][2]:
                _, rows, inner = by_scope[item.full]
                for _, _, deeper in inner:
                    if by_scope[deeper.full][1] or by_scope[deeper.full][2]:
                        raise SchemaError(f"{deeper.full}: version-dependent fields three "
                                          "lists deep: validation cannot name their path")
    return out


def features(schema):
    s = ["/* ---- version features -------------------------------------------------------------- */\n"]
    scopes = feature_scopes(schema)
    newest_value = {e.full: max(v.since for v in e.values) for e in schema.enums.values()}

    def newest(scope):
        _, rows, lists = [o for o in scopes if o[0] is scope][0]
        n = [schema.schema_min]
        n += [max(f.since, newest_value[f.enum.full] if f.enum else 0) for _, _, f, _ in rows]
        n += [newest(item) for _, _, item in lists if item is not scope]
        return max(n)

    for scope, rows, lists in scopes:
        s.append(f"/* A {scope.full} of this schema version or later has nothing to check. */")
        s.append(f"#define AQ_FEATURES_{scope.native}_NEWEST {newest(scope)}")
        s.append(xlist(f"AQ_FEATURES_{scope.native}",
                       ["expr", "path", "name", "kind", "presence", "since", "enum", "default",
                        "guard"],
                       [[e, c_str(p), c_str(f.json), f.kind, f.presence, str(f.since),
                         f.enum.native if f.enum else "_", f.default, g] for e, p, f, g in rows],
                       f"what validation checks against the schema version in a {scope.full}: "
                       "fields newer than the oldest version, and enum fields with newer values"))
        s.append(xlist(f"AQ_FEATURE_LISTS_{scope.native}", ["expr", "path", "item"],
                       [[e, c_str(p), item.native] for e, p, item in lists],
                       f"the lists of records in a {scope.full}, whose items are checked as "
                       "scopes of their own"))
    return "\n".join(s)


def version_header(schema):
    return f"""/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/schema_version.h
 * The snapshot schema versions this library reads and writes.
 *
 * {BANNER.replace(chr(10) + ' *', chr(10) + ' *')}
 */
#ifndef AQSNAP_SCHEMA_VERSION_H
#define AQSNAP_SCHEMA_VERSION_H

/** Oldest `metadata.schema_version` this library loads (the first JSON snapshots). */
#define AQ_SCHEMA_MIN {schema.schema_min}
/** Newest `metadata.schema_version` this library loads and writes. */
#define AQ_SCHEMA_MAX {schema.schema_max}

#endif /* AQSNAP_SCHEMA_VERSION_H */
"""


def fields_header(schema):
    root = [r for r in schema.order if r.kind == "root"][0]
    rows = "\n".join(f"    AQ_FIELD_{f.member.upper()} = {f.number}," for f in root.fields)
    return f"""/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/snapshot_fields.h
 * The fields of a snapshot (actionqueue.snapshot.v1.Snapshot) by their protobuf numbers, which
 * is also their order in every file this library and the engine write: the streaming API
 * (aqsnap/stream.h) names sections and top-level values with them.
 *
 * {BANNER.replace(chr(10) + ' *', chr(10) + ' *')}
 */
#ifndef AQSNAP_SNAPSHOT_FIELDS_H
#define AQSNAP_SNAPSHOT_FIELDS_H

typedef enum aq_field {{
{rows}
}} aq_field;

/** The highest field number. */
#define AQ_FIELD_MAX {max(f.number for f in root.fields)}

#endif /* AQSNAP_SNAPSHOT_FIELDS_H */
"""


def facts_json(schema):
    enums = {e.full[len(PACKAGE) + 1:]: {
        "native": e.native, "rust": e.rust,
        "values": [{"name": v.name, "number": v.number, "json": v.json, "since": v.since}
                   for v in e.values]} for e in schema.enums.values()}
    records = {}
    for r in schema.order:
        rec = {"kind": r.kind, "native": r.native, "rust": r.rust, "fields": []}
        for f in r.fields:
            rec["fields"].append({
                "name": f.pb, "number": f.number, "json": f.json, "kind": f.kind,
                "presence": f.presence, "since": f.since,
                "type": (f.message.full[len(PACKAGE) + 1:] if f.message else
                         f.enum.full[len(PACKAGE) + 1:] if f.enum else None),
                "default": (f.enum.values[[v.constant for v in f.enum.values].index(f.default)].name
                            if f.enum and f.presence == "DEF" else None),
                "option_default": f.presence == "OPT" and f.default != "0",
                "omit_none": "AQ_OPTION_OMIT_NONE" in f.default})
        if r.kind in ("union", "handwritten"):
            rec["oneof"] = r.oneof
        if r.kind == "union":
            rec["variants"] = [{"case": n, "field": pb, "message": v.full[len(PACKAGE) + 1:],
                                "json": j} for n, pb, v, j in r.variants]
        records[r.full[len(PACKAGE) + 1:]] = rec
    return json.dumps({"schema_min": schema.schema_min, "schema_max": schema.schema_max,
                       "enums": enums, "records": records}, indent=1, sort_keys=True) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    proto_dir, out = argv[1], argv[2]
    try:
        schema = load(proto_dir)
    except SchemaError as e:
        sys.stderr.write(f"schema_facts.py: {e}\n")
        return 1
    write(os.path.join(out, "gen/aqsnap/schema_facts.h"), header(schema))
    write(os.path.join(out, "gen/aqsnap/schema_facts.json"), facts_json(schema))
    write(os.path.join(out, "include/aqsnap/schema_version.h"), version_header(schema))
    write(os.path.join(out, "include/aqsnap/snapshot_fields.h"), fields_header(schema))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
