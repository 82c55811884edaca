"""relu_course.torch_nn.autograd against torch.relu and F.leaky_relu, the oracles, bit for bit.

The same battery of checks (`relu_parity_failures`) that passes the course's ReLUFunction is
run on planted wrong implementations, each a mistake learners make, and must name what is
wrong with each. Two of them pass torch.autograd.gradcheck: that is why the oracle comparison
on edge values exists.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relu_course.numpy_nn.gradcheck import away_from_kink
from relu_course.torch_nn import autograd as AG
from relu_course.torch_nn.autograd import LeakyReLUFunction, ReLUFunction
from tests.strategies import float_arrays, non_contiguous
from tests.torch_nn.bits import FLOAT_DTYPES, assert_same_bits, same_bits

INT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def edge_values(dtype: torch.dtype) -> torch.Tensor:
    """NaN, infinities, signed zeros, normal and subnormal tiny values, ordinary values."""
    tiny = torch.finfo(dtype).tiny
    values = [
        float("nan"),
        float("-inf"),
        -1e4,
        -1.0,
        -tiny,
        -tiny / 8,
        -0.0,
        0.0,
        tiny / 8,
        tiny,
        1.0,
        3.5,
        1e4,
        float("inf"),
    ]
    return torch.tensor(values, dtype=torch.float64).to(dtype)


def upstream(n: int, dtype: torch.dtype) -> torch.Tensor:
    """Upstream gradients of both signs, with an infinity: a masked gradient must be exactly +0."""
    pattern = torch.tensor([-1.5, 2.0, -0.25, float("inf"), -3.0, 1.0], dtype=torch.float64)
    return pattern.repeat(n // len(pattern) + 1)[:n].to(dtype)


def grad_of(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, g: torch.Tensor):
    leaf = x.detach().clone().requires_grad_()
    fn(leaf).backward(g)
    return leaf.grad


def relu_parity_failures(apply: Callable[[torch.Tensor], torch.Tensor]) -> set[str]:
    """Names of the checks against torch.relu that `apply` fails; empty when it matches."""
    failures = set()
    for dtype in FLOAT_DTYPES:
        x = edge_values(dtype)
        if not same_bits(apply(x), torch.relu(x)):
            failures.add("values")
        g = upstream(x.numel(), dtype)
        if not same_bits(grad_of(apply, x, g), grad_of(torch.relu, x, g)):
            failures.add("gradients")
        zeros = torch.tensor([0.0, -0.0], dtype=dtype)
        if not same_bits(
            grad_of(apply, zeros, torch.ones(2, dtype=dtype)), torch.zeros(2, dtype=dtype)
        ):
            failures.add("gradient at 0")
    return failures


# --------------------------------------------------------------------------- planted mistakes


class BackwardMaskGreaterEqual(torch.autograd.Function):
    """Mistake: the mask `x >= 0` gives the gradient 1 at 0 (and loses it at NaN)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.relu(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return torch.where(x >= 0, grad, 0)


class ForwardWhereGreater(torch.autograd.Function):
    """Mistake: `where(x > 0, x, 0)` turns NaN into 0 and -0.0 into +0.0."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        result = torch.where(x > 0, x, 0)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (result,) = ctx.saved_tensors
        return torch.where(result <= 0, 0, grad)


class SavesInputMaskGreater(torch.autograd.Function):
    """Mistake: saves the input and masks with `x > 0`; right everywhere except at NaN."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return torch.relu(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return torch.where(x > 0, grad, 0)


class MultipliesByMask(torch.autograd.Function):
    """Mistake: `grad * (result > 0)`: -0.0 for negative gradients, NaN for infinite ones."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        result = torch.relu(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (result,) = ctx.saved_tensors
        return grad * (result > 0)


class ForgetsMask(torch.autograd.Function):
    """Mistake: the backward pass returns the upstream gradient unmasked."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad


def away_from_zero(shape: tuple[int, ...] = (6, 5), seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    x = away_from_kink(rng.standard_normal(shape), margin=1e-2)
    return torch.from_numpy(x).requires_grad_()


def passes_gradcheck(apply: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    return torch.autograd.gradcheck(apply, (away_from_zero(),), raise_exception=False)


def test_relu_function_passes_every_parity_check():
    assert relu_parity_failures(ReLUFunction.apply) == set()
    assert relu_parity_failures(AG.relu) == set()


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        (BackwardMaskGreaterEqual, {"gradients", "gradient at 0"}),
        (ForwardWhereGreater, {"values", "gradients"}),
        (SavesInputMaskGreater, {"gradients"}),
        (MultipliesByMask, {"gradients"}),
        (ForgetsMask, {"gradients", "gradient at 0"}),
    ],
    ids=lambda p: getattr(p, "__name__", ""),
)
def test_rejects_planted_mistakes(planted, expected):
    assert relu_parity_failures(planted.apply) == expected


@pytest.mark.parametrize(
    "planted",
    [BackwardMaskGreaterEqual, ForwardWhereGreater, SavesInputMaskGreater, MultipliesByMask],
)
def test_gradcheck_alone_misses_edge_value_mistakes(planted):
    # Away from the kink and from NaN these are all correct, so gradcheck cannot see the mistake.
    assert passes_gradcheck(planted.apply)


def test_rejects_forgotten_mask_by_gradcheck_too():
    assert not passes_gradcheck(ForgetsMask.apply)


# --------------------------------------------------------------------------- ReLUFunction


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_values_and_signs_match_torch_relu(dtype):
    x = edge_values(dtype)
    y = ReLUFunction.apply(x)
    assert_same_bits(y, torch.relu(x))
    assert torch.equal(torch.signbit(y), torch.signbit(torch.relu(x)))
    assert torch.isnan(y[0])
    assert torch.signbit(y[x == 0]).tolist() == [True, False]  # -0.0 stays -0.0


def test_gradient_at_exactly_zero_is_zero():
    x = torch.tensor([0.0, -0.0, 0.0], dtype=torch.float64, requires_grad=True)
    ReLUFunction.apply(x).sum().backward()
    assert_same_bits(x.grad, torch.zeros(3, dtype=torch.float64))


def test_nan_input_passes_its_gradient_as_torch_does():
    x = torch.tensor([float("nan")], requires_grad=True)
    ReLUFunction.apply(x).backward(torch.tensor([2.5]))
    assert x.grad.tolist() == [2.5]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_integer_tensors_keep_their_dtype(dtype):
    info = torch.iinfo(dtype)
    x = torch.tensor([info.min, -1, 0, 1, info.max], dtype=torch.int64).to(dtype)
    assert_same_bits(ReLUFunction.apply(x), torch.relu(x))


@pytest.mark.parametrize(
    "x",
    [torch.tensor([True, False]), torch.tensor([1 + 1j]), [1.0, -1.0], np.array([1.0])],
    ids=["bool", "complex", "list", "ndarray"],
)
def test_rejects_bool_complex_and_non_tensors(x):
    with pytest.raises(TypeError, match="ReLUFunction"):
        ReLUFunction.apply(x)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1,), (2, 3, 4)], ids=lambda s: f"shape{s}")
def test_empty_and_zero_dim(dtype, shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    g = torch.randn(shape, generator=torch.Generator().manual_seed(2)).to(dtype)
    y = ReLUFunction.apply(x)
    assert y.shape == x.shape
    assert_same_bits(y, torch.relu(x))
    assert_same_bits(grad_of(ReLUFunction.apply, x, g), grad_of(torch.relu, x, g))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize(
    "view",
    [lambda t: t.t(), lambda t: t[:, ::2], lambda t: t[1:, 1::3]],
    ids=["transposed", "strided", "sliced"],
)
def test_non_contiguous_views(dtype, view):
    base = edge_values(dtype).repeat(3)[:36].reshape(6, 6)
    x = view(base)
    assert not x.is_contiguous()
    g = upstream(x.numel(), dtype).reshape(x.shape)
    assert_same_bits(ReLUFunction.apply(x), torch.relu(x))
    assert_same_bits(grad_of(ReLUFunction.apply, x, g), grad_of(torch.relu, x, g))


def test_saves_the_result_not_the_input():
    x = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    h = x * 1.0  # a non-leaf the test may overwrite
    y = ReLUFunction.apply(h)
    (saved,) = y.grad_fn.saved_tensors
    assert saved.data_ptr() == y.data_ptr()
    # Overwriting the input after the forward pass does not spoil the backward pass...
    h.mul_(-1)
    y.backward(torch.ones(3))
    assert x.grad.tolist() == [0.0, 1.0, 1.0]
    # ...whereas torch's own in-place rule on the *output* still protects the saved result.
    y2 = ReLUFunction.apply(x * 1.0)
    y2.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y2.sum().backward()


@pytest.mark.parametrize("seed", range(3))
def test_gradcheck_and_gradgradcheck_float64(seed):
    x = away_from_zero(seed=seed)
    assert torch.autograd.gradcheck(ReLUFunction.apply, (x,))
    assert torch.autograd.gradgradcheck(ReLUFunction.apply, (x,))


def test_double_backward_matches_torch():
    x = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
    g = torch.tensor([1.0, -2.0, 4.0], dtype=torch.float64, requires_grad=True)
    for fn in (ReLUFunction.apply, torch.relu):
        (dx,) = torch.autograd.grad(fn(x), x, g, create_graph=True)
        (dg,) = torch.autograd.grad(dx.sum(), g)
        assert dg.tolist() == [0.0, 1.0, 1.0]


def test_wrapper_uses_the_function():
    y = AG.relu(torch.tensor([1.0], requires_grad=True))
    assert type(y.grad_fn).__name__ == "ReLUFunctionBackward"


@st.composite
def inputs_and_upstream(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """An input of any float dtype (bfloat16 too), shape and layout, and an upstream gradient."""
    arrays = float_arrays()
    x = draw(st.one_of(arrays, non_contiguous(arrays)))
    g = draw(
        hnp.arrays(
            x.dtype,
            x.shape,
            elements=st.floats(-1e3, 1e3, width=np.finfo(x.dtype).bits, allow_subnormal=False),
        )
    )
    xt, gt = torch.from_numpy(x), torch.from_numpy(g)
    if x.dtype == np.float32 and draw(st.booleans()):
        xt, gt = xt.to(torch.bfloat16), gt.to(torch.bfloat16)
    return xt, gt


@settings(max_examples=100)
@given(inputs_and_upstream())
def test_property_values_and_gradients_match_torch(pair):
    x, g = pair
    assert_same_bits(ReLUFunction.apply(x), torch.relu(x))
    assert_same_bits(grad_of(ReLUFunction.apply, x, g), grad_of(torch.relu, x, g))


# --------------------------------------------------------------------------- LeakyReLUFunction

SLOPES = (0.01, 0.2, 0.0, 1.5, -0.5)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("slope", SLOPES)
def test_leaky_values_and_gradients_match_torch(dtype, slope):
    x = edge_values(dtype)
    g = upstream(x.numel(), dtype)

    def ours(t):
        return LeakyReLUFunction.apply(t, slope)

    def theirs(t):
        return F.leaky_relu(t, slope)

    assert_same_bits(ours(x), theirs(x))
    assert_same_bits(grad_of(ours, x, g), grad_of(theirs, x, g))


def test_leaky_gradient_at_zero_is_the_slope():
    x = torch.tensor([0.0, -0.0], dtype=torch.float64, requires_grad=True)
    AG.leaky_relu(x, 0.1).sum().backward()
    assert x.grad.tolist() == [0.1, 0.1]


def test_leaky_default_slope_and_wrapper():
    x = torch.tensor([-3.0, 2.0])
    assert_same_bits(LeakyReLUFunction.apply(x), F.leaky_relu(x))
    assert_same_bits(AG.leaky_relu(x), F.leaky_relu(x))
    y = AG.leaky_relu(x.requires_grad_())
    assert type(y.grad_fn).__name__ == "LeakyReLUFunctionBackward"


def test_leaky_gives_no_gradient_to_the_slope():
    x = torch.tensor([-1.0, 2.0])
    ctx = SimpleNamespace(saved_tensors=(x,), negative_slope=0.1)
    grad_x, grad_slope = LeakyReLUFunction.backward(ctx, torch.ones(2))
    assert grad_slope is None
    assert grad_x.tolist() == pytest.approx([0.1, 1.0])


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("slope", [0.01, -0.3])
def test_leaky_gradcheck_and_gradgradcheck_float64(seed, slope):
    x = away_from_zero(seed=seed)

    def fn(t):
        return LeakyReLUFunction.apply(t, slope)

    assert torch.autograd.gradcheck(fn, (x,))
    assert torch.autograd.gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    ("x", "slope"),
    [
        (torch.tensor([1, -2]), 0.01),
        (torch.tensor([True]), 0.01),
        ([1.0], 0.01),
        (torch.tensor([1.0]), "0.1"),
        (torch.tensor([1.0]), True),
        (torch.tensor([1.0]), torch.tensor(0.1)),
    ],
    ids=["int", "bool", "list", "str-slope", "bool-slope", "tensor-slope"],
)
def test_leaky_rejects_bad_arguments(x, slope):
    with pytest.raises(TypeError, match="LeakyReLUFunction"):
        LeakyReLUFunction.apply(x, slope)


@settings(max_examples=60)
@given(inputs_and_upstream(), st.sampled_from(SLOPES))
def test_property_leaky_matches_torch(pair, slope):
    x, g = pair

    def ours(t):
        return LeakyReLUFunction.apply(t, slope)

    def theirs(t):
        return F.leaky_relu(t, slope)

    assert_same_bits(ours(x), theirs(x))
    assert_same_bits(grad_of(ours, x, g), grad_of(theirs, x, g))


# --------------------------------------------------------------------------- CUDA


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_cuda_agrees_with_cpu(dtype):
    x = edge_values(dtype).repeat(100)
    g = upstream(x.numel(), dtype)
    for fn in (ReLUFunction.apply, lambda t: LeakyReLUFunction.apply(t, 0.1)):
        cpu_y, cpu_g = fn(x), grad_of(fn, x, g)
        cuda_y, cuda_g = fn(x.cuda()), grad_of(fn, x.cuda(), g.cuda())
        assert cuda_y.is_cuda
        torch.testing.assert_close(cuda_y.cpu(), cpu_y, rtol=0, atol=1e-6, equal_nan=True)
        torch.testing.assert_close(cuda_g.cpu(), cpu_g, rtol=0, atol=1e-6, equal_nan=True)


@pytest.mark.gpu
def test_cuda_matches_torch_relu_on_cuda():
    x = torch.randn(1000, 37, device="cuda")
    g = torch.randn(1000, 37, device="cuda")
    torch.testing.assert_close(ReLUFunction.apply(x), torch.relu(x), rtol=0, atol=0)
    torch.testing.assert_close(
        grad_of(ReLUFunction.apply, x, g), grad_of(torch.relu, x, g), rtol=0, atol=0
    )


@pytest.mark.gpu
def test_cuda_gradcheck_float64():
    x = away_from_zero().detach().cuda().requires_grad_()
    assert torch.autograd.gradcheck(ReLUFunction.apply, (x,))
    assert torch.autograd.gradgradcheck(ReLUFunction.apply, (x,))
    assert torch.autograd.gradcheck(lambda t: LeakyReLUFunction.apply(t, 0.1), (x,))
