//! `FileSessionStore`: the crate's own file store (a3s_code_core::store::FileSessionStore),
//! driven from Rust with the interpreter released. Every byte on disk is written by the crate.

use std::path::PathBuf;
use std::sync::Arc;

use a3s_code_core::store::{FileSessionStore, SessionData, SessionStore};
use a3s_session_binding::error::Error;
use a3s_session_binding::json::parse_json_bytes_explained;
use a3s_session_binding::record::{with_value, Node};
use a3s_session_binding::runtime::{awaitable, block_on, runtime, store_error, take_turn};
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;

use crate::session::PySessionData;

/// Each operation has a blocking form (the interpreter released while it runs) and an
/// `*_async` twin returning an asyncio future of the running loop, run on the extension's
/// store runtime; cancelling it never cuts a write short (see `runtime::awaitable`).
#[pyclass(frozen, module = "a3s_session.v3", name = "FileSessionStore")]
pub struct PyFileSessionStore {
    store: Arc<FileSessionStore>,
    dir: PathBuf,
}

/// How a load's result reaches Python: a parse failure gets the crate's field path, line and
/// column (found off the interpreter), any other failure keeps its I/O kind.
enum LoadFailure {
    Format(Error),
    Store(anyhow::Error),
}

impl LoadFailure {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            LoadFailure::Format(err) => err.into_pyerr(py),
            LoadFailure::Store(err) => store_error(err),
        }
    }
}

async fn load(store: &FileSessionStore, id: &str) -> Result<Option<SessionData>, LoadFailure> {
    match store.load(id).await {
        Ok(found) => Ok(found),
        Err(err) if err.root_cause().is::<serde_json::Error>() => {
            Err(LoadFailure::Format(parse_failure(id, &err)))
        }
        Err(err) => Err(LoadFailure::Store(err)),
    }
}

fn none(py: Python<'_>, done: anyhow::Result<()>) -> PyResult<Py<PyAny>> {
    done.map_err(store_error)?;
    Ok(py.None())
}

fn plain<T: for<'py> IntoPyObject<'py>>(
    py: Python<'_>,
    done: anyhow::Result<T>,
) -> PyResult<Py<PyAny>> {
    done.map_err(store_error)?.into_py_any(py)
}

fn loaded(py: Python<'_>, found: Result<Option<SessionData>, LoadFailure>) -> PyResult<Py<PyAny>> {
    found
        .map_err(|e| e.into_pyerr(py))?
        .map(|v| PySessionData::from_value(py, v))
        .into_py_any(py)
}

async fn sorted_ids(store: &FileSessionStore) -> anyhow::Result<Vec<String>> {
    let mut ids = store.list().await?;
    ids.sort();
    Ok(ids)
}

impl PyFileSessionStore {
    fn run<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = anyhow::Result<T>> + Send,
        T: Send,
    {
        block_on(py, fut)?.map_err(store_error)
    }

    /// The crate's store and a copy of the session to write, taken with the interpreter released.
    fn to_write(
        &self,
        py: Python<'_>,
        session: &Bound<'_, PySessionData>,
    ) -> PyResult<(Arc<FileSessionStore>, SessionData)> {
        let value = with_value(py, session.get(), true, |value: &SessionData| value.clone())?;
        Ok((self.store.clone(), value))
    }

    fn turn(&self, id: &str) -> a3s_session_binding::runtime::Turn {
        take_turn(self.dir.join(id))
    }
}

#[pymethods]
impl PyFileSessionStore {
    /// Open (and create if needed) a store directory, exactly as A3S Code 3.0.0 lays it out:
    /// one pretty-printed `<safe id>.json` per session.
    #[new]
    fn new(py: Python<'_>, dir: PathBuf) -> PyResult<Self> {
        let store = block_on(py, FileSessionStore::new(dir.clone()))?.map_err(store_error)?;
        Ok(Self {
            store: Arc::new(store),
            dir,
        })
    }

    /// `FileSessionStore(dir)` without blocking the event loop (it creates the directory).
    #[classmethod]
    fn open_async<'py>(
        _cls: &Bound<'py, PyType>,
        py: Python<'py>,
        dir: PathBuf,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = dir.clone();
        awaitable(
            py,
            async move { FileSessionStore::new(target).await },
            move |py, opened| {
                let store = opened.map_err(store_error)?;
                Self {
                    store: Arc::new(store),
                    dir,
                }
                .into_py_any(py)
            },
        )
    }

    /// The store directory.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Write a session atomically (temp file, fsync, rename) with the crate's store. Writes
    /// of one session run in the order they were called.
    fn save(&self, py: Python<'_>, session: &Bound<'_, PySessionData>) -> PyResult<()> {
        let rt = runtime()?;
        let store = &self.store;
        let dir = &self.dir;
        with_value(py, session.get(), true, |value: &SessionData| {
            let mut turn = take_turn(dir.join(&value.id));
            rt.block_on(async {
                turn.wait().await;
                store.save(value).await
            })
        })?
        .map_err(store_error)
    }

    /// `save` as an asyncio future. The session is copied when called, so later changes to
    /// it are not written; cancelling the await does not stop the write.
    fn save_async<'py>(
        &self,
        py: Python<'py>,
        session: &Bound<'py, PySessionData>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (store, value) = self.to_write(py, session)?;
        let mut turn = self.turn(&value.id);
        let work = async move {
            turn.wait().await;
            store.save(&value).await
        };
        awaitable(py, work, none)
    }

    /// The session with this id, or None when there is no such file. A corrupt, empty or
    /// truncated file raises SessionFormatError.
    fn load(&self, py: Python<'_>, id: &str) -> PyResult<Option<PySessionData>> {
        let found = block_on(py, async {
            Ok::<_, anyhow::Error>(load(&self.store, id).await)
        })?
        .map_err(store_error)?;
        Ok(found
            .map_err(|e| e.into_pyerr(py))?
            .map(|v| PySessionData::from_value(py, v)))
    }

    /// `load` as an asyncio future.
    fn load_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.clone();
        awaitable(py, async move { load(&store, &id).await }, loaded)
    }

    /// Remove the session file and its side files (artifacts, traces, verification, runs).
    fn delete(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        let mut turn = self.turn(id);
        self.run(py, async {
            turn.wait().await;
            self.store.delete(id).await
        })
    }

    /// `delete` as an asyncio future.
    fn delete_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let (store, mut turn) = (self.store.clone(), self.turn(&id));
        let work = async move {
            turn.wait().await;
            store.delete(&id).await
        };
        awaitable(py, work, none)
    }

    fn exists(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        self.run(py, self.store.exists(id))
    }

    /// `exists` as an asyncio future.
    fn exists_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.clone();
        awaitable(py, async move { store.exists(&id).await }, plain)
    }

    /// Ids (file stems) of the sessions in the store, sorted.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, sorted_ids(&self.store))
    }

    /// `list` as an asyncio future.
    fn list_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.clone();
        awaitable(py, async move { sorted_ids(&store).await }, plain)
    }

    /// Raise OSError unless the directory is writable.
    fn health_check(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, self.store.health_check())
    }

    /// `health_check` as an asyncio future.
    fn health_check_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.clone();
        awaitable(py, async move { store.health_check().await }, none)
    }

    fn __repr__(&self) -> String {
        format!("FileSessionStore({:?})", self.dir.display().to_string())
    }
}

/// The crate reported a parse failure; parse the same file with the same serde impl to
/// recover the field path, line and column for the Python exception.
fn parse_failure(id: &str, err: &anyhow::Error) -> Error {
    let context = format!("{err}");
    let path = context
        .strip_prefix("Failed to parse session file: ")
        .map(PathBuf::from);
    let detailed = path.and_then(|p| std::fs::read(p).ok()).and_then(|bytes| {
        parse_json_bytes_explained::<SessionData>(&bytes, |_| Ok(()), PySessionData::explain).err()
    });
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
        },
        Some(other) => other,
        None => Error::format(format!("session {id:?}: {err:#}")),
    }
}
