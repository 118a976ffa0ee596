# SPDX-License-Identifier: Apache-2.0
"""python.writes_c_reads: the C library loads and validates snapshots that Python wrote.

Python builds snapshots with the classes protoc generated from proto/ (nothing from the C side)
and writes them in the envelope (AQP1, payload length, zlib.crc32):
  - py_v8_full.aqp: schema 8, every section, runs that walk every legal transition to every
    state with consistent histories, attempts and leases, every enum and oneof variant, every
    Option set and unset, some defaulted fields left out;
  - py_v4_defaults.aqp: schema 4 written the way an old writer would, every defaulted field and
    section left out (engine control included);
  - py_v6_running.aqp, py_v7_paused.aqp: schema 6 and 7, likewise, with the engine control
    written out (never paused; paused now).
`aqsnap validate` must accept both (exit 0) and `aqsnap dump` must show, field by field, what
Python wrote, with the engine's defaults where Python left a defaulted field out
(xlang.Comparer). Then deliberately broken files must be refused (exit 1) with messages naming
the values involved: references to unknown ids, a string with a NUL (valid protobuf that
protobuf-c cannot hold: refused, never truncated), a CRC that does not match, a truncated
payload.
"""

import argparse
import json
import os
import re
import struct
import uuid

import xlang
from xlang import check

BASE = 1_700_000_000


def uid(kind, n):
    """A deterministic id: kind in the first group, n in the last (never nil)."""
    return uuid.UUID(f"{kind:08x}-0000-4000-8000-{n:012x}").bytes


def text(id_bytes):
    return str(uuid.UUID(bytes=id_bytes))


TASK, RUN, ATTEMPT, SUB, ACTOR, TENANT, LEDGER = 0xA, 0xB, 0xC, 0x10, 0xF, 0xE, 0x11

# Walks after the initial Scheduled entry: together they take every legal transition and end in
# every state (SNAPSHOT-SPEC section 8).
WALKS = [
    [],
    ["READY"],
    ["READY", "LEASED"],
    ["READY", "LEASED", "RUNNING"],
    ["READY", "LEASED", "RUNNING", "COMPLETED"],
    ["READY", "LEASED", "RUNNING", "FAILED"],
    ["READY", "LEASED", "RUNNING", "RETRY_WAIT"],
    ["READY", "LEASED", "RUNNING", "RETRY_WAIT", "READY", "LEASED", "RUNNING", "COMPLETED"],
    ["READY", "LEASED", "RUNNING", "SUSPENDED"],
    ["READY", "LEASED", "RUNNING", "SUSPENDED", "READY"],
    ["CANCELED"],
    ["READY", "CANCELED"],
    ["READY", "LEASED", "CANCELED"],
    ["READY", "LEASED", "RUNNING", "CANCELED"],
    ["READY", "LEASED", "READY"],
    ["READY", "LEASED", "RUNNING", "RETRY_WAIT", "FAILED"],
    ["READY", "LEASED", "RUNNING", "RETRY_WAIT", "CANCELED"],
    ["READY", "LEASED", "RUNNING", "SUSPENDED", "CANCELED"],
]


class Builder:
    def __init__(self, pb):
        self.pb = pb
        self.c = pb.core
        self.s = pb.snapshot
        self.attempts = 0

    def state(self, name):
        return self.c.RunState.Value("RUN_STATE_" + name)

    # -- tasks
    def add_task(self, snap, i, policy, **kw):
        t = snap.tasks.add()
        t.created_at = BASE + 10 * i
        if kw.get("updated", True):
            t.updated_at = t.created_at + 5
        if kw.get("canceled"):
            t.canceled_at = t.created_at + 50
        spec = t.task_spec
        spec.id = uid(TASK, i)
        spec.payload.bytes = kw.get("payload", bytes([i, 0, 255]))
        if "content_type" in kw:
            spec.payload.content_type = kw["content_type"]
        if policy == "once":
            spec.run_policy.once.SetInParent()
        elif policy == "repeat":
            spec.run_policy.repeat.count = 3
            spec.run_policy.repeat.interval_secs = 60
        else:
            spec.run_policy.cron.expression = "*/5 * * * *"
            if kw.get("max_occurrences"):
                spec.run_policy.cron.max_occurrences = kw["max_occurrences"]
        con = spec.constraints
        con.max_attempts = kw.get("max_attempts", 3)
        if "timeout" in kw:
            con.timeout_secs = kw["timeout"]
        if "key" in kw:
            con.concurrency_key = kw["key"]
        if "hold" in kw:
            con.concurrency_key_hold_policy = self.c.ConcurrencyKeyHoldPolicy.Value(
                "CONCURRENCY_KEY_HOLD_POLICY_" + kw["hold"])
        if "safety" in kw:
            con.safety_level = self.c.SafetyLevel.Value("SAFETY_LEVEL_" + kw["safety"])
        if "caps" in kw:
            con.required_capabilities.values.extend(kw["caps"])
        meta = spec.metadata
        meta.tags.extend(kw.get("tags", []))
        meta.priority = kw.get("priority", 0)
        if "description" in kw:
            meta.description = kw["description"]
        if "parent" in kw:
            spec.parent_task_id = uid(TASK, kw["parent"])
        if "tenant" in kw:
            spec.tenant_id = uid(TENANT, kw["tenant"])
        return t

    # -- runs: a walk of the transition table with a consistent history, attempts and lease
    def add_run(self, snap, r, task, walk, defaults=True, output=True):
        run = snap.runs.add()
        ri = run.run_instance
        ri.id = uid(RUN, r)
        ri.task_id = task.task_spec.id
        ri.created_at = task.created_at + 1
        ri.effective_priority = task.task_spec.metadata.priority
        ts = ri.created_at
        h = run.state_history.add()
        h.to_state = self.state("SCHEDULED")
        h.timestamp = ts
        state = "SCHEDULED"
        attempt = None
        for step in walk:
            ts += 1 + r % 5
            if state == "RUNNING":
                self.finish(attempt, r, step, ts, output)
            if step == "RUNNING":
                attempt = run.attempts.add()
                attempt.attempt_id = uid(ATTEMPT, self.attempts)
                self.attempts += 1
                attempt.started_at = ts
            h = run.state_history.add()
            h.from_state = self.state(state)
            h.to_state = self.state(step)
            h.timestamp = ts
            state = step
        ri.state = self.state(state)
        ri.attempt_count = len(run.attempts)
        if defaults or r % 2:
            ri.last_state_change_at = ts
        ri.scheduled_at = (ri.created_at - r % 3 if state == "READY"
                           else ri.created_at + 100 if state == "SCHEDULED" else ri.created_at)
        if state == "RUNNING":
            ri.current_attempt_id = attempt.attempt_id
        if state in ("READY", "LEASED", "RUNNING") and r % 2 == 0:
            run.lease.owner = f"worker-{r}"
            run.lease.acquired_at = ts
            run.lease.updated_at = ts + 1
            run.lease.expiry = ts + 60
        return run

    def finish(self, a, r, to, ts, output):
        if to == "CANCELED":
            return  # a run canceled while Running keeps its attempt open
        a.finished_at = ts
        kind = self.c.AttemptResultKind
        if to == "COMPLETED":
            a.result = kind.Value("ATTEMPT_RESULT_KIND_SUCCESS")
            if output and r % 2 == 0:
                a.output = b"" if r % 4 == 0 else bytes([1, 2, 0, 3])
        elif to == "SUSPENDED":
            a.result = kind.Value("ATTEMPT_RESULT_KIND_SUSPENDED")
        else:
            a.result = kind.Value("ATTEMPT_RESULT_KIND_TIMEOUT" if r % 2 else
                                  "ATTEMPT_RESULT_KIND_FAILURE")
            if r % 3:
                a.error = "timed out after 30s" if r % 2 else "exit status 1"

    # -- the whole v8 snapshot
    def full_v8(self):
        s = self.s.Snapshot()
        s.version = 4
        s.timestamp = BASE + 5000
        s.metadata.schema_version = 8
        s.metadata.wal_sequence = 2**64 - 1
        tasks = [
            self.add_task(s, 0, "once", content_type="application/json", timeout=30,
                          key="tenant-a", hold="HOLD_DURING_RETRY", safety="PURE",
                          caps=["gpu", "net"], tags=["batch", "\u00e9t\u00e9"], priority=-5,
                          description='line1\nline2 "q" \\ \u0001 \u2713 \U0001F600',
                          tenant=0, payload=b'{"k":1}'),
            self.add_task(s, 1, "repeat", updated=False, canceled=True, max_attempts=1,
                          hold="RELEASE_ON_RETRY", safety="IDEMPOTENT", priority=2**31 - 1,
                          parent=0, payload=b""),
            self.add_task(s, 2, "cron", max_occurrences=12, max_attempts=2**32 - 1,
                          timeout=2**64 - 1, key="k", safety="TRANSACTIONAL",
                          tags=["urgent"], priority=-2**31, description="",
                          content_type="application/octet-stream"),
            # defaulted fields left out: C must fill HoldDuringRetry and Pure
            self.add_task(s, 3, "cron", caps=["x"], tenant=1, parent=2),
            self.add_task(s, 4, "once"),
        ]
        for r, walk in enumerate(WALKS):
            self.add_run(s, r, tasks[r % len(tasks)], walk, defaults=r != 5)
        s.metadata.task_count = len(s.tasks)
        s.metadata.run_count = len(s.runs)

        s.engine.paused = False
        s.engine.paused_at = BASE + 4000
        s.engine.resumed_at = BASE + 4500

        d = s.dependency_declarations.add()
        d.task_id = uid(TASK, 2)
        d.depends_on.extend([uid(TASK, 0), uid(TASK, 1)])
        d.declared_at = BASE + 20
        d = s.dependency_declarations.add()
        d.task_id = uid(TASK, 1)
        d.declared_at = BASE + 10

        for n, dim in enumerate(["TOKEN", "COST_CENTS", "TIME_SECS"]):
            b = s.budgets.add()
            b.task_id = uid(TASK, 0)
            b.dimension = self.c.BudgetDimension.Value("BUDGET_DIMENSION_" + dim)
            b.limit = 1000 * n
            b.consumed = 10 * n * n * 10
            b.allocated_at = BASE
            b.exhausted = b.consumed >= b.limit

        filters = [
            lambda f: setattr(f.task_completed, "task_id", uid(TASK, 1)),
            lambda f: (setattr(f.run_state_changed, "task_id", uid(TASK, 1)),
                       setattr(f.run_state_changed, "state", self.state("SUSPENDED"))),
            lambda f: (setattr(f.budget_threshold, "task_id", uid(TASK, 0)),
                       setattr(f.budget_threshold, "dimension",
                               self.c.BudgetDimension.Value("BUDGET_DIMENSION_COST_CENTS")),
                       setattr(f.budget_threshold, "threshold_pct", 255)),
            lambda f: setattr(f.custom, "key", "ops.alert"),
        ]
        for k, make in enumerate(filters):
            sub = s.subscriptions.add()
            sub.subscription_id = uid(SUB, k)
            sub.task_id = uid(TASK, k)
            make(sub.filter)
            sub.created_at = BASE + k
            if k % 2:
                sub.triggered_at = BASE + k + 3
            if k >= 2:
                sub.canceled_at = BASE + k + 4

        for k in range(2):
            t = s.tenants.add()
            t.tenant_id = uid(TENANT, k)
            t.name = f"tenant-{k}"
            t.created_at = BASE - 1000 + k
        for k in range(2):
            a = s.actors.add()
            a.actor_id = uid(ACTOR, k)
            a.identity = f"agent-{k}"
            a.capabilities.extend(["run", "review"][:2 * k])
            if k == 0:
                a.department = "platform"
            a.heartbeat_interval_secs = 30 if k == 0 else 2**64 - 1
            if k:
                a.tenant_id = uid(TENANT, 1)
                a.last_heartbeat_at = BASE - 400
                a.deregistered_at = BASE - 300
            a.registered_at = BASE - 500 + k
        role = self.c.Role.Builtin
        for k, name in enumerate(["OPERATOR", "AUDITOR", "GATEKEEPER", None]):
            ra = s.role_assignments.add()
            ra.actor_id = uid(ACTOR, 0)
            if name:
                ra.role.builtin = role.Value("BUILTIN_" + name)
            else:
                ra.role.custom = "release-manager"
            ra.tenant_id = uid(TENANT, 0)
            ra.assigned_at = BASE - 400 + k
        cap = self.c.Capability.Builtin
        names = ["CAN_SUBMIT", "CAN_EXECUTE", "CAN_REVIEW", "CAN_APPROVE", "CAN_CANCEL", None]
        for k, name in enumerate(names):
            g = s.capability_grants.add()
            g.actor_id = uid(ACTOR, 1)
            if name:
                g.capability.builtin = cap.Value("BUILTIN_" + name)
            else:
                g.capability.custom = "deploy"
            g.tenant_id = uid(TENANT, 1)
            g.granted_at = BASE - 400 + k
            if k % 2:
                g.revoked_at = BASE - 100
        for k in range(2):
            e = s.ledger_entries.add()
            e.entry_id = uid(LEDGER, k)
            e.tenant_id = uid(TENANT, k)
            e.ledger_key = "audit.note" if k == 0 else "budget.topup"
            if k == 0:
                e.actor_id = uid(ACTOR, 0)
            e.payload = b"" if k == 0 else bytes([104, 105, 0, 255])
            e.timestamp = BASE + 100 + k
        return s

    # -- a small snapshot of an older schema, written the way an old writer makes it: no
    #    defaulted field (C fills the engine's defaults), no section of a later version
    def small(self, version, engine):
        s = self.s.Snapshot()
        s.version = 4
        s.timestamp = BASE + 100
        s.metadata.schema_version = version
        s.metadata.wal_sequence = 7
        tasks = [self.add_task(s, 0, "once"), self.add_task(s, 1, "repeat", updated=False)]
        self.add_run(s, 0, tasks[0], ["READY", "LEASED", "RUNNING", "COMPLETED"],
                     defaults=False, output=version >= 5)
        self.add_run(s, 2, tasks[1], ["READY"], defaults=False)
        s.metadata.task_count = len(s.tasks)
        s.metadata.run_count = len(s.runs)
        if engine == "paused":  # paused now: paused_at set, resumed_at not
            s.engine.paused = True
            s.engine.paused_at = BASE + 90
        elif engine == "never":  # written out, though it is the default
            s.engine.paused = False
        return s


def expect_refused(tool, path, *patterns, stream="stdout"):
    """`aqsnap validate` must exit 1 and its output must match every pattern."""
    r = xlang.aqsnap(tool, "validate", path)
    out = getattr(r, stream)
    check(r.returncode == 1, f"validate {os.path.basename(path)}: exit {r.returncode}, "
                             f"expected 1\nstdout: {r.stdout}\nstderr: {r.stderr}")
    for p in patterns:
        check(re.search(p, out), f"validate {os.path.basename(path)}: {stream} does not match "
                                 f"{p!r}:\n{out}")
    print(f"ok: {os.path.basename(path)} refused: {out.strip()}")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aqsnap", required=True)
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    a = ap.parse_args()

    with xlang.scratch(a.work_dir) as work:
        pb = xlang.generate(a.protoc, a.proto_dir, os.path.join(work, "gen"))
        b = Builder(pb)
        cmp = xlang.Comparer(pb)
        problems = []

        # 1. valid snapshots: C validates them and dumps exactly what Python wrote
        valid = [("py_v8_full.aqp", b.full_v8()), ("py_v4_defaults.aqp", b.small(4, None)),
                 ("py_v6_running.aqp", b.small(6, "never")),
                 ("py_v7_paused.aqp", b.small(7, "paused"))]
        for name, msg in valid:
            path = os.path.join(work, name)
            xlang.write_file(path, xlang.envelope(msg.SerializeToString()))
            out = xlang.aqsnap_ok(a.aqsnap, "validate", path)
            # aqsnap's verdict, then the engine's: it never reads protobuf.
            check(out.splitlines()[:1] == [f"{path}: valid"]
                  and "protobuf file" in out.splitlines()[-1],
                  f"validate {name}: unexpected output {out!r}")
            dump = json.loads(xlang.aqsnap_ok(a.aqsnap, "dump", path))
            problems += cmp.snapshot(msg, dump, name)
            print(f"ok: {name} validated by C ({len(msg.tasks)} tasks, {len(msg.runs)} runs)")
        xlang.report("C read back every field Python wrote", problems)
        # Every field written and left out, every variant and enum value went through C.
        xlang.report("coverage of what Python wrote",
                     cmp.coverage_gaps(absent_too=(xlang.OPT, xlang.DEF)))

        # 2. invalid snapshots: refused, naming the ids involved
        bad = b.full_v8()
        ghost_task, ghost_prereq = uid(TASK, 900), uid(TASK, 901)
        run = bad.runs[3]
        run.run_instance.task_id = ghost_task
        bad.dependency_declarations[0].depends_on.append(ghost_prereq)
        path = os.path.join(work, "py_bad_refs.aqp")
        xlang.write_file(path, xlang.envelope(bad.SerializeToString()))
        r = expect_refused(a.aqsnap, path,
                           rf"(?m)^.*{text(run.run_instance.id)}.*{text(ghost_task)}.*$",
                           rf"(?m)^.*{text(bad.dependency_declarations[0].task_id)}.*"
                           rf"{text(ghost_prereq)}.*$")
        check(len(r.stdout.strip().splitlines()) == 2,
              f"expected exactly the 2 violations, got:\n{r.stdout}")
        check("2 violations" in r.stderr, f"stderr should count 2 violations: {r.stderr!r}")

        # A NUL inside a string is valid protobuf, but protobuf-c strings end at NUL: C must
        # refuse the file naming the field, never load a truncated string.
        bad = b.full_v8()
        bad.tasks[0].task_spec.metadata.description = "ab\0cd"
        path = os.path.join(work, "py_nul_string.aqp")
        xlang.write_file(path, xlang.envelope(bad.SerializeToString()))
        expect_refused(a.aqsnap, path,
                       r"tasks\[0\]\.task_spec\.metadata\.description: .*NUL byte at offset 2",
                       stream="stderr")

        # 3. damaged envelopes: the CRC and the length Python wrote are what C checks
        payload = b.full_v8().SerializeToString()
        image = bytearray(xlang.envelope(payload))
        crc = struct.unpack_from("<I", image, 8)[0]
        struct.pack_into("<I", image, 8, crc ^ 0x00010000)
        path = os.path.join(work, "py_bad_crc.aqp")
        xlang.write_file(path, bytes(image))
        expect_refused(a.aqsnap, path,  # expected: the header's; actual: the payload's
                       rf"CRC-32 mismatch: expected 0x{crc ^ 0x00010000:08x}, actual 0x{crc:08x}",
                       stream="stderr")

        path = os.path.join(work, "py_truncated.aqp")
        xlang.write_file(path, xlang.envelope(payload)[:-10])
        expect_refused(a.aqsnap, path, r"(?i)truncat", stream="stderr")


if __name__ == "__main__":
    xlang.main(main)
