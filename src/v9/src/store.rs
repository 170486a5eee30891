//! `FileSessionStore` of a3s-code-core 9.1.3: the crate's own store (snapshot envelopes under
//! `v1/sessions/`, write-ahead log, compare-and-swap saves, optional AES-256-GCM at rest),
//! driven from Rust with the interpreter released. Every byte on disk is written by the crate.

use std::path::PathBuf;
use std::sync::Arc;

use a3s_code_core::store::{
    FileSessionStore, SessionData, SessionSnapshotV1, SessionStore, SessionStoreAtRestCipher,
};
use a3s_session_binding::error::Error;
use a3s_session_binding::json::parse_json_explained;
use a3s_session_binding::record::{with_value, Node};
use a3s_session_binding::runtime::{awaitable, block_on, runtime, store_error, take_turn, Turn};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;

use crate::session::{PySessionData, PySessionSnapshotV1};

/// Each operation has a blocking form (the interpreter released while it runs) and an
/// `*_async` twin returning an asyncio future of the running loop, run on the extension's
/// store runtime; cancelling it never cuts a write short (see `runtime::awaitable`).
#[pyclass(frozen, module = "a3s_session.v9", name = "FileSessionStore")]
pub struct PyFileSessionStore {
    store: Arc<FileSessionStore>,
    dir: PathBuf,
    encrypted: bool,
    /// The same key as the crate's store holds, to tell whether a sealed file is this
    /// store's before a write replaces it (never exposed).
    cipher: Option<SessionStoreAtRestCipher>,
}

/// A failure of the crate's store as a Python exception. A document the crate cannot parse
/// is a SessionFormatError; a sealed file opened without the key (or with a wrong one) is
/// a ValueError saying so; I/O errors keep their kind. The crate's store reports all of
/// these through `anyhow` only, so the parse case is told by its root cause and the key
/// cases by the crate's wording.
fn failure(py: Python<'_>, err: anyhow::Error) -> PyErr {
    if let Some(json) = err.root_cause().downcast_ref::<serde_json::Error>() {
        let (line, column) = (json.line(), json.column());
        let (path, cause) = field_path(&err, json).unwrap_or_default();
        return Error::Format {
            msg: format!("{err:#}{cause}"),
            line: (line > 0).then_some(line),
            column: (line > 0).then_some(column),
            path,
        }
        .into_pyerr(py);
    }
    let text = format!("{err:#}");
    if text.contains("without an at-rest encryption key") || text.contains("decryption failed") {
        return PyValueError::new_err(text);
    }
    store_error(err)
}

/// The field path of a document the crate's store rejected, which the crate reports without
/// one. The store reads a file into a `serde_json::Value` and deserializes from that (keys in
/// sorted order, as `Value` keeps them), so the same value is written out and read again,
/// with the class tables locating errors inside enums; the path is kept only when that read
/// fails with the crate's own message (and then the cause an untagged enum's message leaves
/// out, as `": cause"`). A sealed file (its text is not the JSON) gives none.
fn field_path(err: &anyhow::Error, json: &serde_json::Error) -> Option<(String, String)> {
    let (file, snapshot) = err.chain().find_map(|cause| {
        let text = cause.to_string();
        if let Some(p) = text.strip_prefix("Failed to parse session snapshot: ") {
            Some((PathBuf::from(p), true))
        } else {
            let p = text.strip_prefix("Failed to parse legacy session file: ")?;
            Some((PathBuf::from(p), false))
        }
    })?;
    let value: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    let text = serde_json::to_string(&value).ok()?;
    let again = if snapshot {
        parse_json_explained::<SessionSnapshotV1>(&text, |_| Ok(()), PySessionSnapshotV1::explain)
            .err()
    } else {
        parse_json_explained::<SessionData>(&text, |_| Ok(()), PySessionData::explain).err()
    };
    let Error::Format { msg, path, .. } = again? else {
        return None;
    };
    let cause = msg.strip_prefix(&message_of(json))?;
    (cause.is_empty() || cause.starts_with(": ")).then(|| (path, cause.to_owned()))
}

/// serde_json's message without the position it appends.
fn message_of(json: &serde_json::Error) -> String {
    let text = json.to_string();
    match text.rfind(" at line ") {
        Some(i) if json.line() > 0 => text[..i].to_owned(),
        _ => text,
    }
}

/// The ways an async twin's output becomes its result.
fn none(py: Python<'_>, done: anyhow::Result<()>) -> PyResult<Py<PyAny>> {
    done.map_err(|e| failure(py, e))?;
    Ok(py.None())
}

fn plain<T: for<'py> IntoPyObject<'py>>(
    py: Python<'_>,
    done: anyhow::Result<T>,
) -> PyResult<Py<PyAny>> {
    done.map_err(|e| failure(py, e))?.into_py_any(py)
}

fn session(py: Python<'_>, found: anyhow::Result<Option<SessionData>>) -> PyResult<Py<PyAny>> {
    found
        .map_err(|e| failure(py, e))?
        .map(|v| PySessionData::from_value(py, v))
        .into_py_any(py)
}

fn snapshot(
    py: Python<'_>,
    found: anyhow::Result<Option<SessionSnapshotV1>>,
) -> PyResult<Py<PyAny>> {
    found
        .map_err(|e| failure(py, e))?
        .map(|v| PySessionSnapshotV1::from_value(py, v))
        .into_py_any(py)
}

async fn sorted_ids(store: &FileSessionStore) -> anyhow::Result<Vec<String>> {
    let mut ids = store.list().await?;
    ids.sort();
    Ok(ids)
}

/// The key of a key: 32 bytes (AES-256).
fn at_rest_key(encryption_key: Option<&[u8]>) -> PyResult<Option<[u8; 32]>> {
    encryption_key
        .map(|k| {
            k.try_into().map_err(|_| {
                PyValueError::new_err(format!(
                    "encryption_key must be 32 bytes (AES-256), got {}",
                    k.len()
                ))
            })
        })
        .transpose()
}

/// Open as the constructor's arguments say.
async fn open(
    dir: PathBuf,
    key: Option<[u8; 32]>,
    recover_corrupt_wal: bool,
) -> anyhow::Result<FileSessionStore> {
    match (key, recover_corrupt_wal) {
        (Some(key), _) => FileSessionStore::with_encryption_key(dir, &key).await,
        (None, true) => FileSessionStore::new_recovering_corrupt_wal(dir).await,
        (None, false) => FileSessionStore::new(dir).await,
    }
}

fn cipher_of(key: &Option<[u8; 32]>) -> PyResult<Option<SessionStoreAtRestCipher>> {
    key.as_ref()
        .map(SessionStoreAtRestCipher::new)
        .transpose()
        .map_err(|e| PyValueError::new_err(format!("{e:#}")))
}

fn check_open_options(key: &Option<[u8; 32]>, recover_corrupt_wal: bool) -> PyResult<()> {
    if key.is_some() && recover_corrupt_wal {
        // The crate's recovering constructor opens plaintext stores only.
        return Err(PyValueError::new_err(
            "recover_corrupt_wal opens plaintext stores only (the crate has no recovering \
             constructor with a key)",
        ));
    }
    Ok(())
}

impl PyFileSessionStore {
    fn run<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = anyhow::Result<T>> + Send,
        T: Send,
    {
        block_on(py, fut)?.map_err(|e| failure(py, e))
    }

    fn turn(&self, id: &str) -> Turn {
        take_turn(self.dir.join(id))
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
        let key = at_rest_key(encryption_key)?;
        check_open_options(&key, recover_corrupt_wal)?;
        let store = block_on(py, open(dir.clone(), key, recover_corrupt_wal))?
            .map_err(|e| failure(py, e))?;
        Ok(Self {
            store: Arc::new(store),
            dir,
            encrypted: key.is_some(),
            cipher: cipher_of(&key)?,
        })
    }

    /// The constructor without blocking the event loop (opening creates the directory and
    /// replays the write-ahead log).
    #[classmethod]
    #[pyo3(signature = (dir, *, encryption_key = None, recover_corrupt_wal = false))]
    fn open_async<'py>(
        _cls: &Bound<'py, PyType>,
        py: Python<'py>,
        dir: PathBuf,
        encryption_key: Option<&[u8]>,
        recover_corrupt_wal: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = at_rest_key(encryption_key)?;
        check_open_options(&key, recover_corrupt_wal)?;
        let target = dir.clone();
        let cipher = cipher_of(&key)?;
        awaitable(
            py,
            open(target, key, recover_corrupt_wal),
            move |py, opened| {
                let store = opened.map_err(|e| failure(py, e))?;
                Self {
                    store: Arc::new(store),
                    dir,
                    encrypted: key.is_some(),
                    cipher,
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

    /// Whether documents are sealed at rest.
    #[getter]
    fn encrypted(&self) -> bool {
        self.encrypted
    }

    /// What the file at `path` is to this store: "absent", "plain", "sealed" (sealed, and
    /// this store has no key), "ours" (sealed, and this store's key opens it) or "foreign"
    /// (sealed with another key). Read with the interpreter released.
    fn seal_state(&self, py: Python<'_>, path: PathBuf) -> PyResult<&'static str> {
        let cipher = self.cipher.clone();
        py.detach(move || -> std::io::Result<&'static str> {
            use std::io::Read;
            let mut file = match std::fs::File::open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok("absent"),
                Err(e) => return Err(e),
            };
            let mut head = [0u8; 64];
            let n = file.read(&mut head)?;
            if !SessionStoreAtRestCipher::is_sealed(&head[..n]) {
                return Ok("plain");
            }
            let Some(cipher) = cipher else {
                return Ok("sealed");
            };
            let mut bytes = head[..n].to_vec();
            file.read_to_end(&mut bytes)?;
            Ok(if cipher.open(&bytes).is_ok() {
                "ours"
            } else {
                "foreign"
            })
        })
        .map_err(PyErr::from)
    }

    /// Save a session with the crate's legacy-fragment API: an existing snapshot keeps its
    /// other records and gets this session; otherwise the crate writes the session alone.
    /// Writes of one session run in the order they were called.
    fn save(&self, py: Python<'_>, session: &Bound<'_, PySessionData>) -> PyResult<()> {
        let rt = runtime()?;
        let store = &self.store;
        let done = with_value(py, session.get(), true, |value: &SessionData| {
            let mut turn = self.turn(&value.id);
            rt.block_on(async {
                turn.wait().await;
                store.save(value).await
            })
        })?;
        done.map_err(|e| failure(py, e))
    }

    /// `save` as an asyncio future. The session is copied when called, so later changes to
    /// it are not written; cancelling the await does not stop the write.
    fn save_async<'py>(
        &self,
        py: Python<'py>,
        session: &Bound<'py, PySessionData>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = with_value(py, session.get(), true, |value: &SessionData| value.clone())?;
        let (store, mut turn) = (self.store.clone(), self.turn(&value.id));
        let work = async move {
            turn.wait().await;
            store.save(&value).await
        };
        awaitable(py, work, none)
    }

    /// The session with this id (from its snapshot or a legacy file), or None.
    fn load(&self, py: Python<'_>, id: &str) -> PyResult<Option<PySessionData>> {
        Ok(self
            .run(py, self.store.load(id))?
            .map(|v| PySessionData::from_value(py, v)))
    }

    /// `load` as an asyncio future.
    fn load_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.clone();
        awaitable(py, async move { store.load(&id).await }, session)
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
            let mut turn = self.turn(&value.session.id);
            rt.block_on(async {
                turn.wait().await;
                store.save_snapshot(value).await
            })
        })?;
        done.map_err(|e| failure(py, e))
    }

    /// `save_snapshot` as an asyncio future (the snapshot is copied when called).
    fn save_snapshot_async<'py>(
        &self,
        py: Python<'py>,
        snapshot: &Bound<'py, PySessionSnapshotV1>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = with_value(py, snapshot.get(), true, |value: &SessionSnapshotV1| {
            value.clone()
        })?;
        let (store, mut turn) = (self.store.clone(), self.turn(&value.session.id));
        let work = async move {
            turn.wait().await;
            store.save_snapshot(&value).await
        };
        awaitable(py, work, none)
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
            let mut turn = self.turn(&value.session.id);
            rt.block_on(async {
                turn.wait().await;
                store
                    .save_snapshot_cas(value, expected_digest.as_deref())
                    .await
            })
        })?;
        done.map_err(|e| failure(py, e))
    }

    /// `save_snapshot_cas` as an asyncio future of whether it committed.
    #[pyo3(signature = (snapshot, expected_digest))]
    fn save_snapshot_cas_async<'py>(
        &self,
        py: Python<'py>,
        snapshot: &Bound<'py, PySessionSnapshotV1>,
        expected_digest: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = with_value(py, snapshot.get(), true, |value: &SessionSnapshotV1| {
            value.clone()
        })?;
        let (store, mut turn) = (self.store.clone(), self.turn(&value.session.id));
        let work = async move {
            turn.wait().await;
            store
                .save_snapshot_cas(&value, expected_digest.as_deref())
                .await
        };
        awaitable(py, work, plain)
    }

    /// The snapshot with this id, or None.
    fn load_snapshot(&self, py: Python<'_>, id: &str) -> PyResult<Option<PySessionSnapshotV1>> {
        Ok(self
            .run(py, self.store.load_snapshot(id))?
            .map(|v| PySessionSnapshotV1::from_value(py, v)))
    }

    /// `load_snapshot` as an asyncio future.
    fn load_snapshot_async<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let store = self.store.clone();
        awaitable(py, async move { store.load_snapshot(&id).await }, snapshot)
    }

    /// Remove the session and its side files.
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

    /// Ids of the sessions in the store (snapshots and legacy files), sorted.
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
        let key = if self.encrypted { ", encrypted" } else { "" };
        format!(
            "FileSessionStore({:?}{key})",
            self.dir.display().to_string()
        )
    }
}
