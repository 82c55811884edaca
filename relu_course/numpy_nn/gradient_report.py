"""Every hand-written NumPy backward pass, checked against finite differences in one report.

:func:`check_all` is what ``relu-course gradcheck`` prints and what the test suite asserts on:
one row per gradient (``relu: dx``, ``affine: dw``, ...), each the :func:`rel_error` between the
backward pass and :func:`numerical_gradient_array` at a random float64 point kept away from the
kinks (ReLU at 0, ties inside a max-pooling window), where finite differences mean nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from relu_course.numpy_nn import activations as act
from relu_course.numpy_nn import layers, losses
from relu_course.numpy_nn._checks import Array
from relu_course.numpy_nn.gradcheck import (
    away_from_kink,
    numerical_gradient,
    numerical_gradient_array,
    rel_error,
)

__all__ = ["GradientCheck", "check_all"]

_KINK_MARGIN = 1e-3


@dataclass(frozen=True)
class GradientCheck:
    """One gradient of one backward pass, compared with its numerical estimate.

    Attributes:
        name: ``"<function>: <gradient>"``, for example ``"conv2d: dw"``.
        rel_error: :func:`relu_course.numpy_nn.gradcheck.rel_error` of the two.
    """

    name: str
    rel_error: float


def _compare(
    name: str, analytic: Array, f: Callable[[Array], Any], at: Array, dout: Array
) -> GradientCheck:
    numeric = numerical_gradient_array(f, at, dout)
    return GradientCheck(name, rel_error(analytic, numeric))


_Activation = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any], dict[str, Any]]

_ACTIVATIONS: dict[str, _Activation] = {
    "relu": (act.relu, act.relu_forward, act.relu_backward, {}),
    "leaky_relu": (
        act.leaky_relu,
        act.leaky_relu_forward,
        act.leaky_relu_backward,
        {"negative_slope": 0.1},
    ),
    "elu": (act.elu, act.elu_forward, act.elu_backward, {"alpha": 1.0}),
    "gelu": (act.gelu, act.gelu_forward, act.gelu_backward, {"approximate": "none"}),
    "gelu tanh": (act.gelu, act.gelu_forward, act.gelu_backward, {"approximate": "tanh"}),
    "sigmoid": (act.sigmoid, act.sigmoid_forward, act.sigmoid_backward, {}),
    "tanh": (act.tanh, act.tanh_forward, act.tanh_backward, {}),
    "softplus": (act.softplus, act.softplus_forward, act.softplus_backward, {"beta": 2.0}),
}


def _activation(name: str, x: Array, dout: Array) -> GradientCheck:
    plain, forward, backward, kwargs = _ACTIVATIONS[name]
    _, cache = forward(x, **kwargs)
    dx = backward(dout, cache)
    return _compare(f"{name}: dx", dx, lambda z: plain(z, **kwargs), x, dout)


def _activations(rng: np.random.Generator) -> list[GradientCheck]:
    x = away_from_kink(rng.normal(size=(4, 5)), _KINK_MARGIN)
    dout = rng.normal(size=x.shape)
    results = [_activation(name, x, dout) for name in _ACTIVATIONS]

    w = rng.uniform(0.05, 0.5, size=5)
    _, cache = act.prelu_forward(x, w)
    dx, dw = act.prelu_backward(dout, cache)
    results.append(_compare("prelu: dx", dx, lambda z: act.prelu(z, w), x, dout))
    results.append(_compare("prelu: dweight", dw, lambda v: act.prelu(x, v), w, dout))
    return results


def _relu_safe_affine(rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """Affine inputs whose pre-activations all stay clear of ReLU's kink."""
    while True:
        x, w, b = rng.normal(size=(3, 2, 3)), rng.normal(size=(6, 4)), rng.normal(size=4)
        if np.abs(x.reshape(3, -1) @ w + b).min() > _KINK_MARGIN:
            return x, w, b


def _affine(
    rng: np.random.Generator, name: str, forward: Callable[..., Any], backward: Callable[..., Any]
) -> list[GradientCheck]:
    x, w, b = _relu_safe_affine(rng)
    out, cache = forward(x, w, b)
    dout = rng.normal(size=out.shape)
    dx, dw, db = backward(dout, cache)
    return [
        _compare(f"{name}: dx", dx, lambda v: forward(v, w, b)[0], x, dout),
        _compare(f"{name}: dw", dw, lambda v: forward(x, v, b)[0], w, dout),
        _compare(f"{name}: db", db, lambda v: forward(x, w, v)[0], b, dout),
    ]


def _layers(rng: np.random.Generator) -> list[GradientCheck]:
    results = _affine(rng, "affine", layers.affine_forward, layers.affine_backward)
    results += _affine(rng, "affine_relu", layers.affine_relu_forward, layers.affine_relu_backward)

    x, w, b = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    conv = {"stride": 2, "padding": 1}
    out, cache = layers.conv2d_forward(x, w, b, **conv)
    dout = rng.normal(size=out.shape)
    dx, dw, db = layers.conv2d_backward(dout, cache)
    results += [
        _compare("conv2d: dx", dx, lambda v: layers.conv2d_forward(v, w, b, **conv)[0], x, dout),
        _compare("conv2d: dw", dw, lambda v: layers.conv2d_forward(x, v, b, **conv)[0], w, dout),
        _compare("conv2d: db", db, lambda v: layers.conv2d_forward(x, w, v, **conv)[0], b, dout),
    ]

    # A permutation keeps every value distinct: no ties inside a pooling window.
    x = rng.permutation(2 * 3 * 6 * 6).reshape(2, 3, 6, 6) / 10.0
    pooled, pool_cache = layers.maxpool2d_forward(x, kernel_size=2)
    dout = rng.normal(size=pooled.shape)
    dx = layers.maxpool2d_backward(dout, pool_cache)
    results.append(
        _compare("maxpool2d: dx", dx, lambda v: layers.maxpool2d_forward(v, 2)[0], x, dout)
    )

    return results + _rnn_step(rng, "relu") + _rnn_step(rng, "tanh")


def _rnn_step(rng: np.random.Generator, nonlinearity: layers.Nonlinearity) -> list[GradientCheck]:
    while True:
        x, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
        wx, wh, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 5)), rng.normal(size=5)
        if np.abs(x @ wx + h @ wh + b).min() > _KINK_MARGIN:
            break
    args = [x, h, wx, wh, b]

    def step(i: int) -> Callable[[Array], Array]:
        def f(v: Array) -> Array:
            px, ph, pwx, pwh, pb = [v if k == i else a for k, a in enumerate(args)]
            return layers.rnn_step_forward(px, ph, pwx, pwh, pb, nonlinearity)[0]

        return f

    out, cache = layers.rnn_step_forward(x, h, wx, wh, b, nonlinearity)
    dout = rng.normal(size=out.shape)
    grads = layers.rnn_step_backward(dout, cache)
    names = ["dx", "dh_prev", "dWx", "dWh", "db"]
    return [
        _compare(f"rnn_step {nonlinearity}: {n}", g, step(i), args[i], dout)
        for i, (n, g) in enumerate(zip(names, grads, strict=True))
    ]


def _losses(rng: np.random.Generator) -> list[GradientCheck]:
    scores, y = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    _, dscores = losses.softmax_cross_entropy(scores, y)
    numeric = numerical_gradient(lambda s: losses.softmax_cross_entropy(s, y)[0], scores)
    results = [GradientCheck("softmax_cross_entropy: dscores", rel_error(dscores, numeric))]

    y_hat, target = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    _, dy_hat = losses.mse_loss(y_hat, target)
    numeric = numerical_gradient(lambda v: losses.mse_loss(v, target)[0], y_hat)
    results.append(GradientCheck("mse_loss: dy_hat", rel_error(dy_hat, numeric)))
    return results


def check_all(seed: int = 0) -> list[GradientCheck]:
    """Check every backward pass of :mod:`relu_course.numpy_nn` against finite differences.

    Args:
        seed: seed of the random float64 inputs.

    Returns:
        One :class:`GradientCheck` per gradient: activations (``dx``, and PReLU's ``dweight``),
        layers (each of their gradients), losses. A correct implementation gives relative
        errors below ``1e-7``.

    Examples:
        >>> rows = check_all()
        >>> max(r.rel_error for r in rows) < 1e-7
        True
    """
    rng = np.random.default_rng(seed)
    return _activations(rng) + _layers(rng) + _losses(rng)
