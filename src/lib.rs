//! a3s-session: the session records of A3S Code, exposed to Python over the real
//! `a3s-code-core` crate. Every byte of JSON in and out goes through the crate's serde impls.

use std::collections::HashMap;

use pyo3::prelude::*;

mod convert;
mod depythonize;
mod errors;
mod listview;
mod message;
mod node;
mod session;
mod store;
mod task;
mod views;

use a3s_code_core::config::StorageBackend;
use a3s_code_core::planning::{TaskPriority, TaskStatus};
use a3s_code_core::store::{SessionState, DEFAULT_AUTO_COMPACT_THRESHOLD};
use a3s_code_core::PlanningMode;

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CRATE_VERSION", env!("A3S_CODE_CORE_VERSION"))?;
    m.add(
        "DEFAULT_AUTO_COMPACT_THRESHOLD",
        convert::f32_as_json_f64(DEFAULT_AUTO_COMPACT_THRESHOLD),
    )?;
    let format_error = py.get_type::<errors::SessionFormatError>();
    // Defaults, so an instance raised from Python code has the attributes too.
    format_error.setattr("msg", "")?;
    format_error.setattr("line", py.None())?;
    format_error.setattr("column", py.None())?;
    format_error.setattr("path", "")?;
    m.add("SessionFormatError", format_error)?;

    let mut enums = HashMap::new();
    convert::register_enum::<SessionState>(py, &mut enums, "SessionState", "State of a session.")?;
    convert::register_enum::<PlanningMode>(
        py,
        &mut enums,
        "PlanningMode",
        "When the planning phase runs.",
    )?;
    convert::register_enum::<StorageBackend>(
        py,
        &mut enums,
        "StorageBackend",
        "Where a session is stored.",
    )?;
    convert::register_enum::<TaskStatus>(py, &mut enums, "TaskStatus", "Status of a task.")?;
    convert::register_enum::<TaskPriority>(py, &mut enums, "TaskPriority", "Priority of a task.")?;
    convert::add_enums(m, &enums)?;
    convert::init_enums(py, enums)?;

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

// Parsing a session allocates one String per text field and one Vec per list: mimalloc's
// thread-local free lists make that markedly cheaper than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
