//! `Message` and `ToolResultBlock` for a3s-code-core 9.1.3 (a3s_code_core::llm); the
//! other block classes are shared with every generation (`src/shared/content.rs`).

use a3s_code_core::llm::{
    ContentBlock, Message, ToolResultContentField, ToolResultTrustV1, TranscriptVisibility,
};

use crate::content::{expect_variant, BlockList, ToolResultField};

table! {
    /// One conversation message: `role`, `content` (a list of blocks) and optional
    /// `reasoning_content`.
    class PyMessage("Message") wraps Message, detach = false;
    pattern = Message;
    admit(_v) = Ok(());
    seed = Message {
        role: String::new(),
        content: Vec::new(),
        reasoning_content: None,
        transcript_text: None,
        transcript_visibility: TranscriptVisibility::default(),
    };
    required = ["role"];
    repr = ["role", "content"];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["role", "transcript_visibility"];
    scalars {
        role: String,
        reasoning_content: Option<String>,
        transcript_text: Option<String>,
        transcript_visibility: TranscriptVisibility => enumeration("TranscriptVisibility"),
    }
    views { content: BlockList }
}

table! {
    /// `{"type": "tool_result", "tool_use_id", "content", "is_error"}`; `content` is a str or
    /// a list of `TextBlock`/`ImageBlock`.
    class PyToolResultBlock("ToolResultBlock") wraps ContentBlock, detach = false;
    pattern = ContentBlock::ToolResult;
    admit(v) = expect_variant(v, "tool_result");
    seed = ContentBlock::ToolResult {
        tool_use_id: String::new(),
        content: ToolResultContentField::Text(String::new()),
        is_error: None,
        trust: ToolResultTrustV1::default(),
        redaction_reviewed: false,
    };
    required = ["tool_use_id"];
    repr = ["tool_use_id", "is_error"];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["tool_use_id", "is_error", "trust", "redaction_reviewed"];
    scalars {
        tool_use_id: String,
        is_error: Option<bool>,
        trust: ToolResultTrustV1 => enumeration("ToolResultTrust"),
        redaction_reviewed: bool,
    }
    views { content: ToolResultField }
}
