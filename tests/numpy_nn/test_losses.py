"""relu_course.numpy_nn.losses against PyTorch and numerical gradients; planted bugs must fail."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relu_course.numpy_nn.gradcheck import numerical_gradient, rel_error
from relu_course.numpy_nn.losses import mse_loss, softmax_cross_entropy

GRAD_TOL = 1e-7
TORCH_TO_NUMPY = {torch.float16: np.float16, torch.float32: np.float32, torch.float64: np.float64}


# --------------------------------------------------------------------------- checking logic
# The real tests and the test_rejects_* mutant tests go through these same functions.


def assert_loss_matches_torch(loss_fn, torch_fn, pred, target):
    loss, grad = loss_fn(pred, target)
    pt = torch.tensor(pred, requires_grad=True)
    ref = torch_fn(pt, torch.as_tensor(target))
    ref.backward()
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, ref.item(), rtol=1e-12, atol=1e-15)
    ref_grad = pt.grad.numpy()
    assert grad.shape == ref_grad.shape, f"gradient shape {grad.shape}, torch {ref_grad.shape}"
    assert grad.dtype == TORCH_TO_NUMPY[pt.grad.dtype]
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)


def loss_gradient_error(loss_fn, pred, target) -> float:
    pred = np.array(pred, dtype=np.float64)
    _, grad = loss_fn(pred, target)
    num = numerical_gradient(lambda p: loss_fn(p, target)[0], pred)
    assert grad.shape == num.shape, f"gradient shape {grad.shape}, expected {num.shape}"
    return rel_error(grad, num)


def assert_loss_gradcheck(loss_fn, pred, target):
    error = loss_gradient_error(loss_fn, pred, target)
    assert error < GRAD_TOL, error


def check_loss(loss_fn, torch_fn, pred, target):
    assert_loss_matches_torch(loss_fn, torch_fn, pred, target)
    assert_loss_gradcheck(loss_fn, pred, target)


def assert_rejected(loss_fn, torch_fn, pred, target):
    """A planted bug must fail both the torch comparison and the gradient check."""
    with pytest.raises(AssertionError):
        assert_loss_matches_torch(loss_fn, torch_fn, pred, target)
    with pytest.raises(AssertionError):
        assert_loss_gradcheck(loss_fn, pred, target)


# --------------------------------------------------------------------------- cross-entropy


def ce_inputs(rng, n, c):
    return rng.standard_normal((n, c)), rng.integers(0, c, size=n)


@pytest.mark.parametrize(("n", "c"), [(1, 1), (1, 4), (4, 3), (7, 10)])
def test_softmax_cross_entropy_matches_torch_and_gradcheck(n, c):
    scores, y = ce_inputs(np.random.default_rng(0), n, c)
    check_loss(softmax_cross_entropy, F.cross_entropy, scores, y)


@st.composite
def ce_cases(draw):
    n, c = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    scores = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-50, 50)))
    y = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return scores, y


@given(ce_cases())
def test_softmax_cross_entropy_matches_torch_on_random_inputs(case):
    assert_loss_matches_torch(softmax_cross_entropy, F.cross_entropy, *case)


def test_softmax_cross_entropy_is_stable_for_huge_scores():
    scores = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4 + 1.0, -1e4 - 5.0]])
    y = np.array([1, 1])
    loss, dscores = softmax_cross_entropy(scores, y)
    assert np.isfinite(loss)
    assert np.isfinite(dscores).all()
    assert_loss_matches_torch(softmax_cross_entropy, F.cross_entropy, scores, y)


def test_softmax_cross_entropy_ignores_a_shift_of_each_row():
    scores, y = ce_inputs(np.random.default_rng(1), 5, 4)
    shift = np.array([[0.0], [1e3], [-1e3], [7.0], [1e5]])
    loss, dscores = softmax_cross_entropy(scores, y)
    shifted_loss, shifted_dscores = softmax_cross_entropy(scores + shift, y)
    np.testing.assert_allclose(shifted_loss, loss, rtol=1e-10)
    np.testing.assert_allclose(shifted_dscores, dscores, atol=1e-10)


def test_softmax_cross_entropy_gradient_rows_sum_to_zero():
    scores, y = ce_inputs(np.random.default_rng(2), 6, 5)
    _, dscores = softmax_cross_entropy(scores, y)
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("label_dtype", [np.uint8, np.int32, np.int64])
def test_softmax_cross_entropy_accepts_any_integer_labels(label_dtype):
    scores, y = ce_inputs(np.random.default_rng(3), 4, 3)
    loss, dscores = softmax_cross_entropy(scores, y)
    for labels in (y.astype(label_dtype), y.astype(label_dtype).tolist()):
        other_loss, other_dscores = softmax_cross_entropy(scores, labels)
        assert other_loss == loss
        np.testing.assert_array_equal(other_dscores, dscores)


def test_softmax_cross_entropy_keeps_float32():
    scores, y = ce_inputs(np.random.default_rng(4), 4, 3)
    loss32, d32 = softmax_cross_entropy(scores.astype(np.float32), y)
    loss64, d64 = softmax_cross_entropy(scores, y)
    assert d32.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-6)
    np.testing.assert_allclose(d32, d64, atol=1e-7)


def ce_not_divided_by_n(scores, y):
    loss, dscores = softmax_cross_entropy(scores, y)
    return loss, dscores * len(y)


def ce_without_the_label_term(scores, y):
    loss, dscores = softmax_cross_entropy(scores, y)
    dscores = dscores.copy()
    dscores[np.arange(len(y)), y] += 1 / len(y)
    return loss, dscores


def ce_without_max_subtraction(scores, y):
    # Right on small scores; must still be caught where the scores are large.
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float(-np.log(probs[rows, y]).mean())
    dscores = probs.copy()
    dscores[rows, y] -= 1
    return loss, dscores / len(y)


@pytest.mark.parametrize("wrong", [ce_not_divided_by_n, ce_without_the_label_term])
def test_rejects_wrong_cross_entropy_gradient(wrong):
    scores, y = ce_inputs(np.random.default_rng(5), 4, 3)
    assert_rejected(wrong, F.cross_entropy, scores, y)


def test_rejects_cross_entropy_without_max_subtraction():
    scores, y = ce_inputs(np.random.default_rng(6), 4, 3)
    with np.errstate(over="ignore", invalid="ignore"):
        assert_loss_matches_torch(ce_without_max_subtraction, F.cross_entropy, scores, y)
        with pytest.raises(AssertionError):
            assert_loss_matches_torch(
                ce_without_max_subtraction, F.cross_entropy, scores + 1000.0, y
            )


def test_softmax_cross_entropy_names_bad_labels():
    scores = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, C\) = \[0, 4\), got y\[1\] = 4"):
        softmax_cross_entropy(scores, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"got y\[2\] = -1"):
        softmax_cross_entropy(scores, np.array([0, 1, -1]))


def test_softmax_cross_entropy_names_the_shapes():
    with pytest.raises(ValueError, match=r"scores must have shape \(N, C\), got \(4,\)"):
        softmax_cross_entropy(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(3,\).*got \(3, 1\)"):
        softmax_cross_entropy(np.zeros((3, 4)), np.zeros((3, 1), dtype=int))
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(3,\).*got \(2,\)"):
        softmax_cross_entropy(np.zeros((3, 4)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match=r"empty batch is undefined \(scores \(0, 4\)\)"):
        softmax_cross_entropy(np.zeros((0, 4)), np.zeros(0, dtype=int))


def test_softmax_cross_entropy_rejects_wrong_dtypes():
    with pytest.raises(TypeError, match="y must hold integer class labels, got dtype float64"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="y must hold integer class labels, got dtype bool"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([True, False]))
    with pytest.raises(TypeError, match="scores must be a float16, float32 or float64 array"):
        softmax_cross_entropy(np.zeros((2, 3), dtype=int), np.array([0, 1]))


# --------------------------------------------------------------------------- MSE


@pytest.mark.parametrize("shape", [(), (5,), (4, 3), (2, 3, 4)])
def test_mse_loss_matches_torch_and_gradcheck(shape):
    rng = np.random.default_rng(7)
    y_hat, y = rng.standard_normal(shape), rng.standard_normal(shape)
    check_loss(mse_loss, F.mse_loss, y_hat, y)


@st.composite
def mse_cases(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5))
    elems = st.floats(-1e3, 1e3)
    return draw(hnp.arrays(np.float64, shape, elements=elems)), draw(
        hnp.arrays(np.float64, shape, elements=elems)
    )


@given(mse_cases())
def test_mse_loss_matches_torch_on_random_inputs(case):
    assert_loss_matches_torch(mse_loss, F.mse_loss, *case)


def test_mse_loss_mixes_float_dtypes_as_torch():
    rng = np.random.default_rng(8)
    y_hat, y = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6)
    _, dy_hat = mse_loss(y_hat, y)
    assert dy_hat.dtype == np.float32
    assert_loss_matches_torch(mse_loss, F.mse_loss, y_hat, y)


def mse_without_the_factor_two(y_hat, y):
    loss, dy_hat = mse_loss(y_hat, y)
    return loss, dy_hat / 2


def mse_divided_by_the_batch_size(y_hat, y):
    loss, dy_hat = mse_loss(y_hat, y)
    return loss, dy_hat * y.size / len(y)


@pytest.mark.parametrize("wrong", [mse_without_the_factor_two, mse_divided_by_the_batch_size])
def test_rejects_wrong_mse_gradient(wrong):
    rng = np.random.default_rng(9)
    y_hat, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert_rejected(wrong, F.mse_loss, y_hat, y)


def test_mse_loss_names_the_shapes():
    with pytest.raises(ValueError, match=r"same shape, got \(4, 1\) and \(4,\)"):
        mse_loss(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"empty array is undefined \(shape \(0, 3\)\)"):
        mse_loss(np.zeros((0, 3)), np.zeros((0, 3)))


def test_mse_loss_rejects_wrong_dtypes():
    with pytest.raises(TypeError, match="y must be a float16, float32 or float64 array"):
        mse_loss(np.zeros(3), np.zeros(3, dtype=int))
    with pytest.raises(TypeError, match="y_hat must be a float16, float32 or float64 array"):
        mse_loss(np.array(["a", "b"]), np.zeros(2))
