//! The kinds of viewed fields, each written once and used by every class.

use std::marker::PhantomData;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::IntoPyObjectExt;

use crate::error::{Error, Result};
use crate::explain::{explain_items, Finer, Step};
use crate::json::{from_python_explained, from_python_nested};
use crate::listview::{coerce_str, ListView, Pending};
use crate::lock::{lock, Guard};
use crate::record::{admit_or_err, snapshot, Loan, Node, ViewKind, Views};

/// The item rule of a list of `N`: an instance of `N`, or a dict converted through the
/// crate's Deserialize impl.
pub fn coerce_node<'py, N: Node>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
    let py = item.py();
    if item.is_instance_of::<N>() {
        return Ok(item.clone());
    }
    if item.is_instance_of::<PyDict>() {
        let node: N = admit_or_err(item.py(), from_python_explained(item, N::explain)?)?;
        return Ok(Bound::new(py, node)?.into_any());
    }
    Err(Error::type_error(format!(
        "expected {} or dict, got {}",
        <N as Node>::NAME,
        item.get_type().name()?
    )))
}

/// Snapshot of an item of a list view known to hold `N`.
pub fn node_value<N: Node>(item: &Bound<'_, PyAny>) -> Result<N::Value> {
    let node = item
        .cast::<N>()
        .map_err(|_| Error::type_error(format!("list item is not a {}", <N as Node>::NAME)))?;
    snapshot(item.py(), node.get())
}

pub fn list_items<'py>(view: &Bound<'py, PyAny>) -> Result<Vec<Bound<'py, PyAny>>> {
    let list = view
        .cast::<ListView>()
        .map_err(|_| Error::type_error("expected a ListView"))?;
    Ok(list.get().items(view.py())?.iter().collect())
}

/// How the items of one kind of list convert: crate value -> Python object on first read,
/// Python object -> crate value on write. One `ListOf` serves every list field.
pub trait Codec: 'static {
    type Rust: Clone + Send + 'static;
    /// The check (or conversion) of an item going into the list.
    fn coerce<'py>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>>;
    fn to_py(py: Python<'_>, value: Self::Rust) -> Result<Py<PyAny>>;
    fn from_py(item: &Bound<'_, PyAny>) -> Result<Self::Rust>;
    /// Values for one serialization; a codec may move them out of the items (see `Loan`).
    fn lend(_py: Python<'_>, items: &[Bound<'_, PyAny>]) -> Result<(Vec<Self::Rust>, Loan)> {
        let values = items
            .iter()
            .enumerate()
            .map(|(i, item)| Self::from_py(item).map_err(|e| e.at_index(i)))
            .collect::<Result<Vec<_>>>()?;
        Ok((values, Loan::default()))
    }
    /// Give back what `lend` moved; returns Python references to drop once attached.
    fn repay(_values: Vec<Self::Rust>, loan: Loan) -> Loan {
        loan
    }
    /// The crate's error for reading `text` (after following `at`) as one item, located
    /// as precisely as the codec can (see `explain`); `None` when it cannot say.
    fn explain(_text: &str, _at: &[Step]) -> Option<Finer> {
        None
    }
}

/// A `Vec` field viewed as a `ListView`. The view starts with the crate values themselves
/// (moved out of the field) and makes their Python objects when an item is first read.
pub struct ListOf<C>(PhantomData<C>);

/// The crate values of a list whose objects are not made yet.
struct PendingValues<C: Codec>(Vec<C::Rust>, PhantomData<fn() -> C>);

impl<C: Codec> Pending for PendingValues<C> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn lift(self: Box<Self>, py: Python<'_>) -> Result<Vec<Py<PyAny>>> {
        self.0.into_iter().map(|v| C::to_py(py, v)).collect()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

fn list_view<'a, 'py>(view: &'a Bound<'py, PyAny>) -> Result<&'a Bound<'py, ListView>> {
    view.cast::<ListView>()
        .map_err(|_| Error::type_error("expected a ListView"))
}

fn foreign_values() -> Error {
    Error::type_error("list holds values of another kind")
}

/// A list's pending values during one serialization: moved out, with the list's pending slot
/// kept locked until they are given back.
struct ListLoan<C: Codec> {
    guard: Option<Guard<'static, Option<Box<dyn Pending>>>>,
    _list: Py<ListView>,
    pending: usize,
    items: Loan,
    _codec: PhantomData<fn() -> C>,
}

impl<C: Codec> ViewKind for ListOf<C> {
    type Rust = Vec<C::Rust>;

    fn explain(text: &str, at: &[Step]) -> Option<Finer> {
        explain_items(text, at, C::explain)
    }

    fn lift(py: Python<'_>, field: &'static str, slot: &mut Self::Rust) -> Result<Py<PyAny>> {
        let values = Box::new(PendingValues::<C>(std::mem::take(slot), PhantomData));
        Ok(ListView::from_pending(py, field, C::coerce, values)?.into_any())
    }

    fn lower(py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<Self::Rust> {
        let (items, slot) = list_view(view)?.get().parts(py);
        let mut values = match lock(py, slot)?.as_ref() {
            Some(p) => p
                .as_any()
                .downcast_ref::<PendingValues<C>>()
                .ok_or_else(foreign_values)?
                .0
                .clone(),
            None => Vec::new(),
        };
        let before = values.len();
        for (i, item) in items.iter().enumerate() {
            values.push(C::from_py(&item).map_err(|e| e.at_index(before + i))?);
        }
        Ok(values)
    }

    fn accept(py: Python<'_>, field: &'static str, value: &Bound<'_, PyAny>) -> Result<Py<PyAny>> {
        Ok(ListView::from_iterable(py, field, C::coerce, value)?.into_any())
    }

    fn vacate(slot: &mut Self::Rust) {
        *slot = Vec::new();
    }

    fn lend(py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<(Self::Rust, Loan)> {
        let list = list_view(view)?;
        let (items, slot) = list.get().parts(py);
        let items: Vec<Bound<'_, PyAny>> = items.iter().collect();
        let guard = lock(py, slot)?;
        let (guard, mut values) = if guard.is_none() {
            drop(guard);
            (None, Vec::new())
        } else {
            // SAFETY: the guard borrows the lock inside the Python object `list`, which the
            // same `ListLoan` keeps alive; `guard` is declared first so it is dropped first.
            let mut guard: Guard<'static, Option<Box<dyn Pending>>> =
                unsafe { std::mem::transmute(guard) };
            let values = match guard
                .as_mut()
                .map(|p| p.as_any_mut().downcast_mut::<PendingValues<C>>())
            {
                Some(Some(p)) => std::mem::take(&mut p.0),
                _ => return Err(foreign_values()),
            };
            (Some(guard), values)
        };
        let pending = values.len();
        let mut loan = ListLoan::<C> {
            guard,
            _list: list.clone().unbind(),
            pending,
            items: Loan::default(),
            _codec: PhantomData,
        };
        match C::lend(py, &items) {
            Ok((rest, items_loan)) => {
                values.extend(rest);
                loan.items = items_loan;
                Ok((values, Loan(Some(Box::new(loan)))))
            }
            Err(e) => {
                drop(Self::repay(&mut values, Loan(Some(Box::new(loan)))));
                Err(e)
            }
        }
    }

    fn repay(slot: &mut Self::Rust, loan: Loan) -> Loan {
        let mut values = std::mem::take(slot);
        let Some(mut loan) = loan.0.and_then(|b| b.downcast::<ListLoan<C>>().ok()) else {
            return Loan::default();
        };
        let rest = values.split_off(loan.pending.min(values.len()));
        if let Some(mut guard) = loan.guard.take() {
            if let Some(p) = guard
                .as_mut()
                .and_then(|p| p.as_any_mut().downcast_mut::<PendingValues<C>>())
            {
                p.0 = values;
            }
        }
        loan.items = C::repay(rest, std::mem::take(&mut loan.items));
        Loan(Some(loan))
    }
}

/// Items that are instances of a generated class.
pub struct Nodes<N>(PhantomData<N>);

/// A list of class instances (`messages`, `tasks`, `cost_records`).
pub type ListOfNodes<N> = ListOf<Nodes<N>>;

impl<N: Node> Codec for Nodes<N> {
    type Rust = N::Value;

    fn explain(text: &str, at: &[Step]) -> Option<Finer> {
        N::explain(text, at)
    }

    fn coerce<'py>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
        coerce_node::<N>(item)
    }

    fn to_py(py: Python<'_>, value: N::Value) -> Result<Py<PyAny>> {
        Ok(Py::new(py, N::wrap(py, value))?.into_any())
    }

    fn from_py(item: &Bound<'_, PyAny>) -> Result<N::Value> {
        node_value::<N>(item)
    }

    /// Move each untouched child's value into the list instead of cloning it, keeping the
    /// child locked until `repay` puts the value back: nobody can observe the stand-in.
    fn lend(py: Python<'_>, items: &[Bound<'_, PyAny>]) -> Result<(Vec<Self::Rust>, Loan)> {
        let mut values = Vec::with_capacity(items.len());
        let mut lent: Vec<Lent<N>> = Vec::with_capacity(items.len());
        let mut seen = std::collections::HashMap::new();
        let mut fail = None;
        for (i, item) in items.iter().enumerate() {
            let node = match item.cast::<N>() {
                Ok(node) => node,
                Err(_) => {
                    fail = Some(
                        Error::type_error(format!("list item is not a {}", <N as Node>::NAME))
                            .at_index(i),
                    );
                    break;
                }
            };
            let obj: Py<N> = node.clone().unbind();
            // An object listed twice is lent once (it is locked now: locking it again would
            // wait forever); later copies are cloned from the value already taken.
            if let Some(&first) = seen.get(&(obj.as_ptr() as usize)) {
                let copy: N::Value = Clone::clone(&values[first]);
                values.push(copy);
                lent.push(Lent {
                    guard: None,
                    _obj: obj,
                });
                continue;
            }
            seen.insert(obj.as_ptr() as usize, values.len());
            let guard = match lock(py, node.get().state()) {
                Ok(guard) => guard,
                Err(e) => {
                    fail = Some(Error::from(e).at_index(i));
                    break;
                }
            };
            if !guard.views.is_empty() {
                // The child has views of its own: fold them in by copying, as `lower` does.
                drop(guard);
                match snapshot(py, node.get()) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        fail = Some(e.at_index(i));
                        break;
                    }
                }
                lent.push(Lent {
                    guard: None,
                    _obj: obj,
                });
                continue;
            }
            // SAFETY: the guard borrows the Mutex inside the Python object `obj`, which the
            // same `Lent` keeps alive; `guard` is declared first so it is dropped first.
            let mut guard: crate::lock::Guard<'static, crate::record::State<N::Value, N::Views>> =
                unsafe { std::mem::transmute(guard) };
            values.push(std::mem::replace(&mut guard.value, N::placeholder()));
            lent.push(Lent {
                guard: Some(guard),
                _obj: obj,
            });
        }
        let loan = Loan(Some(Box::new(lent)));
        match fail {
            None => Ok((values, loan)),
            Some(err) => {
                drop(Self::repay(values, loan));
                Err(err)
            }
        }
    }

    fn repay(values: Vec<Self::Rust>, loan: Loan) -> Loan {
        let Some(lent) = loan.0.and_then(|b| b.downcast::<Vec<Lent<N>>>().ok()) else {
            return Loan::default();
        };
        let mut lent = *lent;
        for (value, item) in values.into_iter().zip(lent.iter_mut()) {
            if let Some(guard) = item.guard.as_mut() {
                guard.value = value;
            }
            // Unlock now; the object reference is dropped later, attached.
            item.guard = None;
        }
        Loan(Some(Box::new(lent)))
    }
}

/// One child of a list during a loan: its lock (when its value was moved out) and a strong
/// reference that keeps the object, hence the locked Mutex, alive.
struct Lent<N: Node> {
    guard: Option<crate::lock::Guard<'static, crate::record::State<N::Value, N::Views>>>,
    _obj: Py<N>,
}

/// Items that are Python str (`tool_names`, `dependencies`).
pub struct Strs;

/// A list of str.
pub type StrList = ListOf<Strs>;

impl Codec for Strs {
    type Rust = String;

    fn coerce<'py>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
        coerce_str(item)
    }

    fn to_py(py: Python<'_>, value: String) -> Result<Py<PyAny>> {
        Ok(value.into_py_any(py)?)
    }

    fn from_py(item: &Bound<'_, PyAny>) -> Result<String> {
        Ok(item.extract()?)
    }
}

/// A nested struct, viewed as an instance of its class. Small, so the crate value is
/// cloned rather than moved out (the parent's copy goes stale and is refreshed on write).
pub struct Obj<N>(PhantomData<N>);

impl<N: Node> ViewKind for Obj<N> {
    type Rust = N::Value;

    fn explain(text: &str, at: &[Step]) -> Option<Finer> {
        N::explain(text, at)
    }

    fn lift(py: Python<'_>, _field: &'static str, slot: &mut Self::Rust) -> Result<Py<PyAny>> {
        Ok(Py::new(py, N::wrap(py, slot.clone()))?.into_any())
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<Self::Rust> {
        node_value::<N>(view)
    }

    fn accept(
        _py: Python<'_>,
        _field: &'static str,
        value: &Bound<'_, PyAny>,
    ) -> Result<Py<PyAny>> {
        Ok(coerce_node::<N>(value)?.unbind())
    }

    fn vacate(_slot: &mut Self::Rust) {}
}

/// An optional nested struct: None or an instance of its class.
pub struct OptObj<N>(PhantomData<N>);

impl<N: Node> ViewKind for OptObj<N> {
    type Rust = Option<N::Value>;

    fn explain(text: &str, at: &[Step]) -> Option<Finer> {
        // `null` reads as None; anything else is read as the class's value.
        if text.trim_ascii() == "null" {
            None
        } else {
            N::explain(text, at)
        }
    }

    fn lift(py: Python<'_>, _field: &'static str, slot: &mut Self::Rust) -> Result<Py<PyAny>> {
        match slot {
            Some(v) => Ok(Py::new(py, N::wrap(py, v.clone()))?.into_any()),
            None => Ok(py.None()),
        }
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<Self::Rust> {
        if view.is_none() {
            Ok(None)
        } else {
            node_value::<N>(view).map(Some)
        }
    }

    fn accept(py: Python<'_>, _field: &'static str, value: &Bound<'_, PyAny>) -> Result<Py<PyAny>> {
        if value.is_none() {
            Ok(py.None())
        } else {
            Ok(coerce_node::<N>(value)?.unbind())
        }
    }

    fn vacate(_slot: &mut Self::Rust) {}
}

/// Free-form JSON (`tool_use.input`): plain Python dict/list/str/number/bool/None, edited in
/// place by the user and converted back through serde_json's `Value` on write. `OUTER` is
/// the table's count of containers around the field in its document (for `tool_use.input`:
/// the session, `messages`, the message, `content`, the block): values given from Python get
/// the nesting limit minus these, so the document that holds them still reads back.
pub struct FreeJson<const OUTER: usize>;

impl<const OUTER: usize> ViewKind for FreeJson<OUTER> {
    type Rust = serde_json::Value;

    fn lift(py: Python<'_>, _field: &'static str, slot: &mut Self::Rust) -> Result<Py<PyAny>> {
        let value = std::mem::take(slot);
        // Never wait: a finalizer run while objects are made here may lift another input on
        // this same thread; it then makes its own keys.
        let mut shared = KEYS.try_lock();
        let mut own = KeyTable::new();
        let keys = shared.as_deref_mut().unwrap_or(&mut own);
        Ok(value_to_py(py, &value, keys)?.unbind())
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> Result<Self::Rust> {
        from_python_nested(view, OUTER)
    }

    fn accept(
        _py: Python<'_>,
        _field: &'static str,
        value: &Bound<'_, PyAny>,
    ) -> Result<Py<PyAny>> {
        // Validate now so a bad value raises at assignment; keep the user's object as the view.
        from_python_nested::<serde_json::Value>(value, OUTER)?;
        Ok(value.clone().unbind())
    }

    fn vacate(slot: &mut Self::Rust) {
        *slot = serde_json::Value::Null;
    }
}

pub fn is_str(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyString>()
}

/// Keys of free-form JSON objects, shared by every dict made from one (tool inputs repeat a
/// handful of keys thousands of times: `command`, `file_path`, ...): one `str` per key
/// instead of one per dict, and no new string to make. Short keys only, and a bounded table.
static KEYS: parking_lot::Mutex<KeyTable> = parking_lot::Mutex::new(KeyTable::new());

pub struct KeyTable(Option<std::collections::HashMap<Box<str>, Py<PyString>>>);

impl KeyTable {
    const fn new() -> Self {
        KeyTable(None)
    }

    /// Keys longer than this are not kept (they are rarely repeated).
    const LONGEST: usize = 40;
    /// Keys kept at most (a few hundred KB of strings at worst).
    const MOST: usize = 4096;

    fn key<'py>(&mut self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        if key.len() > Self::LONGEST {
            return PyString::new(py, key);
        }
        let table = self.0.get_or_insert_with(Default::default);
        if let Some(kept) = table.get(key) {
            return kept.bind(py).clone();
        }
        let made = PyString::new(py, key);
        if table.len() < Self::MOST {
            table.insert(key.into(), made.clone().unbind());
        }
        made
    }
}

/// A JSON value as the Python builtins `json.loads` makes of its text (objects in the map's
/// order: serde_json's sorted map here, as the crate holds it).
fn value_to_py<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
    keys: &mut KeyTable,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                // Not an integer: serde_json (without arbitrary_precision) holds an f64.
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => crate::pystr::new(py, s).into_any(),
        Value::Array(items) => {
            let list = pyo3::types::PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item, keys)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(keys.key(py, k), value_to_py(py, v, keys)?)?;
            }
            dict.into_any()
        }
    })
}
