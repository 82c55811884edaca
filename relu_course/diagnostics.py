r"""Look inside a network: exact zeros, dead units, gradient norms, linear regions, born-dead nets.

Every function here works on any ``torch.nn.Module`` through forward hooks on its *activation
modules*, the instances of :data:`ACTIVATION_TYPES` (``nn.ReLU``, ``nn.Tanh``, the course's own
:class:`~relu_course.torch_nn.modules.ReLU`, ...). An activation applied as a function inside
``forward`` (``torch.relu(x)``, ``F.relu(x)``, ``x.clamp(min=0)``) has no module, so no hook
can see it: build such networks with activation modules to diagnose them. Functions that need
activations raise a ``ValueError`` saying so when a network has none at all.

Evaluations run batched, in eval mode (Dropout off) under ``torch.no_grad()``, on the device
of the network's parameters; each module's train/eval mode is restored afterwards, and every
hook is removed, also when the forward pass raises.

A module called more than once in one forward pass (one ``nn.ReLU`` instance reused after
several layers) gives one entry per call, keyed ``"name#0"``, ``"name#1"``, ...; otherwise
entries are keyed by the module's name in ``net.named_modules()``. Entries come in *network
order*: the order in which the forward pass calls the modules.

The last two functions are NumPy only: :func:`born_dead_probability` estimates how often a
randomly initialised deep ReLU network is a constant function (Lu, Shin, Su & Karniadakis,
2020), and :func:`born_dead_bound` gives bounds on that probability, proved in its docstring.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from relu_course.torch_nn import modules as course_modules
from relu_course.torch_nn.device import net_device, restored_modes
from relu_course.torch_nn.init import WEIGHT_LAYERS

__all__ = [
    "ACTIVATION_TYPES",
    "ActivationRecorder",
    "activation_pattern",
    "born_dead_bound",
    "born_dead_probability",
    "count_linear_regions",
    "dead_fraction",
    "dead_units",
    "gradient_norms",
    "zero_fraction",
]

ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.ReLU,
    nn.LeakyReLU,
    nn.PReLU,
    nn.RReLU,
    nn.ELU,
    nn.CELU,
    nn.SELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Tanh,
    nn.Sigmoid,
    nn.Softplus,
    course_modules.ReLU,
    course_modules.LeakyReLU,
    course_modules.PReLU,
)
"""The module types the diagnostics treat as activations: PyTorch's and the course's own.

Each has a single kink or centre at 0, so "active" (:func:`activation_pattern`) can mean
"pre-activation > 0" for all of them.
"""

_NO_ACTIVATION_HINT = (
    "activations applied as functions inside forward (torch.relu, F.relu, clamp) have no "
    "module to hook; build the network with activation modules such as nn.ReLU()"
)


def _is_activation(name: str, module: nn.Module) -> bool:
    return isinstance(module, ACTIVATION_TYPES)


def _find_modules(
    net: nn.Module, select: Callable[[str, nn.Module], bool] | None = None
) -> dict[str, nn.Module]:
    """Named modules of ``net`` chosen by ``select`` (default: the activation modules)."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    choose = _is_activation if select is None else select
    return {name: module for name, module in net.named_modules() if choose(name, module)}


def _require_activations(fn: str, net: nn.Module) -> dict[str, nn.Module]:
    found = _find_modules(net)
    if not found:
        known = ", ".join(t.__name__ for t in ACTIVATION_TYPES)
        raise ValueError(
            f"{fn}: {type(net).__name__} has no activation module (one of {known}); "
            f"{_NO_ACTIVATION_HINT}"
        )
    return found


def _float_dtype(net: nn.Module) -> torch.dtype:
    for p in net.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.get_default_dtype()


def _check_inputs(fn: str, X: torch.Tensor, batch_size: int) -> None:
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{fn}: X must be a torch.Tensor, got {type(X).__name__}")
    if X.dim() == 0 or len(X) == 0:
        raise ValueError(f"{fn}: X must hold at least one example, got shape {tuple(X.shape)}")
    if batch_size < 1:
        raise ValueError(f"{fn}: batch_size must be at least 1, got {batch_size}")


@contextmanager
def _inference(net: nn.Module) -> Iterator[None]:
    """Eval mode and no_grad for the duration; every module's own mode restored afterwards."""
    with restored_modes(net), torch.no_grad():
        net.eval()
        yield


def _call_keys(calls: list[tuple[str, int]], counts: dict[str, int]) -> dict[tuple[str, int], str]:
    """Map each (module name, call index) to its public key: the name, or name#i if reused."""
    return {(name, i): (f"{name}#{i}" if counts[name] > 1 else name) for name, i in calls}


class _Probe:
    """Hooks on named modules that hand each call's tensor to a callback, then remove themselves.

    ``pre=True`` hands over the module's input (before an in-place activation overwrites it),
    ``pre=False`` its output. ``calls`` lists (name, call index) in the order of the first
    forward pass; ``counts`` how often each module ran in one forward pass.
    """

    def __init__(
        self,
        fn: str,
        targets: dict[str, nn.Module],
        on_call: Callable[[str, int, torch.Tensor], None],
        *,
        pre: bool,
    ) -> None:
        self.fn = fn
        self.targets = targets
        self.on_call = on_call
        self.pre = pre
        self.calls: list[tuple[str, int]] = []
        self.counts: dict[str, int] = {}
        self._seen: set[tuple[str, int]] = set()
        self._handles: list[RemovableHandle] = []

    def _record(self, name: str, value: object) -> None:
        if not isinstance(value, torch.Tensor):
            what = "input" if self.pre else "output"
            raise TypeError(
                f"{self.fn}: module {name!r} ({type(self.targets[name]).__name__}) has a "
                f"{what} of type {type(value).__name__}, not a torch.Tensor"
            )
        index = self.counts.get(name, 0)
        self.counts[name] = index + 1
        if (name, index) not in self._seen:
            self._seen.add((name, index))
            self.calls.append((name, index))
        self.on_call(name, index, value)

    def __enter__(self) -> _Probe:
        try:
            for name, module in self.targets.items():
                if self.pre:
                    self._handles.append(module.register_forward_pre_hook(self._pre_hook(name)))
                else:
                    self._handles.append(module.register_forward_hook(self._post_hook(name)))
        except BaseException:
            self._remove()
            raise
        return self

    def _pre_hook(self, name: str) -> Callable[[nn.Module, tuple[Any, ...]], None]:
        def hook(module: nn.Module, args: tuple[Any, ...]) -> None:
            self._record(name, args[0] if args else None)

        return hook

    def _post_hook(self, name: str) -> Callable[[nn.Module, tuple[Any, ...], Any], None]:
        def hook(module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
            self._record(name, output)

        return hook

    def start_forward(self) -> None:
        """Reset the per-forward call counts (call before each forward pass)."""
        self.counts = {}

    def _remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._remove()


def _run_batches(
    fn: str,
    net: nn.Module,
    X: torch.Tensor,
    batch_size: int,
    on_call: Callable[[str, int, torch.Tensor], None],
    *,
    pre: bool,
    on_batch: Callable[[_Probe], None] | None = None,
) -> _Probe:
    """Forward X through net in batches (eval, no_grad, on its device) with activation hooks."""
    _check_inputs(fn, X, batch_size)
    targets = _require_activations(fn, net)
    device = net_device(net)
    with _inference(net), _Probe(fn, targets, on_call, pre=pre) as probe:
        for batch in X.split(batch_size):
            probe.start_forward()
            net(batch if device is None else batch.to(device))
            if on_batch is not None:
                on_batch(probe)
    return probe


class ActivationRecorder:
    """Record the output of every activation module of a network during its forward passes.

    A context manager: entering registers a forward hook on every activation module of
    ``net`` (the instances of :data:`ACTIVATION_TYPES`), or on the modules for which
    ``select(name, module)`` is true; leaving removes every hook, also when the block raises.
    After each forward pass, :attr:`outputs` maps each module's name (from
    ``net.named_modules()``) to its latest output, in the order in which the modules were
    first called. Activations applied as functions inside ``forward`` have no module and are
    not recorded.

    The recorder neither changes the network's mode nor disables gradients: it records
    whatever forward passes run inside the block.

    Args:
        net: the network to watch.
        select: chooses the modules to record, given their name and the module; the root
            module's name is ``""``. Default: the activation modules.
        keep_graph: store the outputs attached to the autograd graph, so that a penalty
            computed from them (an L1 activation penalty, say) backpropagates into the
            network. Default: ``False``, outputs are detached.

    Attributes:
        outputs: module name -> its latest output. A module called several times in one
            pass keeps its last output. The tensors share memory with the network's, so a
            later in-place operation on them shows here.

    Raises:
        TypeError: ``net`` is not an ``nn.Module``.
        ValueError: on entering, no module is selected (a network with no activation module).
        RuntimeError: entering a recorder that is already active.

    Examples:
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> with ActivationRecorder(net) as rec:
        ...     _ = net(torch.zeros(4, 2))
        >>> list(rec.outputs), tuple(rec.outputs["1"].shape)
        (['1'], (4, 3))
    """

    def __init__(
        self,
        net: nn.Module,
        *,
        select: Callable[[str, nn.Module], bool] | None = None,
        keep_graph: bool = False,
    ) -> None:
        self.net = net
        self.select = select
        self.keep_graph = keep_graph
        self.outputs: dict[str, torch.Tensor] = {}
        self._targets = _find_modules(net, select)
        self._probe: _Probe | None = None

    def _store(self, name: str, index: int, output: torch.Tensor) -> None:
        self.outputs[name] = output if self.keep_graph else output.detach()

    def __enter__(self) -> ActivationRecorder:
        if self._probe is not None:
            raise RuntimeError("ActivationRecorder: this recorder is already active")
        if not self._targets:
            if self.select is None:
                raise ValueError(
                    f"ActivationRecorder: {type(self.net).__name__} has no activation module; "
                    f"{_NO_ACTIVATION_HINT}"
                )
            raise ValueError("ActivationRecorder: select chose no module of the network")
        self._probe = _Probe("ActivationRecorder", self._targets, self._store, pre=False)
        self._probe.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._probe is not None:
            self._probe.__exit__(exc_type, exc, tb)
            self._probe = None


def zero_fraction(net: nn.Module, X: torch.Tensor, *, batch_size: int = 1024) -> dict[str, float]:
    """Fraction of exact zeros in each activation module's output over the inputs ``X``.

    Counts elements equal to 0 (``-0.0`` included, NaN not) over every example and, for
    convolutional layers, every position. Runs in eval mode under ``torch.no_grad()``,
    batched, on the network's device; each module's mode is restored afterwards.

    Args:
        net: the network; only its activation modules are seen.
        X: a batch of inputs, first dimension the examples.
        batch_size: examples per forward pass. Default: 1024.

    Returns:
        Module name -> fraction of zeros in its output, in network order.

    Raises:
        TypeError: ``X`` is not a tensor.
        ValueError: ``X`` is empty, ``batch_size < 1``, or the net has no activation module.

    Examples:
        >>> net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.copy_(torch.tensor([[1.0], [-1.0]])), net[0].bias.zero_()
        >>> zero_fraction(net, torch.tensor([[-1.0], [0.0], [1.0], [2.0]]))
        {'1': 0.625}
    """
    zeros: dict[tuple[str, int], torch.Tensor] = {}
    totals: dict[tuple[str, int], int] = {}

    def count(name: str, index: int, out: torch.Tensor) -> None:
        key = (name, index)
        zeros[key] = zeros.get(key, 0) + (out == 0).sum()
        totals[key] = totals.get(key, 0) + out.numel()

    probe = _run_batches("zero_fraction", net, X, batch_size, count, pre=False)
    keys = _call_keys(probe.calls, probe.counts)
    return {keys[c]: float(zeros[c]) / max(totals[c], 1) for c in probe.calls}


def dead_units(
    net: nn.Module, X: torch.Tensor, *, batch_size: int = 1024, unit_dim: int = 1
) -> dict[str, torch.Tensor]:
    """Which units of each activation module output exactly 0 for every input in ``X``.

    A unit is one index along ``unit_dim`` of the activation's output: a feature after a
    ``Linear`` layer, a channel after a convolution (dead only if 0 at every position too).
    Runs in eval mode under ``torch.no_grad()``, batched, on the network's device; each
    module's mode is restored afterwards.

    Args:
        net: the network; only its activation modules are seen.
        X: a batch of inputs, first dimension the examples.
        batch_size: examples per forward pass. Default: 1024.
        unit_dim: the dimension of the activation outputs that indexes units. Default: 1;
            pass ``-1`` for batch-first sequence outputs ``(N, T, hidden)``.

    Returns:
        Module name -> bool tensor (on the CPU) of shape ``(units,)``, True where the unit is
        dead on ``X``; in network order.

    Raises:
        TypeError: ``X`` is not a tensor.
        ValueError: ``X`` is empty, ``batch_size < 1``, the net has no activation module, or
            an activation output has no dimension ``unit_dim`` besides the batch dimension.

    Examples:
        >>> net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1.0), net[0].bias.copy_(torch.tensor([0.0, -10.0]))
        >>> dead_units(net, torch.linspace(-1, 1, 5).unsqueeze(1))
        {'1': tensor([False,  True])}
    """
    alive: dict[tuple[str, int], torch.Tensor] = {}

    def mark(name: str, index: int, out: torch.Tensor) -> None:
        dim = unit_dim if unit_dim >= 0 else out.dim() + unit_dim
        if out.dim() < 2 or not 0 < dim < out.dim():
            raise ValueError(
                f"dead_units: unit_dim={unit_dim} is not a unit dimension of the output of "
                f"{name!r}, shape {tuple(out.shape)} (dimension 0 holds the examples)"
            )
        units = out.shape[dim]
        seen = (out != 0).movedim(dim, 0).reshape(units, -1).any(dim=1)
        key = (name, index)
        alive[key] = seen if key not in alive else alive[key] | seen

    probe = _run_batches("dead_units", net, X, batch_size, mark, pre=False)
    keys = _call_keys(probe.calls, probe.counts)
    return {keys[c]: (~alive[c]).cpu() for c in probe.calls}


def dead_fraction(
    net: nn.Module, X: torch.Tensor, *, batch_size: int = 1024, unit_dim: int = 1
) -> dict[str, float]:
    """Fraction of dead units in each activation module: the mean of :func:`dead_units`.

    Args:
        net: the network; only its activation modules are seen.
        X: a batch of inputs, first dimension the examples.
        batch_size: examples per forward pass. Default: 1024.
        unit_dim: the dimension of the activation outputs that indexes units. Default: 1.

    Returns:
        Module name -> fraction of its units that output 0 for every input, in network order.

    Raises:
        TypeError: ``X`` is not a tensor.
        ValueError: as :func:`dead_units`.

    Examples:
        >>> net = nn.Sequential(nn.Linear(1, 4), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1.0), net[0].bias.copy_(torch.tensor([0.0, -9, -9, 1]))
        >>> dead_fraction(net, torch.linspace(-1, 1, 5).unsqueeze(1))
        {'1': 0.5}
    """
    dead = dead_units(net, X, batch_size=batch_size, unit_dim=unit_dim)
    return {name: float(mask.float().mean()) for name, mask in dead.items()}


def gradient_norms(
    net: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> dict[str, float]:
    """L2 norm of the loss gradient with respect to the weight of each Linear and Conv layer.

    One forward and one backward pass on ``(X, y)``, on the network's device, in the
    network's current mode (call ``net.eval()`` first to switch Dropout off); the mode is not
    changed. The gradients come from ``torch.autograd.grad``, so the ``.grad`` fields of the
    parameters are left as they were. Layers whose weight does not require grad are skipped;
    a layer used twice in one pass gets the gradient summed over its uses.

    Args:
        net: the network.
        X: a batch of inputs.
        y: the targets for ``loss_fn``.
        loss_fn: maps ``(y_hat, y)`` to a scalar loss. Default: ``nn.CrossEntropyLoss()``.

    Returns:
        Layer name -> norm of the gradient of the loss with respect to its weight, in the
        order in which the forward pass calls the layers (0.0 for a layer the loss does not
        depend on).

    Raises:
        TypeError: ``X`` or ``y`` is not a tensor.
        ValueError: ``X`` is empty, the loss is not a scalar, or the net has no Linear or
            Conv layer whose weight requires grad and that the forward pass calls.

    Examples:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
        >>> norms = gradient_norms(net, torch.randn(8, 2), torch.randint(0, 3, (8,)))
        >>> list(norms), all(value > 0 for value in norms.values())
        (['0', '2'], True)
        >>> net[0].weight.grad is None  # .grad fields untouched
        True
    """
    _check_inputs("gradient_norms", X, 1)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"gradient_norms: y must be a torch.Tensor, got {type(y).__name__}")
    layers = _find_modules(net, lambda name, m: isinstance(m, WEIGHT_LAYERS))
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = net_device(net)
    if device is not None:
        X, y = X.to(device), y.to(device)
    with torch.enable_grad(), _Probe("gradient_norms", layers, lambda *_: None, pre=True) as p:
        y_hat = net(X)
    called = [name for name, index in p.calls if index == 0]
    weights = {
        name: w
        for name in called
        if isinstance(w := layers[name].weight, torch.Tensor) and w.requires_grad
    }
    if not weights:
        raise ValueError(
            f"gradient_norms: {type(net).__name__} calls no Linear or Conv layer whose weight "
            "requires grad"
        )
    with torch.enable_grad():
        loss = loss_fn(y_hat, y)
        if loss.dim() != 0:
            raise ValueError(
                f"gradient_norms: loss_fn must return a scalar, got shape {tuple(loss.shape)}"
            )
        grads = torch.autograd.grad(loss, list(weights.values()), allow_unused=True)
    return {
        name: 0.0 if g is None else float(g.norm()) for name, g in zip(weights, grads, strict=True)
    }


def _pattern_batches(
    fn: str,
    net: nn.Module,
    X: torch.Tensor,
    batch_size: int,
    on_pattern: Callable[[torch.Tensor], None],
) -> None:
    """Hand ``on_pattern`` each batch's (B, total_units) bool activation pattern."""
    parts: list[tuple[tuple[str, int], torch.Tensor]] = []
    layout: list[tuple[tuple[str, int], int]] = []

    def collect(name: str, index: int, pre_activation: torch.Tensor) -> None:
        # The input, read before an in-place activation overwrites it.
        parts.append(((name, index), (pre_activation > 0).reshape(len(pre_activation), -1)))

    def finish(probe: _Probe) -> None:
        current = [(key, part.shape[1]) for key, part in parts]
        if not layout:
            layout.extend(current)
        elif current != layout:
            raise ValueError(
                f"{fn}: the activation modules called, or their sizes, changed between "
                "batches, so the units cannot be lined up; use batch_size >= len(X)"
            )
        on_pattern(torch.cat([part for _, part in parts], dim=1))
        parts.clear()

    _run_batches(fn, net, X, batch_size, collect, pre=True, on_batch=finish)


def activation_pattern(net: nn.Module, X: torch.Tensor, *, batch_size: int = 1024) -> torch.Tensor:
    r"""Which units of every activation module are active, for each input.

    A unit is *active* when its pre-activation (the activation module's input) is
    :math:`> 0`. For ReLU this is exactly "output :math:`> 0`": a pre-activation of exactly 0
    gives output 0 and counts as inactive, as does NaN. For LeakyReLU and PReLU it is the
    side of the kink with slope 1 (whatever the sign of the output, so PReLU with a negative
    slope is handled); for smooth activations (Tanh, GELU, ...) it is the positive half of the
    input. Every element of an activation's output is a unit (for convolutions, each channel
    at each position), flattened per example and concatenated in network order.

    Runs in eval mode under ``torch.no_grad()``, batched, on the network's device; each
    module's mode is restored afterwards. Only activation modules are seen.

    Args:
        net: the network.
        X: a batch of inputs, first dimension the examples.
        batch_size: examples per forward pass. Default: 1024.

    Returns:
        A bool tensor on the CPU of shape ``(len(X), total_units)``.

    Raises:
        TypeError: ``X`` is not a tensor.
        ValueError: ``X`` is empty, ``batch_size < 1``, the net has no activation module, or
            the units called differ between batches.

    Examples:
        >>> net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.copy_(torch.tensor([[1.0], [-1.0]])), net[0].bias.zero_()
        >>> activation_pattern(net, torch.tensor([[-1.0], [0.0], [2.0]]))
        tensor([[False,  True],
                [False, False],
                [ True, False]])
    """
    batches: list[torch.Tensor] = []
    _pattern_batches(
        "activation_pattern", net, X, batch_size, lambda pattern: batches.append(pattern.cpu())
    )
    return torch.cat(batches, dim=0)


def count_linear_regions(
    net: nn.Module,
    start: torch.Tensor,
    end: torch.Tensor,
    *,
    num_points: int = 10_000,
    batch_size: int = 1024,
) -> int:
    """Number of linear pieces of a ReLU network along the segment from ``start`` to ``end``.

    Evaluates :func:`activation_pattern` at ``num_points`` evenly spaced points of the
    segment (ends included) and returns one plus the number of consecutive pairs whose
    patterns differ. Inside one activation region a piecewise-linear network is affine, so
    this counts the regions the segment crosses: a lower bound, exact once the points resolve
    every piece (two kinks closer than the spacing ``1 / (num_points - 1)`` of the segment
    count once). A kink exactly at an end of the segment (a unit's input exactly 0 there, as
    at ``x = 0`` for ``relu(x)``) shows as one extra piece of zero length, since the end point's
    pattern differs from its neighbours': keep the ends off the kinks. For generic weights each
    region is a different linear piece; a unit whose two sides have the same slope
    (``LeakyReLU(1.0)``) still counts. With smooth activations the number counts sign changes
    of pre-activations, not linear pieces. Patterns are compared batch by batch, so memory
    stays bounded by ``batch_size``.

    Args:
        net: the network; only its activation modules are seen.
        start: one input, without the batch dimension (shape ``(d,)`` for an MLP). The
            points are computed in the dtype of the network's parameters.
        end: another input of the same shape.
        num_points: points sampled on the segment, at least 2. Default: 10,000.
        batch_size: points per forward pass. Default: 1024.

    Returns:
        The number of linear pieces seen along the segment, at least 1.

    Raises:
        TypeError: ``start`` or ``end`` is not a tensor.
        ValueError: their shapes differ, ``num_points < 2``, or the net has no activation
            module.

    Examples:
        >>> net = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
        >>> with torch.no_grad():  # kinks at x = 0.2, 0.5 and 0.8
        ...     _ = net[0].weight.fill_(1.0), net[0].bias.copy_(torch.tensor([-0.2, -0.5, -0.8]))
        >>> count_linear_regions(net, torch.tensor([0.0]), torch.tensor([1.0]), num_points=1000)
        4
    """
    for arg, value in (("start", start), ("end", end)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"count_linear_regions: {arg} must be a torch.Tensor, got {type(value).__name__}"
            )
    if start.shape != end.shape:
        raise ValueError(
            "count_linear_regions: start and end must have the same shape, got "
            f"{tuple(start.shape)} and {tuple(end.shape)}"
        )
    if num_points < 2:
        raise ValueError(f"count_linear_regions: num_points must be at least 2, got {num_points}")
    dtype = _float_dtype(net)
    a, b = start.detach().to("cpu", dtype), end.detach().to("cpu", dtype)
    t = torch.linspace(0.0, 1.0, num_points, dtype=dtype).reshape(-1, *([1] * a.dim()))
    points = a + t * (b - a)
    changes = 0
    previous: list[torch.Tensor] = []

    def count(pattern: torch.Tensor) -> None:
        nonlocal changes
        if previous:
            changes += int((pattern[0] != previous[0]).any())
        changes += int((pattern[1:] != pattern[:-1]).any(dim=1).sum())
        previous[:] = [pattern[-1]]

    _pattern_batches("count_linear_regions", net, points, batch_size, count)
    return changes + 1


def _check_count(fn: str, **values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{fn}: {name} must be an integer of at least 1, got {value!r}")


def born_dead_probability(
    width: int,
    depth: int,
    *,
    input_dim: int = 1,
    trials: int = 1000,
    num_inputs: int = 1000,
    seed: int = 0,
    bias_std: float = 0.0,
) -> float:
    r"""Monte Carlo estimate of the probability that a ReLU MLP is born dead.

    Lu, Shin, Su & Karniadakis (2020, "Dying ReLU and initialization: theory and numerical
    examples") prove, in their abstract's words, that "a deep ReLU network will eventually
    die in probability as the depth goes to infinite" when weights and biases are drawn from
    symmetric distributions. Here a network is *born dead* when it is a constant function on
    the input domain :math:`D = [-1, 1]^{\text{input\_dim}}` at initialisation. This
    function draws ``trials`` networks of ``depth`` hidden layers of ``width`` ReLU units
    each, with He-normal weights :math:`\mathcal{N}(0, 2/\text{fan\_in})` and biases
    :math:`\mathcal{N}(0, \text{bias\_std}^2)` (zero by default), and returns the fraction
    that are born dead.

    *Constant means some hidden layer is zero on all of D.* If hidden layer :math:`l` is
    zero for every input, every later layer gets the same input for every :math:`x`, so the
    output is constant. Conversely, let :math:`l` be the first hidden layer that is constant
    on D. Its input (the layer before, or :math:`x`) is not constant, so for each unit the
    pre-activation :math:`w \cdot h_{l-1}(x) + b` is not constant, with probability 1 over
    the continuous weights :math:`w`; and :math:`\max(0, g)` of a non-constant :math:`g`
    can only be constant if it is 0 everywhere (were it :math:`c > 0`, :math:`g` would be
    :math:`c`). So layer :math:`l` is zero on D, with probability 1. And
    if the last hidden layer is not constant, the output, an independent random linear map of
    it, is not constant either, with probability 1: constant output, some constant hidden
    layer and some all-zero hidden layer are the same event, up to probability 0. The output
    layer itself is therefore never drawn.

    *How the inputs are chosen.* With zero biases every layer is positively homogeneous,
    :math:`h_l(tx) = t\,h_l(x)` for :math:`t \ge 0`, so for ``input_dim == 1`` a layer is
    zero on all of :math:`[-1, 1]` exactly when it is zero at :math:`x = 1` and
    :math:`x = -1`: those two inputs make the estimate exact up to Monte Carlo error, and
    ``num_inputs`` is not used (neither the weights' scale nor the domain's matters then).
    Otherwise ``num_inputs`` points are used: an even grid of :math:`[-1, 1]` when
    ``input_dim == 1``, uniform random points of the cube otherwise, and a layer that is zero
    on all of them counts as zero on D. A layer alive only between the points is missed, so
    these estimates lean slightly high; they cost about ``num_inputs / 2`` times more.

    Biases change the probability, even tiny ones: without them a half of the input domain
    that dies stays exactly 0 in every later layer, with them it becomes a nonzero constant
    that a later layer must also switch off before the whole layer is zero.

    Calls that differ only in ``depth`` share one simulation (kept between calls): the
    networks of depth :math:`d` are the first :math:`d` layers of those of any larger depth,
    so a curve over depths is monotone and costs about one run of the deepest.

    The standard error of the estimate is :math:`\sqrt{p(1-p)/\text{trials}}`.

    Args:
        width: ReLU units per hidden layer, :math:`N`.
        depth: number of hidden layers, :math:`L`.
        input_dim: dimension of the inputs. Default: 1.
        trials: networks drawn. Default: 1000.
        num_inputs: input points when the two inputs :math:`\pm 1` do not suffice (biases,
            or ``input_dim > 1``); at least 2. Default: 1000.
        seed: seeds the NumPy generator; the estimate is a function of all the arguments.
            Default: 0.
        bias_std: standard deviation of the normal biases; 0 for bias-free layers.
            Default: 0.0.

    Returns:
        The fraction of the ``trials`` networks that are born dead, in :math:`[0, 1]`.

    Raises:
        ValueError: a count is less than 1 (``num_inputs`` less than 2), or ``bias_std`` is
            negative or not finite.

    Examples:
        >>> p = born_dead_probability(2, 10, trials=2000)
        >>> born_dead_bound(2, 10, kind="lower") <= p <= born_dead_bound(2, 10)
        True
        >>> born_dead_probability(3, 1)  # the first layer alone is never dead
        0.0
    """
    fn = "born_dead_probability"
    _check_count(fn, width=width, depth=depth, input_dim=input_dim, trials=trials)
    _check_count(fn, num_inputs=num_inputs)
    if num_inputs < 2:
        raise ValueError(f"{fn}: num_inputs must be at least 2, got {num_inputs}")
    if not (math.isfinite(bias_std) and bias_std >= 0.0):
        raise ValueError(f"{fn}: bias_std must be finite and >= 0, got {bias_std!r}")
    key = (width, input_dim, trials, num_inputs, seed, float(bias_std))
    run = _BORN_DEAD_RUNS.pop(key, None)
    if run is None or not run.can_reach(depth):
        run = _BornDeadRun(width, input_dim, trials, num_inputs, seed, bias_std)
    dead = run.dead_after(depth)
    _BORN_DEAD_RUNS[key] = run
    while len(_BORN_DEAD_RUNS) > _BORN_DEAD_RUNS_KEPT:
        _BORN_DEAD_RUNS.popitem(last=False)
    return dead / trials


class _BornDeadRun:
    """One Monte Carlo run of born_dead_probability, extendable layer by layer.

    Each chunk of trials draws from its own generator, spawned from ``seed``, and a layer is
    drawn only for the nets still alive, so the first ``d`` layers of a run do not depend on
    how deep it goes: the count after ``d`` layers is the answer for depth ``d``.
    """

    def __init__(
        self, width: int, input_dim: int, trials: int, num_inputs: int, seed: int, bias_std: float
    ) -> None:
        inputs_seed, chunks_seed = np.random.SeedSequence(seed).spawn(2)
        if bias_std == 0.0 and input_dim == 1:
            X = np.array([[1.0], [-1.0]])
        elif input_dim == 1:
            X = np.linspace(-1.0, 1.0, num_inputs)[:, None]
        else:
            X = np.random.default_rng(inputs_seed).uniform(-1.0, 1.0, (num_inputs, input_dim))
        # Trials in chunks so that the hidden states stay under about 16 MB.
        chunk = max(1, 2_000_000 // (len(X) * max(width, input_dim)))
        sizes = [min(chunk, trials - first) for first in range(0, trials, chunk)]
        self.width = width
        self.bias_std = bias_std
        self.chunks: list[tuple[np.random.Generator, np.ndarray]] | None = [
            (np.random.default_rng(child), np.broadcast_to(X, (size, *X.shape)))
            for child, size in zip(chunks_seed.spawn(len(sizes)), sizes, strict=True)
        ]
        self.dead = [0]  # cumulative count of born-dead nets after 0, 1, 2, ... layers

    def can_reach(self, depth: int) -> bool:
        return depth < len(self.dead) or self.chunks is not None

    def dead_after(self, depth: int) -> int:
        while len(self.dead) <= depth:
            assert self.chunks is not None
            newly = 0
            for i, (rng, H) in enumerate(self.chunks):
                if len(H) == 0:
                    continue
                fan_in = H.shape[2]
                W = rng.standard_normal((len(H), fan_in, self.width)) * math.sqrt(2.0 / fan_in)
                Z = H @ W
                if self.bias_std > 0.0:
                    Z += self.bias_std * rng.standard_normal((len(H), 1, self.width))
                H = np.maximum(Z, 0.0)
                zero = ~H.any(axis=(1, 2))
                # A net with a zero layer is dead whatever follows: count it, stop drawing it.
                newly += int(zero.sum())
                self.chunks[i] = (rng, H[~zero])
            self.dead.append(self.dead[-1] + newly)
        if self.chunks is not None and sum(H.size for _, H in self.chunks) > _BORN_DEAD_STATE_KEPT:
            self.chunks = None  # too big to keep: deeper calls start a new run
        return self.dead[depth]


# Runs kept so that a curve over depths costs one run of the deepest; a run keeps its hidden
# states (for going deeper later) only while they are small.
_BORN_DEAD_RUNS: OrderedDict[tuple[int, int, int, int, int, float], _BornDeadRun] = OrderedDict()
_BORN_DEAD_RUNS_KEPT = 64
_BORN_DEAD_STATE_KEPT = 1_000_000


def born_dead_bound(width: int, depth: int, *, kind: Literal["upper", "lower"] = "upper") -> float:
    r"""Bounds on the probability that a bias-free ReLU MLP is born dead, proved here.

    These bounds are derived in this docstring, not quoted from Lu, Shin, Su & Karniadakis
    (2020): the course could not read that paper's theorem statements, so it does not
    reproduce them. For a network of :math:`L` = ``depth`` hidden layers of :math:`N` =
    ``width`` ReLU units, weights drawn independently from a continuous distribution
    symmetric about 0, zero biases, and inputs from :math:`D = [-1, 1]^d`:

    .. math::
        1 - \left(1 - 4^{-N}\right)^{L-1} \;\le\; P(\text{born dead}) \;\le\;
        1 - \left(1 - 2^{-N}\right)^{L-1}

    The upper bound (``kind="upper"``) holds for any such distribution and any :math:`d`;
    the lower bound (``kind="lower"``) needs normal weights (any variance, He included) and
    :math:`d = 1`, the setting of :func:`born_dead_probability`'s defaults. Both tend to 1 as
    the depth grows at fixed width, and both are 0 for one hidden layer. For
    :math:`N = 1` the upper bound is the exact probability.

    *Proof.* Write :math:`h_l(x) = \max(0, W_l h_{l-1}(x))`, :math:`h_0(x) = x`, and let
    :math:`A_l` be the event that layer :math:`l` is zero on all of D. As explained in
    :func:`born_dead_probability`, the network is born dead exactly on :math:`A_L` (up to
    probability 0), and :math:`A_{l-1} \subseteq A_l` because :math:`\max(0, W 0) = 0`.
    :math:`A_1` has probability 0: it needs :math:`W_1 x \le 0` at both :math:`x` and
    :math:`-x` for every :math:`x \in D`, so :math:`W_1 = 0`.

    Upper bound. Outside :math:`A_{l-1}` pick :math:`x^* \in D` with
    :math:`u = h_{l-1}(x^*) \ne 0`. Each entry of :math:`W_l u` is a sum of independent
    symmetric terms, one of them without atoms, so it is symmetric and nonzero with
    probability 1: it is :math:`\le 0` with probability exactly 1/2, independently over the
    :math:`N` rows. Layer :math:`l` dead needs all :math:`N` of them :math:`\le 0`, so
    :math:`P(A_l \mid W_1, \dots, W_{l-1}) \le 2^{-N}` outside :math:`A_{l-1}`, hence
    :math:`P(A_l^c) \ge (1 - 2^{-N}) P(A_{l-1}^c)` and by induction from :math:`P(A_1^c) = 1`,
    :math:`P(A_L^c) \ge (1 - 2^{-N})^{L-1}`. For :math:`N = 1` every hidden layer is a
    nonnegative scalar function, and a layer after a living one dies exactly when its single
    weight is negative, with probability 1/2: the bound is attained.

    Lower bound. For :math:`d = 1`, positive homogeneity gives :math:`h_l(x) = x\,h_l(1)` for
    :math:`x \ge 0` and :math:`|x|\,h_l(-1)` for :math:`x \le 0`, so layer :math:`l` is dead
    iff every row :math:`w` of :math:`W_l` has :math:`w \cdot u \le 0` and
    :math:`w \cdot v \le 0`, with :math:`u = h_{l-1}(1)`, :math:`v = h_{l-1}(-1)`. For
    normal :math:`w` (rotation invariant) and nonzero :math:`u, v` at angle :math:`\theta`,
    that probability is :math:`(\pi - \theta) / (2\pi)`; :math:`u` and :math:`v` have no
    negative entries, so :math:`\theta \le \pi/2` and the probability is at least 1/4 (it is
    1/2 if one of them is zero). Hence :math:`P(A_l \mid W_1, \dots, W_{l-1}) \ge 4^{-N}`
    outside :math:`A_{l-1}`, :math:`P(A_l^c) \le (1 - 4^{-N}) P(A_{l-1}^c)`, and
    :math:`P(A_L^c) \le (1 - 4^{-N})^{L-1}`. :math:`\blacksquare`

    Args:
        width: ReLU units per hidden layer, :math:`N`.
        depth: number of hidden layers, :math:`L`.
        kind: ``"upper"`` or ``"lower"``. Default: ``"upper"``.

    Returns:
        The bound, in :math:`[0, 1]`.

    Raises:
        ValueError: ``width`` or ``depth`` is less than 1, or ``kind`` is not one of
            ``"upper"``, ``"lower"``.

    Examples:
        >>> born_dead_bound(1, 3)  # 1 - (1/2)^2
        0.75
        >>> born_dead_bound(2, 2, kind="lower")  # 1/16
        0.0625
    """
    _check_count("born_dead_bound", width=width, depth=depth)
    if kind not in ("upper", "lower"):
        raise ValueError(f"born_dead_bound: kind must be 'upper' or 'lower', got {kind!r}")
    per_layer = 2.0**-width if kind == "upper" else 4.0**-width
    # expm1/log1p keep the tiny probabilities of wide nets accurate.
    return -math.expm1((depth - 1) * math.log1p(-per_layer))
