"""One type per record across generations: "any SessionData", "any TextBlock".

Each class here is a runtime-checkable Protocol of what both generations' classes have in
common, and both generations' classes are registered with it, so::

    from a3s_session import abc

    def describe(block: abc.ContentBlock) -> str:
        if isinstance(block, abc.TextBlock):
            return block.text
        ...

accepts a block of ``a3s_session.v3`` or ``a3s_session.v9`` alike, for type checkers
(structurally: a v3 or v9 class has every member listed) and at run time (registered).
Only reading is described; writing goes through each generation's own class, whose setters
know its crate's types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias, Union, runtime_checkable

from . import v3, v9


@runtime_checkable
class TokenUsage(Protocol):
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def total_tokens(self) -> int: ...
    @property
    def cache_read_tokens(self) -> int | None: ...
    @property
    def cache_write_tokens(self) -> int | None: ...


@runtime_checkable
class ImageSource(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def media_type(self) -> str: ...
    @property
    def data(self) -> str: ...


@runtime_checkable
class TextBlock(Protocol):
    @property
    def text(self) -> str: ...


@runtime_checkable
class ImageBlock(Protocol):
    @property
    def source(self) -> ImageSource: ...


@runtime_checkable
class ToolUseBlock(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def input(self) -> Any: ...


@runtime_checkable
class ToolResultBlock(Protocol):
    @property
    def tool_use_id(self) -> str: ...
    @property
    def content(self) -> str | Sequence[TextBlock | ImageBlock]: ...
    @property
    def is_error(self) -> bool | None: ...


ContentBlock: TypeAlias = Union[TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock]  # noqa: UP007 (a runtime alias on 3.10)
"""Any content block of either generation."""


@runtime_checkable
class Message(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def content(self) -> Sequence[ContentBlock]: ...
    @property
    def reasoning_content(self) -> str | None: ...


@runtime_checkable
class SessionConfig(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def workspace(self) -> str: ...
    @property
    def system_prompt(self) -> str | None: ...
    @property
    def max_context_length(self) -> int: ...


@runtime_checkable
class SessionData(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def config(self) -> SessionConfig: ...
    @property
    def state(self) -> str: ...
    @property
    def messages(self) -> Sequence[Message]: ...
    @property
    def total_usage(self) -> TokenUsage: ...
    @property
    def total_cost(self) -> float: ...
    @property
    def model_name(self) -> str | None: ...
    @property
    def created_at(self) -> int: ...
    @property
    def updated_at(self) -> int: ...
    @property
    def parent_id(self) -> str | None: ...
    def to_json(self, *, pretty: bool = False) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...


# Both generations' classes are members, checked by the registry (not by attribute probing).
for _name in (
    "TokenUsage",
    "ImageSource",
    "TextBlock",
    "ImageBlock",
    "ToolUseBlock",
    "ToolResultBlock",
    "Message",
    "SessionConfig",
    "SessionData",
):
    _protocol = globals()[_name]
    for _generation in (v3, v9):
        _protocol.register(getattr(_generation, _name))

__all__ = [
    "ContentBlock",
    "ImageBlock",
    "ImageSource",
    "Message",
    "SessionConfig",
    "SessionData",
    "TextBlock",
    "TokenUsage",
    "ToolResultBlock",
    "ToolUseBlock",
]
