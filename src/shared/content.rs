//! Content blocks, image sources and token counts: the classes and block helpers that read
//! the same in every generation (the crates give them the same public paths and fields).
//! Compiled once per generation crate, against that generation's a3s-code-core; the
//! generation's `message.rs` adds the classes whose fields differ (Message, ToolResultBlock).

use a3s_code_core::llm::{
    ContentBlock, ImageSource, TokenUsage, ToolResultContent, ToolResultContentField,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use a3s_session_binding::error::{Error, Result};
use a3s_session_binding::explain::{
    explain_items, items, member, parse_as, Explainer, Finer, Step,
};
use a3s_session_binding::json::from_python_explained;
use a3s_session_binding::listview::{check_utf8, ListView};
use a3s_session_binding::record::{snapshot, Node, ViewKind};
use a3s_session_binding::views::{is_str, list_items, Codec, FreeJson, ListOf, Obj};

use crate::message::PyToolResultBlock;

table! {
    /// `{"type": "text", "text": ...}`.
    class PyTextBlock("TextBlock") wraps ContentBlock, detach = false;
    pattern = ContentBlock::Text;
    admit(v) = expect_variant(v, "text");
    seed = ContentBlock::Text { text: String::new() };
    required = ["text"];
    repr = ["text"];
    scalars { text: String }
    views {}
}

table! {
    /// `{"type": "image", "source": ImageSource}`.
    class PyImageBlock("ImageBlock") wraps ContentBlock, detach = false;
    pattern = ContentBlock::Image;
    admit(v) = expect_variant(v, "image");
    seed = ContentBlock::Image { source: empty_source() };
    required = ["source"];
    repr = ["source"];
    scalars {}
    views { source: Obj<PyImageSource> }
}

table! {
    /// `{"type": "tool_use", "id", "name", "input": any JSON}`; `input` is a plain Python
    /// value edited in place.
    class PyToolUseBlock("ToolUseBlock") wraps ContentBlock, detach = false;
    pattern = ContentBlock::ToolUse;
    admit(v) = expect_variant(v, "tool_use");
    seed = ContentBlock::ToolUse { id: String::new(), name: String::new(), input: serde_json::Value::Null };
    required = ["id", "name"];
    repr = ["id", "name"];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["id", "name"];
    scalars { id: String, name: String }
    // Around `input` in a session document: the session, `messages`, the message,
    // `content`, the block.
    views { input: FreeJson<5> }
}

table! {
    /// Image data of an image block: `{"type", "media_type", "data"}`.
    class PyImageSource("ImageSource") wraps ImageSource, detach = false;
    pattern = ImageSource;
    admit(_v) = Ok(());
    seed = empty_source();
    required = ["media_type", "data"];
    repr = ["type", "media_type"];
    scalars { source_type as "type": String, media_type: String, data: String }
    views {}
}

table! {
    /// Token counts; the two cache counters are always written (null when unknown).
    class PyTokenUsage("TokenUsage") wraps TokenUsage, detach = false;
    pattern = TokenUsage;
    admit(_v) = Ok(());
    seed = TokenUsage::default();
    required = [];
    repr = ["prompt_tokens", "completion_tokens", "total_tokens"];
    // Small fields read often: plain slots (`fastattr::member`).
    slots = ["prompt_tokens", "completion_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens"];
    scalars {
        prompt_tokens: usize,
        completion_tokens: usize,
        total_tokens: usize,
        cache_read_tokens: Option<usize>,
        cache_write_tokens: Option<usize>,
    }
    views {}
}

fn empty_source() -> ImageSource {
    ImageSource {
        source_type: "base64".to_owned(),
        media_type: String::new(),
        data: String::new(),
    }
}

/// A tool result's text/image item as the block class that shows it in Python. The two crate
/// enums have the same variants and fields (and the same serde shape): a move, no copy.
fn result_to_block(item: ToolResultContent) -> ContentBlock {
    match item {
        ToolResultContent::Text { text } => ContentBlock::Text { text },
        ToolResultContent::Image { source } => ContentBlock::Image { source },
    }
}

/// The reverse of `result_to_block`; tool results hold no tool_use/tool_result blocks.
fn block_to_result(block: ContentBlock) -> Result<ToolResultContent> {
    match block {
        ContentBlock::Text { text } => Ok(ToolResultContent::Text { text }),
        ContentBlock::Image { source } => Ok(ToolResultContent::Image { source }),
        other => Err(Error::format(format!(
            "a tool result holds text and image blocks, not a `{}` block",
            block_tag(&other)
        ))),
    }
}

/// The block's `type` tag, as the crate writes it.
pub(crate) fn block_tag(block: &ContentBlock) -> &'static str {
    match block {
        ContentBlock::Text { .. } => "text",
        ContentBlock::Image { .. } => "image",
        ContentBlock::ToolUse { .. } => "tool_use",
        ContentBlock::ToolResult { .. } => "tool_result",
    }
}

pub(crate) fn expect_variant(block: &ContentBlock, tag: &str) -> std::result::Result<(), String> {
    let got = block_tag(block);
    if got == tag {
        Ok(())
    } else {
        Err(format!("expected a `{tag}` block, got a `{got}` block"))
    }
}

/// The Python object for one crate block.
pub(crate) fn wrap_block(py: Python<'_>, block: ContentBlock) -> Result<Py<PyAny>> {
    Ok(match block {
        b @ ContentBlock::Text { .. } => Py::new(py, PyTextBlock::from_value(py, b))?.into_any(),
        b @ ContentBlock::Image { .. } => Py::new(py, PyImageBlock::from_value(py, b))?.into_any(),
        b @ ContentBlock::ToolUse { .. } => {
            Py::new(py, PyToolUseBlock::from_value(py, b))?.into_any()
        }
        b @ ContentBlock::ToolResult { .. } => {
            Py::new(py, PyToolResultBlock::from_value(py, b))?.into_any()
        }
    })
}

/// The block's `type` tag as written in its text, if it is a string.
fn tag_of(text: &str) -> Option<String> {
    serde_json::from_str(member(text, "type")?.1).ok()
}

/// A block class: the seed that gives its tag, and its explainer.
type BlockClass = (fn() -> ContentBlock, Explainer);

/// The four block classes.
const BLOCK_CLASSES: [BlockClass; 4] = [
    (
        <PyTextBlock as Node>::placeholder,
        <PyTextBlock as Node>::explain,
    ),
    (
        <PyImageBlock as Node>::placeholder,
        <PyImageBlock as Node>::explain,
    ),
    (
        <PyToolUseBlock as Node>::placeholder,
        <PyToolUseBlock as Node>::explain,
    ),
    (
        <PyToolResultBlock as Node>::placeholder,
        <PyToolResultBlock as Node>::explain,
    ),
];

/// A tagged value's error, located through the class its tag names (the crate's tag for
/// each class is the one its seed value is written with); `otherwise` for any other tag.
fn explain_by_tag(
    text: &str,
    at: &[Step],
    classes: &[BlockClass],
    otherwise: Explainer,
) -> Option<Finer> {
    let tag = tag_of(text);
    match classes
        .iter()
        .find(|(seed, _)| tag.as_deref() == Some(block_tag(&seed())))
    {
        Some((_, explain)) => explain(text, at),
        None => otherwise(text, at),
    }
}

fn explain_block(text: &str, at: &[Step]) -> Option<Finer> {
    explain_by_tag(text, at, &BLOCK_CLASSES, |t, _| parse_as::<ContentBlock>(t))
}

/// An item of a tool result's block list (`ToolResultContent`): text and image only.
fn explain_result_item(text: &str, at: &[Step]) -> Option<Finer> {
    explain_by_tag(text, at, &BLOCK_CLASSES[..2], |t, _| {
        parse_as::<ToolResultContent>(t)
    })
}

/// The crate block held by any of the four block classes.
pub(crate) fn block_value(item: &Bound<'_, PyAny>) -> Result<ContentBlock> {
    let py = item.py();
    if let Ok(b) = item.cast::<PyTextBlock>() {
        return snapshot(py, b.get());
    }
    if let Ok(b) = item.cast::<PyImageBlock>() {
        return snapshot(py, b.get());
    }
    if let Ok(b) = item.cast::<PyToolUseBlock>() {
        return snapshot(py, b.get());
    }
    if let Ok(b) = item.cast::<PyToolResultBlock>() {
        return snapshot(py, b.get());
    }
    Err(Error::type_error(format!(
        "expected a content block, got {}",
        item.get_type().name()?
    )))
}

fn is_block(item: &Bound<'_, PyAny>, text_or_image_only: bool) -> bool {
    item.is_instance_of::<PyTextBlock>()
        || item.is_instance_of::<PyImageBlock>()
        || (!text_or_image_only
            && (item.is_instance_of::<PyToolUseBlock>()
                || item.is_instance_of::<PyToolResultBlock>()))
}

/// Check or convert an item going into a block list. Tool results hold only text and
/// image blocks (the crate's `ToolResultContent`).
fn coerce_block<'py>(item: &Bound<'py, PyAny>, tool_result: bool) -> Result<Bound<'py, PyAny>> {
    let py = item.py();
    if is_block(item, tool_result) {
        return Ok(item.clone());
    }
    if item.is_instance_of::<PyDict>() {
        let block: ContentBlock = if tool_result {
            let content: ToolResultContent = from_python_explained(item, explain_result_item)?;
            result_to_block(content)
        } else {
            from_python_explained(item, explain_block)?
        };
        return Ok(wrap_block(py, block)?.into_bound(py));
    }
    let expected = if tool_result {
        "TextBlock, ImageBlock or dict"
    } else {
        "a content block or dict"
    };
    Err(Error::type_error(format!(
        "expected {expected}, got {}",
        item.get_type().name()?
    )))
}

/// The item rule of a tool result's block list.
fn coerce_result_block<'py>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
    coerce_block(item, true)
}

/// Items that are any of the four block classes.
pub(crate) struct Blocks;

/// `Vec<ContentBlock>`, viewed as a list of the four block classes.
pub(crate) type BlockList = ListOf<Blocks>;

impl Codec for Blocks {
    type Rust = ContentBlock;

    fn coerce<'py>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
        coerce_block(item, false)
    }

    fn to_py(py: Python<'_>, value: ContentBlock) -> Result<Py<PyAny>> {
        wrap_block(py, value)
    }

    fn from_py(item: &Bound<'_, PyAny>) -> Result<ContentBlock> {
        block_value(item)
    }

    fn explain(text: &str, at: &[Step]) -> Option<Finer> {
        explain_block(text, at)
    }
}

/// A tool result's `content`: a str, or a list of text/image blocks.
pub(crate) struct ToolResultField;

impl ViewKind for ToolResultField {
    type Rust = ToolResultContentField;

    fn lift(py: Python<'_>, field: &'static str, slot: &mut Self::Rust) -> Result<Py<PyAny>> {
        match std::mem::replace(slot, ToolResultContentField::Text(String::new())) {
            ToolResultContentField::Text(s) => {
                Ok(a3s_session_binding::pystr::new(py, &s).into_any().unbind())
            }
            ToolResultContentField::Blocks(blocks) => {
                let items = blocks
                    .into_iter()
                    .map(|b| wrap_block(py, result_to_block(b)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(ListView::from_checked(py, field, coerce_result_block, items)?.into_any())
            }
        }
    }

    /// A text result is read as a `str` copy; only a block list becomes a view.
    fn copy(py: Python<'_>, slot: &Self::Rust) -> Option<Py<PyAny>> {
        match slot {
            ToolResultContentField::Text(s) => {
                Some(a3s_session_binding::pystr::new(py, s).into_any().unbind())
            }
            ToolResultContentField::Blocks(_) => None,
        }
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<Self::Rust> {
        if is_str(view) {
            return Ok(ToolResultContentField::Text(view.extract()?));
        }
        let blocks = list_items(view)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                block_value(item)
                    .and_then(block_to_result)
                    .map_err(|e| e.at_index(i))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ToolResultContentField::Blocks(blocks))
    }

    fn accept(py: Python<'_>, field: &'static str, value: &Bound<'_, PyAny>) -> Result<Py<PyAny>> {
        if let Ok(s) = value.cast::<pyo3::types::PyString>() {
            check_utf8(s)?;
            return Ok(value.clone().unbind());
        }
        Ok(ListView::from_iterable(py, field, coerce_result_block, value)?.into_any())
    }

    fn vacate(slot: &mut Self::Rust) {
        *slot = ToolResultContentField::Text(String::new());
    }

    /// The field is untagged: serde tries a str, then a list of blocks, and says only that
    /// neither matched. A list is what a value that is a JSON array was meant to be, so the
    /// first item the crate rejects is given as the cause.
    fn explain(text: &str, at: &[Step]) -> Option<Finer> {
        if !at.is_empty() {
            return None;
        }
        let own = parse_as::<ToolResultContentField>(text)?;
        if items(text).is_some() {
            if let Some(cause) = explain_items(text, &[], explain_result_item) {
                return Some(cause.caused(&own.msg));
            }
        }
        Some(own)
    }
}
