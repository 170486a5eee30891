//! `Task` (a3s_code_core::planning) and `LlmCostRecord` (a3s_code_core::telemetry).

use a3s_code_core::planning::{Task, TaskPriority, TaskStatus};
use a3s_code_core::telemetry::LlmCostRecord;

use a3s_session_binding::record_class;
use a3s_session_binding::views::StrList;

record_class! {
    /// A planned or tracked task. Read from `tasks` (or the old key `todos`).
    class PyTask("Task") in "a3s_session" wraps Task, detach = false;
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

record_class! {
    /// Cost of one LLM call. `timestamp` is the crate's RFC 3339 text (nanoseconds kept);
    /// assign a str or an aware `datetime`.
    class PyLlmCostRecord("LlmCostRecord") in "a3s_session" wraps LlmCostRecord, detach = false;
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
