//! The small records that read the same in every generation: `Task` (planning),
//! `LlmCostRecord` (telemetry), `ContextUsage` and `LlmConfigData` (store). Compiled once per
//! generation crate, against that generation's a3s-code-core.

use a3s_code_core::planning::{Task, TaskPriority, TaskStatus};
use a3s_code_core::store::{ContextUsage, LlmConfigData};
use a3s_code_core::telemetry::LlmCostRecord;

use a3s_session_binding::views::StrList;

table! {
    /// A planned or tracked task. Read from `tasks` (or the old key `todos`).
    class PyTask("Task") wraps Task, detach = false;
    pattern = Task;
    admit(_v) = Ok(());
    seed = Task::new("", "");
    required = ["id", "content"];
    repr = ["id", "status", "content"];
    scalars {
        id: String,
        content: String,
        status: TaskStatus => enumeration("TaskStatus"),
        priority: TaskPriority => enumeration("TaskPriority"),
        tool: Option<String>,
        success_criteria: Option<String>,
    }
    views { dependencies: StrList }
}

table! {
    /// Cost of one LLM call. `timestamp` is the crate's RFC 3339 text (nanoseconds kept);
    /// assign a str or an aware `datetime`.
    class PyLlmCostRecord("LlmCostRecord") wraps LlmCostRecord, detach = false;
    pattern = LlmCostRecord;
    admit(_v) = Ok(());
    seed = LlmCostRecord {
        model: String::new(),
        provider: String::new(),
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        cost_usd: None,
        timestamp: chrono::Utc::now(),
        session_id: None,
    };
    required = ["model", "provider"];
    repr = ["model", "total_tokens", "cost_usd"];
    scalars {
        model: String,
        provider: String,
        prompt_tokens: usize,
        completion_tokens: usize,
        total_tokens: usize,
        cost_usd: Option<f64>,
        timestamp: chrono::DateTime<chrono::Utc>,
        session_id: Option<String>,
    }
    views {}
}

table! {
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

table! {
    /// Per-session LLM client settings. `api_key` is read from input and can be set, but the
    /// crate never writes it: not in `to_json`, `to_dict`, pickle, nor `repr`.
    class PyLlmConfigData("LlmConfigData") wraps LlmConfigData, detach = false;
    pattern = LlmConfigData;
    admit(_v) = Ok(());
    seed = LlmConfigData { provider: String::new(), model: String::new(), api_key: None, base_url: None };
    required = ["provider", "model"];
    repr = ["provider", "model", "api_key", "base_url"];
    // Read from input, never written by the crate: never shown either.
    secrets = ["api_key"];
    scalars { provider: String, model: String, api_key: Option<String>, base_url: Option<String> }
    views {}
}
