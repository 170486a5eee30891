//! Attribute descriptors that return a kept object (see `kept`) before PyO3 is entered.
//!
//! A PyO3 `#[getter]` is a getset descriptor whose C function is a PyO3 trampoline: it counts
//! the thread as attached, drains PyO3's deferred reference pool, sets up panic catching, and
//! only then runs the getter. For a field whose object is already kept that is most of the
//! read (≈ 25 ns of a 27 ns `m.role`). Each field's PyO3 getter is therefore wrapped, when
//! its class is created, in a getset descriptor of our own whose C function returns the kept
//! object with one new reference, and otherwise hands the read (and every assignment) to the
//! PyO3 descriptor it replaced, through CPython's own `tp_descr_get`/`tp_descr_set` of getset
//! descriptors. Nothing else changes: the PyO3 getter and setter still do all the work, the
//! wrapper only skips them when there is nothing for them to do.
//!
//! The wrapper holds no Rust reference across Python code, takes no lock and allocates
//! nothing, so it needs no panic trap; on free-threaded builds nothing is kept and every read
//! goes to the PyO3 getter.
//!
//! Even so a getset read costs ≈ 13 ns on CPython 3.11 against ≈ 2 ns for a slot, because
//! only member descriptors are specialized. The fields read most (ids, names, roles: a
//! table's `slots`) are therefore member descriptors over their kept objects (`member`).

use std::any::TypeId;
use std::ffi::{c_int, c_void, CString};
use std::sync::Mutex;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::kept::Keep;
use crate::record::Node;

/// What one wrapping descriptor needs: where its field's kept object is, and the PyO3
/// descriptor to hand everything else to. Made once per field per process and never freed
/// (the type that uses it lives as long).
struct Wrapped {
    /// The field's slot in its record's `Kept`.
    slot: usize,
    /// The kept object of `slot` in a record of the wrapped class (borrowed; null: none).
    peek: unsafe fn(*mut ffi::PyObject, usize) -> *mut ffi::PyObject,
    /// The PyO3 getset descriptor this one replaces.
    original: Py<PyAny>,
    descr_get: ffi::descrgetfunc,
    descr_set: ffi::descrsetfunc,
}

/// What to install as attribute `name` (field `slot`) of `N`'s class in place of its PyO3
/// getter (a `#[classattr]` of the same name, which PyO3 sets after creating the getters):
/// a member descriptor for a slot field, else a wrapped getter.
pub fn attribute<N: Node>(py: Python<'_>, name: &'static str, slot: usize) -> PyResult<Py<PyAny>> {
    if crate::kept::contains(N::SLOTS, name) {
        member::<N>(py, name, slot)
    } else {
        descriptor::<N>(py, name, slot)
    }
}

/// A wrapped getter (see the module docs).
fn descriptor<N: Node>(py: Python<'_>, name: &'static str, slot: usize) -> PyResult<Py<PyAny>> {
    let ty: Bound<'_, PyType> = py.get_type::<N>();
    let original = ty.getattr(name)?;
    // SAFETY: reading a slot of a static type object (PyType_GetSlot accepts them from 3.10).
    let (descr_get, descr_set) = unsafe {
        let getset = std::ptr::addr_of_mut!(ffi::PyGetSetDescr_Type);
        if ffi::Py_TYPE(original.as_ptr()) != getset {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{}.{}: expected a getset descriptor",
                <N as Node>::NAME,
                name
            )));
        }
        (
            std::mem::transmute::<*mut c_void, Option<ffi::descrgetfunc>>(ffi::PyType_GetSlot(
                getset,
                ffi::Py_tp_descr_get,
            )),
            std::mem::transmute::<*mut c_void, Option<ffi::descrsetfunc>>(ffi::PyType_GetSlot(
                getset,
                ffi::Py_tp_descr_set,
            )),
        )
    };
    let (Some(descr_get), Some(descr_set)) = (descr_get, descr_set) else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "getset descriptors have no __get__/__set__",
        ));
    };
    let wrapped: &'static Wrapped = Box::leak(Box::new(Wrapped {
        slot,
        peek: peek::<N>,
        original: original.unbind(),
        descr_get,
        descr_set,
    }));
    let name: &'static CString = Box::leak(Box::new(CString::new(name)?));
    let def: &'static mut ffi::PyGetSetDef = Box::leak(Box::new(ffi::PyGetSetDef {
        name: name.as_ptr(),
        get: Some(get),
        set: Some(set),
        doc: std::ptr::null(),
        closure: wrapped as *const Wrapped as *mut c_void,
    }));
    // SAFETY: `def` and everything it points to live for the rest of the process.
    unsafe {
        Ok(
            Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewGetSet(ty.as_type_ptr(), def))?
                .unbind(),
        )
    }
}

/// The attribute of a *slot field* (a table's `slots`): a member descriptor, what
/// `__slots__` makes, over the field's kept object. CPython reads it without calling any
/// function (3.11 specializes it as `LOAD_ATTR_SLOT`): a plain attribute's speed.
///
/// A member read of an empty slot raises AttributeError, so a slot field's object is made
/// with the record (`Node::wrap`) and replaced, never dropped, on assignment (the record's
/// `__setattr__` sends every field to its setter: the descriptor itself is read-only).
/// Free-threaded builds keep nothing: their slot fields get the wrapper of `descriptor`.
fn member<N: Node>(py: Python<'_>, name: &'static str, slot: usize) -> PyResult<Py<PyAny>> {
    if cfg!(Py_GIL_DISABLED) {
        return descriptor::<N>(py, name, slot);
    }
    let ty: Bound<'_, PyType> = py.get_type::<N>();
    let offset = slot_offsets::<N>(py)?
        .get(slot)
        .copied()
        .flatten()
        .ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err(format!(
                "{}.{name}: no slot for a member descriptor",
                <N as Node>::NAME
            ))
        })?;
    let name: &'static CString = Box::leak(Box::new(CString::new(name)?));
    let def: &'static mut ffi::PyMemberDef = Box::leak(Box::new(ffi::PyMemberDef {
        name: name.as_ptr(),
        type_code: ffi::Py_T_OBJECT_EX,
        offset,
        flags: ffi::Py_READONLY,
        doc: std::ptr::null(),
    }));
    // SAFETY: `def` lives for the rest of the process; `offset` is that of an
    // `AtomicPtr<PyObject>` (a `PyObject *`) inside every instance of the class.
    unsafe {
        Ok(
            Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMember(ty.as_type_ptr(), def))?
                .unbind(),
        )
    }
}

/// Where each field's kept object lies in an instance of `N` (the same in every instance),
/// from its start: measured once per class on one instance, since PyO3 does not publish its
/// object layout.
fn slot_offsets<N: Node>(py: Python<'_>) -> PyResult<Vec<Option<ffi::Py_ssize_t>>> {
    type Offsets = Vec<Option<ffi::Py_ssize_t>>;
    static MEASURED: Mutex<Vec<(TypeId, Offsets)>> = Mutex::new(Vec::new());
    let class = TypeId::of::<N>();
    let lock = || MEASURED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, offsets)) = lock().iter().find(|(c, _)| *c == class) {
        return Ok(offsets.clone());
    }
    // Not locked while the probe is made: making it creates the classes of its slot views.
    let probe = Bound::new(py, N::wrap(py, N::placeholder()))?;
    let start = probe.as_ptr() as usize;
    let offsets: Vec<_> = (0..N::FIELDS.len())
        .map(|slot| {
            let at = probe.get().kept().address(slot) as usize;
            at.checked_sub(start)
                .filter(|_| at != 0)
                .and_then(|o| ffi::Py_ssize_t::try_from(o).ok())
        })
        .collect();
    lock().push((class, offsets.clone()));
    Ok(offsets)
}

/// # Safety
/// `obj` is an instance of `N`'s class and the thread is attached.
unsafe fn peek<N: Node>(obj: *mut ffi::PyObject, slot: usize) -> *mut ffi::PyObject {
    // SAFETY: see the function's contract.
    unsafe {
        let py = Python::assume_attached();
        let node = pyo3::Borrowed::from_ptr(py, obj).cast_unchecked::<N>();
        node.get().kept().peek(slot)
    }
}

/// The getset `get` of a wrapper: the kept object, else the PyO3 getter.
unsafe extern "C" fn get(obj: *mut ffi::PyObject, closure: *mut c_void) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this attached, with `obj` an instance of the descriptor's class
    // (checked before the call) and `closure` the `Wrapped` given in `descriptor`.
    unsafe {
        let wrapped = &*(closure as *const Wrapped);
        let kept = (wrapped.peek)(obj, wrapped.slot);
        if !kept.is_null() {
            ffi::Py_INCREF(kept);
            return kept;
        }
        (wrapped.descr_get)(
            wrapped.original.as_ptr(),
            obj,
            ffi::Py_TYPE(obj) as *mut ffi::PyObject,
        )
    }
}

/// The getset `set` of a wrapper: always the PyO3 setter (which drops what was kept).
unsafe extern "C" fn set(
    obj: *mut ffi::PyObject,
    value: *mut ffi::PyObject,
    closure: *mut c_void,
) -> c_int {
    // SAFETY: as for `get`.
    unsafe {
        let wrapped = &*(closure as *const Wrapped);
        (wrapped.descr_set)(wrapped.original.as_ptr(), obj, value)
    }
}
