/* SPDX-License-Identifier: Apache-2.0 */
// Google Benchmark registrations: every operation of bench_shim.c at every size, in one binary
// so that ratios come from one run. Everything measured is C (the libprotobuf peer excepted);
// this file only registers, loops and reports.
//
//   aq_bench [--benchmark_* flags]          sizes 1k, 10k, 100k tasks
//   AQ_BENCH_1M=1 aq_bench ...              also 1M tasks (protobuf paths only)
//   AQ_BENCH_SIZES=1000,10000 aq_bench ...  exactly these sizes
//   AQ_BENCH_DIR=/path aq_bench ...         where the input files go (default /tmp/aqsnap-bench)
//
// Each benchmark uses manual time: the shim times exactly the operation (op) and the release of
// its result (free); "Time" and bytes_per_second cover op + free. Counters: ns_per_run (op +
// free per run record), op_ns_per_run, free_ns_per_run, page_faults (minor faults per
// iteration), and the input's runs/payload_bytes/json_bytes. bench/run.sh turns the medians into BENCHMARKS.md.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_shim.h"

namespace {

constexpr size_t kOneMillion = 1000000;

bool env_flag(const char *name)
{
    const char *v = std::getenv(name);
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}

std::vector<size_t> sizes()
{
    std::vector<size_t> out;
    const char *list = std::getenv("AQ_BENCH_SIZES");
    if (list != nullptr && list[0] != '\0') {
        const char *p = list;
        while (*p != '\0') {
            char *end = nullptr;
            unsigned long long n = std::strtoull(p, &end, 10);
            if (end == p) break;
            if (n > 0) out.push_back(static_cast<size_t>(n));
            p = (*end == ',') ? end + 1 : end;
        }
        return out;
    }
    out = {1000, 10000, 100000};
    if (env_flag("AQ_BENCH_1M")) out.push_back(kOneMillion);
    return out;
}

// JSON inputs (~1.9 KB per run) are built below 1M tasks only.
long minor_faults()
{
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

bool json_at(size_t tasks)
{
    return tasks < kOneMillion;
}

void run(benchmark::State &state, const aq_bench_op *op, size_t tasks)
{
    aq_bench_info info{};
    if (aq_bench_prepare(tasks, json_at(tasks) ? 1 : 0, &info) != 0) {
        state.SkipWithError(aq_bench_error());
        return;
    }
    double op_ns = 0;
    double free_ns = 0;
    double faults = 0;
    for (auto _ : state) {
        aq_bench_times t{0, 0};
        const long f0 = minor_faults();  // outside the shim's timed region
        const int rc = op->fn(&t);
        faults += static_cast<double>(minor_faults() - f0);
        if (rc != 0) {
            state.SkipWithError(aq_bench_error());
            break;
        }
        op_ns += static_cast<double>(t.op_ns);
        free_ns += static_cast<double>(t.free_ns);
        state.SetIterationTime(static_cast<double>(t.op_ns + t.free_ns) * 1e-9);
    }
    if (state.error_occurred()) return;

    using C = benchmark::Counter;
    const double runs = static_cast<double>(info.runs);
    const bool json = (op->flags & AQ_BENCH_JSON_BYTES) != 0;
    const size_t bytes = json ? info.json_len : info.pb_len;
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
    // Nanoseconds per run record of the manual time (op + free). Not a kIsRate|kInvert counter,
    // which gives the same number but prints it with an "s" unit.
    state.counters["ns_per_run"] = C((op_ns + free_ns) / runs, C::kAvgIterations, C::kIs1000);
    state.counters["op_ns_per_run"] = C(op_ns / runs, C::kAvgIterations, C::kIs1000);
    if ((op->flags & AQ_BENCH_HAS_FREE) != 0)
        state.counters["free_ns_per_run"] = C(free_ns / runs, C::kAvgIterations, C::kIs1000);
    // Minor page faults per iteration (getrusage): on VMs where a fault costs microseconds,
    // memory obtained fresh from the kernel dominates some paths.
    state.counters["page_faults"] = C(faults, C::kAvgIterations);
    state.counters["runs"] = C(runs);
    state.counters["payload_bytes"] = C(static_cast<double>(info.pb_len), C::kDefaults,
                                        C::kIs1024);
    state.counters["json_bytes"] = C(static_cast<double>(info.json_len), C::kDefaults,
                                     C::kIs1024);
}

}  // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    benchmark::AddCustomContext("aq_bench_dir", aq_bench_dir());
    // Sizes in order, so the shim builds each size's inputs once and drops the previous ones.
    for (size_t tasks : sizes()) {
        for (const aq_bench_op *op = aq_bench_ops; op->name != nullptr; op++) {
            if (tasks >= kOneMillion && (op->flags & AQ_BENCH_AT_1M) == 0) continue;
            if ((op->flags & AQ_BENCH_JSON_BYTES) != 0 && !json_at(tasks)) continue;
            const std::string name = std::string(op->name) + "/tasks:" + std::to_string(tasks);
            benchmark::RegisterBenchmark(name.c_str(), run, op, tasks)
                ->UseManualTime()
                ->Unit(benchmark::kMillisecond);
        }
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    aq_bench_release();
    return 0;
}
