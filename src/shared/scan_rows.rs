//! The scan's rows of one session, read the same way in every generation (the crates give
//! these types the same public paths and fields). Compiled once per generation crate; the
//! generation's `scan.rs` adds what only it has (the v1 envelope, 9.x's extra fields).

use a3s_code_core::llm::{ContentBlock, Message, ToolResultContentField};
use a3s_code_core::store::SessionData;
use a3s_session_binding::scan::cells::{Micros, Opt, Req, Seconds, Text, TextList};
use a3s_session_binding::scan::reader::Emit;
use a3s_session_binding::scan::tables::{
    BlockRow, CostRow, MessageRow, RowSink, SessionRow, TableId, TaskRow,
};
use serde::Serialize;

use crate::content::block_tag;

/// What a generation has beyond the fields every generation shares.
#[derive(Default)]
pub struct Extras<'a> {
    pub tenant_id: Option<&'a str>,
    pub principal: Option<&'a str>,
    pub agent_template_id: Option<&'a str>,
    pub correlation_id: Option<&'a str>,
    /// A message's `transcript_visibility`, as the crate writes it.
    pub visibility: Option<fn(&Message) -> String>,
}

/// A unit-variant enum value as the crate writes it (`"Active"`, `"in_progress"`).
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("<{e}>"),
    }
}

/// Characters (what Python's `len` counts) of UTF-8 text.
fn chars(s: &str) -> u64 {
    s.bytes().filter(|&b| (b & 0xC0) != 0x80).count() as u64
}

fn is_tool_use(b: &ContentBlock) -> bool {
    matches!(b, ContentBlock::ToolUse { .. })
}

fn is_tool_error(b: &ContentBlock) -> bool {
    matches!(
        b,
        ContentBlock::ToolResult {
            is_error: Some(true),
            ..
        }
    )
}

/// Every row of one session.
pub fn emit_session(s: &SessionData, extras: &Extras<'_>, at: &Emit<'_>, sink: &mut dyn RowSink) {
    let wanted = sink.wants();
    let id = Req::of(&s.id);
    let index = at.source_index;
    if wanted.has(TableId::Sessions) {
        let blocks = || s.messages.iter().flat_map(|m| m.content.iter());
        let state = wire_name(&s.state);
        let completed = s
            .tasks
            .iter()
            .filter(|t| wire_name(&t.status) == "completed")
            .count();
        let usage = &s.total_usage;
        let llm = s.llm_config.as_ref();
        sink.session(&SessionRow {
            source_index: index,
            path: Text::opt(at.path),
            layout: Req::of(at.layout),
            generation: Req::of(at.generation),
            id,
            name: Req::of(&s.config.name),
            workspace: Req::of(&s.config.workspace),
            state: Req::of(&state),
            model_name: Text::opt(s.model_name.as_deref()),
            llm_provider: Text::opt(llm.map(|l| l.provider.as_str())),
            llm_model: Text::opt(llm.map(|l| l.model.as_str())),
            created_at: Seconds(s.created_at),
            updated_at: Seconds(s.updated_at),
            message_count: s.messages.len() as u32,
            block_count: blocks().count() as u32,
            tool_call_count: blocks().filter(|b| is_tool_use(b)).count() as u32,
            tool_error_count: blocks().filter(|b| is_tool_error(b)).count() as u32,
            prompt_tokens: usage.prompt_tokens as u64,
            completion_tokens: usage.completion_tokens as u64,
            total_tokens: usage.total_tokens as u64,
            cache_read_tokens: Opt::of(usage.cache_read_tokens.map(|v| v as u64)),
            cache_write_tokens: Opt::of(usage.cache_write_tokens.map(|v| v as u64)),
            total_cost: s.total_cost,
            cost_record_count: s.cost_records.len() as u32,
            task_count: s.tasks.len() as u32,
            tasks_completed: completed as u32,
            thinking_enabled: s.thinking_enabled,
            thinking_budget: Opt::of(s.thinking_budget.map(|v| v as u64)),
            parent_id: Text::opt(s.parent_id.as_deref()),
            auto_compact_threshold: s.config.auto_compact_threshold,
            context_used_tokens: s.context_usage.used_tokens as u64,
            context_max_tokens: s.context_usage.max_tokens as u64,
            context_percent: s.context_usage.percent,
            context_turns: s.context_usage.turns as u64,
            tenant_id: Text::opt(extras.tenant_id),
            principal: Text::opt(extras.principal),
            agent_template_id: Text::opt(extras.agent_template_id),
            correlation_id: Text::opt(extras.correlation_id),
            unknown_field_count: Opt::of(at.unknown_fields),
        });
    }
    if wanted.has(TableId::Messages) || wanted.has(TableId::Blocks) {
        emit_messages(s, extras, index, id, sink);
    }
    if wanted.has(TableId::CostRecords) {
        for (i, r) in s.cost_records.iter().enumerate() {
            sink.cost(&CostRow {
                source_index: index,
                session_id: id,
                record_index: i as u32,
                model: Req::of(&r.model),
                provider: Req::of(&r.provider),
                prompt_tokens: r.prompt_tokens as u64,
                completion_tokens: r.completion_tokens as u64,
                total_tokens: r.total_tokens as u64,
                cost_usd: Opt::of(r.cost_usd),
                timestamp: Micros(r.timestamp.timestamp_micros()),
                record_session_id: Text::opt(r.session_id.as_deref()),
            });
        }
    }
    if wanted.has(TableId::Tasks) {
        for (i, t) in s.tasks.iter().enumerate() {
            let deps: Vec<Text> = t.dependencies.iter().map(|d| Text::of(d)).collect();
            let (status, priority) = (wire_name(&t.status), wire_name(&t.priority));
            sink.task(&TaskRow {
                source_index: index,
                session_id: id,
                task_index: i as u32,
                task_id: Req::of(&t.id),
                content: Req::of(&t.content),
                status: Req::of(&status),
                priority: Req::of(&priority),
                tool: Text::opt(t.tool.as_deref()),
                dependencies: TextList::of(&deps),
                success_criteria: Text::opt(t.success_criteria.as_deref()),
            });
        }
    }
}

fn emit_messages(
    s: &SessionData,
    extras: &Extras<'_>,
    index: u64,
    id: Req,
    sink: &mut dyn RowSink,
) {
    let wanted = sink.wants();
    let mut input_json = String::new();
    for (mi, m) in s.messages.iter().enumerate() {
        if wanted.has(TableId::Messages) {
            let text_length = m
                .content
                .iter()
                .map(|b| match b {
                    ContentBlock::Text { text } => chars(text),
                    _ => 0,
                })
                .sum();
            let visibility = extras.visibility.map(|f| f(m));
            sink.message(&MessageRow {
                source_index: index,
                session_id: id,
                message_index: mi as u32,
                role: Req::of(&m.role),
                block_count: m.content.len() as u32,
                text_length,
                tool_call_count: m.content.iter().filter(|b| is_tool_use(b)).count() as u32,
                has_reasoning: m.reasoning_content.is_some(),
                reasoning_length: Opt::of(m.reasoning_content.as_deref().map(chars)),
                reasoning: Text::opt(m.reasoning_content.as_deref()),
                transcript_visibility: Text::opt(visibility.as_deref()),
            });
        }
        if !wanted.has(TableId::Blocks) {
            continue;
        }
        for (bi, b) in m.content.iter().enumerate() {
            let mut row = BlockRow {
                source_index: index,
                session_id: id,
                message_index: mi as u32,
                block_index: bi as u32,
                r#type: Req::of(block_tag(b)),
                text: Text::NONE,
                tool_use_id: Text::NONE,
                tool_name: Text::NONE,
                tool_input: Text::NONE,
                tool_result_text: Text::NONE,
                is_error: Opt::of(None),
                image_media_type: Text::NONE,
                image_data_length: Opt::of(None),
            };
            let joined;
            match b {
                ContentBlock::Text { text } => row.text = Text::of(text),
                ContentBlock::Image { source } => {
                    row.image_media_type = Text::of(&source.media_type);
                    row.image_data_length = Opt::of(Some(chars(&source.data)));
                }
                ContentBlock::ToolUse { id, name, input } => {
                    row.tool_use_id = Text::of(id);
                    row.tool_name = Text::of(name);
                    input_json.clear();
                    // The crate's value as serde_json writes it inside a compact document.
                    if let Ok(json) = a3s_session_binding::json::write_json(input, false) {
                        input_json = json;
                    }
                    row.tool_input = Text::of(&input_json);
                }
                ContentBlock::ToolResult {
                    tool_use_id,
                    content,
                    is_error,
                    ..
                } => {
                    row.tool_use_id = Text::of(tool_use_id);
                    row.is_error = Opt::of(*is_error);
                    row.tool_result_text = match content {
                        ToolResultContentField::Text(t) => Text::of(t),
                        // The crate's own reading of a multi-part result as text.
                        other => {
                            joined = other.as_text();
                            Text::of(&joined)
                        }
                    };
                }
            }
            sink.block(&row);
        }
    }
}
