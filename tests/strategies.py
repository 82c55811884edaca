"""Hypothesis strategies shared by the tests: arrays of every shape and float dtype."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

FLOAT_DTYPES = (np.float16, np.float32, np.float64)

float_dtypes = st.sampled_from(FLOAT_DTYPES)

# 0-d and empty arrays included: they are where shape bugs hide.
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)


def float_arrays(
    dtype: st.SearchStrategy[type] = float_dtypes,
    *,
    shape: st.SearchStrategy[tuple[int, ...]] = shapes,
    allow_nan: bool = True,
    allow_infinity: bool = True,
    max_value: float = 1e4,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of any shape and float dtype, elements including +-0.0 and, if asked, nan and inf."""

    def build(dt: type) -> st.SearchStrategy[np.ndarray]:
        limit = min(max_value, float(np.finfo(dt).max))
        elements = st.floats(
            min_value=None if allow_infinity else -limit,
            max_value=None if allow_infinity else limit,
            allow_nan=allow_nan,
            allow_infinity=allow_infinity,
            allow_subnormal=False,
            width=np.finfo(dt).bits,
        )
        if not allow_infinity:
            elements = st.one_of(elements, st.sampled_from([0.0, -0.0]))
        return hnp.arrays(dt, shape, elements=elements)

    return dtype.flatmap(build)


def finite_float64_arrays(
    shape: st.SearchStrategy[tuple[int, ...]] = shapes, max_value: float = 1e3
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays without nan or inf, for comparisons with a tolerance."""
    return float_arrays(
        st.just(np.float64),
        shape=shape,
        allow_nan=False,
        allow_infinity=False,
        max_value=max_value,
    )


@st.composite
def non_contiguous(draw: st.DrawFn, arrays: st.SearchStrategy[np.ndarray]) -> np.ndarray:
    """A strided or transposed view of a drawn array: a layout a library must not assume."""
    base = draw(arrays)
    if base.ndim == 0:
        return base
    view = base[(slice(None, None, 2),) * base.ndim] if draw(st.booleans()) else base.T
    return view
