//! Where A3S Code 9.1.3 keeps its sessions: the `sessions_dir` of a configuration file, read
//! by the crate's own ACL loader (`CodeConfig::from_file`), so `show` finds sessions by id
//! where the agent writes them.

use std::path::PathBuf;

use a3s_code_core::config::CodeConfig;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The `sessions_dir` a configuration file sets (as written: a relative directory is
/// relative to the agent's working directory), or None. A file the crate cannot read or
/// parse raises ValueError with the crate's message.
#[pyfunction]
pub fn config_sessions_dir(py: Python<'_>, path: PathBuf) -> PyResult<Option<PathBuf>> {
    let config = py
        .detach(|| CodeConfig::from_file(&path))
        .map_err(|e| PyValueError::new_err(format!("{e:#}")))?;
    Ok(config.sessions_dir)
}
