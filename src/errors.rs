//! The package's exception and the conversions of serde / pythonize errors into it.

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};

pyo3::create_exception!(
    a3s_session,
    SessionFormatError,
    PyValueError,
    "A document (or value) that the a3s-code-core crate rejects.\n\n\
     Attributes: `msg` (serde's message), `line` and `column` (1-based, None when the \
     input was not JSON text), `path` (the field path, e.g. `messages[3].content[0].type`)."
);

/// A rejected input, with enough context to point at it.
pub(crate) struct FormatError {
    pub msg: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub path: String,
}

impl FormatError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self {
            msg: msg.into(),
            line: None,
            column: None,
            path: String::new(),
        }
    }

    /// From a `serde_path_to_error` wrapped serde_json error (text input).
    pub fn from_json(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = render_path(err.path());
        let inner = err.into_inner();
        let (line, column) = (inner.line(), inner.column());
        Self {
            msg: strip_position(&inner.to_string()),
            // serde_json reports line 0 for errors that are not tied to a position.
            line: (line > 0).then_some(line),
            column: (line > 0).then_some(column),
            path,
        }
    }

    /// From a plain serde_json error (trailing data after the document).
    pub fn from_json_error(err: serde_json::Error) -> Self {
        let (line, column) = (err.line(), err.column());
        Self {
            msg: strip_position(&err.to_string()),
            line: (line > 0).then_some(line),
            column: (line > 0).then_some(column),
            path: String::new(),
        }
    }

    /// From a `serde_path_to_error` wrapped error of our Python-object deserializer.
    pub fn from_python(err: serde_path_to_error::Error<crate::depythonize::DeError>) -> Self {
        let path = render_path(err.path());
        Self {
            msg: err.into_inner().to_string(),
            line: None,
            column: None,
            path,
        }
    }

    pub fn at(mut self, path: &str) -> Self {
        if self.path.is_empty() || self.path == "." {
            self.path = path.to_owned();
        } else {
            self.path = format!("{path}.{}", self.path);
        }
        self
    }

    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let mut text = self.msg.clone();
        if !self.path.is_empty() {
            text = format!("{text} (at `{}`)", self.path);
        }
        if let (Some(l), Some(c)) = (self.line, self.column) {
            text = format!("{text} at line {l} column {c}");
        }
        let err = SessionFormatError::new_err(text);
        let value = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice; if it
        // ever does, the message still carries everything.
        let _ = value.setattr("msg", self.msg);
        let _ = value.setattr("line", self.line);
        let _ = value.setattr("column", self.column);
        let _ = value.setattr("path", self.path);
        err
    }
}

/// serde_json appends " at line X column Y" to messages; we keep those in attributes.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_owned(),
        _ => msg.to_owned(),
    }
}

/// `messages[3].content[0].type` style rendering of a serde_path_to_error path.
fn render_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    // A syntax error has no field to point at; serde_path_to_error says "?".
    while out.ends_with(".?") {
        out.truncate(out.len() - 2);
    }
    if out == "?" {
        out.clear();
    }
    out
}

/// Error for a value assigned from Python to a field: TypeError for the wrong kind of
/// value, OverflowError for an integer out of the field's range, else SessionFormatError.
pub(crate) fn assignment_error(
    py: Python<'_>,
    field: &str,
    value: &Bound<'_, PyAny>,
    err: serde_path_to_error::Error<crate::depythonize::DeError>,
) -> PyErr {
    let inner = render_path(err.path());
    let msg = err.into_inner().to_string();
    // Inside an assigned dict/list the value itself was the right kind: what is wrong is the
    // document, reported like `from_dict` reports it.
    if !inner.is_empty() {
        let path = if inner.starts_with('[') {
            format!("{field}{inner}")
        } else {
            format!("{field}.{inner}")
        };
        let mut e = FormatError::new(msg);
        e.path = path;
        return e.into_pyerr(py);
    }
    // Interpreter errors raised while reading the value ("OverflowError: ...").
    if let Some(rest) = msg.strip_prefix("TypeError: ") {
        return PyTypeError::new_err(format!("{field}: {rest}"));
    }
    if let Some(rest) = msg.strip_prefix("OverflowError: ") {
        return PyOverflowError::new_err(format!("{field}: {rest}"));
    }
    let is_int = value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>();
    // An int that a number field cannot hold (negative for unsigned, too big; beyond 64 bits
    // it reaches the field as a float, as serde_json would read it) overflows. An int where
    // no number is wanted is simply the wrong type.
    let number_field = ["expected u", "expected i", "expected f"]
        .iter()
        .any(|e| msg.contains(e));
    let is_number = is_int || value.is_instance_of::<pyo3::types::PyFloat>();
    if (is_int && number_field) || (is_number && msg.contains("out of range for an f32")) {
        return PyOverflowError::new_err(format!("{field}: {msg}"));
    }
    if msg.starts_with("invalid type") {
        return PyTypeError::new_err(format!("{field}: {msg}"));
    }
    FormatError::new(msg).at(field).into_pyerr(py)
}
