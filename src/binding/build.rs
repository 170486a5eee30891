//! `cfg(Py_GIL_DISABLED)` on a free-threaded interpreter (see `kept`: reading kept objects
//! without the lock relies on the GIL).
fn main() {
    pyo3_build_config::print_expected_cfgs();
    pyo3_build_config::use_pyo3_cfgs();
}
