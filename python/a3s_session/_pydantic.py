"""pydantic v2 support: every class is usable as a model field or a FastAPI body.

The classes' ``__get_pydantic_core_schema__`` / ``__get_pydantic_json_schema__`` (defined in
Rust for every class) call :func:`core_schema` and :func:`json_schema` here. Validation and
serialization both go through the crate: a field accepts an instance, a dict of JSON builtins
(``from_dict``) or, from Python, JSON text (``from_json``), and dumps as ``to_dict()``, which
pydantic writes out with the crate's own key order and numbers. A document the crate rejects
becomes a pydantic ``ValidationError`` whose location is the crate's field path and whose
message is serde's.

pydantic is imported only when a model using these classes is built: it stays optional.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol, cast

from ._errors import SessionFormatError
from ._schema import json_schema_of

__all__ = ["core_schema", "error_location", "json_schema"]


class _Record(Protocol):
    """What every class of both generations has."""

    def to_dict(self) -> Any: ...


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def error_location(path: str) -> tuple[str | int, ...]:
    """A crate field path (``messages[3].content[0].type``) as a pydantic location
    (``('messages', 3, 'content', 0, 'type')``)."""
    return tuple(
        int(index) if index else name for name, index in _STEP.findall(path) if name or index
    )


def _rejected(cls: type, err: SessionFormatError, value: object) -> Exception:
    from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

    where = ""
    if err.line is not None:
        where = f" at line {err.line} column {err.column}"
    detail = InitErrorDetails(
        type=PydanticCustomError(
            "a3s_session_format",
            "{crate_message}",
            {
                "crate_message": f"{err.msg}{where}",
                "line": err.line,
                "column": err.column,
                "path": err.path,
            },
        ),
        loc=error_location(err.path),
        input=value,
    )
    return ValidationError.from_exception_data(cls.__name__, [detail])


def _validator(cls: type, *, text: bool) -> Callable[[Any], Any]:
    """``text``: JSON text is accepted as well as dicts (from Python only: in JSON input a
    string is a string)."""
    from_dict = cast(Callable[[Any], Any], cast(Any, cls).from_dict)
    from_json = cast(Callable[[Any], Any], cast(Any, cls).from_json)

    def validate(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        try:
            if isinstance(value, Mapping):
                return from_dict(value)
            if text and isinstance(value, (str, bytes, bytearray)):
                return from_json(value)
        except SessionFormatError as err:
            raise _rejected(cls, err, value) from None
        from pydantic_core import PydanticCustomError

        expected = "a dict or JSON text" if text else "an object"
        raise PydanticCustomError(
            "a3s_session_type",
            "Input should be a {class_name}, {expected}",
            {"class_name": cls.__name__, "expected": expected},
        )

    return validate


def _dump(value: _Record) -> Any:
    # JSON builtins in the crate's key order, numbers as the crate prints them (an f32 as its
    # shortest decimal): pydantic's writer then gives the crate's bytes for the value.
    return value.to_dict()


def core_schema(cls: type) -> Any:
    """The pydantic-core schema of one class."""
    from pydantic_core import core_schema as cs

    serializer = cs.plain_serializer_function_ser_schema(_dump, when_used="always")
    return cs.json_or_python_schema(
        json_schema=cs.no_info_plain_validator_function(_validator(cls, text=False)),
        python_schema=cs.no_info_plain_validator_function(_validator(cls, text=True)),
        serialization=serializer,
    )


def json_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema of one class (see :mod:`a3s_session._schema`), as a part of the
    model's schema (without its own ``$schema``)."""
    schema = json_schema_of(cls)
    schema.pop("$schema", None)
    return schema
