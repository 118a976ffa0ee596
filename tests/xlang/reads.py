# SPDX-License-Identifier: Apache-2.0
"""xlang.<language>.reads: the example of one language reads every file of xlang.reference and
prints exactly the reference JSON, and refuses every damaged file with the message it must give.

The example's JSON output is parsed and compared as a value with the reference (text, member
order and string escapes do not matter). The reference is Python's parse of the file printed by
json_format; for the runtimes of conformance.PRINTS_UNKNOWN_ENUM_VALUES it also holds the
numbers of enum values the schema does not know (docs/LANGUAGES.md). Every difference is named
with the language, the file and the field path.
"""

import argparse
import json
import os

from conformance import (LANGUAGES, PRINTS_UNKNOWN_ENUM_VALUES, Work, differences,
                         expected_refusal, run_example, xlang)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lang", required=True, choices=LANGUAGES)
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()
    work = Work(a.work_dir)
    index = work.load_index()
    lang = a.lang
    problems = []

    variant = "with_unknown_enums" if lang in PRINTS_UNKNOWN_ENUM_VALUES else "reference"
    for case in index["reads"]:
        label = f"{lang}: {case['name']}"
        r = run_example(work, lang, "json", case["path"])
        if r.returncode != 0 or r.stderr:
            problems.append(f"{label}: exit {r.returncode}, stderr {r.stderr!r}")
            continue
        try:
            got = json.loads(r.stdout)
        except ValueError as e:
            problems.append(f"{label}: the output is not JSON ({e}): {r.stdout[:200]!r}")
            continue
        with open(case[variant], encoding="utf-8") as f:
            want = json.load(f)
        diffs = differences(got, want)
        problems += [f"{label}: {d}" for d in diffs[:10]]
        if len(diffs) > 10:
            problems.append(f"{label}: ... {len(diffs) - 10} more differences")
        if not diffs:
            print(f"ok: {label}: the reference JSON" +
                  (", unknown enum values as numbers" if variant != "reference" else ""))

    missing = os.path.join(work.inputs, "no-such-file.snap")
    refusals = index["refusals"] + [{"name": "a missing file", "path": missing, "message": "",
                                     "prefix_only": True}]
    for case in refusals:
        label = f"{lang}: {case['name']}"
        r = run_example(work, lang, "json", case["path"])
        wrong = expected_refusal(r.stderr, case["path"], case["message"], case["prefix_only"])
        if r.returncode != 1 or r.stdout or wrong:
            problems.append(f"{label}: exit {r.returncode} (want 1), stdout {r.stdout[:80]!r} "
                            f"(want nothing), {wrong or 'stderr ok'}")
        else:
            print(f"ok: {label}: refused: {r.stderr.strip()}")

    xlang.report(f"{lang}: every file read as the reference, every damaged file refused",
                 problems)


if __name__ == "__main__":
    xlang.main(main)
