"""The package's public surface: what the subpackages export, and what importing them costs."""

from __future__ import annotations

import subprocess
import sys

import pytest

import relu_course.numpy_nn
import relu_course.torch_nn
from relu_course.numpy_nn import activations, gradcheck, layers, losses


def test_numpy_nn_exports_every_public_name_of_its_modules():
    expected = {n for m in (activations, layers, losses, gradcheck) for n in m.__all__}
    assert set(relu_course.numpy_nn.__all__) == expected
    for name in expected:
        assert getattr(relu_course.numpy_nn, name) is not None


def test_torch_nn_exports_resolve():
    for name in relu_course.torch_nn.__all__:
        assert getattr(relu_course.torch_nn, name) is not None


@pytest.mark.parametrize("module", ["relu_course", "relu_course.numpy_nn", "relu_course.cli"])
def test_importing_the_numpy_side_pulls_in_neither_torch_nor_scipy(module):
    code = f"import sys, {module}; print(sorted(m for m in ('torch', 'scipy') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
