"""Choosing the device the course's torch code runs on: CUDA where present, else the CPU.

Every function and class in :mod:`relu_course.torch_nn` that creates tensors or modules takes a
``device=`` argument; pass it ``best_device()`` and the same notebook runs on a laptop and on a
GPU machine.
"""

from __future__ import annotations

import torch

__all__ = ["available_devices", "best_device"]


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
