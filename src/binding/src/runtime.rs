//! The one tokio runtime the crates' async stores run on, the asyncio futures their
//! `*_async` twins return, and how their errors reach Python.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;
use pyo3::exceptions::{PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use tokio::sync::oneshot;

/// One runtime for every store of the process: the crates' stores are async (tokio::fs).
/// The `*_async` twins run on its workers (a fixed pool: no thread per call); two let the
/// parses of concurrent loads use two cores.
pub fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("a3s-session-store")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| PyRuntimeError::new_err(format!("cannot start the store runtime: {e}")))
}

/// Run a store future to completion with the interpreter released.
pub fn block_on<T, F>(py: Python<'_>, fut: F) -> PyResult<anyhow::Result<T>>
where
    F: std::future::Future<Output = anyhow::Result<T>> + Send,
    T: Send,
{
    let rt = runtime()?;
    Ok(py.detach(|| rt.block_on(fut)))
}

/// An I/O failure keeps its kind (FileNotFoundError, PermissionError, ...) and the crate's
/// context ("Failed to create temp file: ...").
pub fn store_error(err: anyhow::Error) -> PyErr {
    let text = format!("{err:#}");
    match err.root_cause().downcast_ref::<std::io::Error>() {
        Some(io) => PyErr::from(std::io::Error::new(io.kind(), text)),
        None => PyOSError::new_err(text),
    }
}

/// The asyncio future, on the running loop, of `work` run on the store runtime; `finish`
/// turns its output into the result (attached, on a runtime thread) and the loop's own
/// thread sets it.
///
/// Cancelling the future stops only the wait: `work` always runs to its end, so a write the
/// crate has started (temp file, fsync, rename) is never cut off midway, and the file holds
/// either the old document or the new one. A panic in `work` becomes a RuntimeError.
pub fn awaitable<'py, T, W, F>(py: Python<'py>, work: W, finish: F) -> PyResult<Bound<'py, PyAny>>
where
    W: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    F: for<'a> FnOnce(Python<'a>, T) -> PyResult<Py<PyAny>> + Send + 'static,
{
    let rt = runtime()?;
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let (event_loop, target) = (event_loop.unbind(), future.clone().unbind());
    let task = rt.spawn(work);
    rt.spawn(async move {
        let out = task.await;
        // An interpreter that is shutting down has no loop left to tell.
        let _ = Python::try_attach(move |py| {
            let result = match out {
                Ok(value) => finish(py, value),
                Err(err) => Err(PyRuntimeError::new_err(format!("store task failed: {err}"))),
            };
            let resolve = Resolve {
                future: target,
                result: Mutex::new(Some(result)),
            };
            // A closed loop raises here: nobody is waiting any more, so there is no one to tell.
            let _ = event_loop
                .bind(py)
                .call_method1("call_soon_threadsafe", (resolve,));
        });
    });
    Ok(future)
}

/// Sets an asyncio future's result on its loop's thread, unless it was cancelled meanwhile.
#[pyclass(frozen, module = "a3s_session")]
struct Resolve {
    future: Py<PyAny>,
    result: Mutex<Option<PyResult<Py<PyAny>>>>,
}

#[pymethods]
impl Resolve {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let future = self.future.bind(py);
        let Some(result) = self.result.lock().take() else {
            return Ok(());
        };
        if future.call_method0("done")?.is_truthy()? {
            return Ok(());
        }
        match result {
            Ok(value) => future.call_method1("set_result", (value,))?,
            Err(err) => future.call_method1("set_exception", (err.into_value(py),))?,
        };
        Ok(())
    }
}

/// A place in the queue of writes to one session (a store directory and id): writes run in
/// the order they were called, sync or async, whichever task gets to run first. The turn is
/// taken when the call is made; dropping it (the write done or failed) lets the next one go.
pub struct Turn {
    key: PathBuf,
    ticket: u64,
    before: Option<oneshot::Receiver<()>>,
    done: Option<oneshot::Sender<()>>,
}

/// The last turn taken per session, while it is not over: its ticket and the receiver the
/// next turn waits on.
type Queues = Mutex<HashMap<PathBuf, (u64, oneshot::Receiver<()>)>>;

fn queues() -> &'static Queues {
    static QUEUES: OnceLock<Queues> = OnceLock::new();
    QUEUES.get_or_init(Default::default)
}

impl Turn {
    /// Wait until every write to the same session called before this one has finished.
    pub async fn wait(&mut self) {
        if let Some(before) = self.before.take() {
            // An error only says the earlier write's turn was dropped: it is over either way.
            let _ = before.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        drop(self.done.take()); // the next turn may go
                                // Forget the session if no later turn was taken, so the map holds only live queues.
        let mut queues = queues().lock();
        if queues
            .get(&self.key)
            .is_some_and(|(t, _)| *t == self.ticket)
        {
            queues.remove(&self.key);
        }
    }
}

/// Take the next turn for writes to `key`. The crates also name their temp files after the
/// target, the time and the pid, so two writes of one target in the same nanosecond from one
/// process would share a temp file: queuing them avoids that too.
pub fn take_turn(key: PathBuf) -> Turn {
    static TICKETS: AtomicU64 = AtomicU64::new(0);
    let ticket = TICKETS.fetch_add(1, Ordering::Relaxed);
    let (done, next) = oneshot::channel();
    let before = queues()
        .lock()
        .insert(key.clone(), (ticket, next))
        .map(|(_, before)| before);
    Turn {
        key,
        ticket,
        before,
        done: Some(done),
    }
}

/// How many sessions have a write queued or running (the queue map's size), for tests.
pub fn queued_sessions() -> usize {
    queues().lock().len()
}
