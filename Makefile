# Developer entry points. Everything runs in the active Python environment (a virtualenv:
# `maturin develop` installs into $VIRTUAL_ENV), with cargo building into $(CARGO_TARGET_DIR).
#
#   make dev     build the native module (release) and install the package, editable, with
#                its dev extras
#   make test    run the test suite (builds the differential oracle on first use)
#   make lint    rustfmt, clippy, ruff, mypy --strict, stubtest, pyright
#   make bench   run the benchmarks
#   make fuzz    fuzz the parser for FUZZ_TIME seconds

PYTHON ?= python
# Cargo's build directory; an inherited CARGO_TARGET_DIR wins, otherwise ./target.
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
FUZZ_TIME ?= 600

# Python code that exists in this checkout (some directories are optional).
PY_PATHS := $(wildcard python src/v9/python tests examples scripts benchmarks)
# What mypy --strict checks: the package (with its stub) and the examples.
MYPY_PATHS := python/a3s_session $(wildcard examples)

.PHONY: dev test lint lint-rust lint-python stubtest pyright bench fuzz oracle clean

dev:
	$(PYTHON) -m pip install --quiet "maturin>=1.9,<2"
	$(PYTHON) -m maturin develop --release -m src/v9/Cargo.toml
	$(PYTHON) -m maturin develop --release --extras dev

# The oracle is found in $(CARGO_TARGET_DIR)/release (tests/conftest.py); building it up front
# keeps cargo's output out of the test run.
oracle:
	cargo build --release -p a3s-session-oracle
	cargo build --release --manifest-path src/v9/Cargo.toml -p a3s-session-oracle-v9

test: oracle
	$(PYTHON) -m pytest

lint: lint-rust lint-python stubtest pyright

# Each generation's workspace is linted on its own (one cargo invocation per workspace, so
# no feature unification across generations even here); the binding layer's tests run
# without any crate.
lint-rust:
	cargo fmt --all --check
	cd src/v9 && cargo fmt --all --check
	cargo clippy --release --workspace --all-targets -- -D warnings
	cd src/v9 && cargo clippy --release --workspace -- -D warnings
	cargo test -p a3s-session-binding

lint-python:
	$(PYTHON) -m ruff check $(PY_PATHS)
	$(PYTHON) -m ruff format --check $(PY_PATHS)
	$(PYTHON) -m mypy --strict $(MYPY_PATHS)

# Needs the native module built (make dev): stubtest imports it and compares with the stub.
stubtest:
	$(PYTHON) scripts/gen_v9_stub.py --check
	$(PYTHON) -m mypy.stubtest a3s_session a3s_session_v9 --allowlist stubtest-allowlist.txt

# The tests type-check against the stub as a user's code would; the package's public API is
# 100 % typed (verifytypes; tests/test_stubs.py checks the same).
pyright:
	$(PYTHON) -m pyright tests $(wildcard examples)
	cd /tmp && $(PYTHON) -m pyright --verifytypes a3s_session

bench:
	$(PYTHON) benchmarks/run.py

fuzz:
	$(PYTHON) tests/fuzz/fuzz_session.py -max_total_time=$(FUZZ_TIME)

clean:
	cargo clean
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis dist
