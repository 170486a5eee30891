//! `Task` (a3s_code_core::planning) and `LlmCostRecord` (a3s_code_core::telemetry).

use a3s_code_core::planning::{Task, TaskPriority, TaskStatus};
use a3s_code_core::telemetry::LlmCostRecord;
use pyo3::prelude::*;

use crate::convert::enum_to_py;
use crate::listview::ElemKind;
use crate::node::node_class;
use crate::views::{coerce_node, Listed, StrList};

node_class! {
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
        status: TaskStatus,
        priority: TaskPriority,
        tool: Option<String>,
        success_criteria: Option<String>,
    }
    views { dependencies: StrList }
}

node_class! {
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

impl Listed for PyTask {
    const KIND: ElemKind = ElemKind::Task;
}
impl Listed for PyLlmCostRecord {
    const KIND: ElemKind = ElemKind::CostRecord;
}

enum_to_py! {
    TaskStatus => "TaskStatus",
    TaskPriority => "TaskPriority",
}

pub(crate) fn coerce_task<'py>(
    py: Python<'py>,
    item: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    coerce_node::<PyTask>(py, item)
}

pub(crate) fn coerce_cost_record<'py>(
    py: Python<'py>,
    item: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    coerce_node::<PyLlmCostRecord>(py, item)
}
