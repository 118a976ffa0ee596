# SPDX-License-Identifier: Apache-2.0
"""Shared code and facts of the cross-language conformance tests (ctest `xlang.*`, README.md).

The six examples of examples/<language>/ are built by xlang.build.<language> exactly as
docs/LANGUAGES.md says, and run through the launchers that test leaves in <work>/bin/. The
protobuf, envelope and aqsnap helpers come from tests/python/xlang.py.

Run with /usr/bin/python3 (Debian's, which has python3-protobuf).
"""

import copy
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import xlang  # noqa: E402  (tests/python/xlang.py)

LANGUAGES = ("go", "java", "cpp", "rust", "typescript", "python")

# The protobuf fixtures of compat/ that every example reads and edits (compat/README.md).
COMPAT_OK = ("v4/ok_document", "v5/ok_document", "v6/ok_document", "v7/ok_document",
             "v8/ok_document", "v8/ok_realistic", "future/ok_future_fields")

# What each example's `edit` does (its usage text and docs/LANGUAGES.md say the same): the path
# of the changed field in `aqsnap dump` and its new value as a function of the old one.
EDITS = {
    "go": ("tasks[0].task_spec.payload.content_type", lambda old: "text/plain"),
    "java": ("tasks[0].task_spec.metadata.description", lambda old: "edited by Java"),
    "cpp": ("tasks[0].task_spec.metadata.tags", lambda old: old + ["edited-by-cpp"]),
    "rust": ("tasks[0].task_spec.constraints.timeout_secs", lambda old: 3600),
    "typescript": ("timestamp", lambda old: old + 1),
    "python": ("tasks[0].task_spec.constraints.max_attempts", lambda old: old + 1),
}

# Runtimes whose JSON shows a proto2 enum value that the schema does not know, as a number: Go
# and prost have open enums; C++ keeps the value among the unknown fields, but its 3.21 JSON
# printer renders from the serialized bytes. Java, Python and protobuf-es print nothing for it.
PRINTS_UNKNOWN_ENUM_VALUES = frozenset({"cpp", "go", "rust"})

# Runtimes that drop the fields the schema does not know when they read a file (prost).
DROPS_UNKNOWN_FIELDS = frozenset({"rust"})

ENGINE_JSON_REFUSAL = ("an engine JSON snapshot (envelope version 4), not protobuf: "
                       "convert it first with `aqsnap convert --to protobuf IN OUT`")
PARSE_REFUSAL = "not a valid actionqueue.snapshot.v1.Snapshot"


class Work:
    """The layout of the shared scratch directory (<build>/tests/xlang/xlang.tmp)."""

    def __init__(self, path):
        self.path = path
        self.root = os.path.join(path, "root")  # where docs/LANGUAGES.md's blocks run
        self.prefix = os.path.join(path, "prefix")  # the installed schema
        self.bin = os.path.join(path, "bin")  # one launcher per language
        self.inputs = os.path.join(path, "inputs")  # files and references of xlang.reference
        self.index = os.path.join(self.inputs, "index.json")

    def launcher(self, lang):
        return os.path.join(self.bin, lang)

    def load_index(self):
        xlang.check(os.path.exists(self.index),
                    f"{self.index} is missing: the xlang.reference test makes it")
        with open(self.index, encoding="utf-8") as f:
            return json.load(f)


def run_example(work, lang, *args):
    """Run the example of `lang` with `args` (absolute paths), as built by xlang.build.<lang>."""
    exe = work.launcher(lang)
    xlang.check(os.path.exists(exe), f"{exe} is missing: the xlang.build.{lang} test makes it")
    return subprocess.run([exe] + list(args), capture_output=True, encoding="utf-8",
                          errors="replace", timeout=300)


def expected_refusal(stderr, path, message, prefix_only=False):
    """None if `stderr` is the one line `<example>: <path>: <message>` (or starts with it when
    `prefix_only`), else what is wrong."""
    line = re.escape(f": {path}: {message}") + (".*" if prefix_only else "")
    if re.fullmatch(r"[^:\n]+" + line + r"\n", stderr):
        return None
    return f"stderr {stderr!r}, want one line '<example>: {path}: {message}" + \
        ("...'" if prefix_only else "'")


def differences(got, want, path="", out=None):
    """Every place where two parsed JSON values differ, as 'path: got X, want Y'; a member one
    side lacks shows as 'absent'. Object member order does not matter."""
    out = [] if out is None else out
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want)):
            p = f"{path}.{k}" if path else k
            if k not in got:
                out.append(f"{p}: absent, want {short(want[k])}")
            elif k not in want:
                out.append(f"{p}: got {short(got[k])}, want absent")
            else:
                differences(got[k], want[k], p, out)
    elif isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            out.append(f"{path}: {len(got)} items, want {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            differences(g, w, f"{path}[{i}]", out)
    elif got != want or type(got) is not type(want):
        out.append(f"{path}: got {short(got)}, want {short(want)}")
    return out


def short(value, limit=80):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def get_path(doc, path):
    """The value at `path` ("tasks[0].task_spec.x") of a parsed JSON document."""
    for name, index in _STEP.findall(path):
        doc = doc[name] if name else doc[int(index)]
    return doc


def set_path(doc, path, value):
    """A copy of `doc` with the value at `path` replaced by `value`."""
    doc = copy.deepcopy(doc)
    steps = [name or int(index) for name, index in _STEP.findall(path)]
    parent = doc
    for step in steps[:-1]:
        parent = parent[step]
    parent[steps[-1]] = value
    return doc
