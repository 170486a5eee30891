//! The scan engine: inputs in groups, each group read by `threads` threads in contiguous
//! chunks (so rows stay in input order without a merge), chunk batches coalesced per table
//! until a table reaches `batch_rows` rows (or `BATCH_BYTES`), then handed out. Memory holds
//! one group's rows plus one batch, whatever the number of inputs. No Python here.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;

use super::reader::{error_row, Collect, Input, Routing};
use super::tables::{Batches, TableId, TableSet, Wanted, TABLES};
use crate::error::Error;

/// A group is about this many input bytes per thread (or `GROUP_ITEMS` inputs per thread).
const GROUP_BYTES: u64 = 16 << 20;
const GROUP_ITEMS: usize = 512;
/// Chunks per thread in a group: enough that one big input does not idle the others.
const CHUNKS_PER_THREAD: usize = 4;
/// A batch is handed out once its pending rows take this much memory, even below
/// `batch_rows` (Arrow string columns have 32-bit offsets; and memory stays bounded).
const BATCH_BYTES: usize = 64 << 20;

/// Bytes of one input.
pub enum Data {
    /// Read (by a worker) from this file.
    File(PathBuf),
    /// Borrowed from memory its owner keeps alive for the whole pass (Python bytes, an Arrow
    /// buffer); never written.
    Borrowed(*const u8, usize),
    /// No content at all (a null in an Arrow column, None in a list): an error row.
    Null,
}

// SAFETY: `Borrowed` points to immutable memory kept alive by the pass's owner.
unsafe impl Send for Data {}
unsafe impl Sync for Data {}

pub struct Item {
    pub index: u64,
    /// The `path` column (None for nameless bytes).
    pub path: Option<String>,
    pub in_v1_dir: bool,
    pub size: u64,
    pub data: Data,
}

impl Item {
    pub fn file(index: u64, path: PathBuf, size: u64) -> Item {
        Item {
            index,
            path: Some(path.to_string_lossy().into_owned()),
            in_v1_dir: in_v1_sessions(&path),
            size,
            data: Data::File(path),
        }
    }
}

/// Whether a file is in a `v1/sessions` directory (today's store layout).
pub fn in_v1_sessions(path: &Path) -> bool {
    let mut parents = path.parent().into_iter().flat_map(|p| p.components().rev());
    let last = parents.next().map(|c| c.as_os_str() == "sessions");
    let before = parents.next().map(|c| c.as_os_str() == "v1");
    last == Some(true) && before == Some(true)
}

/// Every candidate session file under `root` (or `root` itself when it is a file): `*.json`,
/// sorted by name, a directory's files before its subdirectories; symlinked directories are
/// not followed (no cycles). Hidden entries (`.name`) are skipped.
pub fn walk(root: &Path, out: &mut Vec<(PathBuf, u64)>) -> std::io::Result<()> {
    let meta = std::fs::metadata(root)?;
    if !meta.is_dir() {
        out.push((root.to_path_buf(), meta.len()));
        return Ok(());
    }
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            dirs.push(path);
        } else if path.extension().is_some_and(|e| e == "json") {
            // A symlink to a file counts; its size is the target's.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push((path, m.len())),
                Ok(m) if m.is_dir() => {}
                // A FIFO, device or socket named *.json, or a dangling link: reported when
                // read (refused unopened), not skipped as if the store were fine.
                _ => files.push((path, 0)),
            }
        }
    }
    files.sort();
    dirs.sort();
    out.extend(files);
    for dir in dirs {
        walk(&dir, out)?;
    }
    Ok(())
}

/// Where a pass gets its inputs.
pub trait Feed: Send {
    /// The next inputs, about `max_bytes` or `max_items` of them; empty at the end.
    fn pull(&mut self, max_items: usize, max_bytes: u64) -> Result<Vec<Item>, FeedError>;
    /// (inputs, bytes) in all, when known up front.
    fn total(&self) -> Option<(u64, u64)>;
}

/// An error of the feed itself (not of an input): ends the pass.
pub type FeedError = Box<dyn std::error::Error + Send + Sync>;

/// A feed over a list known up front.
pub struct ListFeed {
    items: std::vec::IntoIter<Item>,
    total: (u64, u64),
}

impl ListFeed {
    pub fn new(items: Vec<Item>) -> Self {
        let total = (items.len() as u64, items.iter().map(|i| i.size).sum());
        ListFeed {
            items: items.into_iter(),
            total,
        }
    }
}

impl Feed for ListFeed {
    fn pull(&mut self, max_items: usize, max_bytes: u64) -> Result<Vec<Item>, FeedError> {
        let mut out = Vec::new();
        let mut bytes = 0;
        while out.len() < max_items && bytes < max_bytes {
            let Some(item) = self.items.next() else { break };
            bytes += item.size;
            out.push(item);
        }
        Ok(out)
    }
    fn total(&self) -> Option<(u64, u64)> {
        Some(self.total)
    }
}

/// Read one input into `into` (a file that cannot be read is an error row). `buf` is the
/// worker's file buffer, reused so that big files do not each map fresh zeroed pages.
fn read_item(routing: &Routing, item: &Item, into: &mut Collect, buf: &mut Vec<u8>) {
    let path = item.path.as_deref();
    let data: &[u8] = match &item.data {
        Data::File(p) => match read_into(p, buf) {
            Ok(()) => buf,
            Err(e) => {
                let err = Error::format(format!("cannot read the file: {e}"));
                return error_row(&mut into.set, item.index, path, None, &err);
            }
        },
        // SAFETY: alive for the pass (see `Data::Borrowed`).
        Data::Borrowed(ptr, len) => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        Data::Null => {
            let err = Error::format("no content (a null value where the file's bytes belong)");
            return error_row(&mut into.set, item.index, path, None, &err);
        }
    };
    let input = Input {
        data,
        source_index: item.index,
        path,
    };
    routing.read(&input, item.in_v1_dir, into);
    if std::mem::take(&mut into.overflowed) {
        let err = Error::format("this input has more text than one Arrow batch can hold (2 GiB)");
        error_row(&mut into.set, item.index, path, None, &err);
    }
}

/// The most a read takes of one file: `$A3S_SESSION_MAX_BYTES`, else 256 MiB (what
/// a3s-code-core 9.1.3's store accepts for one document), as in the Python package.
fn max_file_bytes() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("A3S_SESSION_MAX_BYTES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(256 * 1024 * 1024)
    })
}

#[cfg(unix)]
fn kind_in_words(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn kind_in_words(kind: &std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

fn not_regular(kind: &std::fs::FileType) -> std::io::Error {
    let what = kind_in_words(kind);
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "is {what}, not a regular file; a session file is a regular file, and reading \
             this could block or never end, so it is not opened"
        ),
    )
}

fn too_large(size: Option<u64>, limit: u64) -> std::io::Error {
    let have = size.map_or("grew while it was read".to_owned(), |n| {
        format!("is {n} bytes")
    });
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "{have}, over the limit of {limit} bytes for one session file (raise it with \
             A3S_SESSION_MAX_BYTES)"
        ),
    )
}

/// Open for reading without waiting for a writer (a FIFO swapped in after the check).
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Read a whole session file: only a regular file (looked at before it is opened, and
/// opened without blocking, so a FIFO never hangs the scan), at most the limit.
fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    buf.clear();
    let limit = max_file_bytes();
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta.file_type()));
    }
    if meta.len() > limit {
        return Err(too_large(Some(meta.len()), limit));
    }
    let file = open_without_blocking(path)?;
    let meta = file.metadata()?; // the path may have been replaced since
    if !meta.is_file() {
        return Err(not_regular(&meta.file_type()));
    }
    if meta.len() > limit {
        return Err(too_large(Some(meta.len()), limit));
    }
    buf.reserve(meta.len() as usize);
    file.take(limit + 1).read_to_end(buf)?;
    if buf.len() as u64 > limit {
        buf.clear();
        return Err(too_large(None, limit));
    }
    Ok(())
}

/// A worker's file buffer is kept up to this size between files.
const KEEP_BUFFER: usize = 8 << 20;

/// Read one chunk of consecutive inputs into its own tables.
fn read_chunk(routing: &Routing, items: &[Item], wanted: Wanted) -> Result<Batches, ArrowError> {
    let mut collect = Collect {
        set: TableSet::new(wanted),
        overflowed: false,
    };
    let mut buf = Vec::new();
    for item in items {
        read_item(routing, item, &mut collect, &mut buf);
        if buf.capacity() > KEEP_BUFFER {
            buf = Vec::new();
        }
    }
    collect.set.finish()
}

/// Read a group with `threads` threads (this one among them); batches in input order.
fn read_group(
    routing: &Routing,
    items: &[Item],
    wanted: Wanted,
    threads: usize,
) -> Result<Vec<Batches>, ArrowError> {
    let chunks = chunk_bounds(items, threads * CHUNKS_PER_THREAD);
    if threads <= 1 || chunks.len() <= 1 {
        return chunks
            .iter()
            .map(|r| read_chunk(routing, &items[r.clone()], wanted))
            .collect();
    }
    // Biggest chunks first (results keep their places), so the group does not end waiting
    // on one thread that drew a big file last.
    let bytes = |r: &std::ops::Range<usize>| items[r.clone()].iter().map(|i| i.size).sum::<u64>();
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(bytes(&chunks[i])));
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<Batches, ArrowError>>>> =
        chunks.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let out = read_chunk(routing, &items[chunks[i].clone()], wanted);
            *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(out);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(chunks.len()) {
            s.spawn(work);
        }
        work();
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| {
                    Err(ArrowError::ComputeError("a scan chunk was not read".into()))
                })
        })
        .collect()
}

/// Split `items` into at most `n` consecutive ranges of about equal bytes.
fn chunk_bounds(items: &[Item], n: usize) -> Vec<std::ops::Range<usize>> {
    let total: u64 = items.iter().map(|i| i.size.max(1)).sum();
    let n = n.clamp(1, items.len().max(1));
    let target = total.div_ceil(n as u64).max(1);
    let mut out = Vec::new();
    let (mut start, mut acc) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        acc += item.size.max(1);
        if acc >= target {
            out.push(start..i + 1);
            (start, acc) = (i + 1, 0);
        }
    }
    if start < items.len() {
        out.push(start..items.len());
    }
    out
}

/// One pass over a feed, handing out batches of the wanted tables.
pub struct Pass {
    feed: Box<dyn Feed>,
    routing: Routing,
    wanted: Wanted,
    threads: usize,
    batch_rows: usize,
    pending: [Vec<RecordBatch>; 6],
    pending_rows: [usize; 6],
    pending_bytes: usize,
    exhausted: bool,
    pub inputs_done: u64,
    pub bytes_done: u64,
    /// Called after each group with (inputs done, bytes done).
    pub on_group: Option<Box<dyn FnMut(u64, u64) + Send>>,
}

impl Pass {
    pub fn new(
        feed: Box<dyn Feed>,
        routing: Routing,
        wanted: Wanted,
        threads: usize,
        batch_rows: usize,
    ) -> Pass {
        Pass {
            feed,
            routing,
            wanted,
            threads: threads.max(1),
            batch_rows: batch_rows.max(1),
            pending: Default::default(),
            pending_rows: [0; 6],
            pending_bytes: 0,
            exhausted: false,
            inputs_done: 0,
            bytes_done: 0,
            on_group: None,
        }
    }

    pub fn batch_rows(&self) -> usize {
        self.batch_rows
    }

    pub fn wanted(&self) -> Wanted {
        self.wanted
    }

    fn full(&self) -> bool {
        self.pending_bytes >= BATCH_BYTES
            || TABLES
                .iter()
                .any(|&t| self.pending_rows[t as usize] >= self.batch_rows)
    }

    /// The next batch: one `RecordBatch` per wanted table (the others None), each the rows of
    /// the same run of inputs; None once every input is read.
    pub fn next_batches(&mut self) -> Result<Option<Batches>, FeedError> {
        while !self.full() && !self.exhausted {
            let items = self.feed.pull(
                GROUP_ITEMS * self.threads,
                GROUP_BYTES * self.threads as u64,
            )?;
            if items.is_empty() {
                self.exhausted = true;
                break;
            }
            for batches in read_group(&self.routing, &items, self.wanted, self.threads)? {
                for (t, batch) in batches.into_iter().enumerate() {
                    if let Some(b) = batch.filter(|b| b.num_rows() > 0) {
                        self.pending_rows[t] += b.num_rows();
                        self.pending_bytes += b.get_array_memory_size();
                        self.pending[t].push(b);
                    }
                }
            }
            self.inputs_done += items.len() as u64;
            self.bytes_done += items.iter().map(|i| i.size).sum::<u64>();
            if let Some(f) = self.on_group.as_mut() {
                f(self.inputs_done, self.bytes_done);
            }
        }
        if self.pending_rows.iter().all(|&r| r == 0) {
            return Ok(None);
        }
        let mut out: Batches = Default::default();
        for t in TABLES {
            if !self.wanted.has(t) {
                continue;
            }
            let parts = std::mem::take(&mut self.pending[t as usize]);
            out[t as usize] = Some(concat(t, &parts)?);
        }
        self.pending_rows = [0; 6];
        self.pending_bytes = 0;
        Ok(Some(out))
    }
}

/// One batch of a table from its parts (no copy for a single part).
pub fn concat(t: TableId, parts: &[RecordBatch]) -> Result<RecordBatch, ArrowError> {
    match parts {
        [] => Ok(RecordBatch::new_empty(t.schema())),
        [one] => Ok(one.clone()),
        _ => arrow_select::concat::concat_batches(&t.schema(), parts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_sessions_dirs() {
        assert!(in_v1_sessions(Path::new("/s/v1/sessions/id_x.json")));
        assert!(in_v1_sessions(Path::new("v1/sessions/id_x.json")));
        assert!(!in_v1_sessions(Path::new("/s/sessions/id_x.json")));
        assert!(!in_v1_sessions(Path::new("/s/v1/id_x.json")));
        assert!(!in_v1_sessions(Path::new("id_x.json")));
    }

    #[test]
    fn chunks_cover_in_order() {
        let items: Vec<Item> = [5u64, 1, 1, 1, 20, 1, 1, 3]
            .iter()
            .enumerate()
            .map(|(i, &size)| Item {
                index: i as u64,
                path: None,
                in_v1_dir: false,
                size,
                data: Data::Null,
            })
            .collect();
        for n in 1..10 {
            let chunks = chunk_bounds(&items, n);
            assert!(chunks.len() <= n);
            let flat: Vec<usize> = chunks.iter().flat_map(|r| r.clone()).collect();
            assert_eq!(flat, (0..items.len()).collect::<Vec<_>>());
        }
        assert!(chunk_bounds(&[], 4).is_empty());
    }
}
