"""Input checks shared by the NumPy layers: clear errors before any arithmetic happens."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(x: npt.ArrayLike, name: str, arg: str = "x") -> Array:
    """Return ``x`` as an ndarray of float16, float32 or float64, or raise a ``TypeError``.

    Args:
        x: the candidate input (an array or anything ``np.asarray`` accepts).
        name: the function asking, for the error message.
        arg: the argument's name, for the error message.

    Returns:
        ``x`` itself when it already is such an array, otherwise ``np.asarray(x)``.
    """
    arr = np.asarray(x)
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name}: {arg} must be a float16, float32 or float64 array, got dtype {arr.dtype}; "
            f"convert it first, for example {arg}.astype(np.float32)"
        )
    return arr


def as_real(value: float, name: str, arg: str) -> float:
    """Return ``value`` as a Python float, or raise a ``TypeError`` naming the argument.

    Args:
        value: the candidate hyperparameter (a slope, a step size).
        name: the function asking, for the error message.
        arg: the argument's name, for the error message.

    Returns:
        ``float(value)``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: {arg} must be a real number, got {type(value).__name__}")
    return float(value)


def check_same_shape(a: Array, b: Array, name: str, what: str) -> None:
    """Raise a ``ValueError`` unless ``a`` and ``b`` have the same shape.

    Args:
        a: the array that was passed in (``dout``, ``out``).
        b: the array whose shape it must have.
        name: the function asking, for the error message.
        what: how to name ``a`` and ``b`` in the message, e.g. ``"dout and the forward output"``.
    """
    if a.shape != b.shape:
        raise ValueError(f"{name}: {what} must have the same shape, got {a.shape} and {b.shape}")


def widen(a: Array) -> Array:
    """Return ``a`` in the dtype to compute in: float16 becomes float32, the others stay.

    Args:
        a: a float array.

    Returns:
        ``a`` itself, or a float32 copy of a float16 ``a``.
    """
    return a.astype(compute_dtype(a.dtype), copy=False)


def compute_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype to compute in: float16 is widened to float32 and rounded at the end, as torch does.

    Args:
        dtype: the input's dtype.

    Returns:
        float32 for float16, otherwise ``dtype`` itself.
    """
    return np.dtype(np.float32) if dtype == np.float16 else dtype
