/* SPDX-License-Identifier: Apache-2.0 */
// Reads and writes aqsnap protobuf snapshot files with the official C++ runtime (libprotobuf,
// google::protobuf::util::MessageToJsonString). Build and run it as docs/LANGUAGES.md shows.
//
//   snapshot_example json FILE     print FILE's snapshot in the protobuf JSON mapping
//   snapshot_example edit IN OUT   read IN, append the tag "edited-by-cpp" to
//                                  tasks[0].task_spec.metadata.tags, write OUT (unknown fields
//                                  are kept)
//
// An aqsnap file is a 12-byte envelope around one serialized actionqueue.snapshot.v1.Snapshot:
// u32 LE frame version 0x31505141 ("AQP1"), u32 LE payload length, u32 LE CRC-32 of the payload
// (zlib's crc32), then the payload.
//
// Exit status: 0 success, 1 the file is unreadable or not an aqsnap protobuf snapshot (the
// message says why), 2 usage error.

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <google/protobuf/util/json_util.h>
#include <zlib.h>

#include "actionqueue/snapshot/v1/snapshot.pb.h"

namespace {

using actionqueue::snapshot::v1::Snapshot;

constexpr uint32_t kFrameProtobuf = 0x31505141;  // "AQP1" read as a little-endian u32
constexpr uint32_t kFrameEngineJson = 4;         // the engine's own JSON snapshot files
constexpr size_t kHeaderSize = 12;

// A file that is not a readable aqsnap protobuf snapshot; what() says why.
struct SnapshotFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string hex32(uint32_t v)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", v);
    return text;
}

uint32_t load_le32(const std::string &data, size_t at)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) v |= uint32_t(uint8_t(data[at + i])) << (8 * i);
    return v;
}

void store_le32(std::string &out, uint32_t v)
{
    for (size_t i = 0; i < 4; i++) out.push_back(char(v >> (8 * i)));
}

uint32_t crc32_of(const std::string &bytes)
{
    return uint32_t(crc32(0L, reinterpret_cast<const Bytef *>(bytes.data()), uInt(bytes.size())));
}

// Checks the envelope of the file at path and parses its payload. Fields of a newer schema are
// kept as unknown fields and written back by SerializeToString().
Snapshot read_snapshot(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SnapshotFileError(std::strerror(errno));
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw SnapshotFileError(std::strerror(errno));
    if (data.size() < kHeaderSize) {
        throw SnapshotFileError(std::to_string(data.size()) + " bytes: too short for the " +
                                std::to_string(kHeaderSize) + "-byte envelope");
    }
    const uint32_t frame = load_le32(data, 0), length = load_le32(data, 4),
                   crc = load_le32(data, 8);
    const std::string payload = data.substr(kHeaderSize);
    if (frame == kFrameEngineJson) {
        throw SnapshotFileError("an engine JSON snapshot (envelope version 4), not protobuf: "
                                "convert it first with `aqsnap convert --to protobuf IN OUT`");
    }
    if (frame != kFrameProtobuf) {
        throw SnapshotFileError("unknown envelope version " + hex32(frame) + " (expected " +
                                hex32(kFrameProtobuf) + ", AQP1)");
    }
    if (length != payload.size()) {
        throw SnapshotFileError("the envelope announces " + std::to_string(length) +
                                " payload bytes, the file holds " +
                                std::to_string(payload.size()));
    }
    if (const uint32_t actual = crc32_of(payload); actual != crc) {
        throw SnapshotFileError("CRC-32 mismatch: expected " + hex32(crc) + ", actual " +
                                hex32(actual));
    }
    Snapshot snap;
    if (!snap.ParseFromString(payload)) {
        // libprotobuf says nothing more than that the bytes do not parse.
        throw SnapshotFileError("not a valid actionqueue.snapshot.v1.Snapshot: the payload does "
                                "not parse");
    }
    return snap;
}

// Serializes snap into the envelope at path. A real engine would write a temporary file, fsync
// it and rename it over the old one; this example keeps to the format.
void write_snapshot(const std::string &path, const Snapshot &snap)
{
    std::string payload;
    if (!snap.SerializeToString(&payload)) throw SnapshotFileError("cannot serialize");
    std::string out;
    store_le32(out, kFrameProtobuf);
    store_le32(out, uint32_t(payload.size()));
    store_le32(out, crc32_of(payload));
    out += payload;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file || !file.write(out.data(), std::streamsize(out.size())) || !file.flush()) {
        throw SnapshotFileError(std::strerror(errno));
    }
}

void print_json(const Snapshot &snap)
{
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    // Proto2 fields have presence: the printer emits every field that is set (zero or not) and
    // leaves out the ones that are not. always_print_primitive_fields would print those with
    // invented default values.
    std::string text;
    if (auto status = google::protobuf::util::MessageToJsonString(snap, &text, options);
        !status.ok()) {
        throw SnapshotFileError(status.ToString());
    }
    std::cout << text;
}

void edit(Snapshot &snap)
{
    if (snap.tasks_size() == 0) throw SnapshotFileError("the snapshot has no task to edit");
    snap.mutable_tasks(0)->mutable_task_spec()->mutable_metadata()->add_tags("edited-by-cpp");
}

}  // namespace

int main(int argc, char **argv)
{
    const bool json = argc == 3 && std::string(argv[1]) == "json";
    const bool edit_file = argc == 4 && std::string(argv[1]) == "edit";
    if (!json && !edit_file) {
        std::cerr << "usage: snapshot_example json FILE | snapshot_example edit IN OUT\n";
        return 2;
    }
    const char *current = argv[2];
    try {
        Snapshot snap = read_snapshot(current);
        if (json) {
            print_json(snap);
        } else {
            edit(snap);
            current = argv[3];
            write_snapshot(current, snap);
        }
    } catch (const SnapshotFileError &e) {
        std::cerr << "snapshot_example: " << current << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
