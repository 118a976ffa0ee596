#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""engine.same_verdicts_as_serde: aqsnap's JSON reader takes exactly the documents the engine's
loader (serde_json with the engine's model) takes, and refuses the others.

    differential.py REFERENCE JSON_VERDICTS ROOT WORK_DIR

Documents: hand-made edge cases of serde's reading rules (integer ranges, floats and -0 where
integers go, unknown keys and what they may hold, duplicates, enum forms, UUID spellings,
escapes, trailing bytes), then seeded random mutations of real documents. Each goes to both
readers; any document with different verdicts fails the test.
"""
import random
import struct
import subprocess
import sys

TASK = "0000000a-0000-4000-8000-000000000001"
RUN = "0000000b-0000-4000-8000-000000000001"
SUB = "0000000c-0000-4000-8000-000000000001"

BASE = (
    '{"version":4,"timestamp":100,"metadata":{"schema_version":8,"wal_sequence":1,'
    '"task_count":1,"run_count":1},"tasks":[{"task_spec":{"id":"%(t)s","payload":{"bytes":[1,2,3],'
    '"content_type":null},"run_policy":"Once","constraints":{"max_attempts":1},'
    '"metadata":{"tags":[],"priority":0}},"created_at":10}],"runs":[{"run_instance":{"id":"%(r)s",'
    '"task_id":"%(t)s","state":"Scheduled","attempt_count":0,"created_at":10,"scheduled_at":10,'
    '"effective_priority":0},"state_history":[],"attempts":[]}],"subscriptions":[{"subscription_id":'
    '"%(s)s","task_id":"%(t)s","filter":{"BudgetThreshold":{"task_id":"%(t)s","dimension":"Token",'
    '"threshold_pct":80}},"created_at":1,"triggered_at":null,"canceled_at":null}]}'
) % {"t": TASK, "r": RUN, "s": SUB}


def edit(old, new, count=1):
    if old not in BASE:
        raise SystemExit("differential.py: edge case edits text not in the base: %r" % old)
    return BASE.replace(old, new, count)


def unknown(value):
    """The base with an unknown top-level key holding `value` (raw JSON)."""
    return BASE[:-1] + ',"zzz":' + value + "}"


def role(value):
    """The base with one role assignment whose role is `value` (raw JSON)."""
    return edit('"subscriptions"', '"role_assignments":[{"actor_id":"%s","role":%s,"tenant_id":'
                '"%s","assigned_at":1}],"subscriptions"' % (TASK, value, TASK))


# (name, document). Both readers must agree on each.
EDGES = [
    ("base", BASE),
    ("u64 as -0", edit('"created_at":10', '"created_at":-0')),
    ("i32 as -0", edit('"priority":0', '"priority":-0')),
    ("u64 as 10.0", edit('"created_at":10', '"created_at":10.0')),
    ("u64 as 1e1", edit('"created_at":10', '"created_at":1e1')),
    ("u64 max", edit('"wal_sequence":1', '"wal_sequence":18446744073709551615')),
    ("u64 max + 1", edit('"wal_sequence":1', '"wal_sequence":18446744073709551616')),
    ("u64 negative", edit('"wal_sequence":1', '"wal_sequence":-1')),
    ("i32 min", edit('"priority":0', '"priority":-2147483648')),
    ("i32 min - 1", edit('"priority":0', '"priority":-2147483649')),
    ("i32 max + 1", edit('"priority":0', '"priority":2147483648')),
    ("u32 max", edit('"attempt_count":0', '"attempt_count":4294967295')),
    ("u32 max + 1", edit('"attempt_count":0', '"attempt_count":4294967296')),
    ("u8 255", edit('"threshold_pct":80', '"threshold_pct":255')),
    ("u8 256", edit('"threshold_pct":80', '"threshold_pct":256')),
    ("u8 as string", edit('"threshold_pct":80', '"threshold_pct":"80"')),
    ("unknown enum name", edit('"state":"Scheduled"', '"state":"Sleeping"')),
    ("enum in lower case", edit('"state":"Scheduled"', '"state":"scheduled"')),
    ("enum null", edit('"state":"Scheduled"', '"state":null')),
    ("unit variant as {V:null}", edit('"run_policy":"Once"', '"run_policy":{"Once":null}')),
    ("unit variant as {V:{}}", edit('"run_policy":"Once"', '"run_policy":{"Once":{}}')),
    ("struct variant as string", edit('"run_policy":"Once"', '"run_policy":"Repeat"')),
    ("struct variant", edit('"run_policy":"Once"',
                            '"run_policy":{"Repeat":{"count":2,"interval_secs":5}}')),
    ("two variants in one object",
     edit('"run_policy":"Once"', '"run_policy":{"Once":null,"Repeat":{"count":2,"interval_secs":5}}')),
    ("variant missing a field", edit('"run_policy":"Once"', '"run_policy":{"Repeat":{"count":2}}')),
    ("Custom role", role('{"Custom":"ops"}')),
    ("Custom role as a string", role('"Custom"')),
    ("Custom role with a number", role('{"Custom":1}')),
    ("missing required key", edit('"timestamp":100,', "")),
    ("missing Option key", edit(',"content_type":null', "")),
    ("missing defaulted list", edit(',"subscriptions":[', ',"zz_subscriptions":[')),
    ("null for a list", edit('"tags":[]', '"tags":null')),
    ("null for a defaulted struct", BASE[:-1] + ',"engine":null}'),
    ("string for a list", edit('"tags":[]', '"tags":"x"')),
    ("bytes as a string", edit('"bytes":[1,2,3]', '"bytes":"AQID"')),
    ("byte 256", edit('"bytes":[1,2,3]', '"bytes":[1,2,256]')),
    ("duplicate known key", edit('"version":4,', '"version":4,"version":4,')),
    ("duplicate unknown key", unknown('1,"zzz":2')),
    ("escaped key", edit('"version"', '"\\u0076ersion"')),
    ("unknown key, nested value", unknown('{"a":[1,2,{"b":null,"c":"]}"}],"d":true}')),
    ("unknown key, huge number", unknown("1e400")),
    ("unknown key, number 01", unknown("01")),
    ("unknown key, bad escape", unknown('"\\q"')),
    ("unknown key, lone surrogate", unknown('"\\ud800"')),
    ("known string, lone surrogate", edit('"tags":[]', '"tags":["\\ud800"]')),
    ("known string, surrogate pair", edit('"tags":[]', '"tags":["\\ud83d\\ude00"]')),
    ("known string, escaped slash", edit('"tags":[]', '"tags":["a\\/b"]')),
    ("known string, raw control char", edit('"tags":[]', '"tags":["a\tb"]')),
    ("unknown key, 100 levels", unknown("[" * 100 + "]" * 100)),
    ("uuid upper case", edit('"id":"%s"' % TASK, '"id":"%s"' % TASK.upper())),
    ("uuid simple", edit('"id":"%s"' % TASK, '"id":"%s"' % TASK.replace("-", ""))),
    ("uuid braced", edit('"id":"%s"' % TASK, '"id":"{%s}"' % TASK)),
    ("uuid urn", edit('"id":"%s"' % TASK, '"id":"urn:uuid:%s"' % TASK)),
    ("uuid escaped", edit('"id":"%s"' % TASK, '"id":"\\u0030%s"' % TASK[1:])),
    ("uuid bad digit", edit('"id":"%s"' % TASK, '"id":"%sg"' % TASK[:-1])),
    ("uuid short", edit('"id":"%s"' % TASK, '"id":"%s"' % TASK[:-1])),
    ("trailing whitespace", BASE + " \n\t"),
    ("trailing garbage", BASE + "x"),
    ("two documents", BASE + BASE),
    ("empty", ""),
    ("not an object", "4"),
    # serde's sequence form of a struct, and what may end it early
    ("struct as an array of its fields", edit(
        '"metadata":{"schema_version":8,"wal_sequence":1,"task_count":1,"run_count":1}',
        '"metadata":[8,1,1,1]')),
    ("struct array too long", edit(
        '"metadata":{"schema_version":8,"wal_sequence":1,"task_count":1,"run_count":1}',
        '"metadata":[8,1,1,1,1]')),
    ("struct array too short", edit(
        '"metadata":{"schema_version":8,"wal_sequence":1,"task_count":1,"run_count":1}',
        '"metadata":[8,1,1]')),
    ("struct variant as an array", edit('"run_policy":"Once"', '"run_policy":{"Repeat":[2,60]}')),
    ("struct variant as a short array", edit('"run_policy":"Once"', '"run_policy":{"Repeat":[2]}')),
    ("task without its defaulted tail", edit(
        '{"task_spec":{"id":"%s"' % TASK, '[{"id":"%s"' % TASK).replace(
        '"priority":0}},"created_at":10}', '"priority":0}},10,null]')),
    ("task without an Option that has no default", edit(
        '{"task_spec":{"id":"%s"' % TASK, '[{"id":"%s"' % TASK).replace(
        '"priority":0}},"created_at":10}', '"priority":0}},10]')),
    ("constraints as an array", edit('"constraints":{"max_attempts":1}',
                                     '"constraints":[1,null,null]')),
    ("filter variant as an array", edit('"filter":{"BudgetThreshold":{"task_id":"%s","dimension":'
                                        '"Token","threshold_pct":80}}' % TASK,
                                        '"filter":{"BudgetThreshold":["%s","Token",80]}' % TASK)),
    ("snapshot as an array", "[4,100,[8,1,0,0],[],[]]"),
    ("snapshot as an array, missing runs", "[4,100,[8,1,0,0],[]]"),
    ("empty array", "[]"),
    # skipped values: serde checks their grammar, not their UTF-8 or depth
    ("invalid UTF-8 in a skipped value", unknown('"\xff"')),
    ("invalid UTF-8 in a skipped value in a record", edit('"created_at":10}]', '"created_at":10,'
                                                         '"zz":["\xff\xfe",{"\xc3":1}]}]')),
    ("invalid UTF-8 in a known string", edit('"tags":[]', '"tags":["\xff"]')),
    ("invalid UTF-8 in a known key", edit('"created_at":10}]', '"created_at":10,"\xff":1}]')),
    ("128 levels of nesting in a skipped value", unknown("[" * 127 + "]" * 127)),
    ("301 levels of nesting in a skipped value", unknown("[" * 300 + "]" * 300)),
    ("124 levels under runs[0].run_instance", edit('"effective_priority":0}',
                                                   '"effective_priority":0,"zz":' + "[" * 124
                                                   + "]" * 124 + "}")),
    ("5000 levels in a skipped value of a record", edit('"created_at":10}]', '"created_at":10,'
                                                       '"zz":' + "[" * 5000 + "]" * 5000 + "}]")),
    ("control character in a skipped string", unknown('"a\tb"')),
    ("trailing comma in a skipped value", unknown("[1,]")),
    ("bad literal in a skipped value", unknown("[1,tru]")),
    ("scalar run-on in a skipped value of a record", edit('"created_at":10}]',
                                                          '"created_at":10,"zz":1x}]')),
]

ALPHABET = b'{}[]",:\\ \n0123456789-+.eEtrufalsnxyzABC'


def mutate(rng, doc):
    """A few random edits of ASCII bytes: a byte changed, inserted or deleted, a run copied."""
    d = bytearray(doc)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        i = rng.randrange(len(d) + 1)
        op = rng.randrange(4)
        if op == 0 and d:
            d[min(i, len(d) - 1)] = rng.choice(ALPHABET)
        elif op == 1:
            d[i:i] = bytes([rng.choice(ALPHABET)])
        elif op == 2 and d:
            del d[i:i + rng.randint(1, 8)]
        elif d:
            j, k = sorted((rng.randrange(len(d)), rng.randrange(len(d))))
            d[i:i] = d[j:k][:48]
    return bytes(d)


def verdicts(cmd, docs, path):
    with open(path, "wb") as f:
        for d in docs:
            f.write(struct.pack("<I", len(d)) + d)
    out = subprocess.run(cmd + [path], capture_output=True, check=False)
    if out.returncode != 0:
        raise SystemExit("differential.py: %s failed: %s" % (cmd[0], out.stderr.decode()))
    lines = out.stdout.decode("utf-8", "replace").splitlines()
    if len(lines) != len(docs):
        raise SystemExit("differential.py: %s gave %d verdicts for %d documents"
                         % (cmd[0], len(lines), len(docs)))
    return lines


def main(argv):
    if len(argv) != 5:
        raise SystemExit(__doc__)
    reference, ours, root, work = argv[1:]
    rng = random.Random(20261126)
    real = [open("%s/tests/data/json/engine_v%s.json" % (root, v), "rb").read() for v in (4, 8)]
    bases = real + [BASE.encode()]
    mutants = [mutate(rng, rng.choice(bases)) for _ in range(2000)]
    # Edge cases are text; \x80..\xff in them stand for those bytes (not UTF-8).
    cases = ([(n, d.encode("utf-8") if max(d, default="a") < "\x80" else d.encode("latin-1"))
              for n, d in EDGES]
             + [("mutant %d" % i, d) for i, d in enumerate(mutants)])
    docs = [d for _, d in cases]
    serde = verdicts([reference, "--verdicts"], docs, work + "/docs.bin")
    mine = verdicts([ours], docs, work + "/docs.bin")

    failures = []
    for (name, _), s, m in zip(cases, serde, mine):
        if s.startswith("OK") != m.startswith("OK"):
            failures.append("%s: serde_json %s, aqsnap %s" % (name, s, m))
    taken = sum(1 for s in serde if s == "OK")
    print("%d documents (%d edge cases, %d mutants): serde_json takes %d, aqsnap agrees on "
          "every one" % (len(docs), len(EDGES), len(mutants), taken)
          if not failures else "%d of %d documents disagree" % (len(failures), len(docs)))
    for f in failures[:40]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
