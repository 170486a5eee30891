//! The generic binding layer of a3s-session: everything that turns a serde type into an exact,
//! live Python class, without naming any a3s-code-core type. Each crate generation is one thin
//! crate of class tables on top of this one (`src/v3`, `src/v9`), built on its own so that it
//! gets exactly its own crate's serde_json features.
//!
//! Modules, each depending only on those above it:
//! - [`lock`]: per-object locks that never wait while attached to the interpreter;
//! - [`depythonize`]: a serde Deserializer over Python builtins with serde_json's semantics;
//! - [`error`]: the one error enum (format / type / overflow / python) with field paths;
//! - [`writer`]: serde_json's exact output bytes, with a faster string escape;
//! - [`explain`]: precise paths for errors serde can only place at an enum;
//! - [`json`]: JSON text in and out, with positions and paths;
//! - [`skeleton`]: the cheap check that a write-back keeps every input key in place;
//! - [`unknown`]: the input fields a write-back would drop, as the crate decides;
//! - [`pystr`]: Python strs made straight from Rust strings (no UTF-8 re-check);
//! - [`scalar`], [`enums`]: crate scalars and unit-variant enums to Python and back;
//! - [`listview`]: the list behind container fields, with a per-list item rule;
//! - [`kept`]: the Python objects a record keeps for fields read again;
//! - [`fastattr`]: attribute descriptors that return a kept object before PyO3 is entered;
//! - [`record`]: records and their views, every generated method as a generic function;
//! - [`views`]: the kinds of viewed fields (lists, nested objects, free-form JSON);
//! - [`runtime`]: the tokio runtime the crate's async stores run on;
//! - [`scan`]: many documents at once into Arrow tables, in threads;
//! - `record_class!` and friends: the glue from a class table to `record`.

pub mod depythonize;
pub mod enums;
pub mod error;
pub mod explain;
pub mod fastattr;
pub mod json;
pub mod kept;
pub mod listview;
pub mod lock;
mod macros;
pub mod pystr;
pub mod record;
pub mod runtime;
pub mod scalar;
pub mod scan;
pub mod skeleton;
pub mod unknown;
pub mod views;
pub mod writer;

// Used by the macros, so that generation crates need no dependency of their own on them.
pub use paste;
