"""The Triton ReLU kernels: PyTorch's CUDA semantics bit for bit, any size and layout.

The kernels run compiled on CUDA. Where there is no CUDA device they run under Triton's
interpreter on the CPU (a copy of the module imported with ``TRITON_INTERPRET=1``), so every
machine checks their indexing, masking and semantics; bfloat16, which the interpreter cannot
compute, is left to the CUDA run.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
import torch

from relu_course.torch_nn import autograd, triton
from tests.torch_nn.bits import FLOAT_DTYPES, assert_same_bits

SPECIALS = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1e-30, -1e-30, 2.5, -2.5]
SIZES = [1, 3, 9, triton.BLOCK - 1, triton.BLOCK, triton.BLOCK + 1, 1_000_003]


def interpreted_copy() -> ModuleType:
    """A second, independent import of the module whose kernels Triton's interpreter runs."""
    if triton.triton is None:
        if sys.platform == "linux":
            pytest.fail("requirements.txt installs Triton on Linux; it failed to import")
        pytest.skip("Triton has wheels for Linux only")
    spec = importlib.util.find_spec(triton.__name__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRITON_INTERPRET", "1")
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kernels() -> Iterator[tuple[ModuleType, str]]:
    """The module to test and the device its kernels take: compiled on CUDA, else interpreted."""
    if triton.available():
        yield triton, "cuda"
    else:
        yield interpreted_copy(), "cpu"


def inputs(n: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    x = torch.randn(n, generator=torch.Generator().manual_seed(n)).to(dtype)
    specials = torch.tensor(SPECIALS, dtype=dtype)
    for start in (0, n // 2, n - len(SPECIALS)):
        if start >= 0 and start + len(SPECIALS) <= n:
            x[start : start + len(SPECIALS)] = specials
    return x.to(device)


def cuda_relu(x: torch.Tensor) -> torch.Tensor:
    """What ``torch.relu`` gives on CUDA, on any device: ``x <= 0 ? +0.0 : x``, NaN kept.

    PyTorch's CPU kernel differs only in keeping ``-0.0``; the kernels follow the CUDA one.
    """
    expected = torch.where(x <= 0, torch.zeros_like(x), x)
    if x.is_cuda:
        assert_same_bits(expected, torch.relu(x))
    return expected


def skip_bfloat16_under_interpreter(module: ModuleType, dtype: torch.dtype) -> None:
    if module.INTERPRETED and dtype == torch.bfloat16:
        pytest.skip(
            "Triton's interpreter compares bfloat16 bit patterns, not values "
            "(triton-lang/triton#11584); bfloat16 is checked by the gpu run"
        )


def test_without_cuda_the_compiled_kernels_are_not_used():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA; the gpu tests cover it")
    assert not triton.available()
    assert not triton.INTERPRETED  # the interpreted copy leaves the real module alone
    assert not triton.supports(torch.zeros(3))
    with pytest.raises(TypeError, match="CUDA tensor and Triton"):
        triton.relu_forward(torch.zeros(3))


def test_the_interpreter_takes_cpu_tensors_but_not_bfloat16():
    module = interpreted_copy()
    assert module.INTERPRETED
    assert module.accepts(torch.zeros(3), torch.zeros(3))
    assert not module.accepts(torch.zeros(3, dtype=torch.bfloat16))
    # ReLUFunction never dispatches to the interpreter: it is for checking, not computing.
    assert not module.supports(torch.zeros(3))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", SIZES)
def test_kernels_match_torch_bitwise(kernels, dtype, n):
    module, device = kernels
    skip_bfloat16_under_interpreter(module, dtype)
    x = inputs(n, dtype, device)
    g = torch.randn(n).to(dtype).to(device)
    out = module.relu_forward(x)
    assert_same_bits(out, cuda_relu(x))
    expected = torch.ops.aten.threshold_backward(g, torch.relu(x), 0)
    assert_same_bits(module.relu_backward(g, out), expected)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32], ids=str)
def test_non_contiguous_and_shaped_inputs(kernels, dtype):
    module, device = kernels
    skip_bfloat16_under_interpreter(module, dtype)
    base = inputs(64 * 130, dtype, device).view(64, 130)
    for x in (base[:, ::2], base.t(), base[3:40, 7:99], base.view(8, 8, 130)):
        out = module.relu_forward(x)
        assert out.shape == x.shape
        assert out.is_contiguous()
        assert_same_bits(out, cuda_relu(x).contiguous())
        g = torch.ones_like(x)
        expected = torch.ops.aten.threshold_backward(g, torch.relu(x), 0).contiguous()
        assert_same_bits(module.relu_backward(g, torch.relu(x)), expected)


def test_torch_relu_gives_minus_zero_on_the_cpu_and_plus_zero_on_cuda():
    # Why the kernels' reference is cuda_relu, not torch.relu on the device at hand.
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    for device, minus_zero_kept in zip(devices, [True, False], strict=False):
        for dtype in FLOAT_DTYPES:
            x = torch.tensor([-0.0, float("nan"), -1.0], dtype=dtype, device=device)
            y = torch.relu(x)
            assert bool(y[0].signbit()) is minus_zero_kept, (device, dtype)
            assert bool(y[1].isnan()), (device, dtype)
            assert bool(y[2] == 0), (device, dtype)


def test_empty_tensor(kernels):
    module, device = kernels
    x = torch.empty(0, 5, device=device)
    assert module.relu_forward(x).shape == (0, 5)
    assert module.relu_backward(x, x).shape == (0, 5)


def test_bad_inputs_are_refused_with_what_was_given(kernels):
    module, device = kernels
    x = torch.zeros(4, device=device)
    with pytest.raises(TypeError, match=r"torch\.int64"):
        module.relu_forward(torch.zeros(4, dtype=torch.int64, device=device))
    with pytest.raises(TypeError, match=r"torch\.float64 \(4,\)"):
        module.relu_backward(x, x.double())
    with pytest.raises(TypeError, match=r"\(3,\)"):
        module.relu_backward(x, x[:3])


@pytest.mark.gpu
def test_triton_is_there_with_cuda():
    assert triton.available(), "Triton is installed with CUDA builds of torch; it must be used"


@pytest.mark.gpu
def test_relu_function_uses_the_kernels_on_cuda(monkeypatch):
    calls = []
    forward, backward = triton.relu_forward, triton.relu_backward
    monkeypatch.setattr(triton, "relu_forward", lambda x: calls.append("f") or forward(x))
    monkeypatch.setattr(triton, "relu_backward", lambda g, y: calls.append("b") or backward(g, y))
    x = inputs(10_000, torch.float32, "cuda").requires_grad_()
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
