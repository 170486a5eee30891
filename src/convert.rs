//! Conversions written once: JSON text <-> crate values (through the crate's serde impls),
//! Python values <-> crate scalars, locking, and releasing the interpreter for big work.

use std::collections::HashMap;

use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString};
use pyo3::IntoPyObjectExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::depythonize::{Floats, PyDeserializer};
use crate::errors::{assignment_error, FormatError};

/// Documents at least this large are parsed / written with the interpreter released.
/// Below it, detaching costs more than it lets other threads gain.
pub(crate) const DETACH_THRESHOLD: usize = 16 * 1024;

/// serde_json's own nesting limit; Python input gets the same one before it reaches
/// recursive Rust code (serializer, Drop), so a hostile object cannot overflow the stack.
pub(crate) const MAX_DEPTH: usize = 128;

/// The lock of one object: a mutex that knows which thread holds it, so that re-entrant
/// access from the same thread (a finalizer run by the garbage collector while the object
/// is being read, say) raises instead of waiting for itself forever.
pub(crate) struct Lock<T> {
    mutex: Mutex<T>,
    owner: AtomicU64,
}

pub(crate) struct Guard<'a, T> {
    guard: MutexGuard<'a, T>,
    owner: &'a AtomicU64,
}

impl<T> Lock<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            mutex: Mutex::new(value),
            owner: AtomicU64::new(0),
        }
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.mutex.get_mut()
    }
}

impl<T> std::ops::Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> std::ops::DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // Runs before the mutex guard (a field) unlocks.
        self.owner.store(0, Ordering::Release);
    }
}

/// A process-unique, non-zero number for the current thread.
fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TOKEN.with(|t| *t)
}

/// Lock without ever blocking while attached to the interpreter: a holder that released the
/// interpreter may need it back before it unlocks, so waiting attached could deadlock.
pub(crate) fn lock<'a, T: Send>(py: Python<'_>, l: &'a Lock<T>) -> PyResult<Guard<'a, T>> {
    let me = thread_token();
    let guard = match l.mutex.try_lock() {
        Some(guard) => guard,
        None => {
            if l.owner.load(Ordering::Acquire) == me {
                return Err(PyRuntimeError::new_err(
                    "re-entrant access: this thread is already inside this object (from a \
                     finalizer or callback run while it was being read or written)",
                ));
            }
            py.detach(|| l.mutex.lock())
        }
    };
    l.owner.store(me, Ordering::Release);
    Ok(Guard {
        guard,
        owner: &l.owner,
    })
}

/// Run `f` detached from the interpreter when the work is big enough to matter.
pub(crate) fn maybe_detach<T, F>(py: Python<'_>, big: bool, f: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    if big {
        py.detach(f)
    } else {
        f()
    }
}

/// What a class accepts of the values its crate type can hold (the block classes each hold
/// one variant); `Ok` for everything else.
pub(crate) type Admit<T> = fn(&T) -> Result<(), String>;

/// Parse JSON text with the crate's serde impls, recording the field path of any error and
/// rejecting trailing data, like `serde_json::from_str` does. The text must be UTF-8 as a
/// whole, as for the crate's store (it reads files with `read_to_string`).
pub(crate) fn parse_json<T: DeserializeOwned>(
    bytes: &[u8],
    admit: Admit<T>,
) -> Result<T, FormatError> {
    let text = simdutf8::compat::from_utf8(bytes).map_err(|e| {
        // The column of the offending byte itself, 1-based, as serde_json reports positions.
        let (line, column) = position(bytes, e.valid_up_to() + 1);
        FormatError {
            msg: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            line: Some(line),
            column: Some(column),
            path: String::new(),
        }
    })?;
    parse_json_str(text, admit)
}

/// Parse already validated text (a Python str's UTF-8).
fn parse_json_str<T: DeserializeOwned>(text: &str, admit: Admit<T>) -> Result<T, FormatError> {
    let bytes = text.as_bytes();
    // Fast path: plain serde_json, exactly what the crate's store does. Tracking the field
    // path costs about as much as parsing itself, so it is only paid to explain a failure.
    if let Ok(value) = serde_json::from_str(text) {
        // A value the class does not hold is an error about the document as a whole.
        return admit(&value).map(|()| value).map_err(|msg| {
            let mut err = FormatError::new(msg);
            (err.line, err.column) = end_of_value(bytes);
            err
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut err = FormatError::from_json(e);
        if err.line.is_none() {
            // An error raised after serde_json returned the whole top-level value (a tagged
            // enum decided from its buffered content) carries no position: point at the end
            // of that value, as serde_json does for the same error nested in an object.
            (err.line, err.column) = end_of_value(bytes);
        }
        err
    })?;
    de.end().map_err(FormatError::from_json_error)?;
    Ok(value)
}

/// Where serde_json puts errors about a whole value: its end (the last non-blank byte).
fn end_of_value(bytes: &[u8]) -> (Option<usize>, Option<usize>) {
    let (line, column) = position(bytes, bytes.trim_ascii_end().len());
    (Some(line), Some(column))
}

/// 1-based line and column (in bytes, like serde_json) of byte offset `at`.
fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => before.len() - nl - 1,
        None => before.len(),
    };
    (line, column)
}

/// Serialize with serde_json exactly as the crate's store does (`to_string_pretty`) or compact.
pub(crate) fn write_json<T: Serialize>(value: &T, pretty: bool) -> Result<String, FormatError> {
    let out = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    out.map_err(|e| FormatError::new(e.to_string()))
}

/// Borrow the UTF-8 bytes of a `str`, `bytes` or `bytearray` argument and parse them,
/// detached when large.
pub(crate) fn parse_input<T>(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    admit: Admit<T>,
) -> PyResult<T>
where
    T: DeserializeOwned + Send,
{
    let result = if let Ok(b) = data.cast::<PyBytes>() {
        let bytes = b.as_bytes();
        maybe_detach(py, bytes.len() >= DETACH_THRESHOLD, || {
            parse_json(bytes, admit)
        })
    } else if let Ok(s) = data.cast::<PyString>() {
        let text = s.to_str().map_err(|_| {
            FormatError::new("str is not valid UTF-8 (it contains a lone surrogate)").into_pyerr(py)
        })?;
        maybe_detach(py, text.len() >= DETACH_THRESHOLD, || {
            parse_json_str(text, admit)
        })
    } else if let Ok(b) = data.cast::<PyByteArray>() {
        // A bytearray may change under us once detached: parse a private copy.
        let bytes = b.to_vec();
        maybe_detach(py, bytes.len() >= DETACH_THRESHOLD, || {
            parse_json(&bytes, admit)
        })
    } else {
        return Err(PyTypeError::new_err(format!(
            "expected str, bytes or bytearray, got {}",
            data.get_type().name()?
        )));
    };
    result.map_err(|e| e.into_pyerr(py))
}

/// Build a crate value from Python builtins (dict/list/str/int/float/bool/None) through the
/// crate's own Deserialize impl, reading them as serde_json would read the same JSON.
pub(crate) fn from_python<T: DeserializeOwned>(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
) -> PyResult<T> {
    from_python_nested(py, obj, 0)
}

/// Like `from_python`, for a value that sits `outer` containers deep in a session document:
/// the nesting limit leaves room for them, so the session's JSON stays readable.
pub(crate) fn from_python_nested<T: DeserializeOwned>(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    outer: usize,
) -> PyResult<T> {
    let de = PyDeserializer::new(obj, Floats::AsJson).nested(outer);
    serde_path_to_error::deserialize(de).map_err(|e| FormatError::from_python(e).into_pyerr(py))
}

/// `json.loads(text)`: `to_dict()` must equal exactly what Python reads back from `to_json()`,
/// f32 fields and non-finite floats (written as null) included.
pub(crate) fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let loads = LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    loads.bind(py).call1((text,))
}

// ---------------------------------------------------------------------------------------
// Scalars: crate field value -> Python object.
// ---------------------------------------------------------------------------------------

/// How a crate scalar reads from Python. Written once per Rust type, used by every field.
pub(crate) trait ToPyField {
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
        Ok(PyString::new(py, self).into_any().unbind())
    }
}

impl ToPyField for f32 {
    /// The float Python reads back from the crate's JSON for this f32: serde_json prints the
    /// shortest decimal that round-trips the f32 (1/3 -> 0.33333334), so read that decimal.
    fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        f32_as_json_f64(*self).into_py_any(py)
    }
}

pub(crate) fn f32_as_json_f64(v: f32) -> f64 {
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
            _ => Err(FormatError::new("timestamp did not serialize to a string").into_pyerr(py)),
        }
    }
}

/// Convert a Python value for assignment to `field`, through the crate's Deserialize.
/// A `datetime` is accepted where the crate wants RFC 3339 text.
pub(crate) fn assign<T: DeserializeOwned>(
    py: Python<'_>,
    field: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<T> {
    let converted;
    let value = if is_datetime(py, value)? {
        converted = value.call_method0("isoformat")?;
        &converted
    } else {
        value
    };
    let de = PyDeserializer::new(value, Floats::Finite);
    serde_path_to_error::deserialize(de).map_err(|e| assignment_error(py, field, value, e))
}

fn is_datetime(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let cls = DATETIME.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("datetime")?.getattr("datetime")?.unbind())
    })?;
    value.is_instance(cls.bind(py))
}

// ---------------------------------------------------------------------------------------
// Enums: the crate's unit-variant enums become Python `enum.Enum` classes (str mixin) whose
// members are read from the crate's own Deserialize impl, so they cannot drift.
// ---------------------------------------------------------------------------------------

/// A Python enum class and its members by wire name.
pub(crate) struct PyEnum {
    class: Py<PyAny>,
    members: Vec<(&'static str, Py<PyAny>)>,
}

/// Registry of the Python enum classes, by Python class name.
static ENUMS: PyOnceLock<HashMap<&'static str, PyEnum>> = PyOnceLock::new();

/// The wire names of a unit-variant enum, as its Deserialize impl declares them.
pub(crate) fn variant_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = VariantProbe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

struct VariantProbe(&'static [&'static str]);

impl<'de> serde::Deserializer<'de> for &mut VariantProbe {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("variant probe"))
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = variants;
        Err(serde::de::Error::custom("variant probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

pub(crate) fn register_enum<T: DeserializeOwned>(
    py: Python<'_>,
    registry: &mut HashMap<&'static str, PyEnum>,
    name: &'static str,
    doc: &str,
) -> PyResult<()> {
    let enum_mod = py.import("enum")?;
    let wires = variant_names::<T>();
    let members: Vec<(String, &str)> = wires
        .iter()
        .map(|wire| (wire.to_uppercase(), *wire))
        .collect();
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", "a3s_session")?;
    kwargs.set_item("type", py.get_type::<PyString>())?;
    let cls = enum_mod
        .getattr("Enum")?
        .call((name, members), Some(&kwargs))?;
    cls.setattr("__doc__", doc)?;
    // Members print as their wire value: f"{SessionState.ACTIVE}" == "Active".
    let str_fn = py.get_type::<PyString>().getattr("__str__")?;
    cls.setattr("__str__", str_fn)?;
    let members = wires
        .iter()
        .map(|wire| Ok((*wire, cls.call1((*wire,))?.unbind())))
        .collect::<PyResult<Vec<_>>>()?;
    registry.insert(
        name,
        PyEnum {
            class: cls.unbind(),
            members,
        },
    );
    Ok(())
}

/// Add every registered enum class to the module.
pub(crate) fn add_enums(
    m: &Bound<'_, pyo3::types::PyModule>,
    map: &HashMap<&'static str, PyEnum>,
) -> PyResult<()> {
    for (name, e) in map {
        m.add(*name, e.class.bind(m.py()))?;
    }
    Ok(())
}

pub(crate) fn init_enums(py: Python<'_>, map: HashMap<&'static str, PyEnum>) -> PyResult<()> {
    ENUMS
        .set(py, map)
        .map_err(|_| PyTypeError::new_err("enums registered twice"))
}

/// The member of Python enum `name` whose value is `wire`.
pub(crate) fn enum_member(py: Python<'_>, name: &str, wire: &str) -> PyResult<Py<PyAny>> {
    ENUMS
        .get(py)
        .and_then(|m| m.get(name))
        .and_then(|e| e.members.iter().find(|(w, _)| *w == wire))
        .map(|(_, member)| member.clone_ref(py))
        .ok_or_else(|| PyTypeError::new_err(format!("{name} has no member {wire:?}")))
}

/// A unit-variant enum field reads as the Python enum member with the same wire name.
macro_rules! enum_to_py {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl $crate::convert::ToPyField for $t {
            fn to_py(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let wire = match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(s)) => s,
                    _ => return Err($crate::errors::FormatError::new("enum did not serialize to a name").into_pyerr(py)),
                };
                $crate::convert::enum_member(py, $name, &wire)
            }
        }
    )*};
}
pub(crate) use enum_to_py;
