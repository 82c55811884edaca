"""Exercise 01_deep_learning: affine maps, collapsing linear layers, a forward pass by hand."""

from __future__ import annotations

import itertools

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import relu

Array = np.ndarray


def collapse_linear(W1: Array, b1: Array, W2: Array, b2: Array) -> tuple[Array, Array]:
    """The single affine map ``x -> W @ x + b`` equal to ``x -> W2 @ (W1 @ x + b1) + b2``."""
    return W2 @ W1, W2 @ b1 + b2


def two_layer_forward(X: Array, W1: Array, b1: Array, W2: Array, b2: Array) -> Array:
    """Outputs of ``Linear, ReLU, Linear`` on the rows of ``X`` (weights as ``nn.Linear``)."""
    out: Array = relu(X @ W1.T + b1) @ W2.T + b2
    return out


def count_parameters(layer_sizes: list[int]) -> int:
    """Weights and biases of a fully connected network with these layer widths."""
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(layer_sizes))


def _affine_pair(rng: np.random.Generator, d: int, h: int, o: int) -> Case:
    return (
        rng.normal(size=(h, d)),
        rng.normal(size=h),
        rng.normal(size=(o, h)),
        rng.normal(size=o),
    )


def _collapse_hidden(rng: np.random.Generator) -> list[Case]:
    shapes = [(1, 1, 1), (3, 5, 2), (8, 2, 8), (16, 32, 4), (5, 1, 7)]
    return [_affine_pair(rng, *s) for s in shapes]


def _forward_case(rng: np.random.Generator, n: int, d: int, h: int, o: int) -> Case:
    W1, b1, W2, b2 = _affine_pair(rng, d, h, o)
    return (rng.normal(size=(n, d)), W1, b1, W2, b2)


def _forward_hidden(rng: np.random.Generator) -> list[Case]:
    cases = [_forward_case(rng, *s) for s in [(1, 3, 4, 2), (10, 2, 16, 3), (7, 5, 1, 1)]]
    # All hidden pre-activations negative: the output is the bias of the second layer alone.
    X, W1, _, W2, b2 = _forward_case(rng, 4, 3, 5, 2)
    cases.append((np.abs(X), -np.abs(W1), -np.ones(5), W2, b2))
    return cases


_PUBLIC_RNG = np.random.default_rng(2024)

EXERCISE = Exercise(
    id="01_deep_learning",
    title="Deep learning and activations",
    questions=(
        Question(
            id="collapse_linear",
            points=3,
            kind="function",
            prompt="collapse_linear(W1, b1, W2, b2) returns (W, b) with W @ x + b equal to "
            "W2 @ (W1 @ x + b1) + b2",
            reference=collapse_linear,
            public_cases=(
                (np.eye(2), np.zeros(2), np.eye(2), np.zeros(2)),
                (
                    np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]]),
                    np.array([1.0, 0.0, -1.0]),
                    np.array([[1.0, 0.0, 2.0]]),
                    np.array([0.5]),
                ),
                _affine_pair(_PUBLIC_RNG, 4, 3, 2),
            ),
            hidden_cases=_collapse_hidden,
        ),
        Question(
            id="two_layer_forward",
            points=2,
            kind="function",
            prompt="two_layer_forward(X, W1, b1, W2, b2) returns relu(X @ W1.T + b1) @ W2.T + b2",
            reference=two_layer_forward,
            public_cases=(
                (
                    np.array([[1.0, -1.0]]),
                    np.array([[1.0, 0.0], [0.0, 1.0]]),
                    np.zeros(2),
                    np.array([[1.0, 1.0]]),
                    np.zeros(1),
                ),
                _forward_case(_PUBLIC_RNG, 5, 3, 4, 2),
            ),
            hidden_cases=_forward_hidden,
        ),
        Question(
            id="count_parameters",
            points=1,
            kind="function",
            prompt="count_parameters(layer_sizes) returns the number of weights and biases of a "
            "fully connected network with these widths",
            reference=count_parameters,
            public_cases=(([2, 3],), ([4, 8, 1],)),
            hidden_cases=lambda rng: (
                [([int(n) for n in rng.integers(1, 300, size=k)],) for k in (2, 3, 4, 6)]
                + [([64, 256, 128, 10],)]
            ),
        ),
    ),
)
