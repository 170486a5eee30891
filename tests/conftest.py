"""Shared fixtures: the differential oracle, the bundled sample, hypothesis profiles.

The oracle (``oracle/`` in this repository) is a small Rust binary that parses JSON with
the serde implementations of ``a3s-code-core`` itself and prints what the crate writes back.
It never goes through the binding, so comparing its output with ours is a real differential
test.  It is started once per test session and spoken to over a line protocol:

    stdin:  KIND<TAB>JSON            (one document per line)
    stdout: {"compact": ..., "pretty": ...}  or  {"error": ...}

Unless ``A3S_SESSION_ORACLE`` names a binary, the oracle is (re)built with cargo at the start of
every session -- a no-op when it is up to date -- so a stale binary is never used. Only when
cargo is missing is an existing binary used; if there is none, the tests *fail*: CI must never
silently skip the differential tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from a3s_session import v3

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
ORACLE_NAME = "a3s-session-oracle"
ORACLE_PACKAGE = "a3s-session-oracle"

# Kinds the oracle understands (see oracle/src/main.rs).
ORACLE_KINDS = frozenset(
    {
        "SessionData",
        "SessionConfig",
        "ContextUsage",
        "LlmConfigData",
        "Message",
        "ContentBlock",
        "ImageSource",
        "TokenUsage",
        "Task",
        "LlmCostRecord",
    }
)

# ---------------------------------------------------------------------------------------------
# Hypothesis: reproducible in CI (derandomized: the same examples on every run), a wider random
# search locally with A3S_HYPOTHESIS_PROFILE=a3s-explore.
# ---------------------------------------------------------------------------------------------
settings.register_profile(
    "a3s-ci",
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "a3s-explore",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("A3S_HYPOTHESIS_PROFILE", "a3s-ci"))


# ---------------------------------------------------------------------------------------------
# The oracle process
# ---------------------------------------------------------------------------------------------
class OracleError(RuntimeError):
    """The oracle process misbehaved (died, or answered something that is not JSON)."""


class Oracle:
    """One persistent ``a3s-session-oracle`` subprocess."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self._proc = subprocess.Popen(
            [str(binary)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def roundtrip(self, kind: str, text: str | bytes) -> dict[str, Any]:
        """Parse ``text`` as the crate type ``kind``; the oracle's answer as a dict.

        The answer is ``{"compact": str, "pretty": str}`` or ``{"error": str}``.
        Line breaks in ``text`` are turned into spaces first: the protocol is one document per
        line, and in valid JSON a raw CR/LF can only be insignificant whitespace (inside a
        string it must be escaped), so this never changes what the document means.
        """
        if kind not in ORACLE_KINDS:
            raise ValueError(f"the oracle does not know kind {kind!r}")
        if isinstance(text, str):
            data = text.encode("utf-8")
        else:
            data = bytes(text)
        data = data.replace(b"\r", b" ").replace(b"\n", b" ")
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(kind.encode("ascii") + b"\t" + data + b"\n")
            proc.stdin.flush()
        except BrokenPipeError as exc:  # pragma: no cover - only when the oracle crashed
            raise OracleError(f"oracle died: {self._stderr()}") from exc
        line = proc.stdout.readline()
        if not line:  # pragma: no cover - only when the oracle crashed
            raise OracleError(f"oracle closed its output: {self._stderr()}")
        try:
            reply = json.loads(line)
        except ValueError as exc:  # pragma: no cover
            raise OracleError(f"oracle answered non-JSON: {line!r}") from exc
        if not isinstance(reply, dict) or not (
            set(reply) == {"compact", "pretty"} or set(reply) == {"error"}
        ):  # pragma: no cover
            raise OracleError(f"unexpected oracle answer: {reply!r}")
        return reply

    def accept(self, kind: str, text: str | bytes) -> dict[str, str]:
        """Like :meth:`roundtrip`, but fail the test if the crate rejects the document."""
        reply = self.roundtrip(kind, text)
        if "error" in reply:
            shown = text if isinstance(text, str) else text.decode("utf-8", "replace")
            if len(shown) > 600:
                shown = shown[:600] + "..."
            pytest.fail(f"the crate rejected a {kind} document: {reply['error']}\n{shown!r}")
        return reply

    def close(self) -> None:
        proc = self._proc
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()

    def _stderr(self) -> str:
        proc = self._proc
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "(still running)"
        err = proc.stderr.read() if proc.stderr is not None else b""
        return f"exit code {proc.returncode}; stderr: {err.decode('utf-8', 'replace')}"


def _cargo() -> str | None:
    return shutil.which("cargo") or os.environ.get("CARGO")


def _build_oracle(cargo: str) -> Path:
    """Build the oracle with cargo (a no-op of about a second when it is up to date) and
    return the path of the executable cargo reports.

    Always asking cargo, rather than taking whatever binary is lying in ``target/``, means a
    stale oracle (built from older sources or another crate version) can never be used.
    """
    cmd = [
        cargo,
        "build",
        "--release",
        "-p",
        ORACLE_PACKAGE,
        "--message-format=json-render-diagnostics",
    ]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}", pytrace=False)
    # Cargo tells us where the executable went (honours CARGO_TARGET_DIR, .cargo/config, ...).
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (
            isinstance(msg, dict)
            and msg.get("reason") == "compiler-artifact"
            and msg.get("target", {}).get("name") == ORACLE_NAME
            and msg.get("executable")
        ):
            return Path(msg["executable"])
    pytest.fail(f"cargo built {ORACLE_PACKAGE} but reported no executable", pytrace=False)


def _existing_oracle() -> Path:
    """An already built oracle (``$CARGO_TARGET_DIR/release/``, ``<repo>/target/release/``),
    for machines without cargo; fail if there is none."""
    exe = ORACLE_NAME + (".exe" if os.name == "nt" else "")
    candidates = []
    target_dir = os.environ.get("CARGO_TARGET_DIR")
    if target_dir:
        candidates.append(Path(target_dir) / "release" / exe)
    candidates.append(REPO_ROOT / "target" / "release" / exe)
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    pytest.fail(
        f"cargo is not available and no built {ORACLE_NAME} was found (looked in "
        f"{', '.join(str(c.parent) for c in candidates)}). The differential tests need it: "
        f"build it with `cargo build --release -p {ORACLE_PACKAGE}`, or point "
        "A3S_SESSION_ORACLE at the binary.",
        pytrace=False,
    )


def find_oracle() -> Path:
    """Locate the oracle binary.

    Order: ``$A3S_SESSION_ORACLE`` if set; otherwise, when cargo is available, always
    ``cargo build --release -p a3s-session-oracle`` (cheap when nothing changed) and the
    executable cargo reports, so a stale binary is never used; only without cargo an existing
    binary in ``$CARGO_TARGET_DIR/release/`` or ``<repo>/target/release/``.
    """
    explicit = os.environ.get("A3S_SESSION_ORACLE")
    if explicit:
        path = Path(explicit)
        if not (path.is_file() and os.access(path, os.X_OK)):
            pytest.fail(f"A3S_SESSION_ORACLE={explicit} is not an executable file", pytrace=False)
        return path
    cargo = _cargo()
    if cargo:
        return _build_oracle(cargo)
    return _existing_oracle()


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    """The crate-only serde oracle, one process for the whole test session."""
    proc = Oracle(find_oracle())
    # Sanity check, so that a broken binary fails loudly here rather than in every test.
    probe = proc.roundtrip(
        "TokenUsage", '{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}'
    )
    if probe.get("compact") != (
        '{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,'
        '"cache_read_tokens":null,"cache_write_tokens":null}'
    ):
        proc.close()
        pytest.fail(f"the oracle at {proc.binary} answered a probe wrongly: {probe!r}")
    try:
        yield proc
    finally:
        proc.close()


# ---------------------------------------------------------------------------------------------
# The bundled sample and the corpus
# ---------------------------------------------------------------------------------------------
def sample_text() -> str:
    """The sample session shipped inside the package (``a3s_session/data/sample_session.json``)."""
    return files("a3s_session").joinpath("data/sample_session.json").read_text(encoding="utf-8")


@pytest.fixture(scope="session", name="sample_text")
def sample_text_fixture() -> str:
    return sample_text()


def corpus_documents() -> list[tuple[str, Path]]:
    """``(kind, path)`` for every corpus document; the kind is the name of its folder."""
    docs = []
    for path in sorted(CORPUS_DIR.glob("*/*.json")):
        kind = path.parent.name
        if kind not in ORACLE_KINDS:
            raise ValueError(f"corpus folder {kind!r} is not an oracle kind ({path})")
        docs.append((kind, path))
    return docs


# ---------------------------------------------------------------------------------------------
# Helpers shared by the test modules (imported as ``from conftest import ...``)
# ---------------------------------------------------------------------------------------------
#: Binding class for each oracle kind; ``ContentBlock`` is resolved by the block's ``type``.
KIND_CLASSES: dict[str, type[Any]] = {
    "SessionData": v3.SessionData,
    "SessionConfig": v3.SessionConfig,
    "ContextUsage": v3.ContextUsage,
    "LlmConfigData": v3.LlmConfigData,
    "Message": v3.Message,
    "ImageSource": v3.ImageSource,
    "TokenUsage": v3.TokenUsage,
    "Task": v3.Task,
    "LlmCostRecord": v3.LlmCostRecord,
}
BLOCK_CLASSES: dict[str, type[Any]] = {
    "text": v3.TextBlock,
    "image": v3.ImageBlock,
    "tool_use": v3.ToolUseBlock,
    "tool_result": v3.ToolResultBlock,
}


def class_for(kind: str, doc: Any) -> type[Any]:
    """The binding class that models a document of oracle kind ``kind``."""
    if kind == "ContentBlock":
        return BLOCK_CLASSES[doc["type"]]
    return KIND_CLASSES[kind]


def _config_of(kind: str, doc: Any) -> dict[str, Any] | None:
    if kind == "SessionData":
        cfg = doc.get("config") if isinstance(doc, dict) else None
        return cfg if isinstance(cfg, dict) else None
    if kind == "SessionConfig" and isinstance(doc, dict):
        return doc
    return None


def unordered_entries(kind: str, doc: Any) -> bool:
    """Whether ``doc`` has a HashMap/HashSet field with more than one entry.

    The crate keeps ``queue_config.laneHandlers``/``laneTimeouts`` in a ``HashMap`` and
    ``confirmation_policy.yolo_lanes`` in a ``HashSet``; serde writes them in iteration order,
    which is seeded randomly per map instance. Two correct serializations of such a document
    can differ in the order of those entries, so they must be compared as parsed JSON.
    """
    cfg = _config_of(kind, doc)
    if cfg is None:
        return False
    queue = cfg.get("queue_config") or {}
    policy = cfg.get("confirmation_policy") or {}
    return (
        len(queue.get("laneHandlers") or {}) > 1
        or len(queue.get("laneTimeouts") or {}) > 1
        or len(policy.get("yolo_lanes") or []) > 1
    )


def canonical(kind: str, doc: Any) -> Any:
    """``doc`` (parsed JSON) with set-valued fields sorted, for order-insensitive comparison.

    Maps compare order-insensitively as Python dicts already; ``yolo_lanes`` is a set written
    as a JSON array, so it is sorted here.
    """
    doc = json.loads(json.dumps(doc))
    cfg = _config_of(kind, doc)
    if cfg is not None:
        policy = cfg.get("confirmation_policy")
        if isinstance(policy, dict) and isinstance(policy.get("yolo_lanes"), list):
            policy["yolo_lanes"] = sorted(policy["yolo_lanes"])
    return doc


def assert_same_json(kind: str, got: str, want: str, *, unordered: bool) -> None:
    """``got == want`` byte for byte, or -- for documents with multi-entry hash maps/sets --
    as parsed JSON (sets sorted), and then at least the same length: the only freedom serde
    has is the order of those entries, which never changes the byte count."""
    if unordered:
        assert canonical(kind, json.loads(got)) == canonical(kind, json.loads(want))
        assert len(got) == len(want)
    else:
        assert got == want


# ---------------------------------------------------------------------------------------------
# Scripts that might crash or hang the interpreter run in a child process
# ---------------------------------------------------------------------------------------------
def run_python_json(script: str, *, timeout: float, what: str, faulthandler: bool = False) -> Any:
    """Run ``script`` in a fresh interpreter and return the JSON it printed last.

    A crash (signal, abort, non-zero exit) or a hang fails the test, saying what happened:
    the point of running in a child is that a crash shows up as a failure, not a dead pytest.
    """
    argv = [sys.executable, *(["-X", "faulthandler"] if faulthandler else []), "-c", script]
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the {what} hung for {timeout} s (deadlock?): {exc.stderr!r:.4000}")
    if proc.returncode != 0:
        how = (
            f"killed by {signal.Signals(-proc.returncode).name}"
            if proc.returncode < 0
            else f"exit code {proc.returncode}"
        )
        pytest.fail(f"the {what} died ({how}):\n{proc.stdout[-2000:]}\n{proc.stderr[-6000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# The 9.1 generation's oracle: a binary that links only a3s-code-core 9.1.3 (src/v9/oracle)
# ---------------------------------------------------------------------------------------------
V9_MANIFEST = REPO_ROOT / "src" / "v9" / "Cargo.toml"


class OracleV9:
    """One ``a3s-session-oracle-v9`` process (line protocol: see src/v9/oracle/src/main.rs)."""

    def __init__(self, binary: Path) -> None:
        self._proc = subprocess.Popen(
            [str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def ask(self, line: str) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(line.replace("\n", " ").encode() + b"\n")
        self._proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return answer

    def roundtrip(self, kind: str, text: str) -> dict[str, Any]:
        return self.ask(f"{kind}\t{text}")

    def store(
        self, cmd: str, directory: Path, arg: str, key: bytes | None = None
    ) -> dict[str, Any]:
        return self.ask(f"STORE_{cmd}\t{directory}\t{key.hex() if key else '-'}\t{arg}")

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait()


def build_v9_binary(package: str) -> Path:
    """Build a binary of the 9.1.3 workspace (``src/v9``: its own ``Cargo.lock``, the shared
    target directory and its lock) and return the executable cargo reports."""
    cargo = _cargo()
    if cargo is None:
        pytest.fail(f"cargo is needed to build {package} (a3s-code-core 9.1.3)", pytrace=False)
    cmd = [
        cargo, "build", "--release", "--manifest-path", str(V9_MANIFEST),
        "-p", package, "--message-format=json-render-diagnostics",
    ]  # fmt: skip
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    assert proc.returncode == 0, f"`{' '.join(cmd)}` failed"
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (
            msg.get("reason") == "compiler-artifact"
            and msg.get("executable")
            and msg["target"]["name"] == package
        ):
            return Path(msg["executable"])
    pytest.fail(f"cargo reported no {package} executable", pytrace=False)


@pytest.fixture(scope="module")
def oracle9() -> Iterator[OracleV9]:
    exe = build_v9_binary("a3s-session-oracle-v9")
    o = OracleV9(Path(exe))
    yield o
    o.close()
