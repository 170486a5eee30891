//! JSON text in and out, through the crate's serde impls and serde_json exactly as the
//! generation being built compiles it (the layer enables no serde_json feature of its own).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::depythonize::{Floats, PyDeserializer};
use crate::error::{end_of_value, line_column, render_path, Error, Result};
use crate::explain::{self, Explainer};
use crate::lock::maybe_detach;
use crate::writer;
use std::sync::atomic::{AtomicBool, Ordering};

/// Documents at least this large are parsed / written with the interpreter released.
/// Below it, detaching costs more than it lets other threads gain.
pub const DETACH_THRESHOLD: usize = 16 * 1024;

/// What a class accepts of the values its crate type can hold (a class over one enum
/// variant, say); `Ok` for everything else.
pub type Admit<T> = fn(&T) -> std::result::Result<(), String>;

/// Parse JSON text with the crate's serde impls, recording the field path of any error and
/// rejecting trailing data, like `serde_json::from_str` does. The text must be UTF-8 as a
/// whole, as for the crate's stores (they read files with `read_to_string`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8], admit: Admit<T>) -> Result<T> {
    parse_json_str(validate_utf8(bytes)?, admit)
}

/// The bytes as text, or an error at the first byte that is not UTF-8.
pub fn validate_utf8(bytes: &[u8]) -> Result<&str> {
    simdutf8::compat::from_utf8(bytes).map_err(|e| {
        // The column of the offending byte itself, 1-based, as serde_json reports positions.
        Error::format_at(
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            line_column(bytes, e.valid_up_to() + 1),
        )
    })
}

/// Parse already validated text (a Python str's UTF-8).
pub fn parse_json_str<T: DeserializeOwned>(text: &str, admit: Admit<T>) -> Result<T> {
    parse_json_explained(text, admit, explain::nothing)
}

/// `parse_json`, with `explain` (the class table of `T`) locating errors that serde can only
/// place at an enum (see `explain`).
pub fn parse_json_bytes_explained<T: DeserializeOwned>(
    bytes: &[u8],
    admit: Admit<T>,
    explain: Explainer,
) -> Result<T> {
    parse_json_explained(validate_utf8(bytes)?, admit, explain)
}

/// `parse_json_str`, with `explain` locating errors inside enums.
pub fn parse_json_explained<T: DeserializeOwned>(
    text: &str,
    admit: Admit<T>,
    explain: Explainer,
) -> Result<T> {
    let bytes = text.as_bytes();
    // Fast path: plain serde_json, exactly what the crate's store does. Tracking the field
    // path costs about as much as parsing itself, so it is only paid to explain a failure.
    if let Ok(value) = serde_json::from_str(text) {
        // A value the class does not hold is an error about the document as a whole.
        return admit(&value)
            .map(|()| value)
            .map_err(|msg| Error::format_at(msg, end_of_value(bytes)));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let finer = explain_error(text, &e, explain);
        let mut err = Error::from_json(e);
        if let (
            Some(finer),
            Error::Format {
                msg,
                line,
                column,
                path,
            },
        ) = (finer, &mut err)
        {
            let (l, c) = line_column(bytes, finer.end);
            (*msg, *line, *column, *path) = (finer.msg, Some(l), Some(c), finer.path);
        }
        if let Error::Format { line, column, .. } = &mut err {
            if line.is_none() {
                // An error raised after serde_json returned the whole top-level value (a
                // tagged enum decided from its buffered content) carries no position: point
                // at the end of that value, as serde_json does for the same error nested in
                // an object.
                let (l, c) = end_of_value(bytes);
                (*line, *column) = (Some(l), Some(c));
            }
        }
        err
    })?;
    de.end().map_err(Error::from_json_error)?;
    Ok(value)
}

/// The explainer's account of a data error serde placed at an enum, when it is the same error
/// at a deeper path.
fn explain_error(
    text: &str,
    err: &serde_path_to_error::Error<serde_json::Error>,
    explain: Explainer,
) -> Option<explain::Finer> {
    if err.inner().classify() != serde_json::error::Category::Data {
        return None;
    }
    let steps = explain::steps_of(err.path())?;
    let msg = crate::error::strip_position(&err.inner().to_string());
    explain::refine(text, &steps, &msg, &render_path(err.path()), explain)
}

/// Whether `write_json` tries the fast writer first (see `writer`); on unless switched off.
static FAST_WRITER: AtomicBool = AtomicBool::new(true);

/// Switch the fast writer on or off (off: every value goes through serde_json itself);
/// returns the previous setting.
pub fn set_fast_writer(enabled: bool) -> bool {
    FAST_WRITER.swap(enabled, Ordering::Relaxed)
}

/// Serialize to serde_json's exact bytes, as the crate's store does (`to_string_pretty`) or
/// compact: with the fast writer, or with serde_json where it gives up.
pub fn write_json<T: Serialize>(value: &T, pretty: bool) -> Result<String> {
    if FAST_WRITER.load(Ordering::Relaxed) {
        if let Some(text) = writer::to_string(value, pretty) {
            return Ok(text);
        }
    }
    let out = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    out.map_err(|e| Error::format(e.to_string()))
}

/// Borrow the UTF-8 bytes of a `str`, `bytes` or `bytearray` argument and parse them,
/// detached when large.
pub fn parse_input<T>(py: Python<'_>, data: &Bound<'_, PyAny>, admit: Admit<T>) -> Result<T>
where
    T: DeserializeOwned + Send,
{
    with_input_text(py, data, |text| parse_json_str(text, admit))
}

/// Run `f` on the text of a `str`, `bytes` or `bytearray` argument (bytes must be UTF-8 as a
/// whole), detached from the interpreter when the text is large.
pub fn with_input_text<R, F>(py: Python<'_>, data: &Bound<'_, PyAny>, f: F) -> Result<R>
where
    R: Send,
    F: FnOnce(&str) -> Result<R> + Send,
{
    if let Ok(b) = data.cast::<PyBytes>() {
        let bytes = b.as_bytes();
        maybe_detach(py, bytes.len() >= DETACH_THRESHOLD, || {
            f(validate_utf8(bytes)?)
        })
    } else if data.is_instance_of::<PyString>() {
        let text = borrow_text(data)?;
        maybe_detach(py, text.len() >= DETACH_THRESHOLD, || f(text))
    } else if let Ok(b) = data.cast::<PyByteArray>() {
        // A bytearray may change under us once detached: parse a private copy.
        let bytes = b.to_vec();
        maybe_detach(py, bytes.len() >= DETACH_THRESHOLD, || {
            f(validate_utf8(&bytes)?)
        })
    } else {
        Err(Error::type_error(format!(
            "expected str, bytes or bytearray, got {}",
            data.get_type().name()?
        )))
    }
}

/// The text of a `str` or `bytes` argument, borrowed (bytes must be UTF-8 as a whole).
pub fn borrow_text<'a>(source: &'a Bound<'_, PyAny>) -> Result<&'a str> {
    if let Ok(s) = source.cast::<PyString>() {
        s.to_str()
            .map_err(|_| Error::format("str is not valid UTF-8 (it contains a lone surrogate)"))
    } else if let Ok(b) = source.cast::<PyBytes>() {
        simdutf8::basic::from_utf8(b.as_bytes()).map_err(|_| Error::format("not valid UTF-8"))
    } else {
        Err(Error::type_error(format!(
            "expected str or bytes, got {}",
            source.get_type().name()?
        )))
    }
}

/// Build a crate value from Python builtins (dict/list/str/int/float/bool/None) through the
/// crate's own Deserialize impl, reading them as serde_json would read the same JSON.
pub fn from_python<T: DeserializeOwned>(obj: &Bound<'_, PyAny>) -> Result<T> {
    from_python_nested(obj, 0)
}

/// `from_python`, with `explain` (the class table of `T`) locating errors serde can only
/// place at an enum. The explainer reads text, so the object is written with `json.dumps`
/// (in its own key order) only once the crate has rejected it.
pub fn from_python_explained<T: DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    explain: Explainer,
) -> Result<T> {
    from_python(obj).map_err(|mut err| {
        if let Error::Format { msg, path, .. } = &mut err {
            if let Some(finer) =
                dumps(obj).and_then(|text| explain::refine(&text, &[], msg, path, explain))
            {
                (*msg, *path) = (finer.msg, finer.path);
            }
        }
        err
    })
}

/// `json.dumps(obj)`, or `None` when Python cannot write it.
fn dumps(obj: &Bound<'_, PyAny>) -> Option<String> {
    let json = obj.py().import("json").ok()?;
    json.call_method1("dumps", (obj,)).ok()?.extract().ok()
}

/// Like `from_python`, for a value that sits `outer` containers deep in a document: the
/// nesting limit leaves room for them, so the document's JSON stays readable.
pub fn from_python_nested<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, outer: usize) -> Result<T> {
    let de = PyDeserializer::new(obj, Floats::AsJson).nested(outer);
    serde_path_to_error::deserialize(de).map_err(Error::from_document)
}

/// The JSON text of Python builtins, as serde_json writes the same value (for comparing
/// what a dict held with what the crate made of it).
pub fn python_to_text(obj: &Bound<'_, PyAny>) -> Result<String> {
    let value: serde_json::Value = from_python(obj)?;
    serde_json::to_string(&value).map_err(|e| Error::format(e.to_string()))
}

/// `json.loads(text)`: `to_dict()` must equal exactly what Python reads back from `to_json()`,
/// f32 fields and non-finite floats (written as null) included.
pub fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    loads.bind(py).call1((text,))
}

/// A serde value as the plain Python value `json.loads` gives for its JSON.
pub fn to_builtins<T: Serialize>(py: Python<'_>, value: &T) -> Result<Py<PyAny>> {
    let text = write_json(value, false)?;
    Ok(json_loads(py, &text)?.unbind())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Point {
        x: u32,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn accept_all(_: &Point) -> std::result::Result<(), String> {
        Ok(())
    }

    #[test]
    fn parses_like_serde_json_and_reports_paths() {
        let p: Point = parse_json(br#"{"x": 3}"#, accept_all).unwrap();
        assert_eq!(p, Point { x: 3, tags: vec![] });
        match parse_json::<Point>(b"{\"x\": 3,\n \"tags\": [1]}", accept_all) {
            Err(Error::Format {
                msg,
                line,
                column,
                path,
            }) => {
                assert_eq!(msg, "invalid type: integer `1`, expected a string");
                assert_eq!((line, column), (Some(2), Some(11)));
                assert_eq!(path, "tags[0]");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn rejects_trailing_data_and_bad_utf8() {
        assert!(matches!(
            parse_json::<Point>(br#"{"x": 1} x"#, accept_all),
            Err(Error::Format { line: Some(1), .. })
        ));
        match parse_json::<Point>(b"{\"x\": \xff}", accept_all) {
            Err(Error::Format { msg, column, .. }) => {
                assert_eq!(msg, "invalid UTF-8 at byte 6");
                assert_eq!(column, Some(7));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn admit_errors_point_at_the_end_of_the_value() {
        fn only_even(p: &Point) -> std::result::Result<(), String> {
            if p.x.is_multiple_of(2) {
                Ok(())
            } else {
                Err("odd".into())
            }
        }
        match parse_json::<Point>(b"{\"x\": 1}\n", only_even) {
            Err(Error::Format { line, column, .. }) => {
                assert_eq!((line, column), (Some(1), Some(8)))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let p = Point {
            x: 1,
            tags: vec!["é".into()],
        };
        assert_eq!(write_json(&p, false).unwrap(), r#"{"x":1,"tags":["é"]}"#);
        assert_eq!(
            write_json(&p, true).unwrap(),
            "{\n  \"x\": 1,\n  \"tags\": [\n    \"é\"\n  ]\n}"
        );
    }
}
