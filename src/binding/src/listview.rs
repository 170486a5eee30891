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

#[pyclass(frozen, sequence, module = "a3s_session", name = "ListView")]
pub struct ListView {
    items: Py<PyList>,
    coerce: Coerce,
    /// The field this list is, for error paths (`tasks[3].status`).
    field: &'static str,
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
                coerce,
                field,
            },
        )?)
    }

    pub fn items<'py>(&self, py: Python<'py>) -> &Bound<'py, PyList> {
        self.items.bind(py)
    }

    pub fn len(&self, py: Python<'_>) -> usize {
        self.items.bind(py).len()
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
    fn position(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> usize {
        let len = self.len(py) as isize;
        match index.extract::<isize>() {
            Ok(i) if i < 0 => (len + i).max(0) as usize,
            Ok(i) => i.min(len) as usize,
            Err(_) => 0,
        }
    }
}

#[pymethods]
impl ListView {
    fn __len__(&self, py: Python<'_>) -> usize {
        self.len(py)
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        index: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.items(py).as_any().get_item(index)
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
                .and_then(|f| f.call1((self.len(py),)))
                .and_then(|t| t.get_item(0))
                .and_then(|v| v.extract::<usize>())
                .unwrap_or(0);
            let items = self.coerce_all(value, start)?;
            self.items(py).as_any().set_item(index, items)
        } else {
            let item = self.coerce_at(value, self.position(py, index))?;
            self.items(py).as_any().set_item(index, item)
        }
    }

    fn __delitem__(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<()> {
        self.items(py).as_any().del_item(index)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.items(py).as_any().try_iter()?.into_any())
    }

    fn __reversed__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.items(py).as_any().call_method0("__reversed__")
    }

    fn __contains__(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.items(py).contains(value)
    }

    fn append(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let item = self.coerce_at(value, self.len(py))?;
        self.items(py).append(item)
    }

    fn extend(&self, py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<()> {
        // Check everything first so a bad item leaves the list unchanged.
        let items = self.coerce_all(values, self.len(py))?;
        self.items(py).as_any().call_method1("extend", (items,))?;
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
        let len = self.len(py) as isize;
        let at = if index < 0 {
            (len + index).max(0)
        } else {
            index.min(len)
        } as usize;
        let item = self.coerce_at(value, at)?;
        self.items(py)
            .as_any()
            .call_method1("insert", (index, item))?;
        Ok(())
    }

    #[pyo3(signature = (index = -1))]
    fn pop<'py>(&self, py: Python<'py>, index: isize) -> PyResult<Bound<'py, PyAny>> {
        self.items(py).as_any().call_method1("pop", (index,))
    }

    fn remove(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.items(py).as_any().call_method1("remove", (value,))?;
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
            .items(py)
            .as_any()
            .call_method1("index", PyTuple::new(py, call)?)?
            .unbind())
    }

    fn count(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        Ok(self
            .items(py)
            .as_any()
            .call_method1("count", (value,))?
            .unbind())
    }

    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        self.items(py).as_any().call_method0("clear")?;
        Ok(())
    }

    fn reverse(&self, py: Python<'_>) -> PyResult<()> {
        self.items(py).reverse()
    }

    #[pyo3(signature = (*, key = None, reverse = false))]
    fn sort(&self, py: Python<'_>, key: Option<&Bound<'_, PyAny>>, reverse: bool) -> PyResult<()> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("key", key)?;
        kwargs.set_item("reverse", reverse)?;
        self.items(py)
            .as_any()
            .call_method("sort", (), Some(&kwargs))?;
        Ok(())
    }

    /// A plain `list` with the same items (the items themselves are shared).
    fn copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        Ok(self.items(py).get_slice(0, usize::MAX))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let mine = self.items(py).as_any();
        if let Ok(o) = other.cast::<ListView>() {
            return mine.eq(o.get().items(py))?.into_py_any(py);
        }
        if other.is_instance_of::<PyList>() {
            return mine.eq(other)?.into_py_any(py);
        }
        Ok(py.NotImplemented())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.items(py).repr()?.to_string())
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
