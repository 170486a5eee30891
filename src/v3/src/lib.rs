//! a3s-session: the session records of A3S Code, exposed to Python over the real
//! `a3s-code-core` crate. Every byte of JSON in and out goes through the crate's serde impls.

use std::collections::HashMap;

use pyo3::prelude::*;

mod message;
mod session;
mod store;
mod task;

use a3s_code_core::config::StorageBackend;
use a3s_code_core::planning::{TaskPriority, TaskStatus};
use a3s_code_core::store::{SessionState, DEFAULT_AUTO_COMPACT_THRESHOLD};
use a3s_code_core::PlanningMode;
use a3s_session_binding::{enums, error, listview, scalar};

/// Where the classes live for Python (pickle finds them there).
const MODULE: &str = "a3s_session";

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CRATE_VERSION", env!("A3S_CODE_CORE_VERSION"))?;
    m.add(
        "DEFAULT_AUTO_COMPACT_THRESHOLD",
        scalar::f32_as_json_f64(DEFAULT_AUTO_COMPACT_THRESHOLD),
    )?;
    // The package's one exception class, shared by both generations.
    let format_error = py
        .import("a3s_session._errors")?
        .getattr("SessionFormatError")?
        .cast_into::<pyo3::types::PyType>()?;
    error::install_format_error(py, format_error.clone())?;
    m.add("SessionFormatError", format_error)?;
    m.add_function(wrap_pyfunction!(line_column, m)?)?;

    let mut enums = HashMap::new();
    enums::register_enum::<SessionState>(py, &mut enums, "SessionState", "State of a session.", MODULE)?;
    enums::register_enum::<PlanningMode>(
        py,
        &mut enums,
        "PlanningMode",
        "When the planning phase runs.", MODULE
    )?;
    enums::register_enum::<StorageBackend>(
        py,
        &mut enums,
        "StorageBackend",
        "Where a session is stored.", MODULE
    )?;
    enums::register_enum::<TaskStatus>(py, &mut enums, "TaskStatus", "Status of a task.", MODULE)?;
    enums::register_enum::<TaskPriority>(py, &mut enums, "TaskPriority", "Priority of a task.", MODULE)?;
    enums::add_enums(m, &enums)?;
    enums::init_enums(py, enums)?;

    m.add_class::<session::PySessionData>()?;
    m.add_class::<session::PySessionConfig>()?;
    m.add_class::<session::PyContextUsage>()?;
    m.add_class::<session::PyLlmConfigData>()?;
    m.add_class::<message::PyMessage>()?;
    m.add_class::<message::PyTextBlock>()?;
    m.add_class::<message::PyImageBlock>()?;
    m.add_class::<message::PyToolUseBlock>()?;
    m.add_class::<message::PyToolResultBlock>()?;
    m.add_class::<message::PyImageSource>()?;
    m.add_class::<message::PyTokenUsage>()?;
    m.add_class::<task::PyTask>()?;
    m.add_class::<task::PyLlmCostRecord>()?;
    m.add_class::<listview::ListView>()?;
    m.add_class::<store::PyFileSessionStore>()?;
    Ok(())
}

/// 1-based line and column (bytes, as serde_json counts) of byte offset `offset` in `data`.
#[pyfunction]
fn line_column(data: &[u8], offset: usize) -> (usize, usize) {
    error::line_column(data, offset)
}

// Parsing a session allocates one String per text field and one Vec per list: mimalloc's
// thread-local free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
