/* SPDX-License-Identifier: Apache-2.0 */
// The C++ libprotobuf peer: classes generated at build time by `protoc --cpp_out` from proto/
// (bench only; never part of the library). Parses the same bytes as every other path.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include <google/protobuf/arena.h>

#include "actionqueue/snapshot/v1/snapshot.pb.h"
#include "bench_shim.h"

namespace {

namespace pb = actionqueue::snapshot::v1;

std::unique_ptr<google::protobuf::Arena> g_kept;

}  // namespace

extern "C" int aq_bench_cpp_parse_arena(const uint8_t *data, size_t len, uint64_t *parse_ns,
                                        uint64_t *free_ns)
{
    if (len > static_cast<size_t>(INT_MAX)) return -1;
    try {
        const uint64_t t0 = aq_bench_now_ns();
        auto arena = std::make_unique<google::protobuf::Arena>();
        pb::Snapshot *m = google::protobuf::Arena::CreateMessage<pb::Snapshot>(arena.get());
        const bool ok = m->ParseFromArray(data, static_cast<int>(len));
        const uint64_t t1 = aq_bench_now_ns();
        arena.reset();
        *parse_ns = t1 - t0;
        *free_ns = aq_bench_now_ns() - t1;
        return ok ? 0 : -1;
    } catch (const std::bad_alloc &) {
        return -1;
    }
}

extern "C" int aq_bench_cpp_parse_keep(const uint8_t *data, size_t len)
{
    if (len > static_cast<size_t>(INT_MAX)) return -1;
    try {
        g_kept = std::make_unique<google::protobuf::Arena>();
        pb::Snapshot *m = google::protobuf::Arena::CreateMessage<pb::Snapshot>(g_kept.get());
        return m->ParseFromArray(data, static_cast<int>(len)) ? 0 : -1;
    } catch (const std::bad_alloc &) {
        return -1;
    }
}

extern "C" void aq_bench_cpp_release(void)
{
    g_kept.reset();
}
