//! The kinds of viewed fields, each written once and used by every class.

use std::marker::PhantomData;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use pyo3::{IntoPyObjectExt, PyClass};

use crate::convert::{from_python, from_python_nested};
use crate::errors::FormatError;
use crate::listview::{ElemKind, ListView};
use crate::node::{snapshot, Loan, Node, ViewKind, Views};

/// A generated class: instances can be built from a crate value or a dict.
pub(crate) trait Element:
    Node + PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Into<PyClassInitializer<Self>>
{
}

impl<N> Element for N where
    N: Node + PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Into<PyClassInitializer<N>>
{
}

/// A class that appears as the items of a list view.
pub(crate) trait Listed: Element {
    const KIND: ElemKind;
}

/// Accept an instance of `N`, or a dict converted through the crate's Deserialize impl.
pub(crate) fn coerce_node<'py, N: Element>(
    py: Python<'py>,
    item: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    if item.is_instance_of::<N>() {
        return Ok(item.clone());
    }
    if item.is_instance_of::<PyDict>() {
        let value: N::Value = from_python(py, item)?;
        N::admit(&value).map_err(|m| FormatError::new(m).into_pyerr(py))?;
        return Ok(Bound::new(py, N::wrap(value))?.into_any());
    }
    Err(PyTypeError::new_err(format!(
        "expected {} or dict, got {}",
        <N as Node>::NAME,
        item.get_type().name()?
    )))
}

/// Snapshot of an item of a list view known to hold `N`.
pub(crate) fn node_value<N: Element>(item: &Bound<'_, PyAny>) -> PyResult<N::Value> {
    let node = item
        .cast::<N>()
        .map_err(|_| PyTypeError::new_err(format!("list item is not a {}", <N as Node>::NAME)))?;
    snapshot(item.py(), node.get())
}

pub(crate) fn list_items<'py>(view: &Bound<'py, PyAny>) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let list = view
        .cast::<ListView>()
        .map_err(|_| PyTypeError::new_err("expected a ListView"))?;
    Ok(list.get().items(view.py()).iter().collect())
}

/// How the items of one kind of list convert: crate value -> Python object on first read,
/// Python object -> crate value on write. One `ListOf` serves every list field.
pub(crate) trait Codec {
    type Rust;
    const KIND: ElemKind;
    fn to_py(py: Python<'_>, value: Self::Rust) -> PyResult<Py<PyAny>>;
    fn from_py(item: &Bound<'_, PyAny>) -> PyResult<Self::Rust>;
    /// Values for one serialization; a codec may move them out of the items (see `Loan`).
    fn lend(_py: Python<'_>, items: &[Bound<'_, PyAny>]) -> PyResult<(Vec<Self::Rust>, Loan)> {
        let values = items
            .iter()
            .enumerate()
            .map(|(i, item)| Self::from_py(item).map_err(|e| at_index(item.py(), e, i)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok((values, Loan::default()))
    }
    /// Give back what `lend` moved; returns Python references to drop once attached.
    fn repay(_values: Vec<Self::Rust>, loan: Loan) -> Loan {
        loan
    }
}

/// A `Vec` field viewed as a `ListView`.
pub(crate) struct ListOf<C>(PhantomData<C>);

impl<C: Codec> ViewKind for ListOf<C> {
    type Rust = Vec<C::Rust>;

    fn lift(py: Python<'_>, field: &'static str, slot: &mut Self::Rust) -> PyResult<Py<PyAny>> {
        let items = std::mem::take(slot)
            .into_iter()
            .map(|v| C::to_py(py, v))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(ListView::from_checked(py, field, C::KIND, items)?.into_any())
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> PyResult<Self::Rust> {
        list_items(view)?
            .iter()
            .enumerate()
            .map(|(i, item)| C::from_py(item).map_err(|e| at_index(item.py(), e, i)))
            .collect()
    }

    fn accept(
        py: Python<'_>,
        field: &'static str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        Ok(ListView::from_iterable(py, field, C::KIND, value)?.into_any())
    }

    fn vacate(slot: &mut Self::Rust) {
        *slot = Vec::new();
    }

    fn lend(py: Python<'_>, view: &Bound<'_, PyAny>) -> PyResult<(Self::Rust, Loan)> {
        C::lend(py, &list_items(view)?)
    }

    fn repay(slot: &mut Self::Rust, loan: Loan) -> Loan {
        C::repay(std::mem::take(slot), loan)
    }
}

/// Items that are instances of a generated class.
pub(crate) struct Nodes<N>(PhantomData<N>);

/// A list of class instances (`messages`, `tasks`, `cost_records`).
pub(crate) type ListOfNodes<N> = ListOf<Nodes<N>>;

impl<N: Listed> Codec for Nodes<N> {
    type Rust = N::Value;
    const KIND: ElemKind = N::KIND;

    fn to_py(py: Python<'_>, value: N::Value) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, N::wrap(value))?.into_any())
    }

    fn from_py(item: &Bound<'_, PyAny>) -> PyResult<N::Value> {
        node_value::<N>(item)
    }

    /// Move each untouched child's value into the list instead of cloning it, keeping the
    /// child locked until `repay` puts the value back: nobody can observe the stand-in.
    fn lend(py: Python<'_>, items: &[Bound<'_, PyAny>]) -> PyResult<(Vec<Self::Rust>, Loan)> {
        let mut values = Vec::with_capacity(items.len());
        let mut lent: Vec<Lent<N>> = Vec::with_capacity(items.len());
        let mut seen = std::collections::HashMap::new();
        let mut fail = None;
        for (i, item) in items.iter().enumerate() {
            let node = match item.cast::<N>() {
                Ok(node) => node,
                Err(_) => {
                    fail = Some(at_index(
                        py,
                        PyTypeError::new_err(format!("list item is not a {}", <N as Node>::NAME)),
                        i,
                    ));
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
            let guard = match crate::convert::lock(py, node.get().state()) {
                Ok(guard) => guard,
                Err(e) => {
                    fail = Some(at_index(py, e, i));
                    break;
                }
            };
            if !guard.views.is_empty() {
                // The child has views of its own: fold them in by copying, as `lower` does.
                drop(guard);
                match snapshot(py, node.get()) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        fail = Some(at_index(py, e, i));
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
            let mut guard: crate::convert::Guard<'static, crate::node::State<N::Value, N::Views>> =
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
    guard: Option<crate::convert::Guard<'static, crate::node::State<N::Value, N::Views>>>,
    _obj: Py<N>,
}

/// Items that are Python str (`tool_names`, `dependencies`).
pub(crate) struct Strs;

/// A list of str.
pub(crate) type StrList = ListOf<Strs>;

impl Codec for Strs {
    type Rust = String;
    const KIND: ElemKind = ElemKind::Str;

    fn to_py(py: Python<'_>, value: String) -> PyResult<Py<PyAny>> {
        value.into_py_any(py)
    }

    fn from_py(item: &Bound<'_, PyAny>) -> PyResult<String> {
        item.extract()
    }
}

/// A nested struct, viewed as an instance of its class. Small, so the crate value is
/// cloned rather than moved out (the parent's copy goes stale and is refreshed on write).
pub(crate) struct Obj<N>(PhantomData<N>);

impl<N: Element> ViewKind for Obj<N> {
    type Rust = N::Value;

    fn lift(py: Python<'_>, _field: &'static str, slot: &mut Self::Rust) -> PyResult<Py<PyAny>> {
        Ok(Py::new(py, N::wrap(slot.clone()))?.into_any())
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> PyResult<Self::Rust> {
        node_value::<N>(view)
    }

    fn accept(
        py: Python<'_>,
        _field: &'static str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        Ok(coerce_node::<N>(py, value)?.unbind())
    }

    fn vacate(_slot: &mut Self::Rust) {}
}

/// An optional nested struct: None or an instance of its class.
pub(crate) struct OptObj<N>(PhantomData<N>);

impl<N: Element> ViewKind for OptObj<N> {
    type Rust = Option<N::Value>;

    fn lift(py: Python<'_>, _field: &'static str, slot: &mut Self::Rust) -> PyResult<Py<PyAny>> {
        match slot {
            Some(v) => Ok(Py::new(py, N::wrap(v.clone()))?.into_any()),
            None => Ok(py.None()),
        }
    }

    fn lower(_py: Python<'_>, view: &Bound<'_, PyAny>) -> PyResult<Self::Rust> {
        if view.is_none() {
            Ok(None)
        } else {
            node_value::<N>(view).map(Some)
        }
    }

    fn accept(
        py: Python<'_>,
        _field: &'static str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        if value.is_none() {
            Ok(py.None())
        } else {
            Ok(coerce_node::<N>(py, value)?.unbind())
        }
    }

    fn vacate(_slot: &mut Self::Rust) {}
}

/// Free-form JSON (`tool_use.input`): plain Python dict/list/str/number/bool/None, edited in
/// place by the user and converted back through serde_json's `Value` on write.
pub(crate) struct FreeJson;

/// Containers around `tool_use.input` in a session document: the session object, `messages`,
/// the message, `content`, the block. Values given from Python get the nesting limit minus
/// these, so a session that holds them still reads back (serde_json stops at 128).
const INPUT_DEPTH: usize = 5;

impl ViewKind for FreeJson {
    type Rust = serde_json::Value;

    fn lift(py: Python<'_>, _field: &'static str, slot: &mut Self::Rust) -> PyResult<Py<PyAny>> {
        let value = std::mem::take(slot);
        let obj = pythonize::pythonize(py, &value)
            .map_err(|e| FormatError::new(e.to_string()).into_pyerr(py))?;
        Ok(obj.unbind())
    }

    fn lower(py: Python<'_>, view: &Bound<'_, PyAny>) -> PyResult<Self::Rust> {
        from_python_nested(py, view, INPUT_DEPTH)
    }

    fn accept(
        py: Python<'_>,
        _field: &'static str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        // Validate now so a bad value raises at assignment; keep the user's object as the view.
        from_python_nested::<serde_json::Value>(py, value, INPUT_DEPTH)?;
        Ok(value.clone().unbind())
    }

    fn vacate(slot: &mut Self::Rust) {
        *slot = serde_json::Value::Null;
    }
}

/// Name the list position of an item that failed to fold back.
pub(crate) fn at_index(py: Python<'_>, err: PyErr, index: usize) -> PyErr {
    crate::node::context(py, err, &format!("[{index}]"))
}

/// A str that will become a Rust String must be encodable (no lone surrogates): checked on
/// the way in, so the error comes at the assignment and not at the next `to_json`.
pub(crate) fn check_utf8(py: Python<'_>, s: &Bound<'_, PyString>) -> PyResult<()> {
    s.to_str().map(|_| ()).map_err(|_| {
        FormatError::new("invalid value: str is not valid UTF-8 (lone surrogate)").into_pyerr(py)
    })
}

pub(crate) fn is_str(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyString>()
}
