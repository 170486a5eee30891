//! Records: a crate value behind a lock, plus lazily created Python views of its container
//! fields. Every operation a generated class offers is a generic function here; the
//! `record_class!` macro only glues a class table to them.
//!
//! The crate value is the source of truth for every field without a view. The first read
//! of a container field moves that part of the value into Python objects (a view) which
//! from then on is the truth for that field: mutations through Python are seen by the next
//! `to_json()`. Serializing puts the views' content back into the crate value for the
//! duration of the call, then takes it out again. A value that was never looked at goes
//! from `from_json` to `to_json` without a single Python object being built.

use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::types::{PyBytes, PyDict, PyType};
use pyo3::{PyClass, PyClassInitializer};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::report_unknown;
use crate::error::{Error, Result};
use crate::json::{self, with_input_text, write_json};
use crate::kept::Keep;
use crate::listview::ListView;
use crate::lock::{free_detached, lock, maybe_detach, Lock};
use crate::scalar::assign;
use crate::unknown::Policy;

/// A crate value and its views.
pub struct State<V, W> {
    pub value: V,
    pub views: W,
}

/// A field accessor generated from the class table: `None` when the value is another enum
/// variant than the one the class holds.
pub type Field<V, T> = fn(&V) -> Option<&T>;
pub type FieldMut<V, T> = fn(&mut V) -> Option<&mut T>;

/// What each class table provides to the generic operations.
pub trait Node:
    Sized + Send + Sync + PyClass<Frozen = True> + Into<PyClassInitializer<Self>>
{
    type Value: Clone + Serialize + DeserializeOwned + Send + Sync + 'static;
    type Views: Views<Self::Value>;
    /// Python class name, for messages.
    const NAME: &'static str;
    /// Release the interpreter while serializing and freeing (worth it for big values only).
    const DETACH: bool;
    /// Keyword arguments the constructor requires.
    const REQUIRED: &'static [&'static str];
    /// Every field's attribute name.
    const FIELDS: &'static [&'static str];
    /// The fields read through member descriptors over objects made with the record
    /// (`fastattr::member`): the small ones read most.
    const SLOTS: &'static [&'static str];
    /// Attributes shown by `repr`.
    const REPR: &'static [&'static str];
    /// Attributes whose value `repr` masks (the crate never writes them either).
    const SECRETS: &'static [&'static str];
    /// JSON paths of arrays that are sets in the crate (a `HashSet`, written in random
    /// order): equality compares them as sets.
    const SETS: &'static [&'static [&'static str]];

    fn state(&self) -> &Lock<State<Self::Value, Self::Views>>;
    /// The Python objects kept for fields read again (see `kept`).
    type Kept: Keep;
    fn kept(&self) -> &Self::Kept;
    /// The record over `value`, its slot fields' objects made (see `fastattr::member`).
    fn wrap(py: Python<'_>, value: Self::Value) -> Self;
    /// A cheap stand-in value (the constructor's seed), left behind while a value is lent.
    fn placeholder() -> Self::Value;
    /// Reject crate values this class cannot hold (a class over one enum variant).
    fn admit(value: &Self::Value) -> std::result::Result<(), String>;
    /// Assign one keyword of the constructor or one attribute; `Ok(false)` when the class
    /// has no such field.
    fn set_field(&self, py: Python<'_>, field: &str, value: &Bound<'_, PyAny>) -> Result<bool>;
    /// The crate's error for reading `text` (after following `at`) as this class's value,
    /// located through the class table's fields (see `explain`).
    fn explain(text: &str, at: &[crate::explain::Step]) -> Option<crate::explain::Finer>;
}

/// The per-class set of views, generated from the table's `views` list.
pub trait Views<V>: Default + Send + 'static {
    fn is_empty(&self) -> bool;
    /// Fill every viewed field of `value` from its view.
    fn restore(&self, py: Python<'_>, value: &mut V) -> Result<()>;
    /// Like `restore`, but child values may be moved in rather than cloned (see `Loan`);
    /// pushes one loan per viewed field, in field order.
    fn lend(&self, py: Python<'_>, value: &mut V, loans: &mut Vec<Loan>) -> Result<()>;
    /// Undo `lend`: give every moved value back, and empty the viewed fields. Returns what
    /// must be dropped attached (references to Python objects).
    fn repay(&self, value: &mut V, loans: Vec<Loan>) -> Vec<Loan>;
}

/// Values moved out of child objects for one serialization, with the children kept locked
/// until they get them back. Type-erased so each view kind keeps its own record.
#[derive(Default)]
pub struct Loan(pub Option<Box<dyn std::any::Any + Send>>);

/// How one viewed field turns into a Python object and back. Implemented once per kind of
/// field (list of a class, nested object, optional object, free-form JSON, ...).
pub trait ViewKind {
    type Rust;
    /// Build the view from the field's crate value; may move the value out of `slot`.
    fn lift(py: Python<'_>, field: &'static str, slot: &mut Self::Rust) -> Result<Py<PyAny>>;
    /// The field's value as an immutable Python object (a `str`) made from a copy, when it
    /// is one: then no view is made, the crate value stays where it is and the object is
    /// kept as a scalar's is, from its second read (a walk that reads it once holds no
    /// second copy). `None`: the field needs its view (`lift`).
    fn copy(_py: Python<'_>, _slot: &Self::Rust) -> Option<Py<PyAny>> {
        None
    }
    /// Rebuild the crate value from the view.
    fn lower(py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<Self::Rust>;
    /// Validate and convert a value assigned from Python into a view.
    fn accept(py: Python<'_>, field: &'static str, value: &Bound<'_, PyAny>) -> Result<Py<PyAny>>;
    /// Drop what `restore` put into `slot` (or what a new view replaced).
    fn vacate(slot: &mut Self::Rust);
    /// `lower` for one serialization: may move values out of children instead of cloning.
    fn lend(py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<(Self::Rust, Loan)> {
        Ok((Self::lower(py, view)?, Loan::default()))
    }
    /// Give back what `lend` moved and empty the slot; returns Python references to drop
    /// once attached again.
    fn repay(slot: &mut Self::Rust, loan: Loan) -> Loan {
        Self::vacate(slot);
        loan
    }
    /// The crate's error for reading `text` (after following `at`) as this field, located
    /// as precisely as the kind can (see `explain`); `None` when it cannot say.
    fn explain(_text: &str, _at: &[crate::explain::Step]) -> Option<crate::explain::Finer> {
        None
    }
}

// ---------------------------------------------------------------------------------------
// One viewed field, for the generated `Views` impls.
// ---------------------------------------------------------------------------------------

pub fn restore_field<K: ViewKind>(
    py: Python<'_>,
    name: &str,
    view: &Option<Py<PyAny>>,
    slot: Option<&mut K::Rust>,
) -> Result<()> {
    if let Some(view) = view {
        let fresh = K::lower(py, view.bind(py)).map_err(|e| e.at(name))?;
        if let Some(slot) = slot {
            *slot = fresh;
        }
    }
    Ok(())
}

pub fn lend_field<K: ViewKind>(
    py: Python<'_>,
    name: &str,
    view: &Option<Py<PyAny>>,
    slot: Option<&mut K::Rust>,
    loans: &mut Vec<Loan>,
) -> Result<()> {
    let Some(view) = view else { return Ok(()) };
    let (mut fresh, loan) = K::lend(py, view.bind(py)).map_err(|e| e.at(name))?;
    match slot {
        Some(slot) => {
            *slot = fresh;
            loans.push(loan);
        }
        None => {
            // Cannot happen (the variant is fixed); give the values back.
            drop(K::repay(&mut fresh, loan));
            loans.push(Loan::default());
        }
    }
    Ok(())
}

pub fn repay_field<K: ViewKind>(
    view: &Option<Py<PyAny>>,
    slot: Option<&mut K::Rust>,
    loans: &mut impl Iterator<Item = Loan>,
    keep: &mut Vec<Loan>,
) {
    if view.is_none() {
        return;
    }
    if let Some(slot) = slot {
        match loans.next() {
            Some(loan) => keep.push(K::repay(slot, loan)),
            None => K::vacate(slot),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Values in and out.
// ---------------------------------------------------------------------------------------

/// A complete, independent crate value (views folded in).
pub fn snapshot<N: Node>(py: Python<'_>, node: &N) -> Result<N::Value> {
    let guard = lock(py, node.state())?;
    let mut value = guard.value.clone();
    if !guard.views.is_empty() {
        guard.views.restore(py, &mut value)?;
    }
    Ok(value)
}

/// Run `f` on the complete crate value (views folded in for the duration, nothing cloned),
/// detached from the interpreter when `detach` is set.
pub fn with_value<N, R, F>(py: Python<'_>, node: &N, detach: bool, f: F) -> Result<R>
where
    N: Node,
    R: Send,
    F: FnOnce(&N::Value) -> R + Send,
{
    let mut guard = lock(py, node.state())?;
    let viewed = !guard.views.is_empty();
    let mut loans = Vec::new();
    if viewed {
        let state = &mut *guard;
        if let Err(e) = state.views.lend(py, &mut state.value, &mut loans) {
            let keep = state.views.repay(&mut state.value, loans);
            drop(guard);
            drop(keep);
            return Err(e);
        }
    }
    // The lock (and the children's locks inside the loans) travel into the detached closure
    // and are released there, before we attach again (see `lock::lock` for why).
    let (out, keep) = maybe_detach(py, detach, move || {
        let out = f(&guard.value);
        let mut keep = Vec::new();
        if viewed {
            let state = &mut *guard;
            keep = state.views.repay(&mut state.value, loans);
        }
        drop(guard);
        (out, keep)
    });
    drop(keep);
    Ok(out)
}

/// Serialize through the crate's serde impl, folding views in for the duration.
pub fn to_json<N: Node>(py: Python<'_>, node: &N, pretty: bool) -> Result<String> {
    with_value(py, node, N::DETACH, |value| write_json(value, pretty))?
}

pub fn to_json_bytes<'py, N: Node>(
    py: Python<'py>,
    node: &N,
    pretty: bool,
) -> Result<Bound<'py, PyBytes>> {
    let text = to_json(py, node, pretty)?;
    Ok(PyBytes::new(py, text.as_bytes()))
}

/// JSON builtins, equal to `json.loads(to_json())`.
pub fn to_dict<'py, N: Node>(py: Python<'py>, node: &N) -> Result<Bound<'py, PyAny>> {
    let text = to_json(py, node, false)?;
    Ok(json::json_loads(py, &text)?)
}

/// Field paths of `source` (the JSON this value was read from: `str` or `bytes`) that the
/// crate would not write back (see `unknown`).
pub fn unknown_fields<N: Node>(
    py: Python<'_>,
    node: &N,
    source: &Bound<'_, PyAny>,
) -> Result<Vec<String>> {
    let text = json::borrow_text(source)?;
    let detach = N::DETACH && text.len() >= json::DETACH_THRESHOLD;
    with_value(py, node, detach, |value| {
        crate::unknown::unknown_fields(text, value, N::admit)
    })?
}

pub fn admit_or_err<N: Node>(py: Python<'_>, value: N::Value) -> Result<N> {
    N::admit(&value).map_err(Error::format)?;
    Ok(N::wrap(py, value))
}

/// Parse JSON text with the crate; fields it ignores are reported by `policy` (checked in
/// the same detached stretch as the parse: see `unknown` and `skeleton` for the cost).
pub fn from_json<N: Node>(py: Python<'_>, data: &Bound<'_, PyAny>, policy: Policy) -> Result<N> {
    let (value, unknown) = with_input_text(py, data, |text| {
        let value = json::parse_json_explained(text, N::admit, N::explain)?;
        // The crate accepted the document: the check never turns that into a failure.
        let unknown = match policy {
            Policy::Ignore => Ok(Vec::new()),
            _ => crate::unknown::unknown_fields(text, &value, N::admit).map_err(|e| e.describe()),
        };
        Ok((value, unknown))
    })?;
    let node = N::wrap(py, value);
    report_unknown(py, <N as Node>::NAME, unknown, policy)?;
    Ok(node)
}

/// Build from JSON builtins with the crate; fields it ignores are reported by `policy`.
pub fn from_dict<N: Node>(data: &Bound<'_, PyAny>, policy: Policy) -> Result<N> {
    let node: N = admit_or_err(data.py(), json::from_python_explained(data, N::explain)?)?;
    if policy != Policy::Ignore {
        let py = data.py();
        let unknown = match json::python_to_text(data) {
            Ok(text) => with_value(py, &node, false, |value| {
                crate::unknown::unknown_fields(&text, value, N::admit).map_err(|e| e.describe())
            })?,
            Err(e) => Err(e.describe()),
        };
        report_unknown(py, <N as Node>::NAME, unknown, policy)?;
    }
    Ok(node)
}

/// The keyword constructor: the seed value, then each keyword assigned as an attribute.
pub fn from_kwargs<N: Node>(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> Result<N> {
    let this = N::wrap(py, N::placeholder());
    for required in N::REQUIRED {
        if !kwargs.map_or(Ok(false), |k| k.contains(*required))? {
            return Err(Error::type_error(format!(
                "{}() missing required keyword argument '{required}'",
                <N as Node>::NAME
            )));
        }
    }
    if let Some(kwargs) = kwargs {
        for (k, v) in kwargs.iter() {
            let key: String = k.extract()?;
            set_attribute(py, &this, &key, &v)?;
        }
    }
    Ok(this)
}

pub fn set_attribute<N: Node>(
    py: Python<'_>,
    node: &N,
    field: &str,
    value: &Bound<'_, PyAny>,
) -> Result<()> {
    if node.set_field(py, field, value)? {
        Ok(())
    } else {
        Err(Error::type_error(format!(
            "{}() got an unexpected keyword argument '{field}'",
            <N as Node>::NAME
        )))
    }
}

fn missing_variant<N: Node>() -> Error {
    Error::format(format!("{} holds another kind of value", <N as Node>::NAME))
}

// ---------------------------------------------------------------------------------------
// Attributes.
// ---------------------------------------------------------------------------------------

/// How the table says a scalar reads (see `scalar_reader!`).
pub type Reader<T> = fn(&T, Python<'_>) -> PyResult<Py<PyAny>>;

/// Read a scalar field: the object kept from an earlier read, or one made from the crate
/// value (kept when it is read again and `keep` allows; see `kept`). `slot`: the field's
/// position in the class table.
pub fn get_scalar<N: Node, T>(
    py: Python<'_>,
    node: &N,
    slot: usize,
    keep: bool,
    field: Field<N::Value, T>,
    read: Reader<T>,
) -> Result<Py<PyAny>> {
    if let Some(kept) = node.kept().get(py, slot) {
        return Ok(kept);
    }
    let g = lock(py, node.state())?;
    let value = field(&g.value).ok_or_else(missing_variant::<N>)?;
    let obj = read(value, py)?;
    if keep {
        // Under the lock: a setter (which forgets under it too) cannot slip in between.
        node.kept().keep(py, slot, &obj, true);
    }
    Ok(obj)
}

/// Assign a scalar field through the crate's Deserialize for its type.
///
/// A slot field (`refill`: its reader) gets the new value's object at once: its member
/// descriptor has nothing to fall back on. Other fields drop what was kept.
pub fn set_scalar<N: Node, T: DeserializeOwned>(
    py: Python<'_>,
    node: &N,
    name: &str,
    slot: usize,
    field: FieldMut<N::Value, T>,
    refill: Option<Reader<T>>,
    value: &Bound<'_, PyAny>,
) -> Result<()> {
    let v: T = assign(py, name, value)?;
    // Made before anything changes, so that a failure leaves the record as it was.
    let object = refill.map(|read| read(&v, py)).transpose()?;
    let mut g = lock(py, node.state())?;
    let target = field(&mut g.value).ok_or_else(missing_variant::<N>)?;
    *target = v;
    match object {
        Some(object) => node.kept().put(slot, object),
        None => node.kept().forget(slot),
    }
    Ok(())
}

/// Make a slot field's object when its record is made (see `fastattr::member`). `None`: the
/// value is another variant (which `admit` refuses). A failure to make it (out of memory)
/// is reported as unraisable, and the attribute then reads as missing.
pub fn fill_slot<T>(
    py: Python<'_>,
    kept: &impl Keep,
    slot: usize,
    value: Option<&T>,
    read: Reader<T>,
) {
    if let Some(value) = value {
        match read(value, py) {
            Ok(object) => kept.put(slot, object),
            Err(err) => err.write_unraisable(py, None),
        }
    }
}

/// Make a slot view's object when its record is made, as its first read would (`None`: the
/// value is another variant). A failure is reported as for `fill_slot`.
pub fn fill_view_slot<K: ViewKind>(
    py: Python<'_>,
    kept: &impl Keep,
    slot: usize,
    name: &'static str,
    value: Option<&mut K::Rust>,
    view: &mut Option<Py<PyAny>>,
) {
    if let Some(value) = value {
        match K::lift(py, name, value) {
            Ok(fresh) => {
                kept.put(slot, fresh.clone_ref(py));
                *view = Some(fresh);
            }
            Err(err) => PyErr::from(err).write_unraisable(py, None),
        }
    }
}

/// `__setattr__` (`value` Some) and `__delattr__` (None) of a record: a field goes to its
/// setter (deleting one is refused); any other name to `object.__setattr__`, which says
/// the record has no such attribute.
pub fn setattr<N: Node>(
    slf: &Bound<'_, N>,
    name: &Bound<'_, pyo3::types::PyString>,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let py = slf.py();
    let field = name.to_str()?;
    match value {
        Some(value) => {
            if slf.get().set_field(py, field, value)? {
                return Ok(());
            }
        }
        None => {
            if N::FIELDS.contains(&field) {
                return Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                    "cannot delete field '{field}' of {}",
                    <N as Node>::NAME
                )));
            }
        }
    }
    let value = value.map_or(std::ptr::null_mut(), |v| v.as_ptr());
    // SAFETY: all three are valid (value may be null: a delete), attached.
    let status = unsafe { pyo3::ffi::PyObject_GenericSetAttr(slf.as_ptr(), name.as_ptr(), value) };
    if status == 0 {
        Ok(())
    } else {
        Err(PyErr::fetch(py))
    }
}

/// Where a class keeps the view of one field.
pub type ViewSlot<W> = fn(&mut W) -> &mut Option<Py<PyAny>>;

/// Read a viewed field: the view, created from the crate value on first read.
pub fn get_view<N: Node, K: ViewKind>(
    py: Python<'_>,
    node: &N,
    name: &'static str,
    slot: usize,
    field: FieldMut<N::Value, K::Rust>,
    view: ViewSlot<N::Views>,
) -> Result<Py<PyAny>> {
    if let Some(kept) = node.kept().get(py, slot) {
        return Ok(kept);
    }
    let mut g = lock(py, node.state())?;
    let state = &mut *g;
    if let Some(existing) = view(&mut state.views) {
        // A view assigned since the last read (the setter forgot the kept one).
        let existing = existing.clone_ref(py);
        node.kept().keep(py, slot, &existing, false);
        return Ok(existing);
    }
    let value = field(&mut state.value).ok_or_else(missing_variant::<N>)?;
    if let Some(copy) = K::copy(py, value) {
        // Under the lock: a setter (which forgets under it too) cannot slip in between.
        node.kept().keep(py, slot, &copy, true);
        return Ok(copy);
    }
    let fresh = K::lift(py, name, value)?;
    *view(&mut state.views) = Some(fresh.clone_ref(py));
    node.kept().keep(py, slot, &fresh, false);
    Ok(fresh)
}

/// Assign a viewed field: the value is checked and becomes the field's view.
// The arguments are one field's table entry, as `get_view`'s are, plus the value.
#[allow(clippy::too_many_arguments)]
pub fn set_view<N: Node, K: ViewKind>(
    py: Python<'_>,
    node: &N,
    name: &'static str,
    slot: usize,
    field: FieldMut<N::Value, K::Rust>,
    view: ViewSlot<N::Views>,
    slot_field: bool,
    value: &Bound<'_, PyAny>,
) -> Result<()> {
    let fresh = K::accept(py, name, value).map_err(|e| e.at(name))?;
    let mut g = lock(py, node.state())?;
    let state = &mut *g;
    if let Some(slot) = field(&mut state.value) {
        K::vacate(slot);
    }
    if slot_field {
        node.kept().put(slot, fresh.clone_ref(py));
    } else {
        node.kept().forget(slot);
    }
    let old = view(&mut state.views).replace(fresh);
    drop(g);
    drop(old);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Object protocol.
// ---------------------------------------------------------------------------------------

/// Value equality as the crate's serde sees it (maps compare as maps, sets as sets).
pub fn eq<N: Node>(py: Python<'_>, a: &N, other: &Bound<'_, PyAny>) -> Result<Py<PyAny>> {
    use pyo3::IntoPyObjectExt;
    let Ok(b) = other.cast::<N>() else {
        return Ok(py.NotImplemented());
    };
    let b = b.get();
    if std::ptr::eq(a, b) {
        return Ok(true.into_py_any(py)?);
    }
    let (va, vb) = (snapshot(py, a)?, snapshot(py, b)?);
    match (serde_json::to_value(&va), serde_json::to_value(&vb)) {
        (Ok(mut x), Ok(mut y)) => {
            for path in N::SETS {
                sort_set(&mut x, path);
                sort_set(&mut y, path);
            }
            Ok((x == y).into_py_any(py)?)
        }
        _ => Err(Error::format("value cannot be compared")),
    }
}

/// Sort the array at `path` (a set written in random order), if it is there.
fn sort_set(value: &mut serde_json::Value, path: &[&str]) {
    let mut at = value;
    for key in path {
        match at.get_mut(*key) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let serde_json::Value::Array(items) = at {
        items.sort_by_key(|v| v.to_string());
    }
}

/// `Name(field=..., ...)`; lists print as their length, secrets masked.
pub fn repr<N: Node>(obj: &Bound<'_, N>) -> Result<String> {
    let mut parts = Vec::with_capacity(N::REPR.len());
    for field in N::REPR {
        let value = obj.as_any().getattr(*field)?;
        let shown = if N::SECRETS.contains(field) {
            if value.is_none() { "None" } else { "'***'" }.to_owned()
        } else if let Ok(list) = value.cast::<ListView>() {
            count_text(list.get().len(obj.py())?)
        } else {
            let r = value.repr()?.to_string();
            if r.chars().count() > 60 {
                let cut: String = r.chars().take(57).collect();
                format!("{cut}...")
            } else {
                r
            }
        };
        parts.push(format!("{field}={shown}"));
    }
    Ok(format!("{}({})", <N as Node>::NAME, parts.join(", ")))
}

fn count_text(n: usize) -> String {
    if n == 1 {
        "[1 item]".to_owned()
    } else {
        format!("[{n} items]")
    }
}

pub fn copy<N: Node>(py: Python<'_>, node: &N) -> Result<N> {
    Ok(N::wrap(py, snapshot(py, node)?))
}

/// Pickles as its JSON (so a secret, which the crate never writes, is not pickled).
/// A value whose JSON the crate would not read back (an f32 field holding infinity, which
/// serde_json writes as `null`) fails here, at `dumps`, not later at `loads`.
pub fn reduce<'py, N: Node>(slf: &Bound<'py, N>) -> Result<(Bound<'py, PyAny>, (String,))> {
    let text = to_json(slf.py(), slf.get(), false)?;
    if let Err(err) = crate::json::parse_json_str::<N::Value>(&text, N::admit) {
        let why = match &err {
            Error::Format { msg, .. } => msg.clone(),
            _ => "it does not read back".to_owned(),
        };
        return Err(Error::format(format!(
            "cannot pickle this {}: it pickles as its JSON, which the crate would not read \
             back ({why}; a number the JSON cannot hold, such as an f32 beyond its range, \
             is written as null)",
            <N as Node>::NAME
        )));
    }
    let cls: Bound<'py, PyType> = slf.as_any().get_type();
    Ok((cls.getattr("from_json")?, (text,)))
}

/// `from_json` as an asyncio future: the parse runs on the store runtime (the interpreter is
/// released for a big document, as in `from_json`), so the event loop keeps running.
pub fn from_json_async<'py, N: Node>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    policy: Policy,
) -> PyResult<Bound<'py, PyAny>> {
    let data = data.clone().unbind();
    let work = async move {
        attached(|py| {
            let node: N = from_json(py, data.bind(py), policy)?;
            Ok(Bound::new(py, node)?.into_any().unbind())
        })
    };
    crate::runtime::awaitable(py, work, |_py, out| out)
}

/// `to_json` as an asyncio future, serialized on the store runtime.
pub fn to_json_async<'py, N: Node>(
    slf: &Bound<'py, N>,
    pretty: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let node = slf.clone().unbind();
    let work = async move {
        attached(|py| {
            let text = to_json(py, node.get(), pretty)?;
            Ok(crate::pystr::new(py, &text).into_any().unbind())
        })
    };
    crate::runtime::awaitable(slf.py(), work, |_py, out| out)
}

/// Run `f` attached on a runtime thread (it detaches again for the heavy part).
fn attached<F>(f: F) -> PyResult<Py<PyAny>>
where
    F: for<'py> FnOnce(Python<'py>) -> PyResult<Py<PyAny>>,
{
    Python::try_attach(f).unwrap_or_else(|| {
        Err(pyo3::exceptions::PyRuntimeError::new_err(
            "the interpreter is shutting down",
        ))
    })
}

/// pydantic's hooks live in Python (`a3s_session._pydantic`): they build pydantic-core
/// schemas around `from_dict` / `from_json` / `to_dict`, so no field rule is restated there.
pub fn pydantic_hook<'py>(cls: &Bound<'py, PyType>, hook: &str) -> Result<Bound<'py, PyAny>> {
    let module = cls.py().import("a3s_session._pydantic")?;
    Ok(module.call_method1(hook, (cls,))?)
}

/// Free a big value with the interpreter released, so other threads keep running. Views
/// hold Python objects and are dropped normally, attached.
pub fn drop_detached<N: Node>(state: &mut Lock<State<N::Value, N::Views>>) {
    if N::DETACH {
        let value = std::mem::replace(&mut state.get_mut().value, N::placeholder());
        free_detached(value);
    }
}

#[cfg(test)]
mod tests {
    use super::{count_text, sort_set};

    #[test]
    fn sets_sort_only_at_their_path() {
        let mut v = serde_json::json!({"p": {"lanes": ["b", "a"]}, "other": ["b", "a"]});
        sort_set(&mut v, &["p", "lanes"]);
        sort_set(&mut v, &["missing", "x"]);
        assert_eq!(
            v,
            serde_json::json!({"p": {"lanes": ["a", "b"]}, "other": ["b", "a"]})
        );
    }

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count_text(0), "[0 items]");
        assert_eq!(count_text(1), "[1 item]");
        assert_eq!(count_text(3), "[3 items]");
    }
}
