"""Exceptions of sito_client.

Every failure is a `SitoError`. A server `Error` frame becomes the subclass
of its wire code (schemas/sito.fbs `ErrorCode`): `.code` is the code's name
("NotFound", "Unauthenticated", ...), `.message` the server's reason,
`.in_reply_to` the message type that failed and `.retry_after_ms` the wait
the server asked for (Overloaded, StorageUnavailable).

A query the server refuses (a topic upsert with a broken query, or
`validate(..., strict=True)`) raises `QueryError`, an `InvalidArgument`
with `.position` (offset, line, column of the first error), `.topic`,
`.hint` and every `.diagnostics` entry.

Failures on the client's side have codes of their own: "Unavailable"
(connecting, a lost connection: `ConnectionLostError`), "DeadlineExceeded"
(no reply in time: `SitoTimeout`) and "MalformedFrame" (a frame from the
server that does not decode).
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Sequence, Type


class Position(NamedTuple):
    """Where in a query a diagnostic points: byte offset, 1-based line and column."""

    offset: int
    line: int
    column: int


class SitoError(Exception):
    """Any sito_client failure; `.code` names the wire ErrorCode (or a client-side code)."""

    code: str = "Internal"

    def __init__(self, message: str, *, code: Optional[str] = None, in_reply_to: str = "",
                 retry_after_ms: int = 0, position: Optional[Position] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.in_reply_to = in_reply_to
        self.retry_after_ms = retry_after_ms
        self.position = position

    def __str__(self) -> str:
        where = ""
        if self.position is not None:
            where = " (line %d, column %d)" % (self.position.line, self.position.column)
        return "%s: %s%s" % (self.code, self.message, where)


class MalformedFrameError(SitoError):
    code = "MalformedFrame"


class FrameTooLargeError(SitoError):
    code = "FrameTooLarge"


class UnsupportedVersionError(SitoError):
    code = "UnsupportedVersion"


class UnauthenticatedError(SitoError):
    """No Hello yet, or the token is unknown."""

    code = "Unauthenticated"


class PermissionDeniedError(SitoError):
    """The role may not send this message (or the token grants another role)."""

    code = "PermissionDenied"


class NotFoundError(SitoError):
    """A topic or subscription that does not exist (for this tenant)."""

    code = "NotFound"


class InvalidArgumentError(SitoError):
    code = "InvalidArgument"


class QueryError(InvalidArgumentError):
    """A query the server did not accept: `.diagnostics` lists every problem,
    `.position`, `.topic` and `.hint` are those of the first error.
    `.result` is the TopicsResult or ValidateResult that carried them (an
    upsert stores the topics that compiled)."""

    def __init__(self, message: str, *, diagnostics: Sequence["object"], topic: str = "", hint: str = "",
                 position: Optional[Position] = None, result: object = None) -> None:
        super().__init__(message, position=position)
        self.diagnostics = list(diagnostics)
        self.topic = topic
        self.hint = hint
        self.result = result


class OverloadedError(SitoError):
    """A rate limit or a connection limit: send again after `.retry_after_ms`."""

    code = "Overloaded"


class InternalError(SitoError):
    code = "Internal"


class StorageUnavailableError(SitoError):
    """The server's store cannot write; nothing was acknowledged. Send again after `.retry_after_ms`."""

    code = "StorageUnavailable"


class ConnectionLostError(SitoError):
    """Cannot connect, or the connection closed."""

    code = "Unavailable"


class SitoTimeout(SitoError, TimeoutError):
    """No reply within the timeout."""

    code = "DeadlineExceeded"


_BY_CODE: Dict[str, Type[SitoError]] = {
    cls.code: cls
    for cls in (MalformedFrameError, FrameTooLargeError, UnsupportedVersionError, UnauthenticatedError,
                PermissionDeniedError, NotFoundError, InvalidArgumentError, OverloadedError, InternalError,
                StorageUnavailableError)
}


def from_wire(code: str, message: str, in_reply_to: str = "", retry_after_ms: int = 0) -> SitoError:
    """The exception for a server Error frame with wire code name `code`."""
    cls = _BY_CODE.get(code, SitoError)
    return cls(message, code=code, in_reply_to=in_reply_to, retry_after_ms=retry_after_ms)
