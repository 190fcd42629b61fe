"""The generated FlatBuffers code of schemas/sito.fbs, and the framing.

flatc writes the Python code of the `sito.wire` namespace into the build tree
(`<build>/schemas/python/sito/wire/*.py`; never committed). The generated
modules import each other as `sito.wire.X`, so that directory must be on
sys.path. In order, this module uses:

1. the directory named by $SITO_WIRE_PYTHON (put first on sys.path);
2. `sito.wire` if it is importable already (ops/setup's `sito.pth`, or the
   caller's PYTHONPATH);
3. `build/schemas/python` of the checkout this package lives in.

Framing (DESIGN §5): a 4-byte little-endian length, then a FlatBuffer whose
root is an Envelope under the file identifier "SITO".

Not part of the public API.
"""

from __future__ import annotations

import importlib
import os
import struct
import sys
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence

FILE_IDENTIFIER = b"SITO"
PROTOCOL_VERSION = 1
_PREFIX = struct.Struct("<I")


def _candidate_dirs() -> List[Path]:
    dirs = []
    env = os.environ.get("SITO_WIRE_PYTHON")
    if env:
        dirs.append(Path(env))
    repo = Path(__file__).resolve().parents[3]  # server/python/sito_client/_wire.py
    dirs.append(repo / "build" / "schemas" / "python")
    return dirs


def _has_wire(d: Path) -> bool:
    return (d / "sito" / "wire" / "Envelope.py").is_file()


def _import_from(d: Path) -> Any:
    if str(d) not in sys.path:
        sys.path.insert(0, str(d))
    for name in [m for m in sys.modules if m == "sito" or m.startswith("sito.")]:
        del sys.modules[name]  # an import from elsewhere (or a failed one) may have left it
    return importlib.import_module("sito.wire")


def _load_wire() -> Any:
    env = os.environ.get("SITO_WIRE_PYTHON")
    if env and _has_wire(Path(env)):
        return _import_from(Path(env))
    try:
        return importlib.import_module("sito.wire")
    except ImportError:
        pass
    for d in _candidate_dirs():
        if _has_wire(d):
            return _import_from(d)
    raise ImportError(
        "sito_client needs the FlatBuffers code generated from schemas/sito.fbs "
        "(<build>/schemas/python, written by the build). Put that directory on "
        "PYTHONPATH, set SITO_WIRE_PYTHON to it, or run ops/setup as root "
        "(it writes sito.pth). Looked in: " + ", ".join(str(d) for d in _candidate_dirs()))


_wire_pkg = _load_wire()

try:
    import flatbuffers  # noqa: E402  (Debian: python3-flatbuffers)
except ImportError as e:  # pragma: no cover
    raise ImportError("sito_client needs the flatbuffers runtime (Debian package python3-flatbuffers)") from e


def _module(name: str) -> Any:
    return importlib.import_module("sito.wire." + name)


class _Namespace:
    """`W.Hello` is the generated module sito.wire.Hello (class and builder
    functions); modules are imported on first use."""

    def __getattr__(self, name: str) -> Any:
        mod = _module(name)
        setattr(self, name, mod)
        return mod


W = _Namespace()

# Enum value tables (the generated classes hold the constants).
MESSAGE = _module("Message").Message
ERROR_CODE = _module("ErrorCode").ErrorCode
ROLE = _module("Role").Role
START_FROM = _module("StartFrom").StartFrom
SENTIMENT = _module("Sentiment").Sentiment

MESSAGE_NAMES = {v: k for k, v in vars(MESSAGE).items() if not k.startswith("_")}
ERROR_CODE_NAMES = {v: k for k, v in vars(ERROR_CODE).items() if not k.startswith("_")}


# ---- building -----------------------------------------------------------


def string(b: "flatbuffers.Builder", s: Optional[str]) -> int:
    """An offset to `s`, or 0 (absent) when it is empty, as the C++ side writes."""
    return b.CreateString(s) if s else 0


def vector_of_offsets(b: "flatbuffers.Builder", offsets: Sequence[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for off in reversed(offsets):
        b.PrependUOffsetTRelative(off)
    return b.EndVector()


def strings(b: "flatbuffers.Builder", values: Iterable[str], absent_when_empty: bool = True) -> int:
    values = list(values)
    if not values and absent_when_empty:
        return 0
    return vector_of_offsets(b, [b.CreateString(v) for v in values])


def envelope(request_id: int, message_type: int, build: Any, size: int = 1024) -> bytes:
    """A framed Envelope: `build(builder)` returns the message's offset."""
    b = flatbuffers.Builder(size)
    msg = build(b)
    W.Envelope.EnvelopeStart(b)
    W.Envelope.EnvelopeAddRequestId(b, request_id)
    W.Envelope.EnvelopeAddMessageType(b, message_type)
    W.Envelope.EnvelopeAddMessage(b, msg)
    env = W.Envelope.EnvelopeEnd(b)
    b.Finish(env, file_identifier=FILE_IDENTIFIER)
    out = b.Output()
    return _PREFIX.pack(len(out)) + bytes(out)


# ---- reading ------------------------------------------------------------


class FrameError(Exception):
    """A frame that is not a well-formed Envelope."""


def text(s: Optional[bytes]) -> str:
    return s.decode("utf-8", "replace") if s else ""


def texts(obj: Any, name: str) -> List[str]:
    n = getattr(obj, name + "Length")()
    get = getattr(obj, name)
    return [text(get(i)) for i in range(n)]


def tables(obj: Any, name: str) -> List[Any]:
    n = getattr(obj, name + "Length")()
    get = getattr(obj, name)
    return [get(i) for i in range(n)]


def byte_vector(table: Any, vtable_offset: int) -> bytes:
    """The bytes of a [ubyte] field (the generated accessor reads one at a time)."""
    tab = table._tab
    o = tab.Offset(vtable_offset)
    if o == 0:
        return b""
    start = tab.Vector(o)
    return bytes(tab.Bytes[start:start + tab.VectorLen(o)])


def open_envelope(buf: bytearray) -> Any:
    """The Envelope of one frame's FlatBuffer (without its length prefix).

    Python's flatbuffers runtime has no Verifier: this checks the identifier
    and the union's presence; a buffer that lies about its offsets raises
    FrameError when a field is read (callers read fields under
    `reading_frame()`)."""
    if len(buf) < 8:
        raise FrameError("frame of %d bytes is too short for a FlatBuffer" % len(buf))
    if bytes(buf[4:8]) != FILE_IDENTIFIER:
        raise FrameError("frame does not carry the file identifier \"SITO\"")
    try:
        env = W.Envelope.Envelope.GetRootAs(buf, 0)
        if env.MessageType() == MESSAGE.NONE or env.Message() is None:
            raise FrameError("envelope carries no message")
    except (IndexError, struct.error) as e:
        raise FrameError("frame is not a valid Envelope: %s" % e) from e
    return env


def message_as(env: Any, module_name: str) -> Any:
    """The envelope's union member as the generated table class `module_name`."""
    tab = env.Message()
    cls = getattr(_module(module_name), module_name)
    obj = cls()
    obj.Init(tab.Bytes, tab.Pos)
    return obj


PREFIX_BYTES = _PREFIX.size


def frame_length(prefix: bytes) -> int:
    return _PREFIX.unpack(prefix)[0]
