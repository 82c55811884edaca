"""Exercise 06_cnn: conv shapes, parameters, conv-ReLU, ReLU and pooling, a gradient, digits."""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path

import numpy as np

from relu_course.grading.judge import accuracy_at_least
from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import conv2d_forward, maxpool2d_forward

Array = np.ndarray

_DTYPES = (np.float32, np.float64)

#: The learner trains on the digits before this row of scikit-learn's digits and the grader
#: tests on the digits from it on, written by other people (the rows follow the writers).
TRAIN_SIZE = 1300

#: The least accuracy on hidden digits that ``predict_digits`` must reach. A softmax regression
#: trained as the exercise suggests reaches about 0.92 on them, a majority vote about 0.10.
DIGITS_ACCURACY = 0.85


def conv_output_shape(
    in_shape: tuple[int, int, int], out_channels: int, kernel: int, stride: int, padding: int
) -> tuple[int, int, int]:
    """The shape ``(C', H', W')`` of ``Conv2d(C, out_channels, kernel, stride, padding)``'s output.

    Each side is ``(n + 2 padding - kernel) // stride + 1``: the windows that fit, rounded down.
    """
    _, height, width = in_shape

    def side(n: int) -> int:
        return (n + 2 * padding - kernel) // stride + 1

    return (out_channels, side(height), side(width))


def convnet_num_params(in_channels: int, num_classes: int, image_size: int) -> int:
    """Weights and biases of the article's ConvNet on square ``image_size`` images.

    ``Conv2d(in_channels, 64, 3), ReLU, MaxPool2d(2), Conv2d(64, 128, 3), ReLU, MaxPool2d(2),
    Flatten, Linear(128 * s * s, num_classes)``, with ``s`` the side left after the two blocks
    (each convolution takes 2 off a side, each pooling halves it, rounding down).
    """
    side = ((image_size - 2) // 2 - 2) // 2
    conv1 = 64 * in_channels * 3 * 3 + 64
    conv2 = 128 * 64 * 3 * 3 + 128
    linear = 128 * side * side * num_classes + num_classes
    return conv1 + conv2 + linear


def conv_relu_forward(x: Array, w: Array, b: Array, padding: int) -> Array:
    """``relu(conv2d(x, w, b))`` with stride 1 and ``padding`` zeros on every side."""
    out, _ = conv2d_forward(x, w, b, stride=1, padding=padding)
    result: Array = np.maximum(out, 0).astype(np.result_type(x, w, b), copy=False)
    return result


def relu_maxpool(x: Array) -> Array:
    """ReLU then 2x2 max-pooling with stride 2, as ``MaxPool2d(2)(ReLU()(x))``.

    An odd last row or column is left out, as PyTorch does. The two commute: this equals
    max-pooling first, then ReLU, on a quarter of the values.
    """
    pooled, _ = maxpool2d_forward(x, kernel_size=2)
    out: Array = np.maximum(pooled, 0).astype(x.dtype, copy=False)
    return out


def global_max_pool_backward(dout: Array, x: Array) -> Array:
    """The gradient of ``x.max(axis=(2, 3))`` with respect to ``x``, given ``dout`` of shape (N, C).

    Each channel's gradient goes to the first position, in row-major order, of its largest
    value, as ``np.argmax`` finds it and as PyTorch's ``AdaptiveMaxPool2d(1)`` routes it on the
    CPU; every other position gets 0. The result has ``x``'s shape and dtype.
    """
    n, c, h, w = x.shape
    first = x.reshape(n, c, h * w).argmax(axis=2)
    dx = np.zeros((n, c, h * w), dtype=x.dtype)
    np.put_along_axis(dx, first[..., None], dout[..., None].astype(x.dtype), axis=2)
    return dx.reshape(x.shape)


@functools.cache
def digits() -> tuple[Array, Array]:
    """scikit-learn's 1,797 digits as ``(X, y)``: float64 pixels 0-16 of shape ``(1797, 64)``.

    Read from the file scikit-learn ships, without importing scikit-learn (which takes a
    second); the same arrays as ``sklearn.datasets.load_digits()``'s ``data`` and ``target``.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the digits need scikit-learn: pip install scikit-learn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    return table[:, :64].copy(), table[:, 64].astype(np.int64)


@functools.cache
def _labels_by_image() -> dict[bytes, int]:
    X, y = digits()
    return {image.astype(np.uint8).tobytes(): int(label) for image, label in zip(X, y, strict=True)}


def true_digit_labels(X: Array) -> Array:
    """The true label of each row of ``X``, a batch of scikit-learn's digits.

    The reference of ``predict_digits``: the grader looks the labels up rather than predicting
    them, and the question's rule scores the learner's predictions by their accuracy.

    Raises:
        KeyError: a row is not one of the digits.
    """
    table = _labels_by_image()
    images = np.asarray(X, dtype=np.float64)
    return np.array([table[row.astype(np.uint8).tobytes()] for row in images], dtype=np.int64)


# --------------------------------------------------------------------------- hidden cases


def _shape_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = [
        ((3, 32, 32), 64, 3, 1, 0),  # the article's first layer
        ((64, 15, 15), 128, 3, 1, 0),  # its second, after the first pooling
        ((3, 32, 32), 16, 3, 1, 1),  # "same" padding keeps the side
        ((1, 28, 28), 8, 5, 2, 0),  # 23 / 2 rounds down
        ((3, 7, 10), 4, 3, 2, 1),
        ((2, 5, 5), 3, 5, 1, 0),  # one window
        ((1, 9, 4), 2, 2, 3, 0),
    ]
    for _ in range(6):
        kernel = int(rng.integers(1, 6))
        stride = int(rng.integers(1, 4))
        padding = int(rng.integers(0, 3))
        h, w = (int(n) for n in rng.integers(kernel, 40, size=2))
        cases.append(
            ((int(rng.integers(1, 8)), h, w), int(rng.integers(1, 200)), kernel, stride, padding)
        )
    return cases


def _params_hidden(rng: np.random.Generator) -> list[Case]:
    # Sides that 4 does not divide: the floors of both poolings count.
    cases: list[Case] = [
        (3, 10, 30),
        (3, 10, 31),
        (1, 10, 29),
        (3, 100, 33),
        (1, 2, 10),
        (4, 7, 11),
    ]
    cases += [
        (int(rng.integers(1, 5)), int(rng.integers(2, 50)), int(rng.integers(10, 80)))
        for _ in range(4)
    ]
    return cases


def _conv_case(
    rng: np.random.Generator, n: int, c: int, f: int, side: tuple[int, int], k: int, dtype: type
) -> tuple[Array, Array, Array]:
    x: Array = rng.normal(size=(n, c, *side)).astype(dtype)
    w: Array = rng.normal(size=(f, c, k, k)).astype(dtype)
    b: Array = rng.normal(size=f).astype(dtype)
    return x, w, b


def _conv_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for n, c, f, side, k, padding in [
            (1, 1, 1, (3, 3), 3, 0),
            (2, 3, 4, (6, 5), 3, 1),
            (1, 2, 3, (5, 7), 2, 2),
            (2, 3, 2, (4, 4), 1, 0),
            (1, 3, 2, (2, 3), 3, 1),  # smaller than the kernel: only padding makes it fit
        ]:
            cases.append((*_conv_case(rng, n, c, f, side, k, dtype), padding))
    # Small whole numbers: many outputs exactly 0.
    x = rng.integers(-1, 2, size=(2, 2, 5, 5)).astype(np.float64)
    w = rng.integers(-1, 2, size=(3, 2, 3, 3)).astype(np.float64)
    cases.append((x, w, np.zeros(3), 1))
    return cases


def _pool_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for shape in [(1, 1, 2, 2), (2, 3, 4, 6), (1, 2, 5, 5), (2, 1, 7, 4), (1, 1, 3, 2)]:
            cases.append((rng.normal(size=shape).astype(dtype),))
    cases.append((-np.abs(rng.normal(size=(1, 2, 4, 4))),))  # all negative: all zeros
    cases.append((rng.integers(-2, 3, size=(2, 2, 6, 5)).astype(np.float64),))  # ties
    return cases


def _global_max_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for shape in [(1, 1, 1, 1), (2, 3, 4, 5), (1, 2, 1, 7), (3, 1, 6, 1), (2, 4, 3, 3)]:
            x = rng.normal(size=shape).astype(dtype)
            cases.append((rng.normal(size=shape[:2]).astype(dtype), x))
    # Ties: small whole numbers, and channels a ReLU silenced (0 at every position).
    x = rng.integers(-1, 2, size=(2, 3, 4, 4)).astype(np.float64)
    cases.append((rng.normal(size=(2, 3)), x))
    x = np.maximum(rng.normal(size=(2, 4, 3, 5)), 0.0)
    x[:, ::2] = 0.0
    cases.append((rng.normal(size=(2, 4)), x))
    return cases


def _digits_hidden(rng: np.random.Generator) -> list[Case]:
    X, _ = digits()
    test = X[TRAIN_SIZE:]
    order = rng.permutation(len(test))
    return [(test[order],), (test[order[:200]],)]


_PUBLIC_RNG = np.random.default_rng(6)

EXERCISE = Exercise(
    id="06_cnn",
    title="Convolutional networks",
    questions=(
        Question(
            id="conv_output_shape",
            points=1,
            kind="function",
            prompt="conv_output_shape(in_shape, out_channels, kernel, stride, padding) returns "
            "the (channels, height, width) of a Conv2d layer's output",
            reference=conv_output_shape,
            public_cases=(
                ((3, 32, 32), 64, 3, 1, 0),
                ((1, 28, 28), 6, 5, 1, 2),
                ((3, 9, 9), 8, 3, 2, 0),
                # The stride divides 7 - 3 but not 10 - 3: 7 / 2 rounds down.
                ((1, 7, 10), 4, 3, 2, 0),
            ),
            hidden_cases=_shape_hidden,
        ),
        Question(
            id="convnet_num_params",
            points=2,
            kind="function",
            prompt="convnet_num_params(in_channels, num_classes, image_size) returns the number "
            "of weights and biases of the article's ConvNet",
            reference=convnet_num_params,
            # Side 31: 31 - 2 = 29 halves to 14 (rounding down), 14 - 2 = 12 to s = 6.
            public_cases=((3, 10, 32), (1, 10, 28), (3, 2, 64), (1, 10, 31)),
            hidden_cases=_params_hidden,
        ),
        Question(
            id="conv_relu_forward",
            points=2,
            kind="function",
            prompt="conv_relu_forward(x, w, b, padding) returns relu(conv2d(x, w, b)) with "
            "stride 1 and zero padding, in x's dtype",
            reference=conv_relu_forward,
            public_cases=(
                (
                    np.arange(16.0).reshape(1, 1, 4, 4) - 6.0,
                    np.array([[[[1.0, 0.0], [0.0, -1.0]]]]),
                    np.array([0.5]),
                    0,
                ),
                (*_conv_case(_PUBLIC_RNG, 2, 3, 2, (5, 5), 3, np.float64), 0),
                (*_conv_case(_PUBLIC_RNG, 1, 2, 3, (4, 6), 3, np.float32), 0),
                # One zero of padding on every side: a 3x3 input keeps its size.
                (
                    np.arange(9.0).reshape(1, 1, 3, 3) - 4.0,
                    np.ones((1, 1, 3, 3)),
                    np.array([0.0]),
                    1,
                ),
            ),
            hidden_cases=_conv_hidden,
            rtol=1e-5,
            atol=1e-5,
        ),
        Question(
            id="relu_maxpool",
            points=2,
            kind="function",
            prompt="relu_maxpool(x) returns ReLU then 2x2 max-pooling with stride 2 of an "
            "(N, C, H, W) array, dropping an odd last row or column, in x's dtype",
            reference=relu_maxpool,
            public_cases=(
                (np.array([[[[1.0, -2.0, 3.0, 0.0], [-1.0, 0.5, -3.0, -4.0]]]]),),
                (_PUBLIC_RNG.normal(size=(2, 3, 4, 6)).astype(np.float32),),
                # Odd sides: the last row and the last column are dropped.
                (np.array([[[[1.0, -2.0, 5.0], [3.0, 0.5, 7.0], [9.0, 9.0, 9.0]]]]),),
            ),
            hidden_cases=_pool_hidden,
            atol=0.0,
        ),
        Question(
            id="global_max_pool_backward",
            points=2,
            kind="function",
            prompt="global_max_pool_backward(dout, x) returns the gradient of "
            "x.max(axis=(2, 3)) with respect to x: dout at the first position of each "
            "channel's largest value, 0 elsewhere, in x's dtype",
            reference=global_max_pool_backward,
            public_cases=(
                (
                    np.array([[10.0, 20.0]]),
                    np.array([[[[1.0, 4.0], [3.0, 2.0]], [[-1.0, -5.0], [-2.0, -0.5]]]]),
                ),
                (
                    _PUBLIC_RNG.normal(size=(2, 3)).astype(np.float32),
                    _PUBLIC_RNG.normal(size=(2, 3, 4, 5)).astype(np.float32),
                ),
                # A tie: the two 3s; the gradient goes to the first, in row-major order.
                (np.array([[5.0]]), np.array([[[[1.0, 3.0], [3.0, 2.0]]]])),
            ),
            hidden_cases=_global_max_hidden,
            atol=0.0,
        ),
        Question(
            id="predict_digits",
            points=3,
            kind="function",
            prompt="predict_digits(X) returns the predicted class (0-9) of each row of X, "
            "a batch of 8x8 digits; it is scored by its accuracy on digits it was not "
            f"trained on, at least {DIGITS_ACCURACY}",
            reference=true_digit_labels,
            public_cases=((digits()[0][:40],),),
            hidden_cases=_digits_hidden,
            score=accuracy_at_least(DIGITS_ACCURACY),
        ),
    ),
)
