"""Values across the sandbox boundary: JSON for structure, ``.npz`` for arrays, never pickle.

The grader sends the cases to the sandbox, and the sandbox sends back the answers' values, in
this format. Decoding is written for untrusted input: arrays load with ``allow_pickle=False``,
the JSON is checked node by node, and anything unexpected raises :class:`CodecError` with a
message that says what was found.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "CodecError",
    "Unsupported",
    "decode",
    "encode",
    "read",
    "read_regular_file",
    "write",
]

#: Largest JSON document or array file the grader will read back from a sandbox.
MAX_BYTES = 256 * 1024 * 1024

#: Deepest nesting of lists and tuples in a value the grader will decode.
MAX_DEPTH = 64


class CodecError(ValueError):
    """A value could not be decoded; the message says why."""


class Unsupported:
    """Stands for a value of a type the format cannot carry (the answer is then wrong).

    Attributes:
        type_name: the type of the original value, for the message.
    """

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<a value of type {self.type_name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unsupported) and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash(self.type_name)


def _float(x: float) -> Any:
    return x if math.isfinite(x) else {"float": repr(x)}


def encode(value: Any, arrays: dict[str, np.ndarray[Any, Any]]) -> Any:
    """Encode ``value`` as JSON-able data, putting arrays into ``arrays``.

    Args:
        value: arrays (not of object dtype), NumPy scalars, bools, ints, floats, strings,
            None, and lists and tuples of these; anything else becomes :class:`Unsupported`.
        arrays: receives each array under a new key.

    Returns:
        The JSON-able description of ``value``.
    """
    if isinstance(value, np.ndarray | np.generic) and not isinstance(value, np.bool_):
        array = np.array(value, copy=True, subok=False)
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            return {"unsupported": f"array of dtype {array.dtype}"}
        key = f"a{len(arrays)}"
        arrays[key] = array
        return {"scalar" if isinstance(value, np.generic) else "array": key}
    if isinstance(value, bool | np.bool_):
        return {"bool": bool(value)}
    if type(value) is int:
        return value
    if type(value) is float:
        return _float(value)
    if value is None or type(value) is str:
        return value
    if type(value) in (list, tuple):
        kind = "list" if type(value) is list else "tuple"
        return {kind: [encode(item, arrays) for item in value]}
    return {"unsupported": f"{type(value).__module__}.{type(value).__qualname__}"}


def decode(data: Any, arrays: dict[str, np.ndarray[Any, Any]]) -> Any:
    """Rebuild a value from :func:`encode`'s description and arrays.

    Raises:
        CodecError: the description is malformed, nested more than :data:`MAX_DEPTH` lists or
            tuples deep, or names a missing array.
    """
    return _decode(data, arrays, 0)


def _decode(data: Any, arrays: dict[str, np.ndarray[Any, Any]], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CodecError(f"a value nested more than {MAX_DEPTH} levels deep")
    if data is None or type(data) in (int, str):
        return data
    if type(data) is float:
        return data
    if type(data) is not dict or len(data) != 1:
        raise CodecError(f"malformed value description: {str(data)[:80]}")
    ((kind, body),) = data.items()
    if kind in ("array", "scalar"):
        if type(body) is not str or body not in arrays:  # a list or dict is not a key
            raise CodecError(f"missing array {str(body)[:40]}")
        array = arrays[body]
        return array[()] if kind == "scalar" else array
    if kind == "bool" and type(body) is bool:
        return body
    if kind == "float" and body in ("nan", "inf", "-inf"):
        return float(body)
    if kind in ("list", "tuple") and type(body) is list:
        items = [_decode(item, arrays, depth + 1) for item in body]
        return items if kind == "list" else tuple(items)
    if kind == "unsupported" and type(body) is str:
        return Unsupported(body[:200])
    raise CodecError(f"malformed value description: {str(data)[:80]}")


def write(path: Path, data: Any, arrays: dict[str, np.ndarray[Any, Any]]) -> None:
    """Write ``data`` to ``path`` (JSON) and ``arrays`` beside it (``.npz``)."""
    np.savez(path.with_suffix(".npz"), allow_pickle=False, **arrays)
    path.write_text(json.dumps(data, allow_nan=False))


def read_regular_file(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of ``path``, which must be a regular file and not a link.

    For files that others wrote (an inbox, a sandbox's answers): a link there could point at a
    secret or a device, and reading a pipe could wait forever.

    Raises:
        OSError: ``path`` is a link, a folder, a device or a pipe, or cannot be read.
    """
    if path.is_symlink() or not path.is_file():
        raise OSError(f"{path} is a link or not a regular file")
    # O_NOFOLLOW and the check of what was opened close the gap after the test above.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    with os.fdopen(os.open(path, flags), "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise OSError(f"{path} is a link or not a regular file")
        return file.read(limit)


def read(path: Path) -> tuple[Any, dict[str, np.ndarray[Any, Any]]]:
    """Read what :func:`write` wrote, refusing what could take the grader's memory or code.

    Refused: files over :data:`MAX_BYTES`; JSON nested beyond Python's recursion limit; in the
    ``.npz``, members that are not ``.npy`` arrays, compressed members (a zip bomb unpacks to
    far more than its size), array headers that declare more data than their member holds
    (NumPy would allocate it all before reading), and arrays of Python objects (pickles).

    Raises:
        CodecError: a file is missing, too large or malformed, as the message says.
    """
    contents = []
    for file in (path, path.with_suffix(".npz")):
        try:
            content = read_regular_file(file, MAX_BYTES + 1)
        except OSError as error:
            raise CodecError(f"{file.name} is missing or not a regular file ({error})") from None
        if len(content) > MAX_BYTES:
            raise CodecError(f"{file.name} is larger than {MAX_BYTES // 2**20} MB")
        contents.append(content)
    text, npz = contents
    try:
        data = json.loads(text)
    except RecursionError as error:
        raise CodecError("unreadable answers: JSON nested too deeply") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise CodecError(f"unreadable answers: {error}") from error
    try:
        arrays = _read_arrays(npz)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise CodecError(f"unreadable answers: {error}") from error
    return data, arrays


def _read_arrays(npz: bytes) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of the ``.npz`` file ``npz``, each member checked before its data is read."""
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(npz)) as archive:
        for info in archive.infolist():
            name = info.filename[:60]
            if not info.filename.endswith(".npy"):
                raise CodecError(f"{name} in the answers is not an array (.npy)")
            if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                raise CodecError(f"{name} is compressed; answers come back uncompressed")
            if info.file_size > len(npz):
                raise CodecError(f"{name} claims more bytes than the whole file holds")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise CodecError(f"{name}: .npy format {version} is not accepted")
                data_size = info.file_size - member.tell()
            if dtype.hasobject:
                raise CodecError(f"{name} holds Python objects, which are never unpickled")
            if math.prod(shape) * dtype.itemsize > data_size:
                raise CodecError(
                    f"{name}: its header declares shape {shape} of {dtype}, more than the "
                    f"{data_size} bytes of data it holds"
                )
            with archive.open(info) as member:
                arrays[info.filename[: -len(".npy")]] = np.lib.format.read_array(
                    member, allow_pickle=False
                )
    return arrays
