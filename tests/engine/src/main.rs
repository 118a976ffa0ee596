// SPDX-License-Identifier: Apache-2.0
//! The engine's reading and writing of a JSON snapshot, for the engine.* tests: the seed's
//! `Snapshot` (`snapshot_model.rs`, the engine's source, in this crate's library) with real
//! serde and serde_json.
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

use engine_model::{payload, u32_at, Snapshot};
use std::process::ExitCode;

/// The schema version of the seed model (SNAPSHOT-SPEC.md section 6).
const ENGINE_SCHEMA: u32 = 8;

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
