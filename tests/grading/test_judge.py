"""compare: strict on type, shape and dtype, NaN equal to NaN, -0.0 equal to 0.0."""

from __future__ import annotations

import numpy as np
import pytest

from relu_course.grading.judge import accuracy_at_least, compare
from relu_course.grading.questions import Question


def test_equal_arrays_pass_and_nan_equals_nan():
    x = np.array([0.0, np.nan, -1.5], np.float32)
    assert compare(x, x.copy()).ok
    assert compare(np.array([0.0]), np.array([-0.0])).ok


@pytest.mark.parametrize(
    ("got", "reason"),
    [
        ([0.0, 1.0], "expected a NumPy array, got a list of 2 values"),
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
    assert "wrong values at 1 of 2 positions (1 of them should be NaN)" in verdict.reason
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
    assert verdict.reason == "f: expected a tuple of 2 values, got a tuple of 1 value"
    verdict = compare((np.eye(2), np.zeros(2)), (np.eye(2), np.ones(2)), what="f")
    assert verdict.reason.startswith("f[1]: wrong values")
    assert compare(0.5, np.float64(0.5)).ok
    assert compare(3, 3).ok
    assert not compare(3, "3").ok
    assert not compare(1.0, True).ok  # a bool is not a number answer
    assert compare(True, np.bool_(True)).ok
    assert not compare(True, 1).ok


# --------------------------------------------------------------------------- scoring rules


def test_accuracy_at_least_accepts_from_the_threshold_on():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    accept = accuracy_at_least(0.8)
    assert accept(labels, labels).ok
    assert accept(labels, np.array([0, 1, 2, 3, 4, 5, 6, 7, 0, 0])).ok  # exactly 0.8
    assert accept(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 0]).ok  # a list of ints
    assert accept(labels, labels.astype(np.float32)).ok  # whole floats are labels too
    assert accept(np.zeros(0, np.int64), np.zeros(0, np.int64)).ok
    verdict = accept(labels, np.array([0, 1, 2, 3, 4, 5, 6, 0, 0, 0]))
    assert not verdict.ok
    assert verdict.reason == "accuracy 0.700, below the 0.800 required"


@pytest.mark.parametrize(
    ("got", "reason"),
    [
        (np.zeros(3, np.int64), "wrong shape: expected one label per example"),
        (np.zeros((4, 1), np.int64), "wrong shape"),
        (np.array([0.5, 1.0, 2.0, 3.0]), "expected whole-number class labels"),
        (np.array([np.nan, 1.0, 2.0, 3.0]), "expected whole-number class labels"),
        (np.array(["0", "1", "2", "3"]), "expected integer labels, got an array of dtype <U1"),
        ("0123", "expected a NumPy array of labels, got str"),
        ([[0], [1, 2]], "expected a NumPy array of labels, got a list of 2 values"),
    ],
)
def test_accuracy_at_least_rejects_what_are_not_labels(got, reason):
    verdict = accuracy_at_least(0.5)(np.array([0, 1, 2, 3]), got)
    assert not verdict.ok
    assert verdict.reason.startswith(reason), verdict.reason
    assert "[" not in verdict.reason  # names no label


def test_accuracy_at_least_checks_its_threshold():
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        accuracy_at_least(1.5)


def _question(**kwargs):
    return Question(id="predict", points=1, kind="function", prompt="p", reference=len, **kwargs)


def test_a_question_with_a_score_rule_uses_it_instead_of_compare():
    labels = np.array([0, 1, 2, 3])
    q = _question(score=accuracy_at_least(0.75))
    # compare would reject float64 against int64 labels and one wrong label of four.
    assert q.judge(labels, np.array([0.0, 1.0, 2.0, 0.0]), what="predict(X)").ok
    verdict = q.judge(labels, np.array([0, 0, 0, 3]), what="predict on a hidden case")
    assert verdict.reason == "predict on a hidden case: accuracy 0.500, below the 0.750 required"
    # Without a rule the same answers are compared exactly.
    assert not _question().judge(labels, np.array([0, 1, 2, 0]), what="predict(X)").ok


def test_a_score_rule_that_raises_costs_the_answer_only():
    def rule(expected, got):
        raise ZeroDivisionError("boom")

    verdict = _question(score=rule).judge(1, 2, what="predict(X)")
    assert not verdict.ok
    assert verdict.reason == "predict(X): could not be scored (ZeroDivisionError: boom)"


def test_evaluate_runs_before_the_score_rule():
    q = _question(evaluate=lambda got: np.asarray(got) % 10, score=accuracy_at_least(1.0))
    assert q.judge(np.array([1, 2]), np.array([11, 12]), what="predict(X)").ok


def test_whole_numbers_are_shown_as_whole_numbers_and_one_position_is_singular():
    verdict = compare(9, 6.0, what="count_parameters([2, 3])")
    assert not verdict.ok
    assert (verdict.reason, verdict.detail) == (
        "count_parameters([2, 3]): wrong value",
        "expected 9, got 6",
    )
    assert compare(0.5, 0.25).detail == "expected 0.5, got 0.25"
    assert (
        compare(np.array(1.0), np.array(2.0)).reason
        == "the answer: wrong values at 1 of 1 position"
    )


def test_a_special_value_at_the_first_wrong_position_is_named_by_kind_only():
    # x * (x > 0) at -inf: 0 expected, NaN returned. The reason is shown for hidden cases,
    # so it names kinds of numbers (NaN, infinities, 0, a sign), never a value.
    verdict = compare(np.array([0.0, 3.25]), np.array([np.nan, 3.25]))
    assert verdict.reason.endswith("(the first: 0 expected, NaN returned)")
    verdict = compare(np.array([-np.inf, 1.0]), np.array([-1e300, 1.0]))
    assert verdict.reason.endswith("(the first: -inf expected, a negative number returned)")
    verdict = compare(np.array([np.inf, 0.0]), np.array([-np.inf, 0.0]))
    assert verdict.reason.endswith("(the first: +inf expected, -inf returned)")
    verdict = compare(np.array([0.0]), np.array([0.5]))
    assert verdict.reason.endswith("(the first: 0 expected, a positive number returned)")
    assert "300" not in verdict.reason
    plain = compare(np.array([1.0, 2.5]), np.array([1.5, 2.5]))
    assert plain.reason == "the answer: wrong values at 1 of 2 positions"


NAN = float("nan")


@pytest.mark.parametrize(
    ("expected", "got", "kwargs", "ok"),
    [
        # Numbers: NaN only matches NaN, and both tolerances are used.
        (NAN, NAN, {}, True),
        (1.0, NAN, {}, False),
        (NAN, 1.0, {}, False),
        (1000.0, 1000.0005, {}, True),  # relative: 5e-7 of the value
        (1000.0, 1000.005, {}, False),
        (0.0, 1e-10, {}, True),  # absolute, where nothing is relative to 0
        (0.0, 1e-8, {}, False),
        (3, 4, {}, False),
        (3, np.int64(3), {}, True),
        # Bools: only a bool, and only the right one.
        (True, np.True_, {}, True),
        (True, False, {}, False),
        (True, 1, {}, False),
        # Tuples: the type, then each item with the same tolerances and dtype rule.
        ((1.0, 2.0), 3.0, {}, False),
        ((np.array([1.0]),), (np.array([1.0005]),), {"rtol": 1e-3}, True),
        ((np.array([1.0]),), (np.array([1.0005]),), {}, False),
        ((np.array([0.0]),), (np.array([1e-4]),), {"atol": 1e-3}, True),
        ((np.zeros(2, np.float32),), (np.zeros(2),), {"exact_dtype": False}, True),
        ((np.zeros(2, np.float32),), (np.zeros(2),), {}, False),
        # Arrays of something other than numbers, even when any dtype is accepted.
        (np.zeros(2), np.array(["a", "b"]), {"exact_dtype": False}, False),
        (np.zeros(2), np.array([False, False]), {"exact_dtype": False}, True),
    ],
)
def test_every_kind_of_answer_passes_or_fails_as_it_should(expected, got, kwargs, ok):
    verdict = compare(expected, got, **kwargs)
    assert verdict.ok is ok, verdict
    assert bool(verdict.reason) is not ok  # a failure always says why


def test_a_value_of_another_type_names_both_types():
    assert compare((1.0, 2.0), 3.0).reason == "the answer: expected a tuple of 2 values, got float"
    verdict = compare(np.zeros(2), np.array(["a", "b"]), exact_dtype=False)
    assert verdict.reason == "the answer: expected numbers, got an array of dtype <U1"
    with pytest.raises(TypeError, match="cannot judge an expected answer of type str"):
        compare("relu", "relu")
