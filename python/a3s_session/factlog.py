"""A 9.1.3 session's durable fact log, and handing a Python-edited conversation back to
today's A3S Code through it.

A3S Code 9.1.3 does not resume a session from ``SessionData.messages``: it rebuilds the
conversation from an append-only fact log in the session's workspace
(``<workspace>/.a3s/sessions/<day>/<id>/<id>.jsonl``, or the legacy
``<workspace>/.a3s/effect-log/<id>.jsonl``) and re-derives ``messages`` from it when it saves.
So a conversation edited in Python reaches the agent only if it reaches that log.

* :class:`FactLog` finds a session's log where the crate finds it, reads its facts with the
  crate's own log reader, checks ``durable_source`` against it, and tells whether
  ``messages`` and the log agree (:meth:`FactLog.compare`).
* :func:`hand_back` carries the change a save makes into the log with the crate's functions:
  a conversation the log does not have yet through the crate's history import
  (``FactRun::seed_history``), appended user/assistant turns through the crate's own turn
  (``FactRun::user_text``, its model answering what Python wrote). Anything else (an earlier
  turn edited or deleted, tool turns, a trailing prompt with no reply) is refused with
  :class:`~a3s_session.HandBackError`. ``a3s_session.v9.FileSessionStore`` calls it on every
  save; ``force=True`` skips it.

Agreement is judged on the conversation's text turns (user prompts and assistant text
replies), the part a Python edit adds; tool calls and results are not compared.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from a3s_session_v9 import _native as _v9

from ._errors import DurableSourceError, HandBackError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .v9 import Message, SessionData

#: What :meth:`FactLog.compare` reports.
Agreement = Literal["agrees", "no-log", "messages-ahead", "log-ahead", "differs"]

# Fact kinds that carry conversation (the rest are metadata: policy, standing context, ...).
_USER_KINDS = ("user.message", "question.answered")
_CONVERSATION_KINDS = (*_USER_KINDS, "model.turn", "tool.result", "compaction.done")


@dataclass(frozen=True)
class Fact:
    """One immutable fact of the log, as the crate's ``a3s_effect::Fact`` serializes it."""

    seq: int
    kind: str
    key: str
    cause: str | None
    payload: Any

    @property
    def text(self) -> str | None:
        """The conversation text it carries: a prompt, or a model's text reply."""
        if not isinstance(self.payload, dict):
            return None
        if self.kind in _USER_KINDS or (
            self.kind == "model.turn" and self.payload.get("kind") == "text"
        ):
            text = self.payload.get("text")
            return text if isinstance(text, str) else None
        return None


Turn = tuple[Literal["user", "assistant"], str]


def _turns_of_facts(facts: Sequence[Fact]) -> tuple[list[Turn], bool]:
    """The text turns the log holds after its last compaction, and whether it compacted."""
    start = max((i + 1 for i, f in enumerate(facts) if f.kind == "compaction.done"), default=0)
    turns: list[Turn] = []
    for fact in facts[start:]:
        text = fact.text
        if text is not None:
            turns.append(("user" if fact.kind in _USER_KINDS else "assistant", text))
    return turns, start > 0


def _text_of(message: Message) -> str | None:
    """A message's text when it is text only (no tool calls, results or images)."""
    parts = []
    for block in message.content:
        if not isinstance(block, _v9.TextBlock):
            return None
        parts.append(block.text)
    return "".join(parts)


def _turns_of_messages(messages: Sequence[Message]) -> list[Turn]:
    turns: list[Turn] = []
    for message in messages:
        text = _text_of(message)
        if text is not None and message.role in ("user", "assistant") and text:
            turns.append((message.role, text))  # type: ignore[arg-type]
    return turns


class FactLog:
    """The durable fact log of one 9.1.3 session in one workspace (it may not exist yet)."""

    __slots__ = ("session_id", "workspace")

    def __init__(self, workspace: str | os.PathLike[str], session_id: str) -> None:
        self.workspace: Path = Path(workspace)
        self.session_id: str = session_id

    @property
    def dir(self) -> Path:
        """The directory the crate opens the log in, decided now: the session's dated folder
        once it has one, else the legacy ``effect-log/``."""
        return Path(_v9.fact_log_location(self.workspace, self.session_id)[0])

    @property
    def thread(self) -> str:
        """The log's thread (its file stem): the session id, hex-encoded when unsafe."""
        return str(_v9.fact_log_location(self.workspace, self.session_id)[1])

    @classmethod
    def of(
        cls, session: SessionData, *, workspace: str | os.PathLike[str] | None = None
    ) -> FactLog:
        """The log of ``session``: in ``workspace``, by default the session's own
        ``config.workspace`` (where the agent keeps it)."""
        return cls(workspace if workspace is not None else session.config.workspace, session.id)

    def __repr__(self) -> str:
        return f"FactLog({str(self.path)!r})"

    @property
    def path(self) -> Path:
        """The log file (``<thread>.jsonl`` in :attr:`dir`)."""
        directory, thread = _v9.fact_log_location(self.workspace, self.session_id)
        return Path(directory) / f"{thread}.jsonl"

    def exists(self) -> bool:
        return self.path.is_file()

    def facts(self) -> list[Fact]:
        """Every fact, read by the crate's log reader (which rejects a damaged log with
        ``ValueError``); empty when there is no log."""
        text = _v9.read_fact_log(self.workspace, self.session_id)
        if text is None:
            return []
        return [
            Fact(f["seq"], f["type"], f["key"], f.get("cause"), f.get("payload"))
            for f in json.loads(text)
        ]

    def turns(self) -> list[Turn]:
        """The conversation's text turns the agent resumes from (after the last compaction):
        ``("user", prompt)`` and ``("assistant", reply)``."""
        return _turns_of_facts(self.facts())[0]

    def verify(self, session: SessionData) -> None:
        """Raise :class:`~a3s_session.DurableSourceError` when ``session.durable_source`` does
        not hold against this log (the agent would refuse to resume it)."""
        problem = _v9.check_durable_source(session.to_json(), self.workspace)
        if problem is not None:
            raise DurableSourceError(f"session {session.id!r}: {problem}")

    def compare(self, session: SessionData) -> Agreement:
        """Whether ``session.messages`` and the log hold the same text turns: ``agrees``;
        ``messages-ahead`` (turns the agent will not see, e.g. added in Python and saved
        with force); ``log-ahead`` (the agent went on after this record was written);
        ``differs``; or ``no-log``."""
        if not self.exists():
            return "no-log"
        return _agreement(_turns_of_facts(self.facts()), _turns_of_messages(session.messages))


def _agreement(log: tuple[list[Turn], bool], messages: list[Turn]) -> Agreement:
    turns, compacted = log
    if compacted:
        # The log's live turns follow a summary: they are the tail of what `messages` shows.
        ends = [
            n
            for n in range(len(messages), -1, -1)
            if messages[:n][len(messages[:n]) - len(turns) :] == turns
        ]
        if ends and ends[0] == len(messages):
            return "agrees"
        return "messages-ahead" if ends else "differs"
    if turns == messages:
        return "agrees"
    if messages[: len(turns)] == turns:
        return "messages-ahead"
    if turns[: len(messages)] == messages:
        return "log-ahead"
    return "differs"


@dataclass(frozen=True)
class HandBackResult:
    """What :func:`hand_back` did: ``action`` is ``none`` (the conversation did not change),
    ``seeded`` (the crate imported the whole conversation into a log that had none) or
    ``appended`` (``turns`` user/assistant turns, run through the crate's own turn)."""

    action: Literal["none", "seeded", "appended"]
    turns: int
    facts_written: int
    log: Path | None


def _unsupported(messages: Sequence[Message], offset: int) -> str | None:
    """Why these messages cannot be user/assistant text turns (None when they can)."""
    for i, message in enumerate(messages):
        if message.role not in ("user", "assistant"):
            return f"message {offset + i} has role {message.role!r} (only user and assistant turns can be carried)"
        if _text_of(message) is None:
            kinds = sorted({type(b).__name__ for b in message.content} - {"TextBlock"})
            return (
                f"message {offset + i} ({message.role}) has {', '.join(kinds)} content "
                "(only text turns can be carried; tool turns are the agent's own)"
            )
        if not _text_of(message):
            return f"message {offset + i} ({message.role}) has no text"
    return None


def _same(a: Message, b: Message) -> bool:
    return a is b or a == b  # the crate's own equality, in Rust


def hand_back(
    session: SessionData,
    before: Sequence[Message] | None,
    *,
    workspace: str | os.PathLike[str] | None = None,
) -> HandBackResult:
    """Carry the conversation change from ``before`` (the messages stored now; None for a
    session not stored yet) to ``session.messages`` into the session's fact log, or raise
    :class:`~a3s_session.HandBackError` saying why it cannot be carried. Nothing is written
    unless all of it can be.

    Carried: a whole text conversation into a log that has none (the crate's history
    import), and user/assistant text turns appended after what the log has (the crate's own
    turn, once per pair). Refused: earlier messages edited or deleted (the log is
    append-only), appended tool calls/results/images/other roles, a trailing prompt with no
    reply, a log that disagrees with the stored messages, no reachable workspace."""
    after = list(session.messages)
    if before is None and not after:
        return HandBackResult("none", 0, 0, None)
    previous = None if before is None else list(before)
    if previous is not None and len(previous) == len(after) and all(map(_same, previous, after)):
        return HandBackResult("none", 0, 0, None)

    def refuse(reason: str, log: object = None) -> HandBackError:
        return HandBackError(reason, session_id=session.id, log=log)

    root = Path(workspace) if workspace is not None else Path(session.config.workspace or "")
    if not str(session.config.workspace or workspace or "") or not root.is_dir():
        shown = str(root) if str(workspace or session.config.workspace or "") else "(empty)"
        raise refuse(f"no workspace reachable (config.workspace = {shown} is not a directory here)")
    log = FactLog.of(session, workspace=root)
    try:
        facts = log.facts()
    except ValueError as exc:
        raise refuse(
            f"the crate cannot read its fact log: {_explained(str(exc))}", log.path
        ) from None
    problem = _v9.check_durable_source(session.to_json(), root)
    if problem is not None:
        raise refuse(problem, log.path)
    in_log = _turns_of_facts(facts)
    after_turns = _turns_of_messages(after)
    has_conversation = any(f.kind in _CONVERSATION_KINDS for f in facts)
    carried = has_conversation and _agreement(in_log, after_turns) == "agrees"
    if carried and previous is None:
        return HandBackResult("none", 0, 0, log.path)  # the log already carries it

    if not has_conversation:
        why = _unsupported(after, 0)
        if why is not None:
            raise refuse(why, log.path)
        done = _carry(root, session.id, seed=after)
        if not done.seeded:
            raise refuse("the crate did not import the conversation into the log", log.path)
        return HandBackResult("seeded", len(after_turns), done.after - done.before, log.path)

    if previous is not None:
        if len(after) < len(previous) or not all(map(_same, previous, after[: len(previous)])):
            changed = next(
                (
                    i
                    for i, (a, b) in enumerate(zip(previous, after, strict=False))
                    if not _same(a, b)
                ),
                min(len(previous), len(after)),
            )
            raise refuse(
                f"message {changed} was edited or deleted, and the log is append-only "
                "(only turns appended after the stored ones can be carried)",
                log.path,
            )
        base = len(previous)
    else:
        # Not stored here yet: the new turns are what follows the last one the log has.
        found = next(
            (
                k
                for k in range(len(after) + 1)
                if _agreement(in_log, _turns_of_messages(after[:k])) == "agrees"
            ),
            None,
        )
        if found is None:
            raise refuse(
                "its messages and the log disagree: the log is not a prefix of them",
                log.path,
            )
        base = found
    tail = after[base:]
    why = _unsupported(tail, base)
    if why is not None:
        raise refuse(why, log.path)
    if carried:
        return HandBackResult("none", 0, 0, log.path)  # e.g. a save retried after its log step
    agreement = _agreement(in_log, _turns_of_messages(after[:base]))
    if agreement != "agrees":
        raise refuse(
            f"the stored messages and the log disagree ({agreement}): load the session "
            "again and append to what the agent has",
            log.path,
        )
    roles = [m.role for m in tail]
    if len(tail) % 2 or roles != ["user", "assistant"] * (len(tail) // 2):
        raise refuse(
            "the appended messages are not user/assistant pairs (a prompt with no reply is "
            "the agent's to answer: send it to the agent instead)",
            log.path,
        )
    pairs = [[_text_of(tail[i]), _text_of(tail[i + 1])] for i in range(0, len(tail), 2)]
    done = _carry(root, session.id, turns=pairs)
    expected = [t for pair in pairs for t in zip(("user", "assistant"), pair, strict=True)]
    if _turns_of_facts(log.facts())[0][-len(expected) :] != expected:
        raise refuse("the crate recorded the turns differently from what was written", log.path)
    return HandBackResult("appended", len(pairs), done.after - done.before, log.path)


def _explained(crate_message: str) -> str:
    """The crate's message, and what it means here when that is not obvious."""
    if "busy in another instance" in crate_message:
        return crate_message + (
            " (A3S Code has this session open: give the turn to the live agent, or save "
            "after it has closed the session)"
        )
    return crate_message


def _carry(workspace: Path, session_id: str, **what: Any) -> Any:
    """The crate's hand-back; its refusal as a :class:`~a3s_session.HandBackError`."""
    try:
        return _carry_unchecked(workspace, session_id, **what)
    except ValueError as exc:
        text = _explained(str(exc))
        log = FactLog(workspace, session_id).path
        raise HandBackError(
            f"the crate could not write the log: {text}", session_id=session_id, log=log
        ) from None


def _carry_unchecked(workspace: Path, session_id: str, **what: Any) -> Any:
    encoded = {
        k: json.dumps(v if k == "turns" else [json.loads(m.to_json()) for m in v])
        for k, v in what.items()
    }
    return _v9.hand_back(workspace, session_id, **encoded)


def log_status(session: object) -> dict[str, Any] | None:
    """What ``inspect`` reports about a 9.1.3 session's fact log (None for a 3.0.0
    session, which has none): where it is, how many facts, whether ``messages`` agrees,
    whether ``durable_source`` holds."""
    from .v9 import SessionData  # v9 imports this module

    if not isinstance(session, SessionData):
        return None
    workspace = session.config.workspace
    if not workspace or not Path(workspace).is_dir():
        return {"workspace": workspace, "reachable": False}
    log = FactLog.of(session)
    status: dict[str, Any] = {"workspace": workspace, "reachable": True, "path": str(log.path)}
    if not log.exists():
        status.update(exists=False, agreement="no-log")
        return status
    try:
        facts = log.facts()
    except ValueError as exc:
        status.update(exists=True, error=_explained(str(exc)))
        return status
    source = _v9.check_durable_source(session.to_json(), Path(workspace))
    status.update(
        exists=True,
        facts=len(facts),
        agreement=_agreement(_turns_of_facts(facts), _turns_of_messages(session.messages)),
        durable_source=(
            "none" if session.durable_source is None else ("holds" if source is None else source)
        ),
    )
    return status


__all__ = ["Agreement", "Fact", "FactLog", "HandBackResult", "Turn", "hand_back", "log_status"]
