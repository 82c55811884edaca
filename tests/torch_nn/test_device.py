"""relu_course.torch_nn.device: CUDA when present, the CPU otherwise, and clear errors."""

from __future__ import annotations

import pytest
import torch

from relu_course.torch_nn.device import available_devices, best_device


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.fixture
def one_gpu(monkeypatch):
    # Only device selection is exercised: no tensor is ever created on the pretend GPU.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


def test_default_follows_torch_cuda_is_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert best_device().type == expected


def test_cpu_without_cuda(no_cuda):
    assert best_device() == torch.device("cpu")
    assert available_devices() == ["cpu"]


def test_cuda_when_present(one_gpu):
    assert best_device() == torch.device("cuda")
    assert best_device("cuda:0") == torch.device("cuda:0")
    assert available_devices() == ["cpu", "cuda:0"]


def test_prefer_cpu_always_works(one_gpu):
    assert best_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("prefer", ["cuda", "cuda:0"])
def test_missing_cuda_is_an_error_naming_available_devices(no_cuda, prefer):
    with pytest.raises(ValueError, match=r"not available; available: cpu$"):
        best_device(prefer)


def test_missing_gpu_index_is_an_error(one_gpu):
    with pytest.raises(ValueError, match=r"'cuda:3' was asked for but is not available.*cuda:0"):
        best_device("cuda:3")


@pytest.mark.parametrize("prefer", ["gpu", "meta", "mps", ""])
def test_other_device_strings_are_errors(no_cuda, prefer):
    with pytest.raises(ValueError, match="available: cpu"):
        best_device(prefer)


@pytest.mark.gpu
def test_best_device_is_a_working_gpu():
    device = best_device()
    assert device.type == "cuda"
    assert torch.ones(2, device=device).sum().item() == 2.0
