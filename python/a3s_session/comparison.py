"""Two runs side by side: :func:`compare` aligns their turns and says where they part.

Messages are compared on what the run did, not on what differs every run: role, text, tool
calls (name and input) and tool results (text and error flag). Tool-call ids are random per
run and reasoning is not compared. Both sessions may be of either generation.

After the shared prefix, the rest of both runs is aligned (``difflib``'s longest matching
blocks) so a run that took a detour and came back shows as the detour, not as everything
after it being different.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .files import read_session_file
from .transcript import Entry, ToolCallPart, ToolResultPart, Transcript

__all__ = ["Divergence", "FileTouch", "RunSummary", "SessionDiff", "ToolStep", "compare"]

# Tool-input keys that name a file (A3S Code's builtin read/write/edit/patch use `file_path`;
# `path` is left out: grep, glob and ls take a directory there), and tools that change the
# file they name (`write`, `edit`, `patch`, and others by name).
_PATH_KEYS = ("file_path", "filePath", "notebook_path", "filename", "file")
_WRITING = ("write", "edit", "patch")


@dataclass(frozen=True)
class RunSummary:
    """One side of a comparison."""

    label: str
    session_id: str
    title: str
    generation: str
    model: str | None
    messages: int
    tool_calls: int
    tool_errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost_usd: float
    duration_s: int

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Divergence:
    """The first message where the runs differ (1-based), and what each run has there
    (``None``: the run had ended)."""

    index: int
    a: str | None
    b: str | None
    reason: str
    """``role``, ``text``, ``tool calls``, ``tool results``, or ``ended``."""

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ToolStep:
    """One step of the aligned tool-call sequences: ``=`` in both, ``-`` only in A, ``+``
    only in B."""

    op: str
    call: str

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "call": self.call}


@dataclass(frozen=True)
class FileTouch:
    path: str
    a: str | None
    """``read`` or ``wrote`` (wrote wins) in A; None: not touched."""
    b: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SessionDiff:
    """What :func:`compare` found."""

    a: RunSummary
    b: RunSummary
    shared_prefix: int
    """Messages identical from the start."""
    divergence: Divergence | None
    """None: the runs are the same, message for message."""
    matched_after: int
    """Messages after the divergence that still line up in both runs."""
    only_a: int
    only_b: int
    tool_steps: tuple[ToolStep, ...]
    files: tuple[FileTouch, ...]
    errors_a: tuple[str, ...]
    """Each failed tool call of A: ``#message tool: first line of the result``."""
    errors_b: tuple[str, ...]

    @property
    def identical(self) -> bool:
        return self.divergence is None

    def as_json(self) -> dict[str, Any]:
        return {
            "a": self.a.as_json(),
            "b": self.b.as_json(),
            "identical": self.identical,
            "shared_prefix": self.shared_prefix,
            "divergence": None if self.divergence is None else self.divergence.as_json(),
            "matched_after_divergence": self.matched_after,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "tool_calls": [s.as_json() for s in self.tool_steps],
            "files": [f.as_json() for f in self.files],
            "errors_a": list(self.errors_a),
            "errors_b": list(self.errors_b),
        }


def _short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _call_text(call: ToolCallPart, width: int = 60) -> str:
    value = call.input
    if isinstance(value, dict):
        for key in (*_PATH_KEYS, "path", "command", "pattern", "query", "url"):
            if isinstance(value.get(key), str):
                return _short(f"{call.name} {value[key]}", width)
    return _short(f"{call.name} {json.dumps(value, ensure_ascii=False, sort_keys=True)}", width)


def _fingerprint(e: Entry) -> tuple[Any, ...]:
    calls = tuple(
        (c.name, json.dumps(c.input, sort_keys=True, ensure_ascii=False)) for c in e.tool_calls
    )
    results = tuple((r.is_error, r.text) for r in e.tool_results)
    return (e.role, e.text.strip(), calls, results)


def _describe(e: Entry | None) -> str | None:
    if e is None:
        return None
    bits = []
    if e.text.strip():
        bits.append(f'"{_short(e.text, 50)}"')
    bits += [f"calls {_call_text(c, 50)}" for c in e.tool_calls]
    for r in e.tool_results:
        head = r.text.strip().splitlines()[0] if r.text.strip() else ""
        bits.append(f"{'error' if r.is_error else 'result'} of {r.name or '?'}: {_short(head, 40)}")
    return f"{e.role}: " + ("; ".join(bits) if bits else "(empty)")


def _reason(a: Entry | None, b: Entry | None) -> str:
    if a is None or b is None:
        return "ended"
    if a.role != b.role:
        return "role"
    if a.text.strip() != b.text.strip():
        return "text"
    if _fingerprint(a)[2] != _fingerprint(b)[2]:
        return "tool calls"
    return "tool results"


def _summary(label: str, t: Transcript, messages: int) -> RunSummary:
    return RunSummary(
        label=label,
        session_id=t.id,
        title=t.title,
        generation=t.generation,
        model=t.model,
        messages=messages,
        tool_calls=sum(t.tools_used.values()),
        tool_errors=t.tool_errors,
        prompt_tokens=t.prompt_tokens,
        completion_tokens=t.completion_tokens,
        total_tokens=t.total_tokens,
        cost_usd=t.cost_usd,
        duration_s=t.duration_s,
    )


def _files(entries: Sequence[Entry]) -> dict[str, str]:
    touched: dict[str, str] = {}
    for e in entries:
        for c in e.tool_calls:
            if not isinstance(c.input, dict):
                continue
            for key in _PATH_KEYS:
                path = c.input.get(key)
                if isinstance(path, str) and path:
                    wrote = any(w in c.name.lower() for w in _WRITING)
                    if wrote or touched.get(path) != "wrote":
                        touched[path] = "wrote" if wrote else "read"
                    break
    return touched


def _errors(entries: Sequence[Entry]) -> tuple[str, ...]:
    out = []
    for e in entries:
        for r in e.tool_results:
            if isinstance(r, ToolResultPart) and r.is_error:
                head = r.text.strip().splitlines()[0] if r.text.strip() else "(no output)"
                out.append(f"#{e.index} {r.name or '?'}: {_short(head, 60)}")
    return tuple(out)


def _load(side: Any) -> tuple[str, Any]:
    if isinstance(side, (str, os.PathLike)):
        return os.fspath(side), read_session_file(side).session
    return getattr(side, "id", "session"), side


def compare(a: Any, b: Any, *, labels: tuple[str, str] | None = None) -> SessionDiff:
    """Compare two runs: each a `SessionData` (either generation) or the path of a session
    file. ``labels`` name them in the result (default: the paths, or the session ids)."""
    label_a, session_a = _load(a)
    label_b, session_b = _load(b)
    if labels is not None:
        label_a, label_b = labels
    ta, tb = Transcript.of(session_a), Transcript.of(session_b)
    ea, eb = ta.entries, tb.entries
    fa, fb = [_fingerprint(e) for e in ea], [_fingerprint(e) for e in eb]
    prefix = 0
    while prefix < min(len(fa), len(fb)) and fa[prefix] == fb[prefix]:
        prefix += 1
    divergence = None
    matched = 0
    if prefix < max(len(fa), len(fb)):
        at_a = ea[prefix] if prefix < len(ea) else None
        at_b = eb[prefix] if prefix < len(eb) else None
        divergence = Divergence(
            index=prefix + 1, a=_describe(at_a), b=_describe(at_b), reason=_reason(at_a, at_b)
        )
        rest = difflib.SequenceMatcher(None, fa[prefix:], fb[prefix:], autojunk=False)
        matched = sum(block.size for block in rest.get_matching_blocks())
    calls_a = [_call_text(c) for e in ea for c in e.tool_calls]
    calls_b = [_call_text(c) for e in eb for c in e.tool_calls]
    steps: list[ToolStep] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, calls_a, calls_b, autojunk=False
    ).get_opcodes():
        if op == "equal":
            steps += [ToolStep("=", c) for c in calls_a[i1:i2]]
            continue
        steps += [ToolStep("-", c) for c in calls_a[i1:i2]]
        steps += [ToolStep("+", c) for c in calls_b[j1:j2]]
    files_a, files_b = _files(ea), _files(eb)
    files = tuple(
        FileTouch(path, files_a.get(path), files_b.get(path))
        for path in sorted(set(files_a) | set(files_b))
    )
    return SessionDiff(
        a=_summary(label_a, ta, len(ea)),
        b=_summary(label_b, tb, len(eb)),
        shared_prefix=prefix,
        divergence=divergence,
        matched_after=matched,
        only_a=len(ea) - prefix - matched,
        only_b=len(eb) - prefix - matched,
        tool_steps=tuple(steps),
        files=files,
        errors_a=_errors(ea),
        errors_b=_errors(eb),
    )
