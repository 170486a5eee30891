//! The one tokio runtime the crates' async stores run on, and how their errors reach Python.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;

/// One runtime for every store of the process: the crates' stores are async (tokio::fs).
pub fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("a3s-session-store")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| PyRuntimeError::new_err(format!("cannot start the store runtime: {e}")))
}

/// Run a store future to completion with the interpreter released.
pub fn block_on<T, F>(py: Python<'_>, fut: F) -> PyResult<anyhow::Result<T>>
where
    F: std::future::Future<Output = anyhow::Result<T>> + Send,
    T: Send,
{
    let rt = runtime()?;
    Ok(py.detach(|| rt.block_on(fut)))
}

/// An I/O failure keeps its kind (FileNotFoundError, PermissionError, ...) and the crate's
/// context ("Failed to create temp file: ...").
pub fn store_error(err: anyhow::Error) -> PyErr {
    let text = format!("{err:#}");
    match err.root_cause().downcast_ref::<std::io::Error>() {
        Some(io) => PyErr::from(std::io::Error::new(io.kind(), text)),
        None => PyOSError::new_err(text),
    }
}

/// The crates name their temp files after the target, the time and the pid; two threads of
/// this process saving the same target in the same nanosecond would share one. Saves of one target path are
/// therefore serialized within the process (other processes differ by pid).
pub fn path_lock(path: PathBuf) -> Arc<parking_lot::Mutex<()>> {
    static LOCKS: OnceLock<parking_lot::Mutex<HashMap<PathBuf, Arc<parking_lot::Mutex<()>>>>> =
        OnceLock::new();
    let mut map = LOCKS.get_or_init(Default::default).lock();
    map.entry(path).or_default().clone()
}
