"""Judging an answer: compare what the learner's code returned with the reference's answer.

The judge runs in the grader's own process (and, for public checks, in the learner's kernel),
never inside the sandbox. It is strict about types, shapes and dtypes, lenient about the sign of
zero, and treats NaN as equal to NaN. Every verdict has a ``reason`` that is safe to show for a
hidden case (it names no input or value) and a ``detail`` that shows values, for public cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Scorer", "Verdict", "accuracy_at_least", "compare"]


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing one answer with the expected one.

    Attributes:
        ok: the answer is correct.
        reason: what is wrong, in words, naming no value (empty when correct).
        detail: the first differing value, for public cases (empty when correct).
    """

    ok: bool
    reason: str = ""
    detail: str = ""


_OK = Verdict(True)


def _type_name(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a NumPy array of dtype {value.dtype}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} value{'s' * (len(value) != 1)}"
    return f"{type(value).__module__}.{type(value).__qualname__}".removeprefix("builtins.")


def _special(x: float) -> bool:
    return bool(np.isnan(x) or np.isinf(x) or x == 0)


def _kind(x: float) -> str:
    """What kind of number ``x`` is, in words that name no value but the special ones."""
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "+inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return "a positive number" if x > 0 else "a negative number"


def _tolerance(dtype: np.dtype[Any], rtol: float, atol: float) -> tuple[float, float]:
    if dtype == np.float16:
        return max(rtol, 1e-3), max(atol, 1e-4)
    return rtol, atol


def _compare_arrays(
    expected: np.ndarray[Any, Any],
    got: object,
    what: str,
    rtol: float,
    atol: float,
    exact_dtype: bool,
) -> Verdict:
    if expected.shape == () and isinstance(got, np.generic):
        got = np.asarray(got)  # NumPy itself returns scalars for 0-d results
    if not isinstance(got, np.ndarray):
        return Verdict(False, f"{what}: expected a NumPy array, got {_type_name(got)}")
    if got.shape != expected.shape:
        return Verdict(
            False, f"{what}: wrong shape", f"expected shape {expected.shape}, got {got.shape}"
        )
    if exact_dtype and got.dtype != expected.dtype:
        return Verdict(
            False,
            f"{what}: wrong dtype, expected {expected.dtype}, got {got.dtype}",
        )
    if not np.issubdtype(got.dtype, np.number) and got.dtype != np.bool_:
        return Verdict(False, f"{what}: expected numbers, got an array of dtype {got.dtype}")
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    rtol, atol = _tolerance(expected.dtype, rtol, atol)
    nan_e, nan_g = np.isnan(e), np.isnan(g)
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True) & (nan_e == nan_g)
    if close.all():
        return _OK
    wrong = np.argwhere(~close)
    first = tuple(int(i) for i in wrong[0])
    where = f"at index {first}" if first else "for the scalar"
    nans = int((nan_e & ~nan_g).sum())
    reason = f"{what}: wrong values at {len(wrong)} of {e.size} position{'s' * (e.size != 1)}"
    if nans:
        reason += f" ({nans} of them should be NaN)"
    elif _special(e[first]) or _special(g[first]):
        # The kinds of the two values, never the values: safe for a hidden case too.
        reason += f" (the first: {_kind(e[first])} expected, {_kind(g[first])} returned)"
    return Verdict(False, reason, f"{where}: expected {float(e[first])!r}, got {float(g[first])!r}")


def _compare_numbers(
    expected: int | float, got: object, what: str, rtol: float, atol: float
) -> Verdict:
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, int | float | np.integer | np.floating):
        return Verdict(False, f"{what}: expected a number, got {_type_name(got)}")
    e, g = float(expected), float(got)
    if math.isnan(e) and math.isnan(g):
        return _OK
    if math.isclose(g, e, rel_tol=rtol, abs_tol=atol):
        return _OK
    # A count or a size is shown as the whole number it is.
    shown = str(int(g)) if isinstance(expected, int) and g.is_integer() else repr(g)
    return Verdict(False, f"{what}: wrong value", f"expected {expected!r}, got {shown}")


def compare(
    expected: Any,
    got: Any,
    *,
    what: str = "the answer",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    exact_dtype: bool = True,
) -> Verdict:
    """Compare a learner's answer ``got`` with the reference's ``expected``.

    Tuples are compared item by item, arrays by type, shape, dtype (when ``exact_dtype``) and
    value, numbers by value; NaN equals NaN, and ``-0.0`` equals ``0.0``.

    Args:
        expected: the reference answer: an array, a number, a bool, or a tuple of these.
        got: the learner's answer.
        what: how messages name the answer, such as ``"relu(x)"``.
        rtol: relative tolerance of float comparisons.
        atol: absolute tolerance of float comparisons.
        exact_dtype: arrays must have the expected dtype.

    Returns:
        The verdict.

    Example:
        >>> print(compare(np.zeros(3, np.float32), np.zeros(3)).reason)
        the answer: wrong dtype, expected float32, got float64
        >>> compare((1.0, 2.0), (1.0, 2.0)).ok
        True
    """
    if isinstance(expected, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return Verdict(False, f"{what}: expected {_type_name(expected)}, got {_type_name(got)}")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            verdict = compare(
                e, g, what=f"{what}[{i}]", rtol=rtol, atol=atol, exact_dtype=exact_dtype
            )
            if not verdict.ok:
                return verdict
        return _OK
    if isinstance(expected, np.generic) and not isinstance(expected, np.bool_):
        expected = np.asarray(expected)
    if isinstance(expected, np.ndarray):
        return _compare_arrays(expected, got, what, rtol, atol, exact_dtype)
    if isinstance(expected, bool):
        if isinstance(got, bool | np.bool_) and bool(got) == expected:
            return _OK
        return Verdict(False, f"{what}: wrong answer", f"expected {expected}, got {got!r}")
    if isinstance(expected, int | float):
        return _compare_numbers(expected, got, what, rtol, atol)
    raise TypeError(f"cannot judge an expected answer of type {type(expected).__name__}")


Scorer = Callable[[Any, Any], Verdict]
"""A scoring rule ``(expected, got) -> Verdict``, used by a question in place of :func:`compare`.

Its reason names no input or value of the case (the judge prefixes what the answer is)."""


def accuracy_at_least(threshold: float) -> Scorer:
    """A scoring rule that accepts predicted class labels at least ``threshold`` accurate.

    For an answer judged by how often it is right rather than by being equal to the reference,
    such as a trained classifier's predictions on hidden examples: ``expected`` holds the true
    labels (a 1-D integer array), ``got`` the predicted ones, which must have its shape and
    whole-number values. The reason of a failure gives the accuracy reached, never a label.

    Args:
        threshold: the least accuracy accepted, in ``[0, 1]``.

    Raises:
        ValueError: ``threshold`` is outside ``[0, 1]``.

    Example:
        >>> accept = accuracy_at_least(0.5)
        >>> accept(np.array([0, 1, 2, 3]), np.array([0, 1, 2, 0])).ok
        True
        >>> print(accept(np.array([0, 1, 2, 3]), np.array([1, 1, 0, 0])).reason)
        accuracy 0.250, below the 0.500 required
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")

    def accept(expected: Any, got: Any) -> Verdict:
        labels = np.asarray(expected)
        if isinstance(got, list | tuple):  # a list of labels is fine too
            try:
                got = np.asarray(got)
            except (ValueError, TypeError):
                return Verdict(False, f"expected a NumPy array of labels, got {_type_name(got)}")
        if not isinstance(got, np.ndarray):
            return Verdict(False, f"expected a NumPy array of labels, got {_type_name(got)}")
        if got.shape != labels.shape:
            return Verdict(
                False,
                "wrong shape: expected one label per example",
                f"expected shape {labels.shape}, got {got.shape}",
            )
        if not (np.issubdtype(got.dtype, np.number) or got.dtype == np.bool_):
            return Verdict(False, f"expected integer labels, got an array of dtype {got.dtype}")
        if got.size and not np.all(np.isfinite(got) & (np.round(got) == got)):
            return Verdict(False, "expected whole-number class labels")
        accuracy = float(np.mean(got == labels)) if labels.size else 1.0
        if accuracy >= threshold:
            return _OK
        return Verdict(False, f"accuracy {accuracy:.3f}, below the {threshold:.3f} required")

    return accept
