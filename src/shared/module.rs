//! Module setup that reads the same in every generation: the shared exception, the enums and
//! classes both crates have under the same public paths. Compiled once per generation crate.

use std::collections::HashMap;

use a3s_code_core::config::StorageBackend;
use a3s_code_core::planning::{TaskPriority, TaskStatus};
use a3s_code_core::store::{SessionState, DEFAULT_AUTO_COMPACT_THRESHOLD};
use a3s_code_core::PlanningMode;
use a3s_session_binding::enums::{register_enum, PyEnum};
use a3s_session_binding::{error, json, listview, scalar, scan, unknown};
use pyo3::prelude::*;

use crate::{content, records};

/// Constants, the package's one `SessionFormatError` (shared by both generations, so one
/// `except` catches either), the position helper, and the shared classes.
pub fn add_common(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CRATE_VERSION", env!("A3S_CODE_CORE_VERSION"))?;
    m.add(
        "DEFAULT_AUTO_COMPACT_THRESHOLD",
        scalar::f32_as_json_f64(DEFAULT_AUTO_COMPACT_THRESHOLD),
    )?;
    let format_error = py
        .import("a3s_session._errors")?
        .getattr("SessionFormatError")?
        .cast_into::<pyo3::types::PyType>()?;
    error::install_format_error(py, format_error.clone())?;
    error::install_unknown_reporter(
        py,
        py.import("a3s_session._errors")?
            .getattr("_report_unknown_fields")?,
    )?;
    m.add("SessionFormatError", format_error)?;
    m.add_function(wrap_pyfunction!(line_column, m)?)?;
    m.add_function(wrap_pyfunction!(top_level_keys, m)?)?;
    m.add_function(wrap_pyfunction!(use_fast_writer, m)?)?;
    m.add_function(wrap_pyfunction!(_queued_writes, m)?)?;
    m.add_function(wrap_pyfunction!(top_level_members, m)?)?;
    m.add_function(wrap_pyfunction!(is_envelope, m)?)?;
    m.add("SEALED_SNAPSHOT_MESSAGE", scan::reader::SEALED_MESSAGE)?;
    m.add_class::<records::PyContextUsage>()?;
    m.add_class::<records::PyLlmConfigData>()?;
    m.add_class::<records::PyTask>()?;
    m.add_class::<records::PyLlmCostRecord>()?;
    m.add_class::<content::PyTextBlock>()?;
    m.add_class::<content::PyImageBlock>()?;
    m.add_class::<content::PyToolUseBlock>()?;
    m.add_class::<content::PyImageSource>()?;
    m.add_class::<content::PyTokenUsage>()?;
    m.add_class::<listview::ListView>()?;
    Ok(())
}

/// The enums every generation has.
pub fn register_common_enums(
    py: Python<'_>,
    enums: &mut HashMap<&'static str, PyEnum>,
    module: &str,
) -> PyResult<()> {
    register_enum::<SessionState>(py, enums, "SessionState", "State of a session.", module)?;
    register_enum::<PlanningMode>(
        py,
        enums,
        "PlanningMode",
        "When the planning phase runs.",
        module,
    )?;
    register_enum::<StorageBackend>(
        py,
        enums,
        "StorageBackend",
        "Where a session is stored.",
        module,
    )?;
    register_enum::<TaskStatus>(py, enums, "TaskStatus", "Status of a task.", module)?;
    register_enum::<TaskPriority>(py, enums, "TaskPriority", "Priority of a task.", module)?;
    Ok(())
}

/// 1-based line and column (bytes, as serde_json counts) of byte offset `offset` in `data`.
#[pyfunction]
fn line_column(data: &[u8], offset: usize) -> (usize, usize) {
    error::line_column(data, offset)
}

/// The keys of a top-level JSON object in document order (values skipped), or None when the
/// text is not one JSON object.
#[pyfunction]
fn top_level_keys(text: &Bound<'_, PyAny>) -> PyResult<Option<Vec<String>>> {
    Ok(json::borrow_text(text)
        .ok()
        .and_then(unknown::top_level_keys))
}

/// Whether a document is a v1 snapshot envelope (a JSON object with a `schema_version` or
/// `session` key): the test the scan makes, for the same choice one file at a time.
#[pyfunction]
fn is_envelope(text: &Bound<'_, PyAny>) -> bool {
    // Bytes as they are: the test checks UTF-8 itself, only for a document that may be one.
    if let Ok(b) = text.cast::<pyo3::types::PyBytes>() {
        return scan::reader::is_envelope(b.as_bytes());
    }
    json::borrow_text(text).is_ok_and(|t| scan::reader::is_envelope(t.as_bytes()))
}

/// (key, exact text of the value) of each member of a top-level JSON object, for text the
/// crate has already read as a whole; None when it is not an object.
#[pyfunction]
fn top_level_members(text: &str) -> Option<Vec<(String, String)>> {
    unknown::top_level_members(text).map(|members| {
        members
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect()
    })
}

/// Sessions with a store write queued or running in this extension (tests: the queues of
/// finished writes are forgotten).
#[pyfunction]
fn _queued_writes() -> usize {
    a3s_session_binding::runtime::queued_sessions()
}

/// Write JSON with the fast writer (serde_json's exact bytes, proven by differential tests)
/// or, with `False`, with serde_json itself; returns the previous setting. Process-wide.
#[pyfunction]
fn use_fast_writer(enabled: bool) -> bool {
    json::set_fast_writer(enabled)
}
