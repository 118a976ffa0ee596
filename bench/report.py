#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turn one run of bench/run.sh into the generated part of BENCHMARKS.md.

    report.py --bench bench.json --rss rss.tsv --machine machine.txt > report.md

bench.json: Google Benchmark JSON output of aq_bench with --benchmark_repetitions=N
--benchmark_report_aggregates_only=true (medians and coefficients of variation are read).
rss.tsv: bench/rss.sh output. machine.txt: "key: value" lines written by run.sh.
Only numbers from those files appear, except the "Issue's reference" column of protobuf peers,
quoted from the performance targets and labelled so. The engine is measured: its peer
(bench/engine_peer/) has rows of its own in bench.json (peer/engine_*) and rss.tsv (engine_load).
"""
import argparse
import json
import re
import statistics
import sys

MB = 1e6  # MB/s are 10^6 bytes per second
MIB = 1024 * 1024

# Quoted from the performance targets ("Reference points measured on this kind of machine"),
# 100k tasks.
ISSUE_REF = {
    "floor/memcpy": "~55",
    "floor/crc32": "~150",
    "peer/pbc_unpack_default": "~2,550 + ~2,450 free",
    "peer/pbc_unpack_arena_reused": "~1,110 (free: nothing)",
    "peer/pbc_unpack_arena_fresh": "~2,050",
    "peer/cpp_parse_arena": "~2,130 + ~830 free",
}

ORDER = [
    "floor/memcpy", "floor/crc32", "floor/fresh_pages", "floor/fresh_pages_hugepage",
    "peer/pbc_unpack_default", "peer/pbc_unpack_arena_reused", "peer/pbc_unpack_arena_fresh",
    "peer/pbc_unpack_arena_fresh_hugepage", "peer/cpp_parse_arena", "peer/pbc_pack",
    "ours/decode", "ours/decode_reused_alloc", "ours/load_file", "ours/load_file_novalidate",
    "ours/load_file_reused_alloc", "ours/load_buffer", "ours/stream_read", "ours/validate",
    "ours/encode", "ours/write_nosync", "ours/stream_write_nosync", "peer/engine_from_slice",
    "peer/engine_load_file", "ours/json_decode", "ours/json_load_file", "ours/json_stream_read",
    "ours/json_encode",
]
WHAT = {
    "floor/memcpy": "memcpy of the payload",
    "floor/crc32": "zlib crc32 of the payload",
    "floor/fresh_pages": "mmap payload-sized memory, touch each 4 KiB page (page-fault cost); free = munmap",
    "floor/fresh_pages_hugepage": "same with MADV_HUGEPAGE",
    "peer/pbc_unpack_default": "protobuf-c unpack, default allocator; free = free_unpacked",
    "peer/pbc_unpack_arena_reused": "protobuf-c unpack, bump arena reused (resident); free = reset",
    "peer/pbc_unpack_arena_fresh": "protobuf-c unpack, new mmap bump arena; free = munmap",
    "peer/pbc_unpack_arena_fresh_hugepage": "same, arena chunks MADV_HUGEPAGE",
    "peer/cpp_parse_arena": "libprotobuf 3.21 ParseFromArray on an Arena; free = ~Arena",
    "peer/pbc_pack": "protobuf-c get_packed_size + pack, preallocated buffer",
    "ours/decode": "aq_snapshot_decode; free = aq_snapshot_free",
    "ours/decode_reused_alloc": "aq_snapshot_decode, caller bump allocator reused",
    "ours/load_file": "aq_snapshot_load: read, header, CRC, decode, validate",
    "ours/load_file_novalidate": "aq_snapshot_load, AQ_LOAD_NO_VALIDATE",
    "ours/load_file_reused_alloc": "aq_snapshot_load, caller bump allocator reused",
    "ours/load_buffer": "aq_snapshot_load_buffer (file image in memory)",
    "ours/stream_read": "aq_snapshot_read, validated: header, CRC, each record decoded, validated "
                        "and handed to a callback that reads its first byte",
    "ours/validate": "aq_snapshot_validate",
    "ours/encode": "aq_snapshot_encode; free = aq_buffer_free",
    "ours/write_nosync": "aq_snapshot_write, AQ_WRITE_NO_SYNC (validate+encode+write+rename)",
    "ours/stream_write_nosync": "aq_writer_open/add/commit of the same snapshot's records, "
                                "validated, AQ_WRITE_NO_SYNC",
    "peer/engine_from_slice": "the engine's model (Rust), serde_json::from_slice of the JSON text; free = drop",
    "peer/engine_load_file": "the engine's load of the JSON file (read, envelope, CRC-32, from_slice; no validation); free = drop",
    "ours/json_decode": "aq_snapshot_decode_json (MB/s of JSON text)",
    "ours/json_load_file": "aq_snapshot_load of the JSON file (MB/s of JSON text)",
    "ours/json_stream_read": "aq_snapshot_read of the JSON file, validated, the same callback "
                             "(MB/s of JSON text)",
    "ours/json_encode": "aq_snapshot_encode_json (MB/s of JSON text)",
}
JSON_OPS = {"ours/json_decode", "ours/json_load_file", "ours/json_stream_read", "ours/json_encode",
            "peer/engine_from_slice", "peer/engine_load_file"}
# The engine peer against our JSON import, the same bytes in the same run: (engine op, ours).
ENGINE_PAIRS = (("peer/engine_from_slice", "ours/json_decode"),
                ("peer/engine_load_file", "ours/json_load_file"))
ENGINE_SPEEDUP = 2.0  # target: our JSON import at least this many times the engine's speed
FRESH_SPEEDUP = 5.0   # target: a validated protobuf load, fresh process, against the engine's
FRESH_RSS = 0.4       # target: its peak RSS, as a share of the engine's
# Streaming (issue 16): at 1M tasks, peak RSS at most STREAM_MIB plus the id maps, at least
# STREAM_BELOW times below the whole load's, in at most STREAM_TIME times its time.
STREAM_MIB, STREAM_BELOW, STREAM_TIME = 64, 10.0, 1.2
# The streaming paths: (label, rss.sh row, the whole load whose peak it is held against, the
# whole path whose time it is held against in rss.sh, the same two in aq_bench).
STREAMS = (
    ("streaming validated read, protobuf", "stream_read", "load", "load",
     "ours/stream_read", "ours/load_file"),
    ("streaming validated read, engine JSON", "json_stream_read", "json_load", "json_load",
     "ours/json_stream_read", "ours/json_load_file"),
    ("streaming validated write", "stream_write", "load", "write",
     "ours/stream_write_nosync", "ours/write_nosync"),
)
# The id maps a streaming validation keeps, by rss_probe's ids_<name> counts (validate.c).
ID_MAPS = ("tasks", "runs", "dependency_declarations", "budgets_1", "budgets_2", "budgets_3",
           "subscriptions")


def load_bench(path):
    with open(path) as f:
        doc = json.load(f)
    med, cv = {}, {}
    for b in doc.get("benchmarks", []):
        m = re.match(r"^(?P<op>.+)/tasks:(?P<tasks>\d+)", b.get("run_name", b["name"]))
        if not m:
            continue
        key = (m.group("op"), int(m.group("tasks")))
        if b.get("error_occurred"):
            med[key] = {"error": b.get("error_message", "error")}
            continue
        agg = b.get("aggregate_name")
        if agg == "median":
            med[key] = b
        elif agg == "cv":
            cv[key] = b
        elif agg is None and key not in med:  # a run without repetitions
            med[key] = b
    return doc.get("context", {}), med, cv


def load_rss(path):
    rows = {}
    if not path:
        return rows
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                continue
            name, tasks, _rep, kb, payload = parts[:5]
            kv = dict(p.split("=", 1) for p in (parts[5] if len(parts) > 5 else "").split() if "=" in p)
            r = rows.setdefault((name, int(tasks)), {"kb": [], "payload": int(payload), "kv": []})
            r["kb"].append(int(kb))
            r["kv"].append(kv)
    return rows


def rss_median(rss, name, tasks, key):
    """Median over the repetitions of one rss.tsv row's peak RSS ("kb") or key=value field."""
    row = rss.get((name, tasks))
    if row is None:
        return None
    vals = row["kb"] if key == "kb" else [int(kv[key]) for kv in row["kv"] if key in kv]
    return statistics.median(vals) if vals else None


def fresh_ratio(rss, a, b, tasks, key):
    x, y = rss_median(rss, a, tasks, key), rss_median(rss, b, tasks, key)
    return None if x is None or not y else x / y


def id_map_bytes(n, slot):
    """One id map holding n ids (src/validate/uuid_set.c): at most half full, so the smallest
    power of two of slots >= 2n, at least 16 (doubling as it fills ends at the same size); no
    table before the first id."""
    if n == 0:
        return 0
    slots = 16
    while slots < 2 * n:
        slots *= 2
    return slots * slot


def id_maps(rss, name, tasks):
    """Bytes of the id maps a streaming validation of row `name` keeps, from its counts."""
    row = rss.get((name, tasks))
    if row is None or not row["kv"] or "id_slot_bytes" not in row["kv"][0]:
        return None
    kv = row["kv"][0]
    return sum(id_map_bytes(int(kv["ids_" + m]), int(kv["id_slot_bytes"])) for m in ID_MAPS)


def rss_added(rss, name, tasks):
    """Median peak above the RSS the operation began with (hwm - rss_before), bytes."""
    row = rss.get((name, tasks))
    vals = [] if row is None else [int(kv["hwm"]) - int(kv["rss_before"])
                                   for kv in row["kv"] if "hwm" in kv and "rss_before" in kv]
    return statistics.median(vals) if vals else None


def stream_peak(rss, name, tasks):
    """A streaming path's peak for its bounds, bytes: a read's whole process; a write's peak
    above the snapshot it is fed from, which stands for the engine's own state."""
    if name.endswith("write"):
        return rss_added(rss, name, tasks)
    kb = rss_median(rss, name, tasks, "kb")
    return None if kb is None else kb * 1024


def load_machine(path):
    out = []
    with open(path) as f:
        for line in f:
            if ":" in line:
                k, v = line.split(":", 1)
                out.append((k.strip(), v.strip()))
    return out


def fmt_ns(v):
    if v is None:
        return "-"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def fmt_x(v):
    return "-" if v is None else f"{v:.2f}x"


def fmt_faults(b):
    v = b.get("page_faults")
    return "-" if v is None else f"{v:,.0f}"


def fault_share(b, fault_ns):
    v = b.get("page_faults")
    if v is None or fault_ns is None or not b.get("ns_per_run"):
        return "-"
    return f"{min(1.0, v * fault_ns / (b['ns_per_run'] * b['runs'])) * 100:.0f}%"


def fmt_mbs(v):
    return "-" if v is None else f"{v:,.0f}"


class Results:
    def __init__(self, med, cv):
        self.med, self.cv = med, cv

    def get(self, op, tasks):
        b = self.med.get((op, tasks))
        return None if b is None or "error" in b else b

    def ns(self, op, tasks, part="total"):
        b = self.get(op, tasks)
        if b is None:
            return None
        if part == "op":
            return b.get("op_ns_per_run")
        if part == "free":
            return b.get("free_ns_per_run")
        return b.get("ns_per_run")

    def mbs(self, op, tasks, part="total"):
        b = self.get(op, tasks)
        n = self.ns(op, tasks, part)
        if b is None or not n:
            return None
        nbytes = b["json_bytes"] if op in JSON_OPS else b["payload_bytes"]
        return nbytes / (n * b["runs"]) * 1e9 / MB

    def ms(self, op, tasks, part="total"):
        b = self.get(op, tasks)
        n = self.ns(op, tasks, part)
        return None if b is None or n is None else n * b["runs"] / 1e6

    def ratio(self, a, pa, b, pb, tasks):
        x, y = self.ns(a, tasks, pa), self.ns(b, tasks, pb)
        return None if x is None or not y else x / y

    def cvpct(self, op, tasks):
        b = self.cv.get((op, tasks))
        return None if b is None else b.get("real_time", 0) * 100.0

    def sizes(self):
        return sorted({t for (_op, t) in self.med})

    def shape(self, tasks):
        for (op, t), b in self.med.items():
            if t == tasks and "error" not in b and b.get("runs"):
                return b
        return None


def met(ok):
    return "**met**" if ok else "**not met**"


def size_table(r, tasks, out):
    s = r.shape(tasks)
    if s is None:
        return
    jb = s.get("json_bytes", 0)
    out.append(f"### {tasks:,} tasks: {int(s['runs']):,} runs, payload {s['payload_bytes'] / MB:,.1f} MB"
               f" ({s['payload_bytes'] / s['runs']:,.0f} B/run)"
               + (f", JSON {jb / MB:,.1f} MB ({jb / s['runs']:,.0f} B/run)" if jb else "")
               + "\n")
    ref = tasks == 100000
    # Cost of one minor fault here: floor/fresh_pages (op) touches payload/4096 pages.
    fp = r.get("floor/fresh_pages", tasks)
    fault_ns = None
    if fp is not None and fp.get("page_faults"):
        fault_ns = fp["op_ns_per_run"] * fp["runs"] / fp["page_faults"]
    head = ("| Path | What is timed | op ns/run | free ns/run | op+free ns/run | op MB/s | op+free MB/s"
            " | CV | page faults/iter | est. fault share |")
    sep = "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    if ref:
        head += " Issue's reference ns/run (quoted) |"
        sep += "--:|"
    out += [head, sep]
    for op in ORDER:
        b = r.med.get((op, tasks))
        if b is None:
            continue
        if "error" in b:
            out.append(f"| `{op}` | {WHAT.get(op, '')} | error: {b['error']} |")
            continue
        has_free = "free_ns_per_run" in b
        cv = r.cvpct(op, tasks)
        row = (f"| `{op}` | {WHAT.get(op, '')} | {fmt_ns(r.ns(op, tasks, 'op'))} | "
               f"{fmt_ns(r.ns(op, tasks, 'free')) if has_free else '-'} | "
               f"{fmt_ns(r.ns(op, tasks)) if has_free else '-'} | {fmt_mbs(r.mbs(op, tasks, 'op'))} | "
               f"{fmt_mbs(r.mbs(op, tasks)) if has_free else '-'} | "
               f"{'-' if cv is None else f'{cv:.1f}%'} | {fmt_faults(b)} | "
               f"{fault_share(b, fault_ns)} |")
        if ref:
            row += f" {ISSUE_REF.get(op, '')} |"
        out.append(row)
    out.append("")


def ratio_rows(r, tasks):
    """(comparison, ratio text, target text, met or None)."""
    rows = []

    def add(label, a, pa, b, pb, limit=None, strict=False, at_least=False):
        x = r.ratio(a, pa, b, pb, tasks)
        if x is None:
            return
        if limit is None:
            ok, tgt = None, ""
        elif at_least:
            ok, tgt = x >= limit, f">= {limit:g}x"
        else:
            ok = x < limit if strict else x <= limit
            tgt = f"< {limit:g}x" if strict else f"<= {limit:g}x"
        rows.append((label, fmt_x(x), tgt, ok))

    add("load_file (op) / pbc_unpack_arena_reused (op)", "ours/load_file", "op",
        "peer/pbc_unpack_arena_reused", "op", 1.3)
    add("load_file (op) / pbc_unpack_arena_fresh (op)", "ours/load_file", "op",
        "peer/pbc_unpack_arena_fresh", "op", 1.3)
    add("load_file_reused_alloc (op) / pbc_unpack_arena_reused (op)", "ours/load_file_reused_alloc",
        "op", "peer/pbc_unpack_arena_reused", "op", 1.3)
    add("load_file (op+free) / cpp_parse_arena (op+free)", "ours/load_file", "total",
        "peer/cpp_parse_arena", "total", 1.0, strict=True)
    add("load_file (op) / cpp_parse_arena (op+free)", "ours/load_file", "op",
        "peer/cpp_parse_arena", "total", 1.0, strict=True)
    add("encode (op) / pbc_pack", "ours/encode", "op", "peer/pbc_pack", "op", 1.5)
    add("encode (op+free) / pbc_pack", "ours/encode", "total", "peer/pbc_pack", "op", 1.5)
    add("decode (op) / pbc_unpack_default (op)", "ours/decode", "op", "peer/pbc_unpack_default", "op")
    add("decode (op+free) / pbc_unpack_default (op+free)", "ours/decode", "total",
        "peer/pbc_unpack_default", "total")
    add("load_buffer (op) / pbc_unpack_arena_reused (op)", "ours/load_buffer", "op",
        "peer/pbc_unpack_arena_reused", "op")
    add("load_file (op) / load_file_novalidate (op)", "ours/load_file", "op",
        "ours/load_file_novalidate", "op")
    add("validate / load_file (op)", "ours/validate", "op", "ours/load_file", "op")
    add("stream_read (op) / load_file (op)", "ours/stream_read", "op", "ours/load_file", "op")
    add("stream_write_nosync / write_nosync", "ours/stream_write_nosync", "op",
        "ours/write_nosync", "op")
    add("json_stream_read (op) / json_load_file (op)", "ours/json_stream_read", "op",
        "ours/json_load_file", "op")
    add("load_file (op) / crc32", "ours/load_file", "op", "floor/crc32", "op")
    add("load_file (op) / memcpy", "ours/load_file", "op", "floor/memcpy", "op")
    for op in ("ours/json_load_file", "ours/json_decode"):
        v = r.mbs(op, tasks, "op")
        if v is not None:
            rows.append((f"{op.split('/')[1]} (op) MB/s of JSON text", f"{v:,.0f} MB/s",
                         ">= 300 MB/s", v >= 300))
    # Speed-ups over the engine: its time over ours (> 1: we are faster).
    for eng, ours in ENGINE_PAIRS:
        for part, what in (("op", "op"), ("total", "op+free")):
            add(f"{eng.split('/')[1]} ({what}) / {ours.split('/')[1]} ({what}): speed-up over "
                f"the engine", eng, part, ours, part,
                ENGINE_SPEEDUP if part == "op" else None, at_least=True)
    return rows


def fresh_vs_engine(rss, tasks, out):
    """Our loads against the engine peer's, each in a fresh process (medians of rss.sh)."""
    out.append(f"Against the engine in fresh processes ({tasks:,} tasks, the same snapshot: "
               f"the engine peer loads it as JSON). Speed-up: the engine's time over ours; "
               f"memory: our peak RSS over the engine's.\n")
    out.append("| aqsnap path | measure | aqsnap | engine peer (engine_load) | ratio |\n"
               "|---|---|--:|--:|--:|")
    for ours, label in (("load", "validated protobuf load (load)"),
                        ("json_load", "validated JSON import of the engine's file (json_load)")):
        for key, measure, fmt, speed in (
                ("op_ns", "operation time", lambda v: f"{v / 1e6:,.0f} ms", True),
                ("wall_ns", "whole process", lambda v: f"{v / 1e6:,.0f} ms", True),
                ("kb", "peak RSS", lambda v: f"{v / 1024:,.1f} MiB", False)):
            a, e = rss_median(rss, ours, tasks, key), rss_median(rss, "engine_load", tasks, key)
            if a is None or e is None or not a:
                continue
            ratio = f"{e / a:.2f}x faster" if speed else f"{a / e:.2f}x"
            out.append(f"| {label} | {measure} | {fmt(a)} | {fmt(e)} | {ratio} |")
    out.append("")


def streaming_section(r, rss, out):
    """Issue 16's bounds for the streaming paths, next to the whole-snapshot paths."""
    M, T = 1000000, 100000
    out.append("## Streaming reads and writes against the whole snapshot\n")
    slot = next((int(kv["id_slot_bytes"]) for row in rss.values() for kv in row["kv"]
                 if "id_slot_bytes" in kv), None)
    out.append(f"Targets (issue 16, at 1M tasks): peak RSS at most {STREAM_MIB} MiB plus the id "
               f"maps, at least {STREAM_BELOW:g}x below the whole-snapshot load's, in at most "
               f"{STREAM_TIME:g}x its time. A read's peak is its whole process' (`time -v`, the "
               f"probe's baseline included); a write is fed from a loaded snapshot, which stands "
               f"for the engine's own state, so its peak is what it adds above the RSS it began "
               f"with (VmHWM reset at its start, `rss_probe.c`). The whole write's is measured the "
               f"same way. Times: medians of `aq_bench` (op, in the loop) and of `rss.sh` (the "
               f"operation in a fresh process).\n")
    if slot is not None:
        out.append(f"Id maps (computed from this run's counts): a streaming validation keeps one "
                   f"map each of the ids of tasks, runs, dependency declarations and "
                   f"subscriptions, and one per budget dimension; a map of n ids has "
                   f"max(16, 2^ceil(log2(2n))) slots of {slot} bytes (`src/validate/uuid_set.c`: "
                   f"at most half full, doubled as it fills; the slot size is printed by "
                   f"`rss_probe`), so {2 * slot} to {4 * slot} bytes an id. While a map doubles "
                   f"it also holds its previous table (half the new one): that counts against the "
                   f"{STREAM_MIB} MiB, not the id maps.\n")
    rows = []
    for label, stream, load, whole, op, whole_op in STREAMS:
        size = M if (stream, M) in rss else T
        where = f"{size:,} tasks" + ("" if size == M else " (no JSON input at 1M)"
                                     if stream.startswith("json") else " (1M: run with --1m)")
        peak, ids = stream_peak(rss, stream, size), id_maps(rss, stream, size)
        load_kb = rss_median(rss, load, size, "kb")
        if peak is None or ids is None or load_kb is None:
            rows.append((f"{label}, {where}: memory", "not measured", "", "**not measured**"))
        else:
            limit = STREAM_MIB * MIB + ids
            what = "peak above the snapshot fed from" if stream.endswith("write") else "peak RSS"
            rows.append((f"{label}, {where}: {what} <= {STREAM_MIB} MiB + its id maps",
                         f"{peak / MIB:,.1f} MiB (id maps {ids / MIB:,.1f} MiB)",
                         f"<= {limit / MIB:,.1f} MiB", met(peak <= limit)))
            x = load_kb * 1024 / peak
            rows.append((f"{label}, {where}: the whole load's peak RSS ({load}) / this",
                         f"{x:.2f}x ({load_kb / 1024:,.1f} / {peak / MIB:,.1f} MiB; the id maps "
                         f"alone allow {load_kb * 1024 / ids:.2f}x)",
                         f">= {STREAM_BELOW:g}x", met(x >= STREAM_BELOW)))
        if stream.endswith("write"):
            held = rss_median(rss, whole, size, "snapshot_memory")
            wa, sa = rss_added(rss, whole, size), rss_added(rss, stream, size)
            if held is not None and wa is not None and sa:
                rows.append((f"whole write as an engine pays it, {where}: its snapshot "
                             f"(aq_snapshot_memory) + aq_snapshot_write's peak above it, / the "
                             f"streaming write's",
                             f"{(held + wa) / sa:.2f}x ({(held + wa) / MIB:,.1f} / "
                             f"{sa / MIB:,.1f} MiB)", "", ""))
        tsize = M if r.get(op, M) is not None else T
        x = r.ratio(op, "op", whole_op, "op", tsize)
        rows.append((f"{label}, {tsize:,} tasks: time / {whole_op.split('/')[1]}'s (op, in the "
                     f"loop)", "not measured" if x is None else fmt_x(x), f"<= {STREAM_TIME:g}x",
                     "**not measured**" if x is None else met(x <= STREAM_TIME)))
        x = fresh_ratio(rss, stream, whole, size, "op_ns")
        rows.append((f"{label}, {where}: time / {whole}'s (the operation, fresh process)",
                     "not measured" if x is None else fmt_x(x), f"<= {STREAM_TIME:g}x",
                     "**not measured**" if x is None else met(x <= STREAM_TIME)))
    out.append("| Target | Measured | Limit | Status |\n|---|---|---|---|")
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    out.append("")

    names = ("load", "stream_read", "json_load", "json_stream_read", "write", "stream_write")
    what = {"load": "aq_snapshot_load (validated)",
            "stream_read": "aq_snapshot_read of the protobuf file (validated)",
            "json_load": "aq_snapshot_load of the JSON file (validated)",
            "json_stream_read": "aq_snapshot_read of the JSON file (validated)",
            "write": "aq_snapshot_write of a loaded snapshot (validated, no fsync)",
            "stream_write": "aq_writer_* fed the loaded snapshot's records (validated, no fsync)"}
    out.append("| Path | Tasks | Peak RSS of the process, MiB | RSS when the operation began, "
               "MiB | Its peak above that, MiB | Id maps (formula), MiB | Operation in a fresh "
               "process, ms |\n|---|--:|--:|--:|--:|--:|--:|")
    for t in sorted({t for (_n, t) in rss}):
        for name in names:
            if (name, t) not in rss:
                continue
            ids = id_maps(rss, name, t) if name.startswith(("stream", "json_stream")) else None
            began, add = rss_median(rss, name, t, "rss_before"), rss_added(rss, name, t)
            ns = rss_median(rss, name, t, "op_ns")
            out.append(f"| {name}: {what[name]} | {t:,} | "
                       f"{rss_median(rss, name, t, 'kb') / 1024:,.1f} | "
                       f"{'-' if began is None else f'{began / MIB:,.1f}'} | "
                       f"{'-' if add is None else f'{add / MIB:,.1f}'} | "
                       f"{'-' if ids is None else f'{ids / MIB:,.1f}'} | "
                       f"{'-' if ns is None else f'{ns / 1e6:,.0f}'} |")
    out.append("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--rss")
    ap.add_argument("--machine", required=True)
    ap.add_argument("--command", default="bench/run.sh")
    ap.add_argument("--repetitions", default="5")
    a = ap.parse_args()

    ctx, med, cv = load_bench(a.bench)
    r = Results(med, cv)
    rss = load_rss(a.rss)
    machine = load_machine(a.machine)
    sizes = r.sizes()
    out = []

    out.append("## Run\n")
    out.append(f"Reproduce: `{a.command}` (see \"How to run\" above). All paths below come from this one "
               f"run of one binary on the same bytes; ratios compare medians of "
               f"{a.repetitions} repetitions taken in that run.\n")
    out.append("| | |\n|---|---|")
    for k, v in machine:
        out.append(f"| {k} | {v} |")
    if ctx.get("load_avg"):
        out.append(f"| load average at benchmark start (Google Benchmark) | "
                   f"{', '.join(f'{x:.2f}' for x in ctx['load_avg'])} |")
    out.append("")

    # ---- targets at 100k ----
    T = 100000
    out.append("## Performance targets (100k tasks unless said)\n")
    out.append("| Target | Measured | Limit | Status |\n|---|---|---|---|")
    tg = []

    def ratio_target(label, a_, pa, b_, pb, limit, strict=False):
        x = r.ratio(a_, pa, b_, pb, T)
        if x is None:
            tg.append((label, "not measured", "", "**not measured**"))
            return
        ok = x < limit if strict else x <= limit
        tg.append((label, fmt_x(x), ("< " if strict else "<= ") + f"{limit:g}x", met(ok)))

    ratio_target("full validated load from a file / bare protobuf-c arena unpack (reused arena)",
                 "ours/load_file", "op", "peer/pbc_unpack_arena_reused", "op", 1.3)
    ratio_target("full validated load from a file / bare protobuf-c arena unpack (fresh arena)",
                 "ours/load_file", "op", "peer/pbc_unpack_arena_fresh", "op", 1.3)
    ratio_target("same, both reusing resident memory: load with a reused caller allocator / "
                 "protobuf-c reused arena",
                 "ours/load_file_reused_alloc", "op", "peer/pbc_unpack_arena_reused", "op", 1.3)
    ratio_target("full validated load + aq_snapshot_free / C++ arena parse + free",
                 "ours/load_file", "total", "peer/cpp_parse_arena", "total", 1.0, strict=True)
    ratio_target("full validated load (without free) / C++ arena parse + free",
                 "ours/load_file", "op", "peer/cpp_parse_arena", "total", 1.0, strict=True)
    ratio_target("same, load with a reused caller allocator (free: nothing) / C++ arena parse + free",
                 "ours/load_file_reused_alloc", "total", "peer/cpp_parse_arena", "total", 1.0,
                 strict=True)
    ratio_target("encode (conversion included) / protobuf-c pack", "ours/encode", "op",
                 "peer/pbc_pack", "op", 1.5)

    def rss_mult(name):
        row = rss.get((name, T))
        if row is None:
            return None, None
        kb = statistics.median(row["kb"])
        return kb * 1024 / row["payload"], kb

    base = rss.get(("baseline", T))
    base_kb = statistics.median(base["kb"]) if base else 0

    def rss_net(name):
        row = rss.get((name, T))
        if row is None or base is None:
            return None
        return (statistics.median(row["kb"]) - base_kb) * 1024 / row["payload"]

    x, _ = rss_mult("load")
    tg.append(("peak RSS of a full load / payload size (whole probe process)",
               "not measured" if x is None else fmt_x(x), "<= 3x",
               "**not measured**" if x is None else met(x <= 3)))
    x = rss_net("load")
    if x is not None:
        tg.append(("peak RSS of a full load / payload size (minus the probe's baseline RSS)",
                   fmt_x(x), "<= 3x", met(x <= 3)))
    st = rss.get(("steady", T))
    if st is not None:
        mem = statistics.median(int(kv.get("snapshot_memory", 0)) for kv in st["kv"])
        grow = statistics.median(int(kv["rss_after"]) - int(kv["rss_before"]) for kv in st["kv"])
        tg.append(("loaded snapshot, steady state: aq_snapshot_memory() / payload",
                   fmt_x(mem / st["payload"]), "<= 2x", met(mem / st["payload"] <= 2)))
        tg.append(("loaded snapshot, steady state: RSS after load - before / payload",
                   fmt_x(grow / st["payload"]), "<= 2x", met(grow / st["payload"] <= 2)))
    else:
        tg.append(("loaded snapshot <= 2x payload in steady state", "not measured", "<= 2x",
                   "**not measured**"))
    for op in ("ours/json_load_file", "ours/json_decode"):
        v = r.mbs(op, T, "op")
        tg.append((f"engine-JSON import ({op.split('/')[1]}) speed, MB/s of JSON text",
                   "not measured" if v is None else f"{v:,.0f} MB/s",
                   ">= 300 MB/s", "**not measured**" if v is None else met(v >= 300)))
    for eng, ours in ENGINE_PAIRS:
        x = r.ratio(eng, "op", ours, "op", T)
        tg.append((f"engine-JSON import against the engine peer, same bytes, in the loop: "
                   f"{eng.split('/')[1]} / {ours.split('/')[1]} (op time)",
                   "not measured" if x is None else fmt_x(x), f">= {ENGINE_SPEEDUP:g}x",
                   "**not measured**" if x is None else met(x >= ENGINE_SPEEDUP)))
    for ours, label, limit in (("json_load", "engine-JSON import (validated)", ENGINE_SPEEDUP),
                               ("load", "validated protobuf load of the same content",
                                FRESH_SPEEDUP)):
        x = fresh_ratio(rss, "engine_load", ours, T, "op_ns")
        tg.append((f"in a fresh process, the engine peer's load of its JSON file / {label} "
                   f"(time; rss.sh)", "not measured" if x is None else fmt_x(x),
                   f">= {limit:g}x", "**not measured**" if x is None else met(x >= limit)))
    x = fresh_ratio(rss, "load", "engine_load", T, "kb")
    tg.append(("in a fresh process, peak RSS of the validated protobuf load / the engine peer's "
               "load of the same content as JSON", "not measured" if x is None else fmt_x(x),
               f"<= {FRESH_RSS:g}x", "**not measured**" if x is None else met(x <= FRESH_RSS)))
    x, _ = rss_mult("json_load")
    tg.append(("engine-JSON import memory: peak RSS / JSON text size (whole probe process)",
               "not measured" if x is None else fmt_x(x), "<= 2x",
               "**not measured**" if x is None else met(x <= 2)))
    x = rss_net("json_load")
    if x is not None:
        tg.append(("engine-JSON import memory: peak RSS / JSON text size (minus baseline)",
                   fmt_x(x), "<= 2x", met(x <= 2)))
    M = 1000000
    for op, label in (("ours/validate", "validation"), ("ours/load_file", "load from a file")):
        a_, b_ = r.ms(op, M, "op"), r.ms(op, T, "op")
        if a_ is None or b_ is None:
            tg.append((f"{label} linear: time at 1M / time at 100k", "not measured (run with --1m)",
                       "<= 11x", "**not measured**"))
        else:
            tg.append((f"{label} linear: time at 1M / time at 100k",
                       f"{a_ / b_:.2f}x ({b_:,.0f} ms -> {a_:,.0f} ms)", "<= 11x", met(a_ / b_ <= 11)))
    for row in tg:
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("\"op\" is the operation alone, \"free\" the release of its result "
               "(aq_snapshot_free, free_unpacked, arena destruction). The protobuf-c arena peers "
               "are given both ways because the target does not say which arena it means.\n")
    if rss:
        streaming_section(r, rss, out)

    # ---- per-size tables ----
    out.append("## Results per size\n")
    out.append("Medians per run record (ns/run = time / number of run records) and throughput "
               "in MB/s (10^6 bytes of protobuf payload per second; JSON rows: of JSON text). "
               "CV: coefficient of variation of op+free time over the repetitions. Page faults: minor "
               "faults per iteration (getrusage), op and free together. Est. fault share: those faults "
               "times the cost of one fault measured by floor/fresh_pages at the same size, as a share of "
               "op+free time (an estimate: huge pages and already-backed pages fault cheaper).\n")
    for t in sizes:
        size_table(r, t, out)
        rows = ratio_rows(r, t)
        if rows:
            out.append(f"Ratios at {t:,} tasks:\n")
            out.append("| Comparison | Ratio | Target (100k) | |\n|---|--:|---|---|")
            for label, x, tgt, ok in rows:
                out.append(f"| {label} | {x} | {tgt} | {'' if ok is None else met(ok)} |")
            out.append("")

    # ---- scaling ----
    out.append("## Scaling (op ns/run across sizes)\n")
    out.append("| Path | " + " | ".join(f"{t:,}" for t in sizes) + " |")
    out.append("|---|" + "--:|" * len(sizes))
    for op in ORDER:
        if any(r.get(op, t) for t in sizes):
            out.append(f"| `{op}` | " + " | ".join(fmt_ns(r.ns(op, t, "op")) for t in sizes) + " |")
    out.append("")

    # ---- RSS ----
    if rss:
        out.append("## Peak RSS per path (one process each, `/usr/bin/time -v`)\n")
        out.append("Maximum resident set size, median of the repetitions, as a multiple of the "
                   "payload (protobuf payload, or JSON text for json_* and engine_* rows). The process "
                   "itself (baseline) is included in every row.\n")
        out.append("The probe links libprotobuf and the C++ runtime for the C++ peer and Rust's "
                   "standard library for the engine peer, so its baseline is larger than a C "
                   "program's; \"net\" subtracts it. \"Time in a fresh process\" is the "
                   "operation's duration in that process, where every page it touches is touched "
                   "for the first time; \"whole process\" is the process from start to exit "
                   "(operation, release of its result, exit), timed by rss.sh.\n")
        out.append("| Path | Tasks | Payload MB | Peak RSS MiB | x payload | x payload, net of baseline |"
                   " Time in a fresh process, ns/run | Whole process, ms |"
                   "\n|---|--:|--:|--:|--:|--:|--:|--:|")
        what = {"baseline": "process only (nothing loaded)", "read": "read the file into memory",
                "pbc_unpack": "read + protobuf-c unpack (default allocator)",
                "cpp_parse": "read + libprotobuf Arena parse",
                "load": "aq_snapshot_load (validated)", "steady": "aq_snapshot_load (steady run)",
                "stream_read": "aq_snapshot_read (streaming, validated)",
                "json_read": "read the JSON file into memory",
                "json_load": "aq_snapshot_load of the JSON file (validated)",
                "json_stream_read": "aq_snapshot_read of the JSON file (streaming, validated)",
                "engine_load": "the engine peer's load of the JSON file (read, envelope, CRC-32, "
                               "serde_json into its model; Rust)"}
        for (name, t), row in sorted(rss.items(), key=lambda kv: (kv[0][1], list(what).index(kv[0][0])
                                                                  if kv[0][0] in what else 99)):
            if name.endswith("write"):  # their peak holds the snapshot they write: see above
                continue
            kb = statistics.median(row["kb"])
            b = rss.get(("baseline", t))
            net = "-"
            if b is not None and name != "baseline":
                net = f"{(kb - statistics.median(b['kb'])) * 1024 / row['payload']:.2f}x"
            shape = r.shape(t)
            ns = [int(kv["op_ns"]) for kv in row["kv"] if "op_ns" in kv]
            per_run = "-" if not ns or shape is None else fmt_ns(statistics.median(ns) / shape["runs"])
            wall = rss_median(rss, name, t, "wall_ns")
            out.append(f"| {name}: {what.get(name, '')} | {t:,} | {row['payload'] / MB:,.1f} | "
                       f"{kb / 1024:,.1f} | {kb * 1024 / row['payload']:.2f}x | {net} | {per_run} | "
                       f"{'-' if wall is None else f'{wall / 1e6:,.0f}'} |")
        out.append("")
        for t in sorted(t for (name, t) in rss if name == "engine_load"):
            fresh_vs_engine(rss, t, out)
        if st is not None:
            mem = statistics.median(int(kv.get("snapshot_memory", 0)) for kv in st["kv"])
            before = statistics.median(int(kv["rss_before"]) for kv in st["kv"])
            after = statistics.median(int(kv["rss_after"]) for kv in st["kv"])
            out.append(f"Steady state of a loaded 100k snapshot: aq_snapshot_memory() = "
                       f"{mem / MIB:,.1f} MiB ({mem / st['payload']:.2f}x payload); RSS "
                       f"{before / MIB:,.1f} MiB before the load, {after / MIB:,.1f} MiB after it "
                       f"returned: +{(after - before) / MIB:,.1f} MiB "
                       f"({(after - before) / st['payload']:.2f}x payload).\n")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
