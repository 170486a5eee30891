"""Render a session for people and for other systems.

``render(session, "html")`` and friends: every format reads the same `Transcript`, built
once with every string redacted when redaction is on (the default for every format meant
for sharing). Formats:

- ``text``: a terminal transcript (rich); ``md``: Markdown; ``html``: one self-contained page;
- ``json``: the session's own JSON, written by its crate;
- ``openai-jsonl``: OpenAI chat fine-tuning JSONL (one line per session);
- ``atif``: Agent Trajectory Interchange Format v1.8;
- ``otlp-json``: OpenTelemetry GenAI spans as OTLP/JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..redaction import Redactor, summary_of
from ..transcript import Transcript

__all__ = ["FORMATS", "SHAREABLE", "Rendered", "render"]

FORMATS = ("text", "md", "html", "json", "openai-jsonl", "atif", "otlp-json")
# Formats meant to leave the machine: redacted unless asked not to.
SHAREABLE = frozenset({"md", "html", "openai-jsonl", "atif", "otlp-json"})


@dataclass(frozen=True)
class Rendered:
    """A rendered session: ``text``, and what redaction took out (kind -> count)."""

    text: str
    format: str
    redacted: bool
    redactions: Mapping[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text

    def summary(self) -> str:
        """One line for the end of an export: what was redacted, never the secrets."""
        return summary_of(self.redactions) if self.redacted else "not redacted"


def render(
    session: Any,
    format: str = "md",
    *,
    redact: bool | None = None,
    redact_paths: bool = False,
    full: bool = False,
    width: int = 80,
    color: bool = False,
) -> Rendered:
    """Render a `SessionData` of either generation.

    ``redact`` defaults to on for the shareable formats (md, html, openai-jsonl, atif,
    otlp-json) and off for ``text`` and ``json``; ``redact_paths`` also turns home
    directories into ``~``. ``full``, ``width`` and ``color`` are for ``text``."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    on = format in SHAREABLE if redact is None else redact
    redactor = Redactor(paths=redact_paths) if (on or redact_paths) else None
    if format == "json":
        text = _session_json(session, redactor)
    else:
        t = Transcript.of(session, redact=redactor)
        text = _render_transcript(t, format, full=full, width=width, color=color)
    counts = dict(redactor.counts) if redactor else {}
    return Rendered(text, format, redactor is not None, counts)


def _render_transcript(t: Transcript, format: str, *, full: bool, width: int, color: bool) -> str:
    if format == "text":
        from .terminal import to_terminal

        return to_terminal(t, width=width, color=color, full=full)
    if format == "md":
        from .markdown import to_markdown

        return to_markdown(t)
    if format == "html":
        from .html import to_html

        return to_html(t)
    if format == "openai-jsonl":
        from .openai import to_openai_jsonl

        return to_openai_jsonl(t)
    if format == "atif":
        from .atif import to_atif_json

        return to_atif_json(t)
    from .otlp import to_otlp_json

    return to_otlp_json(t)


def _session_json(session: Any, redactor: Redactor | None) -> str:
    """The crate's own pretty JSON; redacted by passing every string through the redactor
    and reading the result back with the same crate (so it is still the crate's format)."""
    if redactor is None:
        text: str = session.to_json(pretty=True)
        return text + "\n"
    from ..redaction import redact_json

    cleaned = redact_json(session.to_dict(), redactor)
    again = type(session).from_dict(cleaned, unknown="ignore")
    out: str = again.to_json(pretty=True)
    return out + "\n"
