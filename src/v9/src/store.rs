//! `FileSessionStore` of a3s-code-core 9.1.3: the crate's own store (snapshot envelopes under
//! `v1/sessions/`, write-ahead log, compare-and-swap saves, optional AES-256-GCM at rest),
//! driven from Rust with the interpreter released. Every byte on disk is written by the crate.

use std::path::PathBuf;

use a3s_code_core::store::{FileSessionStore, SessionData, SessionSnapshotV1, SessionStore};
use a3s_session_binding::error::Error;
use a3s_session_binding::record::with_value;
use a3s_session_binding::runtime::{block_on, runtime, store_error};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::session::{PySessionData, PySessionSnapshotV1};

#[pyclass(frozen, module = "a3s_session.v9", name = "FileSessionStore")]
pub struct PyFileSessionStore {
    store: FileSessionStore,
    dir: PathBuf,
    encrypted: bool,
}

/// A failure of the crate's store as a Python exception. A document the crate cannot parse
/// is a SessionFormatError; a sealed file opened without the key (or with a wrong one) is
/// a ValueError saying so; I/O errors keep their kind. The crate's store reports all of
/// these through `anyhow` only, so the parse case is told by its root cause and the key
/// cases by the crate's wording.
fn failure(py: Python<'_>, err: anyhow::Error) -> PyErr {
    if let Some(json) = err.root_cause().downcast_ref::<serde_json::Error>() {
        let (line, column) = (json.line(), json.column());
        return Error::Format {
            msg: format!("{err:#}"),
            line: (line > 0).then_some(line),
            column: (line > 0).then_some(column),
            path: String::new(),
        }
        .into_pyerr(py);
    }
    let text = format!("{err:#}");
    if text.contains("without an at-rest encryption key") || text.contains("decryption failed") {
        return PyValueError::new_err(text);
    }
    store_error(err)
}

impl PyFileSessionStore {
    fn run<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = anyhow::Result<T>> + Send,
        T: Send,
    {
        block_on(py, fut)?.map_err(|e| failure(py, e))
    }
}

#[pymethods]
impl PyFileSessionStore {
    /// Open (and create if needed) a store directory as A3S Code 9.1.3 lays it out. With
    /// `encryption_key` (32 bytes) documents are sealed at rest; `recover_corrupt_wal` opens
    /// through the crate's recovering constructor, which quarantines a WAL with conflicting
    /// sequences and reopens from the durable snapshots.
    #[new]
    #[pyo3(signature = (dir, *, encryption_key = None, recover_corrupt_wal = false))]
    fn new(
        py: Python<'_>,
        dir: PathBuf,
        encryption_key: Option<&[u8]>,
        recover_corrupt_wal: bool,
    ) -> PyResult<Self> {
        let key: Option<[u8; 32]> = match encryption_key {
            None => None,
            Some(k) => Some(k.try_into().map_err(|_| {
                PyValueError::new_err(format!(
                    "encryption_key must be 32 bytes (AES-256), got {}",
                    k.len()
                ))
            })?),
        };
        if key.is_some() && recover_corrupt_wal {
            // The crate's recovering constructor opens plaintext stores only.
            return Err(PyValueError::new_err(
                "recover_corrupt_wal opens plaintext stores only (the crate has no recovering \
                 constructor with a key)",
            ));
        }
        let target = dir.clone();
        let store = block_on(py, async move {
            match (key, recover_corrupt_wal) {
                (Some(key), _) => FileSessionStore::with_encryption_key(target, &key).await,
                (None, true) => FileSessionStore::new_recovering_corrupt_wal(target).await,
                (None, false) => FileSessionStore::new(target).await,
            }
        })?
        .map_err(|e| failure(py, e))?;
        Ok(Self {
            store,
            dir,
            encrypted: key.is_some(),
        })
    }

    /// The store directory.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Whether documents are sealed at rest.
    #[getter]
    fn encrypted(&self) -> bool {
        self.encrypted
    }

    /// Save a session with the crate's legacy-fragment API: an existing snapshot keeps its
    /// other records and gets this session; otherwise the crate writes the session alone.
    fn save(&self, py: Python<'_>, session: &Bound<'_, PySessionData>) -> PyResult<()> {
        let rt = runtime()?;
        let store = &self.store;
        let done = with_value(py, session.get(), true, |value: &SessionData| {
            rt.block_on(store.save(value))
        })?;
        done.map_err(|e| failure(py, e))
    }

    /// The session with this id (from its snapshot or a legacy file), or None.
    fn load(&self, py: Python<'_>, id: &str) -> PyResult<Option<PySessionData>> {
        Ok(self
            .run(py, self.store.load(id))?
            .map(PySessionData::from_value))
    }

    /// Commit a whole snapshot atomically (WAL intent, temp file, fsync, rename, commit).
    fn save_snapshot(
        &self,
        py: Python<'_>,
        snapshot: &Bound<'_, PySessionSnapshotV1>,
    ) -> PyResult<()> {
        let rt = runtime()?;
        let store = &self.store;
        let done = with_value(py, snapshot.get(), true, |value: &SessionSnapshotV1| {
            rt.block_on(store.save_snapshot(value))
        })?;
        done.map_err(|e| failure(py, e))
    }

    /// Commit only if the stored snapshot's content digest is `expected_digest` (None:
    /// commit unconditionally). Returns whether it committed.
    #[pyo3(signature = (snapshot, expected_digest))]
    fn save_snapshot_cas(
        &self,
        py: Python<'_>,
        snapshot: &Bound<'_, PySessionSnapshotV1>,
        expected_digest: Option<String>,
    ) -> PyResult<bool> {
        let rt = runtime()?;
        let store = &self.store;
        let done = with_value(py, snapshot.get(), true, |value: &SessionSnapshotV1| {
            rt.block_on(store.save_snapshot_cas(value, expected_digest.as_deref()))
        })?;
        done.map_err(|e| failure(py, e))
    }

    /// The snapshot with this id, or None.
    fn load_snapshot(&self, py: Python<'_>, id: &str) -> PyResult<Option<PySessionSnapshotV1>> {
        Ok(self
            .run(py, self.store.load_snapshot(id))?
            .map(PySessionSnapshotV1::from_value))
    }

    /// Remove the session and its side files.
    fn delete(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        self.run(py, self.store.delete(id))
    }

    fn exists(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        self.run(py, self.store.exists(id))
    }

    /// Ids of the sessions in the store (snapshots and legacy files), sorted.
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
        let key = if self.encrypted { ", encrypted" } else { "" };
        format!(
            "FileSessionStore({:?}{key})",
            self.dir.display().to_string()
        )
    }
}
