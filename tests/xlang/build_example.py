# SPDX-License-Identifier: Apache-2.0
"""xlang.build.<language>: build one example exactly as docs/LANGUAGES.md says.

The doc's block for the language (the ```sh block after `<!-- xlang-test: <language> -->`) runs
with `sh -eu` in the root that xlang.setup made (a clone whose proto/ is the installed schema),
after its build/examples/<language> is removed, with /usr/bin first on PATH (Debian's
toolchains, which scripts/deps.sh installs). Its last command must run the example with
`json compat/v8/ok_document.snap`: that command, with the arguments left open, and the block's
variable assignments become <work>/bin/<language>, the launcher of the other xlang tests.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess

from conformance import LANGUAGES, Work, xlang
from xlang import check, fail

RUN_ARGS = " json compat/v8/ok_document.snap"
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=\S*")


def doc_block(doc, lang):
    """The lines of the doc's block for `lang`, continuation lines joined."""
    with open(doc, encoding="utf-8") as f:
        lines = f.read().split("\n")
    marker = f"<!-- xlang-test: {lang} -->"
    starts = [i for i, line in enumerate(lines) if line == marker]
    check(len(starts) == 1, f"{doc}: {len(starts)} lines '{marker}', want one")
    start = starts[0] + 1
    check(start < len(lines) and lines[start] == "```sh",
          f"{doc}: '{marker}' must be followed by a ```sh block")
    end = lines.index("```", start + 1)
    text = re.sub(r"\\\n\s*", " ", "\n".join(lines[start + 1:end]))
    return [line for line in text.split("\n") if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", required=True, choices=LANGUAGES)
    ap.add_argument("--doc", required=True, help="docs/LANGUAGES.md")
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()
    work = Work(a.work_dir)
    check(os.path.isdir(work.root), f"{work.root} is missing: the xlang.setup test makes it")

    block = doc_block(a.doc, a.lang)
    check(block and block[-1].endswith(RUN_ARGS),
          f"the {a.lang} block of {a.doc} must end with the example run as "
          f"'<command>{RUN_ARGS}', not {block[-1:]}")
    out = os.path.join(work.root, "build", "examples", a.lang)
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""))
    script = "\n".join(block)
    print(f"$ (in {work.root}) sh -eu <<'EOF'\n{script}\nEOF", flush=True)
    r = subprocess.run(["sh", "-eu", "-c", script], cwd=work.root, env=env, timeout=1500)
    if r.returncode != 0:
        fail(f"the {a.lang} block of {a.doc} failed (exit {r.returncode}); its output is above")

    command = block[-1][:-len(RUN_ARGS)]
    launcher = work.launcher(a.lang)
    with open(launcher, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\n"
                f"# The {a.lang} example, as the last command of its block in {a.doc} runs it.\n"
                f"cd {shlex.quote(work.root)} || exit 1\n"
                f"PATH={shlex.quote(env['PATH'])}\n")
        f.writelines(line + "\n" for line in block if ASSIGNMENT.fullmatch(line))
        f.write(f'{command} "$@"\n')
    os.chmod(launcher, 0o755)
    r = subprocess.run([launcher], capture_output=True, text=True)
    check(r.returncode == 2 and r.stderr.startswith("usage: "),
          f"{launcher} without arguments: exit {r.returncode} (want 2), stderr {r.stderr!r} "
          "(want the usage line)")
    print(f"ok: built the {a.lang} example as {a.doc} says; launcher {launcher}")


if __name__ == "__main__":
    xlang.main(main)
