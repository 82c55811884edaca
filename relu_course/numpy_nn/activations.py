r"""Activation functions in NumPy, each as a plain function and a forward/backward pair.

Every activation comes in three forms, after cs231n's ``layers.py``:

* ``relu(x)``: the value, for use in ordinary code;
* ``relu_forward(x) -> (out, cache)``: the value plus what the backward pass needs;
* ``relu_backward(dout, cache) -> dx``: the gradient with respect to the input, given the
  gradient ``dout`` of the loss with respect to the output.

PyTorch is the reference: values, gradients, NaN, infinities, ``-0.0`` and dtypes match
``torch.nn.functional`` (the tests check it). In particular the derivative of ReLU at 0 is taken
to be 0, and a NaN input propagates to the output. float16 inputs are computed in float32 and
rounded once at the end, as PyTorch's CPU kernels do; float16, float32 and float64 are kept.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from relu_course.numpy_nn._checks import (
    Array,
    as_float_array,
    as_real,
    check_same_shape,
    widen,
)
from relu_course.numpy_nn._parallel import PARALLEL_MIN, flat_views, in_parts
from relu_course.numpy_nn._parallel import ROW as _ROW

__all__ = [
    "elu",
    "elu_backward",
    "elu_forward",
    "gelu",
    "gelu_backward",
    "gelu_forward",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "prelu",
    "prelu_backward",
    "prelu_forward",
    "relu",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softplus",
    "softplus_backward",
    "softplus_forward",
    "tanh",
    "tanh_backward",
    "tanh_forward",
]

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_KAPPA = 0.044715


# --------------------------------------------------------------------------- helpers


def _output(x: Array, out: Array | None, name: str) -> Array:
    """A fresh array like ``x``, or ``out`` after checking that it can hold the result."""
    if out is None:
        return np.empty_like(x)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: out must be a numpy.ndarray, got {type(out).__name__}")
    check_same_shape(out, x, name, "out and x")
    if out.dtype != x.dtype:
        raise TypeError(f"{name}: out must have x's dtype {x.dtype}, got {out.dtype}")
    return out


def _dout(dout: npt.ArrayLike, like: Array, name: str) -> Array:
    """``dout`` as a float array with the shape of the forward output ``like``."""
    arr = as_float_array(dout, name, "dout")
    check_same_shape(arr, like, name, "dout and the forward output")
    return arr


def _narrow(result: Array, dtype: np.dtype[Any]) -> Array:
    """``result`` rounded to ``dtype``, kept an ndarray (NumPy makes 0-d results scalars)."""
    return np.asarray(result, dtype=dtype)


# --------------------------------------------------------------------------- ReLU


# ReLU at memory speed. ``np.maximum(x, 0)`` broadcasts a scalar, a slow path of NumPy's
# SIMD loops (about 2.5 G elements/s here, slower than memory); against a contiguous row of
# zeros it runs at memory speed. With the zeros *first*, ``np.maximum(zeros, x)`` also keeps
# ``-0.0`` (x86's max returns its second operand on ties) and NaN (NumPy propagates it), so no
# second pass is needed to fix the zeros. That tie rule is the CPU's, not NumPy's promise: it
# is checked once per dtype on this machine, and the exact two-pass path is used where it fails.
# Large arrays are cut into one part per thread: NumPy's ufuncs release the GIL, and one core
# alone cannot keep the memory system busy (see relu_course.numpy_nn._parallel).
_ZEROS: dict[np.dtype[Any], Array] = {}


def _zeros_row(dtype: np.dtype[Any]) -> Array:
    if dtype not in _ZEROS:
        row = np.zeros(_ROW, dtype)
        row.flags.writeable = False
        _ZEROS[dtype] = row
    return _ZEROS[dtype]


def _relu_rows(x: Array, out: Array) -> None:
    """``out = max(zeros, x)`` over rows of ``_ROW`` elements: zeros in cache, 1-d arrays."""
    if x.size < PARALLEL_MIN:  # directly: a call less, and small arrays must not get slower
        _relu_range(_zeros_row(x.dtype), x, out, 0, x.size)
    else:
        in_parts(x.size, _relu_range, _zeros_row(x.dtype), x, out)


def _relu_range(zeros: Array, x: Array, out: Array, lo: int, hi: int) -> None:
    whole = lo + (hi - lo) // _ROW * _ROW
    if whole > lo:
        rows = (-1, _ROW)
        np.maximum(zeros, x[lo:whole].reshape(rows), out=out[lo:whole].reshape(rows))
    np.maximum(zeros[: hi - whole], x[whole:hi], out=out[whole:hi])


#: Below this many elements ``np.where``'s smaller fixed cost beats the three passes of
#: :func:`_relu_grad_rows` (a few microseconds either way).
_MASK_MIN = 2048
#: Elements per row of the backward pass: its temporaries (5 bytes an element, 1.25 MiB in all)
#: stay in the L3 cache, and each row costs three ufunc calls of Python overhead. On the project's
#: 2-core machine, 64M float32 elements ran at 0.84 of a copy with rows of ``_ROW`` (64K) and
#: at 0.96 with rows of 256K, in two interleaved runs.
_GRAD_ROW = 4 * _ROW


def _relu_grad_rows(g: Array, result: Array, out: Array) -> None:
    """``out = result <= 0 ? +0 : g`` bit for bit, over rows of ``_GRAD_ROW`` elements, 1-d.

    ``np.where(result <= 0, 0, g)`` runs at a tenth of memory speed (a scalar again, and a
    select NumPy does not vectorise). Here each row of ``g`` is ANDed, as integers, with a mask
    that is all ones where the gradient passes and all zeros where it does not: exact for every
    value of ``g`` (NaN and infinities included, which ``g * (result > 0)`` would turn into NaN),
    and three vectorised passes over a row that stays in cache.
    """
    as_int = np.dtype(f"i{g.itemsize}")
    in_parts(g.size, _relu_grad_range, g.view(as_int), result, out.view(as_int))


def _relu_grad_range(g_bits: Array, result: Array, out_bits: Array, lo: int, hi: int) -> None:
    size = min(_GRAD_ROW, hi - lo)
    blocked, mask = np.empty(size, np.bool_), np.empty(size, g_bits.dtype)
    for start in range(lo, hi, _GRAD_ROW):
        stop = min(start + _GRAD_ROW, hi)
        b, m = blocked[: stop - start], mask[: stop - start]
        np.less_equal(result[start:stop], 0, out=b)
        # False - 1 = -1 (all ones: pass), True - 1 = 0 (all zeros: block).
        np.subtract(b.view(np.uint8), 1, out=m, dtype=m.dtype, casting="unsafe")
        np.bitwise_and(g_bits[start:stop], m, out=out_bits[start:stop])


@functools.cache
def _zeros_first_is_exact(dtype: np.dtype[Any]) -> bool:
    """Whether :func:`_relu_rows` gives ``x < 0 ? 0 : x`` bit for bit for ``dtype`` here."""
    rng = np.random.default_rng(0)
    probe = rng.standard_normal(2 * _ROW + 37).astype(dtype)
    specials = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf], dtype)
    for start in (0, 1, 7, _ROW - 3, _ROW + 5, 2 * _ROW + 1, probe.size - 6):
        probe[start : start + specials.size] = specials[: probe.size - start]
    got = np.empty_like(probe)
    _relu_rows(probe, got)
    want = np.where(probe < 0, dtype.type(0), probe)  # exact by construction
    same_nan = np.array_equal(np.isnan(got), np.isnan(want))
    finite = ~np.isnan(want)
    same_bits = np.array_equal(got[finite], want[finite]) and np.array_equal(
        np.signbit(got[finite]), np.signbit(want[finite])
    )
    return same_nan and same_bits


def relu(x: npt.ArrayLike, out: Array | None = None) -> Array:
    r"""Rectified linear unit, applied elementwise.

    .. math:: \operatorname{ReLU}(x) = \max(0, x)

    Derivative: :math:`\operatorname{ReLU}'(x) = 1` for :math:`x > 0` and :math:`0` for
    :math:`x \le 0`; at the kink :math:`x = 0` the course takes the subgradient 0, as PyTorch does.

    Computed as PyTorch computes it, ``0 if x < 0 else x``: NaN stays NaN (so never
    ``np.where(x > 0, x, 0)``, which turns NaN into 0), ``-inf`` becomes 0 and ``-0.0``
    stays ``-0.0``.

    Args:
        x: input array of any shape, 0-d included; float16, float32, float64 or an integer dtype
            (integers keep their dtype, as with ``torch.relu``).
        out: optional preallocated array of ``x``'s shape and dtype to write into; ``out=x``
            computes in place.

    Returns:
        The rectified array (``out`` when given).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> relu(np.array([-2.0, -0.5, 0.0, 1.5]))
        array([0. , 0. , 0. , 1.5])
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise TypeError(
            f"relu: x must be a float or integer array, got dtype {arr.dtype}; "
            "convert it first, for example x.astype(np.float32)"
        )
    result = _output(arr, out, "relu")
    if arr.dtype.kind != "f":
        np.maximum(arr, arr.dtype.type(0), out=result)
        return result
    flat = flat_views(arr, result)
    if flat is not None and _zeros_first_is_exact(arr.dtype):
        _relu_rows(*flat)
        return result
    # np.maximum propagates NaN, but which zero it returns for -0.0 depends on the CPU's SIMD
    # tie rule. Put the input's own zeros back, read before `result` may overwrite `arr`.
    is_zero = arr == 0
    zeros = arr[is_zero]
    np.maximum(arr, arr.dtype.type(0), out=result)
    result[is_zero] = zeros
    return result


def relu_forward(x: npt.ArrayLike) -> tuple[Array, Array]:
    """ReLU forward pass: the output and a cache for :func:`relu_backward`.

    Args:
        x: input array of any shape (see :func:`relu`).

    Returns:
        ``(out, cache)``: ``out = relu(x)``; the cache is ``out`` itself, which is all the
        backward pass needs (PyTorch saves the result for the same reason: it allows in-place use).
    """
    out = relu(x)
    return out, out


def relu_backward(dout: npt.ArrayLike, cache: Array, out: Array | None = None) -> Array:
    """ReLU backward pass: pass the upstream gradient where the output is positive.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`relu_forward`.
        out: optional preallocated array for ``dx``, of ``dout``'s shape and dtype; ``out=dout``
            works in place.

    Returns:
        ``dx``, the gradient with respect to ``x``: ``dout`` where ``out > 0``, else 0 (at 0
        too). Where the input was NaN the gradient passes, as in PyTorch's ``threshold_backward``.
        ``out`` when given.
    """
    g = _dout(dout, cache, "relu_backward")
    result = None if out is None else _output(g, out, "relu_backward")
    if g.dtype == cache.dtype and g.size >= _MASK_MIN:
        target = np.empty_like(g) if result is None else result
        flat = flat_views(g, cache, target)
        if flat is not None:
            _relu_grad_rows(*flat)
            return target
    dx = np.where(cache <= 0, g.dtype.type(0), g)
    if result is None:
        return dx
    result[...] = dx
    return result


# --------------------------------------------------------------------------- Leaky ReLU


def leaky_relu(x: npt.ArrayLike, negative_slope: float = 0.01, out: Array | None = None) -> Array:
    r"""Leaky rectified linear unit, applied elementwise.

    .. math::
        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\
        \text{negative\_slope} \cdot x & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0` and ``negative_slope`` for :math:`x \le 0` (at 0 too, as
    PyTorch). Negative inputs keep a small gradient, so a unit cannot die as a ReLU unit can.

    Args:
        x: float input array of any shape.
        negative_slope: the slope for :math:`x \le 0`. Default: 0.01.
        out: optional preallocated array of ``x``'s shape and dtype; ``out=x`` works in place.

    Returns:
        The activated array (``out`` when given).

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> leaky_relu(np.array([-2.0, 0.0, 3.0]), negative_slope=0.1)
        array([-0.2,  0. ,  3. ])
    """
    arr = as_float_array(x, "leaky_relu")
    slope = as_real(negative_slope, "leaky_relu", "negative_slope")
    result = _output(arr, out, "leaky_relu")
    positive = arr > 0
    if arr.dtype == np.float16:
        # Multiply in float32 and round once, as torch does for half precision.
        result[...] = np.where(positive, arr, widen(arr) * slope)
        return result
    np.multiply(arr, slope, out=result, where=~positive)
    np.copyto(result, arr, where=positive)
    return result


def leaky_relu_forward(
    x: npt.ArrayLike, negative_slope: float = 0.01
) -> tuple[Array, tuple[Array, float]]:
    """Leaky ReLU forward pass.

    Args:
        x: float input array of any shape.
        negative_slope: the slope for ``x <= 0``.

    Returns:
        ``(out, cache)`` with ``cache = (x, negative_slope)``.
    """
    arr = as_float_array(x, "leaky_relu_forward")
    slope = as_real(negative_slope, "leaky_relu_forward", "negative_slope")
    return leaky_relu(arr, slope), (arr, slope)


def leaky_relu_backward(dout: npt.ArrayLike, cache: tuple[Array, float]) -> Array:
    """Leaky ReLU backward pass.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`leaky_relu_forward`.

    Returns:
        ``dx``: ``dout`` where ``x > 0``, ``negative_slope * dout`` elsewhere.
    """
    x, slope = cache
    g = _dout(dout, x, "leaky_relu_backward")
    return _narrow(np.where(x > 0, g, widen(g) * slope), g.dtype)


# --------------------------------------------------------------------------- PReLU


def _prelu_weight(weight: npt.ArrayLike, x: Array, name: str) -> Array:
    """The PReLU weight broadcast against ``x``: one slope, or one per channel (axis 1)."""
    w = as_float_array(weight, name, "weight")
    if w.ndim > 1:
        raise ValueError(f"{name}: weight must be a scalar or 1-D, got shape {w.shape}")
    count = w.size
    if count == 1:
        return w.reshape(())
    if x.ndim < 2:  # as torch: without an axis 1 there is one channel
        raise ValueError(
            f"{name}: weight has {count} slopes but x, {x.ndim}-D, has no channel axis; "
            "give one slope"
        )
    if count != x.shape[1]:
        raise ValueError(
            f"{name}: weight has {count} slopes but x has {x.shape[1]} channels on axis 1; "
            "give one slope, or one per channel"
        )
    return w.reshape((count,) + (1,) * (x.ndim - 2))


def prelu(x: npt.ArrayLike, weight: npt.ArrayLike) -> Array:
    r"""Parametric ReLU: a leaky ReLU whose negative slope is a learned weight.

    .. math::
        \operatorname{PReLU}(x) = \begin{cases} x & x > 0 \\ a \cdot x & x \le 0 \end{cases}

    Derivative: with respect to :math:`x`, 1 for :math:`x > 0` and :math:`a` otherwise; with
    respect to :math:`a`, :math:`x` where :math:`x \le 0` and 0 elsewhere (He et al., 2015).

    Args:
        x: float input array. With two or more dimensions, axis 1 holds the channels.
        weight: the slope :math:`a`, a scalar or an array of shape ``(1,)`` or ``(C,)`` with one
            slope per channel of axis 1, as ``torch.nn.functional.prelu``.

    Returns:
        The activated array, in ``x``'s dtype.

    Shape:
        - Input: :math:`(*)`, or :math:`(N, C, *)` with per-channel weights.
        - Weight: :math:`()`, :math:`(1,)` or :math:`(C,)`.
        - Output: same shape as the input.

    Examples:
        >>> prelu(np.array([[-2.0, -4.0], [2.0, -4.0]]), np.array([0.25, 0.5]))
        array([[-0.5, -2. ],
               [ 2. , -2. ]])
    """
    arr = as_float_array(x, "prelu")
    w = _prelu_weight(weight, arr, "prelu")
    return _narrow(np.where(arr > 0, arr, widen(arr) * w), arr.dtype)


def prelu_forward(x: npt.ArrayLike, weight: npt.ArrayLike) -> tuple[Array, tuple[Array, Array]]:
    """PReLU forward pass.

    Args:
        x: float input array (axis 1 is the channel axis).
        weight: scalar, ``(1,)`` or ``(C,)`` slopes.

    Returns:
        ``(out, cache)`` with ``cache = (x, weight)``.
    """
    arr = as_float_array(x, "prelu_forward")
    w = as_float_array(weight, "prelu_forward", "weight")
    return prelu(arr, w), (arr, w)


def prelu_backward(dout: npt.ArrayLike, cache: tuple[Array, Array]) -> tuple[Array, Array]:
    """PReLU backward pass, for the input and for the slopes.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`prelu_forward`.

    Returns:
        ``(dx, dweight)``: ``dweight`` has the weight's shape and sums ``x * dout`` over every
        position where ``x <= 0`` (per channel when there is one slope per channel).
    """
    x, weight = cache
    g = _dout(dout, x, "prelu_backward")
    w = _prelu_weight(weight, x, "prelu_backward")
    gw = widen(g)
    dx = _narrow(np.where(x > 0, gw, gw * w), g.dtype)
    contrib = np.where(x > 0, 0.0, widen(x) * gw)
    if w.ndim == 0:
        dw = contrib.sum()
    else:
        dw = contrib.sum(axis=tuple(i for i in range(x.ndim) if i != 1))
    return dx, _narrow(dw, weight.dtype).reshape(weight.shape)


# --------------------------------------------------------------------------- ELU


def elu(x: npt.ArrayLike, alpha: float = 1.0) -> Array:
    r"""Exponential linear unit (Clevert, Unterthiner & Hochreiter, 2016).

    .. math::
        \operatorname{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0` and :math:`\alpha e^x` for :math:`x \le 0`, which equals
    :math:`\alpha` at 0 (continuous when :math:`\alpha = 1`). Negative outputs saturate at
    :math:`-\alpha`, pushing mean activations towards zero.

    Args:
        x: float input array of any shape.
        alpha: the value ELU tends to as :math:`x \to -\infty` is :math:`-\alpha`. Default: 1.0.

    Returns:
        The activated array, in ``x``'s dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> elu(np.array([-1.0, 0.0, 2.0])).round(4)
        array([-0.6321,  0.    ,  2.    ])
    """
    arr = as_float_array(x, "elu")
    a = as_real(alpha, "elu", "alpha")
    xc = widen(arr)
    # expm1 only sees the non-positive part, so large inputs cannot overflow it.
    negative_part = a * np.expm1(np.minimum(xc, 0))
    return _narrow(np.where(xc > 0, xc, negative_part), arr.dtype)


def elu_forward(x: npt.ArrayLike, alpha: float = 1.0) -> tuple[Array, tuple[Array, float]]:
    """ELU forward pass.

    Args:
        x: float input array of any shape.
        alpha: the ELU parameter.

    Returns:
        ``(out, cache)`` with ``cache = (x, alpha)``.
    """
    arr = as_float_array(x, "elu_forward")
    a = as_real(alpha, "elu_forward", "alpha")
    return elu(arr, a), (arr, a)


def elu_backward(dout: npt.ArrayLike, cache: tuple[Array, float]) -> Array:
    """ELU backward pass.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`elu_forward`.

    Returns:
        ``dx``: ``dout`` where ``x > 0`` (and where ``x`` is NaN, as PyTorch),
        ``alpha * exp(x) * dout`` where ``x <= 0``.
    """
    x, a = cache
    g = _dout(dout, x, "elu_backward")
    xc, gc = widen(x), widen(g)
    slope = a * np.exp(np.minimum(xc, 0))
    return _narrow(np.where(xc <= 0, gc * slope, gc), g.dtype)


# --------------------------------------------------------------------------- GELU

GeluApproximation = Literal["none", "tanh"]


def _check_approximate(approximate: str, name: str) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{name}: approximate must be 'none' or 'tanh', got {approximate!r}")


def _normal_cdf(x: Array) -> Array:
    """The standard normal CDF, via erfc so that the far negative tail keeps its digits."""
    from scipy.special import erfc  # imported here: SciPy costs start-up time few callers need

    result: Array = 0.5 * erfc(-x / _SQRT_2)
    return result


def gelu(x: npt.ArrayLike, approximate: GeluApproximation = "none") -> Array:
    r"""Gaussian error linear unit (Hendrycks & Gimpel, 2016).

    .. math:: \operatorname{GELU}(x) = x \, \Phi(x)
        = \tfrac{1}{2} x \left(1 + \operatorname{erf}(x / \sqrt{2})\right)

    with the ``"tanh"`` approximation
    :math:`\tfrac{1}{2} x \left(1 + \tanh\!\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)`.

    Derivative: :math:`\Phi(x) + x\,\varphi(x)`, where :math:`\varphi` is the standard normal
    density; :math:`\tfrac{1}{2}` at 0. Smooth everywhere, and slightly negative for
    :math:`x < 0`.

    Args:
        x: float input array of any shape.
        approximate: ``"none"`` for the exact form, ``"tanh"`` for the approximation.

    Returns:
        The activated array, in ``x``'s dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> gelu(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-0.1587,  0.    ,  0.8413])
    """
    arr = as_float_array(x, "gelu")
    _check_approximate(approximate, "gelu")
    xc = widen(arr)
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (xc + _GELU_KAPPA * xc**3))
        result = 0.5 * xc * (1 + t)
    else:
        result = xc * _normal_cdf(xc)
    return _narrow(result, arr.dtype)


def gelu_forward(
    x: npt.ArrayLike, approximate: GeluApproximation = "none"
) -> tuple[Array, tuple[Array, str]]:
    """GELU forward pass.

    Args:
        x: float input array of any shape.
        approximate: ``"none"`` or ``"tanh"``.

    Returns:
        ``(out, cache)`` with ``cache = (x, approximate)``.
    """
    arr = as_float_array(x, "gelu_forward")
    _check_approximate(approximate, "gelu_forward")
    return gelu(arr, approximate), (arr, approximate)


def gelu_backward(dout: npt.ArrayLike, cache: tuple[Array, str]) -> Array:
    """GELU backward pass.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`gelu_forward`.

    Returns:
        ``dx = dout * GELU'(x)``, with the derivative of the form used in the forward pass.
    """
    x, approximate = cache
    g = _dout(dout, x, "gelu_backward")
    xc, gc = widen(x), widen(g)
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (xc + _GELU_KAPPA * xc**3))
        dinner = _SQRT_2_OVER_PI * (1 + 3 * _GELU_KAPPA * xc**2)
        slope = 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * dinner
    else:
        cdf = _normal_cdf(xc)
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * xc * xc)
        slope = cdf + xc * pdf
    return _narrow(gc * slope, g.dtype)


# --------------------------------------------------------------------------- sigmoid


def _logistic(xc: Array) -> Array:
    """The logistic function without overflow: ``exp`` only ever sees ``-|x|``."""
    e = np.exp(-np.abs(xc))
    return np.where(xc >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid(x: npt.ArrayLike) -> Array:
    r"""Logistic sigmoid, applied elementwise.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}

    Derivative: :math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))`, at most :math:`\tfrac{1}{4}` (at 0)
    and vanishing for large :math:`|x|`: the saturation that makes deep sigmoid networks hard
    to train and that ReLU avoids for positive inputs.

    Args:
        x: float input array of any shape.

    Returns:
        Values in :math:`[0, 1]`, in ``x``'s dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
        array([0. , 0.5, 1. ])
    """
    arr = as_float_array(x, "sigmoid")
    return _narrow(_logistic(widen(arr)), arr.dtype)


def sigmoid_forward(x: npt.ArrayLike) -> tuple[Array, Array]:
    """Sigmoid forward pass.

    Args:
        x: float input array of any shape.

    Returns:
        ``(out, cache)``; the cache is ``out``, from which the derivative follows.
    """
    out = sigmoid(as_float_array(x, "sigmoid_forward"))  # an error names the function called
    return out, out


def sigmoid_backward(dout: npt.ArrayLike, cache: Array) -> Array:
    """Sigmoid backward pass.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`sigmoid_forward` (the output).

    Returns:
        ``dx = dout * out * (1 - out)``.
    """
    g = _dout(dout, cache, "sigmoid_backward")
    y, gc = widen(cache), widen(g)
    return _narrow(gc * y * (1 - y), g.dtype)


# --------------------------------------------------------------------------- tanh


def tanh(x: npt.ArrayLike) -> Array:
    r"""Hyperbolic tangent, applied elementwise.

    .. math:: \tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}}

    Derivative: :math:`1 - \tanh^2(x)`, equal to 1 at 0 and vanishing for large :math:`|x|`.

    Args:
        x: float input array of any shape.

    Returns:
        Values in :math:`[-1, 1]`, in ``x``'s dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> tanh(np.array([-1.0, 0.0, 1.0])).round(4)
        array([-0.7616,  0.    ,  0.7616])
    """
    arr = as_float_array(x, "tanh")
    return _narrow(np.tanh(widen(arr)), arr.dtype)


def tanh_forward(x: npt.ArrayLike) -> tuple[Array, Array]:
    """Tanh forward pass.

    Args:
        x: float input array of any shape.

    Returns:
        ``(out, cache)``; the cache is ``out``.
    """
    out = tanh(as_float_array(x, "tanh_forward"))  # an error names the function called
    return out, out


def tanh_backward(dout: npt.ArrayLike, cache: Array) -> Array:
    """Tanh backward pass.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`tanh_forward` (the output).

    Returns:
        ``dx = dout * (1 - out**2)``.
    """
    g = _dout(dout, cache, "tanh_backward")
    y, gc = widen(cache), widen(g)
    return _narrow(gc * (1 - y * y), g.dtype)


# --------------------------------------------------------------------------- softplus


def _softplus_params(beta: float, threshold: float, name: str) -> tuple[float, float]:
    b = as_real(beta, name, "beta")
    t = as_real(threshold, name, "threshold")
    if not b > 0:
        raise ValueError(f"{name}: beta must be positive, got {b}")
    return b, t


def softplus(x: npt.ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    r"""Softplus, a smooth approximation of ReLU, applied elementwise.

    .. math:: \operatorname{Softplus}(x) = \frac{1}{\beta} \log\left(1 + e^{\beta x}\right)

    reverting to the identity where :math:`\beta x` exceeds ``threshold``, as PyTorch does.

    Derivative: :math:`\sigma(\beta x)`, the logistic sigmoid: never exactly 0, so no unit
    dies, but never exactly 1 either. :math:`\tfrac{1}{2}` at 0.

    Args:
        x: float input array of any shape.
        beta: sharpness; larger values approach ReLU. Must be positive. Default: 1.0.
        threshold: above this value of :math:`\beta x` the output is ``x``. Default: 20.0.

    Returns:
        Positive values, in ``x``'s dtype.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> softplus(np.array([-30.0, 0.0, 30.0])).round(4)
        array([ 0.    ,  0.6931, 30.    ])
    """
    arr = as_float_array(x, "softplus")
    b, t = _softplus_params(beta, threshold, "softplus")
    xc = widen(arr)
    bx = b * xc
    # logaddexp(0, z) = log(1 + e^z) without overflow. At z = +inf it computes inf - inf and
    # warns, but that entry is above the threshold and takes the identity branch anyway.
    with np.errstate(invalid="ignore"):
        smooth = np.logaddexp(0, bx) / b
    return _narrow(np.where(bx > t, xc, smooth), arr.dtype)


def softplus_forward(
    x: npt.ArrayLike, beta: float = 1.0, threshold: float = 20.0
) -> tuple[Array, tuple[Array, float, float]]:
    """Softplus forward pass.

    Args:
        x: float input array of any shape.
        beta: sharpness (positive).
        threshold: where the output becomes the identity.

    Returns:
        ``(out, cache)`` with ``cache = (x, beta, threshold)``.
    """
    arr = as_float_array(x, "softplus_forward")
    b, t = _softplus_params(beta, threshold, "softplus_forward")
    return softplus(arr, b, t), (arr, b, t)


def softplus_backward(dout: npt.ArrayLike, cache: tuple[Array, float, float]) -> Array:
    """Softplus backward pass.

    Args:
        dout: upstream gradient, the shape of the forward output.
        cache: the cache returned by :func:`softplus_forward`.

    Returns:
        ``dx = dout * sigmoid(beta * x)``, and ``dout`` where ``beta * x > threshold``.
    """
    x, b, t = cache
    g = _dout(dout, x, "softplus_backward")
    bx, gc = b * widen(x), widen(g)
    return _narrow(np.where(bx > t, gc, gc * _logistic(bx)), g.dtype)
