//! Migration of a 3.0.0 store (`<dir>/<id>.json` and its side files) into a 9.1.3 store,
//! entirely through the 9.1.3 crate: its legacy reader loads each session and side record,
//! `SessionSnapshotV1::new` assembles the generation, its store commits it.
//!
//! Opening a 9.1.3 store creates `v1/wal/` and restricts the directory's mode, so the crate
//! never opens the source itself: it reads a private staging copy, and the source is only
//! ever read.

use std::path::{Path, PathBuf};

use a3s_code_core::store::{FileSessionStore, SessionSnapshotV1, SessionStore};
use a3s_code_core::tools::ArtifactStore;
use a3s_session_binding::runtime::{block_on, store_error};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What the source holds of a 3.0.0 store: top-level session files and the side folders.
const LEGACY_SIDE_DIRS: &[&str] = &[
    "artifacts",
    "traces",
    "verification",
    "runs",
    "subagent_tasks",
];

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target)?;
        }
        // Symlinks are not followed: a store never needs them, and following one could
        // read outside the source.
    }
    Ok(())
}

/// A staging copy of the legacy part of `src` (never `v1/`, never symlinks).
fn stage(src: &Path, staging: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(staging)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name();
        let is_json = Path::new(&name).extension().is_some_and(|e| e == "json");
        if kind.is_file() && is_json {
            std::fs::copy(entry.path(), staging.join(&name))?;
        } else if kind.is_dir() && LEGACY_SIDE_DIRS.iter().any(|d| name == *d) {
            copy_tree(&entry.path(), &staging.join(&name))?;
        }
    }
    Ok(())
}

struct Outcome {
    migrated: Vec<String>,
    skipped: Vec<(String, String)>,
}

async fn migrate_staged(staging: &Path, dst: &Path) -> anyhow::Result<Outcome> {
    let reader = FileSessionStore::new(staging).await?;
    let writer = FileSessionStore::new(dst).await?;
    let mut out = Outcome {
        migrated: Vec::new(),
        skipped: Vec::new(),
    };
    for id in reader.list().await? {
        let assembled: anyhow::Result<Option<SessionSnapshotV1>> = async {
            let Some(session) = reader.load(&id).await? else {
                return Ok(None);
            };
            let artifacts = reader
                .load_artifacts(&id)
                .await?
                .unwrap_or_else(ArtifactStore::new);
            Ok(Some(SessionSnapshotV1::new(
                session,
                &artifacts,
                reader.load_trace_events(&id).await?.unwrap_or_default(),
                reader.load_run_records(&id).await?.unwrap_or_default(),
                reader
                    .load_verification_reports(&id)
                    .await?
                    .unwrap_or_default(),
                reader.load_subagent_tasks(&id).await?.unwrap_or_default(),
            )))
        }
        .await;
        match assembled {
            Ok(Some(snapshot)) => match writer.save_snapshot(&snapshot).await {
                Ok(()) => out.migrated.push(id),
                Err(e) => out.skipped.push((id, format!("{e:#}"))),
            },
            Ok(None) => out.skipped.push((id, "listed but not loadable".to_owned())),
            Err(e) => out.skipped.push((id, format!("{e:#}"))),
        }
    }
    Ok(out)
}

fn same_or_inside(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a.starts_with(&b) || b.starts_with(&a),
        _ => false,
    }
}

/// Copy every session of the 3.0.0 store `src` (with its traces, runs, verification
/// reports, subagent tasks and artifacts) into the 9.1.3 store `dst`, as one snapshot each.
/// Returns `{"migrated": [ids], "skipped": {id: reason}}`. `src` is never written.
#[pyfunction]
pub fn migrate_legacy_store<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    if !src.is_dir() {
        return Err(PyValueError::new_err(format!(
            "{}: not a directory, expected a 3.0.0 session store",
            src.display()
        )));
    }
    std::fs::create_dir_all(&dst)?;
    if same_or_inside(&src, &dst) {
        return Err(PyValueError::new_err(format!(
            "the destination {} and the source {} overlap: migration never writes into the source",
            dst.display(),
            src.display()
        )));
    }
    let staging = std::env::temp_dir().join(format!(
        "a3s-session-migrate-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let staged = {
        let (src, staging) = (src.clone(), staging.clone());
        py.detach(move || stage(&src, &staging))
    };
    let result = match staged {
        Ok(()) => block_on(py, migrate_staged(&staging, &dst)),
        Err(e) => Ok(Err(anyhow::Error::from(e))),
    };
    let cleanup = staging.clone();
    py.detach(move || std::fs::remove_dir_all(cleanup).ok());
    let outcome = result?.map_err(store_error)?;
    let report = PyDict::new(py);
    report.set_item("migrated", outcome.migrated)?;
    let skipped = PyDict::new(py);
    for (id, reason) in outcome.skipped {
        skipped.set_item(id, reason)?;
    }
    report.set_item("skipped", skipped)?;
    Ok(report)
}
