"""relu_course.numpy_nn.gradcheck: known gradients, x restored, shapes, errors, rel_error."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from relu_course.numpy_nn.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from tests.strategies import finite_float64_arrays

# --------------------------------------------------------------------------- numerical_gradient


def test_gradient_of_the_sum_of_squares_is_2x():
    x = np.random.default_rng(0).standard_normal((3, 4))
    grad = numerical_gradient(lambda a: np.sum(a**2), x)
    assert grad.shape == x.shape
    assert rel_error(grad, 2 * x) < 1e-9


def test_gradient_of_a_0d_input():
    x = np.array(1.5)
    grad = numerical_gradient(lambda a: float(a) ** 3, x)
    assert grad.shape == ()
    assert grad == pytest.approx(3 * 1.5**2, rel=1e-9)


def test_gradient_of_a_smooth_nonlinear_function():
    x = np.array([[0.3, -1.2], [2.0, 0.7]])
    grad = numerical_gradient(lambda a: np.sum(np.sin(a) * np.exp(a)), x)
    exact = (np.cos(x) + np.sin(x)) * np.exp(x)
    assert rel_error(grad, exact) < 1e-8


def test_gradient_of_an_empty_array_is_empty():
    grad = numerical_gradient(lambda a: 0.0, np.zeros((2, 0)))
    assert grad.shape == (2, 0)


@st.composite
def quadratics(draw):
    n = draw(st.integers(1, 6))
    elems = st.floats(-10, 10)
    a = draw(hnp.arrays(np.float64, (n, n), elements=elems))
    b = draw(hnp.arrays(np.float64, (n,), elements=elems))
    x = draw(hnp.arrays(np.float64, (n,), elements=elems))
    return a, b, x


@given(quadratics())
def test_gradient_of_random_quadratics(case):
    # f(x) = x^T A x / 2 + b^T x has gradient (A + A^T) x / 2 + b, and central differences
    # of a quadratic are exact but for rounding.
    a, b, x = case
    grad = numerical_gradient(lambda v: 0.5 * v @ a @ v + b @ v, x)
    exact = 0.5 * (a + a.T) @ x + b
    scale = 1.0 + np.abs(a).sum() * (1.0 + np.abs(x).max()) ** 2 + np.abs(b).sum()
    np.testing.assert_allclose(grad, exact, rtol=1e-7, atol=1e-9 * scale)


@given(finite_float64_arrays(max_value=1e3))
def test_x_is_restored_exactly(x):
    before = x.copy()
    numerical_gradient(lambda a: np.sum(a), x)
    np.testing.assert_array_equal(x, before)
    assert np.array_equal(np.signbit(x), np.signbit(before))  # -0.0 stays -0.0


def failing_on(call):
    """A sum that raises on its ``call``-th evaluation."""
    calls = 0

    def f(a):
        nonlocal calls
        calls += 1
        if calls == call:
            raise RuntimeError("boom")
        return np.sum(a)

    return f


@pytest.mark.parametrize("call", [1, 2, 3, 4])  # each probe, plus and minus, of two entries
def test_x_is_restored_when_f_raises(call):
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(failing_on(call), x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient_array(failing_on(call), x, np.array(1.0))
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_each_probe_moves_one_entry_only():
    x = np.zeros((2, 2))
    seen = []

    def f(a):
        seen.append(a.copy())
        return 0.0

    numerical_gradient(f, x, h=0.5)
    assert len(seen) == 8
    for probe in seen:
        assert np.count_nonzero(probe) == 1
        assert np.abs(probe).sum() == 0.5


def test_probes_a_non_contiguous_view_in_place():
    base = np.arange(12.0).reshape(3, 4)
    view = base.T
    grad = numerical_gradient(lambda a: np.sum(a * a), view)
    np.testing.assert_allclose(grad, 2 * view, rtol=1e-9)
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4))


def test_converts_a_list():
    grad = numerical_gradient(lambda a: np.sum(a**2), [1.0, 2.0])
    np.testing.assert_allclose(grad, [2.0, 4.0], rtol=1e-9)


def test_numerical_gradient_needs_a_scalar_function():
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        numerical_gradient(lambda a: a * 2, np.ones(2))


def test_numerical_gradient_rejects_bad_arguments():
    with pytest.raises(TypeError, match="x must be a float16, float32 or float64 array"):
        numerical_gradient(lambda a: 0.0, np.ones(2, dtype=int))
    read_only = np.ones(2)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writable"):
        numerical_gradient(lambda a: 0.0, read_only)
    with pytest.raises(ValueError, match=r"h must be positive, got 0\.0"):
        numerical_gradient(lambda a: 0.0, np.ones(2), h=0.0)
    with pytest.raises(TypeError, match="h must be a real number"):
        numerical_gradient(lambda a: 0.0, np.ones(2), h="1e-5")


def test_float32_gives_a_float32_gradient():
    x = np.array([1.0, 2.0], dtype=np.float32)
    grad = numerical_gradient(lambda a: float(np.sum(a.astype(np.float64) ** 2)), x, h=1e-2)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, [2.0, 4.0], rtol=1e-4)


# ----------------------------------------------------------------------- numerical_gradient_array


def test_vjp_of_a_linear_map_is_the_transpose():
    rng = np.random.default_rng(1)
    a, x, dout = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(4)
    grad = numerical_gradient_array(lambda v: a @ v, x, dout)
    assert rel_error(grad, a.T @ dout) < 1e-8


def test_vjp_of_an_elementwise_square():
    rng = np.random.default_rng(2)
    x, dout = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    grad = numerical_gradient_array(lambda v: v * v, x, dout)
    assert rel_error(grad, 2 * x * dout) < 1e-8


def test_vjp_of_a_0d_input_with_an_array_output():
    v, dout = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.25, 1.0])
    grad = numerical_gradient_array(lambda t: t * v, np.array(2.0), dout)
    assert grad.shape == ()
    assert grad == pytest.approx(v @ dout, rel=1e-9)


def test_vjp_of_a_function_returning_x_itself():
    # f returns its argument, a view of the probed array: the probes must be copied.
    x, dout = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    grad = numerical_gradient_array(lambda a: a, x, dout)
    np.testing.assert_allclose(grad, dout, rtol=1e-9)


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.floats(-5, 5)
    )
)
def test_vjp_of_random_linear_maps(a):
    x = np.linspace(-1, 1, a.shape[1])
    dout = np.linspace(2, -3, a.shape[0])
    grad = numerical_gradient_array(lambda v: a @ v, x, dout)
    np.testing.assert_allclose(grad, a.T @ dout, rtol=1e-7, atol=1e-8)


def test_numerical_gradient_array_names_the_shapes():
    with pytest.raises(
        ValueError, match=r"f\(x\) and dout must have the same shape, got \(3,\) and \(2,\)"
    ):
        numerical_gradient_array(lambda a: a, np.ones(3), np.ones(2))


def test_numerical_gradient_array_rejects_integer_dout():
    with pytest.raises(TypeError, match="dout must be a float16, float32 or float64 array"):
        numerical_gradient_array(lambda a: a, np.ones(3), np.ones(3, dtype=int))


# --------------------------------------------------------------------------- rel_error


def test_rel_error_known_values():
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == 0.5
    assert rel_error(np.array([1.0, -1.0]), np.array([1.0, 1.0])) == 1.0
    assert rel_error(np.array([2.0]), np.array([2.0 + 4e-6])) == pytest.approx(1e-6, rel=1e-6)
    assert isinstance(rel_error(np.ones(2), np.ones(2)), float)


def test_rel_error_floors_the_denominator():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([1e-12]), np.array([0.0])) == pytest.approx(1e-4)


def test_rel_error_of_empty_arrays_is_zero():
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def test_rel_error_of_0d_arrays_and_scalars():
    assert rel_error(np.array(2.0), 1.0) == pytest.approx(1 / 3)


def test_rel_error_propagates_nan():
    assert math.isnan(rel_error(np.array([1.0, np.nan]), np.array([1.0, 1.0])))


def test_rel_error_refuses_to_broadcast():
    with pytest.raises(ValueError, match=r"same shape, got \(3, 2\) and \(2, 3\)"):
        rel_error(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(\)"):
        rel_error(np.zeros(3), 0.0)


def test_rel_error_rejects_non_numeric_arrays():
    with pytest.raises(TypeError, match="b must be a numeric array, got dtype <U1"):
        rel_error(np.zeros(1), np.array(["a"]))


@given(
    st.integers(0, 5).flatmap(
        lambda n: st.tuples(
            finite_float64_arrays(st.just((n,))), finite_float64_arrays(st.just((n,)))
        )
    )
)
def test_rel_error_is_symmetric_bounded_and_zero_on_itself(pair):
    a, b = pair
    err = rel_error(a, b)
    assert err == rel_error(b, a)
    assert 0.0 <= err <= 1.0
    assert rel_error(a, a) == 0.0
