"""compare: strict on type, shape and dtype, NaN equal to NaN, -0.0 equal to 0.0."""

from __future__ import annotations

import numpy as np
import pytest

from relu_course.grading.judge import compare


def test_equal_arrays_pass_and_nan_equals_nan():
    x = np.array([0.0, np.nan, -1.5], np.float32)
    assert compare(x, x.copy()).ok
    assert compare(np.array([0.0]), np.array([-0.0])).ok


@pytest.mark.parametrize(
    ("got", "reason"),
    [
        ([0.0, 1.0], "expected a NumPy array, got list"),
        (np.zeros(3), "wrong shape"),
        (np.zeros(2, np.float64), "wrong dtype, expected float32, got float64"),
        (np.array([0.0, 2.0], np.float32), "wrong values at 1 of 2 positions"),
        (np.array(["a", "b"]), "wrong dtype"),
    ],
)
def test_wrong_answers_say_what_is_wrong(got, reason):
    verdict = compare(np.array([0.0, 1.0], np.float32), got, what="relu(x)")
    assert not verdict.ok
    assert verdict.reason.startswith("relu(x): ")
    assert reason in verdict.reason


def test_a_lost_nan_is_named_and_the_detail_shows_values():
    verdict = compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert "1 NaN inputs did not stay NaN" in verdict.reason
    assert verdict.detail == "at index (0,): expected nan, got 0.0"
    # The reason is shown for hidden cases: it must not contain the values.
    assert "nan" not in verdict.reason.replace("NaN", "")


def test_tolerances_and_float16():
    assert compare(np.array([1.0]), np.array([1.0 + 1e-9])).ok
    assert not compare(np.array([1.0]), np.array([1.001])).ok
    half = np.array([1.0], np.float16)
    assert compare(half, np.array([1.0005], np.float16)).ok
    assert not compare(np.array([1.0]), np.array([1.0 + 1e-12]), rtol=0.0, atol=0.0).ok


def test_tuples_numbers_and_bools():
    assert compare((np.eye(2), np.zeros(2)), [np.eye(2), np.zeros(2)]).ok
    verdict = compare((np.eye(2), np.zeros(2)), (np.eye(2),), what="f")
    assert verdict.reason == "f: expected a tuple of 2 values, got tuple"
    verdict = compare((np.eye(2), np.zeros(2)), (np.eye(2), np.ones(2)), what="f")
    assert verdict.reason.startswith("f[1]: wrong values")
    assert compare(0.5, np.float64(0.5)).ok
    assert compare(3, 3).ok
    assert not compare(3, "3").ok
    assert not compare(1.0, True).ok  # a bool is not a number answer
    assert compare(True, np.bool_(True)).ok
    assert not compare(True, 1).ok
