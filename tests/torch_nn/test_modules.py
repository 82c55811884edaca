"""relu_course.torch_nn.modules: PyTorch's reprs, in-place behaviour and PReLU's parameters."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from relu_course.torch_nn.modules import LeakyReLU, PReLU, ReLU
from tests.torch_nn.bits import FLOAT_DTYPES, assert_same_bits

X = torch.tensor([float("nan"), float("-inf"), -2.0, -0.0, 0.0, 0.5, 3.0, float("inf")])

CASES = [
    (ReLU, nn.ReLU, {}),
    (ReLU, nn.ReLU, {"inplace": True}),
    (ReLU, nn.ReLU, {"inplace": False}),
    (LeakyReLU, nn.LeakyReLU, {}),
    (LeakyReLU, nn.LeakyReLU, {"negative_slope": 0.2}),
    (LeakyReLU, nn.LeakyReLU, {"negative_slope": 0.2, "inplace": True}),
    (LeakyReLU, nn.LeakyReLU, {"negative_slope": 1e-3, "inplace": False}),
    (PReLU, nn.PReLU, {}),
    (PReLU, nn.PReLU, {"num_parameters": 3}),
    (PReLU, nn.PReLU, {"num_parameters": 3, "init": 0.1}),
]


@pytest.mark.parametrize(("ours", "theirs", "kwargs"), CASES, ids=lambda v: str(v))
def test_repr_equals_pytorch(ours, theirs, kwargs):
    assert repr(ours(**kwargs)) == repr(theirs(**kwargs))


def test_repr_strings():
    assert repr(ReLU()) == "ReLU()"
    assert repr(ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(PReLU()) == "PReLU(num_parameters=1)"
    assert repr(ReLU(use_autograd_function=True)) == "ReLU(use_autograd_function=True)"


@pytest.mark.parametrize(("ours", "theirs", "kwargs"), CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_values_and_gradients_match_pytorch(ours, theirs, kwargs, dtype):
    kwargs = {**kwargs, "inplace": False} if "inplace" in kwargs else kwargs
    if ours is PReLU:
        kwargs = {**kwargs, "num_parameters": 1, "dtype": dtype}
    a, b = ours(**kwargs), theirs(**kwargs)
    x = X.to(dtype)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = a(xa), b(xb)
    assert_same_bits(ya, yb)
    g = torch.linspace(-1, 1, x.numel(), dtype=dtype)
    ya.backward(g)
    yb.backward(g)
    assert_same_bits(xa.grad, xb.grad)


@pytest.mark.parametrize("module", [ReLU(inplace=True), LeakyReLU(0.1, inplace=True)], ids=repr)
def test_inplace_modifies_the_input_and_returns_its_storage(module):
    x = torch.tensor([-2.0, 0.0, 3.0])
    ptr = x.data_ptr()
    out = module(x)
    assert out is x
    assert out.data_ptr() == ptr
    assert x[0].item() != -2.0
    assert x[2].item() == 3.0


@pytest.mark.parametrize("module", [ReLU(), LeakyReLU(0.1)], ids=repr)
def test_not_inplace_leaves_the_input_alone(module):
    x = torch.tensor([-2.0, 0.0, 3.0])
    out = module(x)
    assert out.data_ptr() != x.data_ptr()
    assert x.tolist() == [-2.0, 0.0, 3.0]


def test_relu_through_the_autograd_function():
    m = ReLU(use_autograd_function=True)
    x = X.clone().requires_grad_()
    y = m(x)
    assert type(y.grad_fn).__name__ == "ReLUFunctionBackward"
    assert_same_bits(y, torch.relu(X))
    y.sum().backward()
    assert x.grad.tolist()[2:] == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


def test_inplace_and_autograd_function_together_is_an_error():
    with pytest.raises(ValueError, match="cannot be combined"):
        ReLU(inplace=True, use_autograd_function=True)


def test_prelu_parameters_count_and_init():
    assert [p.numel() for p in PReLU().parameters()] == [1]
    m = PReLU(num_parameters=5, init=0.1)
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert m.weight.shape == (5,)
    assert torch.equal(m.weight.detach(), torch.full((5,), 0.1))


def test_prelu_gradient_matches_pytorch_per_channel():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 5)
    ours, theirs = PReLU(3, init=0.2), nn.PReLU(3, init=0.2)
    ours(x).pow(2).sum().backward()
    theirs(x).pow(2).sum().backward()
    torch.testing.assert_close(ours.weight.grad, theirs.weight.grad, rtol=0, atol=0)
    # By hand: d/da of sum((a x)^2 over x <= 0) = 2 a sum(x^2 over x <= 0), channel by channel.
    negative = torch.where(x <= 0, x, 0.0)
    expected = 2 * 0.2 * negative.pow(2).sum(dim=(0, 2))
    torch.testing.assert_close(ours.weight.grad, expected)


def test_prelu_reset_and_device_dtype():
    m = PReLU(2, init=0.3, device="cpu", dtype=torch.float64)
    assert m.weight.dtype == torch.float64
    assert m.weight.device.type == "cpu"
    with torch.no_grad():
        m.weight.fill_(7.0)
    m.reset_parameters()
    assert m.weight.tolist() == [0.3, 0.3]


def test_prelu_needs_at_least_one_parameter():
    with pytest.raises(ValueError, match="num_parameters must be at least 1"):
        PReLU(0)


@pytest.mark.gpu
@pytest.mark.parametrize(
    "make",
    [ReLU, lambda: ReLU(use_autograd_function=True), lambda: LeakyReLU(0.2), lambda: PReLU(3)],
    ids=["relu", "relu-function", "leaky", "prelu"],
)
def test_cuda_agrees_with_cpu(make):
    torch.manual_seed(0)
    x = torch.randn(8, 3, 17)
    cpu, cuda = make(), make().cuda()
    x_cpu, x_cuda = x.clone().requires_grad_(), x.cuda().requires_grad_()
    y_cpu, y_cuda = cpu(x_cpu), cuda(x_cuda)
    torch.testing.assert_close(y_cuda.cpu(), y_cpu, rtol=0, atol=1e-6)
    y_cpu.sum().backward()
    y_cuda.sum().backward()
    torch.testing.assert_close(x_cuda.grad.cpu(), x_cpu.grad, rtol=0, atol=1e-6)
