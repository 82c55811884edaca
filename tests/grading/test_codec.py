"""The format of values across the sandbox boundary: round trips, and untrusted input refused."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest

from relu_course.grading.codec import (
    MAX_DEPTH,
    CodecError,
    Unsupported,
    decode,
    encode,
    read,
    write,
)


def roundtrip(value, tmp_path):
    arrays: dict = {}
    write(tmp_path / "v.json", encode(value, arrays), arrays)
    return decode(*read(tmp_path / "v.json"))


def test_values_survive_the_trip(tmp_path):
    value = (
        np.arange(6, dtype=np.float16).reshape(2, 3),
        [1, 2.5, float("nan"), float("-inf"), True, None, "s"],
        np.float32(0.5),
        np.array(-0.0),
    )
    back = roundtrip(value, tmp_path)
    assert isinstance(back, tuple)
    assert back[0].dtype == np.float16
    assert np.array_equal(back[0], value[0])
    assert back[1][:2] == [1, 2.5]
    assert math.isnan(back[1][2])
    assert back[1][3:] == [float("-inf"), True, None, "s"]
    assert isinstance(back[2], np.float32)
    assert np.signbit(back[3])


def test_what_cannot_cross_becomes_unsupported(tmp_path):
    class Sneaky(np.ndarray):
        pass

    back = roundtrip([object(), np.array([object()]), lambda: 1], tmp_path)
    assert back[0] == Unsupported("builtins.object")
    assert back[1] == Unsupported("array of dtype object")
    assert isinstance(back[2], Unsupported)
    sub = np.zeros(2).view(Sneaky)
    assert type(roundtrip(sub, tmp_path)) is np.ndarray  # subclasses arrive as plain arrays


@pytest.mark.parametrize(
    "data",
    [
        {"array": "a9"},
        {"array": []},  # unhashable: found by the Hypothesis test of forged answer files
        {"scalar": {}},
        {"x": 1, "y": 2},
        [1, 2],
        {"float": "1e999"},
        {"bool": 1},
        {"list": 3},
    ],
)
def test_malformed_descriptions_are_refused(data):
    with pytest.raises(CodecError):
        decode(data, {})


def test_pickled_arrays_and_missing_files_are_refused(tmp_path):
    np.savez(tmp_path / "v.npz", a0=np.array([{"evil": 1}], dtype=object))
    (tmp_path / "v.json").write_text('{"array": "a0"}')
    with pytest.raises(CodecError, match="unreadable"):
        read(tmp_path / "v.json")
    with pytest.raises(CodecError, match="missing"):
        read(tmp_path / "w.json")


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def forged(tmp_path, member: bytes, compression: int = zipfile.ZIP_STORED) -> Path:
    """An answer whose one array, a0, is the bytes ``member`` (a .npy file) in an .npz."""
    with zipfile.ZipFile(tmp_path / "v.npz", "w", compression=compression) as archive:
        archive.writestr("a0.npy", member)
    (tmp_path / "v.json").write_text('{"array": "a0"}')
    return tmp_path / "v.json"


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    # 256 MiB of zeros that deflate to about 256 KiB: np.load would unpack them all.
    path = forged(tmp_path, npy_header((2**25,)) + bytes(2**28), zipfile.ZIP_DEFLATED)
    assert (tmp_path / "v.npz").stat().st_size < 2**20
    with pytest.raises(CodecError, match="compressed"):
        read(path)


def test_an_array_header_that_claims_more_than_its_data_is_refused(tmp_path):
    # np.load would allocate the 745 GiB the header claims before finding 64 bytes.
    path = forged(tmp_path, npy_header((10**11,)) + bytes(64))
    with pytest.raises(CodecError, match="declares"):
        read(path)
    with pytest.raises(CodecError, match="declares"):
        read(forged(tmp_path, npy_header((3, 5)) + bytes(8 * 15 - 1)))
    assert read(forged(tmp_path, npy_header((3, 5)) + bytes(8 * 15)))[1]["a0"].shape == (3, 5)


def test_other_members_and_object_arrays_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "v.npz", "w") as archive:
        archive.writestr("notes.txt", b"hello")
    (tmp_path / "v.json").write_text("{}")
    with pytest.raises(CodecError, match=r"notes\.txt"):
        read(tmp_path / "v.json")
    with pytest.raises(CodecError, match="object"):
        read(forged(tmp_path, npy_header((1,), "|O") + bytes(8)))


def test_deeply_nested_answers_are_refused(tmp_path):
    np.savez(tmp_path / "v.npz")
    (tmp_path / "v.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CodecError, match="nested"):
        read(tmp_path / "v.json")
    deep: object = 0
    for _ in range(500):
        deep = {"list": [deep]}
    with pytest.raises(CodecError, match="nested"):
        decode(deep, {})
    shallow: object = 0
    for _ in range(MAX_DEPTH - 1):
        shallow = {"list": [shallow]}
    assert decode(shallow, {}) is not None
