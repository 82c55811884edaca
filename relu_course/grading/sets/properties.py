"""Exercise 03_properties: XOR by a ReLU net, linear pieces, memory traffic, gradients, sparsity."""

from __future__ import annotations

from typing import Any

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import relu

Array = np.ndarray

#: The four inputs of XOR, one per row, and its outputs.
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])

_ACTIVATIONS = ("relu", "sigmoid", "tanh")
_DTYPES = (np.float16, np.float32, np.float64)


def _weight(value: Any, name: str, shape: tuple[int, ...], *also: tuple[int, ...]) -> Array:
    """``value`` as a float64 array of ``shape``; it may come in one of the shapes ``also``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{name} must be an array of numbers ({error})") from None
    if array.shape != shape and array.shape not in also:
        raise ValueError(f"{name} must have shape {shape}, got shape {array.shape}")
    return array.reshape(shape)


def xor_outputs(weights: Any) -> Array:
    """The outputs ``w2 @ relu(W1 @ x + b1) + b2`` of the net ``weights`` on XOR's four inputs.

    Args:
        weights: ``(W1, b1, w2, b2)`` with shapes ``(2, 2)``, ``(2,)``, ``(2,)`` and a number
            (or an array of shape ``(1,)``).

    Returns:
        The four outputs, for the inputs ``(0, 0), (0, 1), (1, 0), (1, 1)`` in this order.

    Raises:
        TypeError: ``weights`` is not four arrays of numbers.
        ValueError: a weight has the wrong shape.
    """
    if not isinstance(weights, tuple | list) or len(weights) != 4:
        raise TypeError("xor_weights must be a tuple of four items: (W1, b1, w2, b2)")
    W1 = _weight(weights[0], "W1", (2, 2))
    b1 = _weight(weights[1], "b1", (2,))
    w2 = _weight(weights[2], "w2", (2,))
    b2 = _weight(weights[3], "b2", (), (1,))
    out: Array = relu(XOR_X @ W1.T + b1) @ w2 + b2
    return out


def count_pieces(w: Array, b: Array, v: Array, lo: float, hi: float) -> int:
    """How many linear pieces ``x -> sum_j v[j] * relu(w[j] * x + b[j])`` has on ``[lo, hi]``.

    A piece is a maximal interval on which the function is affine: unit ``j`` can bend it only
    at ``x = -b[j] / w[j]``, and there the slope jumps by ``v[j] * |w[j]|``. Units bending at
    the same point add their jumps, and where the jumps cancel there is no bend.
    """
    jumps: dict[float, float] = {}
    for wj, bj, vj in zip(w.tolist(), b.tolist(), v.tolist(), strict=True):
        if wj == 0 or vj == 0:
            continue
        at = -bj / wj
        if lo < at < hi:
            jumps[at] = jumps.get(at, 0.0) + vj * abs(wj)
    return 1 + sum(jump != 0 for jump in jumps.values())


def relu_memory_time(n: int, itemsize: int, bandwidth: float) -> float:
    """The least time in seconds of ``relu`` on ``n`` items of ``itemsize`` bytes, out of place.

    ReLU does one comparison per item, so memory bounds it: every item is read once and
    written once, ``2 * n * itemsize`` bytes at ``bandwidth`` GB/s (10**9 bytes per second).
    """
    return 2 * n * itemsize / (bandwidth * 1e9)


def _derivative(activation: str, z: float) -> float:
    if activation == "relu":
        return 1.0 if z > 0 else 0.0  # 0 at the kink, as torch
    if activation == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow
        return float(s * (1.0 - s))
    if activation == "tanh":
        return float(1.0 / np.cosh(z) ** 2)
    raise ValueError(f"unknown activation {activation!r}; use one of {', '.join(_ACTIVATIONS)}")


def _activate(activation: str, z: float) -> float:
    if activation == "relu":
        return max(z, 0.0)
    if activation == "sigmoid":
        return float(0.5 * (1.0 + np.tanh(0.5 * z)))
    return float(np.tanh(z))


def chain_grad(x: float, w: Array, b: Array, activation: str) -> float:
    """The derivative of ``a_L`` with respect to ``x`` along a chain of scalar units.

    ``a_0 = x`` and ``a_l = f(w[l] * a_(l-1) + b[l])`` for ``l = 1 .. L``: by the chain rule
    the derivative is the product of ``w[l] * f'(z_l)``.
    """
    a, grad = float(x), 1.0
    for wl, bl in zip(w.tolist(), b.tolist(), strict=True):
        z = wl * a + bl
        grad *= wl * _derivative(activation, z)
        a = _activate(activation, z)
    return grad


def sparsity(h: Array) -> float:
    """The fraction of the entries of ``h`` that are exactly zero (``-0.0`` is zero)."""
    return float(np.count_nonzero(h == 0) / h.size)


# --------------------------------------------------------------------------- hidden cases


def _units(rng: np.random.Generator, h: int) -> tuple[Array, Array, Array]:
    return rng.normal(size=h), rng.normal(size=h), rng.normal(size=h)


def _integer_units(rng: np.random.Generator, h: int) -> tuple[Array, Array, Array]:
    """Small integer weights: bends coincide, land on the ends, and cancel, exactly."""
    w = rng.integers(-3, 4, size=h).astype(np.float64)
    b = rng.integers(-4, 5, size=h).astype(np.float64)
    v = rng.integers(-2, 3, size=h).astype(np.float64)
    return w, b, v


def _pieces_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for h in (1, 2, 5, 20, 100):
        cases.append((*_units(rng, h), -3.0, 3.0))
    for h in (3, 8, 30, 200):
        cases.append((*_integer_units(rng, h), -2.0, 2.0))
    # Bends that cancel: 2 relu(x - 1) - relu(2 - 2x) is the line 2x - 2.
    one = np.array([1.0, -2.0]), np.array([-1.0, 2.0]), np.array([2.0, -1.0])
    cases += [(*one, 0.0, 2.0), (*one, -5.0, 5.0)]
    # Two units bending at the same point, and a unit of output weight 0.
    w, b, v = np.array([1.0, 1.0, 2.0]), np.array([0.0, 0.0, -2.0]), np.array([1.0, 1.0, 0.0])
    cases.append((w, b, v, -1.0, 2.0))
    # Bends exactly at the ends of the interval do not split it; w = 0 never bends.
    cases.append((np.array([2.0, -1.0, 0.0]), np.array([-1.0, 3.0, 1.0]), np.ones(3), 0.5, 3.0))
    # Units whose bends all lie outside the interval.
    w, b, v = _units(rng, 10)
    cases.append((w, b - 20.0 * np.sign(w), v, -1.0, 1.0))
    return cases


def _time_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for itemsize in (1, 2, 4, 8):
        for _ in range(3):
            n = int(rng.integers(1, 10**10))
            cases.append((n, itemsize, float(rng.choice([25.6, 100.0, 900.0, 3350.0]))))
    cases.append((1, 2, 1.0))
    return cases


def _chain_case(rng: np.random.Generator, depth: int, activation: str) -> Case:
    w = rng.normal(scale=1.5, size=depth)
    b = rng.normal(scale=0.5, size=depth)
    return (float(rng.normal()), w, b, activation)


def _chain_hidden(rng: np.random.Generator) -> list[Case]:
    cases = [
        _chain_case(rng, depth, activation)
        for activation in _ACTIVATIONS
        for depth in (1, 2, 3, 5, 10, 20)
    ]
    # Pre-activations exactly at ReLU's kink, first and in the middle of the chain.
    cases.append((1.0, np.array([2.0, 1.0, 3.0]), np.array([-2.0, 0.5, 0.0]), "relu"))
    cases.append((0.5, np.array([2.0, 1.0, 1.5]), np.array([0.0, -1.0, 0.0]), "relu"))
    # A live ReLU chain: every pre-activation positive, the derivative is the product of w.
    cases.append((1.0, np.abs(rng.normal(size=12)) + 0.1, np.ones(12), "relu"))
    # Every pre-activation 0, where the sigmoid's derivative is largest, 1/4: with w = 1 the
    # chain reaches the bound (1/4)^L.
    cases.append((0.0, np.ones(8), np.array([0.0] + [-0.5] * 7), "sigmoid"))
    return cases


def _activations(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> Array:
    h: Array = relu(rng.normal(size=shape)).astype(dtype)
    if h.size:
        special = [-0.0, 1e-30, 6e-8, np.inf, np.nan, -1.0, 0.0]
        for value in rng.choice(special, size=min(3, h.size)):
            h.flat[rng.integers(0, h.size)] = value
    return h


def _sparsity_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for shape in [(), (1,), (7,), (3, 4), (2, 3, 5), (64, 128)]:
            cases.append((_activations(rng, shape, dtype),))
        cases.append((_activations(rng, (6, 8), dtype)[::2, 1::3],))  # not contiguous
        cases.append((np.zeros((2, 3), dtype),))
        cases.append((np.full(5, 1e-30 if dtype != np.float16 else 6e-8, dtype),))
        cases.append((np.array([-0.0, 0.0, 1.0, np.nan], dtype),))
    return cases


_PUBLIC_RNG = np.random.default_rng(3)

EXERCISE = Exercise(
    id="03_properties",
    title="ReLU's properties",
    questions=(
        Question(
            id="xor_weights",
            points=3,
            kind="value",
            prompt="xor_weights = (W1, b1, w2, b2): a ReLU net whose outputs "
            "w2 @ relu(W1 @ x + b1) + b2 equal XOR on its four inputs",
            reference=lambda: XOR_Y.copy(),
            evaluate=xor_outputs,
            atol=1e-6,
        ),
        Question(
            id="count_pieces",
            points=3,
            kind="function",
            prompt="count_pieces(w, b, v, lo, hi) returns how many linear pieces "
            "sum_j v[j] * relu(w[j] * x + b[j]) has on [lo, hi]",
            reference=count_pieces,
            public_cases=(
                (np.array([1.0]), np.array([0.0]), np.array([1.0]), -1.0, 1.0),
                (np.array([1.0, -1.0, 0.0]), np.array([-0.5, -0.5, 2.0]), np.ones(3), -1.0, 1.0),
                (*_units(_PUBLIC_RNG, 6), -10.0, 10.0),
                # The prompt's example: two bends at x = 1 whose jumps cancel, one piece.
                (np.array([1.0, -2.0]), np.array([-1.0, 2.0]), np.array([2.0, -1.0]), 0.0, 2.0),
                # A bend exactly at lo splits nothing.
                (np.array([1.0]), np.array([0.0]), np.array([1.0]), 0.0, 1.0),
                # Two units bending at the same point: one bend, two pieces.
                (np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([1.0, 1.0]), -1.0, 1.0),
            ),
            hidden_cases=_pieces_hidden,
        ),
        Question(
            id="relu_memory_time",
            points=1,
            kind="function",
            prompt="relu_memory_time(n, itemsize, bandwidth) returns the least time in seconds "
            "of an out-of-place ReLU on n items at bandwidth GB/s",
            reference=relu_memory_time,
            public_cases=((10**6, 4, 100.0), (2**28, 4, 3350.0), (1000, 2, 1.0)),
            hidden_cases=_time_hidden,
            rtol=1e-9,
            atol=0.0,
        ),
        Question(
            id="chain_grad",
            points=2,
            kind="function",
            prompt="chain_grad(x, w, b, activation) returns the derivative of the last unit of "
            "a chain a_l = f(w[l] * a_(l-1) + b[l]) with respect to x",
            reference=chain_grad,
            public_cases=(
                (1.0, np.array([2.0]), np.array([0.5]), "relu"),
                (0.3, np.array([1.0, -2.0, 0.5]), np.array([0.1, 0.2, 0.3]), "sigmoid"),
                (-0.7, np.array([1.5, 0.8]), np.array([0.2, -0.1]), "tanh"),
                _chain_case(_PUBLIC_RNG, 6, "relu"),
                # The first pre-activation is exactly 0, where relu'(0) = 0 stops the gradient.
                (0.5, np.array([2.0, 1.0]), np.array([-1.0, 0.5]), "relu"),
            ),
            hidden_cases=_chain_hidden,
            atol=1e-12,
        ),
        Question(
            id="sparsity",
            points=1,
            kind="function",
            prompt="sparsity(h) returns the fraction of the entries of h that are exactly zero",
            reference=sparsity,
            public_cases=(
                (np.array([0.0, 1.5, 0.0, 2.0]),),
                (relu(_PUBLIC_RNG.normal(size=(4, 5))).astype(np.float32),),
                # -0.0 is zero; a tiny value, a negative one and NaN are not.
                (np.array([0.0, -0.0, 1e-30, -1.0, np.nan, 2.0]),),
            ),
            hidden_cases=_sparsity_hidden,
        ),
    ),
)
