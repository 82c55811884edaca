"""Choosing the device the course's torch code runs on: CUDA where present, else the CPU.

Every function and class in :mod:`relu_course.torch_nn` that creates tensors or modules takes a
``device=`` argument; pass it ``best_device()`` and the same notebook runs on a laptop and on a
GPU machine. :func:`net_device` says where a network already is, and :func:`restored_modes`
lets a function switch a network to evaluation mode and hand it back as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["available_devices", "best_device", "net_device", "restored_modes"]


def available_devices() -> list[str]:
    """List the devices torch can use here: ``"cpu"`` and one ``"cuda:N"`` per visible GPU.

    Examples:
        >>> available_devices()[0]
        'cpu'
    """
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return devices


def best_device(prefer: str | None = None) -> torch.device:
    """Choose the device to compute on: the first CUDA GPU if there is one, else the CPU.

    Args:
        prefer: force a device instead of choosing: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
            Asking for a GPU that is not there is an error rather than a silent fall-back to
            the CPU, so that a run meant for the GPU does not quietly take hours.

    Returns:
        A :class:`torch.device`.

    Raises:
        ValueError: ``prefer`` is not a device string, names a kind of device other than
            ``cpu`` or ``cuda``, or names a CUDA device that is not available; the message lists
            the devices that are.

    Examples:
        >>> best_device("cpu")
        device(type='cpu')
    """
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"best_device: {prefer!r} is not a device; available: {', '.join(available_devices())}"
        ) from error
    if device.type == "cpu":
        return device
    if device.type != "cuda":
        raise ValueError(
            f"best_device: the course supports 'cpu' and 'cuda', got {prefer!r}; "
            f"available: {', '.join(available_devices())}"
        )
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0 or (device.index is not None and device.index >= count):
        raise ValueError(
            f"best_device: {prefer!r} was asked for but is not available; "
            f"available: {', '.join(available_devices())}"
        )
    return device


def net_device(net: nn.Module) -> torch.device | None:
    """The device of a network: its first parameter's, else its first buffer's, else ``None``.

    Examples:
        >>> net_device(nn.Linear(2, 3))
        device(type='cpu')
        >>> net_device(nn.ReLU()) is None
        True
    """
    for tensor in net.parameters():
        return tensor.device
    for buffer in net.buffers():
        return buffer.device
    return None


@contextmanager
def restored_modes(net: nn.Module) -> Iterator[None]:
    """Put every submodule of ``net`` back in its own train or eval mode on leaving the block.

    Module by module, not ``net.train(flag)``: that would switch on a submodule the user had
    put in eval mode on purpose (a frozen BatchNorm, say). Restored on errors too.

    Examples:
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Dropout()).train()
        >>> with restored_modes(net):
        ...     _ = net.eval()
        >>> net.training, net[1].training
        (True, True)
    """
    modes = [(module, module.training) for module in net.modules()]
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training
