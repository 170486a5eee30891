//! The Python objects a record keeps for its fields, so that reading a field again costs what
//! reading a plain attribute does: no lock, no new object.
//!
//! A getter used to make a fresh Python object from the crate value on every read (a new `str`
//! each time `m.role` was read), behind the record's lock: ×10–20 a `__slots__` read. Now:
//!
//! - a view (`s.messages`, `s.config`) is kept from its first read (the record holds it
//!   anyway, as the truth for that field);
//! - a scalar is kept from its *second* read. A walk that reads each field once (the common
//!   case for a session's thousands of blocks) keeps nothing, so it holds no second copy of
//!   every text; a value read again (a dashboard's loop, `s.id` in each log line) is kept.
//!
//! Kept objects never go stale: every assignment goes through the record's setter, which
//! changes the crate value (or view) under the lock and then drops what was kept; nothing else
//! changes a record's fields (serialization lends values and puts the same ones back). Only
//! immutable values (str, int, float, bool, None, enum members) and views are kept; a field
//! read as a fresh copy (`=> json`) never is.
//!
//! Reading without the lock relies on the GIL: a reader and a setter never run at once, so a
//! kept pointer is never freed between its load and the new reference. Free-threaded builds
//! (no GIL) keep nothing and always read under the lock.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

/// One record's kept objects, one slot per field of its class table (`N` fields).
pub struct Kept<const N: usize> {
    slots: [AtomicPtr<ffi::PyObject>; N],
    /// Bit `i`: field `i` was read once (a scalar is kept on its second read).
    seen: AtomicU64,
}

impl<const N: usize> Default for Kept<N> {
    fn default() -> Self {
        Kept {
            slots: std::array::from_fn(|_| AtomicPtr::new(std::ptr::null_mut())),
            seen: AtomicU64::new(0),
        }
    }
}

/// Whether this build may read kept objects without the lock (see the module docs).
const ENABLED: bool = cfg!(not(Py_GIL_DISABLED));

/// What the generic record operations need of a class's `Kept` (whatever its field count).
pub trait Keep: Send + Sync {
    /// The object kept for field `i`, if any.
    fn get(&self, py: Python<'_>, i: usize) -> Option<Py<PyAny>>;
    /// The object kept for field `i` as a borrowed pointer (null if none), for the attribute
    /// descriptors of `fastattr`, which return it with one new reference.
    fn peek(&self, i: usize) -> *mut ffi::PyObject;
    /// Keep `value` for field `i`: a view always, a scalar from its second read.
    fn keep(&self, py: Python<'_>, i: usize, value: &Py<PyAny>, scalar: bool);
    /// Drop what was kept for field `i` (it was just assigned).
    fn forget(&self, i: usize);
    /// Keep `value` for field `i` now, whatever was read before: a slot field's object
    /// (see `fastattr::member`), set when the record is made and on every assignment.
    fn put(&self, i: usize, value: Py<PyAny>);
    /// Where field `i`'s kept object is stored (a slot field's member descriptor reads it).
    fn address(&self, i: usize) -> *const AtomicPtr<ffi::PyObject>;
}

impl<const N: usize> Keep for Kept<N> {
    #[inline]
    fn get(&self, py: Python<'_>, i: usize) -> Option<Py<PyAny>> {
        let ptr = self.peek(i);
        if ptr.is_null() {
            None
        } else {
            // SAFETY: a non-null slot owns a reference, and (GIL held, see the module docs)
            // nothing can release it before this new reference is taken.
            Some(
                unsafe { pyo3::Borrowed::from_ptr(py, ptr) }
                    .to_owned()
                    .unbind(),
            )
        }
    }

    #[inline]
    fn peek(&self, i: usize) -> *mut ffi::PyObject {
        match self.slots.get(i) {
            Some(slot) if ENABLED => slot.load(Ordering::Acquire),
            _ => std::ptr::null_mut(),
        }
    }

    fn keep(&self, py: Python<'_>, i: usize, value: &Py<PyAny>, scalar: bool) {
        if !ENABLED || i >= N {
            return;
        }
        if scalar {
            let mask = 1u64 << (i % 64);
            if self.seen.fetch_or(mask, Ordering::Relaxed) & mask == 0 {
                return; // first read
            }
        }
        let new = value.clone_ref(py).into_ptr();
        let old = self.slots[i].swap(new, Ordering::AcqRel);
        release(old);
    }

    fn forget(&self, i: usize) {
        if let Some(slot) = self.slots.get(i) {
            release(slot.swap(std::ptr::null_mut(), Ordering::AcqRel));
        }
    }

    fn put(&self, i: usize, value: Py<PyAny>) {
        match self.slots.get(i) {
            Some(slot) if ENABLED => release(slot.swap(value.into_ptr(), Ordering::AcqRel)),
            _ => drop(value),
        }
    }

    fn address(&self, i: usize) -> *const AtomicPtr<ffi::PyObject> {
        self.slots
            .get(i)
            .map_or(std::ptr::null(), |slot| slot as *const _)
    }
}

impl<const N: usize> Drop for Kept<N> {
    fn drop(&mut self) {
        for slot in &mut self.slots {
            release(std::mem::replace(slot.get_mut(), std::ptr::null_mut()));
        }
    }
}

/// Give up one owned reference (attached: records are dropped and assigned attached).
fn release(ptr: *mut ffi::PyObject) {
    if !ptr.is_null() {
        // SAFETY: `ptr` is an owned reference taken by `keep`; every caller holds the GIL.
        unsafe { ffi::Py_DecRef(ptr) };
    }
}

/// Whether `name` is one of `names`, at compile time.
pub const fn contains(names: &[&str], name: &str) -> bool {
    position(names, name).is_some()
}

/// The position of `name` in `names` (a class table's fields), at compile time: each getter
/// knows its slot without looking it up.
pub const fn index_of(names: &[&str], name: &str) -> usize {
    match position(names, name) {
        Some(i) => i,
        None => panic!("not a field of this class table"),
    }
}

const fn position(names: &[&str], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < names.len() {
        if same(names[i].as_bytes(), name.as_bytes()) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::index_of;

    #[test]
    fn fields_are_found_by_name() {
        const NAMES: &[&str] = &["id", "role", "content"];
        assert_eq!(index_of(NAMES, "id"), 0);
        assert_eq!(index_of(NAMES, "content"), 2);
    }
}
