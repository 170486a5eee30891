//! Build script of each generation crate: records the a3s-code-core version its Cargo.lock
//! resolved (the nearest Cargo.lock above the crate), for `CRATE_VERSION`.

use std::path::PathBuf;

fn main() {
    let mut dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let lock = loop {
        let candidate = dir.join("Cargo.lock");
        if candidate.exists() {
            break Some(candidate);
        }
        if !dir.pop() {
            break None;
        }
    };
    let mut version = String::from("unknown");
    if let Some(lock) = lock {
        println!("cargo:rerun-if-changed={}", lock.display());
        let text = std::fs::read_to_string(&lock).unwrap_or_default();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "name = \"a3s-code-core\"" {
                if let Some(v) = lines
                    .next()
                    .and_then(|l| l.trim().strip_prefix("version = "))
                {
                    version = v.trim_matches('"').to_owned();
                }
                break;
            }
        }
    }
    println!("cargo:rustc-env=A3S_CODE_CORE_VERSION={version}");
}
