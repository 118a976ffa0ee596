// SPDX-License-Identifier: Apache-2.0
//! Generates the prost structs of the schema (and its descriptor set, for src/json.rs) from the
//! .proto files in AQSNAP_PROTO_DIR (default: proto/ of the clone this example lives in).

use std::{env, path::PathBuf};

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-env-changed=AQSNAP_PROTO_DIR");
    let proto = env::var("AQSNAP_PROTO_DIR").unwrap_or_else(|_| "../../proto".to_string());
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    prost_build::Config::new()
        .file_descriptor_set_path(out.join("snapshot_descriptor_set.bin"))
        // prost has no JSON printer: serde gives src/json.rs the field values to map.
        .type_attribute(".", "#[derive(serde::Serialize)]")
        .compile_protos(
            &[format!("{proto}/actionqueue/snapshot/v1/snapshot.proto")],
            &[proto],
        )
}
