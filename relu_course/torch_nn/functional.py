r"""Activation functions for torch tensors, as thin documented wrappers of PyTorch's own.

Each function here delegates to ``torch`` or ``torch.nn.functional``, so values, gradients,
dtypes and devices are exactly PyTorch's. What the wrappers add is a docstring in the course's
shape (the formula, its derivative, the shapes, an example) and a plain ``TypeError`` when the
input is not a tensor. The hand-written forward and backward passes live in
:mod:`relu_course.torch_nn.autograd`.

The derivative of ReLU at 0 is taken to be 0, as PyTorch takes it.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

__all__ = [
    "elu",
    "gelu",
    "leaky_relu",
    "prelu",
    "relu",
    "sigmoid",
    "softplus",
    "tanh",
]

GeluApproximation = Literal["none", "tanh"]


def _check_tensor(x: object, name: str, arg: str = "x") -> None:
    """Raise a ``TypeError`` naming the function unless ``x`` is a tensor."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name}: {arg} must be a torch.Tensor, got {type(x).__name__}; "
            "convert it first, for example torch.as_tensor(x)"
        )


def relu(x: torch.Tensor, inplace: bool = False) -> torch.Tensor:
    r"""Rectified linear unit, applied elementwise.

    .. math:: \operatorname{ReLU}(x) = \max(0, x)

    Derivative: :math:`\operatorname{ReLU}'(x) = 1` for :math:`x > 0` and :math:`0` for
    :math:`x \le 0`; at the kink :math:`x = 0` PyTorch, and the course, take the subgradient 0.
    NaN stays NaN. ``-0.0`` gives what ``torch.relu`` gives on the same device: ``-0.0`` on
    the CPU, ``0.0`` on CUDA.

    Args:
        x: input tensor of any shape and a real dtype (integers keep their dtype).
        inplace: overwrite ``x`` with the result and return ``x``. Default: ``False``.

    Returns:
        The rectified tensor.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> relu(torch.tensor([-2.0, -0.5, 0.0, 1.5]))
        tensor([0.0000, 0.0000, 0.0000, 1.5000])
    """
    _check_tensor(x, "relu")
    return torch.relu_(x) if inplace else torch.relu(x)


def leaky_relu(
    x: torch.Tensor, negative_slope: float = 0.01, inplace: bool = False
) -> torch.Tensor:
    r"""Leaky rectified linear unit, applied elementwise (Maas, Hannun & Ng, 2013).

    .. math::
        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\
        \text{negative\_slope} \cdot x & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0` and ``negative_slope`` for :math:`x \le 0` (at 0 too, as
    PyTorch). Negative inputs keep a small gradient, so a unit cannot die as a ReLU unit can.

    Args:
        x: floating-point input tensor of any shape.
        negative_slope: the slope for :math:`x \le 0`. Default: 0.01.
        inplace: overwrite ``x`` with the result and return ``x``. Default: ``False``.

    Returns:
        The activated tensor.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> leaky_relu(torch.tensor([-2.0, 0.0, 3.0]), negative_slope=0.1)
        tensor([-0.2000,  0.0000,  3.0000])
    """
    _check_tensor(x, "leaky_relu")
    return F.leaky_relu(x, negative_slope, inplace)


def prelu(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    r"""Parametric ReLU: a leaky ReLU whose negative slope is a learned weight (He et al., 2015).

    .. math::
        \operatorname{PReLU}(x) = \begin{cases} x & x > 0 \\ a \cdot x & x \le 0 \end{cases}

    Derivative: with respect to :math:`x`, 1 for :math:`x > 0` and :math:`a` otherwise; with
    respect to :math:`a`, :math:`x` where :math:`x \le 0` and 0 elsewhere.

    Args:
        x: floating-point input tensor. With two or more dimensions, dimension 1 holds the
            channels.
        weight: the slope :math:`a`, of shape ``(1,)`` (shared) or ``(C,)`` (one per channel of
            dimension 1).

    Returns:
        The activated tensor.

    Shape:
        - Input: :math:`(*)`, or :math:`(N, C, *)` with per-channel weights.
        - Weight: :math:`(1,)` or :math:`(C,)`.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> prelu(torch.tensor([[-2.0, -2.0], [4.0, -4.0]]), torch.tensor([0.25, 0.5]))
        tensor([[-0.5000, -1.0000],
                [ 4.0000, -2.0000]])
    """
    _check_tensor(x, "prelu")
    _check_tensor(weight, "prelu", "weight")
    return F.prelu(x, weight)


def elu(x: torch.Tensor, alpha: float = 1.0, inplace: bool = False) -> torch.Tensor:
    r"""Exponential linear unit (Clevert, Unterthiner & Hochreiter, 2016).

    .. math::
        \operatorname{ELU}(x) = \begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0` and :math:`\alpha e^x` for :math:`x \le 0`, which equals
    :math:`\alpha` at 0 (continuous when :math:`\alpha = 1`). Negative outputs saturate at
    :math:`-\alpha`, pushing mean activations towards zero.

    Args:
        x: floating-point input tensor of any shape.
        alpha: ELU tends to :math:`-\alpha` as :math:`x \to -\infty`. Default: 1.0.
        inplace: overwrite ``x`` with the result and return ``x``. Default: ``False``.

    Returns:
        The activated tensor.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> elu(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([-0.6321,  0.0000,  2.0000])
    """
    _check_tensor(x, "elu")
    return F.elu(x, alpha, inplace)


def gelu(x: torch.Tensor, approximate: GeluApproximation = "none") -> torch.Tensor:
    r"""Gaussian error linear unit (Hendrycks & Gimpel, 2016).

    .. math:: \operatorname{GELU}(x) = x \, \Phi(x)
        = \tfrac{1}{2} x \left(1 + \operatorname{erf}(x / \sqrt{2})\right)

    with the ``"tanh"`` approximation
    :math:`\tfrac{1}{2} x \left(1 + \tanh\!\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)`.

    Derivative: :math:`\Phi(x) + x\,\varphi(x)`, where :math:`\varphi` is the standard normal
    density; :math:`\tfrac{1}{2}` at 0. Smooth everywhere, and slightly negative for
    :math:`x < 0`.

    Args:
        x: floating-point input tensor of any shape.
        approximate: ``"none"`` for the exact form, ``"tanh"`` for the approximation.

    Returns:
        The activated tensor.

    Raises:
        ValueError: ``approximate`` is neither ``"none"`` nor ``"tanh"``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> gelu(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    _check_tensor(x, "gelu")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return F.gelu(x, approximate=approximate)


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    r"""Logistic sigmoid, applied elementwise.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}

    Derivative: :math:`\sigma'(x) = \sigma(x)(1 - \sigma(x))`, at most :math:`\tfrac{1}{4}` (at 0)
    and vanishing for large :math:`|x|`: the saturation that makes deep sigmoid networks hard
    to train and that ReLU avoids for positive inputs.

    Args:
        x: floating-point input tensor of any shape.

    Returns:
        Values in :math:`[0, 1]`.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> sigmoid(torch.tensor([-1000.0, 0.0, 1000.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    _check_tensor(x, "sigmoid")
    return torch.sigmoid(x)


def tanh(x: torch.Tensor) -> torch.Tensor:
    r"""Hyperbolic tangent, applied elementwise.

    .. math:: \tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}}

    Derivative: :math:`1 - \tanh^2(x)`, equal to 1 at 0 and vanishing for large :math:`|x|`.

    Args:
        x: floating-point input tensor of any shape.

    Returns:
        Values in :math:`[-1, 1]`.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> tanh(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.7616,  0.0000,  0.7616])
    """
    _check_tensor(x, "tanh")
    return torch.tanh(x)


def softplus(x: torch.Tensor, beta: float = 1.0, threshold: float = 20.0) -> torch.Tensor:
    r"""Softplus, a smooth approximation of ReLU, applied elementwise.

    .. math:: \operatorname{Softplus}(x) = \frac{1}{\beta} \log\left(1 + e^{\beta x}\right)

    Derivative: :math:`\sigma(\beta x)`, the logistic sigmoid; :math:`\tfrac{1}{2}` at 0. As
    :math:`\beta \to \infty` softplus tends to ReLU. Where :math:`\beta x > \text{threshold}`
    the function returns :math:`x` itself, for numerical stability, as PyTorch does.

    Args:
        x: floating-point input tensor of any shape.
        beta: sharpness :math:`\beta`. Default: 1.0.
        threshold: above this value of :math:`\beta x` the function is linear. Default: 20.0.

    Returns:
        The activated tensor, positive everywhere.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> softplus(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([0.3133, 0.6931, 1.3133])
    """
    _check_tensor(x, "softplus")
    return F.softplus(x, beta, threshold)
