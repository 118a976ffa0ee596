# SPDX-License-Identifier: Apache-2.0
"""install.readme: README.md's "Installing and using aqsnap from another project", run as written.

The README marks the blocks this test runs in their fence's info string (GitHub shows only the
language): ```sh walkthrough=clone, ```sh walkthrough=system, ```sh walkthrough=project, and
the files ```c walkthrough=reader.c and ```cmake walkthrough=CMakeLists.txt. In order:

  clone    from the source tree: configure, build and install into /opt/aqsnap, which is
           replaced by a scratch directory, as is the build directory build/release;
  system   from the source tree, with DESTDIR set to a scratch root (so "/usr/local" is inside
           it), and `ldconfig` given a scratch cache and configuration (-C, -f; -X leaves every
           directory's links alone) that lists the staged library directory: the cache must
           then name libaqsnap.so.SOVERSION there;
  project  in a scratch project directory holding reader.c, CMakeLists.txt and snapshot.bin (a
           copy of examples/snapshot.bin), all project blocks as one shell script, /opt/aqsnap
           replaced. Every `reader` must print the snapshot's task and run counts, which the
           installed tool's `inspect --json` gives independently; the tool's --version must
           be this version; protoc must have generated the Python classes.

Every block runs with `sh -e`: any failing command fails the test, which prints its output.

  readme_walkthrough.py --source DIR --work-dir DIR --libdir LIBDIR --version V --soversion S
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

PREFIX = "/opt/aqsnap"
BUILD = "build/release"


def fail(text):
    print("FAIL:", text)
    sys.exit(1)


def blocks(readme):
    """{tag: [text, ...]} of the README's walkthrough blocks, in order."""
    found = {}
    for tag, text in re.findall(r"^```\w+ walkthrough=(\S+)\n(.*?)^```$", readme, re.M | re.S):
        found.setdefault(tag, []).append(text)
    for tag in ("clone", "system", "project", "reader.c", "CMakeLists.txt"):
        if tag not in found:
            fail(f"README.md has no walkthrough={tag} block: the install walk-through is gone")
    return found


def run_script(name, script, cwd, env):
    print(f"---- {name} (in {cwd}) ----\n{script}")
    r = subprocess.run(["sh", "-e", "-c", script], cwd=cwd, env=env, capture_output=True,
                       text=True)
    print(r.stdout[-3000:], r.stderr[-3000:], sep="")
    if r.returncode != 0:
        fail(f"the README's {name} commands exit {r.returncode}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--source", "--work-dir", "--libdir", "--version", "--soversion"):
        ap.add_argument(opt, required=True)
    a = ap.parse_args()
    src = os.path.realpath(a.source)
    work = os.path.realpath(a.work_dir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    found = blocks(open(os.path.join(src, "README.md"), encoding="utf-8").read())

    env = {k: v for k, v in os.environ.items()
           if k not in ("CMAKE_PREFIX_PATH", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR",
                        "LD_LIBRARY_PATH", "DESTDIR", "CMAKE_BUILD_PARALLEL_LEVEL")}
    prefix = work + PREFIX

    def sandboxed(text):
        return text.replace(PREFIX, prefix).replace(BUILD, os.path.join(work, BUILD))

    # ---- clone: build and install into the prefix ----
    for text in found["clone"]:
        run_script("clone", sandboxed(text), src, env)
    tool = os.path.join(prefix, "bin", "aqsnap")
    if not os.access(tool, os.X_OK):
        fail(f"the clone block did not install {PREFIX}/bin/aqsnap")

    # ---- system: DESTDIR install, and ldconfig on a scratch cache ----
    root = os.path.join(work, "root")
    libdir = os.path.join(root, "usr", "local", a.libdir)
    cache, conf = os.path.join(work, "ld.so.cache"), os.path.join(work, "ld.so.conf")
    with open(conf, "w") as f:
        f.write(libdir + "\n")
    ldconfig = shutil.which("ldconfig", path=env.get("PATH", "") + ":/usr/sbin:/sbin")
    if not ldconfig:
        fail("ldconfig not found")
    for text in found["system"]:
        script = re.sub(r"^ldconfig\b", f"{ldconfig} -X -C {cache} -f {conf}", sandboxed(text),
                        flags=re.M)
        run_script("system", script, src, dict(env, DESTDIR=root))
    listing = subprocess.run([ldconfig, "-C", cache, "-p"], capture_output=True,
                             text=True).stdout
    soname = f"libaqsnap.so.{a.soversion}"
    if not re.search(re.escape(soname) + r" .*=> " + re.escape(libdir), listing):
        fail(f"after the system block, ldconfig's cache has no {soname} in {libdir}")

    # ---- project: a program of the reader's own, built three ways ----
    project = os.path.join(work, "project")
    os.makedirs(project)
    for tag in ("reader.c", "CMakeLists.txt"):
        with open(os.path.join(project, tag), "w") as f:
            f.write(found[tag][0])
    shutil.copy(os.path.join(src, "examples", "snapshot.bin"),
                os.path.join(project, "snapshot.bin"))
    out = run_script("project", sandboxed("".join(found["project"])), project, env)

    facts = json.loads(subprocess.run([tool, "inspect", "--json", "snapshot.bin"], cwd=project,
                                      capture_output=True, text=True, check=True).stdout)
    expected = (f"snapshot.bin: {facts['counts']['tasks']} tasks, "
                f"{facts['counts']['runs']} runs")
    readers = out.count(expected + "\n")
    if readers != 3:
        fail(f"expected the line '{expected}' from each of the 3 readers, found it {readers} "
             f"times")
    if f"aqsnap {a.version} " not in out:
        fail(f"`aqsnap --version` did not print version {a.version}")
    if not os.path.exists(os.path.join(project, "gen", "actionqueue", "snapshot", "v1",
                                       "snapshot_pb2.py")):
        fail("protoc with pkg-config's protodir did not generate snapshot_pb2.py")
    shutil.rmtree(work, ignore_errors=True)
    print("install.readme: ok")


if __name__ == "__main__":
    main()
