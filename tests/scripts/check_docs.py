# SPDX-License-Identifier: Apache-2.0
"""The docs.* tests: the documentation a user gets with a clone or an install stays true.

  check_docs.py man --man docs/aqsnap.1 --aqsnap TOOL --groff GROFF --example SNAPSHOT
                    --work-dir DIR
      docs.man_page: groff -man -ww reads the page without a warning; every command, spelling
      and option `aqsnap --help` and `aqsnap COMMAND --help` list is in it; every command of
      its EXAMPLES section runs (exit 0, nothing on stderr) on a copy of SNAPSHOT.
  check_docs.py links --root DIR
      docs.links: in README.md, BENCHMARKS.md and docs/*.md, every relative link names a file
      inside the repository (and an anchor that exists, for #anchors into Markdown); no text
      refers to an issue number or to a directory outside the repository.
  check_docs.py kinds --error-h include/aqsnap/error.h --format docs/FORMAT.md
                      --validation docs/VALIDATION.md
      docs.error_kinds: every aq_status and aq_error_kind of error.h is documented: the kinds
      under a "Validation" comment in VALIDATION.md, the others in FORMAT.md or VALIDATION.md.

Each failure names the file and what is wrong; exit status 1 if any.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

problems = []


def problem(text):
    problems.append(text)


# ---- man ------------------------------------------------------------------------------------

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def help_words(aqsnap):
    """The commands, their other spellings, and the options the tool's help texts list."""
    main = run([aqsnap, "--help"]).stdout
    commands, words = [], set()
    in_commands = False
    for line in main.splitlines():
        if line == "Commands:":
            in_commands = True
        elif in_commands and not line.startswith("  "):
            in_commands = False
        elif in_commands and re.match(r"  \S", line):
            left = re.split(r"\s{2,}", line.strip())[0]
            spellings = [w.strip(",") for w in left.split()]
            commands.append(spellings[0])
            words.update(w for w in spellings if re.fullmatch(r"-{1,2}[\w-]+|[a-z]+", w))
    if len(commands) < 4:
        problem(f"aqsnap --help lists only {commands}: cannot check the man page against it")
    for command in commands:
        if command in ("help", "version"):
            continue
        usage = run([aqsnap, command, "--help"]).stdout
        words.update(re.findall(r"(?<![\w-])--[a-z][\w-]*", usage))
    return sorted(words)


def check_man(a):
    env = dict(os.environ, LC_ALL="C")
    lint = run([a.groff, "-man", "-ww", "-z", "-Tascii", a.man], env=env)
    if lint.returncode != 0 or lint.stderr:
        problem(f"{a.man}: groff -man -ww -z (exit {lint.returncode}):\n{lint.stderr}")
    text = run([a.groff, "-man", "-Tascii", "-rLL=200n", "-rHY=0", "-P-cbou", a.man],
               env=env).stdout
    for word in help_words(a.aqsnap):
        if not re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text):
            problem(f"{a.man}: does not mention '{word}', which aqsnap's help lists")

    # The EXAMPLES section: the lines of its .nf/.fi blocks, as the reader sees them.
    source = open(a.man, encoding="utf-8").read()
    section = re.search(r"^\.SH EXAMPLES\n(.*?)(?=^\.SH )", source, re.M | re.S)
    if not section:
        problem(f"{a.man}: no EXAMPLES section")
        return
    commands = []
    for block in re.findall(r"^\.nf\n(.*?)^\.fi\n", section.group(1), re.M | re.S):
        commands += [line.replace("\\-", "-").replace("\\e", "\\")
                     for line in block.splitlines() if line.strip()]
    if not commands:
        problem(f"{a.man}: no command in EXAMPLES")
    shutil.rmtree(a.work_dir, ignore_errors=True)
    os.makedirs(os.path.join(a.work_dir, "data", "snapshots"))
    shutil.copy(a.example, os.path.join(a.work_dir, "data", "snapshots", "snapshot.bin"))
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(a.aqsnap)) + os.pathsep
               + os.environ.get("PATH", ""))
    for command in commands:
        r = run(["sh", "-c", command], cwd=a.work_dir, env=env)
        print(f"man page example: {command}: exit {r.returncode}")
        if r.returncode != 0 or r.stderr:
            problem(f"{a.man}: the example `{command}` exits {r.returncode}:\n{r.stdout}{r.stderr}")
    shutil.rmtree(a.work_dir, ignore_errors=True)


# ---- links ----------------------------------------------------------------------------------

def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|\[([^]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {slug(h) for h in re.findall(r"^#+\s+(.*)$", text, re.M)}


def check_links(a):
    root = os.path.realpath(a.root)
    files = ["README.md", "BENCHMARKS.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(root, "docs"))
        if f.endswith(".md"))
    for rel in files:
        path = os.path.join(root, rel)
        text = open(path, encoding="utf-8").read()
        for n, line in enumerate(text.splitlines(), 1):
            for m in re.finditer(r"\bissues?\s+#?\d+", line, re.I):
                problem(f"{rel}:{n}: '{m.group(0)}': readers have no issue tracker to look in")
            if "../shared" in line:
                problem(f"{rel}:{n}: refers to ../shared, outside the repository")
        for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            name, _, anchor = target.partition("#")
            dest = os.path.realpath(os.path.join(os.path.dirname(path), name)) if name else path
            if dest != root and not dest.startswith(root + os.sep):
                problem(f"{rel}: link '{target}' leaves the repository")
            elif not os.path.exists(dest):
                problem(f"{rel}: link '{target}': no such file in the repository")
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                problem(f"{rel}: link '{target}': {os.path.relpath(dest, root)} has no heading "
                        f"with the anchor #{anchor}")


# ---- kinds ----------------------------------------------------------------------------------

def check_kinds(a):
    header = open(a.error_h, encoding="utf-8").read()
    validation = open(a.validation, encoding="utf-8").read()
    either = validation + open(a.format, encoding="utf-8").read()
    statuses = re.search(r"typedef enum aq_status \{(.*?)\n\} aq_status;", header, re.S).group(1)
    kinds = re.search(r"typedef enum aq_error_kind \{(.*?)\n\} aq_error_kind;", header,
                      re.S).group(1)
    names = re.findall(r"\b(AQ_[A-Z_]+)\s*=", statuses)
    for name in names:
        if not re.search(r"\b" + name + r"\b", either):
            problem(f"{a.error_h}: status {name} is in neither {a.format} nor {a.validation}")
    in_validation = False
    n_kinds = 0
    for line in kinds.splitlines():
        comment = re.match(r"\s*/\*\s*(.*?)\s*\*/\s*$", line)
        if comment:
            in_validation = comment.group(1).startswith("Validation")
            continue
        m = re.match(r"\s*(AQ_ERR_[A-Z0-9_]+)\s*=", line)
        if not m or m.group(1) == "AQ_ERR_NONE":
            continue
        n_kinds += 1
        kind = m.group(1)
        if in_validation and not re.search(r"\b" + kind + r"\b", validation):
            problem(f"{a.error_h}: validation kind {kind} is not in {a.validation}")
        elif not re.search(r"\b" + kind + r"\b", either):
            problem(f"{a.error_h}: kind {kind} is in neither {a.format} nor {a.validation}")
    print(f"{len(names)} statuses and {n_kinds} error kinds checked")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="check", required=True)
    m = sub.add_parser("man")
    for opt in ("--man", "--aqsnap", "--groff", "--example", "--work-dir"):
        m.add_argument(opt, required=True)
    sub.add_parser("links").add_argument("--root", required=True)
    k = sub.add_parser("kinds")
    for opt in ("--error-h", "--format", "--validation"):
        k.add_argument(opt, required=True)
    a = ap.parse_args()
    {"man": check_man, "links": check_links, "kinds": check_kinds}[a.check](a)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"docs.{a.check}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
