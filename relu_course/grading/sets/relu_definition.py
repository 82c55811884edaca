"""Exercise 02_relu_definition: ReLU, its gradient and its backward pass, and the kink at 0."""

from __future__ import annotations

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import relu as _relu
from relu_course.numpy_nn import relu_backward as _relu_backward

Array = np.ndarray

_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e-30, -1e-30])
_DTYPES = (np.float16, np.float32, np.float64)


def relu(x: Array) -> Array:
    """ReLU of every element, same shape and dtype, NaN kept."""
    return _relu(x)


def relu_grad(x: Array) -> Array:
    """1 where ``x > 0``, else 0 (at 0 too), same shape and dtype."""
    return (x > 0).astype(x.dtype)


def relu_backward(dout: Array, x: Array) -> Array:
    """The gradient of the loss with respect to ``x``, given ``dout`` for ``relu(x)``."""
    return _relu_backward(dout, x)


def _grad_at_zero(op: str) -> float:
    import torch

    x = torch.zeros((), dtype=torch.float64, requires_grad=True)
    y = torch.clamp(x, min=0) if op == "clamp" else torch.maximum(x, torch.zeros_like(x))
    y.backward()
    assert x.grad is not None
    return float(x.grad)


def _arrays(rng: np.random.Generator) -> list[Array]:
    """Arrays of every dtype and many shapes, with the special values mixed in."""
    out: list[Array] = []
    for dtype in _DTYPES:
        out.append(_SPECIAL.astype(dtype))
        for shape in [(), (0,), (1,), (7,), (3, 4), (2, 3, 5), (2, 1, 2, 3)]:
            x = rng.normal(scale=3.0, size=shape)
            if x.size:
                x.flat[rng.integers(0, x.size)] = rng.choice(_SPECIAL)
            out.append(x.astype(dtype))
        out.append(rng.normal(size=(6, 8)).astype(dtype)[::2, 1::3])  # not contiguous
        out.append(rng.normal(size=(4, 5)).astype(dtype).T)
    return out


def _one_arg(rng: np.random.Generator) -> list[Case]:
    return [(x,) for x in _arrays(rng)]


def _without_nan(x: Array) -> Array:
    """``x`` with each NaN replaced by 0; the infinities stay infinite.

    What the gradient at a NaN input should be is a convention (torch's autograd passes the
    upstream gradient on, the textbook mask ``x > 0`` blocks it); the exercises do not ask it,
    so the gradient questions' hidden cases have no NaN.
    """
    out: Array = np.nan_to_num(x, nan=0.0, posinf=np.inf, neginf=-np.inf)
    return out


def _grad_hidden(rng: np.random.Generator) -> list[Case]:
    return [(_without_nan(x),) for x in _arrays(rng)]


def _backward_hidden(rng: np.random.Generator) -> list[Case]:
    return [(rng.normal(size=x.shape).astype(x.dtype), _without_nan(x)) for x in _arrays(rng)]


_PUBLIC = (
    (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),),
    # -inf: relu is 0 there, where x * (x > 0) gives -inf * 0 = NaN.
    (np.array([[-np.inf, -1.0], [np.nan, 3.0]], dtype=np.float32),),
    (np.array([-1.0, 0.0, 1.0], dtype=np.float16),),
)

EXERCISE = Exercise(
    id="02_relu_definition",
    title="ReLU: definition, derivative, backward pass",
    questions=(
        Question(
            id="relu",
            points=3,
            kind="function",
            prompt="relu(x) returns max(0, x) elementwise: same shape and dtype, NaN stays NaN",
            reference=relu,
            public_cases=_PUBLIC,
            hidden_cases=_one_arg,
            rtol=0.0,
            atol=0.0,
        ),
        Question(
            id="relu_grad",
            points=2,
            kind="function",
            prompt="relu_grad(x) returns 1 where x > 0 and 0 elsewhere (at 0 too), same dtype; "
            "x has no NaN",
            reference=relu_grad,
            public_cases=(*_PUBLIC[:1], (np.array([[0.0, 2.0], [-3.0, 1e-08]], np.float32),)),
            hidden_cases=_grad_hidden,
            rtol=0.0,
            atol=0.0,
        ),
        Question(
            id="relu_backward",
            points=2,
            kind="function",
            prompt="relu_backward(dout, x) returns the gradient with respect to x of a loss "
            "whose gradient with respect to relu(x) is dout",
            reference=relu_backward,
            public_cases=(
                (np.array([1.0, 2.0, 3.0, 4.0]), np.array([-1.0, 0.0, 0.5, 2.0])),
                (np.ones((2, 2), np.float32), np.array([[1.0, -1.0], [0.0, 5.0]], np.float32)),
            ),
            hidden_cases=_backward_hidden,
            rtol=0.0,
            atol=0.0,
        ),
        Question(
            id="grad_clamp_at_zero",
            points=1,
            kind="value",
            prompt="grad_clamp_at_zero: the gradient autograd gives torch.clamp(x, min=0) at x = 0",
            reference=lambda: _grad_at_zero("clamp"),
            needs_torch=True,
        ),
        Question(
            id="grad_maximum_at_zero",
            points=1,
            kind="value",
            prompt="grad_maximum_at_zero: the gradient autograd gives "
            "torch.maximum(x, torch.zeros_like(x)) at x = 0",
            reference=lambda: _grad_at_zero("maximum"),
            needs_torch=True,
        ),
    ),
)
