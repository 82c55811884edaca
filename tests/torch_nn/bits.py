"""Bit-level comparison of tensors for parity with PyTorch: -0.0 is not 0.0, NaN equals NaN."""

from __future__ import annotations

import torch

FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)

_INT_OF_WIDTH = {1: torch.int8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def same_bits(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    """True when dtype, shape and every element's bits agree, NaN payloads aside.

    NaN payloads are ignored because they are not part of any semantics: torch itself quiets
    signalling half-precision NaNs in some kernels and not in others.
    """
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        return False
    a, e = actual.detach().cpu(), expected.detach().cpu()
    if not a.dtype.is_floating_point:
        return torch.equal(a, e)
    nan = torch.isnan(e)
    if not torch.equal(torch.isnan(a), nan):
        return False
    as_int = _INT_OF_WIDTH[a.element_size()]
    return torch.equal(a[~nan].view(as_int), e[~nan].view(as_int))


def assert_same_bits(actual: torch.Tensor, expected: torch.Tensor) -> None:
    assert same_bits(actual, expected), f"\nactual:   {actual!r}\nexpected: {expected!r}"
