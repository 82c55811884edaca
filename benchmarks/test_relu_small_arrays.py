"""Small-array ReLU timings with pytest-benchmark (``make bench-small``); nothing is asserted.

The row-wise fast path of ``relu_course.numpy_nn.relu`` must not make small arrays slower than
the exact two-pass path it replaced: compare the groups' ``fast`` and ``exact`` rows. The
backward groups compare ``relu_backward`` with the ``np.where`` it used before its bit-mask rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu_course.numpy_nn import activations as act

SIZES = [1, 100, 10_000, 1_000_000]


@pytest.fixture(params=SIZES, ids=lambda n: f"n={n}")
def arrays(request):
    x = np.random.default_rng(0).standard_normal(request.param).astype(np.float32)
    return x, np.empty_like(x)


@pytest.mark.parametrize("path", ["fast", "exact"])
def test_course_relu(benchmark, arrays, path, monkeypatch):
    x, y = arrays
    if path == "exact":
        monkeypatch.setattr(act, "_zeros_first_is_exact", lambda dtype: False)
    benchmark.group = f"relu float32 n={x.size}"
    benchmark(act.relu, x, y)


def test_np_maximum(benchmark, arrays):
    x, y = arrays
    benchmark.group = f"relu float32 n={x.size}"
    benchmark(np.maximum, x, 0, out=y)


@pytest.mark.parametrize("into", ["new array", "out="])
def test_course_relu_backward(benchmark, arrays, into):
    x, dx = arrays
    cache, dout = act.relu(x), np.ones_like(x)
    benchmark.group = f"relu backward float32 n={x.size}"
    if into == "out=":
        benchmark(act.relu_backward, dout, cache, out=dx)
    else:
        benchmark(act.relu_backward, dout, cache)


def test_np_where_backward(benchmark, arrays):
    # The course's backward pass before its bit-mask rows: the baseline of the group.
    x, _ = arrays
    cache, dout = act.relu(x), np.ones_like(x)
    benchmark.group = f"relu backward float32 n={x.size}"
    benchmark(lambda: np.where(cache <= 0, x.dtype.type(0), dout))
