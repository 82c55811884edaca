"""Exercise 05_feedforward: the encoder's parameters and gradients, Dropout, box IoU, a baseline."""

from __future__ import annotations

import itertools

import numpy as np

from relu_course.grading.questions import Case, Exercise, Question
from relu_course.numpy_nn import affine_relu_backward as _affine_relu_backward
from relu_course.numpy_nn import affine_relu_forward as _affine_relu_forward

Array = np.ndarray

_DTYPES = (np.float16, np.float32, np.float64)


def box_regressor_num_params(input_size: int, hidden_size: int) -> int:
    """Weights and biases of the encoder and the box head, for these sizes.

    The encoder is ``Linear(input_size, h), ReLU, Dropout, Linear(h, h // 2), ReLU`` and the
    head ``Linear(h // 2, h // 4), ReLU, Linear(h // 4, 4)``; ReLU and Dropout have no
    parameters, and ``//`` rounds down.
    """
    sizes = (input_size, hidden_size, hidden_size // 2, hidden_size // 4, 4)
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))


def affine_relu_backward(dout: Array, x: Array, w: Array, b: Array) -> tuple[Array, Array, Array]:
    """The gradients ``(dx, dw, db)`` of ``relu(x @ w + b)`` given ``dout`` (ReLU'(0) = 0)."""
    _, cache = _affine_relu_forward(x, w, b)
    return _affine_relu_backward(dout, cache)


def dropout_forward(x: Array, p: float, mask: Array) -> Array:
    """Inverted dropout in training mode: ``x * mask / (1 - p)``, zeros when ``p == 1``.

    ``mask`` is the boolean keep mask (True where the unit is kept). Scaling the kept units by
    ``1 / (1 - p)`` keeps each unit's expected value, so evaluation needs no rescaling. With
    ``p == 1`` every unit is dropped and the output is zeros, as ``torch.nn.functional.dropout``.
    """
    if p == 1:
        return np.zeros_like(x)
    out: Array = (x * mask * (1.0 / (1.0 - p))).astype(x.dtype, copy=False)
    return out


def _areas(boxes: Array) -> Array:
    """Areas of ``(x1, y1, x2, y2)`` boxes; an inverted side (``x2 < x1``) has length 0."""
    width = np.maximum(boxes[:, 2] - boxes[:, 0], 0.0)
    height = np.maximum(boxes[:, 3] - boxes[:, 1], 0.0)
    out: Array = width * height
    return out


def box_iou(a: Array, b: Array) -> Array:
    """Intersection over union of each row of ``a`` with the same row of ``b``.

    Boxes are ``(x1, y1, x2, y2)``; a side with ``x2 < x1`` (or ``y2 < y1``) has length 0, as
    does the overlap of two intervals that do not meet. The IoU is 0 where the union is 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    left = np.maximum(a[:, 0], b[:, 0])
    top = np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 2], b[:, 2])
    bottom = np.minimum(a[:, 3], b[:, 3])
    inter = np.maximum(right - left, 0.0) * np.maximum(bottom - top, 0.0)
    union = _areas(a) + _areas(b) - inter
    out: Array = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return out


def mean_box_baseline(train_boxes: Array, test_boxes: Array) -> float:
    """The mean IoU on ``test_boxes`` of predicting the mean of ``train_boxes`` for every box."""
    mean_box = np.asarray(train_boxes, dtype=np.float64).mean(axis=0)
    predicted = np.broadcast_to(mean_box, np.shape(test_boxes))
    return float(box_iou(predicted, test_boxes).mean())


# --------------------------------------------------------------------------- hidden cases


def _params_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = [
        (int(n), int(h))
        for n, h in zip(rng.integers(1, 5000, size=4), rng.integers(4, 1024, size=4), strict=True)
    ]
    # Widths that 2 and 4 do not divide: the floors of h // 2 and h // 4 count.
    cases += [(784, 4), (10, 5), (3, 6), (1, 7), (2, 9), (100, 10), (64, 255), (3072, 1023)]
    return cases


def _affine_case(rng: np.random.Generator, n: int, d: int, m: int, dtype: type) -> Case:
    x = rng.normal(size=(n, d))
    w = rng.normal(size=(d, m))
    b = rng.normal(size=m)
    dout = rng.normal(size=(n, m))
    return tuple(a.astype(dtype) for a in (dout, x, w, b))


def _integer_case(rng: np.random.Generator, n: int, d: int, m: int, dtype: type) -> Case:
    """Small integers: many pre-activations are exactly 0, at ReLU's kink."""
    x = rng.integers(-2, 3, size=(n, d))
    w = rng.integers(-1, 2, size=(d, m))
    b = rng.integers(-1, 2, size=m)
    dout = rng.normal(size=(n, m))
    return tuple(a.astype(dtype) for a in (dout, x, w, b))


def _affine_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in (np.float32, np.float64):
        for n, d, m in [(1, 1, 1), (1, 5, 3), (4, 1, 6), (8, 6, 4), (16, 12, 10)]:
            cases.append(_affine_case(rng, n, d, m, dtype))
            cases.append(_integer_case(rng, n, d, m, dtype))
    # Every pre-activation exactly 0: all gradients are 0.
    cases.append((np.ones((3, 2)), np.zeros((3, 4)), np.ones((4, 2)), np.zeros(2)))
    return cases


def _dropout_case(rng: np.random.Generator, shape: tuple[int, ...], p: float, dtype: type) -> Case:
    x: Array = rng.normal(scale=2.0, size=shape).astype(dtype)
    mask = rng.random(size=shape) >= p
    return (x, p, mask)


def _dropout_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for dtype in _DTYPES:
        for shape, p in [((7,), 0.2), ((3, 4), 0.5), ((2, 3, 5), 0.9), ((64, 32), 0.2)]:
            cases.append(_dropout_case(rng, shape, p, dtype))
        cases.append(_dropout_case(rng, (4, 5), 0.0, dtype))  # keeps everything, scale 1
        cases.append(_dropout_case(rng, (4, 5), 1.0, dtype))  # drops everything
        cases.append(_dropout_case(rng, (1,), 1.0, dtype))
    return cases


def _random_boxes(rng: np.random.Generator, n: int) -> Array:
    corner = rng.uniform(0.0, 20.0, size=(n, 2))
    size = rng.uniform(0.5, 12.0, size=(n, 2))
    return np.concatenate([corner, corner + size], axis=1)


def _iou_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = [(_random_boxes(rng, n), _random_boxes(rng, n)) for n in (1, 5, 50)]
    # Near each other, so that most pairs overlap.
    a = _random_boxes(rng, 30)
    cases.append((a, a + rng.normal(scale=1.5, size=a.shape)))
    unit = [0.0, 0.0, 2.0, 2.0]
    pairs = [
        (unit, [3.0, 3.0, 5.0, 5.0]),  # apart in both x and y
        ([3.0, 3.0, 5.0, 5.0], unit),
        (unit, [-4.0, -4.0, -1.0, -1.0]),
        (unit, [2.0, 0.0, 4.0, 2.0]),  # touching along an edge
        (unit, [2.0, 2.0, 3.0, 3.0]),  # touching at a corner
        (unit, [0.5, 0.5, 1.5, 1.5]),  # nested
        ([-1.0, -1.0, 3.0, 3.0], unit),
        (unit, unit),  # identical
        ([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]),  # identical points: union 0
        ([1.0, 0.0, 1.0, 2.0], [1.0, 0.0, 1.0, 2.0]),  # identical segments: union 0
        ([1.0, 0.0, 1.0, 2.0], unit),  # a segment inside a box
        ([2.0, 2.0, 0.0, 0.0], unit),  # inverted: x2 < x1 and y2 < y1, area 0
        ([2.0, 0.0, 0.0, 2.0], [0.0, 0.0, 2.0, 2.0]),  # inverted in x only
        ([2.0, 2.0, 0.0, 0.0], [2.0, 2.0, 0.0, 0.0]),  # two inverted boxes: union 0
        ([0.0, 0.0, 1e-9, 1e-9], [0.0, 0.0, 1e-9, 1e-9]),  # tiny but not zero: IoU 1
    ]
    cases.append((np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])))
    cases.append((np.zeros((0, 4)), np.zeros((0, 4))))
    return cases


def _baseline_hidden(rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    for n_train, n_test in [(1, 1), (2, 5), (10, 10), (200, 50), (1000, 300)]:
        cases.append((_random_boxes(rng, n_train), _random_boxes(rng, n_test)))
    # Boxes around one spot: the mean box is a good guess.
    centre = _random_boxes(rng, 1)
    cases.append((centre + rng.normal(size=(100, 4)), centre + rng.normal(size=(40, 4))))
    # Two clusters far apart: the mean box lies between them and meets neither.
    left, right = np.array([0.0, 0.0, 2.0, 2.0]), np.array([20.0, 20.0, 22.0, 22.0])
    cases.append((np.array([left, right] * 5), np.array([left, right, left])))
    return cases


_PUBLIC_RNG = np.random.default_rng(5)

EXERCISE = Exercise(
    id="05_feedforward",
    title="The feed-forward network and box regression",
    questions=(
        Question(
            id="box_regressor_num_params",
            points=1,
            kind="function",
            prompt="box_regressor_num_params(input_size, hidden_size) returns the number of "
            "weights and biases of the feed-forward encoder followed by the box head",
            reference=box_regressor_num_params,
            # 7 is odd and 4 does not divide it: 7 // 2 = 3 and 7 // 4 = 1 round down.
            public_cases=((784, 256), (64, 32), (10, 8), (10, 7)),
            hidden_cases=_params_hidden,
        ),
        Question(
            id="affine_relu_backward",
            points=2,
            kind="function",
            prompt="affine_relu_backward(dout, x, w, b) returns the gradients (dx, dw, db) of "
            "relu(x @ w + b) given dout, with ReLU'(0) = 0, in the inputs' dtype",
            reference=affine_relu_backward,
            public_cases=(
                (
                    np.ones((2, 2)),
                    np.array([[1.0, -2.0], [0.5, 3.0]]),
                    np.array([[1.0, -1.0], [0.5, 2.0]]),
                    np.array([0.5, -1.0]),
                ),
                _affine_case(_PUBLIC_RNG, 4, 3, 5, np.float64),
                _affine_case(_PUBLIC_RNG, 3, 2, 2, np.float32),
                # Pre-activations 3 and exactly 0: the gate is closed at 0.
                (
                    np.ones((1, 2)),
                    np.array([[1.0, 2.0]]),
                    np.array([[1.0, 2.0], [1.0, -1.0]]),
                    np.zeros(2),
                ),
            ),
            hidden_cases=_affine_hidden,
            rtol=1e-5,
            atol=1e-5,
        ),
        Question(
            id="dropout_forward",
            points=2,
            kind="function",
            prompt="dropout_forward(x, p, mask) returns inverted dropout in training mode, "
            "x * mask / (1 - p), and zeros when p = 1, in x's dtype",
            reference=dropout_forward,
            public_cases=(
                (np.array([1.0, -2.0, 3.0, 4.0]), 0.5, np.array([True, False, True, True])),
                _dropout_case(_PUBLIC_RNG, (3, 4), 0.2, np.float32),
                # p = 1 drops every unit: zeros, not the NaN of 0 / 0.
                (np.array([1.0, -2.0, 3.0]), 1.0, np.array([False, False, False])),
            ),
            hidden_cases=_dropout_hidden,
            atol=0.0,
        ),
        Question(
            id="box_iou",
            points=3,
            kind="function",
            prompt="box_iou(a, b) returns the intersection over union of each row of a with "
            "the same row of b, for (x1, y1, x2, y2) boxes, 0 where the union is 0",
            reference=box_iou,
            public_cases=(
                (
                    np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 4.0, 4.0]]),
                    np.array([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0], [1.0, 1.0, 3.0, 2.0]]),
                ),
                (np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[3.0, 0.0, 5.0, 2.0]])),
                (_random_boxes(_PUBLIC_RNG, 6), _random_boxes(_PUBLIC_RNG, 6)),
                # Apart along both axes, then two identical tiny boxes (IoU 1).
                (
                    np.array([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1e-9, 1e-9]]),
                    np.array([[3.0, 3.0, 5.0, 5.0], [0.0, 0.0, 1e-9, 1e-9]]),
                ),
            ),
            hidden_cases=_iou_hidden,
            atol=1e-12,
        ),
        Question(
            id="mean_box_baseline",
            points=2,
            kind="function",
            prompt="mean_box_baseline(train_boxes, test_boxes) returns the mean IoU on the test "
            "boxes of predicting the mean training box for every one",
            reference=mean_box_baseline,
            public_cases=(
                (
                    np.array([[0.0, 0.0, 4.0, 4.0], [2.0, 2.0, 6.0, 6.0]]),
                    np.array([[1.0, 1.0, 5.0, 5.0], [0.0, 0.0, 4.0, 4.0]]),
                ),
                (
                    np.array([[0.0, 0.0, 2.0, 4.0], [2.0, 0.0, 4.0, 4.0], [4.0, 3.0, 6.0, 7.0]]),
                    np.array([[1.0, 0.0, 4.0, 4.0], [8.0, 8.0, 9.0, 9.0]]),
                ),
                # The mean box (0, 0, 3.5, 3.5) is not whole: keep it as it is.
                (
                    np.array([[0.0, 0.0, 3.0, 3.0], [0.0, 0.0, 4.0, 4.0]]),
                    np.array([[0.0, 0.0, 4.0, 4.0]]),
                ),
            ),
            hidden_cases=_baseline_hidden,
            atol=1e-12,
        ),
    ),
)
