//! A 9.1.3 session's durable fact log: where the crate keeps it, what it holds, and how a
//! conversation written in Python becomes part of it.
//!
//! A3S Code 9.1.3 rebuilds a session's conversation from this log on resume and re-derives
//! `SessionData.messages` from it on save, so `messages` alone never reaches the agent. Every
//! step here goes through the crate: its folder rules (`session_folder`), its thread naming,
//! its `a3s_effect::FileLog`, its history import (`FactRun::seed_history`) and its own turn
//! (`FactRun::user_text`) with a model that answers what Python wrote. Nothing here writes a
//! fact by hand.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use a3s_code_core::execution_identity::ExecutionIdentityV1;
use a3s_code_core::fact_control::{thread_for_session, FactRun};
use a3s_code_core::llm::{LlmClient, LlmResponse, Message, StreamEvent, ToolDefinition};
use a3s_code_core::permissions::PermissionPolicy;
use a3s_code_core::session_folder;
use a3s_code_core::store::SessionData;
use a3s_code_core::tools::ToolExecutor;
use a3s_effect::{FileLog, LogStore};
use a3s_session_binding::runtime::runtime;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The directory the crate opens this session's log in (a session folder with its
/// `session.json`, else the legacy `effect-log/`), and the log's thread (file stem).
#[pyfunction]
pub fn fact_log_location(workspace: PathBuf, session_id: &str) -> (PathBuf, String) {
    (
        session_folder::effect_log_dir(&workspace, session_id),
        thread_for_session(session_id),
    )
}

/// The session's facts as a JSON array (the crate's `Fact` serialization), or None when the
/// workspace holds no log for it. Reading never creates anything.
#[pyfunction]
pub fn read_fact_log(
    py: Python<'_>,
    workspace: PathBuf,
    session_id: &str,
) -> PyResult<Option<String>> {
    py.detach(|| read_facts(&workspace, session_id))
        .map_err(|e| PyValueError::new_err(format!("{e:#}")))?
        .map(|facts| {
            serde_json::to_string(&facts).map_err(|e| PyValueError::new_err(e.to_string()))
        })
        .transpose()
}

fn read_facts(workspace: &Path, session_id: &str) -> anyhow::Result<Option<Vec<a3s_effect::Fact>>> {
    let dir = session_folder::effect_log_dir(workspace, session_id);
    let thread = thread_for_session(session_id);
    // FileLog::open creates its directory; a read must not.
    if !dir.join(format!("{thread}.jsonl")).try_exists()? {
        return Ok(None);
    }
    let log = FileLog::open(&dir).map_err(|e| anyhow::anyhow!("durable session source: {e}"))?;
    let facts = log
        .read(&thread)
        .map_err(|e| anyhow::anyhow!("durable session source: {e}"))?;
    Ok(Some(facts))
}

/// Check a session's `durable_source` binding against its log: the binding must be valid
/// (the crate's `validate`), name a fact the log still has, and the log up to that fact must
/// have the identity saved (the crate's `ExecutionIdentityV1::derive` over the same
/// `(session id, facts)` prefix). None when it holds or the session has no binding; else the
/// reason, worded as the crate words it on resume.
#[pyfunction]
pub fn check_durable_source(
    py: Python<'_>,
    session_json: &str,
    workspace: PathBuf,
) -> PyResult<Option<String>> {
    let data: SessionData =
        serde_json::from_str(session_json).map_err(|e| PyValueError::new_err(e.to_string()))?;
    py.detach(|| {
        let Some(source) = &data.durable_source else {
            return Ok(None);
        };
        if let Err(e) = source.validate() {
            return Ok(Some(format!("durable session source: {e}")));
        }
        let facts = read_facts(&workspace, &data.id)?.unwrap_or_default();
        let Some(index) = facts.iter().position(|f| f.seq == source.sequence) else {
            return Ok(Some("durable session source: durable session fact source is missing".into()));
        };
        let identity = ExecutionIdentityV1::derive(
            source.identity.domain.clone(),
            &(&data.id, &facts[..=index]),
        )?;
        Ok(if identity == source.identity {
            None
        } else {
            Some("durable session source: durable session fact source differs from the saved binding".into())
        })
    })
    .map_err(|e: anyhow::Error| PyValueError::new_err(format!("{e:#}")))
}

/// A model that answers each request with the next reply Python wrote: the crate runs its
/// own turn around it, so the facts it records are the ones a live turn records.
struct Replies {
    replies: parking_lot::Mutex<std::collections::VecDeque<String>>,
}

impl Replies {
    fn next(&self) -> anyhow::Result<LlmResponse> {
        let text = self.replies.lock().pop_front().ok_or_else(|| {
            anyhow::anyhow!("the crate asked for more model replies than were written")
        })?;
        Ok(LlmResponse {
            message: Message::assistant(&text),
            usage: Default::default(),
            stop_reason: Some("end_turn".into()),
            token_logprobs: Vec::new(),
            meta: None,
        })
    }
}

#[async_trait::async_trait]
impl LlmClient for Replies {
    async fn complete(
        &self,
        _messages: &[Message],
        _system: Option<&str>,
        _tools: &[ToolDefinition],
    ) -> anyhow::Result<LlmResponse> {
        self.next()
    }

    async fn complete_streaming(
        &self,
        _messages: &[Message],
        _system: Option<&str>,
        _tools: &[ToolDefinition],
        _cancel: tokio_util::sync::CancellationToken,
    ) -> anyhow::Result<tokio::sync::mpsc::Receiver<StreamEvent>> {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let response = self.next()?;
        tx.send(StreamEvent::Done(response))
            .await
            .map_err(|_| anyhow::anyhow!("stream closed"))?;
        Ok(rx)
    }
}

/// What one hand-back did: facts in the log before and after, and whether the crate's
/// history import took the conversation (it imports only into a log with no conversation).
#[pyclass(frozen, module = "a3s_session.v9", name = "_HandBack")]
pub struct HandBack {
    #[pyo3(get)]
    before: usize,
    #[pyo3(get)]
    after: usize,
    #[pyo3(get)]
    seeded: bool,
    #[pyo3(get)]
    log_dir: PathBuf,
}

/// Carry a conversation into the session's log with the crate's own functions.
///
/// `seed` (JSON array of messages): the crate's history import, which records them only when
/// the log has no conversation yet (a fresh session). `turns` (JSON array of
/// `[user_text, assistant_text]`): one crate turn each, the prompt `user_text` and a model
/// answering `assistant_text`. Placement is the crate's (`prepare_session_home`).
#[pyfunction]
#[pyo3(signature = (workspace, session_id, *, seed = None, turns = None))]
pub fn hand_back(
    py: Python<'_>,
    workspace: PathBuf,
    session_id: String,
    seed: Option<String>,
    turns: Option<String>,
) -> PyResult<HandBack> {
    let seed: Option<Vec<Message>> = seed
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let turns: Vec<(String, String)> = turns
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .unwrap_or_default();
    let rt = runtime()?;
    py.detach(|| rt.block_on(carry(workspace, session_id, seed, turns)))
        .map_err(|e| PyValueError::new_err(format!("{e:#}")))
}

async fn carry(
    workspace: PathBuf,
    session_id: String,
    seed: Option<Vec<Message>>,
    turns: Vec<(String, String)>,
) -> anyhow::Result<HandBack> {
    session_folder::prepare_session_home(&workspace, &session_id)?;
    let replies = Arc::new(Replies {
        replies: parking_lot::Mutex::new(turns.iter().map(|(_, reply)| reply.clone()).collect()),
    });
    let executor = Arc::new(ToolExecutor::new(workspace.to_string_lossy().into_owned()));
    let run = FactRun::open_session(
        &workspace,
        &session_id,
        replies,
        executor,
        PermissionPolicy::default(),
        &[],
        // One model answer per turn; no tool rounds are taken.
        1,
    )?;
    let before = run.read_facts()?.len();
    let mut seeded = false;
    if let Some(history) = seed {
        run.seed_history(&history)?;
        seeded = run.read_facts()?.len() > before;
    }
    for (prompt, _) in &turns {
        run.user_text(prompt).await?;
    }
    Ok(HandBack {
        before,
        after: run.read_facts()?.len(),
        seeded,
        log_dir: session_folder::effect_log_dir(&workspace, &session_id),
    })
}
