//! `ListView`: the list behind a container field (`messages`, `content`, `tasks`, ...).
//!
//! It behaves like a Python list, shares its items with the session (so `s.messages[0]`
//! edits the session), and checks every item that goes in: a wrong item raises at
//! `append`/`insert`/assignment, not later in `to_json`. Dicts are accepted where a class
//! is expected and converted through the crate's Deserialize impl at once.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice, PyString, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use crate::error::{Error, Result};
use crate::lock::{free_detached, lock, Lock};

/// Checks (or converts) one item going into a list: the class table's rule for that list.
pub type Coerce = for<'py> fn(&Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>>;

/// The item rule of a list of str: any str a Rust String can hold.
pub fn coerce_str<'py>(item: &Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>> {
    match item.cast::<PyString>() {
        Ok(s) => {
            check_utf8(s)?;
            Ok(item.clone())
        }
        Err(_) => Err(Error::type_error(format!(
            "expected str, got {}",
            item.get_type().name()?
        ))),
    }
}

/// A str that will become a Rust String must be encodable (no lone surrogates): checked on
/// the way in, so the error comes at the assignment and not at the next `to_json`.
pub fn check_utf8(s: &Bound<'_, PyString>) -> Result<()> {
    s.to_str()
        .map(|_| ())
        .map_err(|_| Error::format("invalid value: str is not valid UTF-8 (lone surrogate)"))
}

/// Items a list was read with that are not Python objects yet: the crate values, kept as
/// they are until something needs the objects. `len()`, `append` and writing the session do
/// not; reading an item does, and then they are all made at once.
pub trait Pending: Send + 'static {
    fn count(&self) -> usize;
    /// Make the Python object of every value, in order.
    fn lift(self: Box<Self>, py: Python<'_>) -> Result<Vec<Py<PyAny>>>;
    /// For the codec that made it, to read and take its values back.
    fn as_any(&self) -> &dyn std::any::Any;
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

/// The pending values of a list, in front of its (Python) items.
pub type PendingSlot = Lock<Option<Box<dyn Pending>>>;

#[pyclass(frozen, sequence, module = "a3s_session", name = "ListView")]
pub struct ListView {
    /// The items that are Python objects. While `pending` holds values, the list is those
    /// values followed by these items (the ones appended since).
    items: Py<PyList>,
    pending: PendingSlot,
    coerce: Coerce,
    /// The field this list is, for error paths (`tasks[3].status`).
    field: &'static str,
}

/// Freeing this many pending values releases the interpreter (other threads keep running
/// while a big session's messages are freed); fewer are not worth the switch.
const DETACHED_DROP: usize = 256;

impl Drop for ListView {
    fn drop(&mut self) {
        if let Some(values) = self.pending.get_mut().take() {
            if values.count() >= DETACHED_DROP {
                free_detached(values);
            }
        }
    }
}

impl ListView {
    /// Wrap items that are already of the right kind (built by us from crate values).
    pub fn from_checked(
        py: Python<'_>,
        field: &'static str,
        coerce: Coerce,
        items: Vec<Py<PyAny>>,
    ) -> PyResult<Py<Self>> {
        let list = PyList::new(py, items)?;
        Py::new(
            py,
            ListView {
                items: list.unbind(),
                pending: Lock::new(None),
                coerce,
                field,
            },
        )
    }

    /// A list of crate values whose Python objects are made on first need.
    pub fn from_pending(
        py: Python<'_>,
        field: &'static str,
        coerce: Coerce,
        values: Box<dyn Pending>,
    ) -> PyResult<Py<Self>> {
        Py::new(
            py,
            ListView {
                items: PyList::empty(py).unbind(),
                pending: Lock::new(Some(values)),
                coerce,
                field,
            },
        )
    }

    /// Build from any iterable, checking each item.
    pub fn from_iterable(
        py: Python<'_>,
        field: &'static str,
        coerce: Coerce,
        value: &Bound<'_, PyAny>,
    ) -> Result<Py<Self>> {
        if value.is_instance_of::<PyString>() || value.is_instance_of::<PyDict>() {
            return Err(Error::type_error(format!(
                "expected a list, got {}",
                value.get_type().name()?
            )));
        }
        let list = PyList::empty(py);
        for (i, item) in value.try_iter()?.enumerate() {
            list.append(coerce(&item?).map_err(|e| e.at_index(i))?)?;
        }
        Ok(Py::new(
            py,
            ListView {
                items: list.unbind(),
                pending: Lock::new(None),
                coerce,
                field,
            },
        )?)
    }

    /// All items as Python objects (made now from pending values, if any).
    pub fn items<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyList>> {
        let items = self.items.bind(py);
        let mut pending = lock(py, &self.pending)?;
        if let Some(values) = pending.take() {
            let lifted = values.lift(py)?;
            if items.is_empty() {
                // The common case (nothing appended before the first read): no second list.
                for obj in lifted {
                    items.append(obj)?;
                }
            } else {
                // In front of what was appended meanwhile.
                let lifted = PyList::new(py, lifted)?;
                items.as_any().set_item(PySlice::new(py, 0, 0, 1), lifted)?;
            }
        }
        Ok(items)
    }

    /// The items that are Python objects already, and the slot of the pending values in
    /// front of them (for writing the list without making objects).
    pub fn parts<'py>(&self, py: Python<'py>) -> (&Bound<'py, PyList>, &PendingSlot) {
        (self.items.bind(py), &self.pending)
    }

    pub fn len(&self, py: Python<'_>) -> PyResult<usize> {
        let pending = lock(py, &self.pending)?.as_ref().map_or(0, |p| p.count());
        Ok(pending + self.items.bind(py).len())
    }

    /// Check items that would land at positions `start`, `start + 1`, ...
    fn coerce_all<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        start: usize,
    ) -> Result<Bound<'py, PyList>> {
        let out = PyList::empty(value.py());
        for (i, item) in value.try_iter()?.enumerate() {
            out.append(self.coerce_at(&item?, start + i)?)?;
        }
        Ok(out)
    }

    /// Check one item for position `index`; an error names the field and the position.
    fn coerce_at<'py>(&self, item: &Bound<'py, PyAny>, index: usize) -> Result<Bound<'py, PyAny>> {
        (self.coerce)(item).map_err(|e| e.at_index(index).at(self.field))
    }

    /// The position a Python int index refers to, for error messages.
    fn position(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<usize> {
        let len = self.len(py)? as isize;
        Ok(match index.extract::<isize>() {
            Ok(i) if i < 0 => (len + i).max(0) as usize,
            Ok(i) => i.min(len) as usize,
            Err(_) => 0,
        })
    }
}

/// A list view longer than this reprs as its first `REPR_ITEMS` items and its length.
const REPR_LIMIT: usize = 10;
/// Items a long list view's repr shows.
const REPR_ITEMS: usize = 5;

/// `7152` as `7,152`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[pymethods]
impl ListView {
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.len(py)
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        index: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.items(py)?.as_any().get_item(index)
    }

    fn __setitem__(
        &self,
        py: Python<'_>,
        index: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if index.is_instance_of::<PySlice>() {
            let start = index
                .getattr("indices")
                .and_then(|f| f.call1((self.len(py)?,)))
                .and_then(|t| t.get_item(0))
                .and_then(|v| v.extract::<usize>())
                .unwrap_or(0);
            let items = self.coerce_all(value, start)?;
            self.items(py)?.as_any().set_item(index, items)
        } else {
            let item = self.coerce_at(value, self.position(py, index)?)?;
            self.items(py)?.as_any().set_item(index, item)
        }
    }

    fn __delitem__(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<()> {
        self.items(py)?.as_any().del_item(index)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.items(py)?.as_any().try_iter()?.into_any())
    }

    fn __reversed__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.items(py)?.as_any().call_method0("__reversed__")
    }

    fn __contains__(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.items(py)?.contains(value)
    }

    fn append(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let item = self.coerce_at(value, self.len(py)?)?;
        // Goes after the pending values: nothing needs making.
        self.items.bind(py).append(item)
    }

    fn extend(&self, py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<()> {
        // Check everything first so a bad item leaves the list unchanged.
        let items = self.coerce_all(values, self.len(py)?)?;
        self.items
            .bind(py)
            .as_any()
            .call_method1("extend", (items,))?;
        Ok(())
    }

    /// `view + list` is a new plain list, as for `list`.
    fn __add__<'py>(
        &self,
        py: Python<'py>,
        other: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mine = self.copy(py)?;
        mine.as_any().call_method1("extend", (other,))?;
        Ok(mine.into_any())
    }

    fn __iadd__(&self, py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<()> {
        self.extend(py, values)
    }

    fn insert(&self, py: Python<'_>, index: isize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let len = self.len(py)? as isize;
        let at = if index < 0 {
            (len + index).max(0)
        } else {
            index.min(len)
        } as usize;
        let item = self.coerce_at(value, at)?;
        self.items(py)?
            .as_any()
            .call_method1("insert", (index, item))?;
        Ok(())
    }

    #[pyo3(signature = (index = -1))]
    fn pop<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyAny>> {
        self.items(py)?.as_any().call_method1("pop", (index,))
    }

    fn remove(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.items(py)?.as_any().call_method1("remove", (value,))?;
        Ok(())
    }

    #[pyo3(signature = (value, *args))]
    fn index(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let mut call = vec![value.clone()];
        call.extend(args.iter());
        Ok(self
            .items(py)?
            .as_any()
            .call_method1("index", PyTuple::new(py, call)?)?
            .unbind())
    }

    fn count(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Ok(self
            .items(py)?
            .as_any()
            .call_method1("count", (value,))?
            .unbind())
    }

    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        let dropped = lock(py, &self.pending)?.take();
        drop(dropped);
        self.items.bind(py).as_any().call_method0("clear")?;
        Ok(())
    }

    fn reverse(&self, py: Python<'_>) -> PyResult<()> {
        self.items(py)?.reverse()
    }

    #[pyo3(signature = (*, key = None, reverse = false))]
    fn sort(&self, py: Python<'_>, key: Option<&Bound<'_, PyAny>>, reverse: bool) -> PyResult<()> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("key", key)?;
        kwargs.set_item("reverse", reverse)?;
        self.items(py)?
            .as_any()
            .call_method("sort", (), Some(&kwargs))?;
        Ok(())
    }

    /// A plain `list` with the same items (the items themselves are shared).
    fn copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        Ok(self.items(py)?.get_slice(0, usize::MAX))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let mine = self.items(py)?.as_any();
        if let Ok(o) = other.cast::<ListView>() {
            return mine.eq(o.get().items(py)?)?.into_py_any(py);
        }
        if other.is_instance_of::<PyList>() {
            return mine.eq(other)?.into_py_any(py);
        }
        Ok(py.NotImplemented())
    }

    /// A short list reads as a list; a long one shows its first items and its length (a
    /// session's messages can number thousands).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let items = self.items(py)?;
        let len = items.len();
        if len <= REPR_LIMIT {
            return Ok(items.repr()?.to_string());
        }
        let mut out = String::from("[");
        for item in items.iter().take(REPR_ITEMS) {
            out.push_str(&item.repr()?.to_string());
            out.push_str(", ");
        }
        out.push_str(&format!(
            "... {} more] ({} items)",
            grouped(len - REPR_ITEMS),
            grouped(len)
        ));
        Ok(out)
    }

    /// Pickles (and copies) as a plain list.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyType>, (Bound<'py, PyList>,))> {
        Ok((py.get_type::<PyList>(), (self.copy(py)?,)))
    }

    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, PyType>,
        _item: &Bound<'py, PyAny>,
    ) -> Bound<'py, PyType> {
        cls.clone()
    }
}
