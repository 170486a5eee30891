"""Hand-back rules without the agent: what a 9.1.3 save carries into the session's fact log,
what it refuses, and what the log reader and ``inspect`` report. (The real agent's side of
the same story is ``test_handback_agent.py``.)"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from a3s_session import DurableSourceError, HandBackError, WriteRefusedError, v3, v9
from a3s_session.cli import main as cli_main
from a3s_session.factlog import FactLog, hand_back, log_status


def message(role: str, text: str) -> v9.Message:
    return v9.Message(role=role, content=[{"type": "text", "text": text}])


def new_session(workspace: Path | str, sid: str = "s-1", turns: int = 2) -> v9.SessionData:
    s = v9.SessionData(id=sid, config=v9.SessionConfig(workspace=str(workspace)))
    for i in range(turns):
        s.messages.append(message("user", f"q{i}"))
        s.messages.append(message("assistant", f"a{i}"))
    return s


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


def test_a_new_conversation_is_imported_by_the_crate(workspace: Path, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    s = new_session(workspace)
    log = FactLog.of(s)
    assert not log.exists() and log.facts() == [] and log.compare(s) == "no-log"
    store.save(s)
    # The crate's placement: a dated session folder with its session.json.
    assert log.path.parent.parent.parent.name == "sessions"
    assert (log.path.parent / "session.json").is_file()
    assert log.turns() == [("user", "q0"), ("assistant", "a0"), ("user", "q1"), ("assistant", "a1")]
    assert [f.kind for f in log.facts()].count("user.message") == 2
    assert log.compare(s) == "agrees"
    assert all(f.seq == i + 1 for i, f in enumerate(log.facts()))


def test_appended_turns_run_as_the_crates_own_turns(workspace: Path, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    store.save(new_session(workspace))
    before = FactLog(workspace, "s-1").facts()
    s = store.load("s-1")
    assert s is not None
    s.messages.append(message("user", "q2"))
    s.messages.append(message("assistant", "a2"))
    store.save(s)
    facts = FactLog(workspace, "s-1").facts()
    assert facts[: len(before)] == before  # append-only
    new = facts[len(before) :]
    assert [f.kind for f in new if f.kind in ("user.message", "model.turn")] == [
        "user.message",
        "model.turn",
    ]
    assert FactLog(workspace, "s-1").compare(s) == "agrees"
    # Saving again without a change writes nothing more.
    store.save(s)
    assert FactLog(workspace, "s-1").facts() == facts


def test_unchanged_conversations_save_anywhere(tmp_path: Path) -> None:
    """Only a changed conversation needs the log: config edits, empty sessions and
    conversations already stored save without a workspace."""
    store = v9.FileSessionStore(tmp_path / "store")
    store.save(new_session("/nonexistent/ws", turns=0))
    store.save(new_session("/nonexistent/ws"), force=True)
    s = store.load("s-1")
    assert s is not None
    s.config.name = "renamed"
    store.save(s)


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda s: s.messages.__setitem__(0, message("user", "other")), "message 0 was edited"),
        (lambda s: s.messages.pop(), "message 3 was edited or deleted"),
        (lambda s: s.messages.append(message("user", "dangling")), "not user/assistant pairs"),
        (
            lambda s: s.messages.append(
                v9.Message(
                    role="assistant",
                    content=[{"type": "tool_use", "id": "t1", "name": "read", "input": {}}],
                )
            ),
            "ToolUseBlock content",
        ),
        (lambda s: s.messages.append(message("system", "x")), "role 'system'"),
        (lambda s: s.messages.append(message("assistant", "")), "has no text"),
    ],
)
def test_what_the_log_cannot_carry_is_refused(
    workspace: Path, tmp_path: Path, edit: object, reason: str
) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    store.save(new_session(workspace))
    facts = FactLog(workspace, "s-1").facts()
    s = store.load("s-1")
    assert s is not None
    edit(s)  # type: ignore[operator]
    with pytest.raises(HandBackError, match=reason) as err:
        store.save(s)
    assert isinstance(err.value, WriteRefusedError) and err.value.session_id == "s-1"
    assert "force=True" in str(err.value) and err.value.reason in str(err.value)
    assert FactLog(workspace, "s-1").facts() == facts  # nothing written
    store.save(s, force=True)  # the record alone
    assert store.load("s-1") == s
    assert FactLog(workspace, "s-1").facts() == facts


def test_no_reachable_workspace_is_refused(tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    with pytest.raises(HandBackError, match=r"no workspace reachable \(config.workspace = /nope"):
        store.save(new_session("/nope"))
    with pytest.raises(HandBackError, match=r"config.workspace = \(empty\)"):
        store.save(new_session(""))
    assert store.list() == []


def test_every_save_method_carries_and_refuses(workspace: Path, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    store.save_snapshot(v9.SessionSnapshotV1.session_only(new_session(workspace, "a")))
    assert FactLog(workspace, "a").compare(new_session(workspace, "a")) == "agrees"

    async def go() -> None:
        await store.save_async(new_session(workspace, "b"))
        await store.save_snapshot_async(
            v9.SessionSnapshotV1.session_only(new_session(workspace, "c"))
        )
        with pytest.raises(HandBackError):
            await store.save_async(new_session("/nope", "d"))
        snap = await store.load_snapshot_async("c")
        assert snap is not None
        digest = snap.content_digest()
        snap.session.messages.extend([message("user", "q9"), message("assistant", "a9")])
        assert await store.save_snapshot_cas_async(snap, digest)

    asyncio.run(go())
    assert FactLog(workspace, "b").turns()[-1] == ("assistant", "a1")
    assert FactLog(workspace, "c").turns()[-2:] == [("user", "q9"), ("assistant", "a9")]
    assert not store.exists("d")

    with store.edit("a") as s:
        s.messages.extend([message("user", "q5"), message("assistant", "a5")])
    assert FactLog(workspace, "a").turns()[-1] == ("assistant", "a5")
    store.update(
        "a", lambda s: s.messages.extend([message("user", "q6"), message("assistant", "a6")])
    )
    assert FactLog(workspace, "a").turns()[-1] == ("assistant", "a6")


def test_a_failing_compare_and_swap_leaves_the_log_alone(workspace: Path, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    store.save(new_session(workspace))
    snap = store.load_snapshot("s-1")
    assert snap is not None
    facts = FactLog(workspace, "s-1").facts()
    snap.session.messages.extend([message("user", "q9"), message("assistant", "a9")])
    assert not store.save_snapshot_cas(snap, "sha256:" + "0" * 64)
    assert FactLog(workspace, "s-1").facts() == facts


def test_a_log_that_is_ahead_is_not_overwritten(workspace: Path, tmp_path: Path) -> None:
    """A record written elsewhere (not stored here) whose log went on: refused."""
    store = v9.FileSessionStore(tmp_path / "store")
    store.save(new_session(workspace, turns=2))
    other = v9.FileSessionStore(tmp_path / "other")
    with pytest.raises(HandBackError, match="disagree"):
        other.save(new_session(workspace, turns=1))
    # ... while a copy that agrees with the log saves, and extends it.
    copy = new_session(workspace, turns=3)
    other.save(copy)
    assert FactLog(workspace, "s-1").turns()[-1] == ("assistant", "a2")


def test_a_damaged_log_is_reported_as_the_crate_reports_it(workspace: Path, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    s = new_session(workspace)
    store.save(s)
    log = FactLog.of(s)
    log.path.write_text(log.path.read_text() + "{not json\n")
    with pytest.raises(ValueError, match="durable session source"):
        log.facts()
    status = log_status(s)
    assert status is not None and "durable session source" in status["error"]
    s.messages.extend([message("user", "q9"), message("assistant", "a9")])
    with pytest.raises(HandBackError, match="the crate cannot read its fact log"):
        store.save(s)


def test_durable_source_tampering(workspace: Path, tmp_path: Path) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    s = new_session(workspace)
    store.save(s)
    log = FactLog.of(s)
    log.verify(s)  # no binding: nothing to check
    doc = json.loads(s.to_json())
    doc["durable_source"] = {
        "sequence": 2,
        "identity": {
            "schema": "a3s.code.execution-identity.v1",
            "domain": "a3s.code.session-fact-source.v1",
            "digest": "sha256:" + "0" * 64,
        },
    }
    bound = v9.SessionData.from_json(json.dumps(doc))
    with pytest.raises(DurableSourceError, match="differs from the saved binding"):
        log.verify(bound)
    doc["durable_source"]["sequence"] = 999
    with pytest.raises(DurableSourceError, match="fact source is missing"):
        log.verify(v9.SessionData.from_json(json.dumps(doc)))
    status = log_status(bound)
    assert status is not None and "differs" in status["durable_source"]


def test_inspect_reports_the_log(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = v9.FileSessionStore(tmp_path / "store")
    s = new_session(workspace)
    store.save(s)
    path = next((tmp_path / "store").rglob("*.json"))
    assert cli_main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "fact log" in out and "messages agree with it" in out
    assert cli_main(["inspect", "--json", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["fact_log"]["agreement"] == "agrees" and info["fact_log"]["facts"] >= 4

    s.messages.extend([message("user", "forced"), message("assistant", "x")])
    store.save(s, force=True)
    assert cli_main(["inspect", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["fact_log"]["agreement"] == "messages-ahead"


def test_the_3_0_0_generation_keeps_messages_itself(tmp_path: Path) -> None:
    """3.0.0 resumes from `messages`: its store never looks for a log."""
    s = v3.SessionData.from_json(new_session("/nope").to_json(), unknown="ignore")
    v3.FileSessionStore(tmp_path / "store").save(s)
    assert log_status(s) is None


def test_hand_back_directly(workspace: Path) -> None:
    s = new_session(workspace)
    assert hand_back(s, None).action == "seeded"
    assert hand_back(s, list(s.messages)).action == "none"
    before = list(s.messages)
    s.messages.extend([message("user", "q2"), message("assistant", "a2")])
    done = hand_back(s, before)
    assert (done.action, done.turns) == ("appended", 1) and done.facts_written >= 2


def test_a_log_the_agent_holds_open_is_refused_not_raced(workspace: Path, tmp_path: Path) -> None:
    """A live A3S Code session holds its log's writer lock (the crate's flock): a hand-back
    then refuses, saying so, instead of racing the agent's sequence numbers."""
    import fcntl

    store = v9.FileSessionStore(tmp_path / "store")
    store.save(new_session(workspace))
    log = FactLog(workspace, "s-1")
    facts = log.facts()
    s = store.load("s-1")
    assert s is not None
    s.messages.extend([message("user", "q9"), message("assistant", "a9")])
    with open(log.dir / "writer.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # what the agent's FileLog holds while it runs
        with pytest.raises(HandBackError, match="busy in another instance.*has this session open"):
            store.save(s)
        status = log_status(s)
        assert status is not None and "has this session open" in status["error"]
    assert log.facts() == facts and store.load("s-1") != s
    store.save(s)  # once the agent has let go
    assert log.turns()[-1] == ("assistant", "a9")
