//! What `a3s-session doctor` and the store's write checks ask of a3s-code-core 9.1.3: whether
//! a session id is one its store can commit, and how far its write-ahead log reads. Every
//! verdict is the crate's (its WAL entry type, its validation, its loader); this module only
//! says where in the file the verdict falls.

use std::path::PathBuf;

use a3s_code_core::store::{FileSessionStoreWal, SessionStoreWalEntryV1, SessionStoreWalPhaseV1};
use pyo3::prelude::*;
use serde::Serialize;

/// A well-formed digest, only to ask the crate about the id beside it.
const ANY_DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// Why the crate's store cannot commit a session with this id (every snapshot commit writes
/// the id into a WAL entry, which the crate validates), or None when it can.
#[pyfunction]
pub fn session_id_problem(id: &str) -> Option<String> {
    SessionStoreWalEntryV1::new(1, id, ANY_DIGEST, SessionStoreWalPhaseV1::Intent, 0)
        .err()
        .map(|e| format!("{e:#}"))
}

/// One line of the WAL file as the crate reads it.
#[derive(Serialize)]
struct Line {
    /// Byte offsets of the line in the file, its newline included when it has one.
    start: usize,
    end: usize,
    /// The crate's reason for rejecting the line (decode or validation), if it does.
    error: Option<String>,
    sequence: Option<u64>,
    session_id: Option<String>,
    committed: Option<bool>,
    snapshot_digest: Option<String>,
}

#[derive(Serialize)]
struct Report {
    size: usize,
    ends_with_newline: bool,
    lines: Vec<Line>,
    /// The crate's verdict on the whole log (`FileSessionStoreWal::load_entries`, what
    /// opening the store runs): None when it loads.
    load_error: Option<String>,
    /// Whether that verdict is the duplicate-sequence case the crate's recovering
    /// constructor quarantines.
    sequence_conflict: bool,
}

fn line_report(start: usize, end: usize, text: &[u8]) -> Line {
    let mut line = Line {
        start,
        end,
        error: None,
        sequence: None,
        session_id: None,
        committed: None,
        snapshot_digest: None,
    };
    let decoded = std::str::from_utf8(text)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .and_then(|t| {
            serde_json::from_str::<SessionStoreWalEntryV1>(t).map_err(anyhow::Error::from)
        })
        .and_then(|entry| entry.validate().map(|()| entry));
    match decoded {
        Ok(entry) => {
            line.sequence = Some(entry.sequence);
            line.committed = Some(entry.phase == SessionStoreWalPhaseV1::Committed);
            line.session_id = Some(entry.session_id);
            line.snapshot_digest = Some(entry.snapshot_digest);
        }
        Err(e) => line.error = Some(format!("{e:#}")),
    }
    line
}

/// The store's WAL (`v1/wal/session-store.ndjson` under `store_dir`) line by line, as JSON;
/// None when there is none. Lines of only whitespace are skipped, as by the crate.
#[pyfunction]
pub fn read_wal(py: Python<'_>, store_dir: PathBuf) -> PyResult<Option<String>> {
    let rt = a3s_session_binding::runtime::runtime()?;
    py.detach(move || -> anyhow::Result<Option<String>> {
        let wal = FileSessionStoreWal::new(&store_dir);
        let bytes = match std::fs::read(wal.path()) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut lines = Vec::new();
        let mut start = 0;
        while start < bytes.len() {
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| start + i + 1);
            let whole = &bytes[start..end];
            let text = whole.strip_suffix(b"\n").unwrap_or(whole);
            if !text.iter().all(u8::is_ascii_whitespace) {
                lines.push(line_report(start, end, text));
            }
            start = end;
        }
        let verdict = rt.block_on(wal.load_entries());
        let (load_error, sequence_conflict) = match verdict {
            Ok(_) => (None, false),
            Err(e) => (
                Some(format!("{e:#}")),
                FileSessionStoreWal::is_sequence_conflict(&e),
            ),
        };
        let report = Report {
            size: bytes.len(),
            ends_with_newline: bytes.last() == Some(&b'\n'),
            lines,
            load_error,
            sequence_conflict,
        };
        Ok(Some(serde_json::to_string(&report)?))
    })
    .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{e:#}")))
}
