"""Today's generation first, and nothing lost without a word (0.3): the default names, the
unknown-field warning, no fallback to the wrong crate, stores and generations, one type
across generations, and conflicts on write-back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import a3s_session as a3s
from a3s_session import abc, v3, v9
from a3s_session.factlog import FactLog
from conftest import CORPUS_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))


def _doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CORPUS_DIR / "SessionData" / "minimal.json").read_text())
    doc.update(extra)
    return doc


def _doc_in(tmp_path: Path) -> dict[str, Any]:
    """:func:`_doc` with a workspace on this machine (9.1.3 hands conversation edits to the
    agent's fact log there)."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    doc = _doc()
    doc["config"]["workspace"] = str(workspace)
    return doc


def _exchange(text: str) -> list[dict[str, Any]]:
    """A user turn and its assistant reply (what a conversation edit can append)."""
    return [
        {"role": role, "content": [{"type": "text", "text": text + suffix}]}
        for role, suffix in (("user", ""), ("assistant", " reply"))
    ]


TODAY_FIELDS = {
    "tenant_id": "acme",
    "principal": "u1",
    "agent_template_id": "tpl",
    "correlation_id": "c-9",
}


def _today_doc() -> dict[str, Any]:
    doc = _doc(**TODAY_FIELDS)
    doc["config"]["max_parallel_tasks"] = 3
    doc["config"]["tool_presentation_profile"] = {
        "schema": "a3s.code.tool-presentation-profile.v1",
        "mode": "direct",
    }
    return doc


# ---------------------------------------------------------------------------------------------
# 1. Today's generation is the default
# ---------------------------------------------------------------------------------------------
def test_top_level_names_are_todays() -> None:
    assert a3s.SessionData is v9.SessionData and a3s.FileSessionStore is v9.FileSessionStore
    assert a3s.TextBlock is v9.TextBlock and a3s.CRATE_VERSION == "9.1.3"
    assert v3.SessionData is not v9.SessionData and v3.CRATE_VERSION == "3.0.0"
    assert a3s.__version__ == "0.3.0"


def test_a_today_file_keeps_its_fields(tmp_path: Path) -> None:
    text = json.dumps(_today_doc())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing unknown to 9.1.3
        s = a3s.SessionData.from_json(text)
    out = json.loads(s.to_json())
    for key, value in TODAY_FIELDS.items():
        assert out[key] == value
    assert out["config"]["max_parallel_tasks"] == 3
    store = a3s.FileSessionStore(tmp_path)
    store.save(s)
    loaded = store.load(s.id)
    assert loaded is not None and loaded.tenant_id == "acme"
    assert a3s.load_session(tmp_path / "v1" / "sessions" / a3s.files.v1_file_name(s.id)) == s


def test_pydantic_reads_todays_fields() -> None:
    pydantic = pytest.importorskip("pydantic")
    adapter = pydantic.TypeAdapter(a3s.SessionData)
    s = adapter.validate_json(json.dumps(_today_doc()))
    assert s.tenant_id == "acme" and s.config.max_parallel_tasks == 3


# ---------------------------------------------------------------------------------------------
# 2. Never drop a field silently
# ---------------------------------------------------------------------------------------------
def test_unknown_fields_warn_by_default() -> None:
    text = json.dumps(_doc(no_such_field=1, tenant_id="t"))
    with pytest.warns(a3s.UnknownFieldsWarning) as caught:
        s = v3.SessionData.from_json(text)
    assert s.id
    (w,) = caught.list
    assert isinstance(w.message, a3s.UnknownFieldsWarning)
    assert sorted(w.message.fields) == ["no_such_field", "tenant_id"]
    assert w.filename == __file__  # points at the caller, not at the package
    with pytest.warns(a3s.UnknownFieldsWarning) as caught:
        v9.SessionData.from_json(text)
    assert caught.list[0].message.fields == ["no_such_field"]  # type: ignore[union-attr]


def test_unknown_policy_error_and_ignore() -> None:
    text = json.dumps(_doc(extra={"a": 1}))
    with pytest.raises(a3s.UnknownFieldsError) as err:
        a3s.SessionData.from_json(text, unknown="error")
    assert err.value.fields == ["extra"] and isinstance(err.value, ValueError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a3s.SessionData.from_json(text, unknown="ignore")
        a3s.SessionData.from_json(json.dumps(_doc()))  # nothing unknown: no warning
    with pytest.raises(ValueError, match="unknown= must be"):
        a3s.SessionData.from_json(text, unknown="loud")  # type: ignore[arg-type]


def test_unknown_fields_from_dict_nested_and_every_class() -> None:
    doc = _doc()
    doc["messages"] = [
        {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"x": 1}}]}
    ]
    with pytest.warns(a3s.UnknownFieldsWarning) as caught:
        v9.SessionData.from_dict(doc)
    assert caught.list[0].message.fields == ["messages[0].content[0].cache_control"]  # type: ignore[union-attr]
    with pytest.raises(a3s.UnknownFieldsError):
        v3.Message.from_dict({"role": "user", "content": [], "mood": "ok"}, unknown="error")
    with pytest.raises(a3s.UnknownFieldsError):
        v9.TokenUsage.from_json(
            '{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"x":0}', unknown="error"
        )


def test_what_the_crate_wrote_has_no_unknown_fields() -> None:
    """The cheap path: every document the crate writes (compact or pretty) is clean."""
    for path in sorted(CORPUS_DIR.glob("SessionData/*.json")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = v9.SessionData.from_json(path.read_bytes())
        for text in (s.to_json(), s.to_json(pretty=True)):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                again = v9.SessionData.from_json(text)
            assert again.unknown_fields(text) == []


def test_load_session_warns_with_the_path(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text(json.dumps(_doc(mystery=True)))
    with pytest.warns(a3s.UnknownFieldsWarning, match="mystery") as caught:
        s = a3s.load_session(f)
    assert str(f) in str(caught.list[0].message) and isinstance(s, v9.SessionData)
    with pytest.raises(a3s.UnknownFieldsError):
        a3s.load_session(f, unknown="error")


# ---------------------------------------------------------------------------------------------
# 3. No fallback to the wrong crate
# ---------------------------------------------------------------------------------------------
def _rejected_by_9_1_3() -> dict[str, tuple[dict[str, Any], str]]:
    """Five 9.x documents the 9.1.3 crate rejects (3.0.0 would read each, ignoring the field),
    with the field path of the rejection."""
    bad_trust = _doc()
    bad_trust["messages"] = [
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t", "content": "x", "is_error": None,
                 "trust": "galaxy"}
            ],
        }
    ]  # fmt: skip
    bad_visibility = _doc()
    bad_visibility["messages"] = [
        {"role": "user", "content": [], "transcript_visibility": "nowhere"}
    ]
    bad_parallel = _doc()
    bad_parallel["config"]["max_parallel_tasks"] = -1
    bad_policy = _doc()
    bad_policy["config"]["tool_result_transform_policy"] = {"no_such_policy_field": 1}
    return {
        "tenant.json": (_doc(tenant_id=5), "tenant_id"),
        "trust.json": (bad_trust, "messages[0].content[0]"),
        "visibility.json": (bad_visibility, "messages[0].transcript_visibility"),
        "parallel.json": (bad_parallel, "config.max_parallel_tasks"),
        "policy.json": (bad_policy, "config.tool_result_transform_policy"),
    }


@pytest.fixture
def rejected_dir(tmp_path: Path) -> Path:
    d = tmp_path / "bad"
    d.mkdir()
    for name, (doc, _) in _rejected_by_9_1_3().items():
        (d / name).write_text(json.dumps(doc, indent=2))
    return d


def test_a_9x_document_9_1_3_rejects_is_an_error(rejected_dir: Path) -> None:
    for name, (_, path) in _rejected_by_9_1_3().items():
        with pytest.raises(a3s.SessionFormatError) as err:
            a3s.read_session_file(rejected_dir / name)
        assert err.value.path.startswith(path), (name, err.value.path)
        assert err.value.line is not None and err.value.column is not None
        # 3.0.0, asked explicitly, still reads it (and says what it ignores).
        assert a3s.read_session_file(rejected_dir / name, generation="v3").unknown_fields


def test_cli_and_scan_report_them(rejected_dir: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "a3s_session",
            "validate",
            *sorted(map(str, rejected_dir.iterdir())),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "5 files: 0 OK, 5 failed" in run.stdout
    pa = pytest.importorskip("pyarrow")
    scan = a3s.scan(rejected_dir)
    errors = pa.table(scan.errors).to_pylist()
    assert len(errors) == 5 and pa.table(scan.sessions).num_rows == 0
    assert {e["generation"] for e in errors} == {"v9"}


def test_a_3_0_0_document_is_still_read_by_3_0_0(tmp_path: Path) -> None:
    f = tmp_path / "old.json"
    f.write_text(json.dumps(_doc()))
    assert a3s.read_session_file(f).generation == "v3"
    junk = tmp_path / "junk.json"  # a field neither crate knows: still a 3.0.0 document
    junk.write_text(json.dumps(_doc(no_such_field=1)))
    read = a3s.read_session_file(junk)
    assert read.generation == "v3" and read.unknown_fields == ["no_such_field"]


def test_roundtrip_failure_from_3_0_0_float_reading_says_so(tmp_path: Path) -> None:
    doc = _doc(total_cost=1.5)
    written = v3.SessionData.from_json(json.dumps(doc)).to_json(pretty=True)  # the crate's bytes
    f = tmp_path / "float.json"
    f.write_text(written.replace('"total_cost": 1.5', '"total_cost": 123456789012345.67'))
    run = subprocess.run(
        [sys.executable, "-m", "a3s_session", "validate", "--roundtrip", "--generation", "v3",
         str(f)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert "float_roundtrip" in run.stdout and "123456789012345.67" in run.stdout


# ---------------------------------------------------------------------------------------------
# 4. Stores and generations
# ---------------------------------------------------------------------------------------------
def test_saving_into_the_other_generations_store(tmp_path: Path) -> None:
    old = v3.SessionData.from_json(json.dumps(_doc()))
    with pytest.raises(a3s.GenerationMismatchError) as err:
        v9.FileSessionStore(tmp_path / "a").save(old)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    message = str(err.value)
    assert "3.0.0" in message and "9.1.3" in message and "from_json(session.to_json())" in message
    new = v9.SessionData.from_json(old.to_json())  # the conversion the message names
    v9.FileSessionStore(tmp_path / "a").save(new)
    with pytest.raises(a3s.GenerationMismatchError, match="drops every field 9.x added"):
        v3.FileSessionStore(tmp_path / "b").save(new)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def test_a_3_0_0_store_on_todays_layout_says_so(tmp_path: Path) -> None:
    v9.FileSessionStore(tmp_path).save(v9.SessionData.from_json(json.dumps(_doc())))
    with pytest.warns(a3s.GenerationWarning, match=r"1 session in today's layout"):
        store = v3.FileSessionStore(tmp_path)
    assert store.list() == []
    assert a3s.FileSessionStore(tmp_path).list() == [_doc()["id"]]


def test_a_snapshot_file_saved_elsewhere_keeps_its_envelope(tmp_path: Path) -> None:
    src = a3s.FileSessionStore(tmp_path / "src")
    snap = v9.SessionSnapshotV1.session_only(v9.SessionData.from_json(json.dumps(_doc())))
    snap.retained_artifact_uris = ["artifact://a", "artifact://b"]
    src.save_snapshot(snap)
    sid = snap.session.id
    session = a3s.load_session(tmp_path / "src" / "v1" / "sessions" / a3s.files.v1_file_name(sid))
    session.config.name = "copied"
    a3s.FileSessionStore(tmp_path / "dst").save(session)
    copied = a3s.FileSessionStore(tmp_path / "dst").load_snapshot(sid)
    assert copied is not None and list(copied.retained_artifact_uris) == [
        "artifact://a",
        "artifact://b",
    ]
    assert copied.session.config.name == "copied"


# ---------------------------------------------------------------------------------------------
# 5. One type across generations
# ---------------------------------------------------------------------------------------------
def test_abc_covers_both_generations() -> None:
    for gen in (v3, v9):
        s = gen.SessionData.from_json(
            (CORPUS_DIR / "SessionData" / "full_every_field.json").read_bytes(), unknown="ignore"
        )
        assert isinstance(s, abc.SessionData) and isinstance(s.config, abc.SessionConfig)
        kinds = {type(b).__name__ for m in s.messages for b in m.content}
        assert kinds
        for m in s.messages:
            assert isinstance(m, abc.Message)
            for b in m.content:
                assert isinstance(
                    b, (abc.TextBlock, abc.ImageBlock, abc.ToolUseBlock, abc.ToolResultBlock)
                )
        assert isinstance(gen.TextBlock(text="x"), abc.TextBlock)
        assert not isinstance(gen.TextBlock(text="x"), abc.ToolUseBlock)
    assert not isinstance("text", abc.SessionData)


def test_typed_usage_example_runs_on_both_generations() -> None:
    from typed_usage import describe_block  # examples/typed_usage.py

    for gen in (v3, v9):
        assert describe_block(gen.TextBlock(text="hello")).startswith("text")


# ---------------------------------------------------------------------------------------------
# 6. Safe write-back
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gen", [v3, v9], ids=["v3", "v9"])
def test_a_stale_save_is_refused(tmp_path: Path, gen: Any) -> None:
    store = gen.FileSessionStore(tmp_path)
    first = gen.SessionData.from_json(json.dumps(_doc_in(tmp_path)))
    store.save(first)
    sid = first.id
    stale = store.load(sid)
    agent = store.load(sid)  # another writer: saves a newer turn
    agent.messages.extend(_exchange("newer"))
    gen.FileSessionStore(tmp_path).save(agent)
    stale.config.name = "stale edit"
    with pytest.raises(a3s.ConflictError) as err:
        store.save(stale)
    assert err.value.session_id == sid and isinstance(err.value, a3s.WriteRefusedError)
    assert len(store.load(sid).messages) == len(agent.messages)  # the newer turn is there
    store.save(stale, force=True)  # the caller's call
    assert store.load(sid).config.name == "stale edit"
    again = store.load(sid)
    again.config.name = "x"
    store.save(again)
    again.config.name = "y"
    store.save(again)  # its own earlier save is not a conflict


def test_session_directory_refuses_a_stale_save(tmp_path: Path) -> None:
    d = a3s.SessionDirectory(tmp_path / "sessions")
    s = v9.SessionData.from_json(json.dumps(_doc_in(tmp_path)))
    d.save(s)
    stale = d.load(s.id)
    newer = d.load(s.id)
    newer.messages.extend(_exchange("agent turn"))
    d.save(newer)
    with pytest.raises(a3s.ConflictError):
        d.save(stale)
    assert len(d.load(s.id).messages) == 2


def test_saving_a_legacy_9x_file_leaves_no_stale_copy(tmp_path: Path) -> None:
    doc = _doc(tenant_id="t")
    legacy = tmp_path / f"{doc['id']}.json"
    legacy.write_text(json.dumps(doc, indent=2))
    d = a3s.SessionDirectory(tmp_path)
    s = d.load(doc["id"])
    assert isinstance(s, v9.SessionData)
    s.config.name = "edited"
    written = d.save(s)
    assert written == d.v1_path(doc["id"]) and not legacy.exists()
    assert d.load(doc["id"]).config.name == "edited"


def _load(store: v9.FileSessionStore, sid: str) -> v9.SessionData:
    found = store.load(sid)
    assert found is not None
    return found


def test_edit_retries_and_refuses(tmp_path: Path) -> None:
    store = a3s.FileSessionStore(tmp_path / "store")
    store.save(v9.SessionData.from_json(json.dumps(_doc_in(tmp_path))))
    sid = _doc()["id"]
    with store.edit(sid) as s:
        s.config.name = "one"
    assert _load(store, sid).config.name == "one"
    with pytest.raises(KeyError), store.edit("nope"):
        pass
    # An exception in the block commits nothing.
    with pytest.raises(RuntimeError), store.edit(sid) as s:
        s.config.name = "never"
        raise RuntimeError
    assert _load(store, sid).config.name == "one"
    with pytest.raises(a3s.ConflictError), store.edit(sid) as s:
        store.update(sid, lambda other: setattr(other.config, "name", "meanwhile"))
        s.config.name = "loser"
    tries = 0
    for attempt in store.edit(sid, retries=3):
        with attempt as s:
            tries += 1
            if tries == 1:  # someone else commits during the first try
                store.update(sid, lambda other: setattr(other.config, "name", "first"))
            s.messages.extend(_exchange("mine"))
    final = _load(store, sid)
    assert tries == 2 and final.config.name == "first" and len(final.messages) == 2


_EDITOR = """
import sys
import a3s_session as a3s
from a3s_session import v3, v9

gen = v9 if sys.argv[1] == "v9" else v3
store = gen.FileSessionStore(sys.argv[2])


def exchange(text):
    return [{"role": role, "content": [{"type": "text", "text": text + suffix}]}
            for role, suffix in (("user", ""), ("assistant", " reply"))]


who, n = sys.argv[3], int(sys.argv[4])
reported = 0
for i in range(n):
    if sys.argv[5] == "cas" and gen is v9:
        # The raw compare-and-swap loop: load, digest, change, swap; retry when refused.
        while True:
            snap = store.load_snapshot("shared")
            digest = snap.content_digest()
            snap.session.messages.extend(exchange(f"{who}-{i}"))
            if store.save_snapshot_cas(snap, digest):
                break
    else:
        store.update("shared", lambda s: s.messages.extend(exchange(f"{who}-{i}")), retries=1000)
    reported += 1
print(reported)
"""


@pytest.mark.parametrize(
    ("gen", "mode", "procs"),
    [("v9", "cas", 2), ("v9", "cas", 3), ("v9", "edit", 3), ("v3", "edit", 2)],
)
def test_compare_and_swap_holds_across_processes(
    tmp_path: Path, gen: str, mode: str, procs: int
) -> None:
    module: Any = v9 if gen == "v9" else v3
    start = _doc_in(tmp_path)
    start["id"] = "shared"
    store_dir = tmp_path / "store"
    module.FileSessionStore(store_dir).save(module.SessionData.from_json(json.dumps(start)))
    n = 30
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _EDITOR, gen, str(store_dir), f"p{k}", str(n), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(procs)
    ]
    reported = 0
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        reported += int(out)
    final = module.FileSessionStore(store_dir).load("shared")
    texts = [m.content[0].text for m in final.messages]
    assert reported == procs * n
    every = [f"p{k}-{i}{r}" for k in range(procs) for i in range(n) for r in ("", " reply")]
    assert sorted(texts) == sorted(every)
    if gen == "v9":  # and every edit reached the agent's fact log, in the record's order
        log = [text for _, text in FactLog.of(final).turns()]
        assert log == texts


# ---------------------------------------------------------------------------------------------
# 7. Async lifecycle
# ---------------------------------------------------------------------------------------------
def test_readme_asyncio_example_is_deterministic(tmp_path: Path) -> None:
    import asyncio

    from asyncio_store import main  # examples/asyncio_store.py

    for run in range(50):
        d = tmp_path / f"run{run}"
        d.mkdir()
        listed = asyncio.run(main(str(d)))
        assert listed == [f"agent-{i}" for i in range(9)]
        shutil.rmtree(d)  # nothing is still being written


def test_drain_waits_for_a_cancelled_save(tmp_path: Path) -> None:
    import asyncio

    async def go() -> int:
        async with await a3s.FileSessionStore.open_async(tmp_path) as store:
            s = v9.SessionData.from_json(json.dumps(_doc()))
            s.messages.extend(
                {"role": "user", "content": [{"type": "text", "text": "x" * 1000}]}
                for _ in range(2000)
            )
            fut = store.save_async(s, force=True)  # its workspace is not here: the record alone
            fut.cancel()
            await store.drain()
            assert store.exists(s.id)
            return len(store._in_flight)

    assert asyncio.run(go()) == 0


def test_a_check_that_cannot_list_the_fields_still_reads_and_says_so() -> None:
    """The crate skips an unknown value without serde_json's depth limit; listing the field
    would need a parse that has it. The read succeeds, and the warning says why it could not
    list what the crate ignores."""
    text = json.dumps(_doc())
    deep = "{" + '"x": ' + "[" * 5000 + "]" * 5000 + ", " + text[1:]
    for gen in (v3, v9):
        with pytest.warns(a3s.UnknownFieldsWarning, match="could not list") as caught:
            s = gen.SessionData.from_json(deep)
        assert s.id == _doc()["id"] and caught.list[0].message.fields == []  # type: ignore[union-attr]
        with pytest.raises(a3s.UnknownFieldsError, match="recursion limit"):
            gen.SessionData.from_json(deep, unknown="error")


@pytest.mark.parametrize("gen", [v3, v9], ids=["v3", "v9"])
def test_edit_async_and_update_async(tmp_path: Path, gen: Any) -> None:
    import asyncio

    async def go() -> Any:
        store = await gen.FileSessionStore.open_async(tmp_path / "store")
        await store.save_async(gen.SessionData.from_json(json.dumps(_doc_in(tmp_path))))
        sid = _doc()["id"]

        async def rename(s: Any) -> None:
            s.config.name = "async"

        await store.update_async(sid, rename)
        async with store.edit_async(sid) as s:
            s.messages.extend(_exchange("a"))
        async for attempt in store.edit_async(sid, retries=2):
            async with attempt as s:
                s.config.name = s.config.name + "+again"
        await store.aclose()
        with pytest.raises(RuntimeError, match="closed"):
            store.save_async(s)
        return store.load(sid)

    final = asyncio.run(go())
    assert final.config.name == "async+again" and len(final.messages) == 2
