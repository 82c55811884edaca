"""numpy_nn.activations against PyTorch, the oracle: values, gradients, edge cases, errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from relu_course.numpy_nn import activations as A
from relu_course.numpy_nn.gradcheck import away_from_kink, numerical_gradient_array, rel_error
from tests.strategies import (
    FLOAT_DTYPES,
    finite_float64_arrays,
    float_arrays,
    non_contiguous,
)

TORCH_DTYPE = {np.float16: torch.float16, np.float32: torch.float32, np.float64: torch.float64}

# Every value a careless implementation gets wrong: signed zeros, NaN, infinities, tiny and huge.
EDGE = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, 3.5, -3.5, 1e4, -1e4]


@dataclass(frozen=True)
class Act:
    """One activation: the NumPy triple, its PyTorch twin and the keyword arguments to use."""

    name: str
    plain: Callable[..., np.ndarray]
    forward: Callable[..., tuple[np.ndarray, Any]]
    backward: Callable[..., Any]
    oracle: Callable[..., torch.Tensor]
    kwargs: dict[str, Any] = field(default_factory=dict)


ACTS = [
    Act("relu", A.relu, A.relu_forward, A.relu_backward, torch.relu),
    Act(
        "leaky_relu",
        A.leaky_relu,
        A.leaky_relu_forward,
        A.leaky_relu_backward,
        F.leaky_relu,
        {"negative_slope": 0.1},
    ),
    Act("elu", A.elu, A.elu_forward, A.elu_backward, F.elu, {"alpha": 1.5}),
    Act("gelu", A.gelu, A.gelu_forward, A.gelu_backward, F.gelu),
    Act(
        "gelu_tanh",
        A.gelu,
        A.gelu_forward,
        A.gelu_backward,
        F.gelu,
        {"approximate": "tanh"},
    ),
    Act("sigmoid", A.sigmoid, A.sigmoid_forward, A.sigmoid_backward, torch.sigmoid),
    Act("tanh", A.tanh, A.tanh_forward, A.tanh_backward, torch.tanh),
    Act(
        "softplus",
        A.softplus,
        A.softplus_forward,
        A.softplus_backward,
        F.softplus,
        {"beta": 2.0, "threshold": 15.0},
    ),
]
IDS = [a.name for a in ACTS]


def torch_value_and_grad(
    act: Act, x: np.ndarray, dout: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(x, requires_grad=True)
    yt = act.oracle(xt, **act.kwargs)
    yt.backward(torch.tensor(dout))
    assert xt.grad is not None
    return yt.detach().numpy(), xt.grad.numpy()


def assert_same_floats(actual: np.ndarray, expected: np.ndarray, rtol: float = 0.0) -> None:
    """Equal values (NaN where NaN), equal dtype and shape; with rtol=0 the sign of zero too."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if rtol == 0.0:
        np.testing.assert_array_equal(actual, expected)
        np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))
    else:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol, equal_nan=True)


def tolerance(dtype: type) -> float:
    return {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-12}[dtype]


# --------------------------------------------------------------------------- ReLU: exact parity


def assert_relu_matches_torch(impl: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> None:
    expected = torch.relu(torch.from_numpy(x.copy(order="C"))).numpy()
    actual = impl(x)
    assert isinstance(actual, np.ndarray)
    assert_same_floats(actual, expected)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_relu_matches_torch_bitwise_on_edge_values(dtype):
    x = np.array(EDGE, dtype=dtype)
    assert_relu_matches_torch(A.relu, x)
    out = A.relu(x)
    assert np.isnan(out[0])
    assert out[1] == np.inf
    assert out[2] == 0
    assert out[4] == 0
    assert np.signbit(out[4])  # -0.0 stays -0.0, as torch.relu


@given(float_arrays())
def test_relu_matches_torch_on_any_float_array(x):
    assert_relu_matches_torch(A.relu, x)


@given(non_contiguous(float_arrays()))
def test_relu_matches_torch_on_non_contiguous_views(x):
    assert_relu_matches_torch(A.relu, x)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8])
def test_relu_keeps_integer_dtype_like_torch(dtype):
    info = np.iinfo(dtype)
    x = np.array(sorted({info.min, min(info.min + 1, 0), 0, 1, info.max}), dtype=dtype)
    out = A.relu(x)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, torch.relu(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1,), (2, 3, 4, 5)])
def test_relu_keeps_shape_and_returns_an_array(shape):
    x = np.full(shape, -1.5, dtype=np.float32)
    out = A.relu(x)
    assert isinstance(out, np.ndarray)  # not a NumPy scalar, even for 0-d input
    assert out.shape == shape
    assert out.dtype == np.float32
    assert not np.shares_memory(out, x)


def test_relu_accepts_lists_and_scalars():
    np.testing.assert_array_equal(A.relu([-1.0, 2.0]), [0.0, 2.0])
    assert A.relu(-3.0).shape == ()


def test_relu_out_writes_in_place_and_keeps_negative_zero():
    x = np.array([-2.0, -0.0, np.nan, 4.0])
    expected = torch.relu(torch.from_numpy(x.copy())).numpy()
    out = np.empty_like(x)
    assert A.relu(x, out=out) is out
    assert_same_floats(out, expected)
    assert A.relu(x, out=x) is x  # out=x: in place, -0.0 kept even though x is overwritten
    assert_same_floats(x, expected)


def test_relu_out_on_a_strided_view():
    buf = np.zeros(8)
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    A.relu(x, out=buf[::2])
    np.testing.assert_array_equal(buf, [0, 0, 2, 0, 0, 0, 4, 0])


@pytest.mark.parametrize(
    ("out", "error", "match"),
    [
        (np.empty(3, dtype=np.float64), ValueError, "same shape"),
        (np.empty(4, dtype=np.float32), TypeError, "dtype"),
        ([0.0] * 4, TypeError, "numpy.ndarray"),
    ],
)
def test_relu_rejects_a_bad_out(out, error, match):
    with pytest.raises(error, match=match):
        A.relu(np.zeros(4), out=out)


@pytest.mark.parametrize(
    "x", [np.array([True, False]), np.array([1 + 2j]), np.array(["a"]), np.array([None])]
)
def test_relu_rejects_non_numeric_input(x):
    with pytest.raises(TypeError, match="relu: x must be a float or integer array"):
        A.relu(x)


# Planted wrong ReLUs: the parity check above must reject every one of them.
WRONG_RELUS = {
    "where_x_gt_0": lambda x: np.where(x > 0, x, 0).astype(x.dtype),  # NaN -> 0
    "x_times_mask": lambda x: x * (x > 0),  # -inf * 0 -> NaN
    "clip_kills_negative_zero": lambda x: np.clip(x, 0, None) + x.dtype.type(0),  # -0.0 -> 0.0
    "float64_always": lambda x: np.maximum(x.astype(np.float64), 0),  # dtype lost
    "abs_based": lambda x: (x + np.abs(x)) / 2,  # inf - inf -> NaN, and rounding
}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name", sorted(WRONG_RELUS))
def test_rejects_wrong_relu(name):
    x = np.array(EDGE, dtype=np.float32)
    with pytest.raises(AssertionError):
        assert_relu_matches_torch(WRONG_RELUS[name], x)


# --------------------------------------------------------------------------- every activation


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # GELU(+-inf) = NaN
@pytest.mark.parametrize("act", ACTS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_values_and_gradients_match_torch_on_edge_values(act, dtype):
    x = np.array(EDGE, dtype=dtype)
    dout = np.linspace(-2, 2, x.size).astype(dtype)
    # The oracle runs in float64 and is rounded once: what an exact float16/float32 result is.
    # (torch's own float32 GELU, for one, loses digits in the tail and returns NaN at +inf.)
    y64, dx64 = torch_value_and_grad(act, x.astype(np.float64), dout.astype(np.float64))
    expected_y, expected_dx = y64.astype(dtype), dx64.astype(dtype)
    out, cache = act.forward(x, **act.kwargs)
    assert_same_floats(act.plain(x, **act.kwargs), expected_y, tolerance(dtype))
    assert_same_floats(out, expected_y, tolerance(dtype))
    assert_same_floats(act.backward(dout, cache), expected_dx, tolerance(dtype))


@pytest.mark.parametrize("act", ACTS, ids=IDS)
@given(x=finite_float64_arrays(max_value=50.0), data=st.data())
def test_values_and_gradients_match_torch_float64(act, x, data):
    dout = data.draw(finite_float64_arrays(shape=st.just(x.shape), max_value=10.0))
    expected_y, expected_dx = torch_value_and_grad(act, x, dout)
    out, cache = act.forward(x, **act.kwargs)
    np.testing.assert_allclose(out, expected_y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(act.backward(dout, cache), expected_dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("act", ACTS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (2, 1, 3, 2)])
def test_dtype_and_shape_are_kept(act, dtype, shape):
    x = np.linspace(-2, 2, int(np.prod(shape))).astype(dtype).reshape(shape)
    out, cache = act.forward(x, **act.kwargs)
    dx = act.backward(np.ones_like(out), cache)
    for arr in (act.plain(x, **act.kwargs), out, dx):
        assert isinstance(arr, np.ndarray)
        assert arr.dtype == dtype
        assert arr.shape == shape


@pytest.mark.parametrize("act", ACTS, ids=IDS)
def test_default_arguments_are_torchs(act):
    # x up to 21 in float64: softplus's default threshold (20) decides between x and its log1p.
    x = np.array([-3.0, -0.5, 0.0, 0.5, 19.5, 20.0, 20.5, 21.0])
    dout = np.linspace(-1, 1, x.size)
    expected_y, expected_dx = torch_value_and_grad(Act(act.name, *astuple(act)[1:5]), x, dout)
    out, cache = act.forward(x)
    assert_same_floats(act.plain(x), expected_y, 1e-15)
    assert_same_floats(out, expected_y, 1e-15)
    assert_same_floats(act.backward(dout, cache), expected_dx, 1e-15)


@pytest.mark.parametrize("act", ACTS, ids=IDS)
def test_backward_passes_numerical_gradient_check(act):
    rng = np.random.default_rng(0)
    # Scale 1: where tanh or GELU saturate, gradients near 1e-8 make any relative error large.
    x = away_from_kink(rng.normal(size=(4, 5)))
    dout = rng.normal(size=x.shape)
    _, cache = act.forward(x, **act.kwargs)
    dx = act.backward(dout, cache)
    num = numerical_gradient_array(lambda z: act.plain(z, **act.kwargs), x, dout)
    assert rel_error(dx, num) < 1e-7


@pytest.mark.parametrize("act", ACTS, ids=IDS)
def test_backward_rejects_dout_of_another_shape(act):
    _, cache = act.forward(np.zeros((2, 3)), **act.kwargs)
    with pytest.raises(ValueError, match="dout and the forward output must have the same shape"):
        act.backward(np.zeros((3, 2)), cache)


@pytest.mark.parametrize("act", [a for a in ACTS if a.name != "relu"], ids=IDS[1:])
def test_integer_input_gets_a_clear_error(act):
    with pytest.raises(TypeError, match=r"must be a float16, float32 or float64 array.*astype"):
        act.plain(np.arange(3), **act.kwargs)


HYPERPARAMETERS = {
    "leaky_relu": "negative_slope", "elu": "alpha", "softplus": "beta", "gelu": "approximate",
}  # fmt: skip


@pytest.mark.parametrize("act", [a for a in ACTS if a.name != "relu"], ids=IDS[1:])
def test_errors_name_the_function_and_the_argument(act):
    # A learner calling from deep inside a network must see which call was wrong.
    for fn in (act.plain, act.forward):
        with pytest.raises(TypeError, match=rf"^{fn.__name__}: x must be"):
            fn(np.arange(3), **act.kwargs)
        arg = HYPERPARAMETERS.get(act.name.removesuffix("_tanh"))
        if arg is not None:
            with pytest.raises((TypeError, ValueError), match=rf"^{fn.__name__}: {arg} must"):
                fn(np.zeros(3), **{**act.kwargs, arg: "1"})
    _, cache = act.forward(np.zeros(3), **act.kwargs)
    backward = act.backward.__name__
    with pytest.raises(ValueError, match=rf"^{backward}: dout and the forward output"):
        act.backward(np.zeros(4), cache)


# --------------------------------------------------------------------------- the kink at 0


def test_relu_derivative_at_zero_is_zero():
    for zero in (0.0, -0.0):
        _, cache = A.relu_forward(np.array([zero]))
        assert A.relu_backward(np.array([1.0]), cache)[0] == 0.0


def test_relu_backward_matches_torch_threshold_backward_on_nan():
    x = np.array([np.nan, -1.0, 1.0])
    _, cache = A.relu_forward(x)
    dout = np.array([5.0, np.nan, 7.0])
    _, expected = torch_value_and_grad(ACTS[0], x, dout)
    assert_same_floats(A.relu_backward(dout, cache), expected)  # [5, 0, 7]: NaN dout masked out


def test_leaky_relu_derivative_at_zero_is_the_slope():
    _, cache = A.leaky_relu_forward(np.array([0.0]), negative_slope=0.2)
    assert A.leaky_relu_backward(np.array([1.0]), cache)[0] == pytest.approx(0.2)


def wrong_relu_backward_ge(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    return dout * (cache >= 0)  # passes the gradient at 0: the classic off-by-kink bug


def wrong_relu_backward_multiply(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    return dout * (cache > 0)  # NaN upstream gradients leak through masked units


@pytest.mark.parametrize("wrong", [wrong_relu_backward_ge, wrong_relu_backward_multiply])
def test_rejects_wrong_relu_backward(wrong):
    x = np.array(EDGE)
    dout = np.full(x.shape, np.nan)
    dout[1:] = 1.0
    dout[2] = np.nan  # an upstream NaN where ReLU is closed (-inf)
    _, expected = torch_value_and_grad(ACTS[0], x, dout)
    _, cache = A.relu_forward(x)
    assert_same_floats(A.relu_backward(dout, cache), expected)
    with pytest.raises(AssertionError):
        assert_same_floats(wrong(dout, cache), expected)


# --------------------------------------------------------------------------- leaky ReLU out=


def test_leaky_relu_out_and_in_place():
    x = np.array([-2.0, -0.0, np.nan, 3.0])
    expected = F.leaky_relu(torch.from_numpy(x.copy()), 0.1).numpy()
    out = np.empty_like(x)
    assert A.leaky_relu(x, 0.1, out=out) is out
    assert_same_floats(out, expected)
    assert A.leaky_relu(x, 0.1, out=x) is x
    assert_same_floats(x, expected)


def test_leaky_relu_float16_rounds_once_like_torch():
    x = np.linspace(-60, 0, 997).astype(np.float16)
    expected = F.leaky_relu(torch.from_numpy(x), 0.01).numpy()
    assert_same_floats(A.leaky_relu(x, 0.01), expected)
    out = np.empty_like(x)
    assert_same_floats(A.leaky_relu(x, 0.01, out=out), expected)


def test_leaky_relu_rejects_a_non_number_slope():
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        A.leaky_relu(np.zeros(2), negative_slope="0.1")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- PReLU


@pytest.mark.parametrize(
    ("shape", "num_slopes"), [((5,), 1), ((4, 3), 3), ((2, 3, 4, 4), 3), ((2, 3, 4), 1), ((), 1)]
)
def test_prelu_matches_torch_values_and_both_gradients(shape, num_slopes):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    w = rng.uniform(0.05, 0.5, size=num_slopes)
    dout = rng.normal(size=shape)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    yt = F.prelu(xt, wt)
    yt.backward(torch.tensor(dout))
    out, cache = A.prelu_forward(x, w)
    dx, dw = A.prelu_backward(dout, cache)
    np.testing.assert_allclose(out, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-12)
    assert dw.shape == w.shape


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf - inf in dw
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("num_slopes", [1, 2])
def test_prelu_matches_torch_on_edge_values_and_at_the_kink(dtype, num_slopes):
    # Two channels of the edge values: the gradient at 0 and -0.0 is the slope's (x > 0 is
    # false), a NaN input gives NaN, and -0.0 stays -0.0.
    x = np.array([EDGE, EDGE[::-1]], dtype=dtype).T  # channels on axis 1
    w = np.array([0.25, 0.5][:num_slopes], dtype=dtype)
    dout = np.linspace(-2, 2, x.size).astype(dtype).reshape(x.shape)
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    wt = torch.tensor(w.astype(np.float64), requires_grad=True)
    F.prelu(xt, wt).backward(torch.tensor(dout.astype(np.float64)))
    out, cache = A.prelu_forward(x, w)
    dx, dw = A.prelu_backward(dout, cache)
    expected = F.prelu(torch.tensor(x.astype(np.float64)), torch.tensor(w.astype(np.float64)))
    assert_same_floats(out, expected.numpy().astype(dtype), tolerance(dtype))
    assert_same_floats(dx, xt.grad.numpy().astype(dtype), tolerance(dtype))
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=tolerance(dtype), equal_nan=True)


def test_prelu_weight_gradient_passes_numerical_check():
    rng = np.random.default_rng(2)
    x = away_from_kink(rng.normal(size=(3, 4, 5)))
    w = np.array([0.1, 0.2, 0.3, 0.4])
    dout = rng.normal(size=x.shape)
    _, cache = A.prelu_forward(x, w)
    _, dw = A.prelu_backward(dout, cache)
    num = numerical_gradient_array(lambda v: A.prelu(x, v), w, dout)
    assert rel_error(dw, num) < 1e-7


def test_prelu_names_the_channel_mismatch():
    with pytest.raises(ValueError, match="weight has 2 slopes but x has 3 channels"):
        A.prelu(np.zeros((4, 3)), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="scalar or 1-D"):
        A.prelu(np.zeros((4, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="weight has 2 slopes but x, 1-D, has no channel axis"):
        A.prelu(np.zeros(4), np.array([0.1, 0.2]))


# --------------------------------------------------------------------------- parameters


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'erf'"):
        A.gelu(np.zeros(2), approximate="erf")  # type: ignore[arg-type]


@pytest.mark.parametrize("beta", [0.0, -1.0])
def test_softplus_rejects_non_positive_beta(beta):
    with pytest.raises(ValueError, match="beta must be positive"):
        A.softplus(np.zeros(2), beta=beta)


def test_sigmoid_and_softplus_do_not_overflow():
    x = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_array_equal(A.sigmoid(x), [0.0, 0.0, 1.0, 1.0])
        np.testing.assert_allclose(A.softplus(x), [0.0, 0.0, 800.0, 1e4])
        A.elu(x)


# --------------------------------------------------------------------------- the fast path
# Large contiguous arrays take the row-wise path (np.maximum(zeros, x) over rows of A._ROW, the
# backward pass over rows of A._GRAD_ROW); it must give exactly what the exact path and torch
# give, with specials in every position: the first row, row boundaries, the ragged tail.
def _with_specials(n: int, dtype: type) -> np.ndarray:
    x = np.random.default_rng(3).standard_normal(n).astype(dtype)
    specials = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, -1e-30, 1e-30], dtype)
    starts = (0, A._ROW - 4, A._ROW, 2 * A._ROW - 1, A._GRAD_ROW - 3, A._GRAD_ROW)
    for start in (*starts, n - specials.size):
        if start + specials.size <= n:
            x[start : start + specials.size] = specials
    return x


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("extra", [0, 1, 37])
def test_relu_rows_match_torch_on_large_arrays(dtype, extra):
    x = _with_specials(3 * A._ROW + extra, dtype)
    assert_relu_matches_torch(A.relu, x)
    out = np.empty_like(x)
    assert A.relu(x, out=out) is out
    assert_relu_matches_torch(lambda v: out, x)
    inplace = x.copy()
    A.relu(inplace, out=inplace)
    assert_relu_matches_torch(lambda v: inplace, x)


def test_relu_rows_on_fortran_order_and_mixed_layouts():
    x = np.asfortranarray(_with_specials(4 * A._ROW, np.float32).reshape(512, -1))
    assert_relu_matches_torch(A.relu, x)
    c_out = np.empty(x.shape, np.float32)  # C order: no common flat view, the exact path runs
    assert_relu_matches_torch(lambda v: A.relu(v, out=c_out), x)


def test_relu_falls_back_to_the_exact_path_where_the_tie_rule_differs(monkeypatch):
    monkeypatch.setattr(A, "_zeros_first_is_exact", lambda dtype: False)
    x = _with_specials(2 * A._ROW + 5, np.float32)
    assert_relu_matches_torch(A.relu, x)


def test_the_tie_rule_probe_is_honest():
    # Whatever it says for this CPU, a dtype it accepts must really be exact.
    for dtype in (np.float16, np.float32, np.float64):
        if A._zeros_first_is_exact(np.dtype(dtype)):
            x = _with_specials(A._ROW + 3, dtype)
            out = np.empty_like(x)
            A._relu_rows(x, out)
            assert_relu_matches_torch(lambda v, out=out: out, x)


def threshold_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """PyTorch's ReLU gradient for input ``x``: the oracle for relu_backward."""
    g, t = torch.from_numpy(dout.copy()), torch.from_numpy(x.copy())
    return torch.ops.aten.threshold_backward(g, torch.relu(t), 0).numpy()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("extra", [0, 1, 37])
def test_relu_backward_rows_match_torch_on_large_arrays(dtype, extra):
    x = _with_specials(2 * A._GRAD_ROW + extra, dtype)
    dout = _with_specials(x.size, dtype)[::-1].copy()  # NaN and infinities in dout too
    _, cache = A.relu_forward(x)
    expected = threshold_backward(dout, x)
    assert_same_floats(A.relu_backward(dout, cache), expected)
    dx = np.empty_like(dout)
    assert A.relu_backward(dout, cache, out=dx) is dx
    assert_same_floats(dx, expected)
    assert A.relu_backward(dout, cache, out=dout) is dout  # in place
    assert_same_floats(dout, expected)


def test_relu_backward_on_other_layouts_and_dtypes_takes_the_exact_path():
    x = _with_specials(2 * A._ROW, np.float32).reshape(256, -1)
    dout = np.asfortranarray(_with_specials(x.size, np.float32)[::-1].reshape(x.shape))
    _, cache = A.relu_forward(x)
    assert_same_floats(A.relu_backward(dout, cache), threshold_backward(dout, x))
    wide = dout.astype(np.float64)  # float64 dout, float32 cache: float64 dx
    dx = A.relu_backward(wide, cache)
    assert dx.dtype == np.float64
    assert_same_floats(dx, np.where(cache <= 0, 0.0, wide))


@pytest.mark.parametrize(
    ("out", "error", "match"),
    [
        (np.empty(3), ValueError, "same shape"),
        (np.empty(4, dtype=np.float32), TypeError, "dtype"),
        ([0.0] * 4, TypeError, "numpy.ndarray"),
    ],
)
def test_relu_backward_rejects_a_bad_out(out, error, match):
    _, cache = A.relu_forward(np.ones(4))
    with pytest.raises(error, match=match):
        A.relu_backward(np.ones(4), cache, out=out)


def test_large_arrays_are_split_across_threads_bit_for_bit(monkeypatch):
    # Three parts of uneven length, over an array a little past the threshold.
    from relu_course.numpy_nn import _parallel

    monkeypatch.setattr(_parallel, "threads", lambda: 3)
    calls: list[tuple[int, int]] = []
    real = _parallel.in_parts

    def spy(n, work, *args):
        def logged(*a):
            calls.append(a[-2:])
            work(*a)

        real(n, logged, *args)

    monkeypatch.setattr(A, "in_parts", spy)
    x = _with_specials(_parallel.PARALLEL_MIN + 3 * A._ROW + 11, np.float32)
    dout = _with_specials(x.size, np.float32)[::-1].copy()
    out, cache = A.relu_forward(x)
    assert_relu_matches_torch(lambda v: out, x)
    assert_same_floats(A.relu_backward(dout, cache), threshold_backward(dout, x))
    assert len(calls) == 6  # three parts each for the forward and the backward pass


def test_relu_backward_into_out_on_small_arrays():
    x = np.array(EDGE, dtype=np.float32)
    dout = np.array(EDGE[::-1], dtype=np.float32)
    _, cache = A.relu_forward(x)
    expected = threshold_backward(dout, x)
    dx = np.empty_like(dout)
    assert A.relu_backward(dout, cache, out=dx) is dx
    assert_same_floats(dx, expected)
    assert A.relu_backward(dout, cache, out=dout) is dout
    assert_same_floats(dout, expected)
