//! `SessionData`, `SessionConfig` and `SessionSnapshotV1` of a3s-code-core 9.1.3
//! (a3s_code_core::store): the 3.0.0 fields plus what 9.x added.

use a3s_code_core::config::AutoDelegationConfig;
use a3s_code_core::config::StorageBackend;
use a3s_code_core::hitl::ConfirmationPolicy;
use a3s_code_core::llm::ToolDefinition;
use a3s_code_core::permissions::PermissionPolicy;
use a3s_code_core::queue::SessionQueueConfig;
use a3s_code_core::run::RunRecord;
use a3s_code_core::security::SecurityConfig;
use a3s_code_core::session_review::SessionReviewStoreV1;
use a3s_code_core::store::{
    ContextUsage, SessionConfig, SessionData, SessionFactSourceV1, SessionSnapshotV1, SessionState,
};
use a3s_code_core::subagent_task_tracker::SubagentTaskSnapshot;
use a3s_code_core::tools::{
    ImmutableContentAdapterBindingV1, ToolArtifact, ToolPresentationProfileV1,
    ToolResultTransformPolicyV1,
};
use a3s_code_core::trace::TraceEvent;
use a3s_code_core::verification::VerificationReport;
use a3s_code_core::CognitivePackageBindingV1;
use a3s_code_core::DurableMemoryBindingV1;
use a3s_code_core::PlanningMode;
use pyo3::prelude::*;

use a3s_session_binding::json::from_python;
use a3s_session_binding::views::{ListOfNodes, Obj, OptObj, StrList};

use crate::content::PyTokenUsage;
use crate::message::PyMessage;
use crate::records::{PyContextUsage, PyLlmConfigData};
use crate::records::{PyLlmCostRecord, PyTask};

table! {
    /// A persisted A3S Code session: the crate's `SessionData`.
    class PySessionData("SessionData") wraps SessionData, detach = true;
    pattern = SessionData;
    admit(_v) = Ok(());
    seed = new_session_data();
    required = ["id"];
    repr = ["id", "state", "model_name", "messages"];
    // `ConfirmationPolicy.yolo_lanes` is a HashSet: written in random order.
    sets = [["config", "confirmation_policy", "yolo_lanes"]];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["config", "id", "state", "total_cost", "model_name", "thinking_enabled", "thinking_budget", "created_at", "updated_at", "parent_id", "tenant_id", "principal", "agent_template_id", "correlation_id"];
    scalars {
        durable_source: Option<SessionFactSourceV1> => json,
        id: String,
        state: SessionState => enumeration("SessionState"),
        total_cost: f64,
        model_name: Option<String>,
        thinking_enabled: bool,
        thinking_budget: Option<usize>,
        created_at: i64,
        updated_at: i64,
        parent_id: Option<String>,
        tenant_id: Option<String>,
        principal: Option<String>,
        agent_template_id: Option<String>,
        correlation_id: Option<String>,
        durable_memory_binding: Option<DurableMemoryBindingV1> => json,
        cognitive_package_binding: Option<CognitivePackageBindingV1> => json,
        immutable_content_adapter_binding: Option<ImmutableContentAdapterBindingV1> => json,
    }
    views {
        config: Obj<PySessionConfig>,
        messages: ListOfNodes<PyMessage>,
        context_usage: Obj<PyContextUsage>,
        total_usage: Obj<PyTokenUsage>,
        cost_records: ListOfNodes<PyLlmCostRecord>,
        tool_names: StrList,
        llm_config: OptObj<PyLlmConfigData>,
        tasks: ListOfNodes<PyTask>,
    }
    extra {
    /// The crate's `SessionData::tool_names_from_definitions`: the names of tool definitions
    /// given as dicts `{"name", "description", "parameters"}`.
    #[staticmethod]
    fn tool_names_from_definitions(py: Python<'_>, tools: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let _ = py;
        let defs: Vec<ToolDefinition> = from_python(tools)?;
        Ok(SessionData::tool_names_from_definitions(&defs))
    }
}
}

/// The crate has no `Default` for `SessionData`; a new session starts from the crate's
/// defaults of each field's type, stamped now.
fn new_session_data() -> SessionData {
    let now = chrono::Utc::now().timestamp();
    SessionData {
        durable_source: None,
        id: String::new(),
        config: SessionConfig::default(),
        state: SessionState::default(),
        messages: Vec::new(),
        context_usage: ContextUsage::default(),
        total_usage: Default::default(),
        total_cost: 0.0,
        model_name: None,
        cost_records: Vec::new(),
        tool_names: Vec::new(),
        thinking_enabled: false,
        thinking_budget: None,
        created_at: now,
        updated_at: now,
        llm_config: None,
        tasks: Vec::new(),
        parent_id: None,
        tenant_id: None,
        principal: None,
        agent_template_id: None,
        correlation_id: None,
        durable_memory_binding: None,
        cognitive_package_binding: None,
        immutable_content_adapter_binding: None,
    }
}

table! {
    /// Session configuration: the crate's `SessionConfig`. `SessionConfig()` equals the
    /// crate's `Default` (whose `tool_result_transform_policy` is `context_bounded`; a
    /// document without the field reads as `conservative`, the crate's serde default). Policy fields read as dicts (a copy; assign to change them) and
    /// are validated by the crate on assignment.
    class PySessionConfig("SessionConfig") wraps SessionConfig, detach = false;
    pattern = SessionConfig;
    admit(_v) = Ok(());
    seed = SessionConfig::default();
    required = [];
    repr = ["name", "workspace", "planning_mode"];
    sets = [["confirmation_policy", "yolo_lanes"]];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["name", "workspace", "max_context_length", "auto_compact", "auto_compact_threshold", "storage_type", "parent_id"];
    scalars {
        name: String,
        workspace: String,
        system_prompt: Option<String>,
        max_context_length: u32,
        auto_compact: bool,
        auto_compact_threshold: f32,
        storage_type: StorageBackend => enumeration("StorageBackend"),
        queue_config: Option<SessionQueueConfig> => json,
        confirmation_policy: Option<ConfirmationPolicy> => json,
        permission_policy: Option<PermissionPolicy> => json,
        enforce_active_skill_tool_restrictions: bool,
        max_parallel_tasks: Option<usize>,
        auto_delegation: Option<AutoDelegationConfig> => json,
        parent_id: Option<String>,
        security_config: Option<SecurityConfig> => json,
        planning_mode: PlanningMode => enumeration("PlanningMode"),
        goal_tracking: bool,
        tool_presentation_profile: ToolPresentationProfileV1 => json,
        tool_result_transform_policy: ToolResultTransformPolicyV1 => json,
    }
    views {}
}

table! {
    /// The persistence envelope of today's A3S Code (`v1/sessions/id_<b64>.json`): the
    /// session, typed, and the runtime records of the same save generation, as the plain
    /// JSON values the crate validates (assign a list of dicts to change them).
    class PySessionSnapshotV1("SessionSnapshotV1") wraps SessionSnapshotV1, detach = true;
    pattern = SessionSnapshotV1;
    admit(_v) = Ok(());
    seed = SessionSnapshotV1::session_only(new_session_data());
    required = ["session"];
    repr = ["schema_version", "session"];
    sets = [["session", "config", "confirmation_policy", "yolo_lanes"]];
    scalars {
        schema_version: u32,
        artifacts: Vec<ToolArtifact> => json,
        trace_events: Vec<TraceEvent> => json,
        run_records: Vec<RunRecord> => json,
        verification_reports: Vec<VerificationReport> => json,
        subagent_tasks: Vec<SubagentTaskSnapshot> => json,
        session_review: Option<SessionReviewStoreV1> => json,
    }
    views {
        session: Obj<PySessionData>,
        retained_artifact_uris: StrList,
    }
    extra {
    /// A snapshot holding only `session`, with the schema version the crate picks for it
    /// (`SessionSnapshotV1::session_only`).
    #[staticmethod]
    fn session_only(py: Python<'_>, session: &Bound<'_, PySessionData>) -> PyResult<Self> {
        let data = a3s_session_binding::record::snapshot(py, session.get())?;
        Ok(Self::from_value(py, SessionSnapshotV1::session_only(data)))
    }

    /// The crate's content digest of this snapshot (`snapshot_content_digest`), what
    /// `FileSessionStore.save_snapshot_cas` compares.
    fn content_digest(&self, py: Python<'_>) -> PyResult<String> {
        let digest = a3s_session_binding::record::with_value(py, self, false, |v| {
            a3s_code_core::store::snapshot_content_digest(v).map_err(|e| format!("{e:#}"))
        })?;
        digest.map_err(|e| a3s_session_binding::error::Error::format(e).into_pyerr(py))
    }

    /// The crate's own check that this snapshot can be loaded (`ensure_loadable`: schema
    /// version, durable source), raising SessionFormatError with the crate's reason.
    fn ensure_loadable(&self, py: Python<'_>) -> PyResult<()> {
        let checked = a3s_session_binding::record::with_value(py, self, false, |v| {
            v.ensure_loadable().map_err(|e| format!("{e:#}"))
        })?;
        checked.map_err(|e| a3s_session_binding::error::Error::format(e).into_pyerr(py))
    }
}
}
