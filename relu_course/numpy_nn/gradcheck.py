r"""Numerical gradients by central differences, to check hand-written backward passes.

A backward pass is checked by comparing what it returns with a numerical estimate:

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

whose error is :math:`O(h^2)` for smooth :math:`f`. Use float64 inputs: in float32 the rounding
error of :math:`f`, divided by :math:`2h`, swamps the estimate. Stay away from kinks (ReLU at 0,
ties in a max): there the two probes see different pieces of the function and the estimate is
meaningless. :func:`rel_error` then says how far apart the two gradients are; with float64 and
``h = 1e-5`` a correct backward pass typically gives less than ``1e-7``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from relu_course.numpy_nn._checks import Array, as_float_array, as_real

__all__ = ["away_from_kink", "numerical_gradient", "numerical_gradient_array", "rel_error"]


def _step(h: float, name: str) -> float:
    """Return ``h`` as a positive Python float, or raise an error naming it."""
    h = as_real(h, name, "h")
    if not h > 0:
        raise ValueError(f"{name}: h must be positive, got {h}")
    return float(h)


def _point(x: npt.ArrayLike, name: str) -> Array:
    """Return ``x`` as a writable float array, or raise an error saying why it cannot be probed."""
    arr = as_float_array(x, name)
    if not arr.flags.writeable:
        raise ValueError(
            f"{name}: x must be writable (it is changed during the probes); pass a copy"
        )
    return arr


def _probe(
    f: Callable[[Array], npt.ArrayLike], x: Array, index: tuple[int, ...], h: float
) -> tuple[Array, Array]:
    """Evaluate ``f`` with ``x[index]`` moved by ``+h``, then ``-h``; restore ``x`` after."""
    old = x[index].copy()
    try:
        x[index] = old + h
        # Copies: f may return a view of x, or the same buffer on every call.
        plus = np.array(f(x), dtype=np.float64)
        x[index] = old - h
        minus = np.array(f(x), dtype=np.float64)
    finally:
        x[index] = old
    return plus, minus


def numerical_gradient(
    f: Callable[[Array], npt.ArrayLike], x: npt.ArrayLike, h: float = 1e-5
) -> Array:
    r"""Estimate the gradient of a scalar function by central differences.

    .. math:: g_i = \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    ``x`` is changed in place during the probes (one entry at a time, so ``f`` sees every
    other entry as it was) and restored after each probe, even when ``f`` raises.

    Args:
        f: a function of one array returning a scalar (a Python number or a size-1 array).
        x: the point, a float array of any shape, 0-d included. Pass float64: see the module
            docstring. It must be writable; a non-array is converted, and the copy probed.
        h: the step. Default: ``1e-5``.

    Returns:
        The estimated gradient, with ``x``'s shape and dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> x = np.array([1.0, -2.0, 3.0])
        >>> numerical_gradient(lambda a: float(np.sum(a**2)), x).round(6)
        array([ 2., -4.,  6.])
        >>> x  # restored
        array([ 1., -2.,  3.])

    """
    name = "numerical_gradient"
    arr = _point(x, name)
    step = _step(h, name)
    grad = np.zeros_like(arr)
    for index in np.ndindex(arr.shape):
        plus, minus = _probe(f, arr, index, step)
        if plus.size != 1:
            raise ValueError(
                f"{name}: f must return a scalar, got an array of shape {plus.shape}; "
                "use numerical_gradient_array for array-valued functions"
            )
        grad[index] = (plus.item() - minus.item()) / (2 * step)
    return grad


def numerical_gradient_array(
    f: Callable[[Array], npt.ArrayLike], x: npt.ArrayLike, dout: npt.ArrayLike, h: float = 1e-5
) -> Array:
    r"""Estimate the vector-Jacobian product of an array-valued function by central differences.

    For :math:`y = f(x)` and an upstream gradient :math:`\bar{y}` (``dout``), this estimates what
    a backward pass returns, :math:`\bar{x}_i = \sum_k \bar{y}_k \, \partial y_k / \partial x_i`:

    .. math:: \bar{x}_i = \sum_k \bar{y}_k \, \frac{f(x + h e_i)_k - f(x - h e_i)_k}{2h}

    ``x`` is changed in place during the probes and restored after each one, even when ``f``
    raises, so ``f`` may close over the other arguments of a layer and take ``x`` as its only
    argument.

    Args:
        f: a function of one array returning an array of ``dout``'s shape.
        x: the point, a float array of any shape, 0-d included (float64 recommended).
        dout: the upstream gradient, the shape of ``f(x)``.
        h: the step. Default: ``1e-5``.

    Returns:
        The estimated gradient with respect to ``x``, with ``x``'s shape and dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - dout: the shape of ``f(x)``.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> x = np.array([1.0, 2.0])
        >>> numerical_gradient_array(lambda a: 3 * a, x, np.array([1.0, -1.0])).round(6)
        array([ 3., -3.])

    """
    name = "numerical_gradient_array"
    arr = _point(x, name)
    g = as_float_array(dout, name, "dout").astype(np.float64)
    step = _step(h, name)
    grad = np.zeros_like(arr)
    for index in np.ndindex(arr.shape):
        plus, minus = _probe(f, arr, index, step)
        if plus.shape != g.shape:
            raise ValueError(
                f"{name}: f(x) and dout must have the same shape, got {plus.shape} and {g.shape}"
            )
        grad[index] = np.sum((plus - minus) * g) / (2 * step)
    return grad


def rel_error(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    r"""Return the largest elementwise relative error between two arrays, as in cs231n.

    .. math:: \max_i \frac{|a_i - b_i|}{\max(10^{-8}, |a_i| + |b_i|)}

    The floor of ``1e-8`` keeps entries where both are (almost) zero from dividing by zero;
    it also means that entries below about ``1e-8`` are compared absolutely, not relatively.

    Args:
        a: an array (for example an analytic gradient).
        b: an array of the same shape (for example a numerical gradient).

    Returns:
        The error as a Python float: 0.0 for equal or empty arrays, at most 1.0 otherwise, and
        NaN when either array holds a NaN.

    Raises:
        ValueError: if the shapes differ (no broadcasting: a transposed gradient is a bug).
        TypeError: if either is not a numeric array.

    Examples:
        >>> rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
        0.5

    """
    arrays = []
    for arg, value in (("a", a), ("b", b)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"rel_error: {arg} must be a numeric array, got dtype {arr.dtype}")
        arrays.append(arr.astype(np.float64))
    x, y = arrays
    if x.shape != y.shape:
        raise ValueError(
            f"rel_error: a and b must have the same shape, got {x.shape} and {y.shape}"
        )
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def away_from_kink(x: npt.ArrayLike, margin: float = 1e-3) -> Array:
    """Return a copy of ``x`` with entries closer than ``margin`` to 0 pushed out to ``2 * margin``.

    A finite difference taken across ReLU's kink mixes its two linear pieces and estimates
    neither slope, so gradient checks of ReLU-like functions probe points kept clear of 0.
    Each moved entry keeps its sign (``-0.0`` goes to ``-2 * margin``).

    Args:
        x: a float array.
        margin: how close to 0 an entry may be. Default: ``1e-3`` (with ``h = 1e-5`` probes).

    Returns:
        A new array of ``x``'s shape and dtype.

    Examples:
        >>> away_from_kink(np.array([-1.0, -1e-6, 0.0, 5e-4, 2.0]))
        array([-1.   , -0.002,  0.002,  0.002,  2.   ])
    """
    arr = as_float_array(x, "away_from_kink")
    limit = as_real(margin, "away_from_kink", "margin")
    return np.where(np.abs(arr) < limit, np.copysign(2 * limit, arr), arr).astype(arr.dtype)
