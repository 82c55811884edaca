r"""Activation modules: ``ReLU``, ``LeakyReLU`` and ``PReLU`` as ``torch.nn.Module``\ s.

Each module holds its settings, delegates the computation to
:mod:`relu_course.torch_nn.functional` and prints as PyTorch's module of the same name and
arguments does (``ReLU()``, ``ReLU(inplace=True)``, ``LeakyReLU(negative_slope=0.01)``,
``PReLU(num_parameters=1)``), so a network built from them reads like one built from
``torch.nn``.
"""

from __future__ import annotations

import torch
from torch import nn

from relu_course.torch_nn import functional
from relu_course.torch_nn.autograd import ReLUFunction

__all__ = ["LeakyReLU", "PReLU", "ReLU"]


class ReLU(nn.Module):
    r"""Rectified linear unit, applied elementwise.

    .. math:: \operatorname{ReLU}(x) = \max(0, x)

    Derivative: 1 for :math:`x > 0` and 0 for :math:`x \le 0` (0 at the kink, as PyTorch).

    Args:
        inplace: overwrite the input with the result, saving memory. Only safe when nothing
            else needs the input afterwards (autograd raises an error when something does).
            Default: ``False``.
        use_autograd_function: compute through the hand-written
            :class:`~relu_course.torch_nn.autograd.ReLUFunction` instead of ``torch.relu``.
            Values and gradients are the same; it lets the article's networks train on the
            course's own backward pass (``activation=lambda: ReLU(use_autograd_function=True)``).
            Cannot be combined with ``inplace``. Default: ``False``.

    Raises:
        ValueError: both ``inplace`` and ``use_autograd_function`` are set.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> m = ReLU()
        >>> m
        ReLU()
        >>> m(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """

    def __init__(self, inplace: bool = False, use_autograd_function: bool = False) -> None:
        super().__init__()
        if inplace and use_autograd_function:
            raise ValueError(
                "ReLU: inplace=True cannot be combined with use_autograd_function=True; "
                "ReLUFunction always returns a new tensor"
            )
        self.inplace = inplace
        self.use_autograd_function = use_autograd_function

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply ReLU to ``x`` (in place when the module was built with ``inplace=True``)."""
        if self.use_autograd_function:
            result: torch.Tensor = ReLUFunction.apply(x)  # type: ignore[no-untyped-call]
            return result
        return functional.relu(x, inplace=self.inplace)

    def extra_repr(self) -> str:
        """Describe the settings as ``torch.nn.ReLU`` does: ``inplace=True`` or nothing."""
        if self.use_autograd_function:
            return "use_autograd_function=True"
        return "inplace=True" if self.inplace else ""


class LeakyReLU(nn.Module):
    r"""Leaky rectified linear unit, applied elementwise.

    .. math::
        \operatorname{LeakyReLU}(x) = \begin{cases} x & x > 0 \\
        \text{negative\_slope} \cdot x & x \le 0 \end{cases}

    Derivative: 1 for :math:`x > 0` and ``negative_slope`` for :math:`x \le 0`.

    Args:
        negative_slope: the slope for :math:`x \le 0`. Default: 0.01.
        inplace: overwrite the input with the result. Default: ``False``.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> m = LeakyReLU(0.1)
        >>> m
        LeakyReLU(negative_slope=0.1)
        >>> m(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.2000,  0.0000,  3.0000])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply Leaky ReLU to ``x``."""
        return functional.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """Describe the settings as ``torch.nn.LeakyReLU`` does."""
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class PReLU(nn.Module):
    r"""Parametric ReLU: a leaky ReLU whose negative slope is learned (He et al., 2015).

    .. math::
        \operatorname{PReLU}(x) = \begin{cases} x & x > 0 \\ a \cdot x & x \le 0 \end{cases}

    Derivative: with respect to :math:`x`, 1 for :math:`x > 0` and :math:`a` otherwise; with
    respect to :math:`a`, :math:`x` where :math:`x \le 0` and 0 elsewhere. Weight decay should
    not be applied to :math:`a`, as He et al. note.

    Args:
        num_parameters: how many slopes to learn: 1 (shared by all inputs) or the number of
            channels (dimension 1 of the input). Default: 1.
        init: the initial value of every slope. Default: 0.25.
        device: where to create the slopes. Default: torch's default device.
        dtype: the slopes' dtype. Default: torch's default dtype.

    Attributes:
        weight: the learnable slopes, of shape ``(num_parameters,)``.

    Raises:
        ValueError: ``num_parameters`` is less than 1.

    Shape:
        - Input: :math:`(*)`, or :math:`(N, C, *)` with ``num_parameters = C``.
        - Output: :math:`(*)`, same shape as the input.

    Examples:
        >>> m = PReLU()
        >>> m
        PReLU(num_parameters=1)
        >>> m(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([-0.5000,  0.0000,  3.0000], grad_fn=<PreluKernelBackward0>)
    """

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be at least 1, got {num_parameters}")
        self.num_parameters = num_parameters
        self.init = init
        self.weight = nn.Parameter(torch.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        nn.init.constant_(self.weight, self.init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply PReLU to ``x`` with the current slopes."""
        return functional.prelu(x, self.weight)

    def extra_repr(self) -> str:
        """Describe the settings as ``torch.nn.PReLU`` does."""
        return f"num_parameters={self.num_parameters}"
