//! `SessionData`, `SessionConfig`, `ContextUsage`, `LlmConfigData` (a3s_code_core::store).

use a3s_code_core::config::StorageBackend;
use a3s_code_core::hitl::ConfirmationPolicy;
use a3s_code_core::llm::ToolDefinition;
use a3s_code_core::permissions::PermissionPolicy;
use a3s_code_core::queue::SessionQueueConfig;
use a3s_code_core::security::SecurityConfig;
use a3s_code_core::store::{ContextUsage, LlmConfigData, SessionConfig, SessionData, SessionState};
use a3s_code_core::PlanningMode;
use pyo3::prelude::*;

use crate::convert::{enum_to_py, from_python, ToPyField};
use crate::message::{PyMessage, PyTokenUsage};
use crate::node::node_class;
use crate::task::{PyLlmCostRecord, PyTask};
use crate::views::{ListOfNodes, Obj, OptObj, StrList};

node_class! {
    /// A persisted A3S Code session: the crate's `SessionData`.
    class PySessionData("SessionData") wraps SessionData, detach = true;
    pattern = SessionData;
    admit(_v) = Ok(());
    seed = new_session_data();
    required = ["id"];
    repr = ["id", "state", "model_name", "messages"];
    scalars {
        id: String,
        state: SessionState,
        total_cost: f64,
        model_name: Option<String>,
        thinking_enabled: bool,
        thinking_budget: Option<usize>,
        created_at: i64,
        updated_at: i64,
        parent_id: Option<String>,
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
        let defs: Vec<ToolDefinition> = from_python(py, tools)?;
        Ok(SessionData::tool_names_from_definitions(&defs))
    }
}
}

/// The crate has no `Default` for `SessionData`; a new session starts from the crate's
/// defaults of each field's type, stamped now.
fn new_session_data() -> SessionData {
    let now = chrono::Utc::now().timestamp();
    SessionData {
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
    }
}

node_class! {
    /// Session configuration: the crate's `SessionConfig`. `SessionConfig()` equals the
    /// crate's `Default`. Policy fields read as dicts (a copy; assign to change them) and
    /// are validated by the crate on assignment.
    class PySessionConfig("SessionConfig") wraps SessionConfig, detach = false;
    pattern = SessionConfig;
    admit(_v) = Ok(());
    seed = SessionConfig::default();
    required = [];
    repr = ["name", "workspace", "planning_mode"];
    scalars {
        name: String,
        workspace: String,
        system_prompt: Option<String>,
        max_context_length: u32,
        auto_compact: bool,
        auto_compact_threshold: f32,
        storage_type: StorageBackend,
        queue_config: Option<SessionQueueConfig>,
        confirmation_policy: Option<ConfirmationPolicy>,
        permission_policy: Option<PermissionPolicy>,
        parent_id: Option<String>,
        security_config: Option<SecurityConfig>,
        planning_mode: PlanningMode,
        goal_tracking: bool,
    }
    views {}
}

node_class! {
    /// Context window usage; `percent` is an f32 in the crate.
    class PyContextUsage("ContextUsage") wraps ContextUsage, detach = false;
    pattern = ContextUsage;
    admit(_v) = Ok(());
    seed = ContextUsage::default();
    required = [];
    repr = ["used_tokens", "max_tokens", "percent", "turns"];
    scalars { used_tokens: usize, max_tokens: usize, percent: f32, turns: usize }
    views {}
}

node_class! {
    /// Per-session LLM client settings. `api_key` is read from input and can be set, but the
    /// crate never writes it: not in `to_json`, `to_dict`, pickle, nor `repr`.
    class PyLlmConfigData("LlmConfigData") wraps LlmConfigData, detach = false;
    pattern = LlmConfigData;
    admit(_v) = Ok(());
    seed = LlmConfigData { provider: String::new(), model: String::new(), api_key: None, base_url: None };
    required = ["provider", "model"];
    repr = ["provider", "model", "api_key", "base_url"];
    scalars { provider: String, model: String, api_key: Option<String>, base_url: Option<String> }
    views {}
}

enum_to_py! {
    SessionState => "SessionState",
    PlanningMode => "PlanningMode",
    StorageBackend => "StorageBackend",
}

/// Policy configs read as plain dicts: exactly what the crate writes for them.
macro_rules! json_dict_to_py {
    ($($t:ty),*) => {$(
        impl ToPyField for $t {
            fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let text = crate::convert::write_json(self, false).map_err(|e| e.into_pyerr(py))?;
                Ok(crate::convert::json_loads(py, &text)?.unbind())
            }
        }
    )*};
}
json_dict_to_py!(
    SessionQueueConfig,
    ConfirmationPolicy,
    PermissionPolicy,
    SecurityConfig
);
