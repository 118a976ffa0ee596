// SPDX-License-Identifier: Apache-2.0
//! Reads and writes aqsnap protobuf snapshot files with prost. Build and run it as
//! docs/LANGUAGES.md shows.
//!
//! ```text
//! snapshot-example json FILE     print FILE's snapshot in the protobuf JSON mapping
//! snapshot-example edit IN OUT   read IN, set tasks[0].task_spec.constraints.timeout_secs to
//!                                3600, write OUT (prost drops fields this schema does not know)
//! ```
//!
//! An aqsnap file is a 12-byte envelope around one serialized actionqueue.snapshot.v1.Snapshot:
//! u32 LE frame version 0x31505141 ("AQP1"), u32 LE payload length, u32 LE CRC-32 of the payload
//! (crc32fast), then the payload.
//!
//! Exit status: 0 success, 1 the file is unreadable or not an aqsnap protobuf snapshot (the
//! message says why), 2 usage error.

mod json;

use std::{env, fs, process};

use prost::Message;

/// The generated structs of package actionqueue.snapshot.v1.
pub mod snapshot_v1 {
    include!(concat!(env!("OUT_DIR"), "/actionqueue.snapshot.v1.rs"));
}

use snapshot_v1::Snapshot;

const FRAME_PROTOBUF: u32 = 0x3150_5141; // "AQP1" read as a little-endian u32
const FRAME_ENGINE_JSON: u32 = 4; // the engine's own JSON snapshot files
const HEADER_SIZE: usize = 12;
const DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/snapshot_descriptor_set.bin"));

/// Checks the envelope of the file at `path` and parses its payload. prost keeps no unknown
/// fields: what a newer schema added is dropped here, and missing from what this program writes.
fn read_snapshot(path: &str) -> Result<Snapshot, String> {
    let data = fs::read(path).map_err(|e| e.to_string())?;
    if data.len() < HEADER_SIZE {
        return Err(format!(
            "{} bytes: too short for the {HEADER_SIZE}-byte envelope",
            data.len()
        ));
    }
    let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"));
    let (frame, length, crc) = (word(0), word(4), word(8));
    let payload = &data[HEADER_SIZE..];
    if frame == FRAME_ENGINE_JSON {
        return Err(
            "an engine JSON snapshot (envelope version 4), not protobuf: convert it first \
                    with `aqsnap convert --to protobuf IN OUT`"
                .to_string(),
        );
    }
    if frame != FRAME_PROTOBUF {
        return Err(format!(
            "unknown envelope version {frame:#010x} (expected {FRAME_PROTOBUF:#010x}, AQP1)"
        ));
    }
    if length as usize != payload.len() {
        return Err(format!(
            "the envelope announces {length} payload bytes, the file holds {}",
            payload.len()
        ));
    }
    let actual = crc32fast::hash(payload);
    if actual != crc {
        return Err(format!(
            "CRC-32 mismatch: expected {crc:#010x}, actual {actual:#010x}"
        ));
    }
    Snapshot::decode(payload)
        .map_err(|e| format!("not a valid actionqueue.snapshot.v1.Snapshot: {e}"))
}

/// Serializes `snap` into the envelope at `path`. A real engine would write a temporary file,
/// fsync it and rename it over the old one; this example keeps to the format.
fn write_snapshot(path: &str, snap: &Snapshot) -> Result<(), String> {
    let payload = snap.encode_to_vec();
    let mut out = Vec::with_capacity(HEADER_SIZE + payload.len());
    out.extend_from_slice(&FRAME_PROTOBUF.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    fs::write(path, out).map_err(|e| e.to_string())
}

fn print_json(snap: &Snapshot) -> Result<(), String> {
    let printer = json::Printer::new(DESCRIPTOR_SET).map_err(|e| e.to_string())?;
    let value = printer
        .to_json(".actionqueue.snapshot.v1.Snapshot", snap)
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn edit(snap: &mut Snapshot) -> Result<(), String> {
    let task = snap
        .tasks
        .first_mut()
        .ok_or("the snapshot has no task to edit")?;
    // Optional proto2 fields are Options: None means absent.
    let constraints = task
        .task_spec
        .as_mut()
        .and_then(|spec| spec.constraints.as_mut())
        .ok_or("tasks[0] has no task_spec.constraints")?;
    constraints.timeout_secs = Some(3600);
    Ok(())
}

/// An error about the file at `path`, for exit status 1.
fn about(path: &str) -> impl Fn(String) -> (i32, String) + '_ {
    move |e| (1, format!("{path}: {e}"))
}

fn run(args: &[String]) -> Result<(), (i32, String)> {
    match args {
        [cmd, file] if cmd == "json" => {
            print_json(&read_snapshot(file).map_err(about(file))?).map_err(about(file))
        }
        [cmd, input, output] if cmd == "edit" => {
            let mut snap = read_snapshot(input).map_err(about(input))?;
            edit(&mut snap).map_err(about(input))?;
            write_snapshot(output, &snap).map_err(about(output))
        }
        _ => Err((
            2,
            "usage: snapshot-example json FILE | snapshot-example edit IN OUT".into(),
        )),
    }
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if let Err((status, message)) = run(&args) {
        if status == 2 {
            eprintln!("{message}");
        } else {
            eprintln!("snapshot-example: {message}");
        }
        process::exit(status);
    }
}
