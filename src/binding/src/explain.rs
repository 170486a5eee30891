//! Precise locations for errors that serde can only place at an enum.
//!
//! serde reads an internally tagged or untagged enum (every content block, a tool result's
//! `content`) by buffering the whole value first and deserializing the variant from that
//! buffer, where `serde_path_to_error` cannot follow: an integer where a string belongs deep
//! inside a block is reported at the block (`messages[4].content[0]`), and an untagged enum
//! replaces the cause with "data did not match any variant". The generation crates know which
//! class shows each part of a document (their class tables); from those tables an *explainer*
//! re-reads the failed value's text part by part with the crate's own Deserialize impl for
//! each field's type, and returns the first part that fails, as serde would have met it.
//!
//! Nothing here decides what is valid: every verdict is the crate's, on the member's exact
//! text. [`refine`] keeps an explanation only when it is the same error as serde's (or, for an
//! untagged enum, serde's message followed by the cause) at a deeper path.

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::{join_path, render_path};

/// One step of a field path: an object key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The steps of a `serde_path_to_error` path; `None` when it holds a segment that is not a
/// plain key or index (an enum variant, or a position serde could not name).
pub fn steps_of(path: &serde_path_to_error::Path) -> Option<Vec<Step>> {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|seg| match seg {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

/// An error found by re-reading part of a value: its path and position relative to the text
/// that was explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finer {
    /// Field path from the explained value (`content[1].source.data`; empty: the value itself).
    pub path: String,
    /// The crate's message.
    pub msg: String,
    /// Where serde_json stopped: the byte just past the last one it read.
    pub end: usize,
}

impl Finer {
    /// The same error seen from the value that holds this one at `segment` (a key, or `[i]`),
    /// whose text starts `offset` bytes into the outer text.
    pub fn within(self, segment: &str, offset: usize) -> Finer {
        Finer {
            path: join_path(segment, &self.path),
            msg: self.msg,
            end: self.end + offset,
        }
    }

    /// The error as the cause of an untagged enum's own `msg` ("data did not match any
    /// variant ..."), which names no cause.
    pub fn caused(self, msg: &str) -> Finer {
        Finer {
            msg: format!("{msg}: {}", self.msg),
            ..self
        }
    }
}

/// Explains the error of reading `text` as one part of a document, after following `at`.
pub type Explainer = fn(text: &str, at: &[Step]) -> Option<Finer>;

/// The explainer of a type the tables know nothing about.
pub fn nothing(_text: &str, _at: &[Step]) -> Option<Finer> {
    None
}

/// The crate's error for reading `text` as `T` (`None`: it reads), with the path serde can
/// follow. Only data errors: the text is one value serde_json already read whole.
pub fn parse_as<T: DeserializeOwned>(text: &str) -> Option<Finer> {
    let mut de = serde_json::Deserializer::from_str(text);
    let err = serde_path_to_error::deserialize::<_, T>(&mut de).err()?;
    let path = render_path(err.path());
    let err = err.into_inner();
    if err.classify() != Category::Data {
        return None;
    }
    let end = if err.line() == 0 {
        // Raised once the whole value was read (an enum decided from its buffer).
        text.trim_ascii_end().len()
    } else {
        offset_of(text, err.line(), err.column())
    };
    Some(Finer {
        path,
        msg: crate::error::strip_position(&err.to_string()),
        end,
    })
}

/// The byte offset just past serde_json's 1-based (line, column): column counts the bytes of
/// its line up to and including the last one read.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let b = text.as_bytes();
    let mut start = 0;
    for _ in 1..line {
        match memchr::memchr(b'\n', &b[start..]) {
            Some(k) => start += k + 1,
            None => break,
        }
    }
    (start + column).min(b.len())
}

/// Replace serde's error for a document with the explainer's, when the explanation is the
/// same error (or the cause an untagged enum dropped) at a deeper path. `msg`/`path` are
/// serde's; the result is `(msg, path, end)` with `end` a byte offset in `text`.
pub fn refine(
    text: &str,
    steps: &[Step],
    msg: &str,
    path: &str,
    explain: Explainer,
) -> Option<Finer> {
    let finer = explain(text, steps)?;
    let same_error = finer.msg == msg
        || finer
            .msg
            .strip_prefix(msg)
            .is_some_and(|rest| rest.starts_with(": "));
    let deeper = finer.path.len() > path.len()
        && finer.path.starts_with(path)
        && (path.is_empty() || matches!(finer.path.as_bytes()[path.len()], b'.' | b'['));
    (same_error && deeper).then_some(finer)
}

// ---------------------------------------------------------------------------------------
// The parts of a JSON value's text. Only for text serde_json read (or buffered) whole: a
// scan of its structure, not a validator; malformed text gives `None`, never a panic.
// ---------------------------------------------------------------------------------------

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end (after the closing quote) of the string whose opening quote is at `i`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        i += 2; // a backslash and the character it escapes
    }
}

/// The end of the value that starts at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut k = i;
            while k < b.len() {
                match b[k] {
                    b'"' => {
                        k = string_end(b, k)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(k + 1);
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            None
        }
        _ => {
            let mut k = i;
            while k < b.len() && !matches!(b[k], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            {
                k += 1;
            }
            (k > i).then_some(k)
        }
    }
}

/// The parts of the object or array that is `text`: (key, start, end) of each member, in
/// document order; array items have no key.
fn parts(text: &str, open: u8, keyed: bool) -> Option<Vec<(Option<String>, usize, usize)>> {
    let b = text.as_bytes();
    let close = if open == b'{' { b'}' } else { b']' };
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&open) {
        return None;
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        i = skip_ws(b, i);
        match *b.get(i)? {
            c if c == close => return Some(out),
            b',' if !out.is_empty() => {
                i = skip_ws(b, i + 1);
            }
            _ if out.is_empty() => {}
            _ => return None,
        }
        let key = if keyed {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let key_end = string_end(b, i)?;
            let key: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
            i = skip_ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            Some(key)
        } else {
            None
        };
        let end = value_end(b, i)?;
        out.push((key, i, end));
        i = end;
    }
}

/// The members of the object that is `text`: (key, start, end), in document order.
pub fn members(text: &str) -> Option<Vec<(String, usize, usize)>> {
    parts(text, b'{', true).map(|all| {
        all.into_iter()
            .filter_map(|(k, s, e)| k.map(|k| (k, s, e)))
            .collect()
    })
}

/// The items of the array that is `text`: (start, end), in order.
pub fn items(text: &str) -> Option<Vec<(usize, usize)>> {
    parts(text, b'[', false).map(|all| all.into_iter().map(|(_, s, e)| (s, e)).collect())
}

/// The first member `key` of the object that is `text`: (start, text of its value).
pub fn member<'t>(text: &'t str, key: &str) -> Option<(usize, &'t str)> {
    let (_, s, e) = members(text)?.into_iter().find(|(k, _, _)| k == key)?;
    Some((s, text.get(s..e)?))
}

/// Item `index` of the array that is `text`: (start, its text).
pub fn item(text: &str, index: usize) -> Option<(usize, &str)> {
    let (s, e) = *items(text)?.get(index)?;
    Some((s, text.get(s..e)?))
}

/// Explain a list: follow an index step into its item, or (no steps) explain each item in
/// order and return the first that fails.
pub fn explain_items(text: &str, at: &[Step], item_explain: Explainer) -> Option<Finer> {
    match at.split_first() {
        Some((Step::Index(i), rest)) => {
            let (start, part) = item(text, *i)?;
            item_explain(part, rest).map(|f| f.within(&format!("[{i}]"), start))
        }
        Some(_) => None,
        None => items(text)?
            .into_iter()
            .enumerate()
            .find_map(|(i, (s, e))| {
                item_explain(text.get(s..e)?, &[]).map(|f| f.within(&format!("[{i}]"), s))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Source {
        data: String,
    }

    #[derive(Deserialize, Debug)]
    #[serde(tag = "type")]
    #[allow(dead_code)]
    enum Block {
        #[serde(rename = "text")]
        Text { text: String },
        #[serde(rename = "image")]
        Image { source: Source },
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Doc {
        blocks: Vec<Block>,
    }

    /// What a class table generates, written out for the test types.
    fn explain_source(text: &str, at: &[Step]) -> Option<Finer> {
        if !at.is_empty() {
            return None;
        }
        for (key, s, e) in members(text)? {
            if key == "data" {
                if let Some(f) = parse_as::<String>(&text[s..e]) {
                    return Some(f.within(&key, s));
                }
            }
        }
        parse_as::<Source>(text)
    }

    fn explain_block(text: &str, at: &[Step]) -> Option<Finer> {
        for (key, s, e) in members(text)? {
            let found = match key.as_str() {
                "text" => parse_as::<String>(&text[s..e]),
                "source" => explain_source(&text[s..e], at),
                _ => None,
            };
            if let Some(f) = found {
                return Some(f.within(&key, s));
            }
        }
        parse_as::<Block>(text)
    }

    fn explain_doc(text: &str, at: &[Step]) -> Option<Finer> {
        match at.split_first() {
            Some((Step::Key(k), rest)) if k == "blocks" => {
                let (s, part) = member(text, k)?;
                explain_items(part, rest, explain_block).map(|f| f.within(k, s))
            }
            _ => None,
        }
    }

    fn serde_error(text: &str) -> (String, String, Vec<Step>) {
        let mut de = serde_json::Deserializer::from_str(text);
        let err = serde_path_to_error::deserialize::<_, Doc>(&mut de).unwrap_err();
        let steps = steps_of(err.path()).unwrap();
        let path = render_path(err.path());
        let msg = crate::error::strip_position(&err.into_inner().to_string());
        (msg, path, steps)
    }

    #[test]
    fn finds_the_field_inside_a_tagged_enum() {
        let text = "{\"blocks\": [{\"type\": \"text\", \"text\": \"a\"},\n {\"type\": \"image\", \"source\": {\"data\": 5}}]}";
        let (msg, path, steps) = serde_error(text);
        assert_eq!(path, "blocks[1]", "serde stops at the enum");
        let finer = refine(text, &steps, &msg, &path, explain_doc).unwrap();
        assert_eq!(finer.path, "blocks[1].source.data");
        assert_eq!(finer.msg, "invalid type: integer `5`, expected a string");
        // The `5` itself: line 2, and the byte just past it.
        assert_eq!(&text[finer.end - 1..finer.end], "5");
        assert_eq!(crate::error::line_column(text.as_bytes(), finer.end).0, 2);
    }

    #[test]
    fn keeps_serde_error_when_the_explanation_differs_or_is_not_deeper() {
        // A missing field is the block's own error: no member fails, nothing deeper.
        let text = r#"{"blocks": [{"type": "image", "source": {}}]}"#;
        let (msg, path, steps) = serde_error(text);
        let finer = refine(text, &steps, &msg, &path, explain_doc).unwrap();
        assert_eq!(
            (finer.path.as_str(), finer.msg.as_str()),
            ("blocks[0].source", "missing field `data`")
        );
        let text = r#"{"blocks": [{"type": "image"}]}"#;
        let (msg, path, steps) = serde_error(text);
        assert_eq!(refine(text, &steps, &msg, &path, explain_doc), None);
        // A different message is never taken for serde's.
        let lying: Explainer = |_, _| {
            Some(Finer {
                path: "blocks[0].x".into(),
                msg: "other".into(),
                end: 0,
            })
        };
        assert_eq!(refine(text, &steps, &msg, &path, lying), None);
    }

    #[test]
    fn parts_follow_document_order_and_survive_garbage() {
        let text = r#" { "b" : [1, {"x": "]"}], "a": "q\"}", "c": -1.5e3 } "#;
        let keys: Vec<String> = members(text).unwrap().into_iter().map(|m| m.0).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(member(text, "c").unwrap().1, "-1.5e3");
        assert_eq!(item(r#"[1, {"x": "]"}]"#, 1).unwrap().1, r#"{"x": "]"}"#);
        for bad in [
            "",
            "{",
            "{\"a\"",
            "{\"a\": [",
            "[1,,2]",
            "{\"a\" 1}",
            "[\"\\",
        ] {
            assert_eq!(members(bad), None, "{bad}");
            assert_eq!(items(bad), None, "{bad}");
        }
    }

    #[test]
    fn positions_follow_serde_json() {
        let f = parse_as::<u32>("\n  \"x\"").unwrap();
        assert_eq!(f.end, 6);
        assert_eq!(offset_of("ab\ncd", 2, 1), 4);
    }
}
