//! The scan's Python face: a pass (an iterator of batches, or an Arrow C stream), tables that
//! speak the Arrow PyCapsule interface, and the inputs Python can give (paths, bytes, Arrow
//! binary columns, iterators). pyarrow is never needed here: only capsules cross.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{
    Float32Type, Float64Type, TimestampMicrosecondType, TimestampSecondType, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_schema::{ArrowError, DataType, SchemaRef, TimeUnit};
use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyIterator, PyList, PyTuple};

use super::engine::{in_v1_sessions, walk, Data, Feed, FeedError, Item, ListFeed, Pass};
use super::reader::{Reader, Routing};
use super::tables::{TableId, Wanted, TABLES};
use crate::scalar::f32_as_json_f64;

fn table_id(name: &str) -> PyResult<TableId> {
    TableId::from_name(name).ok_or_else(|| {
        let names: Vec<_> = TABLES.iter().map(|t| t.name()).collect();
        PyValueError::new_err(format!(
            "no scan table {name:?} (tables: {})",
            names.join(", ")
        ))
    })
}

/// A feed error back as the Python exception it was (or a RuntimeError).
fn feed_error(err: FeedError) -> PyErr {
    match err.downcast::<PyErr>() {
        Ok(e) => *e,
        Err(other) => PyRuntimeError::new_err(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/// What keeps borrowed inputs alive for a pass.
#[derive(Default)]
struct Keep {
    objects: Vec<Py<PyAny>>,
    arrays: Vec<ArrayRef>,
    copies: Vec<Vec<u8>>,
}

struct KeptFeed {
    list: ListFeed,
    _keep: Keep,
}

impl Feed for KeptFeed {
    fn pull(&mut self, max_items: usize, max_bytes: u64) -> Result<Vec<Item>, FeedError> {
        self.list.pull(max_items, max_bytes)
    }
    fn total(&self) -> Option<(u64, u64)> {
        self.list.total()
    }
}

fn borrowed_item(index: u64, name: Option<String>, ptr: *const u8, len: usize) -> Item {
    Item {
        index,
        in_v1_dir: name
            .as_deref()
            .is_some_and(|n| in_v1_sessions(std::path::Path::new(n))),
        path: name,
        size: len as u64,
        data: Data::Borrowed(ptr, len),
    }
}

fn null_item(index: u64, name: Option<String>) -> Item {
    Item {
        index,
        in_v1_dir: false,
        path: name,
        size: 0,
        data: Data::Null,
    }
}

/// One Python content: bytes (borrowed), another bytes-like (copied), or `(name, data)`.
fn python_item(
    index: u64,
    obj: &Bound<'_, PyAny>,
    name: Option<String>,
    keep: &mut Keep,
) -> PyResult<Item> {
    if let Ok(pair) = obj.cast::<PyTuple>() {
        if pair.len() == 2 {
            let name: Option<String> = pair.get_item(0)?.extract()?;
            return python_item(index, &pair.get_item(1)?, name, keep);
        }
    }
    if obj.is_none() {
        return Ok(null_item(index, name));
    }
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        let data = bytes.as_bytes();
        let item = borrowed_item(index, name, data.as_ptr(), data.len());
        keep.objects.push(obj.clone().unbind());
        return Ok(item);
    }
    match obj.extract::<Vec<u8>>() {
        Ok(copy) if !obj.is_instance_of::<pyo3::types::PyString>() => {
            let item = borrowed_item(index, name, copy.as_ptr(), copy.len());
            keep.copies.push(copy);
            Ok(item)
        }
        _ => Err(PyTypeError::new_err(format!(
            "scan contents must be bytes (or (name, bytes) pairs), got {}",
            obj.get_type().name()?
        ))),
    }
}

/// The values of an Arrow binary or string column, borrowed.
fn array_items(
    array: &ArrayRef,
    first: u64,
    names: &[Option<String>],
    out: &mut Vec<Item>,
) -> PyResult<()> {
    let name = |i: usize| names.get(first as usize + i).cloned().flatten();
    macro_rules! each {
        ($arr:expr) => {{
            let arr = $arr;
            for i in 0..arr.len() {
                let index = first + i as u64;
                if arr.is_null(i) {
                    out.push(null_item(index, name(i)));
                } else {
                    let v: &[u8] = arr.value(i).as_ref();
                    out.push(borrowed_item(index, name(i), v.as_ptr(), v.len()));
                }
            }
        }};
    }
    match array.data_type() {
        DataType::Binary => each!(array.as_binary::<i32>()),
        DataType::LargeBinary => each!(array.as_binary::<i64>()),
        DataType::BinaryView => each!(array.as_binary_view()),
        DataType::Utf8 => each!(array.as_string::<i32>()),
        DataType::LargeUtf8 => each!(array.as_string::<i64>()),
        DataType::Utf8View => each!(array.as_string_view()),
        other => {
            return Err(PyTypeError::new_err(format!(
                "an Arrow column of file contents must be binary or string, not {other}"
            )))
        }
    }
    Ok(())
}

/// The arrays of an object speaking the Arrow PyCapsule interface (array or stream).
fn import_arrays(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<ArrayRef>>> {
    if obj.hasattr("__arrow_c_stream__")? {
        let capsule = obj.call_method0("__arrow_c_stream__")?;
        let capsule = capsule.cast::<PyCapsule>()?;
        let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
        // SAFETY: an `arrow_array_stream` capsule holds an FFI_ArrowArrayStream; `from_raw`
        // moves it out, leaving a released one for the capsule's destructor.
        let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.cast().as_ptr()) };
        let reader = ArrayStreamReader::try_new(stream).map_err(arrow_err)?;
        let arrays = reader.collect::<Result<Vec<_>, _>>().map_err(arrow_err)?;
        return Ok(Some(arrays));
    }
    if obj.hasattr("__arrow_c_array__")? {
        let pair = obj.call_method0("__arrow_c_array__")?;
        let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = pair.extract()?;
        let sptr = schema.pointer_checked(Some(c"arrow_schema"))?;
        let aptr = array.pointer_checked(Some(c"arrow_array"))?;
        // SAFETY: the capsules hold an FFI_ArrowSchema and an FFI_ArrowArray; the array is
        // moved out (an empty, released one left for the capsule), the schema borrowed.
        let data = unsafe {
            let array = std::ptr::replace(
                aptr.cast::<FFI_ArrowArray>().as_ptr(),
                FFI_ArrowArray::empty(),
            );
            from_ffi(array, &*sptr.cast::<FFI_ArrowSchema>().as_ptr())
        }
        .map_err(arrow_err)?;
        return Ok(Some(vec![arrow_array::make_array(data)]));
    }
    Ok(None)
}

fn arrow_err(e: ArrowError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A feed over a Python iterator, pulled a group at a time (holding one group's objects).
struct IterFeed {
    iter: Py<PyIterator>,
    next_index: u64,
    keep: Keep,
}

impl Feed for IterFeed {
    fn pull(&mut self, max_items: usize, max_bytes: u64) -> Result<Vec<Item>, FeedError> {
        Python::attach(|py| {
            self.keep = Keep::default(); // the previous group is read
            let mut items = Vec::new();
            let mut bytes = 0;
            let iter = self.iter.bind(py);
            while items.len() < max_items && bytes < max_bytes {
                let Some(obj) = iter.clone().next() else {
                    break;
                };
                let item = python_item(self.next_index, &obj?, None, &mut self.keep)?;
                self.next_index += 1;
                bytes += item.size;
                items.push(item);
            }
            Ok(items)
        })
        .map_err(|e: PyErr| Box::new(e) as FeedError)
    }
    fn total(&self) -> Option<(u64, u64)> {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Passes
// ---------------------------------------------------------------------------------------------

/// One pass of a scan: iterate it for dicts of `ArrowTable`s (one per wanted table, the rows
/// of the same run of inputs), or turn it into an Arrow C stream of one table.
#[pyclass(module = "a3s_session._native", name = "ScanPass")]
pub struct PyScanPass {
    pass: Mutex<Option<Pass>>,
    total: Option<(u64, u64)>,
    callback_error: Arc<Mutex<Option<PyErr>>>,
}

impl PyScanPass {
    fn with_pass<T>(&self, f: impl FnOnce(&mut Option<Pass>) -> T) -> PyResult<T> {
        let mut guard = self.pass.try_lock().map_err(|_| {
            PyRuntimeError::new_err("this scan pass is being read by another thread")
        })?;
        Ok(f(&mut guard))
    }

    fn raise_callback_error(&self) -> PyResult<()> {
        match self
            .callback_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[pymethods]
impl PyScanPass {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyDict>>> {
        let next = self.with_pass(|slot| match slot.as_mut() {
            None => Ok(None),
            Some(pass) => py.detach(|| pass.next_batches()),
        })?;
        self.raise_callback_error()?;
        let Some(batches) = next.map_err(feed_error)? else {
            self.with_pass(|slot| *slot = None)?;
            return Ok(None);
        };
        let out = PyDict::new(py);
        for t in TABLES {
            if let Some(batch) = &batches[t as usize] {
                out.set_item(t.name(), PyArrowTable::new(t, vec![batch.clone()]))?;
            }
        }
        Ok(Some(out.unbind()))
    }

    /// (inputs, bytes) in all when known up front (paths, lists), else None.
    #[getter]
    fn total(&self) -> Option<(u64, u64)> {
        self.total
    }

    /// (inputs, bytes) read so far.
    #[getter]
    fn done(&self) -> PyResult<(u64, u64)> {
        self.with_pass(|slot| {
            slot.as_ref().map_or(self.total.unwrap_or((0, 0)), |p| {
                (p.inputs_done, p.bytes_done)
            })
        })
    }

    /// This pass as an Arrow C stream (`arrow_array_stream` capsule) of one wanted table, in
    /// batches of at most `batch_rows` rows; the pass is used up.
    fn take_stream<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyCapsule>> {
        let t = table_id(table)?;
        let pass = self
            .with_pass(Option::take)?
            .ok_or_else(|| PyRuntimeError::new_err("this scan pass is already used up"))?;
        if !pass.wanted().has(t) {
            return Err(PyValueError::new_err(format!(
                "this pass does not build the {table} table"
            )));
        }
        let reader = PassReader {
            batch_rows: pass.batch_rows(),
            pass,
            table: t,
            queue: VecDeque::new(),
            callback_error: self.callback_error.clone(),
        };
        PyCapsule::new_with_value(
            py,
            FFI_ArrowArrayStream::new(Box::new(reader)),
            c"arrow_array_stream",
        )
    }
}

/// One table of a pass as a RecordBatchReader (what the C stream calls into, on whatever
/// thread the consumer uses): reading runs with the interpreter released.
struct PassReader {
    pass: Pass,
    table: TableId,
    batch_rows: usize,
    queue: VecDeque<RecordBatch>,
    callback_error: Arc<Mutex<Option<PyErr>>>,
}

impl Iterator for PassReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.queue.is_empty() {
            let pass = &mut self.pass;
            let next = Python::attach(|py| py.detach(|| pass.next_batches()));
            if let Some(e) = self
                .callback_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
            {
                return Some(Err(ArrowError::ExternalError(Box::new(e))));
            }
            match next {
                Err(e) => return Some(Err(ArrowError::ExternalError(e))),
                Ok(None) => return None,
                Ok(Some(mut batches)) => {
                    let Some(batch) = batches[self.table as usize].take() else {
                        continue;
                    };
                    let mut offset = 0;
                    while offset < batch.num_rows() {
                        let len = self.batch_rows.min(batch.num_rows() - offset);
                        self.queue.push_back(batch.slice(offset, len));
                        offset += len;
                    }
                }
            }
        }
        self.queue.pop_front().map(Ok)
    }
}

impl RecordBatchReader for PassReader {
    fn schema(&self) -> SchemaRef {
        self.table.schema()
    }
}

/// Where the files of a pass come from.
enum Listing {
    /// Files and directories, directories walked recursively.
    Walk(Vec<PathBuf>),
    /// Exactly these files, in this order.
    Exact(Vec<PathBuf>),
}

/// Open a pass. Exactly one of `paths` (files and directories, walked recursively), `files`
/// (exactly these, as listed: one input each, never walked), `contents` (a list of bytes or
/// `(name, bytes)` pairs, or an Arrow binary/string column) and `iterator` (of bytes or
/// pairs) is given. `readers`: the `_scan_reader` capsules of the primary generation and,
/// optionally, the newer one. `count_unknown`: fill `unknown_field_count` of every session.
#[pyfunction]
#[pyo3(signature = (*, tables, threads, batch_rows, primary, newer=None, paths=None, files=None, contents=None, names=None, iterator=None, progress=None, count_unknown=false))]
#[allow(clippy::too_many_arguments)]
pub fn scan_pass(
    py: Python<'_>,
    tables: Vec<String>,
    threads: usize,
    batch_rows: usize,
    primary: &Bound<'_, PyAny>,
    newer: Option<&Bound<'_, PyAny>>,
    paths: Option<Vec<PathBuf>>,
    files: Option<Vec<PathBuf>>,
    contents: Option<&Bound<'_, PyAny>>,
    names: Option<Vec<Option<String>>>,
    iterator: Option<&Bound<'_, PyAny>>,
    progress: Option<Py<PyAny>>,
    count_unknown: bool,
) -> PyResult<PyScanPass> {
    if threads == 0 || batch_rows == 0 {
        return Err(PyValueError::new_err(
            "threads and batch_rows must be at least 1",
        ));
    }
    let mut wanted = Wanted(0);
    for name in &tables {
        wanted = wanted.with(table_id(name)?);
    }
    let routing = Routing {
        primary: Reader::from_capsule(primary)?,
        newer: newer.map(Reader::from_capsule).transpose()?,
        count_unknown,
    };
    let paths = match (paths, files) {
        (paths, None) => paths.map(Listing::Walk),
        (None, Some(files)) => Some(Listing::Exact(files)),
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err("give paths or files, not both"));
        }
    };
    let feed: Box<dyn Feed> = match (paths, contents, iterator) {
        (Some(Listing::Exact(files)), None, None) => {
            // Sizes only weigh the work: a file that cannot be looked at is an error row when
            // it is read.
            let items = py.detach(|| {
                files
                    .into_iter()
                    .enumerate()
                    .map(|(i, path)| {
                        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
                        Item::file(i as u64, path, size)
                    })
                    .collect()
            });
            Box::new(ListFeed::new(items))
        }
        (Some(Listing::Walk(paths)), None, None) => {
            let files = py.detach(|| -> std::io::Result<Vec<(PathBuf, u64)>> {
                let mut files = Vec::new();
                for p in &paths {
                    walk(p, &mut files)?;
                }
                Ok(files)
            })?;
            let items = files
                .into_iter()
                .enumerate()
                .map(|(i, (path, size))| Item::file(i as u64, path, size))
                .collect();
            Box::new(ListFeed::new(items))
        }
        (None, Some(contents), None) => {
            let names = names.unwrap_or_default();
            let mut keep = Keep::default();
            let mut items = Vec::new();
            if let Some(arrays) = import_arrays(contents)? {
                for array in arrays {
                    array_items(&array, items.len() as u64, &names, &mut items)?;
                    keep.arrays.push(array);
                }
            } else {
                for (i, obj) in contents.try_iter()?.enumerate() {
                    let name = names.get(i).cloned().flatten();
                    items.push(python_item(i as u64, &obj?, name, &mut keep)?);
                }
            }
            Box::new(KeptFeed {
                list: ListFeed::new(items),
                _keep: keep,
            })
        }
        (None, None, Some(iterator)) => Box::new(IterFeed {
            iter: iterator.try_iter()?.unbind(),
            next_index: 0,
            keep: Keep::default(),
        }),
        _ => {
            return Err(PyValueError::new_err(
                "give exactly one of paths, files, contents and iterator",
            ))
        }
    };
    let total = feed.total();
    let mut pass = Pass::new(feed, routing, wanted, threads, batch_rows);
    let callback_error = Arc::new(Mutex::new(None));
    if let Some(callback) = progress {
        let slot = callback_error.clone();
        pass.on_group = Some(Box::new(move |done, bytes| {
            Python::attach(|py| {
                if let Err(e) = callback.call1(py, (done, bytes)) {
                    slot.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_or_insert(e);
                }
            })
        }));
    }
    Ok(PyScanPass {
        pass: Mutex::new(Some(pass)),
        total,
        callback_error,
    })
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/// A table of scan rows held in memory, as Arrow record batches: give it to
/// `pyarrow.table()`, `polars.DataFrame()` or DuckDB (the Arrow PyCapsule interface), or
/// read it with `column()` / `to_pylist()`.
#[pyclass(frozen, module = "a3s_session._native", name = "ArrowTable")]
pub struct PyArrowTable {
    table: TableId,
    batches: Vec<RecordBatch>,
}

impl PyArrowTable {
    pub fn new(table: TableId, batches: Vec<RecordBatch>) -> Self {
        PyArrowTable { table, batches }
    }

    fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

#[pymethods]
impl PyArrowTable {
    /// An empty table of this name.
    #[staticmethod]
    fn empty(name: &str) -> PyResult<Self> {
        Ok(Self::new(table_id(name)?, Vec::new()))
    }

    /// The batches of several tables of the same name, as one table (no copy).
    #[staticmethod]
    fn join(name: &str, parts: Vec<PyRef<'_, PyArrowTable>>) -> PyResult<Self> {
        let t = table_id(name)?;
        let mut batches = Vec::new();
        for p in parts {
            if p.table != t {
                return Err(PyValueError::new_err(format!(
                    "cannot join a {} table to {name}",
                    p.table.name()
                )));
            }
            batches.extend(p.batches.iter().cloned());
        }
        Ok(Self::new(t, batches))
    }

    /// The table's name (`sessions`, `messages`, ...).
    #[getter]
    fn name(&self) -> &'static str {
        self.table.name()
    }

    #[getter]
    fn num_rows(&self) -> usize {
        self.rows()
    }

    #[getter]
    fn num_batches(&self) -> usize {
        self.batches.len()
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.table
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.rows()
    }

    fn __repr__(&self) -> String {
        let rows = self.rows();
        format!(
            "ArrowTable({}: {rows} row{})",
            self.table.name(),
            if rows == 1 { "" } else { "s" }
        )
    }

    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is fixed: consumers cast if they want another
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.table.schema(),
        );
        PyCapsule::new_with_value(
            py,
            FFI_ArrowArrayStream::new(Box::new(reader)),
            c"arrow_array_stream",
        )
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, self.table.name())
    }

    /// One column as a list of Python values (timestamps as aware datetimes in UTC, or with
    /// `epoch_times` as the integers stored: seconds or microseconds since 1970, which also
    /// hold the times a datetime cannot; float32 values as the shortest float that prints
    /// the same, as the session classes read them).
    #[pyo3(signature = (name, *, epoch_times=false))]
    fn column<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        epoch_times: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let schema = self.table.schema();
        let index = schema.index_of(name).map_err(|_| {
            PyKeyError::new_err(format!(
                "the {} table has no column {name:?}",
                self.table.name()
            ))
        })?;
        let out = PyList::empty(py);
        let convert = Converter::new(py, epoch_times)?;
        for batch in &self.batches {
            convert.extend(&out, batch.column(index))?;
        }
        Ok(out)
    }

    /// Every row as a dict of column name to value (see `column`).
    fn to_pylist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let names = self.column_names();
        let columns: Vec<Bound<'py, PyList>> = names
            .iter()
            .map(|n| self.column(py, n, false))
            .collect::<PyResult<_>>()?;
        let out = PyList::empty(py);
        for i in 0..self.rows() {
            let row = PyDict::new(py);
            for (name, col) in names.iter().zip(&columns) {
                row.set_item(name, col.get_item(i)?)?;
            }
            out.append(row)?;
        }
        Ok(out)
    }

    /// As a `pyarrow.Table` (needs pyarrow).
    fn to_pyarrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        optional(slf.py(), "pyarrow", "to_pyarrow")?.call_method1("table", (slf,))
    }

    /// As a `polars.DataFrame` (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        optional(slf.py(), "polars", "to_polars")?.call_method1("DataFrame", (slf,))
    }

    /// As a `pandas.DataFrame` (needs pyarrow and pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        optional(slf.py(), "pandas", "to_pandas")?;
        Self::to_pyarrow(slf)?.call_method0("to_pandas")
    }
}

/// Import an optional library, with an error that says what to install.
pub fn optional<'py>(
    py: Python<'py>,
    module: &str,
    method: &str,
) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|e| {
        let err = pyo3::exceptions::PyImportError::new_err(format!(
            "{method}() needs {module}, which is not installed (pip install {module})"
        ));
        err.set_cause(py, Some(e));
        err
    })
}

/// The Arrow schema of a scan table as an `arrow_schema` capsule.
#[pyfunction]
pub fn schema_capsule<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyCapsule>> {
    let schema = table_id(name)?.schema();
    let ffi = FFI_ArrowSchema::try_from(schema.as_ref()).map_err(arrow_err)?;
    PyCapsule::new_with_value(py, ffi, c"arrow_schema")
}

/// The scan's table names, in order.
#[pyfunction]
pub fn scan_table_names() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.name()).collect()
}

/// (name, Arrow type as text, nullable, what it holds) of each column of a table: its
/// documented schema.
#[pyfunction]
pub fn scan_table_columns(name: &str) -> PyResult<Vec<(String, String, bool, &'static str)>> {
    let t = table_id(name)?;
    Ok(t.schema()
        .fields()
        .iter()
        .zip(t.docs())
        .map(|(f, (_, doc))| {
            (
                f.name().clone(),
                f.data_type().to_string(),
                f.is_nullable(),
                doc,
            )
        })
        .collect())
}

/// Arrow values to Python values.
struct Converter<'py> {
    epoch: Bound<'py, PyAny>,
    timedelta: Bound<'py, PyAny>,
    /// Timestamps as the integers stored.
    epoch_times: bool,
}

impl<'py> Converter<'py> {
    fn new(py: Python<'py>, epoch_times: bool) -> PyResult<Self> {
        let dt = py.import("datetime")?;
        let utc = dt.getattr("timezone")?.getattr("utc")?;
        let epoch = dt
            .getattr("datetime")?
            .call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
        Ok(Converter {
            epoch,
            timedelta: dt.getattr("timedelta")?,
            epoch_times,
        })
    }

    fn time(&self, seconds: i64, micros: i64) -> PyResult<Bound<'py, PyAny>> {
        let delta = self.timedelta.call1((0, seconds, micros))?;
        self.epoch.call_method1("__add__", (delta,))
    }

    fn extend(&self, out: &Bound<'py, PyList>, array: &ArrayRef) -> PyResult<()> {
        let py = out.py();
        macro_rules! push {
            ($arr:expr, |$v:ident| $conv:expr) => {{
                let arr = $arr;
                for i in 0..arr.len() {
                    if arr.is_null(i) {
                        out.append(py.None())?;
                    } else {
                        let $v = arr.value(i);
                        out.append($conv)?;
                    }
                }
            }};
        }
        match array.data_type() {
            DataType::Utf8 => push!(array.as_string::<i32>(), |v| v),
            DataType::UInt32 => push!(array.as_primitive::<UInt32Type>(), |v| v),
            DataType::UInt64 => push!(array.as_primitive::<UInt64Type>(), |v| v),
            DataType::Float32 => push!(array.as_primitive::<Float32Type>(), |v| f32_as_json_f64(v)),
            DataType::Float64 => push!(array.as_primitive::<Float64Type>(), |v| v),
            DataType::Boolean => push!(array.as_boolean(), |v| v),
            DataType::Timestamp(TimeUnit::Second, _) if self.epoch_times => {
                push!(array.as_primitive::<TimestampSecondType>(), |v| v)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) if self.epoch_times => {
                push!(array.as_primitive::<TimestampMicrosecondType>(), |v| v)
            }
            DataType::Timestamp(TimeUnit::Second, _) => {
                push!(array.as_primitive::<TimestampSecondType>(), |v| self
                    .time(v, 0)?)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                push!(array.as_primitive::<TimestampMicrosecondType>(), |v| self
                    .time(
                    v.div_euclid(1_000_000),
                    v.rem_euclid(1_000_000)
                )?)
            }
            DataType::List(_) => {
                let list = array.as_list::<i32>();
                for i in 0..list.len() {
                    if list.is_null(i) {
                        out.append(py.None())?;
                    } else {
                        let items = PyList::empty(py);
                        self.extend(&items, &list.value(i))?;
                        out.append(items)?;
                    }
                }
            }
            other => {
                return Err(PyTypeError::new_err(format!(
                    "no Python conversion for {other}"
                )))
            }
        }
        Ok(())
    }
}
