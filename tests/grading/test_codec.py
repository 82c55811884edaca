"""The format of values across the sandbox boundary: round trips, and untrusted input refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relu_course.grading.codec import CodecError, Unsupported, decode, encode, read, write


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
    [{"array": "a9"}, {"x": 1, "y": 2}, [1, 2], {"float": "1e999"}, {"bool": 1}, {"list": 3}],
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
