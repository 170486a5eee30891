//! Records the a3s-code-core version that Cargo.lock resolved, for `a3s_session.CRATE_VERSION`.

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let mut version = String::from("unknown");
    let mut lines = lock.lines();
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
    println!("cargo:rustc-env=A3S_CODE_CORE_VERSION={version}");
}
