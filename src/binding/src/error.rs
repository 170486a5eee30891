//! Errors of the binding as one enum with a structured field path, classified where the type
//! is known (the JSON reader, the Python-object reader, the views) and turned into a Python
//! exception in exactly one place, [`Error::into_pyerr`].

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::depythonize::{DeError, DeKind};

pyo3::create_exception!(
    a3s_session,
    DefaultSessionFormatError,
    PyValueError,
    "A document (or value) that the a3s-code-core crate rejects."
);

/// The Python class raised for `Error::Format`. A generation module installs the package's
/// shared class at import (so both generations raise the same `SessionFormatError`); without
/// one (the layer's own tests) a class of the layer is used.
static FORMAT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn install_format_error(py: Python<'_>, class: Bound<'_, PyType>) -> PyResult<()> {
    let _ = FORMAT_ERROR.set(py, class.unbind());
    Ok(())
}

pub fn format_error_class(py: Python<'_>) -> Bound<'_, PyType> {
    FORMAT_ERROR
        .get_or_init(py, || py.get_type::<DefaultSessionFormatError>().unbind())
        .bind(py)
        .clone()
}

/// The package's function that turns the unknown fields of a read into a warning or an
/// exception (`a3s_session._errors._report_unknown_fields`), installed like the error class.
static UNKNOWN_REPORTER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

pub fn install_unknown_reporter(py: Python<'_>, reporter: Bound<'_, PyAny>) -> PyResult<()> {
    let _ = UNKNOWN_REPORTER.set(py, reporter.unbind());
    Ok(())
}

/// What the unknown-field check found: the field paths, or why it could not list them (a
/// document the crate accepts may still be beyond what the check can parse, e.g. nesting
/// deeper than serde_json's recursion limit inside a value the crate skips).
pub type Unknown = std::result::Result<Vec<String>, String>;

/// Report the fields of a document read into `class` that the crate ignores: a warning, or
/// (policy `error`) the exception to raise. Without the package's reporter (the layer's own
/// tests) a plain `UserWarning` / format error says the same.
pub fn report_unknown(
    py: Python<'_>,
    class: &str,
    found: Unknown,
    policy: crate::unknown::Policy,
) -> Result<()> {
    use crate::unknown::Policy;
    let (fields, reason) = match found {
        Ok(fields) => (fields, None),
        Err(reason) => (Vec::new(), Some(reason)),
    };
    if (fields.is_empty() && reason.is_none()) || policy == Policy::Ignore {
        return Ok(());
    }
    if let Some(reporter) = UNKNOWN_REPORTER.get(py) {
        reporter
            .bind(py)
            .call1((class, fields, policy.as_str(), reason))?;
        return Ok(());
    }
    let msg = match reason {
        Some(reason) => format!("{class}: could not list the fields the crate ignores: {reason}"),
        None => format!("{class}: fields the crate ignores: {}", fields.join(", ")),
    };
    match policy {
        Policy::Error => Err(Error::format(msg)),
        _ => {
            let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
            let text = std::ffi::CString::new(msg).unwrap_or_default();
            PyErr::warn(py, &category, &text, 1)?;
            Ok(())
        }
    }
}

/// What went wrong, and where (a field path like `messages[3].content[0].type`).
#[derive(Debug)]
pub enum Error {
    /// The crate rejects a document or value: `SessionFormatError` (a `ValueError`) with the
    /// serde message, the 1-based line/column in the text when there was text, and the path.
    Format {
        msg: String,
        line: Option<usize>,
        column: Option<usize>,
        path: String,
    },
    /// A Python value of the wrong kind: `TypeError`.
    Type { msg: String, path: String },
    /// A number outside its field's range: `OverflowError`.
    Overflow { msg: String, path: String },
    /// An exception raised by the interpreter itself, passed through (a `TypeError` among
    /// them gets the path prefixed).
    Python { err: PyErr, path: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<PyErr> for Error {
    fn from(err: PyErr) -> Self {
        Error::Python {
            err,
            path: String::new(),
        }
    }
}

impl From<Error> for PyErr {
    fn from(err: Error) -> Self {
        Python::attach(|py| err.into_pyerr(py))
    }
}

/// `segment` + `path`: `content` + `[1].text` is `content[1].text`, `config` + `name` is
/// `config.name`.
pub fn join_path(segment: &str, path: &str) -> String {
    if path.is_empty() {
        segment.to_owned()
    } else if segment.is_empty() {
        path.to_owned()
    } else if path.starts_with('[') {
        format!("{segment}{path}")
    } else {
        format!("{segment}.{path}")
    }
}

impl Error {
    /// One line saying what went wrong (for a message that is not this error's own).
    pub fn describe(&self) -> String {
        match self {
            Error::Format {
                msg, line, column, ..
            } => match (line, column) {
                (Some(l), Some(c)) => format!("{msg} at line {l} column {c}"),
                _ => msg.clone(),
            },
            Error::Type { msg, .. } | Error::Overflow { msg, .. } => msg.clone(),
            Error::Python { err, .. } => err.to_string(),
        }
    }

    pub fn format(msg: impl Into<String>) -> Self {
        Error::Format {
            msg: msg.into(),
            line: None,
            column: None,
            path: String::new(),
        }
    }

    pub fn type_error(msg: impl Into<String>) -> Self {
        Error::Type {
            msg: msg.into(),
            path: String::new(),
        }
    }

    /// Format error at a position in the text.
    pub fn format_at(msg: impl Into<String>, (line, column): (usize, usize)) -> Self {
        Error::Format {
            msg: msg.into(),
            line: Some(line),
            column: Some(column),
            path: String::new(),
        }
    }

    fn path_mut(&mut self) -> &mut String {
        match self {
            Error::Format { path, .. }
            | Error::Type { path, .. }
            | Error::Overflow { path, .. }
            | Error::Python { path, .. } => path,
        }
    }

    pub fn path(&self) -> &str {
        match self {
            Error::Format { path, .. }
            | Error::Type { path, .. }
            | Error::Overflow { path, .. }
            | Error::Python { path, .. } => path,
        }
    }

    /// The error happened inside `segment` (a field name, or `[i]`).
    pub fn at(mut self, segment: &str) -> Self {
        let path = self.path_mut();
        *path = join_path(segment, path);
        self
    }

    /// The error happened inside list item `index`.
    pub fn at_index(self, index: usize) -> Self {
        self.at(&format!("[{index}]"))
    }

    /// From a `serde_path_to_error` wrapped serde_json error (text input).
    pub fn from_json(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = render_path(err.path());
        let mut out = Self::from_json_error(err.into_inner());
        *out.path_mut() = path;
        out
    }

    /// From a plain serde_json error; serde_json reports line 0 for errors with no position.
    pub fn from_json_error(err: serde_json::Error) -> Self {
        let (line, column) = (err.line(), err.column());
        Error::Format {
            msg: strip_position(&err.to_string()),
            line: (line > 0).then_some(line),
            column: (line > 0).then_some(column),
            path: String::new(),
        }
    }

    /// From the Python-object reader, for a whole document (`from_dict`): the crate rejects
    /// it, whatever the kind of mistake.
    pub fn from_document(err: serde_path_to_error::Error<DeError>) -> Self {
        let path = render_path(err.path());
        match err.into_inner() {
            DeError::Python(err) => Error::Python { err, path },
            other => Error::Format {
                msg: other.to_string(),
                line: None,
                column: None,
                path,
            },
        }
    }

    /// From the Python-object reader, for a value assigned to `field`: the wrong kind of value
    /// is a TypeError, a number out of range an OverflowError; inside an assigned dict or
    /// list, the value itself was the right kind and the document is what is wrong.
    pub fn from_assignment(field: &str, err: serde_path_to_error::Error<DeError>) -> Self {
        let inner = render_path(err.path());
        let path = join_path(field, &inner);
        let de = err.into_inner();
        if !inner.is_empty() {
            if let DeError::Python(err) = de {
                return Error::Python { err, path };
            }
            return Error::Format {
                msg: de.to_string(),
                line: None,
                column: None,
                path,
            };
        }
        match de {
            DeError::Python(err) => Error::Python { err, path },
            DeError::Other { kind, msg } => match kind {
                DeKind::Type | DeKind::TypeForNumber => Error::Type { msg, path },
                DeKind::Overflow => Error::Overflow { msg, path },
                DeKind::Value => Error::Format {
                    msg,
                    line: None,
                    column: None,
                    path,
                },
            },
        }
    }

    /// The one place where an error becomes a Python exception.
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let prefixed = |path: &str, msg: &str| {
            if path.is_empty() {
                msg.to_owned()
            } else {
                format!("{path}: {msg}")
            }
        };
        match self {
            Error::Format {
                msg,
                line,
                column,
                path,
            } => {
                let mut text = msg.clone();
                if !path.is_empty() {
                    text = format!("{text} (at `{path}`)");
                }
                if let (Some(l), Some(c)) = (line, column) {
                    text = format!("{text} at line {l} column {c}");
                }
                let class = format_error_class(py);
                let err = match class.call1((text,)) {
                    Ok(value) => {
                        // Setting attributes on a fresh exception cannot fail in practice; if
                        // it does, the message still carries everything.
                        let _ = value.setattr("msg", msg);
                        let _ = value.setattr("line", line);
                        let _ = value.setattr("column", column);
                        let _ = value.setattr("path", path);
                        PyErr::from_value(value)
                    }
                    Err(e) => e,
                };
                err
            }
            Error::Type { msg, path } => PyTypeError::new_err(prefixed(&path, &msg)),
            Error::Overflow { msg, path } => PyOverflowError::new_err(prefixed(&path, &msg)),
            Error::Python { err, path } => {
                if !path.is_empty() && err.is_instance_of::<PyTypeError>(py) {
                    PyTypeError::new_err(prefixed(&path, &err.value(py).to_string()))
                } else {
                    err
                }
            }
        }
    }
}

/// 1-based line and column (in bytes, as serde_json counts) of byte offset `at`: the one
/// position rule for errors found by Rust and by Python code alike.
pub fn line_column(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => before.len() - nl - 1,
        None => before.len(),
    };
    (line, column)
}

/// Where serde_json puts errors about a whole value: its end (the last non-blank byte).
pub fn end_of_value(bytes: &[u8]) -> (usize, usize) {
    line_column(bytes, bytes.trim_ascii_end().len())
}

/// serde_json appends " at line X column Y" to messages; we keep those in attributes.
pub(crate) fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_owned(),
        _ => msg.to_owned(),
    }
}

/// `messages[3].content[0].type` style rendering of a serde_path_to_error path.
pub fn render_path(path: &serde_path_to_error::Path) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_fields_and_indices() {
        assert_eq!(join_path("content", "[1].text"), "content[1].text");
        assert_eq!(join_path("config", "name"), "config.name");
        assert_eq!(join_path("tasks", ""), "tasks");
        let e = Error::format("bad").at("text").at_index(2).at("content");
        assert_eq!(e.path(), "content[2].text");
    }

    #[test]
    fn line_and_column_count_bytes_from_one() {
        let text = b"{\n  \"a\": 1,\n  x\n}";
        assert_eq!(line_column(text, 0), (1, 0));
        assert_eq!(line_column(text, 1), (1, 1));
        assert_eq!(line_column(text, 15), (3, 3));
        assert_eq!(end_of_value(b"{}\n\n"), (1, 2));
    }

    #[test]
    fn serde_json_positions_move_to_fields() {
        let err = serde_json::from_str::<u32>("  true").unwrap_err();
        match Error::from_json_error(err) {
            Error::Format {
                msg, line, column, ..
            } => {
                assert_eq!(msg, "invalid type: boolean `true`, expected u32");
                assert_eq!((line, column), (Some(1), Some(6)));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
