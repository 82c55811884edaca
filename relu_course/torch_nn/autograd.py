r"""ReLU and Leaky ReLU as ``torch.autograd.Function``\ s with hand-written backward passes.

``torch.relu`` gets its gradient from PyTorch's autograd formulas. Here the forward and the
backward pass are written out side by side, as in the NumPy version
(:mod:`relu_course.numpy_nn.activations`), so that a learner sees everything autograd does
for ReLU: the forward pass computes the output and saves what the backward pass needs; the
backward pass turns the gradient of the loss with respect to the output into the gradient
with respect to the input.

The semantics are PyTorch's, bit for bit (the tests compare them with ``torch.relu``):

* forward ``max(x, 0)``, where NaN stays NaN, ``-inf`` becomes 0 and integer tensors keep
  their dtype; ``-0.0`` stays ``-0.0`` on the CPU and becomes ``0.0`` on CUDA, as with
  ``torch.relu`` (PyTorch's two kernels differ there);
* backward ``result <= 0 ? 0 : grad``, as PyTorch's ``threshold_backward``: the derivative at 0
  is 0, and where the input was NaN the gradient passes through.

The backward passes are written in differentiable torch operations, so second derivatives
(``torch.autograd.gradgradcheck``, ``create_graph=True``) work too.
"""

from __future__ import annotations

from typing import Any

import torch

from relu_course.torch_nn import triton

__all__ = ["LeakyReLUFunction", "ReLUFunction", "leaky_relu", "relu"]


def _relu_forward_impl(x: torch.Tensor) -> torch.Tensor:
    """Compute the ReLU values proper: ``max(x, 0)``, NaN kept.

    This is the one place a device-specific kernel plugs in: on CUDA, with Triton installed,
    the kernel of :mod:`relu_course.torch_nn.triton`. Everything around it (checks, saving for
    the backward pass) is the same on every device.
    """
    if x.is_cuda and triton.supports(x):
        return triton.relu_forward(x)
    # torch.relu's own kernel, in one pass: it keeps NaN, where torch.where(x > 0, x, 0) would
    # give 0, and gives for -0.0 what torch.relu gives on this device (the tests compare them
    # bit for bit).
    return torch.clamp_min(x, 0)


class ReLUFunction(torch.autograd.Function):
    r"""Rectified linear unit with a hand-written backward pass.

    .. math:: \operatorname{ReLU}(x) = \max(0, x)

    Derivative: :math:`\operatorname{ReLU}'(x) = 1` for :math:`x > 0` and :math:`0` for
    :math:`x \le 0` (the subgradient 0 at the kink, as PyTorch).

    The forward pass saves its *output*, not its input: ``result <= 0`` exactly where
    ``x <= 0`` (both are false at NaN), so the output is all the backward pass needs, and an
    input that is later overwritten in place does not spoil the gradient.

    Use it through :meth:`apply` or the :func:`relu` wrapper, never by calling ``forward``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        >>> y = ReLUFunction.apply(x)
        >>> y
        tensor([0., 0., 2.], grad_fn=<ReLUFunctionBackward>)
        >>> y.sum().backward()
        >>> x.grad
        tensor([0., 0., 1.])
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        """Compute ``relu(x)`` and save the result for the backward pass.

        Args:
            ctx: the context object autograd passes in.
            x: input tensor of a real dtype (floating point or integer; not bool).

        Returns:
            ``max(x, 0)`` with NaN kept, a new tensor of ``x``'s shape and dtype.

        Raises:
            TypeError: ``x`` is not a tensor, or is bool or complex.
        """
        _check_real_tensor(x, "ReLUFunction", allow_integer=True)
        result = _relu_forward_impl(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
        """Pass the upstream gradient where the output is positive, else 0.

        Args:
            ctx: the context holding the saved output.
            grad_output: gradient of the loss with respect to the output.

        Returns:
            The gradient with respect to ``x``: ``result <= 0 ? 0 : grad_output``.
        """
        (result,) = ctx.saved_tensors
        # The Triton kernel has no derivative itself: use it unless a graph of the backward
        # pass is being recorded (create_graph=True, for second derivatives).
        if not torch.is_grad_enabled() and triton.supports(grad_output, result):
            return triton.relu_backward(grad_output, result)
        # result <= 0 ? 0 : grad_output, in one fused pass (and differentiable again).
        grad_input: torch.Tensor = torch.ops.aten.threshold_backward(grad_output, result, 0)
        return grad_input


class LeakyReLUFunction(torch.autograd.Function):
    r"""Leaky rectified linear unit with a hand-written backward pass.

    .. math::
        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\
        \text{negative\_slope} \cdot x & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0` and ``negative_slope`` for :math:`x \le 0` (at 0 too, as
    PyTorch). ``negative_slope`` is a constant, not a learned parameter: it gets no gradient
    (:class:`torch.nn.PReLU` is the version that learns it).

    The forward pass saves the *input*: with a negative slope the sign of the output no longer
    tells which side of 0 the input was on.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> x = torch.tensor([-2.0, 0.0, 3.0], requires_grad=True)
        >>> y = LeakyReLUFunction.apply(x, 0.1)
        >>> y.sum().backward()
        >>> x.grad
        tensor([0.1000, 0.1000, 1.0000])
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
        """Compute ``leaky_relu(x)`` and save the input and the slope for the backward pass.

        Args:
            ctx: the context object autograd passes in.
            x: floating-point input tensor.
            negative_slope: the slope for ``x <= 0``.

        Returns:
            ``x > 0 ? x : x * negative_slope``, a new tensor of ``x``'s shape and dtype.

        Raises:
            TypeError: ``x`` is not a floating-point tensor, or ``negative_slope`` is not a
                real number.
        """
        _check_real_tensor(x, "LeakyReLUFunction", allow_integer=False)
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise TypeError(
                "LeakyReLUFunction: negative_slope must be a real number, "
                f"got {type(negative_slope).__name__}"
            )
        ctx.save_for_backward(x)
        ctx.negative_slope = float(negative_slope)
        return torch.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        """Pass the upstream gradient where ``x > 0``, scaled by the slope elsewhere.

        Args:
            ctx: the context holding the saved input and slope.
            grad_output: gradient of the loss with respect to the output.

        Returns:
            ``(grad_x, None)``: ``x > 0 ? grad_output : grad_output * negative_slope``, and no
            gradient for the constant slope.
        """
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad_output, grad_output * ctx.negative_slope), None


def _check_real_tensor(x: object, name: str, *, allow_integer: bool) -> None:
    """Raise a ``TypeError`` unless ``x`` is a tensor of a dtype the activation supports."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: x must be a torch.Tensor, got {type(x).__name__}")
    if x.dtype.is_floating_point:
        return
    integer = not x.dtype.is_complex and x.dtype != torch.bool
    if integer and allow_integer:
        return
    wanted = "a floating-point or integer" if allow_integer else "a floating-point"
    raise TypeError(
        f"{name}: x must have {wanted} dtype, got {x.dtype}; convert it first, "
        "for example x.float()"
    )


def relu(x: torch.Tensor) -> torch.Tensor:
    r"""Rectified linear unit through :class:`ReLUFunction` (the hand-written backward pass).

    .. math:: \operatorname{ReLU}(x) = \max(0, x)

    Derivative: 1 for :math:`x > 0`, 0 for :math:`x \le 0` (0 at the kink, as PyTorch).

    Args:
        x: input tensor of a real dtype (floating point or integer).

    Returns:
        ``max(x, 0)``, with the same values (bit for bit, on each device) and gradients as
        ``torch.relu``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> relu(torch.tensor([-2.0, -0.0, 1.5]))
        tensor([0.0000, -0.0000, 1.5000])
    """
    result: torch.Tensor = ReLUFunction.apply(x)  # type: ignore[no-untyped-call]
    return result


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    r"""Leaky ReLU through :class:`LeakyReLUFunction` (the hand-written backward pass).

    .. math::
        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\
        \text{negative\_slope} \cdot x & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0`, ``negative_slope`` for :math:`x \le 0`.

    Args:
        x: floating-point input tensor.
        negative_slope: the slope for :math:`x \le 0`. Default: 0.01.

    Returns:
        The same values and gradients as ``torch.nn.functional.leaky_relu``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape and dtype as the input.

    Examples:
        >>> leaky_relu(torch.tensor([-2.0, 0.0, 3.0]), negative_slope=0.1)
        tensor([-0.2000,  0.0000,  3.0000])
    """
    result: torch.Tensor = LeakyReLUFunction.apply(x, negative_slope)  # type: ignore[no-untyped-call]
    return result
