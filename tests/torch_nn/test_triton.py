"""The Triton ReLU kernels: PyTorch's semantics bit for bit, any size and layout, on CUDA."""

from __future__ import annotations

import pytest
import torch

from relu_course.torch_nn import autograd, triton
from tests.torch_nn.bits import FLOAT_DTYPES, assert_same_bits

SPECIALS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1e-30, -1e-30, 2.5, -2.5]


def inputs(n: int, dtype: torch.dtype) -> torch.Tensor:
    x = torch.randn(n, generator=torch.Generator().manual_seed(n)).to(dtype)
    specials = torch.tensor(SPECIALS, dtype=dtype)
    for start in (0, n // 2, n - len(SPECIALS)):
        if start >= 0 and start + len(SPECIALS) <= n:
            x[start : start + len(SPECIALS)] = specials
    return x.cuda()


def test_without_cuda_the_kernels_are_not_used():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the gpu tests cover it")
    assert not triton.available()
    assert not triton.supports(torch.zeros(3))
    with pytest.raises(TypeError, match="CUDA tensor and Triton"):
        triton.relu_forward(torch.zeros(3))


@pytest.mark.gpu
def test_triton_is_there_with_cuda():
    assert triton.available(), "CUDA builds of torch ship Triton; the kernels must be used"


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", [1, 3, 9, triton.BLOCK - 1, triton.BLOCK + 1, 1_000_003])
def test_kernels_match_torch_bitwise(dtype, n):
    x = inputs(n, dtype)
    g = torch.randn(n, device="cuda").to(dtype)
    out = triton.relu_forward(x)
    assert_same_bits(out, torch.relu(x))
    expected = torch.ops.aten.threshold_backward(g, torch.relu(x), 0)
    assert_same_bits(triton.relu_backward(g, out), expected)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16], ids=str)
def test_non_contiguous_and_shaped_inputs(dtype):
    base = torch.randn(64, 130, device="cuda").to(dtype)
    for x in (base[:, ::2], base.t(), base[3:40, 7:99], base.view(8, 8, 130)):
        out = triton.relu_forward(x)
        assert out.shape == x.shape
        assert_same_bits(out, torch.relu(x).contiguous())


@pytest.mark.gpu
def test_empty_tensor():
    x = torch.empty(0, 5, device="cuda")
    assert triton.relu_forward(x).shape == (0, 5)


@pytest.mark.gpu
def test_relu_function_uses_the_kernels_on_cuda(monkeypatch):
    calls = []
    forward, backward = triton.relu_forward, triton.relu_backward
    monkeypatch.setattr(triton, "relu_forward", lambda x: calls.append("f") or forward(x))
    monkeypatch.setattr(triton, "relu_backward", lambda g, y: calls.append("b") or backward(g, y))
    x = inputs(10_000, torch.float32).requires_grad_()
    g = torch.randn(10_000, device="cuda")
    y = autograd.relu(x)
    (dx,) = torch.autograd.grad(y, x, g)
    assert calls == ["f", "b"]
    assert_same_bits(y, torch.relu(x))
    assert_same_bits(dx, torch.ops.aten.threshold_backward(g, torch.relu(x), 0))
    # Second derivatives record the backward pass: the differentiable torch path is used.
    y = autograd.relu(x)
    (dx,) = torch.autograd.grad(y, x, g, create_graph=True)
    assert dx.requires_grad
    assert calls == ["f", "b", "f"]


@pytest.mark.gpu
def test_the_bench_measures_the_kernels_on_cuda():
    from relu_course.bench import run_bench

    run = run_bench("cuda", "bfloat16", size=1 << 20, repeats=2, warmup=1)
    names = {m.name for m in run.measurements}
    assert {"triton relu_forward(x)", "triton relu_backward(g, out)"} <= names
    assert run.machine["gpu"]
