//! Crate scalars (numbers, strings, timestamps, Options of them) to Python and back. Written
//! once per Rust type and used by every field of every class.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;
use serde::de::DeserializeOwned;

use crate::depythonize::{Floats, PyDeserializer};
use crate::error::{Error, Result};

/// How a crate scalar reads from Python. Written once per Rust type, used by every field.
pub trait ToPyField {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

macro_rules! plain_to_py {
    ($($t:ty),*) => {$(
        impl ToPyField for $t {
            fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.clone().into_py_any(py)
            }
        }
    )*};
}
plain_to_py!(bool, u32, usize, i64, f64);

impl ToPyField for String {
    /// Straight from the crate's bytes to a Python str (no intermediate Rust copy).
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(crate::pystr::new(py, self).into_any().unbind())
    }
}

impl ToPyField for f32 {
    /// The float Python reads back from the crate's JSON for this f32: serde_json prints the
    /// shortest decimal that round-trips the f32 (1/3 -> 0.33333334), so read that decimal.
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        f32_as_json_f64(*self).into_py_any(py)
    }
}

pub fn f32_as_json_f64(v: f32) -> f64 {
    if v.is_finite() {
        // Display of f32 is the shortest round-trip decimal, the same digits ryu prints.
        v.to_string().parse::<f64>().unwrap_or(v as f64)
    } else {
        v as f64
    }
}

impl<T: ToPyField> ToPyField for Option<T> {
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None()),
        }
    }
}

impl ToPyField for chrono::DateTime<chrono::Utc> {
    /// The exact RFC 3339 text the crate writes (nanoseconds kept; Python's datetime would
    /// drop them).
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s.into_py_any(py),
            _ => Err(Error::format("timestamp did not serialize to a string").into_pyerr(py)),
        }
    }
}

/// Convert a Python value for assignment to `field`, through the crate's Deserialize.
/// A `datetime` is accepted where the crate wants RFC 3339 text.
pub fn assign<T: DeserializeOwned>(
    py: Python<'_>,
    field: &str,
    value: &Bound<'_, PyAny>,
) -> Result<T> {
    let converted;
    let value = if is_datetime(py, value)? {
        converted = value.call_method0("isoformat")?;
        &converted
    } else {
        value
    };
    let de = PyDeserializer::new(value, Floats::Finite);
    serde_path_to_error::deserialize(de).map_err(|e| Error::from_assignment(field, e))
}

fn is_datetime(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let cls = DATETIME.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("datetime")?.getattr("datetime")?.unbind())
    })?;
    value.is_instance(cls.bind(py))
}

#[cfg(test)]
mod tests {
    use super::f32_as_json_f64;

    #[test]
    fn f32_reads_as_the_decimal_serde_json_prints() {
        assert_eq!(f32_as_json_f64(1.0 / 3.0), 0.33333334);
        assert_eq!(f32_as_json_f64(0.8), 0.8);
        assert!(f32_as_json_f64(f32::INFINITY).is_infinite());
    }
}
