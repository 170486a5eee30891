//! `SessionData`, `SessionConfig`, `ContextUsage`, `LlmConfigData` (a3s_code_core::store).

use a3s_code_core::config::StorageBackend;
use a3s_code_core::hitl::ConfirmationPolicy;
use a3s_code_core::llm::ToolDefinition;
use a3s_code_core::permissions::PermissionPolicy;
use a3s_code_core::queue::SessionQueueConfig;
use a3s_code_core::security::SecurityConfig;
use a3s_code_core::store::{ContextUsage, SessionConfig, SessionData, SessionState};
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
    slots = ["config", "id", "state", "total_cost", "model_name", "thinking_enabled", "thinking_budget", "created_at", "updated_at", "parent_id"];
    scalars {
        id: String,
        state: SessionState => enumeration("SessionState"),
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

table! {
    /// Session configuration: the crate's `SessionConfig`. `SessionConfig()` equals the
    /// crate's `Default`. Policy fields read as dicts (a copy; assign to change them) and
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
        parent_id: Option<String>,
        security_config: Option<SecurityConfig> => json,
        planning_mode: PlanningMode => enumeration("PlanningMode"),
        goal_tracking: bool,
    }
    views {}
}
