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
    pub const ALL: Wanted = Wanted(0b11_1111);

    pub fn has(self, t: TableId) -> bool {
        self.0 & (1 << t as u32) != 0
    }

    pub fn with(self, t: TableId) -> Wanted {
        Wanted(self.0 | (1 << t as u32))
    }
}

macro_rules! table {
    ($(#[$meta:meta])* $row:ident, $builder:ident { $( $col:ident : $ty:ty ),* $(,)? }) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub struct $row { $( pub $col: $ty, )* }

        impl $row {
            pub fn schema() -> SchemaRef {
                Arc::new(Schema::new(vec![
                    $( Field::new(stringify!($col).trim_start_matches("r#"), <$ty as Cell>::data_type(), <$ty as Cell>::NULLABLE), )*
                ]))
            }
        }

        /// Builds one table from rows.
        pub struct $builder {
            $( $col: <$ty as Cell>::Builder, )*
            rows: usize,
        }

        impl $builder {
            pub fn new() -> Self {
                Self { $( $col: <$ty as Cell>::builder(), )* rows: 0 }
            }

            /// # Safety
            /// The texts in `row` must be alive (they are copied here).
            pub unsafe fn push(&mut self, row: &$row) {
                // SAFETY: per the caller.
                unsafe { $( row.$col.append(&mut self.$col); )* }
                self.rows += 1;
            }

            pub fn rows(&self) -> usize {
                self.rows
            }

            pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
                self.rows = 0;
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
        source_index: u64,
        path: Text,
        layout: Req,
        generation: Req,
        id: Req,
        name: Req,
        workspace: Req,
        state: Req,
        model_name: Text,
        llm_provider: Text,
        llm_model: Text,
        created_at: Seconds,
        updated_at: Seconds,
        message_count: u32,
        block_count: u32,
        tool_call_count: u32,
        tool_error_count: u32,
        prompt_tokens: u64,
        completion_tokens: u64,
        total_tokens: u64,
        cache_read_tokens: Opt<u64>,
        cache_write_tokens: Opt<u64>,
        total_cost: f64,
        cost_record_count: u32,
        task_count: u32,
        tasks_completed: u32,
        thinking_enabled: bool,
        thinking_budget: Opt<u64>,
        parent_id: Text,
        auto_compact_threshold: f32,
        context_used_tokens: u64,
        context_max_tokens: u64,
        context_percent: f32,
        context_turns: u64,
        tenant_id: Text,
        principal: Text,
        agent_template_id: Text,
        correlation_id: Text,
    }
}

table! {
    /// One row per message.
    MessageRow, MessageBuilder {
        source_index: u64,
        session_id: Req,
        message_index: u32,
        role: Req,
        block_count: u32,
        text_length: u64,
        tool_call_count: u32,
        has_reasoning: bool,
        reasoning_length: Opt<u64>,
        transcript_visibility: Text,
    }
}

table! {
    /// One row per content block of a message.
    BlockRow, BlockBuilder {
        source_index: u64,
        session_id: Req,
        message_index: u32,
        block_index: u32,
        r#type: Req,
        text: Text,
        tool_use_id: Text,
        tool_name: Text,
        tool_input: Text,
        tool_result_text: Text,
        is_error: Opt<bool>,
        image_media_type: Text,
        image_data_length: Opt<u64>,
    }
}

table! {
    /// One row per cost record.
    CostRow, CostBuilder {
        source_index: u64,
        session_id: Req,
        record_index: u32,
        model: Req,
        provider: Req,
        prompt_tokens: u64,
        completion_tokens: u64,
        total_tokens: u64,
        cost_usd: Opt<f64>,
        timestamp: Micros,
        record_session_id: Text,
    }
}

table! {
    /// One row per task.
    TaskRow, TaskBuilder {
        source_index: u64,
        session_id: Req,
        task_index: u32,
        task_id: Req,
        content: Req,
        status: Req,
        priority: Req,
        tool: Text,
        dependencies: TextList,
        success_criteria: Text,
    }
}

table! {
    /// One row per input that could not be read as a session.
    ErrorRow, ErrorBuilder {
        source_index: u64,
        path: Text,
        generation: Text,
        message: Req,
        line: Opt<u64>,
        column: Opt<u64>,
        field_path: Text,
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
        let pick = |t: TableId, b: Result<RecordBatch, ArrowError>| -> Result<Option<RecordBatch>, ArrowError> {
            if w.has(t) { b.map(Some) } else { Ok(None) }
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
