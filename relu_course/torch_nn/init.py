r"""Weight initialisation: PyTorch's default, Xavier (Glorot) and He (Kaiming), side by side.

Each scheme draws a layer's weights with a standard deviation fixed by its fans: for a
``Linear`` layer ``fan_in = in_features`` and ``fan_out = out_features``; for a convolution
``fan_in = in_channels / groups * kernel_height * kernel_width`` and ``fan_out =
out_channels * kernel_height * kernel_width`` (PyTorch's convention, also for transposed
convolutions). The standard deviations:

- PyTorch's default, :math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})`
  (``kaiming_uniform_`` with ``a = sqrt(5)``): :math:`1/\sqrt{3\,\text{fan\_in}}`.
- Xavier (Glorot & Bengio, 2010), keeping the variance of activations and of gradients
  about equal for activations linear around 0 (tanh): :math:`\sqrt{2/(\text{fan\_in} +
  \text{fan\_out})}`.
- He (He et al., 2015), for ReLU, which zeroes half of its input and so halves the second
  moment: :math:`\sqrt{2/((1 + a^2)\,\text{fan\_in})}`, with :math:`a` the negative slope
  of a leaky ReLU (0 for ReLU).

Only He keeps the second moment of the activations constant through a deep ReLU network;
with the others it shrinks geometrically with depth.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import torch
from torch import nn

__all__ = ["WEIGHT_LAYERS", "InitScheme", "default_std", "he_std", "init_weights", "xavier_std"]

InitScheme = Literal["default", "xavier", "he"]
"""The schemes :func:`init_weights` knows."""

_SCHEMES: tuple[str, ...] = get_args(InitScheme)

WEIGHT_LAYERS: tuple[type[nn.Module], ...] = (
    nn.Linear,
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)
"""The layer types with a weight (and bias) that :func:`init_weights` re-initialises."""


def _check_fan(fn: str, **fans: int) -> None:
    for name, value in fans.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{fn}: {name} must be an integer of at least 1, got {value!r}")


def he_std(fan_in: int, negative_slope: float = 0.0) -> float:
    r"""Standard deviation of He (Kaiming) normal initialisation.

    .. math:: \sigma = \sqrt{\frac{2}{(1 + a^2)\,\text{fan\_in}}}

    With this variance each layer's pre-activations keep the second moment of the previous
    layer's: a (leaky) ReLU keeps :math:`(1 + a^2)/2` of it, the weights multiply it by
    :math:`\text{fan\_in}\,\sigma^2`. Equals ``nn.init.calculate_gain("leaky_relu", a) /
    sqrt(fan_in)``.

    Args:
        fan_in: inputs feeding each unit (see the module docstring for convolutions).
        negative_slope: the slope :math:`a` of a leaky ReLU for negative inputs; 0 for ReLU.
            Default: 0.0.

    Returns:
        The standard deviation.

    Raises:
        ValueError: ``fan_in`` is not a positive integer, or ``negative_slope`` is not finite.

    Examples:
        >>> he_std(50)
        0.2
    """
    _check_fan("he_std", fan_in=fan_in)
    if not math.isfinite(negative_slope):
        raise ValueError(f"he_std: negative_slope must be finite, got {negative_slope!r}")
    return math.sqrt(2.0 / ((1.0 + negative_slope**2) * fan_in))


def xavier_std(fan_in: int, fan_out: int) -> float:
    r"""Standard deviation of Xavier (Glorot) normal initialisation.

    .. math:: \sigma = \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}}

    A compromise between keeping the forward variance (:math:`1/\text{fan\_in}`) and the
    backward variance (:math:`1/\text{fan\_out}`) for activations with slope 1 at 0.

    Args:
        fan_in: inputs feeding each unit.
        fan_out: units each input feeds.

    Returns:
        The standard deviation.

    Raises:
        ValueError: a fan is not a positive integer.

    Examples:
        >>> round(xavier_std(30, 70), 6)
        0.141421
    """
    _check_fan("xavier_std", fan_in=fan_in, fan_out=fan_out)
    return math.sqrt(2.0 / (fan_in + fan_out))


def default_std(fan_in: int) -> float:
    r"""Standard deviation of PyTorch's default initialisation of ``Linear`` and ``Conv`` weights.

    ``reset_parameters()`` draws from :math:`\mathcal{U}(-b, b)` with
    :math:`b = 1/\sqrt{\text{fan\_in}}` (``kaiming_uniform_`` with ``a = sqrt(5)``), whose
    standard deviation is :math:`b/\sqrt{3}`:

    .. math:: \sigma = \frac{1}{\sqrt{3\,\text{fan\_in}}}

    Args:
        fan_in: inputs feeding each unit.

    Returns:
        The standard deviation.

    Raises:
        ValueError: ``fan_in`` is not a positive integer.

    Examples:
        >>> round(default_std(12), 6)
        0.166667
    """
    _check_fan("default_std", fan_in=fan_in)
    return 1.0 / math.sqrt(3.0 * fan_in)


def _fans(weight: torch.Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a Linear or Conv weight, as PyTorch computes them."""
    receptive_field = math.prod(weight.shape[2:])
    return weight.shape[1] * receptive_field, weight.shape[0] * receptive_field


def init_weights(
    net: nn.Module,
    scheme: InitScheme,
    *,
    seed: int | None = None,
    negative_slope: float = 0.0,
) -> nn.Module:
    r"""Re-initialise every ``Linear`` and ``Conv`` layer of ``net`` in place, and return it.

    - ``"default"``: each layer's own ``reset_parameters()``, PyTorch's
      ``kaiming_uniform_`` with ``a = sqrt(5)`` for the weight and a uniform bias: the same
      values as a freshly built network (for the same seed).
    - ``"xavier"``: weights :math:`\mathcal{N}(0, \text{xavier\_std}(\text{fan\_in},
      \text{fan\_out})^2)`, biases 0.
    - ``"he"``: weights :math:`\mathcal{N}(0, \text{he\_std}(\text{fan\_in}, a)^2)`, biases 0.

    Other modules (activations with weights such as PReLU, normalisation layers, RNNs) are
    left as they are.

    Args:
        net: the network.
        scheme: ``"default"``, ``"xavier"`` or ``"he"``.
        seed: draw from a generator seeded with it, layer by layer in ``net.modules()``
            order, leaving torch's global random state as it was; ``None`` draws from (and
            advances) the global state. With ``scheme="default"`` and a seed, the result
            equals ``torch.manual_seed(seed)`` followed by ``reset_parameters()`` on each
            layer in that order. Default: ``None``.
        negative_slope: the leaky ReLU slope :math:`a` for ``"he"``. Default: 0.0.

    Returns:
        ``net`` itself, re-initialised.

    Raises:
        ValueError: ``scheme`` is not one of ``"default"``, ``"xavier"``, ``"he"``; the
            network has no Linear or Conv layer; or a lazy layer has not been run yet.

    Examples:
        >>> net = init_weights(nn.Sequential(nn.Linear(500, 400), nn.ReLU()), "he", seed=0)
        >>> round(net[0].weight.std().item(), 2), net[0].bias.abs().max().item()
        (0.06, 0.0)
    """
    if not isinstance(scheme, str) or scheme not in _SCHEMES:
        raise ValueError(
            f"init_weights: scheme must be one of {', '.join(map(repr, _SCHEMES))}, got {scheme!r}"
        )
    layers = [module for module in net.modules() if isinstance(module, WEIGHT_LAYERS)]
    if not layers:
        raise ValueError(f"init_weights: {type(net).__name__} has no Linear or Conv layer")
    for layer in layers:
        if isinstance(layer.weight, nn.parameter.UninitializedParameter):
            raise ValueError(
                f"init_weights: {type(layer).__name__} is a lazy layer that has not run yet; "
                "call the network on an example first"
            )
    if seed is None:
        _initialise(layers, scheme, negative_slope)
        return net
    cuda = sorted(
        {p.device.index or 0 for layer in layers for p in layer.parameters() if p.is_cuda}
    )
    # fork_rng puts the global state back afterwards: seeding here disturbs nothing else.
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        _initialise(layers, scheme, negative_slope)
    return net


def _initialise(layers: list[nn.Module], scheme: str, negative_slope: float) -> None:
    for layer in layers:
        if scheme == "default":
            layer.reset_parameters()  # type: ignore[operator]
            continue
        weight = layer.weight
        assert isinstance(weight, torch.Tensor)
        fan_in, fan_out = _fans(weight)
        std = he_std(fan_in, negative_slope) if scheme == "he" else xavier_std(fan_in, fan_out)
        nn.init.normal_(weight, 0.0, std)
        bias = layer.bias
        if isinstance(bias, torch.Tensor):
            nn.init.zeros_(bias)
