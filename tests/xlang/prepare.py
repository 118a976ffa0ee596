# SPDX-License-Identifier: Apache-2.0
"""xlang.setup: the directory where xlang.build.* run docs/LANGUAGES.md's blocks.

The build tree is installed (`cmake --install`) into a scratch prefix, and <work>/root is made to look like the root of a clone whose `proto` is that
installed schema: `proto` links to <prefix>/<datadir>/aqsnap/proto; `examples`, `compat` and
`.tools` (the npm packages of scripts/deps.sh) link to the source tree; `build/` holds what the
doc's blocks make.
"""

import argparse
import os
import shutil
import subprocess

from conformance import Work, xlang
from xlang import check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmake", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--config", default="")
    ap.add_argument("--datadir", required=True, help="CMAKE_INSTALL_DATADIR")
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()
    work = Work(a.work_dir)

    # The examples' outputs under root/build and their launchers stay: each xlang.build.* test
    # removes and remakes its own.
    shutil.rmtree(work.prefix, ignore_errors=True)
    for name in ("proto", "examples", "compat", ".tools"):
        link = os.path.join(work.root, name)
        if os.path.islink(link):
            os.remove(link)
    cmd = [a.cmake, "--install", a.build_dir, "--prefix", work.prefix]
    if a.config:
        cmd += ["--config", a.config]
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, f"{' '.join(cmd)} failed ({r.returncode}): {r.stdout}{r.stderr}")
    proto = os.path.join(work.prefix, a.datadir, "aqsnap", "proto")
    installed = sorted(os.listdir(os.path.join(proto, "actionqueue", "snapshot", "v1")))
    check(installed == ["core.proto", "snapshot.proto"],
          f"cmake --install put {installed} in {proto}, want core.proto and snapshot.proto")

    os.makedirs(os.path.join(work.root, "build"), exist_ok=True)
    os.makedirs(work.bin, exist_ok=True)
    os.symlink(proto, os.path.join(work.root, "proto"))
    for name in ("examples", "compat", ".tools"):
        os.symlink(os.path.join(a.source_dir, name), os.path.join(work.root, name))
    print(f"ok: {work.root} has the installed schema as proto/")


if __name__ == "__main__":
    xlang.main(main)
