//! `FileSessionStore`: the crate's own file store (a3s_code_core::store::FileSessionStore),
//! driven from Rust with the interpreter released. Every byte on disk is written by the crate.

use std::path::PathBuf;

use a3s_code_core::store::{FileSessionStore, SessionData, SessionStore};
use a3s_session_binding::error::Error;
use a3s_session_binding::json::parse_json;
use a3s_session_binding::record::with_value;
use a3s_session_binding::runtime::{block_on, path_lock, runtime, store_error};
use pyo3::prelude::*;

use crate::session::PySessionData;

#[pyclass(frozen, module = "a3s_session", name = "FileSessionStore")]
pub struct PyFileSessionStore {
    store: FileSessionStore,
    dir: PathBuf,
}

impl PyFileSessionStore {
    fn run<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = anyhow::Result<T>> + Send,
        T: Send,
    {
        block_on(py, fut)?.map_err(store_error)
    }
}

#[pymethods]
impl PyFileSessionStore {
    /// Open (and create if needed) a store directory, exactly as A3S Code 3.0.0 lays it out:
    /// one pretty-printed `<safe id>.json` per session.
    #[new]
    fn new(py: Python<'_>, dir: PathBuf) -> PyResult<Self> {
        let store = block_on(py, FileSessionStore::new(dir.clone()))?.map_err(store_error)?;
        Ok(Self { store, dir })
    }

    /// The store directory.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Write a session atomically (temp file, fsync, rename) with the crate's store.
    fn save(&self, py: Python<'_>, session: &Bound<'_, PySessionData>) -> PyResult<()> {
        let rt = runtime()?;
        let store = &self.store;
        let dir = &self.dir;
        with_value(py, session.get(), true, |value: &SessionData| {
            let lock = path_lock(dir.join(&value.id));
            let _held = lock.lock();
            rt.block_on(store.save(value))
        })?
        .map_err(store_error)
    }

    /// The session with this id, or None when there is no such file. A corrupt, empty or
    /// truncated file raises SessionFormatError.
    fn load(&self, py: Python<'_>, id: &str) -> PyResult<Option<PySessionData>> {
        match block_on(py, self.store.load(id))? {
            Ok(found) => Ok(found.map(PySessionData::from_value)),
            Err(err) if err.root_cause().is::<serde_json::Error>() => {
                Err(self.parse_failure(py, id, &err))
            }
            Err(err) => Err(store_error(err)),
        }
    }

    /// Remove the session file and its side files (artifacts, traces, verification, runs).
    fn delete(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        self.run(py, self.store.delete(id))
    }

    fn exists(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        self.run(py, self.store.exists(id))
    }

    /// Ids (file stems) of the sessions in the store, sorted.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let mut ids = self.run(py, self.store.list())?;
        ids.sort();
        Ok(ids)
    }

    /// Raise OSError unless the directory is writable.
    fn health_check(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, self.store.health_check())
    }

    fn __repr__(&self) -> String {
        format!("FileSessionStore({:?})", self.dir.display().to_string())
    }
}

impl PyFileSessionStore {
    /// The crate reported a parse failure; parse the same file with the same serde impl to
    /// recover the field path, line and column for the Python exception.
    fn parse_failure(&self, py: Python<'_>, id: &str, err: &anyhow::Error) -> PyErr {
        let context = format!("{err}");
        let path = context
            .strip_prefix("Failed to parse session file: ")
            .map(PathBuf::from);
        let detailed = path
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| parse_json::<SessionData>(&bytes, |_| Ok(())).err());
        match detailed {
            Some(Error::Format {
                msg,
                line,
                column,
                path,
            }) => Error::Format {
                msg: format!("{context}: {msg}"),
                line,
                column,
                path,
            }
            .into_pyerr(py),
            Some(other) => other.into_pyerr(py),
            None => Error::format(format!("session {id:?}: {err:#}")).into_pyerr(py),
        }
    }
}
