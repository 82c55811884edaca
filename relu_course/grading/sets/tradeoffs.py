"""Exercise 04_tradeoffs: He initialisation, dead and born-dead units, Leaky ReLU, ELU, the kink."""

from __future__ import annotations

import math

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import elu as _elu
from relu_course.numpy_nn import leaky_relu_backward as _leaky_relu_backward

Array = np.ndarray

_DTYPES = (np.float16, np.float32, np.float64)
_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e-30, -1e-30])
#: Tiny negative inputs of each dtype, where ``exp(x) - 1`` loses every digit and ``expm1``
#: keeps them.
_TINY = {
    np.float16: [-1e-3, -6e-8],
    np.float32: [-1e-5, -1e-7, -1e-30, -1e-40],
    np.float64: [-1e-9, -1e-12, -1e-300],
}


def he_std(fan_in: int, negative_slope: float = 0.0) -> float:
    """He et al. (2015)'s standard deviation for the weights of a layer followed by Leaky ReLU.

    The variance of the outputs is kept when ``fan_in * (1 + a**2) / 2 * std**2 == 1``; ``a =
    0`` is ReLU. It is the ``std`` of ``torch.nn.init.kaiming_normal_(w, a=negative_slope)``.
    """
    return math.sqrt(2.0 / ((1.0 + negative_slope**2) * fan_in))


def dead_fraction(Z: Array) -> float:
    """The fraction of the units (columns) of the pre-activations ``Z`` that are dead on its rows.

    A unit is dead on a batch when its pre-activation is at most 0 on every row: its ReLU
    outputs 0 and passes back a gradient of 0 everywhere (at 0 too, by the convention).
    """
    return float(np.mean(np.all(Z <= 0, axis=0)))


def born_dead_probability(widths: list[int]) -> float:
    """The probability that some hidden layer of these widths outputs only zeros for an input.

    With zero biases and weights drawn independently from a continuous distribution symmetric
    about 0, a unit fed a non-zero input is positive with probability 1/2, independently of its
    layer's other units; a layer of width ``n`` is all zeros with probability ``2**-n``, and
    after such a layer every layer is. So the net survives with ``prod(1 - 2**-n)``.
    """
    # log1p and expm1 keep the digits of a tiny probability that 1 - prod(...) would lose.
    return -math.expm1(sum(math.log1p(-(0.5**n)) for n in widths))


def leaky_relu_backward(dout: Array, x: Array, negative_slope: float) -> Array:
    """``dout`` where ``x > 0`` and ``negative_slope * dout`` elsewhere (at 0 and NaN too)."""
    return _leaky_relu_backward(dout, (x, negative_slope))


def elu(x: Array, alpha: float) -> Array:
    """``x`` where ``x > 0`` and ``alpha * (exp(x) - 1)`` elsewhere, same shape and dtype."""
    return _elu(x, alpha)


def grads_at_zero() -> tuple[float, float, float, float]:
    """What autograd gives at 0 for ``relu``, ``leaky_relu(0.01)``, ``elu`` and ``gelu``."""
    import torch
    import torch.nn.functional as F

    grads = []
    for fn in (torch.relu, lambda t: F.leaky_relu(t, 0.01), F.elu, F.gelu):
        x = torch.zeros((), dtype=torch.float64, requires_grad=True)
        fn(x).backward()
        assert x.grad is not None
        grads.append(float(x.grad))
    return grads[0], grads[1], grads[2], grads[3]


# --------------------------------------------------------------------------- hidden cases


def _he_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = [(int(n),) for n in rng.integers(1, 5000, size=4)]
    for slope in (0.0, 0.01, 0.1, 0.2, 0.25, 0.5, 1.0):
        cases.append((int(rng.integers(1, 100_000)), slope))
    cases.append((1, 0.01))
    return cases


def _pre_activations(rng: np.random.Generator, n: int, m: int, dtype: type) -> Array:
    """Pre-activations of ``m`` units on ``n`` rows, each unit with its own bias, some dead."""
    Z = rng.normal(size=(n, m)) + rng.normal(-1.5, 1.0, size=m)
    if m >= 6:
        tiny = 6e-8 if dtype == np.float16 else 1e-30
        Z[:, 0] = 0.0  # sits at the kink on every row: dead
        Z[:, 1] = -0.0
        Z[:, 2] = -np.abs(Z[:, 2])
        Z[rng.integers(0, n), 2] = tiny  # alive on one row only
        Z[:, 3] = -np.inf
        Z[:, 4] = -np.abs(Z[:, 4])
        Z[rng.integers(0, n), 4] = np.inf
    return Z.astype(dtype)


def _dead_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for n, m in [(1, 1), (1, 6), (8, 1), (5, 7), (64, 32), (200, 16)]:
            cases.append((_pre_activations(rng, n, m, dtype),))
        cases.append((_pre_activations(rng, 9, 12, dtype).T.copy().T,))  # column-major
        cases.append((-np.abs(rng.normal(size=(4, 3)).astype(dtype)),))  # every unit dead
    return cases


def _born_dead_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = [
        ([int(n) for n in rng.integers(1, 12, size=depth)],) for depth in (1, 2, 3, 5, 10, 30, 100)
    ]
    cases += [([1] * 50,), ([2, 1000],), ([3, 30, 3],), ([100, 2, 100],), ([64] * 20,)]
    return cases


def _arrays(rng: np.random.Generator, with_tiny: bool) -> list[Array]:
    """Arrays of every dtype and many shapes, with special values mixed in."""
    out: list[Array] = []
    for dtype in _DTYPES:
        special = np.concatenate([_SPECIAL, _TINY[dtype]]) if with_tiny else _SPECIAL
        out.append(special.astype(dtype))
        for shape in [(), (1,), (7,), (3, 4), (2, 3, 5), (2, 1, 2, 3)]:
            x = rng.normal(scale=3.0, size=shape)
            for _ in range(min(3, x.size)):
                x.flat[rng.integers(0, x.size)] = rng.choice(special)
            out.append(x.astype(dtype))
        out.append(rng.normal(size=(6, 8)).astype(dtype)[::2, 1::3])  # not contiguous
    return out


def _leaky_hidden(rng: np.random.Generator) -> list[Case]:
    slopes = (0.01, 0.2, 0.0, 1.0, 0.5)
    return [
        (rng.normal(size=x.shape).astype(x.dtype), x, slopes[i % len(slopes)])
        for i, x in enumerate(_arrays(rng, with_tiny=False))
    ]


def _elu_hidden(rng: np.random.Generator) -> list[Case]:
    alphas = (1.0, 0.5, 2.0, 1.6732632423543772)
    return [(x, alphas[i % len(alphas)]) for i, x in enumerate(_arrays(rng, with_tiny=True))]


EXERCISE = Exercise(
    id="04_tradeoffs",
    title="ReLU's trade-offs and remedies",
    questions=(
        Question(
            id="he_std",
            points=2,
            kind="function",
            prompt="he_std(fan_in, negative_slope=0.0) returns He initialisation's standard "
            "deviation for a layer of fan_in inputs followed by Leaky ReLU of that slope",
            reference=he_std,
            # Slope 0.2 tells (1 + a**2) from (1 + a), which agree at the slopes 0 and 1.
            public_cases=((100,), (512, 0.0), (64, 1.0), (100, 0.2)),
            hidden_cases=_he_hidden,
        ),
        Question(
            id="dead_fraction",
            points=2,
            kind="function",
            prompt="dead_fraction(Z) returns the fraction of the columns of the pre-activations "
            "Z that are at most 0 on every row",
            reference=dead_fraction,
            public_cases=(
                (np.array([[1.0, -2.0, -1.0], [-1.0, -3.0, 0.5]]),),
                (np.array([[-1.0, 2.0], [-0.5, -1.0], [-2.0, 3.0]], np.float32),),
                # A column of zeros (and -0.0) is dead: the gradient at 0 is 0.
                (np.array([[0.0, -1.0, 2.0], [-0.0, -2.0, -1.0]]),),
            ),
            hidden_cases=_dead_hidden,
        ),
        Question(
            id="born_dead_probability",
            points=2,
            kind="function",
            prompt="born_dead_probability(widths) returns the probability that some hidden "
            "layer of a net of these widths outputs only zeros for an input",
            reference=born_dead_probability,
            public_cases=(([1],), ([2, 2],), ([8, 8, 8, 8],), ([1, 4, 2],)),
            hidden_cases=_born_dead_hidden,
        ),
        Question(
            id="leaky_relu_backward",
            points=2,
            kind="function",
            prompt="leaky_relu_backward(dout, x, negative_slope) returns dout where x > 0 and "
            "negative_slope * dout elsewhere (at 0 and at NaN too), in dout's dtype",
            reference=leaky_relu_backward,
            public_cases=(
                (np.array([1.0, 2.0, 3.0, 4.0]), np.array([-1.0, 0.0, 0.5, 2.0]), 0.01),
                (
                    np.ones((2, 2), np.float32),
                    np.array([[1.0, -1.0], [-0.0, 5.0]], np.float32),
                    0.2,
                ),
                # At NaN, x > 0 is false: the gradient is negative_slope * dout.
                (np.array([2.0, 2.0, 2.0]), np.array([np.nan, 3.0, -3.0]), 0.1),
            ),
            hidden_cases=_leaky_hidden,
            rtol=1e-6,
            atol=0.0,
        ),
        Question(
            id="elu",
            points=2,
            kind="function",
            prompt="elu(x, alpha) returns x where x > 0 and alpha * (exp(x) - 1) elsewhere, to "
            "the precision of x's dtype: same shape and dtype, NaN stays NaN",
            reference=elu,
            public_cases=(
                (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), 1.0),
                (np.array([[-1.0, 3.0], [np.nan, -np.inf]], np.float32), 0.5),
                # Tiny negative inputs, where exp(x) - 1 loses most of its digits.
                (np.array([-1e-12, -1e-9, -1e-6]), 1.0),
            ),
            hidden_cases=_elu_hidden,
            atol=0.0,
        ),
        Question(
            id="grads_at_zero",
            points=2,
            kind="value",
            prompt="grads_at_zero: the gradients autograd gives at 0 for torch.relu, "
            "F.leaky_relu(x, 0.01), F.elu and F.gelu, as a tuple of four floats",
            reference=grads_at_zero,
            needs_torch=True,
        ),
    ),
)
