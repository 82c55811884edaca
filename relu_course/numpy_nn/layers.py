r"""Layers in NumPy as forward/backward pairs.

Affine, affine-ReLU, 2-D convolution, 2-D max pooling and one step of a recurrent network.

The shape of the API follows cs231n's ``layers.py``:

* ``layer_forward(inputs...) -> (out, cache)``: the output, and what the backward pass needs;
* ``layer_backward(dout, cache) -> grads``: given ``dout``, the gradient of the loss with
  respect to ``out``, the gradients with respect to each input, in the order of the inputs.

PyTorch is the reference (``torch.nn.functional.linear``, ``conv2d``, ``max_pool2d``, and an RNN
step written with ``torch.relu`` or ``torch.tanh``): values and gradients match it (the tests
check it in float64). The loops are written for reading, not speed: a layer of a real network
belongs in PyTorch. All inputs of one call must share one float dtype, as in PyTorch; float16 is
computed in float32 and rounded once at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt

from relu_course.numpy_nn._checks import Array, as_float_array, widen
from relu_course.numpy_nn.activations import (
    relu_backward,
    relu_forward,
    tanh_backward,
    tanh_forward,
)

__all__ = [
    "affine_backward",
    "affine_forward",
    "affine_relu_backward",
    "affine_relu_forward",
    "conv2d_backward",
    "conv2d_forward",
    "maxpool2d_backward",
    "maxpool2d_forward",
    "rnn_step_backward",
    "rnn_step_forward",
]

AffineCache = tuple[Array, Array, Array]
AffineReluCache = tuple[AffineCache, Array]
Conv2dCache = tuple[Array, Array, Array, int, int]
MaxPool2dCache = tuple[Array, Array, int, int]
Nonlinearity = Literal["relu", "tanh"]
RnnStepCache = tuple[Array, Array, Array, Array, str, Array]

# The activation pairs an RNN step may use: the forward's cache is its output in both.
_RNN_ACTIVATIONS: dict[
    str,
    tuple[Callable[[npt.ArrayLike], tuple[Array, Array]], Callable[[npt.ArrayLike, Array], Array]],
] = {
    "relu": (relu_forward, relu_backward),
    "tanh": (tanh_forward, tanh_backward),
}


# --------------------------------------------------------------------------- helpers


def _float_arrays(name: str, **arrays: npt.ArrayLike) -> list[Array]:
    """Return the arguments as float arrays of one dtype, or raise a ``TypeError``."""
    result = [as_float_array(value, name, arg) for arg, value in arrays.items()]
    if len({arr.dtype for arr in result}) > 1:
        listed = ", ".join(f"{arg} {arr.dtype}" for arg, arr in zip(arrays, result, strict=True))
        raise TypeError(
            f"{name}: all inputs must have the same dtype, got {listed}; "
            "convert them first, for example w.astype(x.dtype)"
        )
    return result


def _upstream(dout: npt.ArrayLike, shape: tuple[int, ...], name: str, arg: str = "dout") -> Array:
    """Return ``dout`` as a float array (float16 widened), checking the forward output's shape."""
    g = as_float_array(dout, name, arg)
    if g.shape != shape:
        raise ValueError(
            f"{name}: {arg} must have the forward output's shape {shape}, got {g.shape}"
        )
    return widen(g)


def _size_arg(value: int, name: str, arg: str, minimum: int) -> int:
    """Check an integer hyperparameter (stride, padding, kernel size) and return it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: {arg} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}: {arg} must be at least {minimum}, got {value}")
    return int(value)


def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Return the output length of a sliding window, as PyTorch computes it (no ``ceil_mode``)."""
    return (size + 2 * padding - kernel) // stride + 1


def _require_4d(x: Array, name: str, arg: str, dims: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name}: {arg} must have 4 dimensions {dims}, got shape {x.shape}")


# --------------------------------------------------------------------------- affine


def affine_forward(
    x: npt.ArrayLike, w: npt.ArrayLike, b: npt.ArrayLike
) -> tuple[Array, AffineCache]:
    r"""Affine (fully connected) layer forward pass.

    Each example is flattened to a row of :math:`D = d_1 \cdots d_k` features, then

    .. math:: \text{out} = X W + b

    which is ``torch.nn.functional.linear(x.reshape(N, D), w.T, b)`` (PyTorch stores the
    weight transposed, as ``(M, D)``).

    Args:
        x: inputs, a float array of shape ``(N, d_1, ..., d_k)`` with ``k >= 1``.
        w: weights, shape ``(D, M)``.
        b: biases, shape ``(M,)``.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, M)``, and ``cache = (x, w, b)``.

    Shape:
        - Input: :math:`(N, d_1, \ldots, d_k)`.
        - Weight: :math:`(D, M)` with :math:`D = d_1 \cdots d_k`.
        - Bias: :math:`(M,)`.
        - Output: :math:`(N, M)`.

    Examples:
        >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> w = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]])
        >>> out, cache = affine_forward(x, w, np.array([0.0, 0.5, 1.0]))
        >>> out
        array([[1. , 2.5, 2. ],
               [3. , 4.5, 2. ]])

    """
    name = "affine_forward"
    x, w, b = _float_arrays(name, x=x, w=w, b=b)
    if x.ndim < 2:
        raise ValueError(
            f"{name}: x must have shape (N, d_1, ..., d_k) with k >= 1, got {x.shape}; "
            "for a single example use x[None]"
        )
    n, d = x.shape[0], math.prod(x.shape[1:])
    if w.ndim != 2 or w.shape[0] != d:
        raise ValueError(
            f"{name}: w must have shape (D, M) = ({d}, M) for x of shape {x.shape}, got {w.shape}"
        )
    m = w.shape[1]
    if b.shape != (m,):
        raise ValueError(f"{name}: b must have shape (M,) = ({m},), got {b.shape}")
    out = widen(x).reshape(n, d) @ widen(w) + widen(b)
    return out.astype(x.dtype, copy=False), (x, w, b)


def affine_backward(dout: npt.ArrayLike, cache: AffineCache) -> tuple[Array, Array, Array]:
    r"""Affine layer backward pass.

    .. math::
        \bar{X} = \bar{Y} W^\top, \qquad \bar{W} = X^\top \bar{Y}, \qquad
        \bar{b} = \textstyle\sum_n \bar{Y}_{n,:}

    with :math:`X` the inputs flattened to :math:`(N, D)`; :math:`\bar{X}` is reshaped back.

    Args:
        dout: upstream gradient, shape ``(N, M)``.
        cache: the cache returned by :func:`affine_forward`.

    Returns:
        ``(dx, dw, db)``, with the shapes and dtypes of ``x``, ``w`` and ``b``.

    Shape:
        - dout: :math:`(N, M)`.
        - Output: :math:`(N, d_1, \ldots, d_k)`, :math:`(D, M)` and :math:`(M,)`.

    Examples:
        >>> x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
        >>> _, cache = affine_forward(x, w, b)
        >>> dx, dw, db = affine_backward(np.ones((2, 4)), cache)
        >>> dx.shape, dw.shape, db
        ((2, 3), (3, 4), array([2., 2., 2., 2.]))

    """
    x, w, b = cache
    n, d = x.shape[0], math.prod(x.shape[1:])
    g = _upstream(dout, (n, w.shape[1]), "affine_backward")
    dx = (g @ widen(w).T).reshape(x.shape)
    dw = widen(x).reshape(n, d).T @ g
    db = g.sum(axis=0)
    return dx.astype(x.dtype, copy=False), dw.astype(w.dtype, copy=False), db.astype(b.dtype)


# --------------------------------------------------------------------------- affine + ReLU


def affine_relu_forward(
    x: npt.ArrayLike, w: npt.ArrayLike, b: npt.ArrayLike
) -> tuple[Array, AffineReluCache]:
    r"""Affine layer followed by a ReLU forward pass: the "sandwich" of a fully connected network.

    .. math:: \text{out} = \max(0, X W + b)

    Composed from :func:`affine_forward` and :func:`~relu_course.numpy_nn.activations.relu_forward`.

    Args:
        x: inputs, shape ``(N, d_1, ..., d_k)``.
        w: weights, shape ``(D, M)``.
        b: biases, shape ``(M,)``.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, M)``; the cache holds both layers' caches.

    Shape:
        - Input: :math:`(N, d_1, \ldots, d_k)`, weight :math:`(D, M)`, bias :math:`(M,)`.
        - Output: :math:`(N, M)`.

    Examples:
        >>> out, cache = affine_relu_forward(np.array([[1.0, -2.0]]), np.eye(2), np.zeros(2))
        >>> out
        array([[1., 0.]])

    """
    a, affine_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (affine_cache, relu_cache)


def affine_relu_backward(dout: npt.ArrayLike, cache: AffineReluCache) -> tuple[Array, Array, Array]:
    r"""Backward pass of :func:`affine_relu_forward`: ReLU's backward, then the affine one.

    .. math:: \bar{A} = \bar{Y} \odot [A > 0], \quad \text{then } \bar{X}, \bar{W}, \bar{b}
        \text{ from } \bar{A} \text{ as in } \texttt{affine\_backward}

    where :math:`A = XW + b` is the pre-activation (the gradient at :math:`A = 0` is 0).

    Args:
        dout: upstream gradient, shape ``(N, M)``.
        cache: the cache returned by :func:`affine_relu_forward`.

    Returns:
        ``(dx, dw, db)``, with the shapes of ``x``, ``w`` and ``b``.

    Shape:
        - dout: :math:`(N, M)`.
        - Output: :math:`(N, d_1, \ldots, d_k)`, :math:`(D, M)` and :math:`(M,)`.

    Examples:
        >>> _, cache = affine_relu_forward(np.array([[1.0, -2.0]]), np.eye(2), np.zeros(2))
        >>> dx, dw, db = affine_relu_backward(np.ones((1, 2)), cache)
        >>> dx, db
        (array([[1., 0.]]), array([1., 0.]))

    """
    affine_cache, relu_cache = cache
    g = _upstream(dout, relu_cache.shape, "affine_relu_backward")
    da = relu_backward(g, relu_cache)
    return affine_backward(da, affine_cache)


# --------------------------------------------------------------------------- convolution


def conv2d_forward(
    x: npt.ArrayLike, w: npt.ArrayLike, b: npt.ArrayLike, stride: int = 1, padding: int = 0
) -> tuple[Array, Conv2dCache]:
    r"""2-D convolution forward pass, naive (a loop over output positions).

    As in PyTorch (and every deep learning library) this is a cross-correlation: the kernel is
    not flipped. With :math:`X` zero-padded by ``padding`` on each side,

    .. math:: \text{out}[n, f, i, j] = b_f + \sum_{c, p, q}
        X[n, c, s i + p, s j + q] \; W[f, c, p, q]

    where :math:`s` is the stride. Equal to ``torch.nn.functional.conv2d(x, w, b, stride,
    padding)``; dilation and groups are left out.

    Args:
        x: inputs, shape ``(N, C, H, W)``.
        w: filters, shape ``(F, C, HH, WW)``.
        b: biases, shape ``(F,)``.
        stride: step between windows, the same along both axes. Default: 1.
        padding: zeros added on every side of each image. Default: 0.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, F, H', W')``; ``cache = (x, w, b, stride,
        padding)``.

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Weight: :math:`(F, C, HH, WW)`; bias :math:`(F,)`.
        - Output: :math:`(N, F, H', W')` with
          :math:`H' = \lfloor (H + 2 \cdot \text{padding} - HH) / \text{stride} \rfloor + 1`,
          and :math:`W'` alike.

    Examples:
        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> w = np.ones((1, 1, 2, 2))
        >>> out, cache = conv2d_forward(x, w, np.zeros(1))
        >>> out
        array([[[[ 8., 12.],
                 [20., 24.]]]])
        >>> conv2d_forward(x, w, np.zeros(1), stride=2, padding=1)[0].shape
        (1, 1, 2, 2)

    """
    name = "conv2d_forward"
    x, w, b = _float_arrays(name, x=x, w=w, b=b)
    s = _size_arg(stride, name, "stride", 1)
    pad = _size_arg(padding, name, "padding", 0)
    _require_4d(x, name, "x", "(N, C, H, W)")
    _require_4d(w, name, "w", "(F, C, HH, WW)")
    n, c, height, width = x.shape
    f, _, hh, ww = w.shape
    if w.shape[1] != c:
        raise ValueError(
            f"{name}: w must have shape (F, C, HH, WW) with C = {c} for x of shape {x.shape}, "
            f"got {w.shape}"
        )
    if b.shape != (f,):
        raise ValueError(f"{name}: b must have shape (F,) = ({f},), got {b.shape}")
    if hh > height + 2 * pad or ww > width + 2 * pad:
        raise ValueError(
            f"{name}: the kernel ({hh}, {ww}) is larger than the padded input "
            f"({height + 2 * pad}, {width + 2 * pad})"
        )
    h_out, w_out = _out_size(height, hh, s, pad), _out_size(width, ww, s, pad)
    xp = np.pad(widen(x), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    wc = widen(w)
    out = np.empty((n, f, h_out, w_out), dtype=xp.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * s : i * s + hh, j * s : j * s + ww]  # (N, C, HH, WW)
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, wc) + widen(b)
    return out.astype(x.dtype, copy=False), (x, w, b, s, pad)


def conv2d_backward(dout: npt.ArrayLike, cache: Conv2dCache) -> tuple[Array, Array, Array]:
    r"""2-D convolution backward pass, naive.

    Each output position :math:`(i, j)` saw one window of the padded input; its gradient flows
    back through that window:

    .. math::
        \bar{W}[f] \mathrel{+}= \sum_n \bar{Y}[n, f, i, j] \, X_{\text{window}}[n], \qquad
        \bar{X}_{\text{window}}[n] \mathrel{+}= \sum_f \bar{Y}[n, f, i, j] \, W[f], \qquad
        \bar{b}_f = \sum_{n, i, j} \bar{Y}[n, f, i, j]

    and the padding is cut off :math:`\bar{X}` at the end.

    Args:
        dout: upstream gradient, shape ``(N, F, H', W')``.
        cache: the cache returned by :func:`conv2d_forward`.

    Returns:
        ``(dx, dw, db)``, with the shapes and dtypes of ``x``, ``w`` and ``b``.

    Shape:
        - dout: :math:`(N, F, H', W')`.
        - Output: :math:`(N, C, H, W)`, :math:`(F, C, HH, WW)` and :math:`(F,)`.

    Examples:
        >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
        >>> _, cache = conv2d_forward(x, w, np.zeros(1))
        >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), cache)
        >>> dx[0, 0]  # how many windows cover each pixel
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])

    """
    x, w, b, s, pad = cache
    n, _, height, width = x.shape
    f, _, hh, ww = w.shape
    h_out, w_out = _out_size(height, hh, s, pad), _out_size(width, ww, s, pad)
    g = _upstream(dout, (n, f, h_out, w_out), "conv2d_backward")
    xp = np.pad(widen(x), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    wc = widen(w)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(wc)
    for i in range(h_out):
        for j in range(w_out):
            rows, cols = slice(i * s, i * s + hh), slice(j * s, j * s + ww)
            g_ij = g[:, :, i, j]  # (N, F)
            dw += np.einsum("nf,nchw->fchw", g_ij, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nf,fchw->nchw", g_ij, wc)
    dx = dxp[:, :, pad : pad + height, pad : pad + width]
    db = g.sum(axis=(0, 2, 3))
    return dx.astype(x.dtype), dw.astype(w.dtype, copy=False), db.astype(b.dtype)


# --------------------------------------------------------------------------- max pooling


def maxpool2d_forward(
    x: npt.ArrayLike, kernel_size: int = 2, stride: int | None = None
) -> tuple[Array, MaxPool2dCache]:
    r"""2-D max pooling forward pass, naive (a loop over output positions).

    .. math:: \text{out}[n, c, i, j] = \max_{0 \le p, q < k} X[n, c, s i + p, s j + q]

    with :math:`k` the kernel size and :math:`s` the stride, as
    ``torch.nn.functional.max_pool2d(x, kernel_size, stride)`` (no padding, dilation or
    ``ceil_mode``). The position of each maximum is kept for the backward pass. On ties the
    first maximum in row-major window order wins, as in PyTorch. A NaN in a window makes its
    output NaN, as in PyTorch (which then takes the last NaN's position, this function the first).

    Args:
        x: inputs, shape ``(N, C, H, W)``.
        kernel_size: the side of the square window. Default: 2.
        stride: step between windows; ``None`` (the default) means ``kernel_size``.

    Returns:
        ``(out, cache)``: ``out`` of shape ``(N, C, H', W')``; the cache holds ``x``, the
        positions of the maxima (flat indices into each window) and the two sizes.

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: :math:`(N, C, H', W')` with
          :math:`H' = \lfloor (H - \text{kernel\_size}) / \text{stride} \rfloor + 1`, and
          :math:`W'` alike.

    Examples:
        >>> x = np.array([[[[1.0, 2.0, 0.0, 0.0],
        ...                 [3.0, 4.0, 0.0, 5.0],
        ...                 [0.0, 0.0, 1.0, 1.0],
        ...                 [6.0, 0.0, 1.0, 1.0]]]])
        >>> out, cache = maxpool2d_forward(x)
        >>> out
        array([[[[4., 5.],
                 [6., 1.]]]])

    """
    name = "maxpool2d_forward"
    arr = as_float_array(x, name)
    k = _size_arg(kernel_size, name, "kernel_size", 1)
    s = k if stride is None else _size_arg(stride, name, "stride", 1)
    _require_4d(arr, name, "x", "(N, C, H, W)")
    n, c, height, width = arr.shape
    if k > height or k > width:
        raise ValueError(
            f"{name}: kernel_size {k} is larger than the input's spatial shape ({height}, {width})"
        )
    h_out, w_out = _out_size(height, k, s, 0), _out_size(width, k, s, 0)
    out = np.empty((n, c, h_out, w_out), dtype=arr.dtype)
    argmax = np.empty((n, c, h_out, w_out), dtype=np.intp)
    for i in range(h_out):
        for j in range(w_out):
            window = arr[:, :, i * s : i * s + k, j * s : j * s + k].reshape(n, c, k * k)
            # np.argmax returns the first maximum in row-major order: PyTorch's tie rule.
            argmax[:, :, i, j] = np.argmax(window, axis=2)
            out[:, :, i, j] = np.max(window, axis=2)
    return out, (arr, argmax, k, s)


def maxpool2d_backward(dout: npt.ArrayLike, cache: MaxPool2dCache) -> Array:
    r"""2-D max pooling backward pass: each window's gradient goes to its maximum.

    .. math:: \bar{X}[n, c, s i + p^*, s j + q^*] \mathrel{+}= \bar{Y}[n, c, i, j]

    where :math:`(p^*, q^*)` is the position of the maximum kept by the forward pass (the first
    one on ties). Every other input gets 0 from that window; with ``stride < kernel_size``
    windows overlap and an input that is the maximum of several collects all their gradients.

    Args:
        dout: upstream gradient, shape ``(N, C, H', W')``.
        cache: the cache returned by :func:`maxpool2d_forward`.

    Returns:
        ``dx``, with the shape and dtype of ``x``.

    Shape:
        - dout: :math:`(N, C, H', W')`.
        - Output: :math:`(N, C, H, W)`.

    Examples:
        >>> x = np.array([[[[1.0, 2.0], [4.0, 3.0]]]])
        >>> _, cache = maxpool2d_forward(x)
        >>> maxpool2d_backward(np.array([[[[10.0]]]]), cache)
        array([[[[ 0.,  0.],
                 [10.,  0.]]]])

    """
    x, argmax, k, s = cache
    g = _upstream(dout, argmax.shape, "maxpool2d_backward")
    n, c, h_out, w_out = argmax.shape
    dx = np.zeros(x.shape, dtype=g.dtype)
    batch, channel = np.ogrid[:n, :c]
    for i in range(h_out):
        for j in range(w_out):
            p, q = np.divmod(argmax[:, :, i, j], k)
            # Within one window position every (n, c) pair hits a different element, so
            # fancy-index += cannot lose updates here.
            dx[batch, channel, i * s + p, j * s + q] += g[:, :, i, j]
    return dx.astype(x.dtype, copy=False)


# --------------------------------------------------------------------------- RNN step


def rnn_step_forward(
    x: npt.ArrayLike,
    h_prev: npt.ArrayLike,
    Wx: npt.ArrayLike,
    Wh: npt.ArrayLike,
    b: npt.ArrayLike,
    nonlinearity: Nonlinearity = "relu",
) -> tuple[Array, RnnStepCache]:
    r"""One time step of a vanilla (Elman) recurrent network, forward pass.

    .. math:: h_\text{next} = f(x W_x + h_\text{prev} W_h + b)

    with :math:`f` ReLU (the default here, as in the course's RNN chapter) or tanh (the default
    of ``torch.nn.RNN``). ``torch.nn.RNN`` stores both weights transposed and has two biases,
    whose sum is :math:`b`.

    Args:
        x: inputs at this step, shape ``(N, D)``.
        h_prev: hidden state from the previous step, shape ``(N, H)``.
        Wx: input-to-hidden weights, shape ``(D, H)``.
        Wh: hidden-to-hidden weights, shape ``(H, H)``.
        b: biases, shape ``(H,)``.
        nonlinearity: ``"relu"`` or ``"tanh"``.

    Returns:
        ``(h_next, cache)``: the new hidden state, shape ``(N, H)``, and what the backward pass
        needs.

    Raises:
        ValueError: for another ``nonlinearity`` or inconsistent shapes.

    Shape:
        - Input: :math:`(N, D)`; h_prev :math:`(N, H)`.
        - Wx :math:`(D, H)`, Wh :math:`(H, H)`, b :math:`(H,)`.
        - Output: :math:`(N, H)`.

    Examples:
        >>> h, cache = rnn_step_forward(
        ...     np.array([[1.0, -1.0]]), np.array([[0.5]]),
        ...     np.array([[1.0], [1.0]]), np.array([[2.0]]), np.array([-0.5]))
        >>> h
        array([[0.5]])

    """
    name = "rnn_step_forward"
    if nonlinearity not in _RNN_ACTIVATIONS:
        raise ValueError(f"{name}: nonlinearity must be 'relu' or 'tanh', got {nonlinearity!r}")
    x, h_prev, wx, wh, b = _float_arrays(name, x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, b=b)
    if x.ndim != 2:
        raise ValueError(f"{name}: x must have shape (N, D), got {x.shape}")
    if h_prev.ndim != 2 or h_prev.shape[0] != x.shape[0]:
        raise ValueError(
            f"{name}: h_prev must have shape (N, H) with N = {x.shape[0]} for x of shape "
            f"{x.shape}, got {h_prev.shape}"
        )
    d, hidden = x.shape[1], h_prev.shape[1]
    for arg, arr, expected in (("Wx", wx, (d, hidden)), ("Wh", wh, (hidden, hidden))):
        if arr.shape != expected:
            raise ValueError(
                f"{name}: {arg} must have shape {expected} for x of shape {x.shape} and h_prev "
                f"of shape {h_prev.shape}, got {arr.shape}"
            )
    if b.shape != (hidden,):
        raise ValueError(f"{name}: b must have shape (H,) = ({hidden},), got {b.shape}")
    forward, _ = _RNN_ACTIVATIONS[nonlinearity]
    a = widen(x) @ widen(wx) + widen(h_prev) @ widen(wh) + widen(b)
    h_next, act_cache = forward(a.astype(x.dtype, copy=False))
    return h_next, (x, h_prev, wx, wh, nonlinearity, act_cache)


def rnn_step_backward(
    dh_next: npt.ArrayLike, cache: RnnStepCache
) -> tuple[Array, Array, Array, Array, Array]:
    r"""One time step of a vanilla recurrent network, backward pass.

    With :math:`A = x W_x + h_\text{prev} W_h + b` and :math:`\bar{A} = \bar{h}_\text{next}
    \odot f'(A)` (from the activation's own backward pass),

    .. math::
        \bar{x} = \bar{A} W_x^\top, \quad \bar{h}_\text{prev} = \bar{A} W_h^\top, \quad
        \bar{W}_x = x^\top \bar{A}, \quad \bar{W}_h = h_\text{prev}^\top \bar{A}, \quad
        \bar{b} = \textstyle\sum_n \bar{A}_{n,:}

    Args:
        dh_next: upstream gradient with respect to ``h_next``, shape ``(N, H)``.
        cache: the cache returned by :func:`rnn_step_forward`.

    Returns:
        ``(dx, dh_prev, dWx, dWh, db)``, with the shapes and dtypes of the forward inputs.

    Shape:
        - dh_next: :math:`(N, H)`.
        - Output: :math:`(N, D)`, :math:`(N, H)`, :math:`(D, H)`, :math:`(H, H)`, :math:`(H,)`.

    Examples:
        >>> _, cache = rnn_step_forward(
        ...     np.array([[1.0, -1.0]]), np.array([[0.5]]),
        ...     np.array([[1.0], [1.0]]), np.array([[2.0]]), np.array([-0.5]))
        >>> dx, dh_prev, dWx, dWh, db = rnn_step_backward(np.array([[1.0]]), cache)
        >>> dx, dh_prev, db
        (array([[1., 1.]]), array([[2.]]), array([1.]))

    """
    x, h_prev, wx, wh, nonlinearity, act_cache = cache
    g = _upstream(dh_next, act_cache.shape, "rnn_step_backward", "dh_next")
    _, backward = _RNN_ACTIVATIONS[nonlinearity]
    da = widen(backward(g, act_cache))
    dx = da @ widen(wx).T
    dh_prev = da @ widen(wh).T
    dwx = widen(x).T @ da
    dwh = widen(h_prev).T @ da
    db = da.sum(axis=0)
    return (
        dx.astype(x.dtype, copy=False),
        dh_prev.astype(h_prev.dtype, copy=False),
        dwx.astype(wx.dtype, copy=False),
        dwh.astype(wh.dtype, copy=False),
        db.astype(x.dtype, copy=False),  # b has x's dtype: the forward pass checked it
    )
