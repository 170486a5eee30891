//! What a write-back would drop: the fields of an input document that the crate ignores.
//!
//! Decided by the crate alone, with no field rule here. A key of the input that the crate's
//! output for it lacks is a *candidate* (a key whose value is `null` is not: dropping it loses
//! nothing). The crate then reads the input again with a probe (a value no field type accepts)
//! at every candidate: a key it reads (an alias, a secret, a default it skips) rejects the
//! probe, so nothing is lost there; a key it ignores accepts it.
//!
//! The common case costs one walk of the value, compared with the input's skeleton as it goes
//! (`skeleton`): a document whose keys the crate writes back in place (every file its store
//! wrote) has no unknown field. Only a mismatch pays for a serialization.

use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::json::{parse_json_str, write_json, Admit};

/// What reading a document does about fields the crate ignores (`unknown=` in Python).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Emit `UnknownFieldsWarning` listing them (the default).
    Warn,
    /// Raise `UnknownFieldsError`.
    Error,
    /// Say nothing (and do not look).
    Ignore,
}

impl Policy {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "warn" => Ok(Policy::Warn),
            "error" => Ok(Policy::Error),
            "ignore" => Ok(Policy::Ignore),
            other => Err(Error::Python {
                err: pyo3::exceptions::PyValueError::new_err(format!(
                    "unknown= must be 'warn', 'error' or 'ignore', not {other:?}"
                )),
                path: String::new(),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Warn => "warn",
            Policy::Error => "error",
            Policy::Ignore => "ignore",
        }
    }
}

/// The probe's key: no field is named like this, so the probe is an object no field of a
/// struct type can be read from when the struct has a required field, and never a scalar.
const PROBE_KEY: &str = "\u{0}a3s-session probe";

fn probe() -> Value {
    let mut m = Map::new();
    m.insert(PROBE_KEY.to_owned(), Value::Array(vec![Value::Null]));
    Value::Object(m)
}

/// Field paths (`config.extra`, `messages[2].content[0].cache_control`) of `source`, the JSON
/// text `value` was read from, that the crate would not write back.
pub fn unknown_fields<T>(source: &str, value: &T, admit: Admit<T>) -> Result<Vec<String>>
where
    T: Serialize + DeserializeOwned,
{
    if crate::skeleton::same_skeleton(source, value) {
        return Ok(Vec::new()); // every input key is where the output has it
    }
    let trimmed = source.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let written = write_json(value, trimmed.as_bytes().contains(&b'\n'))?;
    if written == trimmed || same_keys(trimmed.as_bytes(), written.as_bytes()) {
        return Ok(Vec::new());
    }
    let src: Value = serde_json::from_str(source).map_err(Error::from_json_error)?;
    let out = serde_json::to_value(value).map_err(|e| Error::format(e.to_string()))?;
    let mut candidates = Vec::new();
    collect(&src, &out, &mut Vec::new(), &mut candidates);
    confirm(src, candidates, admit)
}

/// Whether two JSON texts (both already read by serde_json) have the same tokens in the same
/// order, whitespace aside, numbers compared only as numbers: then every key of one is in the
/// other. This catches what the crate writes back with a float one ulp away (3.0.0 reads
/// floats without `float_roundtrip`) or in another layout, without building either value.
/// A string written differently (`\u00e9` for `é`) just means "not the same" here.
fn same_keys(a: &[u8], b: &[u8]) -> bool {
    let (mut i, mut j) = (0, 0);
    loop {
        i = skip_ws(a, i);
        j = skip_ws(b, j);
        match (a.get(i), b.get(j)) {
            (None, None) => return true,
            (Some(&x), Some(&y)) if is_number_start(x) && is_number_start(y) => {
                i = number_end(a, i);
                j = number_end(b, j);
            }
            (Some(b'"'), Some(b'"')) => {
                let (ei, ej) = (string_end(a, i), string_end(b, j));
                if a[i..ei] != b[j..ej] {
                    return false;
                }
                (i, j) = (ei, ej);
            }
            (Some(&x), Some(&y)) if x == y => {
                // Punctuation, or the first letter of true/false/null (the rest follows).
                let len = match x {
                    b't' | b'n' => 4,
                    b'f' => 5,
                    _ => 1,
                };
                if a.get(i..i + len) != b.get(j..j + len) {
                    return false;
                }
                (i, j) = (i + len, j + len);
            }
            _ => return false,
        }
    }
}

fn skip_ws(t: &[u8], mut i: usize) -> usize {
    while matches!(t.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn is_number_start(c: u8) -> bool {
    c == b'-' || c.is_ascii_digit()
}

fn number_end(t: &[u8], mut i: usize) -> usize {
    while matches!(
        t.get(i),
        Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
    ) {
        i += 1;
    }
    i
}

/// The end (after the closing quote) of the string whose opening quote is at `i`.
fn string_end(t: &[u8], mut i: usize) -> usize {
    i += 1;
    while let Some(k) = t
        .get(i..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        i += k;
        if t[i] == b'"' {
            return i + 1;
        }
        i += 2; // a backslash and the character it escapes
    }
    t.len()
}

/// One step of a path into a JSON value.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Clone, Debug)]
struct Candidate {
    steps: Vec<Step>,
    path: String,
}

fn render(steps: &[Step]) -> String {
    steps.iter().fold(String::new(), |path, step| match step {
        Step::Key(k) => {
            if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            }
        }
        Step::Index(i) => format!("{path}[{i}]"),
    })
}

/// Keys of `src` that `out` (the crate's output for it) lacks: objects key by key, arrays
/// element by element.
fn collect(src: &Value, out: &Value, at: &mut Vec<Step>, found: &mut Vec<Candidate>) {
    match (src, out) {
        (Value::Object(s), Value::Object(o)) => {
            for (key, value) in s {
                at.push(Step::Key(key.clone()));
                match o.get(key) {
                    Some(written) => collect(value, written, at, found),
                    None if !value.is_null() => {
                        found.push(Candidate {
                            steps: at.clone(),
                            path: render(at),
                        });
                        // The crate may read this key into another one (an alias): compare
                        // what is inside with the one output key it can have become, so
                        // fields dropped inside it are found too.
                        if let Some(written) = counterpart(value, s, o) {
                            collect(value, written, at, found);
                        }
                    }
                    None => {}
                }
                at.pop();
            }
        }
        (Value::Array(s), Value::Array(o)) => {
            for (i, (a, b)) in s.iter().zip(o).enumerate() {
                at.push(Step::Index(i));
                collect(a, b, at, found);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The only key of the output object `o` that the input `s` lacks and whose value has the
/// shape of `value` (an array of the same length, or an object), if exactly one does.
fn counterpart<'a>(
    value: &Value,
    s: &Map<String, Value>,
    o: &'a Map<String, Value>,
) -> Option<&'a Value> {
    let same_shape = |w: &Value| match (value, w) {
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && !a.is_empty(),
        (Value::Object(a), Value::Object(_)) => !a.is_empty(),
        _ => false,
    };
    let mut found = o
        .iter()
        .filter(|(k, w)| !s.contains_key(*k) && same_shape(w));
    match (found.next(), found.next()) {
        (Some((_, w)), None) => Some(w),
        _ => None,
    }
}

/// Drop candidates inside another candidate the crate ignores as a whole.
fn outermost(mut paths: Vec<String>) -> Vec<String> {
    let all = paths.clone();
    paths.retain(|p| !all.iter().any(|q| q != p && within(p, q)));
    paths
}

fn slot<'a>(doc: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps.iter().try_fold(doc, |at, step| match (step, at) {
        (Step::Key(k), Value::Object(m)) => m.get_mut(k),
        (Step::Index(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

/// Does the crate accept `doc` with probes at `at`? `Err` carries the rejection's field path.
fn accepts<T: DeserializeOwned>(
    doc: &Value,
    at: &[&Candidate],
    admit: Admit<T>,
) -> Result<std::result::Result<(), String>> {
    let mut probed = doc.clone();
    for c in at {
        if let Some(v) = slot(&mut probed, &c.steps) {
            *v = probe();
        }
    }
    let text = serde_json::to_string(&probed).map_err(|e| Error::format(e.to_string()))?;
    Ok(match parse_json_str::<T>(&text, admit) {
        Ok(_) => Ok(()),
        Err(e) => Err(e.path().to_owned()),
    })
}

/// `path` is `candidate` or inside it.
fn within(path: &str, candidate: &str) -> bool {
    path.strip_prefix(candidate)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// Keep the candidates the crate ignores. All probes go in at once: the crate accepting the
/// document means it ignores them all; a rejection names (by its path) one key it reads,
/// which is set aside before the next try. When the path does not single one out (an error
/// inside buffered content carries the path of the enclosing value only), each remaining
/// candidate is probed alone.
fn confirm<T: DeserializeOwned>(
    src: Value,
    mut pending: Vec<Candidate>,
    admit: Admit<T>,
) -> Result<Vec<String>> {
    loop {
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let all: Vec<&Candidate> = pending.iter().collect();
        let rejected_at = match accepts(&src, &all, admit)? {
            Ok(()) => return Ok(outermost(pending.into_iter().map(|c| c.path).collect())),
            Err(path) => path,
        };
        let hits: Vec<usize> = (0..pending.len())
            .filter(|&i| within(&rejected_at, &pending[i].path))
            .collect();
        let inside: Vec<usize> = (0..pending.len())
            .filter(|&i| within(&pending[i].path, &rejected_at))
            .collect();
        let known = match (hits.as_slice(), inside.as_slice()) {
            ([one], _) | ([], [one]) => *one,
            _ => break,
        };
        pending.remove(known);
    }
    let mut unknown = Vec::new();
    for c in &pending {
        if accepts(&src, &[c], admit)?.is_ok() {
            unknown.push(c.path.clone());
        }
    }
    Ok(outermost(unknown))
}

/// The keys of a top-level JSON object, in document order (values skipped, not built), or
/// `None` when the text is not one JSON object.
pub fn top_level_keys(text: &str) -> Option<Vec<String>> {
    struct Keys(Vec<String>);
    struct KeysVisitor;
    impl<'de> Visitor<'de> for KeysVisitor {
        type Value = Keys;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Keys, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(Keys(keys))
        }
    }
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Keys, D::Error> {
            d.deserialize_map(KeysVisitor)
        }
    }
    serde_json::from_str::<Keys>(text).ok().map(|k| k.0)
}

/// The members of a top-level JSON object as (key, the value's exact text), in document
/// order. Only for text serde_json has already accepted as a whole (a scan of its structure,
/// not a validator); `None` when it is not an object.
pub fn top_level_members(text: &str) -> Option<Vec<(String, &str)>> {
    let b = text.as_bytes();
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    let string_end =
        |i: usize| Some(string_end(b, i)).filter(|&e| e <= b.len() && b[e - 1] == b'"');
    let mut i = 0;
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut members = Vec::new();
    loop {
        ws(&mut i);
        match b.get(i)? {
            b'}' => return Some(members),
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = string_end(i)?;
        let key: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        i = key_end;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ws(&mut i);
        let start = i;
        let mut depth = 0usize;
        while i < b.len() {
            match b[i] {
                b'"' => {
                    i = string_end(i)?;
                    if depth == 0 {
                        break;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => break,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                b',' if depth == 0 => break,
                b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break,
                _ => {}
            }
            i += 1;
        }
        members.push((key, text.get(start..i)?));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, Debug)]
    struct Inner {
        a: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<String>,
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug)]
    struct Doc {
        #[serde(alias = "old_items")]
        items: Vec<Inner>,
        #[serde(default, skip_serializing)]
        #[allow(dead_code)] // read, never written: what a secret is
        secret: Option<String>,
    }

    fn any(_: &Doc) -> std::result::Result<(), String> {
        Ok(())
    }

    fn unknown(text: &str) -> Vec<String> {
        let doc: Doc = serde_json::from_str(text).unwrap();
        unknown_fields(text, &doc, any).unwrap()
    }

    #[test]
    fn what_the_crate_writes_back_has_none() {
        let doc: Doc = serde_json::from_str(r#"{"items":[{"a":1}]}"#).unwrap();
        let text = write_json(&doc, true).unwrap();
        assert!(unknown_fields(&format!("{text}\n"), &doc, any)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn keys_the_crate_reads_are_not_reported() {
        // An alias, a secret never written, a skipped default, a null: all understood.
        let text = r#"{"old_items":[{"a":1,"skipped":"x"}],"secret":"s","extra":null}"#;
        assert!(unknown(text).is_empty());
    }

    #[test]
    fn ignored_keys_are_reported_with_their_paths() {
        let text = r#"{"items":[{"a":1,"x":{"deep":1}},{"a":2,"y":[1]}],"secret":"s","top":true}"#;
        assert_eq!(unknown(text), vec!["items[0].x", "items[1].y", "top"]);
    }

    #[test]
    fn fields_dropped_inside_an_alias_are_found() {
        let text = r#"{"old_items":[{"a":1},{"a":2,"z":3}],"junk":{"k":[1]}}"#;
        assert_eq!(unknown(text), vec!["junk", "old_items[1].z"]);
    }

    #[test]
    fn same_keys_ignores_layout_and_number_values_only() {
        assert!(same_keys(
            br#"{"a": [1.5, true], "b": "x\"y"}"#,
            b"{\"a\":[1.50000001,true],\"b\":\"x\\\"y\"}"
        ));
        assert!(!same_keys(br#"{"a": 1}"#, br#"{"b": 1}"#));
        assert!(!same_keys(br#"{"a": 1, "c": 2}"#, br#"{"a": 1}"#));
        assert!(!same_keys(br#"{"a": "1"}"#, br#"{"a": 1}"#));
        assert!(!same_keys(br#"{"a": true}"#, br#"{"a": null}"#));
        assert!(!same_keys(
            br#"{"a": "\u00e9"}"#,
            "{\"a\": \"é\"}".as_bytes()
        ));
    }

    #[test]
    fn top_level_scans() {
        let text =
            " {\"a\" : [1, {\"b\": \"}\"}] ,\"s\\\"q\":\"x\\\"y\", \"n\": -1.5e3 ,\"o\":{}}\n";
        assert_eq!(
            top_level_keys(text).unwrap(),
            vec!["a".to_owned(), "s\"q".into(), "n".into(), "o".into()]
        );
        let members = top_level_members(text).unwrap();
        let got: Vec<(&str, &str)> = members.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            got,
            vec![
                ("a", "[1, {\"b\": \"}\"}]"),
                ("s\"q", "\"x\\\"y\""),
                ("n", "-1.5e3"),
                ("o", "{}")
            ]
        );
        assert_eq!(top_level_keys("[1]"), None);
        assert_eq!(top_level_members("[1]"), None);
        assert_eq!(top_level_members("{}"), Some(vec![]));
    }
}
