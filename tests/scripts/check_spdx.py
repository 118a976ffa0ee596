# SPDX-License-Identifier: Apache-2.0
"""license.spdx: every source file starts with the project's SPDX licence line.

    check_spdx.py --root DIR [--fix]

The files are those git tracks (outside a git checkout: every file but build trees). The line is
`SPDX-License-Identifier: Apache-2.0` in the file's comment syntax, on the first line, or on the
second after a `#!` line. --fix inserts it where it is missing.

Exempt, with the reason:
  gen/                              protoc-c output, byte for byte (gen.fresh checks it)
  compat/                           fixtures that never change (compat/SHA256SUMS pins them)
  tests/data/, tests/fuzz/corpus/   test inputs, not source
  tests/engine/src/snapshot_model.rs  the engine's own source, kept verbatim (Apache-2.0 there)
  examples/rust/Cargo.lock          cargo's output: a comment in it fails `cargo --locked`
  *.md, LICENSE, .gitignore, *.json, *.bin, *.binpb   documentation, the licence itself,
                                    configuration and data; JSON has no comments
Any other tracked file whose kind is not known here fails, so that a new kind of file gets a
comment style or an exemption on purpose.
"""

import argparse
import os
import subprocess
import sys

LINE = "SPDX-License-Identifier: Apache-2.0"

EXEMPT_DIRS = ("gen/", "compat/", "tests/data/", "tests/fuzz/corpus/")
EXEMPT_FILES = ("tests/engine/src/snapshot_model.rs", "LICENSE", ".gitignore",
                "examples/rust/Cargo.lock")
EXEMPT_SUFFIXES = (".md", ".json", ".bin", ".binpb")

# The comment that carries the line, by file name suffix (or whole name).
STYLES = {
    (".c", ".h", ".cc", ".hh"): "/* {} */",
    (".rs", ".proto", ".go", "go.mod", ".java", ".kt", ".ts", ".js", ".mjs", ".cpp", ".hpp"):
        "// {}",
    (".1",): '.\\" {}',
    (".cmake", ".cmake.in", "CMakeLists.txt", ".pc.in", ".sh", ".py", ".toml", ".yaml",
     ".symbols", ".patch"): "# {}",
}


def style(path, first_line):
    for suffixes, fmt in STYLES.items():
        if path.endswith(suffixes):
            return fmt
    if first_line.startswith("#!"):  # an executable script without a suffix
        return "# {}"
    return None


def source_files(root):
    """The files git tracks; outside a git checkout (a release tarball, where git lists
    nothing), every file but build trees and caches."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True,
                             check=True, text=True).stdout
        tracked = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        tracked = []
    if tracked:
        return tracked
    files = []
    for top, dirs, names in os.walk(root):
        rel = os.path.relpath(top, root)
        dirs[:] = [d for d in dirs if d != "__pycache__" and not (
            rel == "." and (d.startswith("build") or d in (".git", ".tools")))]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return sorted(files)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--fix", action="store_true", help="insert the line where it is missing")
    a = ap.parse_args()
    files = source_files(a.root)
    problems, checked, fixed = [], 0, 0
    for path in files:
        if (path.startswith(EXEMPT_DIRS) or path in EXEMPT_FILES
                or path.endswith(EXEMPT_SUFFIXES)):
            continue
        full = os.path.join(a.root, path)
        if not os.path.exists(full):
            continue  # deleted in the work tree, not yet committed
        with open(full, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
        first = lines[0] if lines else ""
        fmt = style(path, first)
        if fmt is None:
            problems.append(f"{path}: a kind of file this check does not know: give it a comment "
                            f"style or an exemption in tests/scripts/check_spdx.py")
            continue
        checked += 1
        at = 1 if first.startswith("#!") else 0
        if any(LINE in line for line in lines[:at + 1]):
            continue
        if not a.fix:
            problems.append(f"{path}: no '{fmt.format(LINE)}' on line {at + 1}")
            continue
        lines.insert(at, fmt.format(LINE) + "\n")
        with open(full, "w", encoding="utf-8") as f:
            f.writelines(lines)
        fixed += 1
    for p in problems:
        print("FAIL:", p)
    print(f"{checked} source files checked" + (f", {fixed} fixed" if a.fix else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
