"""The course's datasets: scikit-learn's bundled 8x8 digits, and coloured digits on noise.

Nothing is ever downloaded: :func:`load_digits` reads the 1797 handwritten digits that ship
inside scikit-learn, and :func:`coloured_digits` renders bigger RGB images from them, with a
bounding box per image, for the convolutional and box-regression chapters. Both are
deterministic: the same arguments give the same tensors, bit for bit, on every call. Both
split the digits the same way for a given ``seed`` (stratified by class), so a model trained on
the train part of one never saw the test digits of the other.

For the recurrent chapter, :func:`char_corpus` turns the help texts that ship with Python
(``pydoc_data.topics``, the pages of ``help("if")`` and the like) into a character corpus
with a vocabulary, a train and a validation part, and seeded batches.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch

from relu_course.torch_nn.device import best_device

__all__ = ["CharCorpus", "Split", "char_corpus", "coloured_digits", "load_digits"]

Device = torch.device | str | None

NUM_DIGITS = 1797
"""Number of images in scikit-learn's digits dataset."""

NUM_CLASSES = 10

BACKGROUND = 0.1
"""Grey level of the coloured digits' background before noise is added."""

_SOURCE_SIDE = 8
# Bilinear upscaling leaves a fringe of faint values around each stroke. Below this alpha a
# pixel is treated as background, so that the box is tight around what can be seen.
_MIN_ALPHA = 1 / 32


@dataclass(frozen=True, repr=False)
class Split:
    """Train and test tensors of one dataset; boxes only for coloured digits.

    Attributes:
        X_train: the training inputs, float32.
        y_train: their classes, int64 in ``0 .. 9``, shape ``(N_train,)``.
        X_test: the test inputs, float32.
        y_test: their classes, int64, shape ``(N_test,)``.
        boxes_train: for coloured digits, the tight bounding box of each training digit,
            ``(N_train, 4)`` float32 ``(x1, y1, x2, y2)`` as fractions of the canvas side, in
            ``[0, 1]``; ``None`` for datasets without boxes.
        boxes_test: the same for the test images.

    Examples:
        >>> split = load_digits()
        >>> split
        Split(X_train=(1347, 64) float32, y_train=(1347,) int64, X_test=(450, 64) float32, \
y_test=(450,) int64, device=cpu)
        >>> split.to("cpu").X_train.device
        device(type='cpu')
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    boxes_train: torch.Tensor | None = None
    boxes_test: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> Split:
        """Return a copy of the split with every tensor on ``device``.

        Args:
            device: where to put the tensors, for example ``"cpu"``, ``"cuda"`` or
                ``best_device()``.

        Returns:
            A new :class:`Split`; this one is unchanged (tensors already there are shared).

        Raises:
            ValueError: ``device`` is not a device, or names a GPU that is not available.
        """
        target = _device(device, "Split.to")

        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(target)

        return replace(
            self,
            X_train=self.X_train.to(target),
            y_train=self.y_train.to(target),
            X_test=self.X_test.to(target),
            y_test=self.y_test.to(target),
            boxes_train=move(self.boxes_train),
            boxes_test=move(self.boxes_test),
        )

    def __repr__(self) -> str:
        # The dataclass repr would print every pixel; shapes and dtypes are what one checks.
        parts = [
            f"{name}={tuple(t.shape)} {str(t.dtype).removeprefix('torch.')}"
            for name in ("X_train", "y_train", "X_test", "y_test", "boxes_train", "boxes_test")
            if (t := getattr(self, name)) is not None
        ]
        return f"Split({', '.join(parts)}, device={self.X_train.device})"


def _device(device: torch.device | str, where: str) -> torch.device:
    """Resolve a device argument, with the course's clear error for a missing GPU."""
    try:
        return best_device(str(device))
    except ValueError as error:
        raise ValueError(f"{where}: device {error}") from error


def _check_int(name: str, value: object, minimum: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _check_common(test_fraction: float, seed: int, where: str) -> None:
    """Validate the arguments both loaders share."""
    _check_int("seed", seed, 0, where)
    if seed >= 2**32:
        raise ValueError(f"{where}: seed must be below 2**32, got {seed}")
    if not isinstance(test_fraction, float | int) or isinstance(test_fraction, bool):
        raise TypeError(
            f"{where}: test_fraction must be a float, got {type(test_fraction).__name__}"
        )
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"{where}: test_fraction must be in (0, 1), got {test_fraction}")
    # A stratified split needs every class on both sides.
    num_test = math.ceil(test_fraction * NUM_DIGITS)
    if num_test < NUM_CLASSES or NUM_DIGITS - num_test < NUM_CLASSES:
        raise ValueError(
            f"{where}: test_fraction={test_fraction} leaves {num_test} of {NUM_DIGITS} digits "
            f"for testing; a stratified split needs at least {NUM_CLASSES} (one per class) "
            "on each side"
        )


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """The 1797 digits scaled to [0, 1], (N, 8, 8) float32, and their classes; read once."""
    # Imported here: scikit-learn takes most of a second to import, and only the loaders need it.
    from sklearn.datasets import load_digits as sklearn_load_digits  # type: ignore[import-untyped]

    bunch: Any = sklearn_load_digits()
    images = (np.asarray(bunch.images, dtype=np.float64) / 16.0).astype(np.float32)
    target = np.asarray(bunch.target, dtype=np.int64)
    images.setflags(write=False)
    target.setflags(write=False)
    return images, target


def _split_indices(
    target: npt.NDArray[np.int64], test_fraction: float, seed: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Train and test indices of a split stratified by class, fixed by ``seed``."""
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

    train, test = train_test_split(
        np.arange(len(target)), test_size=test_fraction, stratify=target, random_state=seed
    )
    return np.asarray(train, dtype=np.intp), np.asarray(test, dtype=np.intp)


def load_digits(
    *,
    flatten: bool = True,
    test_fraction: float = 0.25,
    seed: int = 0,
    device: Device = None,
) -> Split:
    """Load scikit-learn's 8x8 handwritten digits (bundled, never downloaded), split by class.

    The 1797 grey images of the digits 0 to 9 (about 180 of each), with pixels scaled from
    ``0 .. 16`` to ``[0, 1]`` (divided by 16). The split is stratified, so each class keeps its
    share on both sides, and fixed by ``seed``; :func:`coloured_digits` with the same
    ``test_fraction`` and ``seed`` uses the same train and test digits, in the same order.

    Args:
        flatten: give each image as a vector of 64 pixels (for a feed-forward network);
            ``False`` gives ``(1, 8, 8)`` images (for a convolutional one). Default: ``True``.
        test_fraction: the share of the digits held out for testing, in ``(0, 1)``; the test
            set gets ``ceil(test_fraction * 1797)`` of them. Default: 0.25 (450 test digits).
        seed: fixes the split, an int in ``[0, 2**32)``. Default: 0.
        device: where to put the tensors. Default: the CPU.

    Returns:
        A :class:`Split` without boxes: ``X`` float32 in ``[0, 1]``, ``(N, 64)`` or
        ``(N, 1, 8, 8)``, row-major (pixel ``8 * row + column``); ``y`` int64 in ``0 .. 9``.

    Raises:
        ValueError: ``test_fraction`` is not in ``(0, 1)`` or leaves fewer than 10 digits on a
            side; ``seed`` is negative or too large; ``device`` is not available.
        TypeError: ``seed`` is not an int, or ``test_fraction`` not a number.

    Examples:
        >>> split = load_digits()
        >>> split.X_train.shape, split.X_test.shape, split.y_train.dtype
        (torch.Size([1347, 64]), torch.Size([450, 64]), torch.int64)
        >>> load_digits(flatten=False).X_test.shape
        torch.Size([450, 1, 8, 8])
        >>> float(split.X_train.min()), float(split.X_train.max())
        (0.0, 1.0)
    """
    _check_common(test_fraction, seed, "load_digits")
    target_device = torch.device("cpu") if device is None else _device(device, "load_digits")
    images, target = _digits()
    train, test = _split_indices(target, test_fraction, seed)
    shape = (-1, _SOURCE_SIDE * _SOURCE_SIDE) if flatten else (-1, 1, _SOURCE_SIDE, _SOURCE_SIDE)
    split = Split(
        X_train=torch.from_numpy(images[train].reshape(shape)),
        y_train=torch.from_numpy(target[train]),
        X_test=torch.from_numpy(images[test].reshape(shape)),
        y_test=torch.from_numpy(target[test]),
    )
    return split.to(target_device)


def _resize_taps(
    side: int, bilinear: bool
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """For each output row of an 8 -> ``side`` resize: two source rows and the second's weight.

    Bilinear follows ``F.interpolate(mode="bilinear", align_corners=False)``: output pixel
    ``i`` samples the source at ``(i + 0.5) * 8 / side - 0.5``, clamped to the edges.
    Nearest takes source row ``floor(i * 8 / side)``, as ``mode="nearest"``.
    """
    out = np.arange(side, dtype=np.float64)
    if not bilinear:
        first = np.floor(out * _SOURCE_SIDE / side).astype(np.intp)
        return first, first, np.zeros(side, dtype=np.float32)
    source = np.maximum((out + 0.5) * _SOURCE_SIDE / side - 0.5, 0.0)
    first = np.floor(source).astype(np.intp)
    second = np.minimum(first + 1, _SOURCE_SIDE - 1)
    return first, second, (source - first).astype(np.float32)


def _upscale(
    digits: npt.NDArray[np.float32],
    sides: npt.NDArray[np.int64],
    bilinear: npt.NDArray[np.bool_],
) -> list[npt.NDArray[np.float32]]:
    """Resize each 8x8 digit to ``sides[i]`` pixels a side, a group of equal sizes at a time."""
    # NumPy rather than F.interpolate: on a busy two-core machine torch's threads contend over
    # these tiny tensors and made the whole generation five times slower.
    out: list[npt.NDArray[np.float32]] = [np.empty((0, 0), np.float32)] * len(digits)
    for side in np.unique(sides):
        for use_bilinear in (False, True):
            (group,) = np.nonzero((sides == side) & (bilinear == use_bilinear))
            if len(group) == 0:
                continue
            first, second, weight = _resize_taps(int(side), use_bilinear)
            batch = digits[group]
            rows = batch[:, first] + weight[:, None] * (batch[:, second] - batch[:, first])
            alpha = rows[:, :, first] + weight * (rows[:, :, second] - rows[:, :, first])
            np.clip(alpha, 0.0, 1.0, out=alpha)
            alpha[alpha < _MIN_ALPHA] = 0.0
            for i, image in zip(group, alpha, strict=True):
                out[i] = image
    return out


def _render(
    digits: npt.NDArray[np.float32],
    *,
    size: int,
    copies: int,
    noise: float,
    sides: tuple[int, int],
    seed: int,
    stream: int,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Render ``copies`` coloured images of each digit; return images and boxes (copy-major)."""
    # Separate generators for the layout and the noise: the same seed places and colours the
    # digits identically whatever the noise level, which lets the tests see the clean digit.
    layout = np.random.default_rng([seed, stream, 0])
    num = len(digits) * copies
    source = np.tile(digits, (copies, 1, 1))
    side = layout.integers(sides[0], sides[1], size=num, endpoint=True)
    bilinear = layout.random(num) < 0.5
    colour = layout.uniform(0.25, 1.0, size=(num, 3))
    colour /= colour.max(axis=1, keepdims=True)  # the brightest channel at full intensity
    x0 = layout.integers(0, size - side, endpoint=True)
    y0 = layout.integers(0, size - side, endpoint=True)

    alpha = np.zeros((num, size, size), dtype=np.float32)
    for i, scaled in enumerate(_upscale(source, side, bilinear)):
        s = len(scaled)
        alpha[i, y0[i] : y0[i] + s, x0[i] : x0[i] + s] = scaled

    rows = np.asarray(alpha.any(axis=2))
    cols = np.asarray(alpha.any(axis=1))
    boxes = np.stack(
        [
            cols.argmax(axis=1),
            rows.argmax(axis=1),
            size - cols[:, ::-1].argmax(axis=1),
            size - rows[:, ::-1].argmax(axis=1),
        ],
        axis=1,
    ).astype(np.float32)
    boxes /= size

    # alpha * colour + (1 - alpha) * BACKGROUND + noise, written to use one buffer of the
    # images' size: these arrays are the bulk of the generation time.
    images = np.empty((num, 3, size, size), dtype=np.float32)
    if noise > 0:
        np.random.default_rng([seed, stream, 1]).standard_normal(dtype=np.float32, out=images)
        images *= np.float32(noise)
        images += np.float32(BACKGROUND)
    else:
        images.fill(BACKGROUND)
    tint = (colour - BACKGROUND).astype(np.float32)
    for channel in range(3):
        images[:, channel] += alpha * tint[:, channel, None, None]
    np.clip(images, 0.0, 1.0, out=images)
    return images, boxes


def coloured_digits(
    *,
    size: int = 32,
    copies: int = 1,
    noise: float = 0.1,
    test_fraction: float = 0.25,
    seed: int = 0,
    device: Device = None,
    scale: tuple[float, float] = (2.0, 3.5),
) -> Split:
    r"""Render each digit of :func:`load_digits` in colour, bigger, somewhere on a noisy canvas.

    Each 8x8 digit is scaled up to ``s`` pixels a side, with ``s`` an integer drawn uniformly
    from ``round(8 * scale[0]) .. round(8 * scale[1])`` (16 to 28 by default, a factor of 2 to
    3.5), by nearest-neighbour or bilinear interpolation (each with probability 1/2). Its
    intensity becomes the opacity of a random colour whose brightest channel is 1 (the others
    between 0.25 and 1), painted at a random position, wholly inside, on a ``3 x size x size``
    canvas of grey :data:`BACKGROUND` = 0.1; Gaussian noise of standard deviation ``noise`` is
    added to every pixel and the result clipped to ``[0, 1]``. Bilinear scaling's faintest
    fringe (opacity under 1/32) is cut, so every pixel inside a stroke is visibly coloured.

    Train images come only from train digits and test images only from test digits, the same
    split (and order) as :func:`load_digits` with that ``test_fraction`` and ``seed``, so no
    digit is seen on both sides. With ``copies`` > 1 the images are copy-major: image
    ``k * n + i`` is copy ``k`` of digit ``i`` (``n`` the digits on that side), and ``y`` is
    ``load_digits``'s ``y`` repeated ``copies`` times.

    Args:
        size: side of the square canvas in pixels; at least ``round(8 * scale[1])`` (28 with the
            default scale), so that the largest digit fits. Default: 32.
        copies: how many images to render of each source digit, each with its own position,
            size, interpolation and colour; at least 1. Default: 1.
        noise: standard deviation of the Gaussian noise, at least 0 (0 gives clean images).
            Default: 0.1.
        test_fraction: the share of the digits held out for testing, in ``(0, 1)``.
            Default: 0.25.
        seed: fixes the split, the layout, the colours and the noise; an int in
            ``[0, 2**32)``. Positions, sizes and colours do not depend on ``noise``.
            Default: 0.
        device: where to put the tensors. Default: the CPU.
        scale: the smallest and largest magnification, ``1 <= scale[0] <= scale[1]``.
            Default: ``(2.0, 3.5)``.

    Returns:
        A :class:`Split` with ``X`` float32 ``(N, 3, size, size)`` in ``[0, 1]`` (RGB, channels
        first), ``y`` int64 ``(N,)`` in ``0 .. 9``, and ``boxes`` float32 ``(N, 4)``: the tight
        box ``(x1, y1, x2, y2)`` around the digit's painted pixels, as fractions of ``size``
        and in ``[0, 1]``. Box edges are pixel edges: the digit covers columns
        ``x1 * size .. x2 * size - 1`` and rows ``y1 * size .. y2 * size - 1``; ``x`` runs
        left to right and ``y`` top to bottom, as ``plt.imshow`` shows the image.

    Raises:
        ValueError: ``size`` is smaller than the largest digit, ``copies`` is less than 1,
            ``noise`` is negative or not finite, ``scale`` is not ``1 <= low <= high``,
            ``test_fraction`` is not in ``(0, 1)``, ``seed`` is negative or too large, or
            ``device`` is not available.
        TypeError: ``size``, ``copies`` or ``seed`` is not an int.

    Examples:
        >>> split = coloured_digits()
        >>> split.X_train.shape, split.boxes_train.shape
        (torch.Size([1347, 3, 32, 32]), torch.Size([1347, 4]))
        >>> bool(((split.boxes_train >= 0) & (split.boxes_train <= 1)).all())
        True
        >>> torch.equal(split.y_test, load_digits().y_test)
        True
    """
    where = "coloured_digits"
    _check_common(test_fraction, seed, where)
    if (
        not isinstance(scale, tuple | list)
        or len(scale) != 2
        or not all(isinstance(s, float | int) and math.isfinite(s) for s in scale)
        or not 1.0 <= scale[0] <= scale[1]
    ):
        raise ValueError(
            f"{where}: scale must be a pair (low, high) of numbers with 1 <= low <= high, "
            f"got {scale!r}"
        )
    sides = (round(_SOURCE_SIDE * scale[0]), round(_SOURCE_SIDE * scale[1]))
    size = _check_int("size", size, 1, where)
    if size < sides[1]:
        raise ValueError(
            f"{where}: size={size} is too small for the largest digit, "
            f"{_SOURCE_SIDE} x {scale[1]} = {sides[1]} pixels a side; use size >= {sides[1]} "
            "or a smaller scale"
        )
    copies = _check_int("copies", copies, 1, where)
    if isinstance(noise, bool) or not isinstance(noise, float | int):
        raise TypeError(f"{where}: noise must be a float, got {type(noise).__name__}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(
            f"{where}: noise is the noise's standard deviation and must be a finite number "
            f">= 0, got {noise}"
        )
    target_device = torch.device("cpu") if device is None else _device(device, where)

    images, target = _digits()
    train, test = _split_indices(target, test_fraction, seed)
    tensors: list[torch.Tensor] = []
    for stream, indices in enumerate((train, test)):
        X, boxes = _render(
            images[indices],
            size=size,
            copies=copies,
            noise=float(noise),
            sides=sides,
            seed=seed,
            stream=stream,
        )
        y = np.tile(target[indices], copies)
        tensors += [torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(boxes)]
    X_train, y_train, boxes_train, X_test, y_test, boxes_test = tensors
    split = Split(X_train, y_train, X_test, y_test, boxes_train, boxes_test)
    return split.to(target_device)


# Typographic characters of the help texts, spelled in ASCII so that the vocabulary stays small.
_ASCII_SPELLING = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


@dataclass(frozen=True, repr=False)
class CharCorpus:
    """A text as integer ids: its vocabulary and a train and a validation part.

    Attributes:
        vocab: the characters, sorted; a character's id is its index here.
        train: the ids of the first part of the text, int64.
        valid: the ids of the rest, int64 (a contiguous stretch of text the model never
            trains on).
    """

    vocab: tuple[str, ...]
    train: torch.Tensor
    valid: torch.Tensor

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters."""
        return len(self.vocab)

    def encode(self, text: str) -> torch.Tensor:
        """The ids of the characters of ``text``, int64.

        Raises:
            ValueError: ``text`` holds a character outside the vocabulary (named).
        """
        index = {ch: i for i, ch in enumerate(self.vocab)}
        unknown = sorted(set(text) - index.keys())
        if unknown:
            raise ValueError(f"CharCorpus.encode: characters not in the vocabulary: {unknown}")
        return torch.tensor([index[ch] for ch in text], dtype=torch.int64)

    def decode(self, ids: torch.Tensor | Sequence[int]) -> str:
        """The text of a sequence of ids.

        Raises:
            ValueError: an id is outside ``0 .. vocab_size - 1``.
        """
        values = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        bad = [i for i in values if not 0 <= i < self.vocab_size]
        if bad:
            raise ValueError(
                f"CharCorpus.decode: ids must be in 0 .. {self.vocab_size - 1}, got {bad[:5]}"
            )
        return "".join(self.vocab[i] for i in values)

    def batches(
        self,
        part: Literal["train", "valid"] = "train",
        *,
        seq_len: int,
        batch_size: int,
        seed: int = 0,
        device: Device = None,
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One pass over a part in random windows: inputs and the next characters to predict.

        The part is cut into non-overlapping windows of ``seq_len + 1`` characters, starting
        at a random offset below ``seq_len`` (so that the windows' edges move from pass to
        pass), and the windows are visited in a random order; both are drawn from a generator
        seeded by ``seed``. Each window gives an input ``X`` (its first ``seq_len`` ids) and a
        target ``Y`` (its last ``seq_len``: each input's next character). The last batch may
        be smaller.

        Args:
            part: ``"train"`` or ``"valid"``.
            seq_len: characters per input sequence, at least 1.
            batch_size: sequences per batch, at least 1.
            seed: seeds the offset and the order.
            device: where the batches are put. Default: the CPU.

        Yields:
            Pairs ``(X, Y)`` of int64 tensors of shape ``(batch, seq_len)``.

        Raises:
            ValueError: a bad ``part``, ``seq_len`` or ``batch_size``, or a part too short
                for one window.

        Examples:
            >>> corpus = char_corpus(max_chars=2000)
            >>> X, Y = next(corpus.batches(seq_len=8, batch_size=4))
            >>> X.shape, bool((X[:, 1:] == Y[:, :-1]).all())
            (torch.Size([4, 8]), True)
        """
        where = "CharCorpus.batches"
        if part not in ("train", "valid"):
            raise ValueError(f"{where}: part must be 'train' or 'valid', got {part!r}")
        seq_len = _check_int("seq_len", seq_len, 1, where)
        batch_size = _check_int("batch_size", batch_size, 1, where)
        _check_int("seed", seed, 0, where)
        target_device = torch.device("cpu") if device is None else _device(device, where)
        ids = self.train if part == "train" else self.valid
        generator = torch.Generator().manual_seed(seed)
        offset = int(torch.randint(seq_len, (1,), generator=generator))
        num_windows = (len(ids) - offset) // (seq_len + 1)
        if num_windows < 1:
            raise ValueError(
                f"{where}: the {part} part has {len(ids)} characters, too few for one window "
                f"of seq_len + 1 = {seq_len + 1}"
            )
        windows = ids[offset : offset + num_windows * (seq_len + 1)].reshape(num_windows, -1)
        order = torch.randperm(num_windows, generator=generator)
        for first in range(0, num_windows, batch_size):
            batch = windows[order[first : first + batch_size]].to(target_device)
            yield batch[:, :-1], batch[:, 1:]

    def unigram_loss(self, part: Literal["train", "valid"] = "valid") -> float:
        """Cross-entropy, in nats per character, of the train part's character frequencies.

        The baseline of a character model: a model that ignores context entirely and
        predicts every character with its frequency in the training text scores this. A
        character unseen in training gets the count 1 (add-one smoothing), so the loss is
        finite.

        Args:
            part: the part scored.

        Returns:
            The mean of ``-log p(c)`` over the part's characters.
        """
        counts = torch.bincount(self.train, minlength=self.vocab_size).double() + 1
        log_p = torch.log(counts / counts.sum())
        ids = self.train if part == "train" else self.valid
        return float(-log_p[ids].mean())

    def __repr__(self) -> str:
        return (
            f"CharCorpus(vocab_size={self.vocab_size}, train={len(self.train):,} chars, "
            f"valid={len(self.valid):,} chars)"
        )


def char_corpus(*, max_chars: int | None = None, valid_fraction: float = 0.1) -> CharCorpus:
    """The help texts that ship with Python as a character corpus.

    ``pydoc_data.topics`` holds the pages ``help()`` shows for Python's keywords and topics
    (about 465,000 characters on Python 3.11; the text differs a little between Python
    versions). They are joined in the order of their topic names, separated by blank lines;
    typographic quotes, dashes and ellipses are spelled in ASCII and any other non-ASCII
    character is dropped, which leaves a vocabulary of about 95 characters. The last
    ``valid_fraction`` of the text is the validation part. Nothing is random here; the
    randomness is in :meth:`CharCorpus.batches`.

    Args:
        max_chars: keep only the first ``max_chars`` characters (for quick experiments), or
            ``None`` for all. Default: ``None``.
        valid_fraction: the share of the text held out for validation, in (0, 1). Default: 0.1.

    Returns:
        The corpus.

    Raises:
        ValueError: ``max_chars`` below 100, or ``valid_fraction`` outside (0, 1).

    Examples:
        >>> corpus = char_corpus()
        >>> corpus.decode(corpus.encode("if x > 0:"))
        'if x > 0:'
    """
    from pydoc_data.topics import topics

    where = "char_corpus"
    if max_chars is not None:
        max_chars = _check_int("max_chars", max_chars, 100, where)
    if isinstance(valid_fraction, bool) or not isinstance(valid_fraction, float | int):
        raise TypeError(f"{where}: valid_fraction must be a float, got {valid_fraction!r}")
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"{where}: valid_fraction must be in (0, 1), got {valid_fraction}")
    text = "\n\n".join(topics[name] for name in sorted(topics))
    text = text.translate(_ASCII_SPELLING).encode("ascii", "ignore").decode("ascii")
    if max_chars is not None:
        text = text[:max_chars]
    vocab = tuple(sorted(set(text)))
    lookup = np.zeros(max(map(ord, vocab)) + 1, dtype=np.int64)
    lookup[[ord(ch) for ch in vocab]] = np.arange(len(vocab))
    ids = torch.from_numpy(lookup[np.frombuffer(text.encode("ascii"), dtype=np.uint8)])
    num_valid = max(1, round(valid_fraction * len(ids)))
    return CharCorpus(vocab, ids[:-num_valid].clone(), ids[-num_valid:].clone())
