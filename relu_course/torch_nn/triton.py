"""ReLU forward and backward as Triton kernels, for CUDA tensors.

Each kernel reads and writes every element once, so it runs at the GPU's memory bandwidth, like
a copy. The semantics are PyTorch's: forward ``x < 0 ? 0 : x`` (NaN stays NaN, ``-0.0`` stays
``-0.0``), backward ``result <= 0 ? 0 : grad`` (as ``threshold_backward``).

Triton is optional: on machines without it (every CPU-only machine) :func:`available` is false
and nothing here is used; :class:`~relu_course.torch_nn.autograd.ReLUFunction` then computes with
PyTorch's own operations.
"""

from typing import Any

import torch

try:  # Triton ships with CUDA builds of PyTorch only.
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None

__all__ = ["BLOCK", "available", "relu_backward", "relu_forward", "supports"]

#: Elements per program: enough work per block to keep the memory system busy.
BLOCK = 4096
_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def available() -> bool:
    """Whether Triton is installed and a CUDA device is present."""
    return triton is not None and torch.cuda.is_available()


def supports(*tensors: torch.Tensor) -> bool:
    """Whether the kernels can take these tensors: CUDA, floating point, same dtype."""
    return (
        available()
        and all(t.is_cuda and t.dtype in _DTYPES for t in tensors)
        and len({t.dtype for t in tensors}) == 1
    )


if triton is not None:
    # Kernels are written as Triton's documentation writes them: only `block` is annotated
    # (Triton reads annotations to find compile-time constants).
    @triton.jit
    def _forward_kernel(x_ptr, y_ptr, n, block: tl.constexpr):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        offsets = tl.program_id(0) * block + tl.arange(0, block)
        mask = offsets < n
        x = tl.load(x_ptr + offsets, mask=mask)
        # x < 0 is false for NaN and -0.0, so both pass through unchanged.
        tl.store(y_ptr + offsets, tl.where(x < 0, tl.zeros_like(x), x), mask=mask)

    @triton.jit
    def _backward_kernel(g_ptr, y_ptr, dx_ptr, n, block: tl.constexpr):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        offsets = tl.program_id(0) * block + tl.arange(0, block)
        mask = offsets < n
        g = tl.load(g_ptr + offsets, mask=mask)
        y = tl.load(y_ptr + offsets, mask=mask)
        tl.store(dx_ptr + offsets, tl.where(y <= 0, tl.zeros_like(g), g), mask=mask)


def _launch(kernel: Any, *tensors: torch.Tensor) -> None:
    n = tensors[0].numel()
    if n:
        kernel[(triton.cdiv(n, BLOCK),)](*tensors, n, block=BLOCK)


def relu_forward(x: torch.Tensor) -> torch.Tensor:
    """``relu(x)`` by the Triton kernel.

    Args:
        x: a floating-point CUDA tensor of any shape; a non-contiguous one is made contiguous.

    Returns:
        A new contiguous tensor of ``x``'s shape and dtype.
    """
    if not supports(x):
        raise TypeError("relu_forward needs a floating-point CUDA tensor and Triton")
    x = x.contiguous()
    y = torch.empty_like(x)
    _launch(_forward_kernel, x, y)
    return y


def relu_backward(grad: torch.Tensor, result: torch.Tensor) -> torch.Tensor:
    """The gradient with respect to ReLU's input, ``result <= 0 ? 0 : grad``, by Triton.

    Args:
        grad: gradient with respect to the output.
        result: the forward pass's output, same shape and dtype.

    Returns:
        A new contiguous tensor: the gradient with respect to the input.
    """
    if not supports(grad, result) or grad.shape != result.shape:
        raise TypeError("relu_backward needs CUDA tensors of one floating dtype and shape")
    grad, result = grad.contiguous(), result.contiguous()
    dx = torch.empty_like(grad)
    _launch(_backward_kernel, grad, result, dx)
    return dx
