//! a3s-session's 3.0.0 generation: the class tables of a3s-code-core 3.0.0 over the generic
//! binding layer, built as `a3s_session._native`. Every byte of JSON in and out goes through
//! the crate's serde impls. Shared tables (same fields in every generation) live in
//! `src/shared` and are compiled here against 3.0.0.

use std::collections::HashMap;

use pyo3::prelude::*;

/// Python module of this generation's classes (pickle finds them there).
const MODULE: &str = "a3s_session.v3";

/// One class table of this generation: `record_class!` with the generation's module.
macro_rules! table {
    ($($body:tt)*) => {
        a3s_session_binding::record_class! { module = "a3s_session.v3"; $($body)* }
    };
}

#[path = "../../shared/content.rs"]
mod content;
mod message;
#[path = "../../shared/module.rs"]
mod module;
#[path = "../../shared/records.rs"]
mod records;
mod scan;
#[path = "../../shared/scan_rows.rs"]
mod scan_rows;
mod session;
mod store;

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    module::add_common(m)?;
    let mut enums = HashMap::new();
    module::register_common_enums(py, &mut enums, MODULE)?;
    a3s_session_binding::enums::add_enums(m, &enums)?;
    a3s_session_binding::enums::init_enums(py, enums)?;

    m.add_class::<session::PySessionData>()?;
    m.add_class::<session::PySessionConfig>()?;
    m.add_class::<message::PyMessage>()?;
    m.add_class::<message::PyToolResultBlock>()?;
    m.add_class::<store::PyFileSessionStore>()?;
    a3s_session_binding::scan::add_scan::<scan::V3>(m)?;
    Ok(())
}

// Parsing a session allocates one String per text field and one Vec per list: mimalloc's
// thread-local free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
