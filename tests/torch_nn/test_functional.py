"""relu_course.torch_nn.functional: PyTorch's values and gradients, clear errors, docstrings."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from relu_course.torch_nn import functional as TF
from tests.strategies import float_arrays
from tests.torch_nn.bits import FLOAT_DTYPES, assert_same_bits

# 7.0 and 20.5: softplus's threshold, 10 below (with beta 2) and 20 by default, decides there.
EDGE = [float("nan"), float("-inf"), -30.0, -1.0, -1e-30, -0.0, 0.0, 1e-30, 0.5, 7.0, 20.5, 25.0,
        float("inf")]  # fmt: skip

# (ours, the oracle) with the same arguments.
PAIRS = {
    "relu": (TF.relu, torch.relu),
    "leaky_relu": (lambda x: TF.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    "prelu": (
        lambda x: TF.prelu(x, torch.tensor([0.3], dtype=x.dtype)),
        lambda x: F.prelu(x, torch.tensor([0.3], dtype=x.dtype)),
    ),
    "elu": (lambda x: TF.elu(x, 0.5), lambda x: F.elu(x, 0.5)),
    "gelu": (TF.gelu, F.gelu),
    "gelu_tanh": (lambda x: TF.gelu(x, "tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "sigmoid": (TF.sigmoid, torch.sigmoid),
    "tanh": (TF.tanh, torch.tanh),
    "softplus": (lambda x: TF.softplus(x, 2.0, 10.0), lambda x: F.softplus(x, 2.0, 10.0)),
}


def grad_of(fn, x):
    leaf = x.detach().clone().requires_grad_()
    fn(leaf).backward(torch.linspace(-2, 2, x.numel(), dtype=x.dtype).reshape(x.shape))
    return leaf.grad


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_values_and_gradients_match_torch(name, dtype):
    ours, theirs = PAIRS[name]
    x = torch.tensor(EDGE, dtype=torch.float64).to(dtype)
    assert_same_bits(ours(x), theirs(x))
    assert_same_bits(grad_of(ours, x), grad_of(theirs, x))


# Called with the input alone: the default arguments must be torch's.
DEFAULTS = {
    "leaky_relu": (TF.leaky_relu, F.leaky_relu),
    "elu": (TF.elu, F.elu),
    "gelu": (TF.gelu, F.gelu),
    "softplus": (TF.softplus, F.softplus),
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_default_arguments_are_torchs(name):
    ours, theirs = DEFAULTS[name]
    x = torch.tensor(EDGE, dtype=torch.float64)
    assert_same_bits(ours(x), theirs(x))
    assert_same_bits(grad_of(ours, x), grad_of(theirs, x))


@settings(max_examples=40)
@given(float_arrays())
def test_property_matches_torch(x):
    t = torch.from_numpy(x)
    for ours, theirs in PAIRS.values():
        assert_same_bits(ours(t), theirs(t))


@pytest.mark.parametrize(
    ("fn", "kwargs"),
    [(TF.relu, {}), (TF.leaky_relu, {"negative_slope": 0.1}), (TF.elu, {"alpha": 1.0})],
    ids=["relu", "leaky_relu", "elu"],
)
def test_inplace_overwrites_and_returns_the_input(fn, kwargs):
    x = torch.tensor([-2.0, 0.0, 3.0])
    expected = fn(x.clone(), **kwargs)
    out = fn(x, inplace=True, **kwargs)
    assert out is x
    assert_same_bits(x, expected)
    assert not torch.equal(x, torch.tensor([-2.0, 0.0, 3.0]))


def test_not_inplace_by_default():
    x = torch.tensor([-2.0, 3.0])
    out = TF.relu(x)
    assert out.data_ptr() != x.data_ptr()
    assert x.tolist() == [-2.0, 3.0]


def test_prelu_per_channel_weight():
    x = torch.tensor([[[-2.0], [-2.0]], [[4.0], [-4.0]]])  # (N=2, C=2, 1)
    w = torch.tensor([0.25, 0.5])
    assert_same_bits(TF.prelu(x, w), F.prelu(x, w))
    assert TF.prelu(x, w).flatten().tolist() == [-0.5, -1.0, 4.0, -2.0]


PUBLIC = [TF.relu, TF.leaky_relu, TF.prelu, TF.elu, TF.gelu, TF.sigmoid, TF.tanh, TF.softplus]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [[1.0, -1.0], np.array([1.0]), 3.0, None], ids=type)
def test_non_tensor_input_is_a_type_error_naming_the_function(fn, bad):
    args = (bad, torch.tensor([0.25])) if fn is TF.prelu else (bad,)
    with pytest.raises(TypeError, match=rf"^{fn.__name__}: x must be a torch.Tensor"):
        fn(*args)


def test_prelu_weight_must_be_a_tensor():
    with pytest.raises(TypeError, match=r"prelu: weight must be a torch\.Tensor"):
        TF.prelu(torch.tensor([1.0]), 0.25)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        TF.gelu(torch.tensor([1.0]), "erf")  # type: ignore[arg-type]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__name__)
def test_docstring_shape(fn):
    doc = inspect.getdoc(fn)
    assert doc is not None
    summary = doc.splitlines()[0]
    assert summary.endswith(".")
    assert ".. math::" in doc
    assert "Derivative" in doc
    for section in ("Args:", "Shape:", "Examples:", ">>> "):
        assert section in doc, section
    assert "Input: :math:`(*)`" in doc
    assert "Output: :math:`(*)`, same shape" in doc
