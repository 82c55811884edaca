"""relu_course.numpy_nn.layers against PyTorch and numerical gradients; planted bugs must fail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relu_course.numpy_nn import layers as L
from relu_course.numpy_nn.gradcheck import numerical_gradient_array, rel_error

GRAD_TOL = 1e-7


# --------------------------------------------------------------------------- checking logic
# The real tests and the test_rejects_* mutant tests go through these same functions.


def torch_reference(fn, inputs, dout):
    """Value and input gradients of fn(*inputs) by autograd, in float64."""
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in inputs]
    out = fn(*ts)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def assert_matches_torch(forward, backward, torch_fn, inputs, dout, **kwargs):
    out, cache = forward(*inputs, **kwargs)
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    ref_out, ref_grads = torch_reference(torch_fn, inputs, dout)
    assert out.shape == ref_out.shape
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-12)
    assert len(grads) == len(ref_grads)
    for k, (grad, ref) in enumerate(zip(grads, ref_grads, strict=True)):
        assert grad.shape == ref.shape, f"gradient {k}: shape {grad.shape}, torch {ref.shape}"
        np.testing.assert_allclose(grad, ref, rtol=1e-10, atol=1e-12, err_msg=f"gradient {k}")


def gradient_errors(forward, backward, inputs, dout, **kwargs) -> list[float]:
    """rel_error between each analytic gradient and its numerical estimate."""
    inputs = [np.array(a, dtype=np.float64) for a in inputs]
    _, cache = forward(*inputs, **kwargs)
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(inputs), f"{len(grads)} gradients for {len(inputs)} inputs"
    errors = []
    for k, grad in enumerate(grads):

        def f(a, k=k):
            args = list(inputs)
            args[k] = a
            return forward(*args, **kwargs)[0]

        num = numerical_gradient_array(f, inputs[k], dout)
        assert grad.shape == num.shape, f"gradient {k}: shape {grad.shape}, expected {num.shape}"
        errors.append(rel_error(grad, num))
    return errors


def assert_gradcheck(forward, backward, inputs, dout, **kwargs):
    errors = gradient_errors(forward, backward, inputs, dout, **kwargs)
    assert max(errors) < GRAD_TOL, errors


def check_layer(forward, backward, torch_fn, inputs, dout, **kwargs):
    assert_matches_torch(forward, backward, torch_fn, inputs, dout, **kwargs)
    assert_gradcheck(forward, backward, inputs, dout, **kwargs)


def assert_rejected(forward, backward, torch_fn, inputs, dout, **kwargs):
    """A planted bug must fail both the torch comparison and the gradient check."""
    with pytest.raises(AssertionError):
        assert_matches_torch(forward, backward, torch_fn, inputs, dout, **kwargs)
    with pytest.raises(AssertionError):
        assert_gradcheck(forward, backward, inputs, dout, **kwargs)


def away_from_kink_draw(
    rng: np.random.Generator, draw: Callable[[], Sequence[np.ndarray]], preactivation, margin=1e-3
):
    """Redraw until no ReLU input lies within ``margin`` of 0, where finite differences lie."""
    for _ in range(100):
        inputs = draw()
        if np.abs(preactivation(*inputs)).min() > margin:
            return inputs
    raise AssertionError("could not draw inputs away from the kink")


def out_grad(rng, forward, inputs, **kwargs):
    """A random upstream gradient of the forward output's shape."""
    out, _ = forward(*inputs, **kwargs)
    return rng.standard_normal(out.shape)


# --------------------------------------------------------------------------- affine


def torch_affine(x, w, b):
    return F.linear(x.flatten(1), w.T, b)


def affine_inputs(rng, x_shape, m):
    d = int(np.prod(x_shape[1:]))
    return rng.standard_normal(x_shape), rng.standard_normal((d, m)), rng.standard_normal(m)


@pytest.mark.parametrize(("x_shape", "m"), [((4, 6), 5), ((3, 2, 4), 5), ((2, 1, 2, 3), 3)])
def test_affine_matches_torch_and_gradcheck(x_shape, m):
    rng = np.random.default_rng(0)
    inputs = affine_inputs(rng, x_shape, m)
    dout = out_grad(rng, L.affine_forward, inputs)
    check_layer(L.affine_forward, L.affine_backward, torch_affine, inputs, dout)


@st.composite
def affine_cases(draw):
    n = draw(st.integers(0, 4))
    feature_shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    m = draw(st.integers(0, 4))
    d = int(np.prod(feature_shape))
    elems = st.floats(-10, 10, allow_subnormal=False)
    x = draw(hnp.arrays(np.float64, (n, *feature_shape), elements=elems))
    w = draw(hnp.arrays(np.float64, (d, m), elements=elems))
    b = draw(hnp.arrays(np.float64, (m,), elements=elems))
    dout = draw(hnp.arrays(np.float64, (n, m), elements=elems))
    return (x, w, b), dout


@given(affine_cases())
def test_affine_matches_torch_on_random_shapes(case):
    inputs, dout = case
    assert_matches_torch(L.affine_forward, L.affine_backward, torch_affine, inputs, dout)


@given(affine_cases())
def test_affine_backward_is_the_numerical_vjp_on_random_shapes(case):
    # The layer is linear in each input, so central differences are exact up to rounding:
    # compare with an absolute tolerance, as elementwise rel_error is meaningless near 0.
    inputs, dout = case
    inputs = [a.copy() for a in inputs]
    _, cache = L.affine_forward(*inputs)
    for k, grad in enumerate(L.affine_backward(dout, cache)):

        def f(a, k=k):
            args = list(inputs)
            args[k] = a
            return L.affine_forward(*args)[0]

        num = numerical_gradient_array(f, inputs[k], dout)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-5)


def test_affine_keeps_the_input_shape_in_dx():
    x, w, b = affine_inputs(np.random.default_rng(1), (2, 3, 4), 5)
    out, cache = L.affine_forward(x, w, b)
    dx, dw, db = L.affine_backward(np.ones_like(out), cache)
    assert (out.shape, dx.shape, dw.shape, db.shape) == ((2, 5), (2, 3, 4), (12, 5), (5,))


def wrong_affine_backward_dw_transposed(dout, cache):
    dx, dw, db = L.affine_backward(dout, cache)
    return dx, dw.T, db


def wrong_affine_backward_dw_missing(dout, cache):
    dx, dw, db = L.affine_backward(dout, cache)
    return dx, np.zeros_like(dw), db


def wrong_affine_backward_db_mean(dout, cache):
    dx, dw, _ = L.affine_backward(dout, cache)
    return dx, dw, np.mean(dout, axis=0)


def wrong_affine_backward_dx_not_reshaped(dout, cache):
    _, w, _ = cache
    _, dw, db = L.affine_backward(dout, cache)
    return dout @ w.T, dw, db


@pytest.mark.parametrize(
    ("wrong", "x_shape", "m"),
    [
        (wrong_affine_backward_dw_transposed, (3, 4), 4),  # square w: the shapes cannot tell
        (wrong_affine_backward_dw_transposed, (3, 4), 5),
        (wrong_affine_backward_dw_missing, (3, 4), 5),
        (wrong_affine_backward_db_mean, (3, 4), 5),
        (wrong_affine_backward_dx_not_reshaped, (3, 2, 2), 5),
    ],
)
def test_rejects_wrong_affine_backward(wrong, x_shape, m):
    rng = np.random.default_rng(2)
    inputs = affine_inputs(rng, x_shape, m)
    dout = out_grad(rng, L.affine_forward, inputs)
    assert_rejected(L.affine_forward, wrong, torch_affine, inputs, dout)


def test_affine_names_the_shapes():
    x, w, b = np.zeros((2, 3, 4)), np.zeros((12, 5)), np.zeros(5)
    with pytest.raises(ValueError, match=r"w must have shape \(D, M\) = \(12, M\).*got \(10, 5\)"):
        L.affine_forward(x, np.zeros((10, 5)), b)
    with pytest.raises(ValueError, match=r"b must have shape \(M,\) = \(5,\), got \(4,\)"):
        L.affine_forward(x, w, np.zeros(4))
    with pytest.raises(ValueError, match=r"x must have shape \(N, d_1, \.\.\., d_k\).*got \(12,\)"):
        L.affine_forward(np.zeros(12), w, b)
    _, cache = L.affine_forward(x, w, b)
    with pytest.raises(ValueError, match=r"dout must have the forward output's shape \(2, 5\)"):
        L.affine_backward(np.zeros((5, 2)), cache)


def test_affine_rejects_wrong_dtypes():
    with pytest.raises(TypeError, match="x must be a float16, float32 or float64 array"):
        L.affine_forward(np.zeros((2, 3), dtype=np.int64), np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="same dtype, got x float32, w float64, b float64"):
        L.affine_forward(np.zeros((2, 3), np.float32), np.zeros((3, 4)), np.zeros(4))


# --------------------------------------------------------------------------- affine + ReLU


def torch_affine_relu(x, w, b):
    return torch.relu(torch_affine(x, w, b))


def affine_relu_inputs(rng, x_shape, m):
    return away_from_kink_draw(
        rng,
        lambda: affine_inputs(rng, x_shape, m),
        lambda x, w, b: x.reshape(len(x), -1) @ w + b,
    )


@pytest.mark.parametrize(("x_shape", "m"), [((4, 6), 5), ((3, 2, 3), 7)])
def test_affine_relu_matches_torch_and_gradcheck(x_shape, m):
    rng = np.random.default_rng(3)
    inputs = affine_relu_inputs(rng, x_shape, m)
    dout = out_grad(rng, L.affine_relu_forward, inputs)
    check_layer(L.affine_relu_forward, L.affine_relu_backward, torch_affine_relu, inputs, dout)


def test_affine_relu_gradient_at_the_kink_is_zero_as_torch():
    # x @ w + b is exactly 0 in the first column: ReLU'(0) = 0 there.
    x, w, b = np.array([[1.0, -1.0]]), np.array([[1.0, 2.0], [1.0, 0.5]]), np.zeros(2)
    dout = np.array([[3.0, 5.0]])
    assert_matches_torch(
        L.affine_relu_forward, L.affine_relu_backward, torch_affine_relu, (x, w, b), dout
    )
    _, cache = L.affine_relu_forward(x, w, b)
    assert L.affine_relu_backward(dout, cache)[2][0] == 0.0


def wrong_mask_inverted(dout, cache):
    affine_cache, out = cache
    return L.affine_backward(np.where(out > 0, 0.0, dout), affine_cache)


def wrong_mask_missing(dout, cache):
    affine_cache, _ = cache
    return L.affine_backward(dout, affine_cache)


def wrong_mask_from_dout(dout, cache):
    affine_cache, _ = cache
    return L.affine_backward(np.where(dout > 0, dout, 0.0), affine_cache)


@pytest.mark.parametrize("wrong", [wrong_mask_inverted, wrong_mask_missing, wrong_mask_from_dout])
def test_rejects_affine_relu_backward_with_wrong_mask(wrong):
    rng = np.random.default_rng(4)
    inputs = affine_relu_inputs(rng, (4, 6), 5)
    dout = out_grad(rng, L.affine_relu_forward, inputs)
    assert_rejected(L.affine_relu_forward, wrong, torch_affine_relu, inputs, dout)


def test_affine_relu_names_the_shapes():
    _, cache = L.affine_relu_forward(np.zeros((2, 3)), np.zeros((3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"forward output's shape \(2, 4\), got \(4, 2\)"):
        L.affine_relu_backward(np.zeros((4, 2)), cache)


# --------------------------------------------------------------------------- convolution


CONV_SETTINGS = [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]


def conv_inputs(rng, x_shape=(2, 3, 5, 6), w_shape=(4, 3, 3, 2)):
    return (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )


@pytest.mark.parametrize(("stride", "padding"), CONV_SETTINGS)
def test_conv2d_matches_torch_and_gradcheck(stride, padding):
    rng = np.random.default_rng(5)
    inputs = conv_inputs(rng)
    dout = out_grad(rng, L.conv2d_forward, inputs, stride=stride, padding=padding)

    def torch_conv(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding)

    check_layer(
        L.conv2d_forward,
        L.conv2d_backward,
        torch_conv,
        inputs,
        dout,
        stride=stride,
        padding=padding,
    )


@st.composite
def conv_cases(draw):
    n, c, f = draw(st.integers(0, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    hh, ww = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    h = draw(st.integers(max(1, hh - 2 * padding), 6))
    w = draw(st.integers(max(1, ww - 2 * padding), 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    inputs = conv_inputs(rng, (n, c, h, w), (f, c, hh, ww))
    dout = out_grad(rng, L.conv2d_forward, inputs, stride=stride, padding=padding)
    return inputs, dout, stride, padding


@given(conv_cases())
def test_conv2d_matches_torch_on_random_shapes(case):
    inputs, dout, stride, padding = case

    def torch_conv(x, w, b):
        return F.conv2d(x, w, b, stride=stride, padding=padding)

    assert_matches_torch(
        L.conv2d_forward,
        L.conv2d_backward,
        torch_conv,
        inputs,
        dout,
        stride=stride,
        padding=padding,
    )


def wrong_conv_backward_flipped_kernel(dout, cache):
    # A true convolution's gradient where the forward pass is a cross-correlation.
    x, w, b, stride, padding = cache
    _, dw, db = L.conv2d_backward(dout, cache)
    dx, _, _ = L.conv2d_backward(dout, (x, w[:, :, ::-1, ::-1], b, stride, padding))
    return dx, dw, db


def wrong_conv_backward_db_over_batch_only(dout, cache):
    dx, dw, _ = L.conv2d_backward(dout, cache)
    return dx, dw, dout.sum(axis=0).mean(axis=(1, 2))


@pytest.mark.parametrize(
    "wrong", [wrong_conv_backward_flipped_kernel, wrong_conv_backward_db_over_batch_only]
)
def test_rejects_wrong_conv2d_backward(wrong):
    rng = np.random.default_rng(6)
    inputs = conv_inputs(rng, (1, 2, 4, 4), (2, 2, 3, 3))
    dout = out_grad(rng, L.conv2d_forward, inputs, padding=1)

    def torch_conv(x, w, b):
        return F.conv2d(x, w, b, padding=1)

    assert_rejected(L.conv2d_forward, wrong, torch_conv, inputs, dout, padding=1)


def test_conv2d_names_the_shapes():
    x, w, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    with pytest.raises(ValueError, match=r"x must have 4 dimensions \(N, C, H, W\).*\(3, 5, 5\)"):
        L.conv2d_forward(x[0], w, b)
    with pytest.raises(
        ValueError, match=r"with C = 3 for x of shape \(2, 3, 5, 5\).*\(4, 2, 3, 3\)"
    ):
        L.conv2d_forward(x, np.zeros((4, 2, 3, 3)), b)
    with pytest.raises(ValueError, match=r"b must have shape \(F,\) = \(4,\), got \(3,\)"):
        L.conv2d_forward(x, w, np.zeros(3))
    with pytest.raises(
        ValueError, match=r"kernel \(8, 8\) is larger than the padded input \(7, 7\)"
    ):
        L.conv2d_forward(x, np.zeros((4, 3, 8, 8)), b, padding=1)
    _, cache = L.conv2d_forward(x, w, b)
    with pytest.raises(
        ValueError, match=r"forward output's shape \(2, 4, 3, 3\), got \(2, 4, 5, 5\)"
    ):
        L.conv2d_backward(np.zeros((2, 4, 5, 5)), cache)


def test_conv2d_checks_stride_and_padding():
    x, w, b = np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), np.zeros(1)
    with pytest.raises(ValueError, match="stride must be at least 1, got 0"):
        L.conv2d_forward(x, w, b, stride=0)
    with pytest.raises(ValueError, match="padding must be at least 0, got -1"):
        L.conv2d_forward(x, w, b, padding=-1)
    with pytest.raises(TypeError, match="stride must be an int, got float"):
        L.conv2d_forward(x, w, b, stride=1.5)


def test_conv2d_rejects_wrong_dtypes():
    with pytest.raises(TypeError, match="w must be a float16, float32 or float64 array"):
        L.conv2d_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2), int), np.zeros(1))
    with pytest.raises(TypeError, match="same dtype"):
        L.conv2d_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2), np.float32), np.zeros(1))


# --------------------------------------------------------------------------- max pooling

POOL_SETTINGS = [(2, None), (3, 1), (2, 1), (3, 2), (2, 3)]


def distinct_values(rng, shape):
    """Values 0.01 apart at least, so no window has a tie within the probes' reach."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.01 - 1.0


@pytest.mark.parametrize(("kernel_size", "stride"), POOL_SETTINGS)
def test_maxpool2d_matches_torch_and_gradcheck(kernel_size, stride):
    rng = np.random.default_rng(7)
    inputs = (distinct_values(rng, (2, 3, 7, 6)),)
    kwargs = {"kernel_size": kernel_size, "stride": stride}
    dout = out_grad(rng, L.maxpool2d_forward, inputs, **kwargs)

    def torch_pool(x):
        return F.max_pool2d(x, kernel_size, stride=stride)

    check_layer(L.maxpool2d_forward, L.maxpool2d_backward, torch_pool, inputs, dout, **kwargs)


@st.composite
def pool_cases_with_ties(draw):
    kernel_size, stride = draw(st.integers(1, 3)), draw(st.one_of(st.none(), st.integers(1, 3)))
    n, c = draw(st.integers(0, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(kernel_size, 6)), draw(st.integers(kernel_size, 6))
    # Few distinct values: most windows hold ties.
    x = draw(hnp.arrays(np.float64, (n, c, h, w), elements=st.sampled_from([-1.0, 0.0, 2.0])))
    seed = draw(st.integers(0, 2**32 - 1))
    dout = out_grad(
        np.random.default_rng(seed),
        L.maxpool2d_forward,
        (x,),
        kernel_size=kernel_size,
        stride=stride,
    )
    return x, dout, kernel_size, stride


@given(pool_cases_with_ties())
def test_maxpool2d_matches_torch_with_ties(case):
    x, dout, kernel_size, stride = case

    def torch_pool(t):
        return F.max_pool2d(t, kernel_size, stride=stride)

    assert_matches_torch(
        L.maxpool2d_forward,
        L.maxpool2d_backward,
        torch_pool,
        (x,),
        dout,
        kernel_size=kernel_size,
        stride=stride,
    )


def test_maxpool2d_tie_goes_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[0.0, 1.0], [1.0, 1.0]]]])
    _, cache = L.maxpool2d_forward(x)
    dx = L.maxpool2d_backward(np.array([[[[1.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_maxpool2d_overlapping_windows_accumulate():
    x = np.array([[[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]])
    _, cache = L.maxpool2d_forward(x, kernel_size=2, stride=1)
    dx = L.maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx[0, 0, 1, 1] == 4.0
    assert dx.sum() == 4.0


def wrong_maxpool_backward_average(dout, cache):
    x, _, k, s = cache
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s : i * s + k, j * s : j * s + k] += dout[:, :, i, j, None, None] / k**2
    return dx


def wrong_maxpool_backward_every_maximum(dout, cache):
    x, _, k, s = cache
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s : i * s + k, j * s : j * s + k]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * s : i * s + k, j * s : j * s + k] += mask * dout[:, :, i, j, None, None]
    return dx


def wrong_maxpool_backward_last_maximum(dout, cache):
    x, _, k, s = cache
    flipped = x[:, :, ::-1, ::-1]
    _, flipped_cache = L.maxpool2d_forward(flipped, k, s)
    return L.maxpool2d_backward(dout[:, :, ::-1, ::-1], flipped_cache)[:, :, ::-1, ::-1]


def test_rejects_maxpool2d_backward_that_averages():
    rng = np.random.default_rng(8)
    inputs = (distinct_values(rng, (1, 2, 4, 4)),)
    dout = out_grad(rng, L.maxpool2d_forward, inputs)
    assert_rejected(
        L.maxpool2d_forward,
        wrong_maxpool_backward_average,
        lambda x: F.max_pool2d(x, 2),
        inputs,
        dout,
    )


@pytest.mark.parametrize(
    "wrong", [wrong_maxpool_backward_every_maximum, wrong_maxpool_backward_last_maximum]
)
def test_rejects_maxpool2d_backward_with_another_tie_rule(wrong):
    # Numerical gradients cannot judge ties (the function has a kink there): torch does.
    x = np.array([[[[1.0, 1.0, 0.0, 2.0], [0.0, 1.0, 2.0, 2.0]]]])
    dout = np.array([[[[1.0, 1.0]]]])
    with pytest.raises(AssertionError):
        assert_matches_torch(L.maxpool2d_forward, wrong, lambda t: F.max_pool2d(t, 2), (x,), dout)


def test_maxpool2d_names_the_shapes():
    with pytest.raises(
        ValueError, match=r"x must have 4 dimensions \(N, C, H, W\), got shape \(4, 4\)"
    ):
        L.maxpool2d_forward(np.zeros((4, 4)))
    with pytest.raises(
        ValueError, match=r"kernel_size 3 is larger than the input's spatial shape \(2, 5\)"
    ):
        L.maxpool2d_forward(np.zeros((1, 1, 2, 5)), kernel_size=3)
    with pytest.raises(ValueError, match="kernel_size must be at least 1, got 0"):
        L.maxpool2d_forward(np.zeros((1, 1, 2, 2)), kernel_size=0)
    _, cache = L.maxpool2d_forward(np.zeros((1, 2, 4, 4)))
    with pytest.raises(
        ValueError, match=r"forward output's shape \(1, 2, 2, 2\), got \(1, 2, 4, 4\)"
    ):
        L.maxpool2d_backward(np.zeros((1, 2, 4, 4)), cache)


def test_maxpool2d_rejects_integer_input():
    with pytest.raises(TypeError, match="x must be a float16, float32 or float64 array"):
        L.maxpool2d_forward(np.zeros((1, 1, 2, 2), dtype=np.int32))


# --------------------------------------------------------------------------- RNN step


def torch_rnn_step(nonlinearity):
    act = torch.relu if nonlinearity == "relu" else torch.tanh

    def step(x, h_prev, wx, wh, b):
        return act(x @ wx + h_prev @ wh + b)

    return step


def rnn_inputs(rng, n=3, d=4, hidden=5):
    def draw():
        return (
            rng.standard_normal((n, d)),
            rng.standard_normal((n, hidden)),
            rng.standard_normal((d, hidden)) * 0.5,
            rng.standard_normal((hidden, hidden)) * 0.5,
            rng.standard_normal(hidden),
        )

    def preactivation(x, h_prev, wx, wh, b):
        return x @ wx + h_prev @ wh + b

    return away_from_kink_draw(rng, draw, preactivation)


@pytest.mark.parametrize("nonlinearity", ["relu", "tanh"])
def test_rnn_step_matches_torch_and_gradcheck(nonlinearity):
    rng = np.random.default_rng(9)
    inputs = rnn_inputs(rng)
    dout = out_grad(rng, L.rnn_step_forward, inputs, nonlinearity=nonlinearity)
    check_layer(
        L.rnn_step_forward,
        L.rnn_step_backward,
        torch_rnn_step(nonlinearity),
        inputs,
        dout,
        nonlinearity=nonlinearity,
    )


@pytest.mark.parametrize("nonlinearity", ["relu", "tanh"])
def test_rnn_step_matches_torch_rnn_cell(nonlinearity):
    # torch.nn.RNNCell stores the weights transposed and splits the bias in two.
    rng = np.random.default_rng(10)
    x, h_prev, wx, wh, b = rnn_inputs(rng)
    cell = torch.nn.RNNCell(4, 5, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(wx.T))
        cell.weight_hh.copy_(torch.tensor(wh.T))
        cell.bias_ih.copy_(torch.tensor(b * 0.25))
        cell.bias_hh.copy_(torch.tensor(b * 0.75))
    h_next, cache = L.rnn_step_forward(x, h_prev, wx, wh, b, nonlinearity=nonlinearity)
    dh = rng.standard_normal(h_next.shape)
    ht = torch.tensor(h_prev, requires_grad=True)
    ref = cell(torch.tensor(x), ht)
    ref.backward(torch.tensor(dh))
    _, dh_prev, dwx, dwh, db = L.rnn_step_backward(dh, cache)
    np.testing.assert_allclose(h_next, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dh_prev, ht.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dwx, cell.weight_ih.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dwh, cell.weight_hh.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db, cell.bias_ih.grad.numpy(), rtol=1e-10, atol=1e-12)


def wrong_rnn_backward_wh_not_transposed(dh_next, cache):
    *_, wh, nonlinearity, out = cache
    dx, _, dwx, dwh, db = L.rnn_step_backward(dh_next, cache)
    da = dh_next * (1 - out**2) if nonlinearity == "tanh" else dh_next * (out > 0)
    return dx, da @ wh, dwx, dwh, db


def wrong_rnn_backward_tanh_derivative(dh_next, cache):
    x, h_prev, wx, wh, _, out = cache
    da = dh_next * (1 - out)  # should be 1 - out**2
    return da @ wx.T, da @ wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def wrong_rnn_backward_relu_without_mask(dh_next, cache):
    x, h_prev, wx, wh, _, _ = cache
    da = dh_next
    return da @ wx.T, da @ wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


@pytest.mark.parametrize(
    ("wrong", "nonlinearity"),
    [
        (wrong_rnn_backward_wh_not_transposed, "relu"),
        (wrong_rnn_backward_wh_not_transposed, "tanh"),
        (wrong_rnn_backward_tanh_derivative, "tanh"),
        (wrong_rnn_backward_relu_without_mask, "relu"),
    ],
)
def test_rejects_wrong_rnn_step_backward(wrong, nonlinearity):
    rng = np.random.default_rng(11)
    inputs = rnn_inputs(rng)
    dout = out_grad(rng, L.rnn_step_forward, inputs, nonlinearity=nonlinearity)
    assert_rejected(
        L.rnn_step_forward,
        wrong,
        torch_rnn_step(nonlinearity),
        inputs,
        dout,
        nonlinearity=nonlinearity,
    )


def test_rnn_step_rejects_an_unknown_nonlinearity():
    x, h_prev, wx, wh, b = rnn_inputs(np.random.default_rng(12))
    with pytest.raises(ValueError, match="nonlinearity must be 'relu' or 'tanh', got 'sigmoid'"):
        L.rnn_step_forward(x, h_prev, wx, wh, b, nonlinearity="sigmoid")


def test_rnn_step_names_the_shapes():
    x, h_prev, wx, wh, b = rnn_inputs(np.random.default_rng(13), n=3, d=4, hidden=5)
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\), got \(3, 4, 1\)"):
        L.rnn_step_forward(x[..., None], h_prev, wx, wh, b)
    with pytest.raises(
        ValueError, match=r"h_prev must have shape \(N, H\) with N = 3.*got \(2, 5\)"
    ):
        L.rnn_step_forward(x, h_prev[:2], wx, wh, b)
    with pytest.raises(ValueError, match=r"Wx must have shape \(4, 5\).*got \(5, 4\)"):
        L.rnn_step_forward(x, h_prev, wx.T, wh, b)
    with pytest.raises(ValueError, match=r"Wh must have shape \(5, 5\).*got \(5, 4\)"):
        L.rnn_step_forward(x, h_prev, wx, wh[:, :4], b)
    with pytest.raises(ValueError, match=r"b must have shape \(H,\) = \(5,\), got \(4,\)"):
        L.rnn_step_forward(x, h_prev, wx, wh, b[:4])
    _, cache = L.rnn_step_forward(x, h_prev, wx, wh, b)
    with pytest.raises(ValueError, match=r"dh_next must have the forward output's shape \(3, 5\)"):
        L.rnn_step_backward(np.zeros((5, 3)), cache)


def test_rnn_step_rejects_wrong_dtypes():
    x, h_prev, wx, wh, b = rnn_inputs(np.random.default_rng(14))
    with pytest.raises(TypeError, match="h_prev must be a float16, float32 or float64 array"):
        L.rnn_step_forward(x, h_prev.astype(int), wx, wh, b)
    with pytest.raises(TypeError, match="same dtype"):
        L.rnn_step_forward(x, h_prev, wx.astype(np.float32), wh, b)


# --------------------------------------------------------------------------- dtypes


def layer_cases() -> list[tuple[str, Callable[..., Any], Callable[..., Any], tuple, dict]]:
    rng = np.random.default_rng(15)
    return [
        ("affine", L.affine_forward, L.affine_backward, affine_inputs(rng, (3, 2, 2), 3), {}),
        (
            "affine_relu",
            L.affine_relu_forward,
            L.affine_relu_backward,
            affine_relu_inputs(rng, (3, 4), 3),
            {},
        ),
        ("conv2d", L.conv2d_forward, L.conv2d_backward, conv_inputs(rng), {"padding": 1}),
        (
            "maxpool2d",
            L.maxpool2d_forward,
            L.maxpool2d_backward,
            (distinct_values(rng, (1, 2, 4, 4)),),
            {},
        ),
        (
            "rnn_relu",
            L.rnn_step_forward,
            L.rnn_step_backward,
            rnn_inputs(rng),
            {"nonlinearity": "relu"},
        ),
        (
            "rnn_tanh",
            L.rnn_step_forward,
            L.rnn_step_backward,
            rnn_inputs(rng),
            {"nonlinearity": "tanh"},
        ),
    ]


LAYER_CASES = layer_cases()


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("case", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layers_keep_the_dtype_and_agree_with_float64(case, dtype):
    _, forward, backward, inputs, kwargs = case
    out64, cache64 = forward(*inputs, **kwargs)
    dout = np.linspace(-1, 1, out64.size).reshape(out64.shape)
    grads64 = backward(dout, cache64)
    grads64 = grads64 if isinstance(grads64, tuple) else (grads64,)
    low = [a.astype(dtype) for a in inputs]
    out, cache = forward(*low, **kwargs)
    grads = backward(dout.astype(dtype), cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    tol = 1e-5 if dtype == np.float32 else 2e-2
    assert out.dtype == dtype
    np.testing.assert_allclose(out, out64, rtol=tol, atol=tol * np.abs(out64).max())
    for grad, ref in zip(grads, grads64, strict=True):
        assert grad.dtype == dtype
        np.testing.assert_allclose(grad, ref, rtol=tol, atol=tol * np.abs(ref).max())


# --------------------------------------------------------------------------- error messages

_RNG = np.random.default_rng(3)
# Each layer with good inputs: integer x must be refused, and a wrong-shaped dout, each in an
# error that starts with the name of the function called.
LAYERS = {
    "affine": (L.affine_forward, L.affine_backward,
               (_RNG.normal(size=(2, 3)), _RNG.normal(size=(3, 4)), _RNG.normal(size=4))),
    "affine_relu": (L.affine_relu_forward, L.affine_relu_backward,
                    (_RNG.normal(size=(2, 3)), _RNG.normal(size=(3, 4)), _RNG.normal(size=4))),
    "conv2d": (L.conv2d_forward, L.conv2d_backward,
               (_RNG.normal(size=(1, 2, 4, 4)), _RNG.normal(size=(3, 2, 3, 3)),
                _RNG.normal(size=3))),
    "maxpool2d": (L.maxpool2d_forward, L.maxpool2d_backward, (_RNG.normal(size=(1, 2, 4, 4)),)),
    "rnn_step": (L.rnn_step_forward, L.rnn_step_backward,
                 (_RNG.normal(size=(2, 3)), _RNG.normal(size=(2, 4)), _RNG.normal(size=(3, 4)),
                  _RNG.normal(size=(4, 4)), _RNG.normal(size=4))),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_errors_name_the_function_called(name):
    forward, backward, inputs = LAYERS[name]
    # The sandwich is its two layers called in turn: the affine layer checks the inputs.
    checker = "affine_forward" if name == "affine_relu" else forward.__name__
    with pytest.raises(TypeError, match=rf"^{checker}: x must be a float16"):
        forward(np.ones(inputs[0].shape, dtype=np.int64), *inputs[1:])
    out, cache = forward(*inputs)
    with pytest.raises(ValueError, match=rf"^{backward.__name__}: d"):
        backward(np.zeros((*out.shape, 1)), cache)
