// SPDX-License-Identifier: Apache-2.0
//! The engine's snapshot model (the seed's `snapshot_model.rs`, kept verbatim, over the `core/`
//! crate) and its envelope, in one place for the two programs that read the engine's JSON with
//! it: `engine_reference` (src/main.rs, the engine.* tests) and the benchmarks' engine peer
//! (bench/engine_peer/, a path dependency).

#[allow(dead_code)] // the seed's accessors and conversions the engine uses elsewhere
#[rustfmt::skip] // the engine's source, kept verbatim
mod snapshot_model;

pub use snapshot_model::Snapshot;

/// Stand-ins for the engine's recovery types the seed converts from (not in the seed).
mod recovery {
    pub mod reducer {
        use actionqueue_core::ids::AttemptId;
        use actionqueue_core::mutation::AttemptResultKind;
        use actionqueue_core::run::state::RunState;

        pub struct RunStateHistoryEntry {
            pub from: Option<RunState>,
            pub to: RunState,
            pub timestamp: u64,
        }

        pub struct AttemptHistoryEntry {
            pub attempt_id: AttemptId,
            pub started_at: u64,
            pub finished_at: Option<u64>,
            pub result: Option<AttemptResultKind>,
            pub error: Option<String>,
            pub output: Option<Vec<u8>>,
        }

        pub struct LeaseMetadata {
            pub owner: String,
            pub expiry: u64,
            pub acquired_at: u64,
            pub updated_at: u64,
        }
    }
}

const ENVELOPE: usize = 12;
const FRAME_JSON: u32 = 4;

/// The little-endian u32 at `at` (envelope fields, length prefixes).
pub fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The JSON payload of a file: inside an envelope (checked as the engine's loader checks it,
/// CRC-32 by crc32fast as in SNAPSHOT-SPEC.md section 1) or the whole file.
pub fn payload(file: &[u8]) -> Result<&[u8], String> {
    if file.first() == Some(&b'{') {
        return Ok(file);
    }
    if file.len() < ENVELOPE {
        return Err(format!(
            "{} bytes: neither an envelope nor a JSON document",
            file.len()
        ));
    }
    let (version, len, crc) = (u32_at(file, 0), u32_at(file, 4), u32_at(file, 8));
    let body = &file[ENVELOPE..];
    if version != FRAME_JSON {
        return Err(format!(
            "frame version {version}, not the engine's JSON ({FRAME_JSON})"
        ));
    }
    if body.len() != len as usize {
        return Err(format!(
            "header says {len} payload bytes, file has {}",
            body.len()
        ));
    }
    let actual = crc32fast::hash(body);
    if actual != crc {
        return Err(format!(
            "CRC-32 0x{crc:08x} in the header, 0x{actual:08x} computed"
        ));
    }
    Ok(body)
}
