//! Reading one input with a generation's crate. Each generation extension exports a
//! [`ReaderAbi`] (a `#[repr(C)]` table of one function) in a capsule; the scan calls both
//! through it, so neither binary links the other's crate and rows cross between them only
//! as borrowed `#[repr(C)]` structs (the extensions may even use different allocators).

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::cells::{Opt, Req, Text};
use super::tables::{
    BlockRow, CostRow, ErrorRow, MessageRow, RowSink, SessionRow, TableSet, TaskRow, Wanted,
};
use crate::error::Error;

/// Where the rows of one input come from, as the generation writes them into its rows.
pub struct Emit<'a> {
    pub source_index: u64,
    pub path: Option<&'a str>,
    /// `"legacy"` (a bare SessionData document) or `"v1"` (a SessionSnapshotV1 envelope).
    pub layout: &'static str,
    pub generation: &'static str,
    /// Fields of the input the crate would not write back, when the scan counts them.
    pub unknown_fields: Option<u64>,
}

/// What a generation crate provides to the scan (implemented in each generation's crate).
pub trait Generation: 'static {
    /// `"v3"`, `"v9"`: the `generation` column.
    const NAME: &'static str;
    type Doc;
    /// Parse with the crate: a bare `SessionData` document, or (`envelope`) a v1 snapshot.
    fn parse(data: &[u8], envelope: bool) -> Result<Self::Doc, Error>;
    /// How many fields of `text` (the document `doc` was read from) the crate would not
    /// write back (`unknown_fields`).
    fn unknown_count(doc: &Self::Doc, text: &str) -> usize;
    /// The rows of a parsed document. Every row handed to `sink` is only read during the call.
    fn emit(doc: &Self::Doc, at: &Emit<'_>, sink: &mut dyn RowSink);
}

/// Bumped whenever a `#[repr(C)]` struct crossing the boundary changes.
const ABI_VERSION: u32 = 3;
const CAPSULE_NAME: &std::ffi::CStr = c"a3s_session.scan_reader";

/// Sizes of every struct that crosses the boundary: two extensions built from different
/// checkouts refuse to talk instead of misreading each other's rows.
fn layout_fingerprint() -> u64 {
    use std::mem::size_of;
    let sizes = [
        size_of::<SessionRow>(),
        size_of::<MessageRow>(),
        size_of::<BlockRow>(),
        size_of::<CostRow>(),
        size_of::<TaskRow>(),
        size_of::<ErrorRow>(),
        size_of::<ReadRequest>(),
        size_of::<SinkAbi>(),
    ];
    sizes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &s| {
        (h ^ s as u64).wrapping_mul(0x100_0000_01b3)
    })
}

#[repr(C)]
pub struct ReadRequest {
    data: *const u8,
    len: usize,
    envelope: bool,
    /// Emit the rows only if fewer input fields than this are unknown (`u64::MAX`: always,
    /// without counting them).
    emit_below: u64,
    /// Count the unknown fields even when no choice depends on them (for the row).
    count_unknown: bool,
    report_errors: bool,
    source_index: u64,
    path: Text,
}

#[repr(C)]
pub struct SinkAbi {
    ctx: *mut c_void,
    wanted: u32,
    session: unsafe extern "C" fn(*mut c_void, *const SessionRow),
    message: unsafe extern "C" fn(*mut c_void, *const MessageRow),
    block: unsafe extern "C" fn(*mut c_void, *const BlockRow),
    cost: unsafe extern "C" fn(*mut c_void, *const CostRow),
    task: unsafe extern "C" fn(*mut c_void, *const TaskRow),
    error: unsafe extern "C" fn(*mut c_void, *const ErrorRow),
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ReadOutcome {
    /// 0 emitted, 1 declined (parsed, too many unknown fields), 2 failed.
    kind: u32,
    unknown: u64,
}

/// The table a generation exports.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ReaderAbi {
    abi_version: u32,
    fingerprint: u64,
    read: unsafe extern "C" fn(*const ReadRequest, *const SinkAbi) -> ReadOutcome,
}

/// The capsule a generation module exports as `_scan_reader`.
pub fn reader_capsule<G: Generation>(py: Python<'_>) -> PyResult<Bound<'_, PyCapsule>> {
    let abi = ReaderAbi {
        abi_version: ABI_VERSION,
        fingerprint: layout_fingerprint(),
        read: read_abi::<G>,
    };
    PyCapsule::new_with_value(py, abi, CAPSULE_NAME)
}

/// What reading one input gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Emitted,
    /// Parsed, with this many unknown fields (nothing emitted).
    Declined(u64),
    Failed,
}

/// The error row of a failed read.
pub fn error_row(
    sink: &mut dyn RowSink,
    source_index: u64,
    path: Option<&str>,
    generation: Option<&str>,
    err: &Error,
) {
    let (msg, line, column, field) = match err {
        Error::Format {
            msg,
            line,
            column,
            path,
        } => (msg.clone(), *line, *column, path.as_str()),
        Error::Type { msg, path } | Error::Overflow { msg, path } => {
            (msg.clone(), None, None, path.as_str())
        }
        Error::Python { err, path } => (err.to_string(), None, None, path.as_str()),
    };
    sink.error(&ErrorRow {
        source_index,
        path: Text::opt(path),
        generation: Text::opt(generation),
        message: Req::of(&msg),
        line: Opt::of(line.map(|v| v as u64)),
        column: Opt::of(column.map(|v| v as u64)),
        field_path: Text::opt(Some(field).filter(|f| !f.is_empty())),
    });
}

fn read_local<G: Generation>(req: &ReadRequest, sink: &mut dyn RowSink) -> Outcome {
    // SAFETY: the caller passes a live buffer (`Reader::read`).
    let data = unsafe { std::slice::from_raw_parts(req.data, req.len) };
    // SAFETY: alive for this call.
    let path = unsafe { req.path.get() };
    match G::parse(data, req.envelope) {
        Err(err) => {
            if req.report_errors {
                error_row(sink, req.source_index, path, Some(G::NAME), &err);
            }
            Outcome::Failed
        }
        Ok(doc) => {
            let mut unknown = None;
            if req.emit_below != u64::MAX || req.count_unknown {
                // Parsed, so UTF-8: validated again at SIMD speed rather than trusted.
                let count = simdutf8::basic::from_utf8(data)
                    .map_or(0, |text| G::unknown_count(&doc, text))
                    as u64;
                if count >= req.emit_below {
                    return Outcome::Declined(count);
                }
                unknown = Some(count);
            }
            let at = Emit {
                source_index: req.source_index,
                path,
                layout: if req.envelope { "v1" } else { "legacy" },
                generation: G::NAME,
                unknown_fields: unknown.filter(|_| req.count_unknown),
            };
            G::emit(&doc, &at, sink);
            Outcome::Emitted
        }
    }
}

unsafe extern "C" fn read_abi<G: Generation>(
    req: *const ReadRequest,
    sink: *const SinkAbi,
) -> ReadOutcome {
    // SAFETY: both point to values alive for this call (`Reader::read`).
    let (req, sink) = unsafe { (&*req, &*sink) };
    let mut forward = ForwardSink(sink);
    // A panic must not unwind into the other extension: it becomes this input's error.
    let outcome = catch_unwind(AssertUnwindSafe(|| read_local::<G>(req, &mut forward)))
        .unwrap_or_else(|_| {
            if req.report_errors {
                let err = Error::format(
                    "internal error while reading this input (a bug: please report it)",
                );
                // SAFETY: alive for this call.
                error_row(
                    &mut forward,
                    req.source_index,
                    unsafe { req.path.get() },
                    Some(G::NAME),
                    &err,
                );
            }
            Outcome::Failed
        });
    match outcome {
        Outcome::Emitted => ReadOutcome {
            kind: 0,
            unknown: 0,
        },
        Outcome::Declined(n) => ReadOutcome {
            kind: 1,
            unknown: n,
        },
        Outcome::Failed => ReadOutcome {
            kind: 2,
            unknown: 0,
        },
    }
}

/// A sink on the reading side: every row goes through the driver's function table.
struct ForwardSink<'a>(&'a SinkAbi);

impl RowSink for ForwardSink<'_> {
    fn wants(&self) -> Wanted {
        Wanted(self.0.wanted)
    }
    // SAFETY (all six): the driver's functions copy the row during the call.
    fn session(&mut self, row: &SessionRow) {
        unsafe { (self.0.session)(self.0.ctx, row) }
    }
    fn message(&mut self, row: &MessageRow) {
        unsafe { (self.0.message)(self.0.ctx, row) }
    }
    fn block(&mut self, row: &BlockRow) {
        unsafe { (self.0.block)(self.0.ctx, row) }
    }
    fn cost(&mut self, row: &CostRow) {
        unsafe { (self.0.cost)(self.0.ctx, row) }
    }
    fn task(&mut self, row: &TaskRow) {
        unsafe { (self.0.task)(self.0.ctx, row) }
    }
    fn error(&mut self, row: &ErrorRow) {
        unsafe { (self.0.error)(self.0.ctx, row) }
    }
}

/// The driver's side of a sink: a [`TableSet`] and whether appending to it ever panicked (an
/// input too large for one Arrow string column), which must not unwind across the boundary.
pub struct Collect {
    pub set: TableSet,
    pub overflowed: bool,
}

macro_rules! trampolines {
    ($($name:ident: $row:ty => $method:ident;)*) => {$(
        unsafe extern "C" fn $name(ctx: *mut c_void, row: *const $row) {
            // SAFETY: `ctx` is the `Collect` of `Reader::read`, `row` alive for this call.
            let (collect, row) = unsafe { (&mut *(ctx as *mut Collect), &*row) };
            if catch_unwind(AssertUnwindSafe(|| collect.set.$method(row))).is_err() {
                collect.overflowed = true;
            }
        }
    )*};
}

trampolines! {
    push_session: SessionRow => session;
    push_message: MessageRow => message;
    push_block: BlockRow => block;
    push_cost: CostRow => cost;
    push_task: TaskRow => task;
    push_error: ErrorRow => error;
}

/// One input: its bytes, position and name.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub data: &'a [u8],
    pub source_index: u64,
    pub path: Option<&'a str>,
}

/// A generation's reader, from its module's `_scan_reader` capsule.
#[derive(Clone, Copy)]
pub struct Reader(ReaderAbi);

impl Reader {
    pub fn from_capsule(capsule: &Bound<'_, PyAny>) -> PyResult<Reader> {
        let capsule = capsule.cast::<PyCapsule>()?;
        let ptr = capsule.pointer_checked(Some(CAPSULE_NAME))?;
        // SAFETY: a capsule of this name holds a `ReaderAbi` (`reader_capsule`); it is copied.
        let abi = unsafe { *ptr.cast::<ReaderAbi>().as_ptr() };
        if abi.abi_version != ABI_VERSION || abi.fingerprint != layout_fingerprint() {
            return Err(pyo3::exceptions::PyImportError::new_err(
                "the a3s_session and a3s_session_v9 extensions come from different builds; \
                 reinstall both from the same release",
            ));
        }
        Ok(Reader(abi))
    }

    /// Read one input into `into`. `emit_below`: emit only with fewer unknown fields than
    /// this (None: always, without counting unless `count_unknown`); `report_errors`: an
    /// error row on failure.
    #[allow(clippy::too_many_arguments)]
    pub fn read(
        &self,
        input: &Input<'_>,
        envelope: bool,
        emit_below: Option<u64>,
        count_unknown: bool,
        report_errors: bool,
        into: &mut Collect,
    ) -> Outcome {
        let req = ReadRequest {
            data: input.data.as_ptr(),
            len: input.data.len(),
            envelope,
            emit_below: emit_below.unwrap_or(u64::MAX),
            count_unknown,
            report_errors,
            source_index: input.source_index,
            path: Text::opt(input.path),
        };
        let sink = SinkAbi {
            ctx: into as *mut Collect as *mut c_void,
            wanted: into.set.wants().0,
            session: push_session,
            message: push_message,
            block: push_block,
            cost: push_cost,
            task: push_task,
            error: push_error,
        };
        // SAFETY: `req`, `sink` and what they point to outlive the call.
        let out = unsafe { (self.0.read)(&req, &sink) };
        match out.kind {
            0 => Outcome::Emitted,
            1 => Outcome::Declined(out.unknown),
            _ => Outcome::Failed,
        }
    }
}

/// Magic bytes at the start of an AES-GCM sealed snapshot (newer releases).
const SEALED_MAGIC: &[u8] = b"A3SE";
pub const SEALED_MESSAGE: &str = "encrypted snapshot: a sealed A3SE file can only be read through \
     a3s_session.v9.FileSessionStore(dir, encryption_key=...)";

/// Whether the document's first key is `schema_version` or `session` (how the crates write
/// envelopes): then, if the document is valid JSON at all, it is an envelope — without the
/// pass over the whole text that [`is_envelope`] makes.
fn starts_like_envelope(data: &[u8]) -> bool {
    let skip_ws = |from: usize| {
        data[from.min(data.len())..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .map_or(data.len(), |i| from + i)
    };
    let open = skip_ws(0);
    if data.get(open) != Some(&b'{') {
        return false;
    }
    let key = &data[skip_ws(open + 1)..];
    key.starts_with(b"\"schema_version\"") || key.starts_with(b"\"session\"")
}

/// Whether a document is a v1 snapshot envelope: a JSON object with a `schema_version` or
/// `session` key (a substring test first: most documents can name neither).
pub fn is_envelope(data: &[u8]) -> bool {
    use std::sync::LazyLock;
    // Built once: making a searcher costs as much as running it over a small document.
    static NAMES: LazyLock<[memchr::memmem::Finder<'static>; 3]> = LazyLock::new(|| {
        [
            memchr::memmem::Finder::new(b"\"session\""),
            memchr::memmem::Finder::new(b"\"schema_version\""),
            memchr::memmem::Finder::new(b"\\u"), // a key spelled with escapes
        ]
    });
    let may = NAMES.iter().any(|f| f.find(data).is_some());
    if !may {
        return false;
    }
    let Ok(text) = simdutf8::basic::from_utf8(data) else {
        return false;
    };
    crate::unknown::top_level_keys(text)
        .is_some_and(|keys| keys.iter().any(|k| k == "schema_version" || k == "session"))
}

/// The two generations a scan reads with: `primary` (3.0.0) reads every bare document first;
/// `newer` (9.1.3) reads snapshot envelopes, files in `v1/sessions`, bare documents 3.0.0
/// rejects and bare documents with a field only 9.x knows (then its rejection is the error)
/// — the choice `a3s_session.read_session_file` makes, input by input.
pub struct Routing {
    pub primary: Reader,
    pub newer: Option<Reader>,
    /// Fill the sessions rows' `unknown_field_count` (a check per input that is otherwise
    /// only made where the choice of crate depends on it).
    pub count_unknown: bool,
}

impl Routing {
    /// `in_v1_dir`: the input's path is in a `v1/sessions` directory, where today's store writes.
    pub fn read(&self, input: &Input<'_>, in_v1_dir: bool, into: &mut Collect) {
        if input.data.starts_with(SEALED_MAGIC) {
            let err = Error::format(SEALED_MESSAGE);
            return error_row(&mut into.set, input.source_index, input.path, None, &err);
        }
        let read = |r: &Reader, env, below, report, into: &mut Collect| {
            r.read(input, env, below, self.count_unknown, report, into)
        };
        let enveloper = self.newer.as_ref().unwrap_or(&self.primary);
        // An envelope as the stores write it is read straight away; only if that fails is
        // the exact test needed (an invalid document is not an envelope: 3.0.0 reports it).
        if starts_like_envelope(input.data)
            && read(enveloper, true, None, false, into) == Outcome::Emitted
        {
            return;
        }
        if is_envelope(input.data) {
            read(enveloper, true, None, true, into);
            return;
        }
        let Some(newer) = &self.newer else {
            read(&self.primary, false, None, true, into);
            return;
        };
        if in_v1_dir {
            read(newer, false, None, true, into); // today's store wrote it
            return;
        }
        match read(&self.primary, false, Some(1), false, into) {
            Outcome::Emitted => {} // a 3.0.0 document
            // 3.0.0 rejects it: today's crate judges (its rows, or its error row).
            Outcome::Failed => {
                read(newer, false, None, true, into);
            }
            // Fields 3.0.0 does not know: 9.1.3 decides, and its rejection is the error row.
            // Only if it ignores as many (none of them is 9.x's: it knows every 3.0.0 field)
            // is the document 3.0.0's after all.
            Outcome::Declined(unknown) => {
                if let Outcome::Declined(_) = read(newer, false, Some(unknown), true, into) {
                    read(&self.primary, false, None, true, into);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_first_keys() {
        assert!(starts_like_envelope(
            b"{\n  \"schema_version\": 1, \"session\": {}}"
        ));
        assert!(starts_like_envelope(b" {\"session\": {}}"));
        assert!(!starts_like_envelope(b"{\"id\": \"x\", \"session\": 1}"));
        assert!(!starts_like_envelope(b"[\"session\"]"));
        assert!(!starts_like_envelope(b""));
        assert!(!starts_like_envelope(b"{"));
        assert!(is_envelope(b"{\"id\": \"x\", \"session\": 1}"));
        assert!(!is_envelope(b"{\"schema_version\": 1, broken"));
        assert!(!is_envelope(b"{\"id\": \"session\"}"));
    }
}
