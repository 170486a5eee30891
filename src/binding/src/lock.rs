//! Per-object locks that never wait while attached to the interpreter, and the helper that
//! releases the interpreter for big work.

use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// The lock of one object: a mutex that knows which thread holds it, so that re-entrant
/// access from the same thread (a finalizer run by the garbage collector while the object
/// is being read, say) raises instead of waiting for itself forever.
pub struct Lock<T> {
    mutex: Mutex<T>,
    owner: AtomicU64,
}

pub struct Guard<'a, T> {
    guard: MutexGuard<'a, T>,
    owner: &'a AtomicU64,
}

impl<T> Lock<T> {
    pub fn new(value: T) -> Self {
        Self {
            mutex: Mutex::new(value),
            owner: AtomicU64::new(0),
        }
    }

    pub fn get_mut(&mut self) -> &mut T {
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
pub fn lock<'a, T: Send>(py: Python<'_>, l: &'a Lock<T>) -> PyResult<Guard<'a, T>> {
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
pub fn maybe_detach<T, F>(py: Python<'_>, big: bool, f: F) -> T
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

/// Free `value` with the interpreter released, so other threads keep running while a big
/// crate value (a session, a long list) is torn down. It must hold no Python reference.
pub fn free_detached<T: Send>(value: T) {
    Python::attach(|py| py.detach(move || drop(value)));
}
