"""Tests of relu_course.plotting: each figure has its title, labelled axes and what it draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Ellipse

from relu_course.plotting import book_style, plot_ai_ml_dl, plot_decision_regions


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_ai_ml_dl_draws_three_nested_regions():
    with book_style():
        ax = plot_ai_ml_dl()
    assert ax.get_title() == "Deep learning within machine learning within AI"
    # A diagram without data axes: the labels are deliberately empty.
    assert ax.get_xlabel() == ""
    assert ax.get_ylabel() == ""
    ellipses = [p for p in ax.patches if isinstance(p, Ellipse)]
    assert len(ellipses) == 3
    widths = [e.width for e in ellipses]
    heights = [e.height for e in ellipses]
    assert widths == sorted(widths, reverse=True)
    assert heights == sorted(heights, reverse=True)
    # Nested: every ellipse rests on the same lowest point.
    for e in ellipses:
        assert e.center[1] - e.height / 2 == pytest.approx(0.0)
    texts = [t.get_text() for t in ax.texts]
    for name in ("Artificial intelligence", "Machine learning", "Deep learning"):
        assert name in texts


def test_plot_ai_ml_dl_uses_given_axes():
    _, given = plt.subplots()
    assert plot_ai_ml_dl(ax=given) is given


def test_plot_decision_regions_shades_predictions_and_scatters_classes():
    X = np.array([[-1.0, 0.0], [-0.5, 1.0], [0.5, -1.0], [1.0, 0.0], [2.0, 0.5]])
    y = np.array([0, 0, 1, 1, 1])
    calls = []

    def predict(points):
        calls.append(points.shape)
        return (points[:, 0] > 0).astype(int)

    with book_style():
        ax = plot_decision_regions(predict, X, y, title="A vertical boundary", resolution=50)
    assert ax.get_title() == "A vertical boundary"
    assert ax.get_xlabel() == "$x_1$"
    assert ax.get_ylabel() == "$x_2$"
    # predict is called once, on the whole grid.
    assert calls == [(50 * 50, 2)]
    # One filled contour set, then one scatter per class holding exactly that class's points.
    assert len(ax.collections) == 3
    for k, scatter in enumerate(ax.collections[1:]):
        np.testing.assert_array_equal(scatter.get_offsets(), X[y == k])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_plot_decision_regions_custom_labels_and_axes():
    _, given = plt.subplots()
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    ax = plot_decision_regions(
        lambda p: np.zeros(len(p), dtype=int),
        X,
        np.array([0, 1]),
        title="t",
        ax=given,
        xlabel="u",
        ylabel="v",
    )
    assert ax is given
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("u", "v")


def _relu(x):
    return np.maximum(x, 0.0)


def _relu_derivative(x):
    return (x > 0).astype(np.float64)


def _markers(ax):
    """(x, y, filled) of every single-point marker drawn on ``ax``."""
    found = []
    for line in ax.get_lines():
        if line.get_marker() == "o" and len(line.get_xdata()) == 1:
            filled = line.get_markerfacecolor() != "white"
            found.append((float(line.get_xdata()[0]), float(line.get_ydata()[0]), filled))
    return sorted(found)


def test_plot_function_and_derivative_draws_the_step_and_the_convention_at_0():
    from relu_course.plotting import plot_function_and_derivative

    with book_style():
        ax_f, ax_d = plot_function_and_derivative(_relu, _relu_derivative, name="ReLU")
    assert ax_f.get_title() == "ReLU"
    assert (ax_f.get_xlabel(), ax_f.get_ylabel()) == ("x", "ReLU(x)")
    assert ax_d.get_title() == "Derivative of ReLU"
    assert (ax_d.get_xlabel(), ax_d.get_ylabel()) == ("x", "ReLU'(x)")
    (graph,) = ax_f.get_lines()
    np.testing.assert_array_equal(graph.get_ydata(), _relu(graph.get_xdata()))
    assert 0.0 in graph.get_xdata()
    # Two pieces, 0 on the left and 1 on the right, each ending at the jump.
    pieces = [line for line in ax_d.get_lines() if len(line.get_xdata()) > 1]
    assert len(pieces) == 2
    left, right = sorted(pieces, key=lambda line: line.get_xdata()[0])
    assert left.get_xdata()[-1] == right.get_xdata()[0] == 0.0
    assert set(left.get_ydata()) == {0.0}
    assert set(right.get_ydata()) == {1.0}
    # The value chosen at 0 is the filled dot; the limit from the right is an open circle.
    assert _markers(ax_d) == [(0.0, 0.0, True), (0.0, 1.0, False)]


def test_plot_function_and_derivative_marks_both_limits_when_the_value_lies_between():
    from relu_course.plotting import plot_function_and_derivative

    def half_at_0(x):
        return np.where(x == 0, 0.5, _relu_derivative(x))

    _, ax_d = plot_function_and_derivative(_relu, half_at_0, name="f", lo=-1.0, hi=1.0)
    assert _markers(ax_d) == [(0.0, 0.0, False), (0.0, 0.5, True), (0.0, 1.0, False)]
    low, high = ax_d.get_ylim()
    assert low < 0.0
    assert high > 1.0


def test_plot_function_and_derivative_uses_given_axes():
    from relu_course.plotting import plot_function_and_derivative

    _, given = plt.subplots(1, 2)
    drawn = plot_function_and_derivative(_relu, _relu_derivative, name="ReLU", axes=tuple(given))
    assert drawn[0] is given[0]
    assert drawn[1] is given[1]


def test_plot_subgradients_draws_lines_under_the_graph_and_one_above():
    from relu_course.plotting import plot_subgradients

    slopes = (0.0, 0.5, 1.0)
    with book_style():
        ax = plot_subgradients(slopes, not_subgradient=1.5)
    assert ax.get_title() == "Subgradients of ReLU at x = 0"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) > 1]
    relu_line = next(line for line in lines if line.get_label() == "ReLU(x)")
    x = relu_line.get_xdata()
    np.testing.assert_array_equal(relu_line.get_ydata(), _relu(x))
    dashed = [line for line in lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    # The counterexample rises above the graph somewhere; every subgradient line never does.
    assert np.any(dashed[0].get_ydata() > _relu(dashed[0].get_xdata()))
    solid = [line for line in lines if line.get_linestyle() == "-" and line is not relu_line]
    assert len(solid) == len(slopes)
    for line in solid:
        assert np.all(line.get_ydata() <= _relu(line.get_xdata()))
    assert sorted(t.get_text() for t in ax.texts) == ["g = 0", "g = 0.5", "g = 1"]
    assert ax.get_legend() is not None


def test_plot_subgradients_without_counterexample_uses_given_axes():
    from relu_course.plotting import plot_subgradients

    _, given = plt.subplots()
    ax = plot_subgradients(not_subgradient=None, ax=given)
    assert ax is given
    assert not [line for line in ax.get_lines() if line.get_linestyle() == "--"]


def test_book_assets_are_drawn(tmp_path):
    from relu_course.plotting import draw_book_assets

    paths = draw_book_assets(tmp_path / "_static")  # the folder is created
    tmp_path = tmp_path / "_static"
    assert [p.name for p in paths] == ["logo.png", "favicon.png", "relu.png"]
    favicon = plt.imread(tmp_path / "favicon.png")
    assert favicon.shape[:2] == (32, 32)
    logo = plt.imread(tmp_path / "logo.png")
    assert logo.shape[:2] == (240, 240)
    assert logo[..., 3].max() == 1.0  # something is drawn on the transparent background
    assert plt.imread(tmp_path / "relu.png").shape[1] > 400


def test_book_style_changes_and_restores_only_its_own_settings():
    import matplotlib as mpl

    from relu_course.plotting import BOOK_RC

    before = dict(mpl.rcParams)
    with book_style():
        assert mpl.rcParams["axes.grid"] is True
        assert mpl.rcParams["figure.dpi"] == BOOK_RC["figure.dpi"]
        assert mpl.rcParams["backend"] == before["backend"]
    assert dict(mpl.rcParams) == before
