# SPDX-License-Identifier: Apache-2.0
"""xlang.generators: the schema fits every generator at hand. protoc's own generators (C++,
C#, Java, Kotlin, Objective-C, Python and its .pyi, Ruby), protoc-gen-go and protoc-gen-es each
turn proto/ into code without a warning; PHP is refused as docs/LANGUAGES.md says (protoc makes
PHP from proto3 files only), so that the doc is corrected the day it is not.
"""

import argparse
import glob
import os
import subprocess

from conformance import xlang

BUILTIN = ("cpp", "csharp", "java", "kotlin", "objc", "python", "pyi", "ruby")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--protoc-gen-go", required=True)
    ap.add_argument("--protoc-gen-es", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()
    protos = sorted(glob.glob(os.path.join(a.proto_dir, "actionqueue/snapshot/v1/*.proto")))
    plugins = {"go": a.protoc_gen_go, "es": a.protoc_gen_es}
    problems = []

    with xlang.scratch(a.work_dir) as work:
        def protoc(gen, *extra):
            out = os.path.join(work, gen)
            os.makedirs(out, exist_ok=True)
            cmd = [a.protoc, "-I", a.proto_dir, f"--{gen}_out={out}", *extra, *protos]
            r = subprocess.run(cmd, capture_output=True, text=True)
            made = sum(len(files) for _, _, files in os.walk(out))
            return r, made

        for gen in BUILTIN + tuple(plugins):
            extra = [f"--plugin=protoc-gen-{gen}={plugins[gen]}"] if gen in plugins else []
            r, made = protoc(gen, *extra)
            if r.returncode != 0 or r.stdout or r.stderr or made == 0:
                problems.append(f"protoc --{gen}_out: exit {r.returncode}, {made} files, "
                                f"output {(r.stdout + r.stderr).strip()!r}")
            else:
                print(f"ok: protoc --{gen}_out: {made} files, no warning")
        r, made = protoc("php")
        if r.returncode == 0 or "proto3" not in r.stderr:
            problems.append(f"protoc --php_out: exit {r.returncode}, {r.stderr.strip()!r}: "
                            "PHP from this proto2 schema works now; update docs/LANGUAGES.md")
        else:
            print(f"ok: protoc --php_out refuses proto2, as documented: {r.stderr.strip()}")

    xlang.report("the schema fits every generator", problems)


if __name__ == "__main__":
    xlang.main(main)
