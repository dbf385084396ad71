//! Regenerates `bindings/c/include/guestlink.h` from the FFI crate's source with cbindgen.
//!
//! Run `cargo run -p guestlink-ffi-tools --bin gen-header` from anywhere in the workspace; the test stage runs it
//! and fails when the committed header differs (`git diff --exit-code`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cbindgen.toml: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = crate_dir.join("include").join("guestlink.h");
    match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(bindings) => {
            bindings.write_to_file(&out);
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cbindgen: {e}");
            ExitCode::FAILURE
        }
    }
}
