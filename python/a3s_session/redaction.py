"""Secrets out of text meant for sharing.

Two sources of rules:

- **detect-secrets** (Yelp's maintained detector): its regex plugins for AWS access keys and
  quoted AWS secret keys, GitHub, GitLab, Slack, Stripe, JWTs, URLs with credentials, legacy
  OpenAI keys, npm, PyPI, SendGrid, Twilio, Discord, Telegram, Mailchimp, Artifactory and
  Azure storage keys. Each plugin names the secret; every occurrence of it is replaced.
- **This module**, for what those plugins lack: today's OpenAI (`sk-proj-...`) and Anthropic
  (`sk-ant-...`) keys, Google API keys, Hugging Face tokens, whole private-key blocks (the
  plugin only sees the `BEGIN` line), `Authorization` / API-key headers, and `NAME=value` or
  `"name": "value"` secrets in environment dumps and configs.

A secret becomes ``[REDACTED:kind]``; `Redactor.counts` says how many of each kind, never
what. ``paths=True`` also turns home directories (``/home/alice``, ``/Users/alice``,
``C:\\Users\\alice``, and ``$HOME``) into ``~``.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Redaction", "Redactor", "redact"]

_MARK = "[REDACTED:{}]"
# Joins texts redacted together (`Redactor.map`): every rule stops at a NUL.
_SEP_CHAR = "\x00"
_SEP = "\n\x00\n"

# detect-secrets plugins (module, class, kind). Only detectors that look for a secret's own
# shape or a URL's credential part: the keyword and entropy plugins flag ordinary code.
_PLUGINS = (
    ("aws", "AWSKeyDetector", "aws-key"),
    ("github_token", "GitHubTokenDetector", "github-token"),
    ("gitlab_token", "GitLabTokenDetector", "gitlab-token"),
    ("slack", "SlackDetector", "slack-token"),
    ("stripe", "StripeDetector", "stripe-key"),
    ("jwt", "JwtTokenDetector", "jwt"),
    ("basic_auth", "BasicAuthDetector", "url-credentials"),
    ("openai", "OpenAIDetector", "openai-api-key"),
    ("npm", "NpmDetector", "npm-token"),
    ("pypi_token", "PypiTokenDetector", "pypi-token"),
    ("sendgrid", "SendGridDetector", "sendgrid-key"),
    ("twilio", "TwilioKeyDetector", "twilio-key"),
    ("discord", "DiscordBotTokenDetector", "discord-token"),
    ("telegram_token", "TelegramBotTokenDetector", "telegram-token"),
    ("mailchimp", "MailchimpDetector", "mailchimp-key"),
    ("artifactory", "ArtifactoryDetector", "artifactory-token"),
    ("azure_storage_key", "AzureStorageKeyDetector", "azure-storage-key"),
)

# A secret's shape alone: (kind, pattern). The whole match is the secret. Each pattern starts
# with a literal, which lets `re` skip ahead quickly (a leading `\b` would not).
_SHAPES = (
    ("anthropic-api-key", r"sk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_\-]{20,}"),
    ("openai-api-key", r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}"),
    ("openai-api-key", r"sk-[A-Za-z0-9]{40,}(?![A-Za-z0-9])"),
    ("google-api-key", r"AIza[0-9A-Za-z_\-]{35}"),
    ("huggingface-token", r"hf_[A-Za-z]{34}(?![A-Za-z0-9])"),
    ("gitlab-token", r"glpat-[A-Za-z0-9_\-]{20,}"),
    ("github-token", r"github_pat_[A-Za-z0-9_]{60,}"),
    ("slack-webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    (
        "private-key",
        # A whole block; a block cut off by truncated output ends where its base64 does.
        (
            r"-----BEGIN[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[^\x00]*?-----END[A-Z ]{0,20} PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=:\-,.]|\s(?!\x00))*)"
        ),
    ),
)

# Credentials after a name. The name ends in a secret word, perhaps with suffixes
# (`AWS_SECRET_ACCESS_KEY`, `client_secret`, `"password"`); `=` is an environment dump or
# shell line, `:` a JSON/YAML/TOML config. The match starts at the secret word (a fast scan);
# the word must not continue a longer word (`tokenizer`, `MAX_TOKENS` are not names).
_SECRET_WORD = (
    r"(?:api[_\-]?key|apikey|access[_\-]?key|secret|password|passwd|pwd|token|credentials?"
    r"|private[_\-]?key)"
)
# A value that looks like a credential, not code: no spaces, brackets or quotes, ending at a
# separator, and not a placeholder (checked in `_plausible`).
_VALUE = r"[A-Za-z0-9_\-+/=.:@!#%^&*~]{8,}"
_VALUE_RE = re.compile(_VALUE)
# Matched against the lowercased text (same length, checked), which `re` scans several times
# faster than with IGNORECASE; the spans then cut the original.
_NAMED_SECRET = re.compile(
    _SECRET_WORD
    + r"(?:[_\-][A-Za-z0-9]+)*[\"']?[ \t]*([=:])[ \t]*[\"']?("
    + _VALUE
    + r")(?=$|[\s\"',;&|)}])"
)
# `Authorization: Bearer <credential>` (group 1); the API-key headers are among the
# lowercase rules below.
_AUTHORIZATION = re.compile(
    r"(?i)authorization\s*[:=]\s*\"?(?:bearer|basic|token|digest|apikey)?"
    r"\s*([A-Za-z0-9_\-+/=.~]{8,})"
)
_API_KEY_HEADER = re.compile(
    r"(?:x-api-key|x-goog-api-key|api-key|x-auth-token)\s*:\s*\"?([A-Za-z0-9_\-+/=.~]{8,})"
)

# What a detect-secrets pattern cannot match without, as a pattern that starts with a literal
# (so `re` scans for it quickly): the slow patterns run only on text that holds it.
_TRIGGERS = {
    "telegram-token": re.compile(r":[0-9A-Za-z_-]{35}"),
    "mailchimp-key": re.compile(r"-us[0-9]"),
    "artifactory-token": re.compile(r"AKC|AP[0-9A-F]"),
    "discord-token": re.compile(r"\.[a-zA-Z0-9_-]{6}\."),
    "stripe-key": re.compile(r"k_live_"),
    "slack-token": re.compile(r"xox|hooks\.slack\.com"),
    "aws-key": re.compile(r"A3T|ABIA|ACCA|AKIA|ASIA|[aA][wW][sS]"),
}

_PLACEHOLDER = re.compile(
    r"(?i)^(?:\$.*|<.*>|\{.*\}|%.*%|x{3,}.*|\*{3,}.*|\.{3,}.*|(?:your|my|example|dummy|test|fake"
    r"|sample|placeholder|changeme|redacted|none|null|true|false|undefined)(?:[_\-].*)?"
    r"|\[REDACTED:.*)$"
)

_HOME = re.compile(r"(?:/home|/Users)/[A-Za-z0-9._\-]+|[A-Za-z]:\\Users\\[A-Za-z0-9._\- ]+")


# A JSON key that names a credential (`password`, `api_key`, `AWS_SECRET_ACCESS_KEY`,
# `client-secret`): the secret word ends the key, perhaps after a prefix.
_SECRET_KEY = re.compile(r"(?i)(?:[a-z0-9]+[_\-])*" + _SECRET_WORD + r"(?:[_\-]id)?")


def _plausible(value: str) -> bool:
    """A named value that could be a credential: not a placeholder, a number or a word."""
    if _PLACEHOLDER.match(value) or value.isdigit() or len(set(value)) < 4:
        return False
    # A dotted/colon name (`os.environ`, `settings.API_KEY`, `module:attr`) is code.
    return not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(?:[.:][A-Za-z_][A-Za-z0-9_]*)+", value)


_LOADED: list[tuple[str, Any]] = []


def _detectors() -> list[tuple[str, Any]]:
    """The detect-secrets plugins, imported on first use (they import `requests`)."""
    if not _LOADED:
        import importlib

        for module, name, kind in _PLUGINS:
            plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)
            _LOADED.append((kind, plugin()))
    return _LOADED


_SHAPE_RES = tuple((kind, re.compile(p)) for kind, p in _SHAPES)


@dataclass(frozen=True)
class Redaction:
    """Redacted text and the number of secrets of each kind taken out of it."""

    text: str
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Redactor:
    """Redacts many strings, keeping one tally (for an export's summary line).

    ``redactor(text)`` returns the redacted text; ``counts`` adds up every call."""

    def __init__(self, *, paths: bool = False, home: str | None = None) -> None:
        self.paths = paths
        self.counts: Counter[str] = Counter()
        home = home if home is not None else os.path.expanduser("~")
        # `$HOME` itself, when it is not under /home or /Users (e.g. /root, /var/lib/x).
        self._home = home if paths and home not in ("", "/", "~") else None

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for kind, pattern in _SHAPE_RES:
            text = pattern.sub(self._marker(kind), text)
        text = self._apply_detectors(text)
        text = _AUTHORIZATION.sub(self._named_marker("authorization-header"), text)
        text = self._lowercase_rules(text)
        if self.paths:
            text = self._redact_paths(text)
        return text

    def named(self, key: str, value: str) -> str | None:
        """The mark for `value` when it is the value of a JSON member whose key names a
        credential (``{"password": "hunter2x"}`` in a tool's input); None otherwise."""
        if _SECRET_KEY.fullmatch(key) and _VALUE_RE.fullmatch(value) and _plausible(value):
            return self._mark("config-secret")
        return None

    def map(self, texts: Iterable[str]) -> list[str]:
        """Redact many texts in one pass over them all (a session has thousands of small
        strings; each rule scans once instead of once per string). No rule matches across
        the separator (a NUL between line breaks), so the result is the same as one call
        per text; texts holding a NUL are redacted one by one."""
        items = list(texts)
        if len(items) < 2 or any(_SEP_CHAR in t for t in items):
            return [self(t) for t in items]
        before = Counter(self.counts)
        out = self(_SEP.join(items)).split(_SEP)
        if len(out) != len(items):  # cannot happen (no rule matches a NUL); stay exact anyway
            self.counts = before
            return [self(t) for t in items]
        return out

    def summary(self) -> str:
        """One line saying what was redacted, by kind (never the secrets themselves)."""
        return summary_of(self.counts)

    def _marker(self, kind: str) -> Callable[[re.Match[str]], str]:
        def mark(_m: re.Match[str]) -> str:
            return self._mark(kind)

        return mark

    def _named_marker(self, kind: str) -> Callable[[re.Match[str]], str]:
        def mark(m: re.Match[str]) -> str:
            return self._named(m, kind)

        return mark

    def _mark(self, kind: str) -> str:
        self.counts[kind] += 1
        return _MARK.format(kind)

    def _named(self, m: re.Match[str], kind: str) -> str:
        """The match with its credential (group 1) marked, if the credential is plausible."""
        if not _plausible(m.group(1)):
            return m.group(0)
        start, end = m.span(1)
        base = m.start(0)
        whole = m.group(0)
        return whole[: start - base] + self._mark(kind) + whole[end - base :]

    def _lowercase_rules(self, text: str) -> str:
        """API-key headers and named secrets, found in the lowercased text."""
        low = text.lower()
        if len(low) != len(text):  # a character whose lowercase is longer: map nothing
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        spans: list[tuple[int, int, str]] = []
        for m in _API_KEY_HEADER.finditer(low):
            if _plausible(text[m.start(1) : m.end(1)]):
                spans.append((m.start(1), m.end(1), "api-key-header"))
        for m in _NAMED_SECRET.finditer(low):
            if m.start() and low[m.start() - 1].isalnum():
                continue  # the secret word continues a longer word (`mytoken`)
            if _plausible(text[m.start(2) : m.end(2)]):
                kind = "env-secret" if m.group(1) == "=" else "config-secret"
                spans.append((m.start(2), m.end(2), kind))
        if not spans:
            return text
        out, at = [], 0
        for start, end, kind in sorted(spans):
            if start < at:
                continue  # overlaps one already marked
            out.append(text[at:start])
            out.append(self._mark(kind))
            at = end
        out.append(text[at:])
        return "".join(out)

    def _apply_detectors(self, text: str) -> str:
        for kind, plugin in _detectors():
            trigger = _TRIGGERS.get(kind)
            if trigger is not None and not trigger.search(text):
                continue
            secrets = {s for pattern in plugin.denylist for s in _secrets_of(pattern, text)}
            # Longest first, so a secret that contains another is replaced whole.
            for secret in sorted(secrets, key=len, reverse=True):
                n = text.count(secret)
                if n:
                    self.counts[kind] += n
                    text = text.replace(secret, _MARK.format(kind))
        return text

    def _redact_paths(self, text: str) -> str:
        def home(m: re.Match[str]) -> str:
            self.counts["home-path"] += 1
            return "~"

        if self._home and self._home in text:
            text = re.sub(re.escape(self._home) + r"(?![A-Za-z0-9._\-])", home, text)
        return _HOME.sub(home, text)


def _secrets_of(pattern: re.Pattern[str], text: str) -> Iterable[str]:
    """What a detect-secrets pattern finds: its group when the group is the secret (a URL's
    password, a quoted AWS secret), else the whole match (its GitHub pattern groups only the
    `ghp` prefix)."""
    for m in pattern.finditer(text):
        group = next((g for g in m.groups() if g), None) if pattern.groups else None
        secret = group if group is not None and len(group) >= 8 else m.group(0)
        # Some patterns include the delimiter around the secret (`\sAKC...\s`).
        secret = secret.strip(" \t\r\n\"'=:")
        if len(secret) >= 8:
            yield secret


def summary_of(counts: Mapping[str, int]) -> str:
    """``redacted: 1 aws-key, 2 env-secret`` (kinds sorted), or ``redacted: nothing found``."""
    if not counts:
        return "redacted: nothing found"
    return "redacted: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))


def redact(text: str, *, paths: bool = False) -> Redaction:
    """Redact one text: ``redact(s).text``, ``redact(s).counts``."""
    r = Redactor(paths=paths)
    out = r(text)
    return Redaction(out, dict(r.counts))


class Batch:
    """Texts, and the strings of JSON values, gathered to be redacted in one pass
    (`Redactor.map`) and then put back where they were. A JSON member whose key names a
    credential (``{"password": "hunter2x"}``) is marked as it is gathered, whatever its
    value's shape; keys are never changed.

    ``redact`` may be any ``str -> str`` function (then texts go through it one by one)."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        self._redact = redact
        self._texts: list[str] = []
        self._done: list[str] = []

    def add(self, text: str) -> int:
        """Gather a text; its redacted form is `text(slot)` after `run`."""
        self._texts.append(text)
        return len(self._texts) - 1

    def add_json(self, value: Any) -> Any:
        """Gather the strings of a JSON value; its redacted form is `json(plan)`."""
        if isinstance(value, str):
            return _Slot(self.add(value))
        if isinstance(value, list):
            return [self.add_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self._member(k, v) for k, v in value.items()}
        return value

    def _member(self, key: str, value: Any) -> Any:
        named = getattr(self._redact, "named", None)
        if callable(named) and isinstance(value, str):
            mark = named(key, value)
            if mark is not None:
                return mark
        return self.add_json(value)

    def run(self) -> None:
        mapper = getattr(self._redact, "map", None)
        texts = self._texts
        self._done = mapper(texts) if callable(mapper) else [self._redact(t) for t in texts]

    def text(self, slot: int) -> str:
        return self._done[slot]

    def json(self, plan: Any) -> Any:
        if isinstance(plan, _Slot):
            return self._done[plan.index]
        if isinstance(plan, list):
            return [self.json(v) for v in plan]
        if isinstance(plan, dict):
            return {k: self.json(v) for k, v in plan.items()}
        return plan


@dataclass(frozen=True)
class _Slot:
    """Where a string of a JSON value goes back after redaction."""

    index: int


def redact_json(value: Any, redactor: Callable[[str], str]) -> Any:
    """A JSON value with every string redacted (keys kept), in one batch."""
    batch = Batch(redactor)
    plan = batch.add_json(value)
    batch.run()
    return batch.json(plan)
