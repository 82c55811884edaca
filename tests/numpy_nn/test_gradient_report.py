"""The gradient report behind `relu-course gradcheck`: complete, passing, and able to fail."""

from __future__ import annotations

import numpy as np
import pytest

from relu_course.numpy_nn import activations, gradient_report, layers, losses


def test_every_backward_passes_below_1e_7():
    rows = gradient_report.check_all(seed=0)
    failing = {r.name: r.rel_error for r in rows if not r.rel_error < 1e-7}
    assert failing == {}


@pytest.mark.parametrize("seed", [1, 2])
def test_other_seeds_pass_too(seed):
    assert max(r.rel_error for r in gradient_report.check_all(seed=seed)) < 1e-7


def test_every_backward_function_is_in_the_report():
    covered = {r.name.split(":")[0].split(" ")[0] for r in gradient_report.check_all()}
    backwards = {
        name.removesuffix("_backward")
        for module in (activations, layers, losses)
        for name in module.__all__
        if name.endswith("_backward")
    }
    assert backwards <= covered
    assert {"softmax_cross_entropy", "mse_loss"} <= covered


def test_a_planted_wrong_layer_backward_is_reported(monkeypatch):
    right = layers.affine_backward

    def db_twice(dout, cache):
        dx, dw, db = right(dout, cache)
        return dx, dw, 2 * db

    monkeypatch.setattr(layers, "affine_backward", db_twice)
    rows = {r.name: r.rel_error for r in gradient_report.check_all()}
    assert rows["affine: db"] > 0.1
    assert rows["affine: dw"] < 1e-7


def test_a_planted_wrong_activation_backward_is_reported(monkeypatch):
    plain, forward, _, kwargs = gradient_report._ACTIVATIONS["sigmoid"]

    def missing_factor(dout, cache):
        return np.asarray(dout) * cache  # forgot the (1 - out) factor

    monkeypatch.setitem(
        gradient_report._ACTIVATIONS, "sigmoid", (plain, forward, missing_factor, kwargs)
    )
    rows = {r.name: r.rel_error for r in gradient_report.check_all()}
    assert rows["sigmoid: dx"] > 0.1
