"""A small, explicit training loop: seeding, accuracy, evaluation and ``fit``.

The chapters train many small networks and compare them (ReLU against its variants, one
initialisation against another), so the loop is deterministic: :func:`fit` shuffles with its
own generator seeded by ``seed``, and two fits from the same initial weights give the same
history on the CPU. It is device-agnostic: the data go to wherever the network's parameters
are, so a net built with ``device=best_device()`` trains on the GPU when there is one.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn
from tqdm import tqdm

from relu_course.torch_nn.device import net_device, restored_modes

__all__ = ["History", "accuracy", "box_iou", "evaluate", "fit", "mean_iou", "set_seed"]

LossFn = Callable[[Tensor, Tensor], Tensor]
"""A loss: ``loss_fn(y_hat, y)`` returns a scalar tensor, the mean over the batch."""

Metric = Callable[[Tensor, Tensor], float]
"""A metric: ``metric(y_hat, y)`` returns a float, a mean over the examples given."""


def set_seed(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and every GPU).

    Call it at the top of a notebook so that weight initialisation, dropout and anything
    else drawn from the global generators repeats from run to run.

    Args:
        seed: an int in ``[0, 2**32)`` (NumPy's limit).

    Returns:
        A new CPU :class:`torch.Generator` seeded with ``seed``, for shuffling data (for
        example ``torch.randperm(n, generator=g)``).

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is negative or not below ``2**32``.

    Examples:
        >>> g = set_seed(0)
        >>> a = torch.rand(2)
        >>> _ = set_seed(0)
        >>> torch.equal(a, torch.rand(2))
        True
        >>> torch.randperm(4, generator=set_seed(1)).tolist() == torch.randperm(
        ...     4, generator=set_seed(1)).tolist()
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"set_seed: seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"set_seed: seed must be in [0, 2**32), got {seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeding the legacy global generator is the point
    torch.manual_seed(seed)  # seeds every CUDA device too
    return torch.Generator().manual_seed(seed)


def accuracy(y_hat: Tensor, y: Tensor) -> float:
    r"""Fraction of rows whose largest logit is at the true class.

    Args:
        y_hat: logits (or probabilities), one row per example.
        y: the true classes, integers in ``0 .. C - 1``.

    Returns:
        ``mean(argmax(y_hat, dim=1) == y)``, a float in ``[0, 1]``. Ties go to the first
        largest logit, as :func:`torch.argmax`.

    Raises:
        ValueError: the shapes are not ``(N, C)`` and ``(N,)`` with ``N >= 1`` (for a
            regression target pass ``metrics={}`` to :func:`fit` and :func:`evaluate`), or
            ``y`` is not an integer tensor.

    Shape:
        - y_hat: :math:`(N, C)`.
        - y: :math:`(N,)`.

    Examples:
        >>> y_hat = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0]])
        >>> accuracy(y_hat, torch.tensor([0, 1, 1]))
        0.6666666865348816
    """
    if y_hat.dim() != 2 or y.dim() != 1 or len(y_hat) != len(y) or len(y) == 0:
        raise ValueError(
            "accuracy: expected logits y_hat of shape (N, C) and classes y of shape (N,) with "
            f"N >= 1, got {tuple(y_hat.shape)} and {tuple(y.shape)} (for a regression "
            "target, pass metrics={} to fit or evaluate)"
        )
    if y.dtype.is_floating_point or y.dtype.is_complex or y.dtype == torch.bool:
        raise ValueError(f"accuracy: y must hold integer classes, got dtype {y.dtype}")
    return float((y_hat.argmax(dim=1) == y).float().mean())


def box_iou(boxes_a: Tensor, boxes_b: Tensor) -> Tensor:
    r"""Intersection over union of each pair of boxes, row by row.

    A box is :math:`(x_1, y_1, x_2, y_2)`, its corners, as :func:`relu_course.data.coloured_digits`
    gives them. A box with :math:`x_2 < x_1` or :math:`y_2 < y_1` (a regression head may
    predict one) has no area. The IoU of two boxes whose union has no area is 0.

    .. math::
        \operatorname{IoU}(A, B) = \frac{|A \cap B|}{|A| + |B| - |A \cap B|}

    Args:
        boxes_a: boxes, one per row.
        boxes_b: boxes of the same shape.

    Returns:
        The IoU of each row's two boxes, in ``[0, 1]``, in the boxes' floating dtype.

    Raises:
        ValueError: the shapes are not both ``(N, 4)``.

    Shape:
        - boxes_a, boxes_b: :math:`(N, 4)`.
        - Output: :math:`(N,)`.

    Examples:
        >>> a = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
        >>> b = torch.tensor([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
        >>> box_iou(a, b)  # overlap 1 of union 7; disjoint
        tensor([0.1429, 0.0000])
    """
    if boxes_a.dim() != 2 or boxes_a.shape[1:] != (4,) or boxes_a.shape != boxes_b.shape:
        raise ValueError(
            "box_iou: expected two (N, 4) tensors of boxes (x1, y1, x2, y2), got "
            f"{tuple(boxes_a.shape)} and {tuple(boxes_b.shape)}"
        )

    def area(x1: Tensor, y1: Tensor, x2: Tensor, y2: Tensor) -> Tensor:
        return (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)

    a, b = boxes_a.unbind(dim=1), boxes_b.unbind(dim=1)
    inter = area(
        torch.maximum(a[0], b[0]),
        torch.maximum(a[1], b[1]),
        torch.minimum(a[2], b[2]),
        torch.minimum(a[3], b[3]),
    )
    union = area(*a) + area(*b) - inter
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(union.dtype).tiny), 0.0)


def mean_iou(y_hat: Tensor, y: Tensor) -> float:
    """Mean IoU of predicted boxes against the true boxes: a metric for :func:`fit`.

    Args:
        y_hat: predicted boxes ``(x1, y1, x2, y2)``, one per row.
        y: the true boxes.

    Returns:
        The mean of :func:`box_iou` over the rows, a float in ``[0, 1]``.

    Raises:
        ValueError: the shapes are not both ``(N, 4)`` with ``N >= 1``.

    Examples:
        >>> mean_iou(torch.tensor([[0.0, 0.0, 1.0, 1.0]]), torch.tensor([[0.0, 0.0, 1.0, 2.0]]))
        0.5
    """
    if len(y) == 0:
        raise ValueError("mean_iou: no boxes to score (N = 0)")
    return float(box_iou(y_hat.detach().float(), y.float()).mean())


@dataclass
class History:
    """Per-epoch record of a fit.

    Attributes:
        train_loss: for each epoch, the mean of its batch losses weighted by batch size (the
            mean loss over the examples seen), penalty included.
        train_metrics: for each metric name, the epoch's running mean over its batches
            (weighted by batch size), computed in train mode (dropout on) on the outputs the
            optimiser used.
        valid_loss: the loss on the validation data at the end of each epoch, by
            :func:`evaluate` (eval mode, no penalty); empty when there is none.
        valid_metrics: the metrics on the validation data at the end of each epoch; empty
            lists when there is none.
        seconds: wall time of the whole fit.
        train_penalty: for each epoch, the mean of the penalty terms (already included in
            ``train_loss``); empty when ``fit`` had no penalty.
        steps: the number of optimiser steps taken.

    Examples:
        >>> h = History([0.9, 0.5], {"accuracy": [0.7, 0.85]}, [], {"accuracy": []}, 1.25)
        >>> print(h)
        2 epochs, 0 steps in 1.2 s: train loss 0.5000, accuracy 0.8500
    """

    train_loss: list[float]
    train_metrics: dict[str, list[float]]
    valid_loss: list[float]
    valid_metrics: dict[str, list[float]]
    seconds: float
    train_penalty: list[float] = field(default_factory=list)
    steps: int = 0

    @property
    def num_epochs(self) -> int:
        """Number of epochs begun (the last may be partial when ``max_steps`` stopped it)."""
        return len(self.train_loss)

    def __str__(self) -> str:
        """Summarise the last epoch on one line."""
        head = f"{self.num_epochs} epochs, {self.steps} steps in {self.seconds:.1f} s"
        if not self.train_loss:
            return head
        parts = [f"train loss {self.train_loss[-1]:.4f}"]
        parts += [f"{name} {values[-1]:.4f}" for name, values in self.train_metrics.items()]
        if self.valid_loss:
            parts.append(f"valid loss {self.valid_loss[-1]:.4f}")
            parts += [
                f"valid {name} {values[-1]:.4f}"
                for name, values in self.valid_metrics.items()
                if values
            ]
        return f"{head}: {', '.join(parts)}"


def _net_device(net: nn.Module, where: str) -> torch.device | None:
    if not isinstance(net, nn.Module):
        raise TypeError(f"{where}: net must be a torch.nn.Module, got {type(net).__name__}")
    return net_device(net)


def _check_data(X: Tensor, y: Tensor, where: str, names: str = "X and y") -> None:
    if not isinstance(X, Tensor) or not isinstance(y, Tensor):
        raise TypeError(
            f"{where}: {names} must be torch tensors, got {type(X).__name__} and {type(y).__name__}"
        )
    if X.dim() == 0 or y.dim() == 0 or len(X) != len(y):
        raise ValueError(
            f"{where}: {names} must have the same number of examples (rows), got shapes "
            f"{tuple(X.shape)} and {tuple(y.shape)}"
        )
    if len(X) == 0:
        raise ValueError(f"{where}: {names} hold no examples")


def _check_positive_int(name: str, value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{where}: {name} must be at least 1, got {value}")
    return int(value)


def evaluate(
    net: nn.Module,
    X: Tensor,
    y: Tensor,
    *,
    loss_fn: LossFn | None = None,
    metrics: Mapping[str, Metric] | None = None,
    batch_size: int = 512,
) -> dict[str, float]:
    """Compute the loss and metrics of ``net`` over a whole dataset, in eval mode.

    The forward passes run in batches under :func:`torch.no_grad` on the net's device (each
    batch is moved there); the outputs are then gathered, so the loss and every metric are
    computed once over all of them, exactly as on one big batch. Each module's train/eval
    mode is restored afterwards, even on error.

    Args:
        net: the network. Its device is that of its first parameter (or buffer); a net with
            neither runs where ``X`` is.
        X: the inputs, one example per row.
        y: the targets, one per row of ``X``.
        loss_fn: ``loss_fn(y_hat, y)``, a scalar. Default: ``nn.CrossEntropyLoss()``.
        metrics: name to ``metric(y_hat, y)``. Default: ``{"accuracy": accuracy}``; ``{}`` for
            none.
        batch_size: examples per forward pass. Default: 512.

    Returns:
        ``{"loss": ..., name: ...}``: the loss under the key ``"loss"``, then each metric.

    Raises:
        ValueError: ``X`` and ``y`` differ in length or are empty, ``batch_size`` < 1, or a
            metric is named ``"loss"``.
        TypeError: ``net`` is not a module or ``X``, ``y`` are not tensors.

    Examples:
        >>> net = nn.Linear(2, 2)
        >>> with torch.no_grad():
        ...     _ = net.weight.copy_(torch.eye(2)), net.bias.zero_()
        >>> X, y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]), torch.tensor([0, 1, 0])
        >>> result = evaluate(net, X, y)
        >>> result["accuracy"], round(result["loss"], 4)
        (0.6666666865348816, 0.6466)
    """
    where = "evaluate"
    device = _net_device(net, where)
    _check_data(X, y, where)
    batch_size = _check_positive_int("batch_size", batch_size, where)
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    if "loss" in metrics:
        raise ValueError(f"{where}: the name 'loss' is taken by the loss; rename that metric")
    device = X.device if device is None else device

    with restored_modes(net), torch.no_grad():
        net.eval()
        y_hat = torch.cat(
            [net(X[i : i + batch_size].to(device)) for i in range(0, len(X), batch_size)]
        )
        y = y.to(device)
        result = {"loss": float(loss_fn(y_hat, y))}
        result.update({name: float(metric(y_hat, y)) for name, metric in metrics.items()})
    return result


def _check_number(name: str, value: object, where: str, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise TypeError(f"{where}: {name} must be a number, got {type(value).__name__}")
    bad = not math.isfinite(value) or (value <= 0 if positive else value < 0)
    if bad:
        wanted = "a finite number > 0" if positive else "a finite number >= 0"
        raise ValueError(f"{where}: {name} must be {wanted}, got {value}")
    return float(value)


def _first_non_finite_grad(named: list[tuple[str, nn.Parameter]]) -> str | None:
    """The name of the first parameter whose gradient holds a NaN or an infinity, if any."""
    grads = [p.grad for _, p in named if p.grad is not None]
    if not grads:
        return None
    # One check for all parameters (one device sync); names only when something is wrong.
    if bool(torch.stack([torch.isfinite(g).all() for g in grads]).all()):
        return None
    for name, p in named:
        if p.grad is not None and not bool(torch.isfinite(p.grad).all()):
            return name
    return None


def fit(
    net: nn.Module,
    X: Tensor,
    y: Tensor,
    *,
    num_epochs: int,
    lr: float,
    batch_size: int = 64,
    optimizer: Literal["sgd", "adam"] = "sgd",
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    loss_fn: LossFn | None = None,
    metrics: Mapping[str, Metric] | None = None,
    valid: tuple[Tensor, Tensor] | None = None,
    penalty: Callable[[], Tensor] | None = None,
    max_steps: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> History:
    r"""Train ``net`` in place with minibatch SGD or Adam, and return its history.

    Each epoch visits the examples once in an order drawn from a CPU :class:`torch.Generator`
    seeded by ``seed``; for each batch it runs the forward pass, computes
    ``loss_fn(y_hat, y) + penalty()``, backpropagates and takes one optimiser step. At the end
    of each epoch the ``valid`` data, if any, are scored with :func:`evaluate`.

    Determinism: inside ``fit``, torch's global generator (used by dropout) is also seeded
    with ``seed``, on a forked state (:func:`torch.random.fork_rng`) so that the caller's
    global random state is the same after the fit as before. So two fits of nets with the
    same initial weights, on the same data with the same arguments, give the same weights and
    the same history on the CPU (on a GPU, some kernels are not deterministic).

    The data are moved to the net's device (that of its first parameter); the net is put in
    train mode for every epoch, and each module's own mode is restored at the end. Each call
    builds a new optimiser: a second ``fit`` continues from the weights, not from the
    momentum or Adam's averages.

    Args:
        net: the network, trained in place. It must have parameters that require grad.
        X: the training inputs, one example per row.
        y: the targets, one per row of ``X``.
        num_epochs: passes over the data; at least 1.
        lr: the learning rate, > 0.
        batch_size: examples per step; the last batch of an epoch may be smaller. Default: 64.
        optimizer: ``"sgd"`` (:class:`torch.optim.SGD`) or ``"adam"``
            (:class:`torch.optim.Adam`). Default: ``"sgd"``.
        momentum: SGD's momentum, >= 0; must be 0 with Adam, which has its own. Default: 0.
        weight_decay: L2 penalty coefficient passed to the optimiser, >= 0. Default: 0.
        loss_fn: ``loss_fn(y_hat, y)``, a scalar. Default: ``nn.CrossEntropyLoss()``.
        metrics: name to ``metric(y_hat, y)``, recorded per epoch for the train and valid
            data. Default: ``{"accuracy": accuracy}``; pass ``{}`` for none (regression).
        valid: ``(X_valid, y_valid)`` to evaluate at the end of every epoch, or ``None``.
        penalty: called with no argument after each batch's forward pass; its scalar result
            is added to that batch's loss and backpropagated (for example an L1 penalty on
            activations read from an ``ActivationRecorder(net, keep_graph=True)``). It is part
            of the reported ``train_loss`` and recorded alone in ``train_penalty``; validation
            losses do not include it.
        max_steps: stop after this many optimiser steps in all, a fixed budget (at least 1),
            or ``None`` for no limit. When it stops the fit, the history holds the epochs
            begun: the last one may be partial, its train values are means over the batches
            it ran, and its valid values are computed as for a full epoch. ``num_epochs``
            still bounds the fit.
        seed: seeds the shuffling and torch's global generator during the fit, an int >= 0.
            Default: 0.
        progress: show a tqdm bar over the epochs (on stderr). Default: ``False``, silent.

    Returns:
        The :class:`History` of the fit.

    Raises:
        ValueError: a loss (or a gradient) is NaN or infinite; the message names the epoch
            and the step (both counted from 1; the step within the epoch and overall). That
            batch's optimiser step is not taken, so the net keeps the weights the bad loss was
            computed with, those after the previous step (finite, unless that step overflowed
            them); the ``.grad`` fields hold the last gradients computed, the bad batch's when
            the gradient was the problem. Also raised
            for: ``X`` and ``y`` (or the valid pair) of different lengths or empty,
            ``num_epochs`` < 1, ``lr`` <= 0 or not finite, ``batch_size`` < 1,
            ``max_steps`` < 1, a negative ``momentum`` or ``weight_decay``, ``momentum``
            with Adam, an unknown ``optimizer``, a metric named ``"loss"``, a ``penalty``
            that does not return a scalar tensor, a net with no trainable parameters.
        TypeError: ``net`` is not a module, the data are not tensors, or a count is not an
            int.

    Examples:
        >>> _ = set_seed(0)
        >>> X = torch.randn(100, 2)
        >>> y = (X[:, 0] > X[:, 1]).long()
        >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
        >>> history = fit(net, X, y, num_epochs=10, lr=0.5, batch_size=50)
        >>> history.steps
        20
        >>> history.train_loss[-1] < history.train_loss[0]
        True
        >>> history.train_metrics["accuracy"][-1] > 0.9
        True
    """
    where = "fit"
    device = _net_device(net, where)
    named = [(name, p) for name, p in net.named_parameters() if p.requires_grad]
    if device is None or not named:
        raise ValueError(
            f"{where}: net has no trainable parameters (parameters with requires_grad=True), "
            "so there is nothing to train"
        )
    _check_data(X, y, where)
    if valid is not None:
        if not isinstance(valid, tuple | list) or len(valid) != 2:
            raise ValueError(f"{where}: valid must be a pair (X_valid, y_valid) or None")
        _check_data(valid[0], valid[1], where, names="valid's X and y")
    num_epochs = _check_positive_int("num_epochs", num_epochs, where)
    batch_size = _check_positive_int("batch_size", batch_size, where)
    if max_steps is not None:
        max_steps = _check_positive_int("max_steps", max_steps, where)
    lr = _check_number("lr", lr, where, positive=True)
    momentum = _check_number("momentum", momentum, where, positive=False)
    weight_decay = _check_number("weight_decay", weight_decay, where, positive=False)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"{where}: seed must be an int >= 0, got {seed!r}")
    params = [p for _, p in named]
    opt: torch.optim.Optimizer
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    elif optimizer == "adam":
        if momentum != 0:
            raise ValueError(
                f"{where}: momentum={momentum} is for SGD; Adam keeps its own moving averages "
                "(betas), so leave momentum at 0 with optimizer='adam'"
            )
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"{where}: optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    metrics = {"accuracy": accuracy} if metrics is None else dict(metrics)
    if "loss" in metrics:
        raise ValueError(f"{where}: the name 'loss' is taken by the loss; rename that metric")

    X, y = X.to(device), y.to(device)
    history = History(
        train_loss=[],
        train_metrics={name: [] for name in metrics},
        valid_loss=[],
        valid_metrics={name: [] for name in metrics},
        seconds=0.0,
    )
    shuffle = torch.Generator().manual_seed(int(seed))
    num = len(X)
    start = time.perf_counter()
    cuda: list[int] = []
    if device.type == "cuda":
        cuda = [torch.cuda.current_device() if device.index is None else device.index]
    try:
        with restored_modes(net), torch.random.fork_rng(devices=cuda):
            torch.manual_seed(int(seed))
            epochs = tqdm(range(1, num_epochs + 1), desc=where, unit="epoch", disable=not progress)
            for epoch in epochs:
                net.train()
                total_loss = total_penalty = 0.0
                totals = dict.fromkeys(metrics, 0.0)
                seen = 0
                order = torch.randperm(num, generator=shuffle).to(device)
                for step, first in enumerate(range(0, num, batch_size), start=1):
                    index = order[first : first + batch_size]
                    X_batch, y_batch = X[index], y[index]
                    y_hat = net(X_batch)
                    loss = loss_fn(y_hat, y_batch)
                    term = 0.0
                    if penalty is not None:
                        extra = penalty()
                        if not isinstance(extra, Tensor) or extra.numel() != 1:
                            raise ValueError(
                                f"{where}: penalty() must return a scalar tensor, got {extra!r:.80}"
                            )
                        loss = loss + extra.reshape(())
                        term = float(extra.detach())
                    value = float(loss.detach())
                    where_bad = f"epoch {epoch}, step {step} (step {history.steps + 1} overall)"
                    if not math.isfinite(value):
                        raise ValueError(
                            f"{where}: the loss is {value} at {where_bad}; the net keeps the "
                            "weights of the previous step. Try a smaller lr, or check the "
                            "data and the loss for NaN or infinite values"
                        )
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    bad_grad = _first_non_finite_grad(named)
                    if bad_grad is not None:
                        raise ValueError(
                            f"{where}: the gradient of {bad_grad!r} is not finite at "
                            f"{where_bad} (the loss was {value}); the step was not taken"
                        )
                    opt.step()
                    history.steps += 1

                    size = len(index)
                    seen += size
                    total_loss += value * size
                    total_penalty += term * size
                    with torch.no_grad():
                        for name, metric in metrics.items():
                            totals[name] += float(metric(y_hat.detach(), y_batch)) * size
                    if max_steps is not None and history.steps >= max_steps:
                        break

                history.train_loss.append(total_loss / seen)
                if penalty is not None:
                    history.train_penalty.append(total_penalty / seen)
                for name in metrics:
                    history.train_metrics[name].append(totals[name] / seen)
                if valid is not None:
                    scores = evaluate(net, valid[0], valid[1], loss_fn=loss_fn, metrics=metrics)
                    history.valid_loss.append(scores["loss"])
                    for name in metrics:
                        history.valid_metrics[name].append(scores[name])
                if progress:
                    epochs.set_postfix(loss=f"{history.train_loss[-1]:.4f}")
                if max_steps is not None and history.steps >= max_steps:
                    break
    finally:
        history.seconds = time.perf_counter() - start
    return history
