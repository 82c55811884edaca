"""Figures of the book: every plot is a function that draws on an ``Axes`` and returns it.

Each function takes an optional ``ax`` (a new figure is made when it is ``None``) and gives the
axes a title and labelled axes, so that a notebook cell is one call and every figure in the book
follows the same conventions. :func:`book_style` sets the look shared by all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

__all__ = [
    "BOOK_RC",
    "COLORS",
    "book_style",
    "curve",
    "draw_favicon",
    "draw_logo",
    "new_axes",
    "plot_activation_regions",
    "plot_ai_ml_dl",
    "plot_bars_with_spread",
    "plot_born_dead",
    "plot_boxes",
    "plot_copy_ratios",
    "plot_curves",
    "plot_curves_to_threshold",
    "plot_decision_regions",
    "plot_feature_maps",
    "plot_function_and_derivative",
    "plot_grouped_bars",
    "plot_sparsity_accuracy",
    "plot_subgradients",
]

#: The course's palette: ReLU is always drawn in the first colour.
COLORS = ("#c0392b", "#2471a3", "#1e8449", "#7d3c98", "#b9770e", "#566573")

#: Matplotlib settings shared by every figure of the book.
BOOK_RC: dict[str, Any] = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.figsize": (6.4, 4.0),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "axes.prop_cycle": cycler(color=list(COLORS)),
    "legend.frameon": False,
    "font.size": 10,
}


@contextmanager
def book_style() -> Iterator[None]:
    """Draw with the book's settings inside a ``with`` block.

    Only the settings of :data:`BOOK_RC` are changed and restored. (``matplotlib.rc_context``
    would restore every setting, the backend included, which switches a notebook's inline
    backend off after the first figure.)

    Example:
        >>> with book_style():
        ...     ax = plot_curves({"relu": (np.array([-1.0, 1.0]), np.array([0.0, 1.0]))},
        ...                      title="ReLU", xlabel="x", ylabel="f(x)")
        >>> ax.get_title()
        'ReLU'
        >>> plt.close("all")
    """
    # Matplotlib types rcParams' keys as literals; BOOK_RC's keys are checked when set.
    params = cast("MutableMapping[str, Any]", mpl.rcParams)
    saved = {key: params[key] for key in BOOK_RC}
    params.update(BOOK_RC)
    try:
        yield
    finally:
        params.update(saved)


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or the axes of a new figure when ``ax`` is ``None``.

    Args:
        ax: axes to draw on, or ``None`` for a new figure.
        figsize: size of the new figure in inches; the book's default when ``None``.
    """
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize)
    return new


def plot_curves(
    curves: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    log_y: bool = False,
    dashed: tuple[str, ...] = (),
    marker: str | None = None,
    integer_x: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Draw labelled curves ``{label: (x, y)}`` on one pair of axes, with a legend.

    Args:
        curves: each label maps to the x and y values of its curve.
        title: the figure's title.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.
        log_y: a logarithmic vertical axis, for quantities that grow or shrink geometrically
            (gradient norms through depth, pieces of a piecewise-linear function): a straight
            line then means a constant factor per step. The y values must be positive.
        dashed: labels of the curves to draw dashed (bounds, references).
        marker: a Matplotlib marker drawn at each point, such as ``"o"``, or ``None``.
        integer_x: ticks on the horizontal axis at whole numbers only (layers, depths).
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: one line per curve, in the order given.
    """
    from matplotlib.ticker import MaxNLocator

    ax = new_axes(ax)
    for label, (x, y) in curves.items():
        style = "--" if label in dashed else "-"
        ax.plot(x, y, style, marker=marker, markersize=4, linewidth=2, label=label)
    if log_y:
        ax.set_yscale("log")
    if integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if len(curves) > 1:
        ax.legend()
    return ax


def _relu_mark(
    fig: Figure, color: str, linewidth: float, rect: tuple[float, float, float, float]
) -> Axes:
    """The course's mark, the graph of ReLU, drawn without axes in ``rect`` of ``fig``."""
    ax = fig.add_axes(rect)
    x = np.array([-1.0, 0.0, 1.0])
    ax.plot(
        x,
        np.maximum(x, 0.0),
        color=color,
        linewidth=linewidth,
        solid_capstyle="round",
        clip_on=False,
    )
    ax.set(xlim=(-1.05, 1.05), ylim=(-0.3, 1.05), aspect="equal")
    ax.axis("off")
    return ax


def draw_logo(path: Path | str) -> Path:
    """Draw the course's logo (the graph of ReLU, and its name) into a PNG file.

    Args:
        path: where to write the PNG.

    Returns:
        The path written.
    """
    path = Path(path)
    fig = plt.figure(figsize=(2.4, 2.4), dpi=100)
    _relu_mark(fig, COLORS[0], linewidth=9, rect=(0.15, 0.32, 0.7, 0.56))
    fig.text(0.5, 0.14, "ReLU", ha="center", va="center", fontsize=26, weight="bold")
    fig.savefig(path, transparent=True, metadata={"Software": None})
    plt.close(fig)
    return path


def draw_book_assets(folder: Path | str) -> list[Path]:
    """Draw the images the book's pages use: logo, favicon, and the intro's ReLU figure.

    Args:
        folder: where to write them (the book's ``_static`` folder).

    Returns:
        The paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with book_style():
        axes = plot_function_and_derivative(
            lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(np.float64), name="ReLU"
        )
        figure = axes[0].get_figure()
        assert isinstance(figure, Figure)
        figure.savefig(folder / "relu.png", metadata={"Software": None})
        plt.close(figure)
    return [
        draw_logo(folder / "logo.png"),
        draw_favicon(folder / "favicon.png"),
        folder / "relu.png",
    ]


def draw_favicon(path: Path | str) -> Path:
    """Draw the course's favicon (the graph of ReLU on a square tile) into a 32x32 PNG file.

    Args:
        path: where to write the PNG.

    Returns:
        The path written.
    """
    path = Path(path)
    fig = plt.figure(figsize=(0.32, 0.32), dpi=100, facecolor=COLORS[0])
    _relu_mark(fig, "white", linewidth=2.5, rect=(0.15, 0.2, 0.7, 0.6))
    fig.savefig(path, facecolor=COLORS[0], metadata={"Software": None})
    plt.close(fig)
    return path


def curve(
    fn: Callable[[npt.NDArray[np.float64]], npt.ArrayLike], lo: float, hi: float
) -> tuple[npt.NDArray[np.float64], npt.ArrayLike]:
    """Sample ``fn`` on about 400 points of ``[lo, hi]``, 0 among them when it lies inside.

    Args:
        fn: the function to sample, applied to the whole array of points.
        lo: left end.
        hi: right end.

    Returns:
        The points and the values, ready for :func:`plot_curves`.
    """
    # The kink of ReLU and its relatives is at 0: sample it exactly so the corner is drawn sharp.
    x = np.linspace(lo, hi, 401)
    if lo < 0.0 < hi:
        x = np.union1d(x, [0.0])
    return x, fn(x)


def plot_ai_ml_dl(ax: Axes | None = None) -> Axes:
    """Draw artificial intelligence, machine learning and deep learning as nested regions.

    Three ellipses share their lowest point, each inside the one before: deep learning is a
    kind of machine learning, which is one approach to artificial intelligence. The diagram has
    no data axes, so its x and y labels are empty strings and its frame is hidden; the title
    says what it shows.

    Args:
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: three :class:`~matplotlib.patches.Ellipse` patches, outermost first,
        and two texts for each, its name and a short gloss.
    """
    ax = new_axes(ax, figsize=(6.4, 4.4))
    regions = (
        ("Artificial intelligence", "programs that act intelligently", 10.0, 7.0, COLORS[5]),
        ("Machine learning", "behaviour fitted to data", 7.2, 4.8, COLORS[1]),
        ("Deep learning", "many layers of learned\nrepresentations", 4.4, 2.6, COLORS[0]),
    )
    for name, gloss, width, height, color in regions:
        # Every ellipse rests on y = 0, so each smaller one sits at the bottom of the last.
        ax.add_patch(
            Ellipse(
                (0.0, height / 2),
                width,
                height,
                facecolor=color,
                edgecolor=color,
                alpha=0.18,
                linewidth=2,
            )
        )
        label_y = height / 2 if name == "Deep learning" else height - 0.95
        ax.text(0.0, label_y + 0.2, name, ha="center", va="center", weight="bold", color=color)
        ax.text(0.0, label_y - 0.35, gloss, ha="center", va="center", fontsize=9, color=color)
    ax.set(xlim=(-5.3, 5.3), ylim=(-0.2, 7.2), aspect="equal", xlabel="", ylabel="")
    ax.set_title("Deep learning within machine learning within AI")
    ax.axis("off")
    return ax


def plot_decision_regions(
    predict: Callable[[npt.NDArray[np.float64]], npt.ArrayLike],
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    title: str,
    ax: Axes | None = None,
    resolution: int = 200,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
) -> Axes:
    """Shade the class a classifier predicts over the plane, and scatter labelled points on it.

    Args:
        predict: maps an ``(n, 2)`` array of points to ``n`` integer class labels.
        X: points to scatter, shape ``(n, 2)``; they also set the extent of the plot.
        y: their true class labels, integers ``0 .. k-1``, shape ``(n,)``.
        title: the figure's title.
        ax: axes to draw on, or ``None`` for a new figure.
        resolution: number of grid points along each axis where ``predict`` is evaluated.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.

    Returns:
        The axes drawn on: one filled contour set of the predicted regions, then one scatter
        collection per class.
    """
    ax = new_axes(ax)
    points = np.asarray(X, dtype=np.float64)
    labels = np.asarray(y).astype(np.int64)
    num_classes = int(labels.max()) + 1
    lo, hi = points.min(axis=0) - 0.3, points.max(axis=0) + 0.3
    g1, g2 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    regions = np.asarray(predict(grid)).reshape(g1.shape)
    colors = [COLORS[(k + 1) % len(COLORS)] for k in range(num_classes)]
    # One level per class, centred on the integer labels, so each class gets its own colour.
    levels = np.arange(num_classes + 1) - 0.5
    ax.contourf(g1, g2, regions, levels=levels, colors=colors, alpha=0.2)
    for k in range(num_classes):
        mine = labels == k
        ax.scatter(
            points[mine, 0],
            points[mine, 1],
            s=12,
            color=colors[k],
            edgecolors="white",
            linewidths=0.4,
            label=f"class {k}",
        )
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, aspect="equal")
    # Below the axes, in one row: inside, it would hide points.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=num_classes)
    return ax


def _one_sided_limits(
    derivative: Callable[[npt.NDArray[np.float64]], npt.ArrayLike], at: float, eps: float
) -> tuple[float, float, float]:
    """The left limit, the value and the right limit of ``derivative`` at ``at``."""
    left, value, right = np.asarray(
        derivative(np.array([at - eps, at, at + eps], dtype=np.float64)), dtype=np.float64
    )
    return float(left), float(value), float(right)


def plot_function_and_derivative(
    fn: Callable[[npt.NDArray[np.float64]], npt.ArrayLike],
    derivative: Callable[[npt.NDArray[np.float64]], npt.ArrayLike],
    *,
    name: str,
    lo: float = -3.0,
    hi: float = 3.0,
    jumps: tuple[float, ...] = (0.0,),
    axes: tuple[Axes, Axes] | None = None,
) -> tuple[Axes, Axes]:
    """Draw a function beside its derivative, the derivative as pieces broken at its jumps.

    At each jump the derivative is drawn the way a textbook draws a step: an open circle at a
    one-sided limit the function does not take there, and a filled dot at the value
    ``derivative`` returns at the jump itself, so the figure shows which value the convention
    picks (for ReLU, 0 at ``x = 0``).

    Args:
        fn: the function, applied to a whole array of points.
        derivative: its derivative, applied to a whole array of points; its value at a jump is
            the convention drawn as the filled dot.
        name: the function's name, used in the titles and axis labels (``"ReLU"``).
        lo: left end of the horizontal axis.
        hi: right end of the horizontal axis.
        jumps: the points of ``(lo, hi)`` where the derivative jumps.
        axes: two axes to draw on (function, derivative), or ``None`` for a new figure.

    Returns:
        The two axes drawn on: the function's, then the derivative's.
    """
    if axes is None:
        _, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(9.0, 3.6), layout="constrained")
    else:
        ax_f, ax_d = axes
    x, y = curve(fn, lo, hi)
    ax_f.plot(x, y, color=COLORS[0], linewidth=2)
    ax_f.set(title=name, xlabel="x", ylabel=f"{name}(x)")

    eps = (hi - lo) * 1e-9
    breaks = [lo, *sorted(j for j in jumps if lo < j < hi), hi]
    low_y, high_y = np.inf, -np.inf
    for i in range(len(breaks) - 1):
        a, b = breaks[i], breaks[i + 1]
        inside = np.linspace(a, b, 201)[1:-1]
        xs = np.concatenate(([a], inside, [b]))
        # Draw each piece up to its one-sided limits, never through the value at the jump.
        ends = np.asarray(derivative(np.array([a + eps, b - eps])), dtype=np.float64)
        ys = np.concatenate((ends[:1], np.asarray(derivative(inside), dtype=np.float64), ends[1:]))
        ax_d.plot(xs, ys, color=COLORS[0], linewidth=2)
        low_y, high_y = min(low_y, float(ys.min())), max(high_y, float(ys.max()))
    for j in breaks[1:-1]:
        left, value, right = _one_sided_limits(derivative, j, eps)
        low_y, high_y = min(low_y, value), max(high_y, value)
        for limit in {left, right} - {value}:
            ax_d.plot(
                j,
                limit,
                "o",
                markersize=7,
                markerfacecolor="white",
                markeredgecolor=COLORS[0],
                markeredgewidth=1.5,
                zorder=3,
            )
        ax_d.plot(j, value, "o", markersize=7, color=COLORS[0], zorder=3)
    pad = 0.15 * max(high_y - low_y, 1.0)
    ax_d.set(
        title=f"Derivative of {name}",
        xlabel="x",
        ylabel=f"{name}'(x)",
        ylim=(low_y - pad, high_y + pad),
    )
    return ax_f, ax_d


def plot_subgradients(
    slopes: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0),
    *,
    not_subgradient: float | None = 1.5,
    lo: float = -2.0,
    hi: float = 2.0,
    ax: Axes | None = None,
) -> Axes:
    """Draw ReLU with lines through the origin whose slopes are subgradients at 0.

    A slope ``g`` is a subgradient of ReLU at 0 when the line ``y = g x`` stays on or under
    the graph everywhere, which holds exactly for ``0 <= g <= 1``. The shaded wedge is swept
    by all of them; each slope in ``slopes`` is drawn and labelled, and ``not_subgradient``,
    a slope outside ``[0, 1]``, is drawn dashed to show a line that crosses above the graph.

    Args:
        slopes: the subgradients to draw, each in ``[0, 1]``.
        not_subgradient: one slope outside ``[0, 1]`` drawn as a counterexample, or ``None``.
        lo: left end of the horizontal axis (negative).
        hi: right end of the horizontal axis (positive).
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on.
    """
    ax = new_axes(ax)
    x = np.linspace(lo, hi, 401)
    ax.fill_between(
        x,
        np.minimum(x, 0.0),
        np.maximum(x, 0.0),
        color=COLORS[1],
        alpha=0.12,
        linewidth=0,
        label="swept by all g in [0, 1]",
    )
    for i, g in enumerate(slopes):
        ax.plot(
            x,
            g * x,
            color=COLORS[1],
            linewidth=1.2,
            label="subgradient lines y = g x" if i == 0 else None,
        )
        ax.annotate(
            f"g = {g:g}",
            (hi, g * hi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=COLORS[1],
        )
    if not_subgradient is not None:
        ax.plot(
            x,
            not_subgradient * x,
            "--",
            color=COLORS[5],
            linewidth=1.2,
            label=f"slope {not_subgradient:g}: not a subgradient",
        )
    ax.plot(x, np.maximum(x, 0.0), color=COLORS[0], linewidth=2.5, label="ReLU(x)")
    ax.plot(0.0, 0.0, "o", color=COLORS[0], markersize=6, zorder=3)
    top = max(1.0, *slopes) * hi
    ax.set(
        title="Subgradients of ReLU at x = 0",
        xlabel="x",
        ylabel="y",
        xlim=(lo, hi * 1.18),
        ylim=(lo * 1.05, top * 1.08),
    )
    ax.legend(loc="upper left")
    return ax


def plot_activation_regions(
    patterns: npt.ArrayLike,
    extent: tuple[float, float, float, float],
    *,
    title: str,
    ax: Axes | None = None,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    seed: int = 0,
) -> Axes:
    """Colour a square grid of inputs by their activation pattern, one colour per pattern.

    Inputs that share an activation pattern (the set of active ReLU units) lie in one linear
    region of the network, where it computes a single affine map; so the picture shows the
    pieces a ReLU network cuts its input plane into. Colours are drawn at random (from a
    generator seeded by ``seed``), so neighbouring regions almost always differ.

    Args:
        patterns: bool array ``(side * side, num_units)``, the pattern of each grid point,
            row by row from the bottom (``x`` varying fastest, as ``np.meshgrid(...).ravel()``
            orders them).
        extent: ``(x_min, x_max, y_min, y_max)`` of the grid.
        title: the figure's title.
        ax: axes to draw on, or ``None`` for a new figure.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.
        seed: seed of the random colours.

    Returns:
        The axes drawn on: one image with as many distinct colours as distinct patterns.

    Raises:
        ValueError: ``patterns`` is not two-dimensional or its rows do not form a square grid.
    """
    codes = np.asarray(patterns, dtype=bool)
    if codes.ndim != 2:
        raise ValueError(f"patterns must be 2-D (points, units), got shape {codes.shape}")
    side = round(float(np.sqrt(codes.shape[0])))
    if side * side != codes.shape[0] or side == 0:
        raise ValueError(f"patterns must have side * side rows, got {codes.shape[0]}")
    _, region = np.unique(codes, axis=0, return_inverse=True)
    region = np.asarray(region).reshape(side, side)
    # Light colours with enough spread that two random neighbours rarely look alike.
    palette = np.random.default_rng(seed).uniform(0.3, 0.95, size=(int(region.max()) + 1, 3))
    ax = new_axes(ax)
    ax.imshow(palette[region], origin="lower", extent=extent, interpolation="nearest")
    ax.grid(False)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, aspect="equal")
    return ax


def plot_copy_ratios(
    rows: list[tuple[str, str, float]],
    *,
    title: str,
    ax: Axes | None = None,
) -> Axes:
    """Draw each implementation's throughput as a multiple of a copy's, as horizontal bars.

    A ratio of 1 (the dashed line) means as fast as copying the same bytes, the best any
    elementwise function can do; the bars are coloured by the function they compute, ReLU in
    the book's first colour and copies in grey.

    Args:
        rows: ``(label, function, ratio)`` per bar, top to bottom, ``function`` being
            ``"relu"``, ``"copy"``, ``"sigmoid"``... (the ``function`` field of
            :class:`relu_course.bench.Measurement`).
        title: the figure's title.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: one bar per row, each labelled with its ratio, and a legend of the
        functions.
    """
    ax = new_axes(ax)
    others = iter(COLORS[1:5] * 4)
    colour_of: dict[str, str] = {"relu": COLORS[0], "copy": COLORS[5]}
    for _, function, _ in rows:
        if function not in colour_of:
            colour_of[function] = next(others)
    positions = np.arange(len(rows))
    ratios = [ratio for _, _, ratio in rows]
    bars = ax.barh(positions, ratios, color=[colour_of[f] for _, f, _ in rows], height=0.7)
    for bar, ratio in zip(bars, ratios, strict=True):
        ax.annotate(
            f"{ratio:.2f}",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.axvline(1.0, linestyle="--", color=COLORS[5], linewidth=1)
    ax.set_yticks(positions, [label for label, _, _ in rows])
    ax.invert_yaxis()  # first row on top
    ax.set_xlim(0.0, max([1.0, *ratios]) * 1.18)
    ax.set(title=title, xlabel="throughput / copy throughput", ylabel="implementation")
    from matplotlib.patches import Patch

    handles = [Patch(color=colour, label=function) for function, colour in colour_of.items()]
    # Outside the axes, on the right: bars near 1 leave no free corner inside.
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return ax


def plot_sparsity_accuracy(
    zero_fractions: npt.ArrayLike,
    accuracies: npt.ArrayLike,
    labels: list[str],
    *,
    title: str,
    ax: Axes | None = None,
    xlabel: str = "fraction of exact zeros in the hidden layers",
    ylabel: str = "test accuracy",
) -> Axes:
    """Draw the trade-off between activation sparsity and accuracy, one labelled point per run.

    Args:
        zero_fractions: the sparsity of each run, in ``[0, 1]``.
        accuracies: the accuracy of each run, in the same order.
        labels: the text written next to each point (for example its penalty strength).
        title: the figure's title.
        ax: axes to draw on, or ``None`` for a new figure.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.

    Returns:
        The axes drawn on: one line through the points in the order given, and one text per
        point, above the point for the first, third... and below it for the others, so that
        labels of neighbouring points do not overlap.

    Raises:
        ValueError: the three sequences differ in length.
    """
    x = np.asarray(zero_fractions, dtype=np.float64)
    y = np.asarray(accuracies, dtype=np.float64)
    if not len(x) == len(y) == len(labels):
        raise ValueError("zero_fractions, accuracies and labels must have the same length")
    ax = new_axes(ax)
    ax.plot(x, y, "-o", color=COLORS[0], linewidth=2, markersize=6)
    for i, (xi, yi, label) in enumerate(zip(x, y, labels, strict=True)):
        above = i % 2 == 0
        ax.annotate(
            label,
            (xi, yi),
            xytext=(0, 8 if above else -8),
            textcoords="offset points",
            ha="center",
            va="bottom" if above else "top",
            fontsize=9,
        )
    # Room for the labels above the highest point and beside the outermost ones.
    ax.margins(x=0.08, y=0.15)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax


def plot_grouped_bars(
    values: Mapping[str, npt.ArrayLike],
    groups: list[str] | tuple[str, ...],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    ylim: tuple[float, float] | None = None,
    legend_loc: str = "best",
    legend_ncol: int = 1,
    ax: Axes | None = None,
) -> Axes:
    """Draw one bar per series in each group, side by side, with a legend of the series.

    For a table read two ways, such as test accuracy by depth (groups) for three
    initialisations (series), or the dead fraction by layer for several training runs.

    Args:
        values: each series' label maps to one value per group, in the order of ``groups``.
        groups: the labels under each group of bars.
        title: the figure's title.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.
        ylim: limits of the vertical axis, or ``None`` for matplotlib's.
        legend_loc: where matplotlib puts the legend (``"upper center"``, ...).
        legend_ncol: columns of the legend.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: ``len(values) * len(groups)`` bars, series in the order given.

    Raises:
        ValueError: a series does not have one value per group, or there is no series.
    """
    if not values:
        raise ValueError("plot_grouped_bars: values holds no series")
    rows = {label: np.asarray(row, dtype=float).ravel() for label, row in values.items()}
    for label, row in rows.items():
        if len(row) != len(groups):
            raise ValueError(
                f"plot_grouped_bars: series {label!r} has {len(row)} values for "
                f"{len(groups)} groups"
            )
    ax = new_axes(ax)
    width = 0.8 / len(values)
    positions = np.arange(len(groups), dtype=float)
    for i, (label, row) in enumerate(rows.items()):
        offset = (i - (len(values) - 1) / 2) * width
        ax.bar(positions + offset, row, width=width, label=label)
    ax.set_xticks(positions, [str(g) for g in groups])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    # Matplotlib types loc as a Literal of its names; a wrong name raises at run time.
    ax.legend(loc=cast(Any, legend_loc), ncol=legend_ncol)
    return ax


def plot_curves_to_threshold(
    curves: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    *,
    threshold: float,
    title: str,
    xlabel: str,
    ylabel: str,
    ax: Axes | None = None,
) -> Axes:
    """Draw decreasing curves, a dashed line at ``threshold``, and where each first reaches it.

    For "how long until the training error falls to 25%": each curve gets a filled marker
    at its first point at or below the threshold (none if it never gets there).

    Args:
        curves: each label maps to the x and y values of its curve.
        threshold: the level to reach, drawn as a dashed horizontal line.
        title: the figure's title.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: one line per curve in the order given, then the threshold line,
        then one marker per curve that reaches the threshold.
    """
    ax = plot_curves(curves, title=title, xlabel=xlabel, ylabel=ylabel, ax=ax)
    colors = [line.get_color() for line in ax.get_lines()]
    ax.axhline(threshold, linestyle="--", color=COLORS[5], linewidth=1.2, label=f"{threshold:g}")
    for color, (x, y) in zip(colors, curves.values(), strict=True):
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        below = np.flatnonzero(ys <= threshold)
        if below.size:
            first = below[0]
            ax.plot(xs[first], ys[first], "o", color=color, markersize=8, zorder=3)
    ax.legend()
    return ax


def plot_born_dead(
    depths: npt.ArrayLike,
    estimates: Mapping[int, npt.ArrayLike],
    upper: Mapping[int, npt.ArrayLike],
    lower: Mapping[int, npt.ArrayLike] | None = None,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Draw Monte Carlo estimates of the born-dead probability against bounds, by depth.

    One colour per width: the estimates as markers, the upper bound as a solid line and the
    lower bound, if given, as a dotted line.

    Args:
        depths: the depths (numbers of hidden layers) on the horizontal axis.
        estimates: width -> estimated probability at each depth.
        upper: width -> upper bound at each depth (the same widths as ``estimates``).
        lower: width -> lower bound at each depth, or ``None``.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: per width, a line of markers (the estimates), a solid line (the
        upper bound) and, with ``lower``, a dotted line.
    """
    ax = new_axes(ax)
    x = np.asarray(depths, dtype=float)
    for i, (width, p) in enumerate(estimates.items()):
        color = COLORS[i % len(COLORS)]
        ax.plot(x, upper[width], "-", color=color, linewidth=1.5, label=f"width {width}: bound")
        if lower is not None:
            ax.plot(x, lower[width], ":", color=color, linewidth=1.5)
        label = f"width {width}: simulated"
        ax.plot(x, p, "o", color=color, markersize=6, linestyle="none", label=label)
    ax.set(
        title="Probability that a ReLU network is born dead",
        xlabel="depth (hidden layers)",
        ylabel="P(born dead)",
        ylim=(-0.03, 1.03),
    )
    ax.legend(fontsize=8, ncol=2)
    return ax


def plot_boxes(
    images: npt.ArrayLike,
    true_boxes: npt.ArrayLike,
    pred_boxes: npt.ArrayLike | None = None,
    *,
    captions: list[str] | tuple[str, ...] | None = None,
    ncols: int = 5,
    title: str = "True and predicted boxes",
    ax: Axes | None = None,
) -> Axes:
    """Draw RGB images side by side, each with its true box and, optionally, a predicted one.

    The images are tiled row by row into one mosaic with a white gap between them. Boxes are
    ``(x1, y1, x2, y2)`` as fractions of the image's width and height, as
    :func:`relu_course.data.coloured_digits` gives them (``x`` to the right, ``y`` down); box
    edges are pixel edges. The true box is drawn solid (green), the predicted one dashed (red).

    Args:
        images: ``(N, 3, H, W)`` (channels first, as the course's tensors) or ``(N, H, W, 3)``,
            values in ``[0, 1]``.
        true_boxes: ``(N, 4)``, one box per image.
        pred_boxes: ``(N, 4)`` predictions, or ``None`` to draw the true boxes only.
        captions: one short text per image, written in its top-left corner (an IoU, say),
            or ``None``.
        ncols: images per row of the mosaic.
        title: the figure's title.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: one image (the mosaic), then for each image its true box and, with
        ``pred_boxes``, its predicted box as ``Rectangle`` patches, in that order.

    Raises:
        ValueError: the images are not RGB, the boxes are not ``(N, 4)`` for the ``N``
            images, there is no image, ``ncols`` < 1, or ``captions`` has the wrong length.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    pictures = np.asarray(images, dtype=float)
    if pictures.ndim == 4 and pictures.shape[1] == 3 and pictures.shape[-1] != 3:
        pictures = pictures.transpose(0, 2, 3, 1)
    if pictures.ndim != 4 or pictures.shape[-1] != 3 or len(pictures) == 0:
        raise ValueError(
            "plot_boxes: images must be a non-empty batch (N, 3, H, W) or (N, H, W, 3), got "
            f"shape {pictures.shape}"
        )
    n, height, width = pictures.shape[:3]
    true = np.asarray(true_boxes, dtype=float)
    pred = None if pred_boxes is None else np.asarray(pred_boxes, dtype=float)
    for name, boxes in (("true_boxes", true), ("pred_boxes", pred)):
        if boxes is not None and boxes.shape != (n, 4):
            raise ValueError(f"plot_boxes: {name} must have shape ({n}, 4), got {boxes.shape}")
    if ncols < 1:
        raise ValueError(f"plot_boxes: ncols must be at least 1, got {ncols}")
    if captions is not None and len(captions) != n:
        raise ValueError(f"plot_boxes: {len(captions)} captions for {n} images")
    cols = min(ncols, n)
    rows = -(-n // cols)
    gap = max(1, width // 8)
    mosaic = np.ones((rows * (height + gap) - gap, cols * (width + gap) - gap, 3))
    ax = new_axes(ax, figsize=(1.3 * cols + 0.6, 1.3 * rows + 0.9) if ax is None else None)
    corners = []
    for i in range(n):
        top, left = (i // cols) * (height + gap), (i % cols) * (width + gap)
        mosaic[top : top + height, left : left + width] = np.clip(pictures[i], 0.0, 1.0)
        corners.append((top, left))
    ax.imshow(mosaic, extent=(-0.5, mosaic.shape[1] - 0.5, mosaic.shape[0] - 0.5, -0.5))
    for i, (top, left) in enumerate(corners):
        styles = [(true[i], COLORS[2], "-")]
        if pred is not None:
            styles.append((pred[i], COLORS[0], "--"))
        for (x1, y1, x2, y2), color, style in styles:
            ax.add_patch(
                Rectangle(
                    (left - 0.5 + x1 * width, top - 0.5 + y1 * height),
                    (x2 - x1) * width,
                    (y2 - y1) * height,
                    fill=False,
                    edgecolor=color,
                    linestyle=style,
                    linewidth=1.5,
                )
            )
        if captions is not None:
            ax.text(
                left + 0.5,
                top + 0.5,
                captions[i],
                color="white",
                fontsize=7,
                va="top",
                ha="left",
                bbox={"facecolor": "black", "alpha": 0.5, "pad": 1, "lw": 0},
            )
    ax.set(title=title, xlabel="x (left to right)", ylabel="y (top to bottom)")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    handles = [Line2D([], [], color=COLORS[2], linestyle="-", label="true box")]
    if pred is not None:
        handles.append(Line2D([], [], color=COLORS[0], linestyle="--", label="predicted box"))
    # Below the x label, where the legend hides no image.
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2)
    return ax


def plot_feature_maps(
    maps: npt.ArrayLike,
    *,
    title: str,
    ncols: int = 8,
    diverging: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Tile the channels of one image's feature maps into a grid, on one shared colour scale.

    Before a ReLU a feature map has both signs: draw it with ``diverging=True``, a red-blue
    map centred on 0 (red positive, blue negative). After a ReLU every value is ``>= 0``: the
    default draws them with ``viridis`` from 0 to the largest value, and the exact zeros that
    ReLU makes in light grey, so that they stand apart from small positive values. Tiles are
    separated by a one-pixel white gap.

    Args:
        maps: ``(C, H, W)``, the ``C`` channels of one image, or ``(H, W)`` for one channel.
        title: the figure's title.
        ncols: channels per row of the grid; at least 1.
        diverging: a colour scale symmetric about 0 (``RdBu_r``) instead of ``viridis`` from 0
            to the largest value.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: one image (the grid), with a colour bar beside it.

    Raises:
        ValueError: ``maps`` is not 2- or 3-dimensional or has no channel, ``ncols`` < 1, or
            (without ``diverging``) a value is negative.
    """
    values = np.asarray(maps, dtype=float)
    if values.ndim == 2:
        values = values[None]
    if values.ndim != 3 or len(values) == 0:
        raise ValueError(
            f"plot_feature_maps: maps must be (C, H, W) or (H, W), got shape {values.shape}"
        )
    if ncols < 1:
        raise ValueError(f"plot_feature_maps: ncols must be at least 1, got {ncols}")
    if not diverging and (values < 0).any():
        raise ValueError(
            "plot_feature_maps: negative values need diverging=True (maps before a ReLU)"
        )
    channels, height, width = values.shape
    cols = min(ncols, channels)
    rows = -(-channels // cols)
    grid = np.full((rows * (height + 1) - 1, cols * (width + 1) - 1), np.nan)
    for c in range(channels):
        top, left = (c // cols) * (height + 1), (c % cols) * (width + 1)
        grid[top : top + height, left : left + width] = values[c]
    largest = float(np.abs(values).max()) or 1.0
    name, vmin = ("RdBu_r", -largest) if diverging else ("viridis", 0.0)
    # Exact zeros are moved below vmin, so that they take the "under" colour, light grey.
    cmap = mpl.colormaps[name].with_extremes(bad="white", under="#d5d8dc")
    if not diverging:
        grid[grid == 0] = -1.0
    vmax = largest
    ax = new_axes(ax, figsize=(1.0 * cols + 1.2, 1.0 * rows + 0.8) if ax is None else None)
    image = ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.figure.colorbar(
        image,
        ax=ax,
        fraction=0.03,
        pad=0.02,
        label="activation" if diverging else "activation (grey: exactly 0)",
        extend="neither" if diverging else "min",
    )
    ax.set(
        title=title,
        xlabel=f"{channels} channels, {cols} per row",
        ylabel=f"{height} x {width} pixels each",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    return ax


def plot_bars_with_spread(
    runs: Mapping[str, npt.ArrayLike],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    baseline: tuple[str, float] | None = None,
    ylim: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw one bar per label at the mean of its runs, with the runs' range and each run.

    For a comparison repeated over seeds, such as test accuracy for several activation
    functions: the bar's height is the mean, the error bar spans the smallest to the largest
    run, and a dot marks every run, so that the reader sees the spread, not only the mean.

    Args:
        runs: each label maps to the results of its runs (at least one).
        title: the figure's title.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.
        baseline: ``(label, value)`` of a reference drawn as a dashed horizontal line, or
            ``None``.
        ylim: limits of the vertical axis, or ``None`` for matplotlib's.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on: ``len(runs)`` bars, one error bar per bar and one dot per run.

    Raises:
        ValueError: there is no label, or a label has no run.
    """
    if not runs:
        raise ValueError("plot_bars_with_spread: runs holds no label")
    rows = {label: np.asarray(row, dtype=float).ravel() for label, row in runs.items()}
    for label, row in rows.items():
        if row.size == 0:
            raise ValueError(f"plot_bars_with_spread: label {label!r} has no run")
    ax = new_axes(ax)
    positions = np.arange(len(rows), dtype=float)
    means = np.array([row.mean() for row in rows.values()])
    lows = means - np.array([row.min() for row in rows.values()])
    highs = np.array([row.max() for row in rows.values()]) - means
    ax.bar(positions, means, width=0.6, color=COLORS[1], alpha=0.6, label="mean")
    ax.errorbar(
        positions,
        means,
        yerr=np.vstack([lows, highs]),
        fmt="none",
        ecolor="black",
        capsize=4,
        linewidth=1.2,
        label="range (min to max)",
    )
    for position, row in zip(positions, rows.values(), strict=True):
        ax.plot(
            np.full(row.size, position),
            row,
            "o",
            color=COLORS[0],
            markersize=4,
            label="one run" if position == 0 else None,
        )
    if baseline is not None:
        ax.axhline(baseline[1], color=COLORS[5], linestyle="--", linewidth=1.2, label=baseline[0])
    ax.set_xticks(positions, list(rows))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    # Below the axes: the bars fill the plot, and a legend inside would hide some of them.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, frameon=False)
    return ax
