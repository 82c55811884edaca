"""ReLU forward and backward as Triton kernels, for CUDA tensors.

Each kernel reads and writes every element once, so it runs at the GPU's memory bandwidth, like
a copy. The semantics are those of PyTorch's own CUDA kernels, bit for bit: forward
``x <= 0 ? 0 : x`` (NaN stays NaN; ``-0.0`` becomes ``0.0``, as ``torch.relu`` gives on CUDA,
where on the CPU it keeps ``-0.0``), backward ``result <= 0 ? 0 : grad`` (as
``threshold_backward``).

Triton is optional: where it is missing, or where there is no CUDA device, :func:`available` is
false and :class:`~relu_course.torch_nn.autograd.ReLUFunction` computes with PyTorch's own
operations.

Without a GPU the kernels can still be run, slowly, by Triton's interpreter: set
``TRITON_INTERPRET=1`` before this module is first imported and :func:`relu_forward` and
:func:`relu_backward` take CPU tensors too (the tests use this to check the kernels on every
machine). The interpreter computes bfloat16 on its bit patterns, not its values, so under it
bfloat16 gives wrong answers: :func:`accepts` refuses it there.
"""

import os
from typing import Any

import torch

try:  # requirements.txt installs Triton on Linux; elsewhere it may be missing.
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None

__all__ = [
    "BLOCK",
    "INTERPRETED",
    "accepts",
    "available",
    "relu_backward",
    "relu_forward",
    "supports",
    "version",
]

#: Elements per program, with Triton's default of 4 warps: 8 per thread. On an H200 this ran at
#: the speed of a copy in float32 and bfloat16; blocks of 2048 to 16384 were 1 to 6% slower.
BLOCK = 1024
_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
#: Whether Triton's interpreter runs the kernels (``TRITON_INTERPRET=1`` at import), on the CPU.
INTERPRETED = triton is not None and os.environ.get("TRITON_INTERPRET") == "1"


def version() -> str | None:
    """Triton's version, or ``None`` where it is not installed."""
    return None if triton is None else str(triton.__version__)


def available() -> bool:
    """Whether Triton is installed and a CUDA device is present."""
    return triton is not None and torch.cuda.is_available()


def accepts(*tensors: torch.Tensor) -> bool:
    """Whether :func:`relu_forward` and :func:`relu_backward` take these tensors.

    They take tensors of one floating dtype, on CUDA where Triton compiles the kernels, or on
    the CPU under Triton's interpreter (bfloat16 excepted there; see the module's docstring).

    Args:
        tensors: the kernel's tensor arguments.

    Returns:
        True when every tensor qualifies.
    """
    if len({t.dtype for t in tensors}) != 1 or tensors[0].dtype not in _DTYPES:
        return False
    if all(t.is_cuda for t in tensors):
        return available() and not INTERPRETED
    on_cpu = all(t.device.type == "cpu" for t in tensors)
    return INTERPRETED and on_cpu and tensors[0].dtype != torch.bfloat16


def supports(*tensors: torch.Tensor) -> bool:
    """Whether the compiled kernels run these tensors: what ``ReLUFunction`` uses them for.

    Args:
        tensors: the kernel's tensor arguments.

    Returns:
        True for CUDA tensors of one floating dtype, with Triton installed.
    """
    return all(t.is_cuda for t in tensors) and accepts(*tensors)


if triton is not None:
    # Kernels are written as Triton's documentation writes them: only `block` is annotated
    # (Triton reads annotations to find compile-time constants). Zeros come from the builtin
    # tl.full(x.shape, 0, x.dtype), which is what tl.zeros_like calls: zeros_like is a @jit
    # helper, made at Triton's import, that the interpreter the tests switch on later in the
    # same process cannot run.
    @triton.jit
    def _forward_kernel(x_ptr, y_ptr, n, block: tl.constexpr):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        offsets = tl.program_id(0) * block + tl.arange(0, block)
        mask = offsets < n
        x = tl.load(x_ptr + offsets, mask=mask)
        # NaN <= 0 is false, so NaN passes through; -0.0 <= 0 is true, so -0.0 becomes +0.0,
        # which is what torch.relu (a max with 0) gives on CUDA.
        tl.store(y_ptr + offsets, tl.where(x <= 0, tl.full(x.shape, 0, x.dtype), x), mask=mask)

    @triton.jit
    def _backward_kernel(g_ptr, y_ptr, dx_ptr, n, block: tl.constexpr):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
        offsets = tl.program_id(0) * block + tl.arange(0, block)
        mask = offsets < n
        g = tl.load(g_ptr + offsets, mask=mask)
        y = tl.load(y_ptr + offsets, mask=mask)
        tl.store(dx_ptr + offsets, tl.where(y <= 0, tl.full(g.shape, 0, g.dtype), g), mask=mask)


def _describe(t: torch.Tensor) -> str:
    return f"{t.dtype} {tuple(t.shape)} on {t.device}" + (
        " (Triton missing)" if triton is None else ""
    )


def _launch(kernel: Any, *tensors: torch.Tensor) -> None:
    n = tensors[0].numel()
    if n:
        kernel[(triton.cdiv(n, BLOCK),)](*tensors, n, block=BLOCK)


def relu_forward(x: torch.Tensor) -> torch.Tensor:
    """``relu(x)`` by the Triton kernel.

    Args:
        x: a floating-point CUDA tensor of any shape (see :func:`accepts`); a non-contiguous one
            is made contiguous.

    Returns:
        A new contiguous tensor of ``x``'s shape and dtype.
    """
    if not accepts(x):
        raise TypeError(
            "relu_forward needs a floating-point CUDA tensor and Triton (see accepts()); got "
            f"{_describe(x)}"
        )
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
    if not accepts(grad, result) or grad.shape != result.shape:
        raise TypeError(
            "relu_backward needs CUDA tensors of one floating dtype and shape; got "
            f"{_describe(grad)} and {_describe(result)}"
        )
    grad, result = grad.contiguous(), result.contiguous()
    dx = torch.empty_like(grad)
    _launch(_backward_kernel, grad, result, dx)
    return dx
