"""relu_course.data: the bundled digits, the coloured digits and their boxes, the shared split."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits as sklearn_load_digits

from relu_course.data import (
    BACKGROUND,
    CharCorpus,
    Split,
    char_corpus,
    coloured_digits,
    load_digits,
)

FIELDS = ("X_train", "y_train", "X_test", "y_test", "boxes_train", "boxes_test")


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits() -> Split:
    return load_digits(flatten=False)


@pytest.fixture(scope="module")
def clean() -> Split:
    return coloured_digits(noise=0.0)


@pytest.fixture(scope="module")
def noisy() -> Split:
    return coloured_digits()


def assert_same(a: Split, b: Split) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype, name
            assert torch.equal(x, y), name


def alpha_of(clean_images: torch.Tensor) -> torch.Tensor:
    """The digit's opacity, recovered from a noiseless image: the colour's brightest channel is
    1, so the brightest channel of a pixel is BACKGROUND + alpha * (1 - BACKGROUND)."""
    return (clean_images.amax(dim=1) - BACKGROUND) / (1 - BACKGROUND)


def crop(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    rows = mask.any(dim=1).nonzero().flatten()
    cols = mask.any(dim=0).nonzero().flatten()
    return image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm() + 1e-12))


def digit_correlations(images: torch.Tensor, sources: torch.Tensor, shift: int = 0) -> torch.Tensor:
    """For each clean image, the correlation of its digit (cropped to its box and shrunk back)
    with source digit i + shift (cropped to its nonzero pixels)."""
    alpha = alpha_of(images)
    out = []
    for i in range(len(images)):
        source = sources[(i + shift) % len(sources)]
        source = crop(source, source > 0)
        rendered = crop(alpha[i], alpha[i] > 0)
        small = F.adaptive_avg_pool2d(rendered[None, None], tuple(source.shape))[0, 0]
        out.append(correlation(small, source))
    return torch.tensor(out)


# load_digits


def test_load_digits_shapes_dtypes_and_ranges():
    split = load_digits()
    assert split.X_train.shape == (1347, 64)
    assert split.X_test.shape == (450, 64)
    assert split.y_train.shape == (1347,)
    assert split.y_test.shape == (450,)
    assert split.X_train.dtype == split.X_test.dtype == torch.float32
    assert split.y_train.dtype == split.y_test.dtype == torch.int64
    assert split.boxes_train is None
    assert split.boxes_test is None
    X = torch.cat([split.X_train, split.X_test])
    assert float(X.min()) == 0.0
    assert float(X.max()) == 1.0
    # Pixels are sklearn's 0..16 divided by 16, exactly.
    assert torch.equal(X * 16, (X * 16).round())
    assert set(torch.cat([split.y_train, split.y_test]).tolist()) == set(range(10))


def test_load_digits_holds_every_sklearn_digit_once_with_its_label():
    bunch = sklearn_load_digits()
    expected = Counter(
        (row.astype(np.float32).tobytes(), int(t))
        for row, t in zip(bunch.data / 16, bunch.target, strict=True)
    )
    split = load_digits()
    got = Counter(
        (row.numpy().tobytes(), int(t))
        for X, y in ((split.X_train, split.y_train), (split.X_test, split.y_test))
        for row, t in zip(X, y, strict=True)
    )
    assert got == expected


def test_load_digits_flatten_false_gives_the_same_images_row_major(digits):
    flat = load_digits()
    assert digits.X_train.shape == (1347, 1, 8, 8)
    assert torch.equal(digits.X_train.reshape(-1, 64), flat.X_train)
    assert torch.equal(digits.y_test, flat.y_test)
    # Row-major: the sklearn image array, not its transpose.
    bunch = sklearn_load_digits()
    first = torch.from_numpy(bunch.images / 16).float()
    matches = [torch.equal(image[0], first[0]) for image in digits.X_train] + [
        torch.equal(image[0], first[0]) for image in digits.X_test
    ]
    assert any(matches)


def test_load_digits_split_is_stratified():
    split = load_digits(test_fraction=0.25)
    train = torch.bincount(split.y_train, minlength=10)
    test = torch.bincount(split.y_test, minlength=10)
    share = test.double() / (train + test).double()
    assert torch.all((share - 0.25).abs() < 0.01), share


def test_load_digits_is_deterministic_and_seed_dependent():
    assert_same(load_digits(seed=3), load_digits(seed=3))
    assert not torch.equal(load_digits(seed=3).y_train, load_digits(seed=4).y_train)


def test_load_digits_test_fraction_sets_the_test_size():
    assert len(load_digits(test_fraction=0.1).y_test) == 180  # ceil(0.1 * 1797)


# coloured_digits


def test_coloured_digits_shapes_dtypes_and_ranges(noisy):
    assert noisy.X_train.shape == (1347, 3, 32, 32)
    assert noisy.X_test.shape == (450, 3, 32, 32)
    assert noisy.X_train.dtype == torch.float32
    assert noisy.y_train.dtype == torch.int64
    assert noisy.boxes_train is not None
    assert noisy.boxes_test is not None
    assert noisy.boxes_train.shape == (1347, 4)
    assert noisy.boxes_test.shape == (450, 4)
    assert noisy.boxes_train.dtype == torch.float32
    for X in (noisy.X_train, noisy.X_test):
        assert float(X.min()) >= 0.0
        assert float(X.max()) <= 1.0
    for boxes in (noisy.boxes_train, noisy.boxes_test):
        x1, y1, x2, y2 = boxes.unbind(dim=1)
        assert bool((boxes >= 0).all())
        assert bool((boxes <= 1).all())
        assert bool((x1 < x2).all())
        assert bool((y1 < y2).all())
        # Box edges are pixel edges of the 32-pixel canvas.
        assert torch.equal(boxes * 32, (boxes * 32).round())


def test_coloured_digits_is_deterministic_bit_for_bit(noisy):
    assert_same(coloured_digits(), noisy)
    other = coloured_digits(seed=1)
    assert not torch.equal(other.X_train, noisy.X_train)


def test_layout_does_not_depend_on_the_noise(clean, noisy):
    assert noisy.boxes_train is not None
    assert clean.boxes_train is not None
    assert torch.equal(clean.boxes_train, noisy.boxes_train)
    assert torch.equal(clean.y_train, noisy.y_train)
    # The noisy image is the clean one plus noise of std 0.1 (then clipped).
    diff = noisy.X_train - clean.X_train
    assert 0.05 < float(diff.std()) < 0.11
    assert float(diff.abs().max()) < 0.7


@pytest.mark.parametrize("part", ["train", "test"])
def test_box_is_tight_around_the_rendered_digit(clean, part):
    X = getattr(clean, f"X_{part}")
    boxes = getattr(clean, f"boxes_{part}")
    # Without noise, a pixel is background exactly when all channels equal BACKGROUND.
    mask = (X != BACKGROUND).any(dim=1)
    assert bool(mask.any(dim=(1, 2)).all())
    size = X.shape[-1]
    cols, rows = mask.any(dim=1), mask.any(dim=2)
    index = torch.arange(size)
    expected = torch.stack(
        [
            torch.where(cols, index, size).amin(dim=1),
            torch.where(rows, index, size).amin(dim=1),
            torch.where(cols, index, -1).amax(dim=1) + 1,
            torch.where(rows, index, -1).amax(dim=1) + 1,
        ],
        dim=1,
    ).float()
    assert torch.equal(boxes * size, expected)


def test_digit_sizes_cover_the_documented_scale(clean):
    assert clean.boxes_train is not None
    sides = (clean.boxes_train[:, 2:] - clean.boxes_train[:, :2]) * 32
    # The digits' own 8x8 frames are 16..28 pixels; their strokes fill most of the frame.
    assert float(sides.max()) <= 28
    assert float(sides.amax(dim=1).min()) >= 8
    assert float(sides.amax(dim=1).max()) >= 24


def test_strokes_are_clearly_brighter_than_the_background(clean, noisy):
    mask = alpha_of(clean.X_train) > 0
    bright = noisy.X_train.amax(dim=1)
    inside = (bright * mask).sum(dim=(1, 2)) / mask.sum(dim=(1, 2))
    outside = (bright * ~mask).sum(dim=(1, 2)) / (~mask).sum(dim=(1, 2))
    assert float((inside - outside).min()) > 0.2
    assert float(inside.mean()) > 0.5
    assert float(outside.mean()) < 0.25
    # Fully opaque stroke pixels carry the colour, whose brightest channel is 1.
    opaque = alpha_of(clean.X_train) > 0.999
    assert bool(opaque.any())


def test_colours_vary_between_images(clean):
    alpha = alpha_of(clean.X_train)
    index = alpha.flatten(1).argmax(dim=1)
    colours = clean.X_train.flatten(2)[torch.arange(len(index)), :, index]
    assert float(colours.std(dim=0).min()) > 0.1


def test_images_show_the_same_digits_as_load_digits_in_the_same_order(clean, digits):
    """Shrinking each rendered digit back to its source's frame recovers that source: this
    checks orientation (no transpose or flip), the box, and the shared split and order."""
    for part in ("train", "test"):
        images = getattr(clean, f"X_{part}")
        sources = getattr(digits, f"X_{part}")[:, 0]
        assert torch.equal(getattr(clean, f"y_{part}"), getattr(digits, f"y_{part}"))
        matched = digit_correlations(images, sources)
        assert float(matched.min()) > 0.75
        assert float(matched.mean()) > 0.9
        mismatched = digit_correlations(images[:200], sources, shift=1)
        assert float(mismatched.mean()) < 0.6


def test_copies_repeat_each_digit_with_a_new_layout(clean, digits):
    two = coloured_digits(copies=2, noise=0.0)
    n_train, n_test = len(digits.y_train), len(digits.y_test)
    assert two.X_train.shape == (2 * n_train, 3, 32, 32)
    assert two.X_test.shape == (2 * n_test, 3, 32, 32)
    assert torch.equal(two.y_train, digits.y_train.repeat(2))
    assert torch.equal(two.y_test, digits.y_test.repeat(2))
    first, second = two.X_train[:n_train], two.X_train[n_train:]
    assert not torch.equal(first, second)
    assert two.boxes_train is not None
    assert (
        float((two.boxes_train[:n_train] != two.boxes_train[n_train:]).any(dim=1).float().mean())
        > 0.9
    )
    # Both copies still show their source digit.
    sources = digits.X_train[:, 0]
    assert float(digit_correlations(second[:300], sources[:300]).mean()) > 0.9


def test_split_is_shared_with_load_digits_for_other_seeds_and_fractions():
    for seed, fraction in ((5, 0.25), (0, 0.4)):
        coloured = coloured_digits(seed=seed, test_fraction=fraction)
        grey = load_digits(seed=seed, test_fraction=fraction)
        assert torch.equal(coloured.y_train, grey.y_train)
        assert torch.equal(coloured.y_test, grey.y_test)


def test_other_sizes_and_scales():
    small = coloured_digits(size=28, noise=0.0)
    assert small.X_train.shape[-1] == 28
    tiny = coloured_digits(size=16, scale=(1.0, 2.0), noise=0.0)
    assert tiny.X_test.shape == (450, 3, 16, 16)
    assert tiny.boxes_test is not None
    assert float(((tiny.boxes_test[:, 2:] - tiny.boxes_test[:, :2]) * 16).max()) <= 16


# Argument checks


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": 27}, r"size=27 is too small .* 28"),
        ({"size": 20, "scale": (1.0, 3.0)}, r"size=20 is too small"),
        ({"size": 0}, r"size must be at least 1"),
        ({"copies": 0}, r"copies must be at least 1, got 0"),
        ({"noise": -0.1}, r"noise .* >= 0, got -0.1"),
        ({"noise": float("nan")}, r"noise .* finite"),
        ({"test_fraction": 0.0}, r"test_fraction must be in \(0, 1\), got 0.0"),
        ({"test_fraction": 1.0}, r"test_fraction must be in \(0, 1\)"),
        ({"test_fraction": -0.2}, r"test_fraction must be in \(0, 1\)"),
        ({"test_fraction": 0.001}, r"at least 10 \(one per class\)"),
        ({"seed": -1}, r"seed must be at least 0"),
        ({"seed": 2**32}, r"seed must be below 2\*\*32"),
        ({"scale": (0.5, 2.0)}, r"scale must be a pair .* 1 <= low <= high"),
        ({"scale": (3.0, 2.0)}, r"scale must be a pair"),
        ({"device": "cuda:99"}, r"not available"),
        ({"device": "nonsense"}, r"not a device"),
    ],
)
def test_coloured_digits_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        coloured_digits(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": 32.0}, r"size must be an int, got float"),
        ({"copies": "2"}, r"copies must be an int"),
        ({"noise": "0.1"}, r"noise must be a float"),
    ],
)
def test_coloured_digits_rejects_wrong_types(kwargs, match):
    with pytest.raises(TypeError, match=match):
        coloured_digits(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"test_fraction": 1.5}, r"load_digits: test_fraction must be in \(0, 1\), got 1.5"),
        ({"seed": -3}, r"load_digits: seed must be at least 0"),
        ({"device": "cuda:99"}, r"load_digits: device .* not available"),
    ],
)
def test_load_digits_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits(**kwargs)


# Split


def test_split_to_copies_every_tensor_and_keeps_the_original(noisy):
    moved = noisy.to("cpu")
    assert moved is not noisy
    assert_same(moved, noisy)
    assert moved.boxes_train is not None
    plain = load_digits().to(torch.device("cpu"))
    assert plain.boxes_train is None
    assert plain.boxes_test is None
    with pytest.raises(ValueError, match=r"Split\.to: device"):
        noisy.to("cuda:99")


def test_split_is_frozen_and_has_a_short_repr(noisy):
    with pytest.raises(AttributeError):
        noisy.X_train = noisy.X_test  # type: ignore[misc]
    text = repr(noisy)
    assert text.startswith("Split(X_train=(1347, 3, 32, 32) float32, y_train=(1347,) int64")
    assert "boxes_test=(450, 4) float32" in text
    assert len(text) < 300


@pytest.mark.gpu
def test_loaders_put_the_tensors_on_the_gpu():
    split = coloured_digits(device="cuda")
    for name in FIELDS:
        assert getattr(split, name).device.type == "cuda"
    assert_same(split.to("cpu"), coloured_digits())
    assert load_digits(device="cuda").X_test.device.type == "cuda"


@pytest.fixture(scope="module")
def corpus() -> CharCorpus:
    return char_corpus()


def test_the_corpus_is_pythons_help_text_in_ascii(corpus):
    from pydoc_data.topics import topics

    text = corpus.decode(torch.cat([corpus.train, corpus.valid]))
    assert text.isascii()
    assert corpus.vocab == tuple(sorted(set(text)))
    assert 80 <= corpus.vocab_size <= 100
    # Every topic's ASCII lines are there, in the order of the topic names.
    first, last = sorted(topics)[0], sorted(topics)[-1]
    assert text.startswith(topics[first][:200])
    assert text.index(topics[first][:200]) < text.index(topics[last][:200])
    # typographic quotes were spelled in ASCII, not dropped
    assert "\u201c" in "".join(topics.values())
    assert text.count('"') > "".join(topics.values()).count('"')


def test_the_validation_part_is_the_end_of_the_text(corpus):
    total = len(corpus.train) + len(corpus.valid)
    assert len(corpus.valid) == round(0.1 * total)
    small = char_corpus(max_chars=1000, valid_fraction=0.25)
    assert (len(small.train), len(small.valid)) == (750, 250)
    np.testing.assert_array_equal(
        small.encode(corpus.decode(torch.cat([corpus.train, corpus.valid])[:1000])),
        torch.cat([small.train, small.valid]),
    )


def test_encode_and_decode_are_inverse_and_refuse_strangers(corpus):
    text = "def relu(x):\n    return max(0, x)"
    ids = corpus.encode(text)
    assert ids.dtype == torch.int64
    assert corpus.decode(ids) == text
    assert corpus.decode(ids.tolist()) == text
    with pytest.raises(ValueError, match="not in the vocabulary"):
        corpus.encode("ReLU \u2265 0")
    with pytest.raises(ValueError, match=r"ids must be in 0 \.\."):
        corpus.decode([0, corpus.vocab_size])


def test_batches_are_shifted_windows_covering_the_part_once():
    # A part whose ids are their own positions shows where each window was cut.
    positions = torch.arange(95)
    toy = CharCorpus(tuple(chr(32 + i) for i in range(95)), positions, positions)
    seq_len, batch_size = 6, 4
    for seed in range(5):
        pairs = list(toy.batches(seq_len=seq_len, batch_size=batch_size, seed=seed))
        assert all(len(x) == batch_size for x, _ in pairs[:-1])
        X = torch.cat([x for x, _ in pairs])
        Y = torch.cat([y for _, y in pairs])
        assert X.shape[1] == Y.shape[1] == seq_len
        assert X.dtype == torch.int64
        starts = X[:, 0]
        for x, y, start in zip(X, Y, starts.tolist(), strict=True):
            assert torch.equal(x, torch.arange(start, start + seq_len))
            assert torch.equal(y, x + 1)  # each input's next character
        # non-overlapping windows of seq_len + 1 from one offset below seq_len, each once
        offset = int(starts.min())
        assert offset < seq_len
        assert sorted(starts.tolist()) == list(range(offset, 95 - seq_len, seq_len + 1))
        assert len(starts) == (95 - offset) // (seq_len + 1)


def test_batches_are_seeded(corpus):
    def first(seed):
        return next(corpus.batches(seq_len=10, batch_size=4, seed=seed))[0]

    assert torch.equal(first(0), first(0))
    assert not torch.equal(first(0), first(1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"part": "test", "seq_len": 4, "batch_size": 2}, "part must be"),
        ({"seq_len": 0, "batch_size": 2}, "seq_len must be at least 1"),
        ({"seq_len": 4, "batch_size": 0}, "batch_size must be at least 1"),
        ({"seq_len": 10**7, "batch_size": 2}, "too few for one window"),
    ],
)
def test_bad_batch_arguments_are_clear_errors(corpus, kwargs, message):
    with pytest.raises(ValueError, match=message):
        next(corpus.batches(**kwargs))


def test_bad_corpus_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="max_chars must be at least 100"):
        char_corpus(max_chars=10)
    with pytest.raises(ValueError, match=r"valid_fraction must be in \(0, 1\)"):
        char_corpus(valid_fraction=1.0)


def test_the_unigram_baseline_is_the_entropy_of_the_training_frequencies(corpus):
    counts = Counter(corpus.decode(corpus.train))
    total = sum(counts.values()) + corpus.vocab_size  # add-one smoothing
    p = {ch: (counts[ch] + 1) / total for ch in corpus.vocab}
    text = corpus.decode(corpus.valid)
    expected = -sum(np.log(p[ch]) for ch in text) / len(text)
    assert corpus.unigram_loss() == pytest.approx(expected, rel=1e-9)
    # far below a uniform guess over the vocabulary, which knows nothing
    assert corpus.unigram_loss() < np.log(corpus.vocab_size) - 0.8
