//! a3s-session's 9.1 generation: the class tables of a3s-code-core 9.1.3 (today's A3S Code)
//! over the generic binding layer, built as the `a3s_session_v9._native` extension (imported as
//! `a3s_session.v9`). Its own cargo build, so serde_json has exactly the features 9.1.3's
//! graph enables (`float_roundtrip`). Shared tables live in `src/shared`.

use std::collections::HashMap;

use a3s_code_core::llm::{ToolResultTrustV1, TranscriptVisibility};
use a3s_session_binding::enums;
use pyo3::prelude::*;

/// Python module of this generation's classes (pickle finds them there).
const MODULE: &str = "a3s_session.v9";

/// One class table of this generation: `record_class!` with the generation's module.
macro_rules! table {
    ($($body:tt)*) => {
        a3s_session_binding::record_class! { module = "a3s_session.v9"; $($body)* }
    };
}

mod config;
#[path = "../../shared/content.rs"]
mod content;
mod doctor;
mod factlog;
mod message;
mod migrate;
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
    m.add(
        "SESSION_SNAPSHOT_SCHEMA_VERSION",
        a3s_code_core::store::SESSION_SNAPSHOT_SCHEMA_VERSION,
    )?;
    let mut registry = HashMap::new();
    module::register_common_enums(py, &mut registry, MODULE)?;
    enums::register_enum::<TranscriptVisibility>(
        py,
        &mut registry,
        "TranscriptVisibility",
        "Whether a message belongs in the product transcript or only on the model wire.",
        MODULE,
    )?;
    enums::register_enum::<ToolResultTrustV1>(
        py,
        &mut registry,
        "ToolResultTrust",
        "Trust label of tool-result content.",
        MODULE,
    )?;
    enums::add_enums(m, &registry)?;
    enums::init_enums(py, registry)?;

    m.add_class::<session::PySessionData>()?;
    m.add_class::<session::PySessionConfig>()?;
    m.add_class::<session::PySessionSnapshotV1>()?;
    m.add_class::<message::PyMessage>()?;
    m.add_class::<message::PyToolResultBlock>()?;
    m.add_class::<store::PyFileSessionStore>()?;
    a3s_session_binding::scan::add_scan::<scan::V9>(m)?;
    m.add_function(wrap_pyfunction!(migrate::migrate_legacy_store, m)?)?;
    m.add_function(wrap_pyfunction!(config::config_sessions_dir, m)?)?;
    m.add_function(wrap_pyfunction!(doctor::session_id_problem, m)?)?;
    m.add_function(wrap_pyfunction!(doctor::read_wal, m)?)?;
    m.add_class::<factlog::HandBack>()?;
    m.add_function(wrap_pyfunction!(factlog::fact_log_location, m)?)?;
    m.add_function(wrap_pyfunction!(factlog::read_fact_log, m)?)?;
    m.add_function(wrap_pyfunction!(factlog::check_durable_source, m)?)?;
    m.add_function(wrap_pyfunction!(factlog::hand_back, m)?)?;
    Ok(())
}

// As in the 3.0.0 generation: many small allocations per parsed session.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
