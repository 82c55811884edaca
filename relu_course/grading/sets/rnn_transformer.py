"""Exercise 07_rnn_transformer: a ReLU RNN step, the IRNN, spectral radius, the Transformer's FFN.

Also the sparsity of the FFN's hidden layer.
"""

from __future__ import annotations

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import rnn_step_forward

Array = np.ndarray

_DTYPES = (np.float32, np.float64)


def rnn_step_relu(x: Array, h: Array, Wx: Array, Wh: Array, b: Array) -> Array:
    """One step of a ReLU RNN: ``relu(x @ Wx + h @ Wh + b)``, in the inputs' dtype."""
    h_next, _ = rnn_step_forward(x, h, Wx, Wh, b, nonlinearity="relu")
    return h_next


def irnn_forward(xs: Array, Wx: Array) -> Array:
    """The hidden states of an IRNN (Le, Jaitly & Hinton 2015) over a sequence.

    ``Wh`` is the identity, ``b`` and the first hidden state are zeros, and each step is
    ``h_t = relu(x_t @ Wx + h_{t-1})``. ``xs`` has shape ``(T, N, D)`` (``T`` may be 0); the
    result stacks ``h_1, ..., h_T`` into shape ``(T, N, H)``.
    """
    steps, n, _ = xs.shape
    hidden = Wx.shape[1]
    dtype = np.result_type(xs, Wx)
    wh, b = np.eye(hidden, dtype=dtype), np.zeros(hidden, dtype=dtype)
    h = np.zeros((n, hidden), dtype=dtype)
    out = np.empty((steps, n, hidden), dtype=dtype)
    for t in range(steps):
        h, _ = rnn_step_forward(xs[t], h, Wx, wh, b, nonlinearity="relu")
        out[t] = h
    return out


def spectral_radius(W: Array) -> float:
    """The largest absolute value of the eigenvalues of the square matrix ``W``."""
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def ffn_forward(x: Array, W1: Array, b1: Array, W2: Array, b2: Array) -> Array:
    """The Transformer's position-wise feed-forward block, ``max(0, x W1 + b1) W2 + b2``.

    ``x`` has shape ``(..., d_model)``: every position of every sequence goes through the same
    two layers; the result has ``x``'s shape.
    """
    out: Array = np.maximum(x @ W1 + b1, 0) @ W2 + b2
    return out


def ffn_sparsity(x: Array, W1: Array, b1: Array) -> float:
    """The fraction of exact zeros in the feed-forward block's hidden layer, ``relu(x W1 + b1)``."""
    hidden = np.maximum(x @ W1 + b1, 0)
    return float(np.mean(hidden == 0))


# --------------------------------------------------------------------------- hidden cases


def _rnn_case(rng: np.random.Generator, n: int, d: int, hidden: int, dtype: type) -> Case:
    x = rng.normal(size=(n, d))
    h = np.maximum(rng.normal(size=(n, hidden)), 0)  # a ReLU RNN's states are never negative
    wx = rng.normal(size=(d, hidden))
    wh = rng.normal(scale=0.5, size=(hidden, hidden))
    b = rng.normal(size=hidden)
    return tuple(a.astype(dtype) for a in (x, h, wx, wh, b))


def _rnn_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for n, d, hidden in [(1, 1, 1), (3, 4, 5), (8, 2, 6), (2, 10, 3)]:
            cases.append(_rnn_case(rng, n, d, hidden, dtype))
    # Small whole numbers: many pre-activations exactly 0.
    ints = (rng.integers(-2, 3, size=s) for s in [(4, 3), (4, 2), (3, 2), (2, 2), (2,)])
    cases.append(tuple(a.astype(np.float32) for a in ints))
    return cases


def _irnn_case(
    rng: np.random.Generator, steps: int, n: int, d: int, hidden: int, dtype: type
) -> Case:
    return (
        rng.normal(size=(steps, n, d)).astype(dtype),
        rng.normal(scale=0.5, size=(d, hidden)).astype(dtype),
    )


def _irnn_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for steps, n, d, hidden in [(1, 1, 1, 1), (5, 2, 3, 4), (20, 3, 2, 5), (4, 1, 6, 2)]:
            cases.append(_irnn_case(rng, steps, n, d, hidden, dtype))
    cases.append(_irnn_case(rng, 0, 2, 3, 4, np.float64))  # an empty sequence
    # Non-negative inputs and weights: with the identity the state is a running sum.
    cases.append((np.abs(rng.normal(size=(6, 2, 3))), np.abs(rng.normal(size=(3, 3)))))
    return cases


def _radius_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = [
        (np.array([[0.0, 2.0], [0.5, 0.0]]),),  # eigenvalues +-1, largest singular value 2
        (np.array([[1.0, 10.0], [0.0, 1.0]]),),  # a shear: eigenvalues 1, very non-normal
        (np.array([[0.0, -1.0], [1.0, 0.0]]),),  # a rotation: complex eigenvalues of modulus 1
        (np.zeros((3, 3)),),
        (np.array([[-3.0]]),),
    ]
    for hidden in (2, 5, 16, 50):
        cases.append((rng.normal(scale=1 / np.sqrt(hidden), size=(hidden, hidden)),))
    cases.append((np.triu(rng.normal(size=(6, 6))),))  # eigenvalues on the diagonal
    return cases


def _ffn_case(
    rng: np.random.Generator, shape: tuple[int, ...], d_ff: int, dtype: type
) -> tuple[Array, Array, Array, Array, Array]:
    d_model = shape[-1]
    x = rng.normal(size=shape)
    w1 = rng.normal(scale=1 / np.sqrt(d_model), size=(d_model, d_ff))
    b1 = rng.normal(scale=0.1, size=d_ff)
    w2 = rng.normal(scale=1 / np.sqrt(d_ff), size=(d_ff, d_model))
    b2 = rng.normal(scale=0.1, size=d_model)
    return x.astype(dtype), w1.astype(dtype), b1.astype(dtype), w2.astype(dtype), b2.astype(dtype)


def _ffn_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for shape, d_ff in [((1, 1), 4), ((5, 8), 32), ((2, 7, 4), 16), ((3, 1, 6), 24), ((6,), 8)]:
            cases.append(_ffn_case(rng, shape, d_ff, dtype))
    return cases


def _sparsity_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for shape, d_ff in [((4, 8), 32), ((2, 5, 6), 24), ((1, 3), 1)]:
        x, w1, b1, _, _ = _ffn_case(rng, shape, d_ff, np.float64)
        cases.append((x, w1, b1))
    # Small whole numbers: many pre-activations exactly 0, which ReLU also maps to 0.
    cases.append(
        (
            rng.integers(-1, 2, size=(6, 4)).astype(np.float64),
            rng.integers(-1, 2, size=(4, 10)).astype(np.float64),
            np.zeros(10),
        )
    )
    cases.append((np.zeros((3, 4)), np.ones((4, 5)), np.zeros(5)))  # all exactly 0
    cases.append((np.ones((2, 3)), np.ones((3, 4)), np.full(4, -3.0)))  # all exactly 0 again
    return cases


_PUBLIC_RNG = np.random.default_rng(7)

EXERCISE = Exercise(
    id="07_rnn_transformer",
    title="Recurrent networks and Transformers",
    questions=(
        Question(
            id="rnn_step_relu",
            points=2,
            kind="function",
            prompt="rnn_step_relu(x, h, Wx, Wh, b) returns the next hidden state "
            "relu(x @ Wx + h @ Wh + b) of a ReLU RNN, in the inputs' dtype",
            reference=rnn_step_relu,
            public_cases=(
                (
                    np.array([[1.0, -1.0]]),
                    np.array([[0.5]]),
                    np.array([[1.0], [1.0]]),
                    np.array([[2.0]]),
                    np.array([-0.5]),
                ),
                _rnn_case(_PUBLIC_RNG, 3, 4, 5, np.float64),
                # float32 inputs: the state is float32 too.
                (
                    np.array([[1.0, -1.0]], np.float32),
                    np.array([[0.5]], np.float32),
                    np.array([[1.0], [1.0]], np.float32),
                    np.array([[2.0]], np.float32),
                    np.array([-0.5], np.float32),
                ),
            ),
            hidden_cases=_rnn_hidden,
            rtol=1e-5,
            atol=1e-6,
        ),
        Question(
            id="irnn_forward",
            points=2,
            kind="function",
            prompt="irnn_forward(xs, Wx) returns the hidden states, shape (T, N, H), of an RNN "
            "with ReLU, the identity as recurrent matrix, zero biases and a zero first state",
            reference=irnn_forward,
            public_cases=(
                (np.array([[[1.0]], [[-3.0]], [[2.0]]]), np.array([[1.0, -1.0]])),
                _irnn_case(_PUBLIC_RNG, 4, 2, 3, 4, np.float64),
                # An empty sequence: no state, shape (0, N, H).
                (np.zeros((0, 2, 1)), np.array([[1.0, -1.0]])),
                # float32 inputs: the states are float32 too.
                (np.array([[[1.0]], [[-3.0]]], np.float32), np.array([[1.0, -1.0]], np.float32)),
            ),
            hidden_cases=_irnn_hidden,
            rtol=1e-5,
            atol=1e-6,
        ),
        Question(
            id="spectral_radius",
            points=1,
            kind="function",
            prompt="spectral_radius(W) returns the largest absolute value of the eigenvalues "
            "of the square matrix W, as a float",
            reference=spectral_radius,
            public_cases=(
                (np.array([[2.0, 0.0], [0.0, -3.0]]),),
                (np.array([[2.0, 1.0], [1.0, 2.0]]),),
                (np.eye(4),),
                # Not symmetric: eigenvalues +1 and -1, largest singular value 2.
                (np.array([[0.0, 2.0], [0.5, 0.0]]),),
            ),
            hidden_cases=_radius_hidden,
            rtol=1e-6,
            atol=1e-9,
        ),
        Question(
            id="ffn_forward",
            points=2,
            kind="function",
            prompt="ffn_forward(x, W1, b1, W2, b2) returns the Transformer's position-wise "
            "feed-forward block max(0, x W1 + b1) W2 + b2, of x's shape (..., d_model)",
            reference=ffn_forward,
            public_cases=(
                (
                    np.array([[1.0, -1.0]]),
                    np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
                    np.array([0.0, 0.5, 0.0]),
                    np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]]),
                    np.array([0.1, 0.2]),
                ),
                _ffn_case(_PUBLIC_RNG, (4, 6), 24, np.float64),
                _ffn_case(_PUBLIC_RNG, (3, 4), 16, np.float32),
                # A batch of two sequences of three positions: the result keeps x's shape.
                (
                    np.arange(12.0).reshape(2, 3, 2) - 6.0,
                    np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]),
                    np.array([0.0, 0.5, 0.0]),
                    np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]]),
                    np.array([0.1, 0.2]),
                ),
            ),
            hidden_cases=_ffn_hidden,
            rtol=1e-5,
            atol=1e-5,
        ),
        Question(
            id="ffn_sparsity",
            points=2,
            kind="function",
            prompt="ffn_sparsity(x, W1, b1) returns the fraction of exact zeros in the "
            "feed-forward block's hidden layer relu(x W1 + b1), as a float",
            reference=ffn_sparsity,
            public_cases=(
                (
                    np.array([[1.0, -1.0], [2.0, 0.5]]),
                    np.array([[1.0, -1.0], [0.5, 1.0]]),
                    np.array([0.0, -0.5]),
                ),
                _ffn_case(_PUBLIC_RNG, (8, 6), 24, np.float64)[:3],
                # Pre-activations 0 and 1: the exact 0 is a zero of the hidden layer too.
                (np.array([[1.0, -1.0]]), np.array([[1.0, 1.0], [1.0, 0.0]]), np.zeros(2)),
            ),
            hidden_cases=_sparsity_hidden,
            rtol=1e-12,
            atol=1e-12,
        ),
    ),
)
