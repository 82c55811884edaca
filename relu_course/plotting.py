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
    "plot_ai_ml_dl",
    "plot_curves",
    "plot_decision_regions",
    "plot_function_and_derivative",
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
    ax: Axes | None = None,
) -> Axes:
    """Draw labelled curves ``{label: (x, y)}`` on one pair of axes, with a legend.

    Args:
        curves: each label maps to the x and y values of its curve.
        title: the figure's title.
        xlabel: label of the horizontal axis.
        ylabel: label of the vertical axis.
        ax: axes to draw on, or ``None`` for a new figure.

    Returns:
        The axes drawn on.
    """
    ax = new_axes(ax)
    for label, (x, y) in curves.items():
        ax.plot(x, y, label=label, linewidth=2)
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
