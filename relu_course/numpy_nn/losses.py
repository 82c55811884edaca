r"""Loss functions in NumPy, each returning the loss and its gradient together.

A loss ends the forward pass and starts the backward one, so, as in cs231n, each function
returns ``(loss, dscores)``: the mean loss as a Python float, and the gradient of that loss with
respect to its first argument, ready to hand to the last layer's backward pass.

PyTorch is the reference: ``torch.nn.functional.cross_entropy`` and ``mse_loss`` with their
default ``reduction="mean"`` (the tests check values and gradients in float64).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from relu_course.numpy_nn._checks import Array, as_float_array, compute_dtype, widen

__all__ = ["mse_loss", "softmax_cross_entropy"]


def softmax_cross_entropy(scores: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, Array]:
    r"""Softmax cross-entropy loss, averaged over the batch, and its gradient.

    With :math:`p_{n,c} = e^{s_{n,c}} / \sum_{c'} e^{s_{n,c'}}` the softmax of each row of scores,

    .. math:: L = -\frac{1}{N} \sum_n \log p_{n, y_n}, \qquad
        \frac{\partial L}{\partial s_{n,c}} = \frac{1}{N} \left(p_{n,c} - [c = y_n]\right)

    :math:`\log p` is computed as :math:`s - \max(s) - \log \sum e^{s - \max(s)}` (a log-sum-exp
    with the row maximum subtracted), so large scores neither overflow nor lose the loss.
    Equal to ``torch.nn.functional.cross_entropy(scores, y)``.

    Args:
        scores: unnormalised class scores (logits), a float array of shape ``(N, C)``, ``N >= 1``.
        y: integer class labels of shape ``(N,)``, each in ``[0, C)``.

    Returns:
        ``(loss, dscores)``: the mean loss as a Python float, and its gradient with respect to
        ``scores`` (shape and dtype of ``scores``).

    Raises:
        ValueError: for wrong shapes, an empty batch or a label outside ``[0, C)``.
        TypeError: for scores that are not float, or labels that are not integers.

    Shape:
        - Input: :math:`(N, C)`; labels :math:`(N,)`.
        - Output: a scalar, and :math:`(N, C)`.

    Examples:
        >>> loss, dscores = softmax_cross_entropy(np.array([[0.0, 0.0], [1000.0, 0.0]]),
        ...                                       np.array([0, 0]))
        >>> round(loss, 4)  # log(2) / 2: the first row is a coin toss, the second is certain
        0.3466
        >>> dscores
        array([[-0.25,  0.25],
               [ 0.  ,  0.  ]])

    """
    name = "softmax_cross_entropy"
    s = as_float_array(scores, name, "scores")
    labels = np.asarray(y)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: y must hold integer class labels, got dtype {labels.dtype}; "
            "convert it first, for example y.astype(np.int64)"
        )
    if s.ndim != 2:
        raise ValueError(f"{name}: scores must have shape (N, C), got {s.shape}")
    n, c = s.shape
    if labels.shape != (n,):
        raise ValueError(
            f"{name}: y must have shape (N,) = ({n},) for scores of shape {s.shape}, "
            f"got {labels.shape}"
        )
    if n == 0:
        raise ValueError(f"{name}: the mean over an empty batch is undefined (scores {s.shape})")
    bad = (labels < 0) | (labels >= c)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}: labels must lie in [0, C) = [0, {c}), got y[{first}] = {labels[first]}"
        )
    sc = widen(s)
    shifted = sc - sc.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, labels].mean()
    dscores = np.exp(log_probs)
    dscores[rows, labels] -= 1
    dscores /= n
    return float(loss), dscores.astype(s.dtype, copy=False)


def mse_loss(y_hat: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, Array]:
    r"""Mean squared error over all elements, and its gradient.

    .. math:: L = \frac{1}{K} \sum_k (\hat{y}_k - y_k)^2, \qquad
        \frac{\partial L}{\partial \hat{y}_k} = \frac{2}{K} (\hat{y}_k - y_k)

    where :math:`K` is the number of elements. Equal to
    ``torch.nn.functional.mse_loss(y_hat, y)`` (``reduction="mean"``). As there, the two arrays
    may differ in float dtype: the loss is computed in the wider one and the gradient has
    ``y_hat``'s dtype.

    Args:
        y_hat: predictions, a float array of any shape with at least one element.
        y: targets, a float array of the same shape (no broadcasting).

    Returns:
        ``(loss, dy_hat)``: the mean loss as a Python float, and its gradient with respect to
        ``y_hat`` (shape and dtype of ``y_hat``).

    Raises:
        ValueError: if the shapes differ or the arrays are empty.
        TypeError: if either is not a float array.

    Shape:
        - Input: :math:`(*)`; target: :math:`(*)`, the same shape.
        - Output: a scalar, and :math:`(*)`.

    Examples:
        >>> loss, dy_hat = mse_loss(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
        >>> loss, dy_hat
        (2.0, array([ 0., -2.]))

    """
    name = "mse_loss"
    pred = as_float_array(y_hat, name, "y_hat")
    target = as_float_array(y, name, "y")
    if pred.shape != target.shape:
        raise ValueError(
            f"{name}: y_hat and y must have the same shape, got {pred.shape} and {target.shape}"
        )
    if pred.size == 0:
        raise ValueError(f"{name}: the mean over an empty array is undefined (shape {pred.shape})")
    dtype = compute_dtype(np.result_type(pred, target))
    diff = pred.astype(dtype, copy=False) - target.astype(dtype, copy=False)
    loss = np.mean(diff * diff)
    dy_hat = (2 / diff.size) * diff
    return float(loss), dy_hat.astype(pred.dtype, copy=False)
