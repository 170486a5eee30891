//! Many sessions at once, into Apache Arrow: every input read by the crate of its generation,
//! in Rust threads with the interpreter released, straight into Arrow record batches that
//! leave through the Arrow PyCapsule interface. Generic: a generation crate implements
//! [`reader::Generation`] (its class tables' one scan hook) and exports its reader.
//!
//! - [`cells`]: the `#[repr(C)]` cell types of rows and their Arrow types;
//! - [`tables`]: the six tables (rows, builders, schemas) from one column list;
//! - [`reader`]: one input through one generation, across extension modules, and the choice
//!   of generation;
//! - [`engine`]: inputs in groups over threads, batches in input order;
//! - [`python`]: passes, tables and inputs as Python sees them.

pub mod cells;
pub mod engine;
pub mod python;
pub mod reader;
pub mod tables;

use pyo3::prelude::*;

/// Add the scan functions and classes to a generation module, with its reader capsule.
pub fn add_scan<G: reader::Generation>(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("_scan_reader", reader::reader_capsule::<G>(m.py())?)?;
    m.add_function(wrap_pyfunction!(python::scan_pass, m)?)?;
    m.add_function(wrap_pyfunction!(python::schema_capsule, m)?)?;
    m.add_function(wrap_pyfunction!(python::scan_table_names, m)?)?;
    m.add_function(wrap_pyfunction!(python::scan_table_columns, m)?)?;
    m.add_class::<python::PyScanPass>()?;
    m.add_class::<python::PyArrowTable>()?;
    Ok(())
}
