//! The scan's tables: one `#[repr(C)]` row struct, one builder and one Arrow schema per
//! table, all generated from the single column list below (the schema documented in
//! `docs/scan.md` is this list).

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, Field, Schema, SchemaRef};

use super::cells::{Cell, Micros, Opt, Req, Seconds, Text, TextList};

/// The tables, in a fixed order (their index is their bit in a [`Wanted`] mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableId {
    Sessions = 0,
    Messages = 1,
    Blocks = 2,
    CostRecords = 3,
    Tasks = 4,
    Errors = 5,
}

pub const TABLES: [TableId; 6] = [
    TableId::Sessions,
    TableId::Messages,
    TableId::Blocks,
    TableId::CostRecords,
    TableId::Tasks,
    TableId::Errors,
];

impl TableId {
    pub fn name(self) -> &'static str {
        match self {
            TableId::Sessions => "sessions",
            TableId::Messages => "messages",
            TableId::Blocks => "blocks",
            TableId::CostRecords => "cost_records",
            TableId::Tasks => "tasks",
            TableId::Errors => "errors",
        }
    }

    pub fn from_name(name: &str) -> Option<TableId> {
        TABLES.into_iter().find(|t| t.name() == name)
    }

    /// (column, what it holds) of each column, in order.
    pub fn docs(self) -> Vec<(&'static str, &'static str)> {
        let docs = match self {
            TableId::Sessions => SessionRow::DOCS,
            TableId::Messages => MessageRow::DOCS,
            TableId::Blocks => BlockRow::DOCS,
            TableId::CostRecords => CostRow::DOCS,
            TableId::Tasks => TaskRow::DOCS,
            TableId::Errors => ErrorRow::DOCS,
        };
        docs.iter()
            .map(|&(c, d)| (c.trim_start_matches("r#"), d))
            .collect()
    }

    pub fn schema(self) -> SchemaRef {
        match self {
            TableId::Sessions => SessionRow::schema(),
            TableId::Messages => MessageRow::schema(),
            TableId::Blocks => BlockRow::schema(),
            TableId::CostRecords => CostRow::schema(),
            TableId::Tasks => TaskRow::schema(),
            TableId::Errors => ErrorRow::schema(),
        }
    }
}

/// Which tables a pass builds (bit `TableId as u32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wanted(pub u32);

impl Wanted {
    pub fn has(self, t: TableId) -> bool {
        self.0 & (1 << t as u32) != 0
    }

    pub fn with(self, t: TableId) -> Wanted {
        Wanted(self.0 | (1 << t as u32))
    }
}

macro_rules! table {
    ($(#[$meta:meta])* $row:ident, $builder:ident { $( $col:ident : $ty:ty = $doc:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub struct $row { $( #[doc = $doc] pub $col: $ty, )* }

        impl $row {
            /// (column, what it holds), in order: the documented schema.
            pub const DOCS: &'static [(&'static str, &'static str)] = &[ $( (stringify!($col), $doc), )* ];

            pub fn schema() -> SchemaRef {
                Arc::new(Schema::new(vec![
                    $( Field::new(stringify!($col).trim_start_matches("r#"), <$ty as Cell>::data_type(), <$ty as Cell>::NULLABLE), )*
                ]))
            }
        }

        /// Builds one table from rows.
        pub struct $builder {
            $( $col: <$ty as Cell>::Builder, )*
        }

        impl $builder {
            pub fn new() -> Self {
                Self { $( $col: <$ty as Cell>::builder(), )* }
            }

            /// # Safety
            /// The texts in `row` must be alive (they are copied here).
            pub unsafe fn push(&mut self, row: &$row) {
                // SAFETY: per the caller.
                unsafe { $( row.$col.append(&mut self.$col); )* }
            }


            pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
                let columns: Vec<ArrayRef> = vec![ $( Arc::new(self.$col.finish()), )* ];
                RecordBatch::try_new($row::schema(), columns)
            }
        }

        impl Default for $builder {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

table! {
    /// One row per session read.
    SessionRow, SessionBuilder {
        source_index: u64 = "position of the input in the scan (files in walk order; within the batch for `scan_contents`)",
        path: Text = "the file (or the name given with the contents); null for nameless bytes",
        layout: Req = "`legacy` (bare SessionData) or `v1` (SessionSnapshotV1 envelope)",
        generation: Req = "the crate that read it: `v3` (a3s-code-core 3.0.0) or `v9` (9.1.3)",
        id: Req = "`id`",
        name: Req = "`config.name`",
        workspace: Req = "`config.workspace`",
        state: Req = "`state`, as the crate writes it (`Active`, `Paused`, ...)",
        model_name: Text = "`model_name`",
        llm_provider: Text = "`llm_config.provider`",
        llm_model: Text = "`llm_config.model`",
        created_at: Seconds = "`created_at` (Unix seconds)",
        updated_at: Seconds = "`updated_at` (Unix seconds)",
        message_count: u32 = "messages",
        block_count: u32 = "content blocks of all messages",
        tool_call_count: u32 = "`tool_use` blocks",
        tool_error_count: u32 = "`tool_result` blocks with `is_error: true`",
        prompt_tokens: u64 = "`total_usage.prompt_tokens`",
        completion_tokens: u64 = "`total_usage.completion_tokens`",
        total_tokens: u64 = "`total_usage.total_tokens`",
        cache_read_tokens: Opt<u64> = "`total_usage.cache_read_tokens`",
        cache_write_tokens: Opt<u64> = "`total_usage.cache_write_tokens`",
        total_cost: f64 = "`total_cost` (USD)",
        cost_record_count: u32 = "`cost_records`",
        task_count: u32 = "`tasks`",
        tasks_completed: u32 = "tasks whose status is `completed`",
        thinking_enabled: bool = "`thinking_enabled`",
        thinking_budget: Opt<u64> = "`thinking_budget`",
        parent_id: Text = "`parent_id`",
        auto_compact_threshold: f32 = "`config.auto_compact_threshold` (an f32 in the crate)",
        context_used_tokens: u64 = "`context_usage.used_tokens`",
        context_max_tokens: u64 = "`context_usage.max_tokens`",
        context_percent: f32 = "`context_usage.percent` (an f32 in the crate)",
        context_turns: u64 = "`context_usage.turns`",
        tenant_id: Text = "`tenant_id` (9.x; null for 3.0.0)",
        principal: Text = "`principal` (9.x)",
        agent_template_id: Text = "`agent_template_id` (9.x)",
        correlation_id: Text = "`correlation_id` (9.x)",
        unknown_field_count: Opt<u64> = "fields of the input the crate would not write back (what `unknown_fields` lists); null unless the scan counts them (`count_unknown=True`)",
    }
}

table! {
    /// One row per message.
    MessageRow, MessageBuilder {
        source_index: u64 = "the input (see `sessions`)",
        session_id: Req = "the session's `id`",
        message_index: u32 = "position in `messages`",
        role: Req = "`role`",
        block_count: u32 = "content blocks",
        text_length: u64 = "characters of the message's text (the crate's `Message::text()`: its text blocks)",
        tool_call_count: u32 = "`tool_use` blocks",
        has_reasoning: bool = "`reasoning_content` is present",
        reasoning_length: Opt<u64> = "characters of `reasoning_content`",
        reasoning: Text = "`reasoning_content` (the model's reasoning/thinking text)",
        transcript_visibility: Text = "`transcript_visibility` (9.x; null for 3.0.0)",
    }
}

table! {
    /// One row per content block of a message.
    BlockRow, BlockBuilder {
        source_index: u64 = "the input",
        session_id: Req = "the session's `id`",
        message_index: u32 = "the message",
        block_index: u32 = "position in the message's `content`",
        r#type: Req = "`text`, `image`, `tool_use` or `tool_result`",
        text: Text = "a text block's `text`",
        tool_use_id: Text = "a tool_use's `id` or a tool_result's `tool_use_id`",
        tool_name: Text = "a tool_use's `name`",
        tool_input: Text = "a tool_use's `input` as JSON text, written by the crate's serde_json (compact)",
        tool_result_text: Text = "a tool_result's content as text (a list: its text parts joined by newlines, the crate's `as_text()`)",
        is_error: Opt<bool> = "a tool_result's `is_error`",
        image_media_type: Text = "an image block's `source.media_type`",
        image_data_length: Opt<u64> = "characters of an image block's base64 `source.data`",
    }
}

table! {
    /// One row per cost record.
    CostRow, CostBuilder {
        source_index: u64 = "the input",
        session_id: Req = "the session's `id`",
        record_index: u32 = "position in `cost_records`",
        model: Req = "`model`",
        provider: Req = "`provider`",
        prompt_tokens: u64 = "`prompt_tokens`",
        completion_tokens: u64 = "`completion_tokens`",
        total_tokens: u64 = "`total_tokens`",
        cost_usd: Opt<f64> = "`cost_usd`",
        timestamp: Micros = "`timestamp` (to the microsecond; finer digits are dropped)",
        record_session_id: Text = "the record's own `session_id`",
    }
}

table! {
    /// One row per task.
    TaskRow, TaskBuilder {
        source_index: u64 = "the input",
        session_id: Req = "the session's `id`",
        task_index: u32 = "position in `tasks`",
        task_id: Req = "`id`",
        content: Req = "`content`",
        status: Req = "`status`, as the crate writes it",
        priority: Req = "`priority`, as the crate writes it",
        tool: Text = "`tool`",
        dependencies: TextList = "`dependencies`",
        success_criteria: Text = "`success_criteria`",
    }
}

table! {
    /// One row per input that could not be read as a session.
    ErrorRow, ErrorBuilder {
        source_index: u64 = "the input",
        path: Text = "the file (or name); null for nameless bytes",
        generation: Text = "the crate whose message this is (null: not read by a crate, e.g. an unreadable file)",
        message: Req = "the crate's (serde's) message",
        line: Opt<u64> = "1-based line of the error",
        column: Opt<u64> = "1-based column (bytes, as serde_json counts)",
        field_path: Text = "where in the document, e.g. `messages[3].content[0].type`",
    }
}

/// Where a generation puts the rows of a session it read.
pub trait RowSink {
    fn wants(&self) -> Wanted;
    fn session(&mut self, row: &SessionRow);
    fn message(&mut self, row: &MessageRow);
    fn block(&mut self, row: &BlockRow);
    fn cost(&mut self, row: &CostRow);
    fn task(&mut self, row: &TaskRow);
    fn error(&mut self, row: &ErrorRow);
}

/// The builders of the wanted tables: what a worker fills for its range of inputs.
pub struct TableSet {
    wanted: Wanted,
    sessions: SessionBuilder,
    messages: MessageBuilder,
    blocks: BlockBuilder,
    costs: CostBuilder,
    tasks: TaskBuilder,
    errors: ErrorBuilder,
}

/// One finished batch per wanted table (indexed by `TableId`).
pub type Batches = [Option<RecordBatch>; 6];

impl TableSet {
    pub fn new(wanted: Wanted) -> Self {
        TableSet {
            wanted,
            sessions: SessionBuilder::new(),
            messages: MessageBuilder::new(),
            blocks: BlockBuilder::new(),
            costs: CostBuilder::new(),
            tasks: TaskBuilder::new(),
            errors: ErrorBuilder::new(),
        }
    }

    pub fn finish(mut self) -> Result<Batches, ArrowError> {
        let w = self.wanted;
        let pick = |t: TableId,
                    b: Result<RecordBatch, ArrowError>|
         -> Result<Option<RecordBatch>, ArrowError> {
            if w.has(t) {
                b.map(Some)
            } else {
                Ok(None)
            }
        };
        Ok([
            pick(TableId::Sessions, self.sessions.finish())?,
            pick(TableId::Messages, self.messages.finish())?,
            pick(TableId::Blocks, self.blocks.finish())?,
            pick(TableId::CostRecords, self.costs.finish())?,
            pick(TableId::Tasks, self.tasks.finish())?,
            pick(TableId::Errors, self.errors.finish())?,
        ])
    }
}

// The rows handed to a sink are only read during the call (the contract of every generation's
// `emit`), so the texts they point to are alive while they are copied.
impl RowSink for TableSet {
    fn wants(&self) -> Wanted {
        self.wanted
    }
    fn session(&mut self, row: &SessionRow) {
        if self.wanted.has(TableId::Sessions) {
            // SAFETY: see above.
            unsafe { self.sessions.push(row) }
        }
    }
    fn message(&mut self, row: &MessageRow) {
        if self.wanted.has(TableId::Messages) {
            // SAFETY: see above.
            unsafe { self.messages.push(row) }
        }
    }
    fn block(&mut self, row: &BlockRow) {
        if self.wanted.has(TableId::Blocks) {
            // SAFETY: see above.
            unsafe { self.blocks.push(row) }
        }
    }
    fn cost(&mut self, row: &CostRow) {
        if self.wanted.has(TableId::CostRecords) {
            // SAFETY: see above.
            unsafe { self.costs.push(row) }
        }
    }
    fn task(&mut self, row: &TaskRow) {
        if self.wanted.has(TableId::Tasks) {
            // SAFETY: see above.
            unsafe { self.tasks.push(row) }
        }
    }
    fn error(&mut self, row: &ErrorRow) {
        if self.wanted.has(TableId::Errors) {
            // SAFETY: see above.
            unsafe { self.errors.push(row) }
        }
    }
}
