"""Exercise 08_why_relu: ReLU's smooth successors, computed stably, and results over seeds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import gelu as _gelu
from relu_course.numpy_nn import sigmoid as _sigmoid
from relu_course.numpy_nn import softplus as _softplus

Array = np.ndarray

_DTYPES = (np.float16, np.float32, np.float64)


def _in_float64(fn: Callable[[Array], Array], x: Array) -> Array:
    """``fn`` computed in float64 and rounded once to ``x``'s dtype."""
    out: Array = np.asarray(fn(x.astype(np.float64))).astype(x.dtype)
    return out


def silu(x: Array) -> Array:
    """SiLU (Swish): ``x * sigmoid(x)``, in ``x``'s dtype, with no overflow anywhere."""
    return _in_float64(lambda z: z * _sigmoid(z), x)


def gelu(x: Array) -> Array:
    """GELU, the exact form ``x * Phi(x)`` with ``Phi`` the standard normal CDF."""
    return _in_float64(_gelu, x)


def softplus(x: Array) -> Array:
    """``log(1 + exp(x))`` without overflow (PyTorch's identity above 20 is within tolerance)."""
    return _in_float64(_softplus, x)


def seed_summary(scores: Array) -> Array:
    """Mean and sample standard deviation (``ddof=1``) of each row: one row per activation."""
    values = np.asarray(scores, dtype=np.float64)
    out: Array = np.stack([values.mean(axis=1), values.std(axis=1, ddof=1)], axis=1)
    return out


def _activation_inputs(rng: np.random.Generator) -> list[Case]:
    """Every dtype, many shapes and scales, and the values where naive formulas overflow."""
    cases: list[Case] = []
    extremes = np.array([-1000.0, -80.0, -30.0, -12.0, -5.0, -1e-8, 0.0, 1e-8, 5.0, 30.0, 1000.0])
    for dtype in _DTYPES:
        cases.append((extremes.astype(dtype),))
        for shape, scale in [
            ((), 1.0),
            ((1,), 3.0),
            ((7,), 10.0),
            ((3, 4), 20.0),
            ((2, 3, 5), 3.0),
        ]:
            cases.append((rng.normal(scale=scale, size=shape).astype(dtype),))
        cases.append((rng.normal(scale=8.0, size=(6, 8)).astype(dtype)[::2, 1::3],))
        cases.append((np.linspace(-15.0, 15.0, 61).astype(dtype),))
    return cases


def _summary_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for rows, seeds in [(1, 2), (6, 3), (6, 5), (3, 10), (2, 2)]:
        cases.append((rng.uniform(0.5, 1.0, size=(rows, seeds)),))
    cases.append((np.array([[0.9, 0.9, 0.9], [0.1, 0.5, 0.9]]),))  # no spread; a wide spread
    cases.append((rng.integers(0, 100, size=(4, 3)).astype(np.float64),))
    return cases


_PUBLIC = (
    (np.array([-3.0, -1.0, 0.0, 1.0, 3.0]),),
    (np.array([[0.5, -0.5], [2.0, -2.0]], dtype=np.float32),),
    # float16, whose largest number is 65504: e**11.5 and e**12 overflow it.
    (np.array([-1000.0, -11.5, -1.0, 0.0, 1.0, 12.0, 1000.0], dtype=np.float16),),
)

EXERCISE = Exercise(
    id="08_why_relu",
    title="Why ReLU: its smooth successors and results over seeds",
    questions=(
        Question(
            id="silu",
            points=2,
            kind="function",
            prompt="silu(x) returns x * sigmoid(x) elementwise, in x's dtype, without overflow "
            "for any input (float16 included)",
            reference=silu,
            public_cases=_PUBLIC,
            hidden_cases=_activation_inputs,
        ),
        Question(
            id="gelu_exact",
            points=2,
            kind="function",
            prompt="gelu_exact(x) returns x * Phi(x), Phi the standard normal CDF (the exact "
            "GELU, not the tanh approximation), in x's dtype",
            reference=gelu,
            # float32 near -6: 1 + erf(x / sqrt(2)) cancels to 0 in float32 arithmetic, while
            # GELU is about -6e-9 there, beyond the absolute tolerance of 1e-9.
            public_cases=(*_PUBLIC, (np.array([-6.0, -5.0, 6.0], dtype=np.float32),)),
            hidden_cases=_activation_inputs,
        ),
        Question(
            id="softplus_stable",
            points=2,
            kind="function",
            prompt="softplus_stable(x) returns log(1 + exp(x)) elementwise, in x's dtype, "
            "finite for every finite input",
            reference=softplus,
            public_cases=_PUBLIC,
            hidden_cases=_activation_inputs,
        ),
        Question(
            id="seed_summary",
            points=2,
            kind="function",
            prompt="seed_summary(scores) returns, for each row of scores (one activation's "
            "results over seeds), its mean and its sample standard deviation (ddof=1), as an "
            "(n, 2) float64 array",
            reference=seed_summary,
            public_cases=(
                (np.array([[0.90, 0.92, 0.94], [0.80, 0.85, 0.90]]),),
                (np.array([[1.0, 3.0]]),),
            ),
            hidden_cases=_summary_hidden,
        ),
    ),
)
