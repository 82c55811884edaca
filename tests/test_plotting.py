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


def test_plot_activation_regions_gives_each_pattern_its_own_colour():
    from relu_course.plotting import plot_activation_regions

    side = 40
    g1, g2 = np.meshgrid(np.linspace(-1, 1, side), np.linspace(-1, 1, side))
    points = np.column_stack([g1.ravel(), g2.ravel()])
    # Two units, active for x1 > 0 and for x2 > 0: four quadrants, four regions.
    patterns = points > 0
    with book_style():
        ax = plot_activation_regions(patterns, (-1, 1, -1, 1), title="Quadrants")
    assert ax.get_title() == "Quadrants"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")
    (image,) = ax.get_images()
    rgb = np.asarray(image.get_array())
    assert rgb.shape == (side, side, 3)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) == 4
    # origin="lower": the bottom-left corner (x1 < 0, x2 < 0) is row 0, column 0, and the
    # top-right quadrant has another colour.
    assert image.origin == "lower"
    assert not np.array_equal(rgb[0, 0], rgb[-1, -1])
    np.testing.assert_array_equal(rgb[0, 0], rgb[side // 2 - 1, side // 2 - 1])
    assert tuple(image.get_extent()) == (-1, 1, -1, 1)


def test_plot_activation_regions_rejects_a_grid_that_is_not_square():
    from relu_course.plotting import plot_activation_regions

    with pytest.raises(ValueError, match="side"):
        plot_activation_regions(np.zeros((10, 3), dtype=bool), (0, 1, 0, 1), title="t")
    with pytest.raises(ValueError, match="2-D"):
        plot_activation_regions(np.zeros(16, dtype=bool), (0, 1, 0, 1), title="t")


def test_plot_curves_on_a_log_axis_with_dashed_bounds():
    from relu_course.plotting import plot_curves

    x = np.arange(1, 6)
    curves = {"doubling": (x, 2.0**x), "bound": (x, 2 * x + 1.0)}
    with book_style():
        ax = plot_curves(
            curves,
            title="Growth",
            xlabel="depth",
            ylabel="pieces",
            log_y=True,
            marker="o",
            dashed=("bound",),
            integer_x=True,
        )
    assert ax.get_title() == "Growth"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("depth", "pieces")
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["doubling", "bound"]
    np.testing.assert_array_equal(lines[0].get_ydata(), 2.0**x)
    assert [line.get_linestyle() for line in lines] == ["-", "--"]
    assert [line.get_marker() for line in lines] == ["o", "o"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["doubling", "bound"]
    ticks = ax.get_xticks()
    np.testing.assert_array_equal(ticks, np.round(ticks))


def test_plot_copy_ratios_draws_one_labelled_bar_per_row():
    from relu_course.plotting import COLORS, plot_copy_ratios

    rows = [("copy", "copy", 1.0), ("relu", "relu", 0.98), ("sigmoid", "sigmoid", 0.25)]
    with book_style():
        ax = plot_copy_ratios(rows, title="Against a copy")
    assert ax.get_title() == "Against a copy"
    assert ax.get_xlabel() == "throughput / copy throughput"
    assert ax.get_ylabel() == "implementation"
    bars = ax.patches
    assert len(bars) == 3
    assert [b.get_width() for b in bars] == [1.0, 0.98, 0.25]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["copy", "relu", "sigmoid"]
    assert matplotlib.colors.to_hex(bars[1].get_facecolor()) == COLORS[0]
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.98", "0.25"]
    # The first row is drawn on top, and a dashed line marks the speed of a copy.
    assert bars[0].get_y() < bars[2].get_y()
    assert ax.yaxis_inverted()
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1.0, 1.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["relu", "copy", "sigmoid"]


def test_plot_sparsity_accuracy_labels_each_point():
    from relu_course.plotting import plot_sparsity_accuracy

    with book_style():
        ax = plot_sparsity_accuracy(
            [0.5, 0.8, 0.99],
            [0.98, 0.97, 0.4],
            ["0", "0.1", "1"],
            title="Sparsity against accuracy",
        )
    assert ax.get_title() == "Sparsity against accuracy"
    assert ax.get_xlabel() == "fraction of exact zeros in the hidden layers"
    assert ax.get_ylabel() == "test accuracy"
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0.5, 0.8, 0.99])
    np.testing.assert_array_equal(line.get_ydata(), [0.98, 0.97, 0.4])
    assert [t.get_text() for t in ax.texts] == ["0", "0.1", "1"]
    # Alternately above and below their points, so that neighbours' labels do not collide.
    assert [t.get_va() for t in ax.texts] == ["bottom", "top", "bottom"]
    with pytest.raises(ValueError, match="same length"):
        plot_sparsity_accuracy([0.5], [0.9, 0.8], ["a"], title="t")


def test_plot_grouped_bars_draws_one_bar_per_series_and_group():
    from matplotlib.patches import Rectangle

    from relu_course.plotting import plot_grouped_bars

    values = {"default": [0.1, 0.2, 0.3], "he": [0.9, 0.8, 0.7]}
    with book_style():
        ax = plot_grouped_bars(
            values, ["10", "20", "30"], title="Accuracy by depth", xlabel="depth", ylabel="acc"
        )
    assert ax.get_title() == "Accuracy by depth"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("depth", "acc")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 6
    # Series in order, each bar as tall as its value, groups left to right.
    assert [b.get_height() for b in bars] == pytest.approx([0.1, 0.2, 0.3, 0.9, 0.8, 0.7])
    assert bars[0].get_x() < bars[3].get_x() < bars[1].get_x()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20", "30"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["default", "he"]


def test_plot_grouped_bars_places_the_legend_where_asked():
    from relu_course.plotting import plot_grouped_bars

    values = {"a": [0.5, 0.9], "b": [0.1, 0.2]}
    ax = plot_grouped_bars(
        values,
        ["x", "y"],
        title="t",
        xlabel="s",
        ylabel="v",
        ylim=(0, 1.3),
        legend_loc="upper center",
        legend_ncol=2,
    )
    assert ax.get_ylim() == (0, 1.3)
    legend = ax.get_legend()
    assert legend._loc == 9  # matplotlib's code for "upper center"
    assert legend._ncols == 2


def test_plot_grouped_bars_rejects_a_series_of_the_wrong_length():
    from relu_course.plotting import plot_grouped_bars

    with pytest.raises(ValueError, match="2 values for 3 groups"):
        plot_grouped_bars({"a": [1.0, 2.0]}, ["x", "y", "z"], title="t", xlabel="x", ylabel="y")


def test_plot_curves_to_threshold_marks_the_first_point_at_or_below_it():
    from relu_course.plotting import plot_curves_to_threshold

    epochs = np.arange(1, 6)
    curves = {"relu": (epochs, [0.9, 0.5, 0.25, 0.1, 0.05]), "tanh": (epochs, [0.9] * 5)}
    with book_style():
        ax = plot_curves_to_threshold(
            curves, threshold=0.25, title="Training error", xlabel="epoch", ylabel="error"
        )
    assert ax.get_title() == "Training error"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "error")
    lines = ax.get_lines()
    # Two curves, the dashed threshold, one marker: tanh never gets there.
    assert len(lines) == 4
    assert lines[2].get_linestyle() == "--"
    assert list(lines[2].get_ydata()) == [0.25, 0.25]
    marker = lines[3]
    assert (list(marker.get_xdata()), list(marker.get_ydata())) == ([3.0], [0.25])
    assert marker.get_color() == lines[0].get_color()


def test_plot_born_dead_draws_estimates_and_both_bounds_per_width():
    from relu_course.plotting import plot_born_dead

    depths = [1, 5, 10]
    estimates = {2: [0.0, 0.6, 0.9], 4: [0.0, 0.1, 0.3]}
    upper = {2: [0.0, 0.7, 0.95], 4: [0.0, 0.2, 0.4]}
    lower = {2: [0.0, 0.3, 0.5], 4: [0.0, 0.02, 0.04]}
    with book_style():
        ax = plot_born_dead(depths, estimates, upper, lower)
    assert ax.get_title() == "Probability that a ReLU network is born dead"
    assert ax.get_xlabel() == "depth (hidden layers)"
    assert ax.get_ylabel() == "P(born dead)"
    lines = ax.get_lines()
    assert len(lines) == 6
    styles = [line.get_linestyle() for line in lines]
    assert styles == ["-", ":", "None", "-", ":", "None"]
    assert list(lines[2].get_ydata()) == [0.0, 0.6, 0.9]
    # One colour per width, shared by its estimate and its bounds.
    assert len({line.get_color() for line in lines[:3]}) == 1
    assert lines[0].get_color() != lines[3].get_color()
    _, given = plt.subplots()
    assert plot_born_dead(depths, estimates, upper, ax=given) is given
    assert len(given.get_lines()) == 4


def test_plot_boxes_tiles_the_images_and_draws_true_and_predicted_boxes():
    from matplotlib.image import AxesImage
    from matplotlib.patches import Rectangle

    from relu_course.plotting import COLORS, plot_boxes

    images = np.zeros((3, 3, 8, 8))  # channels first, as coloured_digits gives them
    true = np.array([[0.0, 0.0, 0.5, 0.5], [0.25, 0.25, 1.0, 1.0], [0.0, 0.5, 1.0, 1.0]])
    pred = true + 0.125
    with book_style():
        ax = plot_boxes(images, true, pred, captions=["a", "b", "c"], ncols=2, title="Boxes")
    assert ax.get_title() == "Boxes"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (left to right)", "y (top to bottom)")
    (mosaic,) = [im for im in ax.get_children() if isinstance(im, AxesImage)]
    # Two rows of two 8-pixel images with a 1-pixel gap; the empty fourth tile stays white.
    assert mosaic.get_array().shape == (17, 17, 3)
    assert mosaic.get_array()[16, 16].tolist() == [1.0, 1.0, 1.0]
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(boxes) == 6
    # The second image sits right of the first: its true box starts 9 + 0.25 * 8 pixels in.
    second = boxes[2]
    assert second.get_xy() == (9 - 0.5 + 2.0, -0.5 + 2.0)
    assert (second.get_width(), second.get_height()) == (6.0, 6.0)
    assert [p.get_linestyle() for p in boxes[:2]] == ["-", "--"]
    assert matplotlib.colors.same_color(boxes[0].get_edgecolor(), COLORS[2])
    assert matplotlib.colors.same_color(boxes[1].get_edgecolor(), COLORS[0])
    assert [t.get_text() for t in ax.texts] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["true box", "predicted box"]


def test_plot_boxes_without_predictions_and_its_errors():
    from matplotlib.patches import Rectangle

    from relu_course.plotting import plot_boxes

    images = np.zeros((2, 6, 6, 3))  # channels last works too
    true = np.array([[0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0]])
    _, given = plt.subplots()
    assert plot_boxes(images, true, ax=given) is given
    assert len([p for p in given.patches if isinstance(p, Rectangle)]) == 2
    assert [t.get_text() for t in given.get_legend().get_texts()] == ["true box"]
    with pytest.raises(ValueError, match="pred_boxes"):
        plot_boxes(images, true, true[:1])
    with pytest.raises(ValueError, match="images"):
        plot_boxes(np.zeros((2, 6, 6)), true)
    with pytest.raises(ValueError, match="captions"):
        plot_boxes(images, true, captions=["one"])


def test_plot_feature_maps_tiles_channels_on_one_scale():
    from matplotlib.image import AxesImage

    from relu_course.plotting import plot_feature_maps

    maps = np.arange(5 * 4 * 3, dtype=float).reshape(5, 4, 3) - 30.0
    with book_style():
        ax = plot_feature_maps(maps, ncols=2, diverging=True, title="Maps")
    assert ax.get_title() == "Maps"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("5 channels, 2 per row", "4 x 3 pixels each")
    (grid,) = [im for im in ax.get_children() if isinstance(im, AxesImage)]
    # Three rows of two 4 x 3 tiles, with a 1-pixel gap; the sixth tile stays empty.
    data = grid.get_array()
    assert data.shape == (14, 7)
    assert data[0, 0] == -30.0
    assert data[5, 4] == maps[3, 0, 0]
    assert bool(np.ma.getmaskarray(data)[13, 6])
    assert bool(np.ma.getmaskarray(data)[4, 0])
    # Diverging: symmetric about 0, so 0 sits in the middle of the colour scale.
    assert grid.get_clim() == (-30.0, 30.0)
    assert grid.get_cmap().name.startswith("RdBu_r")
    assert len(ax.figure.axes) == 2  # the grid and its colour bar


def test_plot_feature_maps_after_relu_and_its_errors():
    from matplotlib.image import AxesImage

    from relu_course.plotting import plot_feature_maps

    maps = np.maximum(np.linspace(-1.0, 2.0, 2 * 3 * 3).reshape(2, 3, 3), 0.0)
    _, given = plt.subplots()
    ax = plot_feature_maps(maps, title="After", ax=given)
    assert ax is given
    (grid,) = [im for im in ax.get_children() if isinstance(im, AxesImage)]
    assert grid.get_clim() == (0.0, 2.0)
    assert grid.get_cmap().name.startswith("viridis")
    # ReLU's 6 exact zeros fall below the scale: drawn in the grey "under" colour.
    assert int((grid.get_array() < 0).sum()) == 6
    assert matplotlib.colors.same_color(grid.get_cmap().get_under(), "#d5d8dc")
    assert grid.get_array().shape == (3, 7)
    one = plot_feature_maps(np.ones((4, 4)), title="One channel")
    assert one.get_xlabel() == "1 channels, 1 per row"
    with pytest.raises(ValueError, match="negative"):
        plot_feature_maps(-maps, title="x")
    with pytest.raises(ValueError, match="ncols"):
        plot_feature_maps(maps, ncols=0, title="x")
    with pytest.raises(ValueError, match="shape"):
        plot_feature_maps(np.zeros((1, 2, 3, 4)), title="x")


def test_plot_bars_with_spread_draws_means_ranges_runs_and_baseline():
    from matplotlib.patches import Rectangle

    from relu_course.plotting import plot_bars_with_spread

    runs = {"ReLU": [0.9, 0.92, 0.94], "GELU": [0.91, 0.93, 0.95], "ELU": [0.8]}
    with book_style():
        ax = plot_bars_with_spread(
            runs,
            title="Spread",
            xlabel="activation",
            ylabel="accuracy",
            baseline=("chance", 0.1),
            ylim=(0.0, 1.0),
        )
    assert ax.get_title() == "Spread"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("activation", "accuracy")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3
    assert [b.get_height() for b in bars] == pytest.approx([0.92, 0.93, 0.8])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ReLU", "GELU", "ELU"]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [len(line.get_ydata()) for line in dots] == [3, 3, 1]
    segments = ax.collections[0].get_segments()  # the error bars, min to max
    assert [tuple(s[:, 1]) for s in segments] == [
        pytest.approx((0.9, 0.94)),
        pytest.approx((0.91, 0.95)),
        pytest.approx((0.8, 0.8)),
    ]
    assert ax.get_ylim() == (0.0, 1.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == ["chance", "mean", "one run", "range (min to max)"]


def test_plot_bars_with_spread_errors():
    from relu_course.plotting import plot_bars_with_spread

    with pytest.raises(ValueError, match="no label"):
        plot_bars_with_spread({}, title="t", xlabel="x", ylabel="y")
    with pytest.raises(ValueError, match="no run"):
        plot_bars_with_spread({"a": []}, title="t", xlabel="x", ylabel="y")
