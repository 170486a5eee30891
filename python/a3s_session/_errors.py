"""The package's exception for documents the crate rejects, shared by every generation."""

from __future__ import annotations


class SessionFormatError(ValueError):
    """A document (or value) that the a3s-code-core crate rejects.

    Attributes: ``msg`` (serde's message), ``line`` and ``column`` (1-based, None when the
    input was not JSON text), ``path`` (the field path, e.g. ``messages[3].content[0].type``).
    """

    __module__ = "a3s_session"

    msg: str = ""
    line: int | None = None
    column: int | None = None
    path: str = ""


class UnknownFieldsWarning(UserWarning):
    """A document had fields its crate ignores: the value read does not hold them, so writing
    it back would drop them. ``fields`` lists their paths (``config.extra``,
    ``messages[2].content[0].cache_control``); decided by the crate itself.

    Pass ``unknown="error"`` to raise :class:`UnknownFieldsError` instead, or
    ``unknown="ignore"`` to read without looking."""

    __module__ = "a3s_session"

    def __init__(self, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.fields: list[str] = list(fields or [])


class WriteRefusedError(ValueError):
    """Writing this session would lose or shadow data; pass ``force=True`` to write anyway.

    A ``ValueError`` but deliberately *not* a :class:`SessionFormatError`: the document is
    valid, it is the write that is refused."""

    __module__ = "a3s_session"

    def __init__(self, message: str, *, session_id: str) -> None:
        super().__init__(message)
        self.session_id = session_id


class UnknownFieldsError(WriteRefusedError):
    """Fields the crate ignores, refused: raised by a read with ``unknown="error"``, and by a
    save of a session whose stored copy has such fields (the save would drop them)."""

    __module__ = "a3s_session"

    def __init__(
        self,
        message: str,
        fields: list[str],
        *,
        session_id: str = "",
        source: object = None,
    ) -> None:
        super().__init__(message, session_id=session_id)
        self.fields: list[str] = list(fields)
        self.source = source


class ConflictError(WriteRefusedError):
    """The file changed since this session was read from it (another writer saved a newer
    version): saving would replace that version. Re-read and apply the change again (see
    ``FileSessionStore.edit``), or pass ``force=True`` to overwrite it."""

    __module__ = "a3s_session"

    def __init__(self, message: str, *, session_id: str, path: object = None) -> None:
        super().__init__(message, session_id=session_id)
        self.path = path


class HandBackError(WriteRefusedError):
    """A 9.1.3 session's conversation changed in Python in a way its durable fact log cannot
    carry, so A3S Code 9.1.3 (which rebuilds ``messages`` from that log on resume) would
    replace it without a word. ``reason`` says why; ``log`` is the log's path (None when the
    workspace has none). ``force=True`` saves the record anyway, knowing the agent rebuilds
    ``messages`` from its log."""

    __module__ = "a3s_session"

    def __init__(self, reason: str, *, session_id: str, log: object = None) -> None:
        where = f" ({log})" if log is not None else ""
        super().__init__(
            f"session {session_id!r}: {reason}. A3S Code 9.1.3 resumes a session from its "
            f"durable fact log{where}, not from `messages`, so this conversation would not "
            "reach the agent. Save with force=True to write the record anyway (the agent "
            "rebuilds `messages` from its log), or change the conversation the way the log "
            "can carry it: append user/assistant text turns to what was loaded",
            session_id=session_id,
        )
        self.reason = reason
        self.log = log


class DurableSourceError(ValueError):
    """A session's ``durable_source`` binding does not hold against its fact log (the log
    was changed or lost): A3S Code refuses to resume it, with this message."""

    __module__ = "a3s_session"


class NotRegularFileError(OSError):
    """A path that is not a regular file (a FIFO, device, socket or directory) where a
    session file was expected. Refused before it is opened for reading: a FIFO would block
    forever and ``/dev/zero`` would never end."""

    __module__ = "a3s_session"


class FileTooLargeError(OSError):
    """A file over the size limit of a read (``max_bytes=``, the ``A3S_SESSION_MAX_BYTES``
    environment variable, or the default of 256 MiB, the limit a3s-code-core 9.1.3's own
    store applies to one document). Refused before it is read."""

    __module__ = "a3s_session"


class SealedStoreError(ValueError):
    """A write to an encrypted store without its key (or with another key): it would
    replace a sealed document with plaintext, or with ciphertext its key cannot open, or mix
    plaintext into a sealed store. Not overridden by ``force=True``: open the store with the
    key it was sealed with."""

    __module__ = "a3s_session"

    def __init__(self, message: str, *, session_id: str, path: object = None) -> None:
        super().__init__(message)
        self.session_id = session_id
        self.path = path


class InvalidSessionIdError(ValueError):
    """An id the store could not list back (empty, NUL, a line break) or one whose file
    belongs to a different id."""

    __module__ = "a3s_session"

    def __init__(self, message: str, *, session_id: str) -> None:
        super().__init__(message)
        self.session_id = session_id


class GenerationMismatchError(TypeError):
    """A session of one generation given to the other generation's store (or the other way
    round). The message names both and the fix."""

    __module__ = "a3s_session"


def _shown(fields: list[str]) -> str:
    return ", ".join(fields[:8]) + (f", ... ({len(fields)} in all)" if len(fields) > 8 else "")


def _report_unknown_fields(
    class_name: str, fields: list[str], policy: str, reason: str | None = None
) -> None:
    """Called by the native ``from_json`` / ``from_dict`` when the crate ignored input fields
    (or when they could not be listed: ``reason``): warn, pointing at the caller's line, or
    raise."""
    if reason is not None:
        text = (
            f"{class_name}: could not list the fields the crate ignores ({reason}); writing "
            "the document back may drop some"
        )
    else:
        what, them = ("field", "it") if len(fields) == 1 else ("fields", "them")
        text = (
            f"{class_name}: the document has {len(fields)} {what} the crate ignores (writing "
            f"it back would drop {them}): {_shown(fields)}"
        )
    if policy == "error":
        raise UnknownFieldsError(text, fields)
    import warnings

    warnings.warn(
        UnknownFieldsWarning(
            text + "; pass unknown='ignore' to read without this warning or unknown='error' "
            "to refuse",
            fields,
        ),
        stacklevel=2,
    )


class GenerationWarning(UserWarning):
    """A store or file that belongs (also) to the other generation: e.g. a 3.0.0 store opened
    on a directory that holds today's ``v1/sessions/`` files, which it cannot see."""

    __module__ = "a3s_session"
