// SPDX-License-Identifier: Apache-2.0
//! The engine's reading of its JSON snapshots, for the benchmarks (bench_shim.h declares these
//! functions): `serde_json::from_slice::<Snapshot>` with the engine's own model, and the load of
//! a snapshot file (read, envelope and CRC-32, from_slice). Called from the C shim, so it runs
//! in the same harness, the same run and on the same bytes as aqsnap's JSON paths. It does
//! not run the engine's validation rules (their source is not in the seed): the peer does less
//! work than aqsnap's validated loads.

use engine_model::{payload, Snapshot};
use std::ffi::CStr;
use std::os::raw::c_char;

/// Copies `msg` into the caller's buffer, truncated and NUL-terminated.
fn report(msg: &str, err: *mut c_char, err_len: usize) {
    if err.is_null() || err_len == 0 {
        return;
    }
    let n = msg.len().min(err_len - 1);
    // SAFETY: the caller gives err_len writable bytes at err.
    unsafe {
        std::ptr::copy_nonoverlapping(msg.as_ptr(), err.cast::<u8>(), n);
        *err.add(n) = 0;
    }
}

fn boxed(r: Result<Snapshot, String>, err: *mut c_char, err_len: usize) -> *mut Snapshot {
    match r {
        Ok(s) => Box::into_raw(Box::new(s)),
        Err(e) => {
            report(&e, err, err_len);
            std::ptr::null_mut()
        }
    }
}

fn parse(json: &[u8]) -> Result<Snapshot, String> {
    serde_json::from_slice(json).map_err(|e| format!("serde_json: {e}"))
}

#[no_mangle]
pub extern "C" fn aq_engine_peer_parse(
    json: *const u8,
    len: usize,
    err: *mut c_char,
    err_len: usize,
) -> *mut Snapshot {
    // SAFETY: the caller gives len readable bytes at json.
    let text = unsafe { std::slice::from_raw_parts(json, len) };
    boxed(parse(text), err, err_len)
}

#[no_mangle]
pub extern "C" fn aq_engine_peer_load(
    path: *const c_char,
    err: *mut c_char,
    err_len: usize,
) -> *mut Snapshot {
    // SAFETY: the caller gives a NUL-terminated path.
    let path = unsafe { CStr::from_ptr(path) }.to_string_lossy();
    let r = std::fs::read(&*path)
        .map_err(|e| format!("{path}: {e}"))
        .and_then(|file| parse(payload(&file)?));
    boxed(r, err, err_len)
}

#[no_mangle]
pub extern "C" fn aq_engine_peer_runs(snapshot: *const Snapshot) -> usize {
    // SAFETY: a snapshot from aq_engine_peer_parse or _load, not yet freed.
    unsafe { (*snapshot).runs.len() }
}

#[no_mangle]
pub extern "C" fn aq_engine_peer_free(snapshot: *mut Snapshot) {
    if !snapshot.is_null() {
        // SAFETY: a snapshot from aq_engine_peer_parse or _load, freed once.
        drop(unsafe { Box::from_raw(snapshot) });
    }
}
