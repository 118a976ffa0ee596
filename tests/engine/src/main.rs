// SPDX-License-Identifier: Apache-2.0
//! The engine's reading and writing of a JSON snapshot, for the engine.* tests: the seed's
//! `Snapshot` (`snapshot_model.rs`, the engine's source) with real serde and serde_json.
//!
//!     engine_reference [--pretty] FILE
//!     engine_reference --verdicts DOCS
//!
//! FILE is an engine snapshot.bin (12-byte envelope, frame version 4) or a bare JSON payload.
//! Exit 0 when serde_json reads the payload into the engine's `Snapshot` and, for a document of
//! the engine's own schema version, writes it back as the very same bytes (compact, or
//! `to_vec_pretty` with --pretty); else exit 1 saying why. An older document is only read: the
//! engine writes every key of its version, which older ones did not have.
//!
//! With --verdicts, DOCS holds JSON documents, each after its length (u32 little-endian); one
//! line per document says whether the engine's loader takes it: `OK`, or `ERR <serde's error>`.

#[allow(dead_code)] // the seed's accessors and conversions the engine uses elsewhere
#[rustfmt::skip] // the engine's source, kept verbatim
mod snapshot_model;

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

use snapshot_model::Snapshot;
use std::process::ExitCode;

const ENVELOPE: usize = 12;
const FRAME_JSON: u32 = 4;
/// The schema version of the seed model (SNAPSHOT-SPEC.md section 6).
const ENGINE_SCHEMA: u32 = 8;

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The JSON payload of a file: inside an envelope (checked) or the whole file.
fn payload(file: &[u8]) -> Result<&[u8], String> {
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
    if crc32(body) != crc {
        return Err(format!(
            "CRC-32 0x{:08x} in the header, 0x{:08x} computed",
            crc,
            crc32(body)
        ));
    }
    Ok(body)
}

fn check(path: &str, pretty: bool) -> Result<String, String> {
    let file = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = payload(&file)?;
    let snap: Snapshot =
        serde_json::from_slice(text).map_err(|e| format!("serde_json refuses it: {e}"))?;
    let version = snap.metadata.schema_version;
    if version != ENGINE_SCHEMA {
        return Ok(format!(
            "serde_json reads it (schema version {version}, read only)"
        ));
    }
    let again = if pretty {
        serde_json::to_vec_pretty(&snap)
    } else {
        serde_json::to_vec(&snap)
    }
    .map_err(|e| format!("serde_json cannot write it back: {e}"))?;
    if again == text {
        return Ok(format!(
            "serde_json reads it and writes the same {} bytes",
            again.len()
        ));
    }
    let at = again
        .iter()
        .zip(text)
        .position(|(a, b)| a != b)
        .unwrap_or(again.len().min(text.len()));
    let show = |b: &[u8]| {
        String::from_utf8_lossy(&b[at.saturating_sub(40)..(at + 40).min(b.len())]).into_owned()
    };
    Err(format!(
        "serde_json writes it back differently from byte {at} (file {} bytes, serde_json {}):\n  file:       ...{}...\n  serde_json: ...{}...",
        text.len(),
        again.len(),
        show(text),
        show(&again)
    ))
}

/// One line per length-prefixed document of `path`: does serde_json read it into a `Snapshot`?
fn verdicts(path: &str) -> Result<(), String> {
    let docs = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut rest = &docs[..];
    while !rest.is_empty() {
        if rest.len() < 4 || rest.len() - 4 < u32_at(rest, 0) as usize {
            return Err("truncated document list".into());
        }
        let (doc, next) = rest[4..].split_at(u32_at(rest, 0) as usize);
        match serde_json::from_slice::<Snapshot>(doc) {
            Ok(_) => println!("OK"),
            Err(e) => println!("ERR {e}"),
        }
        rest = next;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() == 2 && args[0] == "--verdicts" {
        return match verdicts(&args[1]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{}: {e}", args[1]);
                ExitCode::FAILURE
            }
        };
    }
    let pretty = args.first().map(String::as_str) == Some("--pretty");
    let files = &args[usize::from(pretty)..];
    if files.len() != 1 {
        eprintln!("usage: engine_reference [--pretty] FILE | --verdicts DOCS");
        return ExitCode::from(2);
    }
    match check(&files[0], pretty) {
        Ok(verdict) => {
            println!("{}: {verdict}", files[0]);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: {e}", files[0]);
            ExitCode::FAILURE
        }
    }
}
