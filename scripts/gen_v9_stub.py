"""Generate the 9.1 generation's stub (``src/v9/python/a3s_session_v9/_native.pyi``) from the 3.0.0 stub.

The two generations share every class and method; 9.1.3 adds fields to four classes, a few
classes and enums, and a richer store. So the 3.0.0 stub is the one source, and this file
holds only the differences. ``tests/test_stubs.py`` fails when the generated file is stale
and when any stub's members differ from its runtime module.

Run: ``python scripts/gen_v9_stub.py`` (``--check`` exits 1 if the file would change).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "python" / "a3s_session" / "_native.pyi"
TARGET = ROOT / "src" / "v9" / "python" / "a3s_session_v9" / "_native.pyi"

# class -> new fields: (name, type read, type accepted, constructor default)
NEW_FIELDS: dict[str, list[tuple[str, str, str, str]]] = {
    "SessionData": [
        ("durable_source", "dict[str, Any] | None", "_Dict | None", "None"),
        ("tenant_id", "str | None", "str | None", "None"),
        ("principal", "str | None", "str | None", "None"),
        ("agent_template_id", "str | None", "str | None", "None"),
        ("correlation_id", "str | None", "str | None", "None"),
        ("durable_memory_binding", "dict[str, Any] | None", "_Dict | None", "None"),
        ("cognitive_package_binding", "dict[str, Any] | None", "_Dict | None", "None"),
        ("immutable_content_adapter_binding", "dict[str, Any] | None", "_Dict | None", "None"),
    ],
    "SessionConfig": [
        ("enforce_active_skill_tool_restrictions", "bool", "bool", "False"),
        ("max_parallel_tasks", "int | None", "int | None", "None"),
        ("auto_delegation", "dict[str, Any] | None", "_Dict | None", "None"),
        ("tool_presentation_profile", "dict[str, Any]", "_Dict", "..."),
        ("tool_result_transform_policy", "dict[str, Any]", "_Dict", "..."),
    ],
    "Message": [
        ("transcript_text", "str | None", "str | None", "None"),
        ("transcript_visibility", "TranscriptVisibility", "_TranscriptVisibilityLike", "..."),
    ],
    "ToolResultBlock": [
        ("trust", "ToolResultTrust", "_ToolResultTrustLike", "..."),
        ("redaction_reviewed", "bool", "bool", "False"),
    ],
}

NEW_NAMES = [
    "SESSION_SNAPSHOT_SCHEMA_VERSION",
    "SessionSnapshotV1",
    "ToolResultTrust",
    "TranscriptVisibility",
    "migrate_legacy_store",
    "_HandBack",
    "check_durable_source",
    "config_sessions_dir",
    "fact_log_location",
    "hand_back",
    "read_fact_log",
    "read_wal",
    "session_id_problem",
]

NEW_ENUMS = '''
class TranscriptVisibility(str, Enum):
    """Whether a message belongs in the product transcript or only on the model wire."""

    PRODUCT = "product"
    WIRE = "wire"

class ToolResultTrust(str, Enum):
    """Trust label of tool-result content."""

    TRUSTED = "trusted"
    WORKSPACE_DATA = "workspace_data"
    EXTERNAL = "external"

_TranscriptVisibilityLike: TypeAlias = TranscriptVisibility | Literal["product", "wire"]
_ToolResultTrustLike: TypeAlias = ToolResultTrust | Literal["trusted", "workspace_data", "external"]
'''

SNAPSHOT_AND_STORE = '''
SESSION_SNAPSHOT_SCHEMA_VERSION: int
"""The highest snapshot schema version of the crate (1 unless a durable source is bound)."""

@final
class SessionSnapshotV1:
    """The persistence envelope of today's A3S Code: the session, typed, and the runtime
    records of the same save generation as the plain JSON values the crate validates."""

    def __new__(
        cls,
        *,
        session: SessionData | _Dict,
        schema_version: int = 1,
        artifacts: builtins.list[_Dict] = ...,
        retained_artifact_uris: Iterable[str] = ...,
        trace_events: builtins.list[_Dict] = ...,
        run_records: builtins.list[_Dict] = ...,
        verification_reports: builtins.list[_Dict] = ...,
        subagent_tasks: builtins.list[_Dict] = ...,
        session_review: _Dict | None = None,
    ) -> Self: ...
    @property
    def schema_version(self) -> int: ...
    @schema_version.setter
    def schema_version(self, value: int) -> None: ...
    @property
    def session(self) -> SessionData: ...
    @session.setter
    def session(self, value: SessionData | _Dict) -> None: ...
    @property
    def retained_artifact_uris(self) -> ListView[str]: ...
    @retained_artifact_uris.setter
    def retained_artifact_uris(self, value: Iterable[str]) -> None: ...
    @property
    def artifacts(self) -> builtins.list[dict[str, Any]]: ...
    @artifacts.setter
    def artifacts(self, value: builtins.list[_Dict]) -> None: ...
    @property
    def trace_events(self) -> builtins.list[dict[str, Any]]: ...
    @trace_events.setter
    def trace_events(self, value: builtins.list[_Dict]) -> None: ...
    @property
    def run_records(self) -> builtins.list[dict[str, Any]]: ...
    @run_records.setter
    def run_records(self, value: builtins.list[_Dict]) -> None: ...
    @property
    def verification_reports(self) -> builtins.list[dict[str, Any]]: ...
    @verification_reports.setter
    def verification_reports(self, value: builtins.list[_Dict]) -> None: ...
    @property
    def subagent_tasks(self) -> builtins.list[dict[str, Any]]: ...
    @subagent_tasks.setter
    def subagent_tasks(self, value: builtins.list[_Dict]) -> None: ...
    @property
    def session_review(self) -> dict[str, Any] | None: ...
    @session_review.setter
    def session_review(self, value: _Dict | None) -> None: ...
    @staticmethod
    def session_only(session: SessionData) -> SessionSnapshotV1:
        """A snapshot holding only ``session`` (the crate's ``session_only``)."""

    def content_digest(self) -> str:
        """The crate's content digest, what ``save_snapshot_cas`` compares."""

    def ensure_loadable(self) -> None:
        """The crate's loadability check; raises ``SessionFormatError``."""

    @classmethod
    def from_json(cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn") -> Self: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, unknown: _Unknown = "warn") -> Self: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_json_bytes(self, *, pretty: bool = False) -> bytes: ...
    def to_dict(self) -> dict[str, Any]: ...
    def unknown_fields(self, source: str | bytes) -> list[str]:
        """Paths of fields in ``source`` (the JSON this was read from) the crate ignores."""

    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Self: ...
    def __deepcopy__(self, _memo: dict[int, Any]) -> Self: ...
    def __reduce__(self) -> tuple[Callable[[str], Self], tuple[str]]: ...
    # asyncio: parsed / serialized on the extension's runtime, the loop keeps running.
    @classmethod
    def from_json_async(
        cls, data: str | bytes | bytearray, *, unknown: _Unknown = "warn"
    ) -> asyncio.Future[Self]: ...
    def to_json_async(self, *, pretty: bool = False) -> asyncio.Future[str]: ...
    # pydantic v2: usable as a model field (validated and dumped through the crate).
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> Any: ...
    @classmethod
    def __get_pydantic_json_schema__(cls, _core_schema: Any, _handler: Any) -> dict[str, Any]: ...

@final
class FileSessionStore:
    """The 9.1.3 crate's own store: snapshot envelopes under ``v1/sessions/``, a write-ahead
    log, compare-and-swap saves, optional AES-256-GCM at rest."""

    def __new__(
        cls,
        dir: str | os.PathLike[str],
        *,
        encryption_key: bytes | None = None,
        recover_corrupt_wal: bool = False,
    ) -> Self: ...
    @property
    def dir(self) -> Path: ...
    @property
    def encrypted(self) -> bool: ...
    def seal_state(
        self, path: str | os.PathLike[str]
    ) -> Literal["absent", "plain", "sealed", "ours", "foreign"]: ...
    def save(self, session: SessionData) -> None: ...
    def load(self, id: str) -> SessionData | None: ...
    def save_snapshot(self, snapshot: SessionSnapshotV1) -> None: ...
    def save_snapshot_cas(self, snapshot: SessionSnapshotV1, expected_digest: str | None) -> bool: ...
    def load_snapshot(self, id: str) -> SessionSnapshotV1 | None: ...
    def delete(self, id: str) -> None: ...
    def exists(self, id: str) -> bool: ...
    def list(self) -> builtins.list[str]: ...
    def health_check(self) -> None: ...
    # The asyncio twins: futures of the running loop, run on the extension's store runtime
    # (no thread per call). Cancelling one stops the wait, never the write.
    @classmethod
    def open_async(
        cls,
        dir: str | os.PathLike[str],
        *,
        encryption_key: bytes | None = None,
        recover_corrupt_wal: bool = False,
    ) -> asyncio.Future[Self]: ...
    def save_async(self, session: SessionData) -> asyncio.Future[None]: ...
    def load_async(self, id: str) -> asyncio.Future[SessionData | None]: ...
    def save_snapshot_async(self, snapshot: SessionSnapshotV1) -> asyncio.Future[None]: ...
    def save_snapshot_cas_async(
        self, snapshot: SessionSnapshotV1, expected_digest: str | None
    ) -> asyncio.Future[bool]: ...
    def load_snapshot_async(self, id: str) -> asyncio.Future[SessionSnapshotV1 | None]: ...
    def delete_async(self, id: str) -> asyncio.Future[None]: ...
    def exists_async(self, id: str) -> asyncio.Future[bool]: ...
    def list_async(self) -> asyncio.Future[builtins.list[str]]: ...
    def health_check_async(self) -> asyncio.Future[None]: ...

class _MigrationReport(TypedDict):
    migrated: builtins.list[str]
    skipped: dict[str, str]

def migrate_legacy_store(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> _MigrationReport:
    """Copy a 3.0.0 store into a 9.1.3 store through the 9.1.3 crate; ``src`` is never written."""

# The store's write-ahead log and ids, as the crate judges them (a3s_session.repair).
def session_id_problem(id: str) -> str | None: ...
def read_wal(store_dir: str | os.PathLike[str]) -> str | None: ...
def config_sessions_dir(path: str | os.PathLike[str]) -> Path | None:
    """The ``sessions_dir`` an A3S Code configuration file sets, read by the crate."""

# The durable fact log (a3s_session.factlog is the public face).
def fact_log_location(workspace: str | os.PathLike[str], session_id: str) -> tuple[Path, str]:
    """The directory the crate opens the session's log in, and its thread."""

def read_fact_log(workspace: str | os.PathLike[str], session_id: str) -> str | None:
    """The session's facts as a JSON array, or None when there is no log."""

def check_durable_source(session_json: str, workspace: str | os.PathLike[str]) -> str | None:
    """Why ``durable_source`` does not hold against the log, or None."""

@final
class _HandBack:
    @property
    def before(self) -> int: ...
    @property
    def after(self) -> int: ...
    @property
    def seeded(self) -> bool: ...
    @property
    def log_dir(self) -> Path: ...

def hand_back(
    workspace: str | os.PathLike[str],
    session_id: str,
    *,
    seed: str | None = None,
    turns: str | None = None,
) -> _HandBack:
    """Carry a conversation into the session's log with the crate's own functions."""
'''


def _class_span(text: str, name: str) -> tuple[int, int]:
    start = text.index(f"\nclass {name}")
    end = text.find("\n@final\n", start + 1)
    return start, len(text) if end < 0 else end


def _add_fields(text: str, name: str, fields: list[tuple[str, str, str, str]]) -> str:
    start, end = _class_span(text, name)
    body = text[start:end]
    kwargs = "".join(
        f"        {f}: {accepted} = {default},\n" for f, _, accepted, default in fields
    )
    body = re.sub(r"(\n    \)( -> Self:))", "\n" + kwargs.rstrip("\n") + r"\1", body, count=1)
    props = "".join(
        f"    @property\n    def {f}(self) -> {read}: ...\n"
        f"    @{f}.setter\n    def {f}(self, value: {accepted}) -> None: ...\n"
        for f, read, accepted, _ in fields
    )
    at = body.index("    @classmethod\n    def from_json")
    body = body[:at] + props + body[at:]
    return text[:start] + body + text[end:]


def generate() -> str:
    text = SOURCE.read_text(encoding="utf-8")
    text = text.replace(
        '"""Type stubs for ``a3s_session._native``, the compiled core of a3s-session.\n\n'
        "Every class wraps one a3s-code-core 3.0.0 type.",
        '"""Type stubs for ``a3s_session_v9._native`` (``a3s_session.v9``), generated by\n'
        "scripts/gen_v9_stub.py from the 3.0.0 stub: edit that, or the differences there.\n\n"
        "Every class wraps one a3s-code-core 9.1.3 type.",
    )
    text = text.replace(
        "__all__ = [\n", "__all__ = [\n" + "".join(f'    "{n}",\n' for n in NEW_NAMES), 1
    )
    for name, fields in NEW_FIELDS.items():
        text = _add_fields(text, name, fields)
    enums_end = text.index("\n_SessionStateLike: TypeAlias")
    text = text[:enums_end] + "\n" + NEW_ENUMS.strip("\n") + "\n" + text[enums_end:]
    start, _ = _class_span(text, "FileSessionStore")
    # The 3.0.0 store is the last class of the source stub; 9.1.3's replaces it.
    head = text[: text.rindex("\n@final", 0, start + 1)]
    return head + "\n" + SNAPSHOT_AND_STORE


def main(argv: list[str]) -> int:
    fresh = generate()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != fresh:
            print(f"{TARGET} is stale: run python scripts/gen_v9_stub.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
