//! `Message` and `ToolResultBlock` for a3s-code-core 3.0.0 (a3s_code_core::llm); the
//! other block classes are shared with every generation (`src/shared/content.rs`).

use a3s_code_core::llm::{ContentBlock, Message, ToolResultContentField};

use crate::content::{expect_variant, BlockList, ToolResultField};

table! {
    /// One conversation message: `role`, `content` (a list of blocks) and optional
    /// `reasoning_content`.
    class PyMessage("Message") wraps Message, detach = false;
    pattern = Message;
    admit(_v) = Ok(());
    seed = Message { role: String::new(), content: Vec::new(), reasoning_content: None };
    required = ["role"];
    repr = ["role", "content"];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["role"];
    scalars { role: String, reasoning_content: Option<String> }
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
    };
    required = ["tool_use_id"];
    repr = ["tool_use_id", "is_error"];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["tool_use_id", "is_error"];
    scalars { tool_use_id: String, is_error: Option<bool> }
    views { content: ToolResultField }
}
