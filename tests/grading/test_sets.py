"""The reference answers of the exercise sets against independent computations, and answers
judged by what they do (``Question.evaluate``)."""

from __future__ import annotations

import contextlib
import io
import itertools
import math

import numpy as np
import pytest

from relu_course.grading import check
from relu_course.grading.check import run_case
from relu_course.grading.questions import Question, find_question
from relu_course.grading.sets import (
    cnn,
    feedforward,
    properties,
    relu_definition,
    rnn_transformer,
    tradeoffs,
)


def run_check(question_id: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        check(question_id, namespace)
    return out.getvalue()


# --------------------------------------------------------------------------- evaluate


@pytest.mark.parametrize(
    "weights",
    [
        (np.ones((2, 2)), np.array([0.0, -1.0]), np.array([1.0, -2.0]), 0.0),
        ([[1, -1], [-1, 1]], [0, 0], [1, 1], 0),  # lists of ints are fine
        (np.array([[-1.0, 1.0], [1.0, -1.0]]), np.zeros(2), np.ones(2), np.array([0.0])),
        # scaled units: incoming weights times 4, outgoing weight divided by 4
        (4 * np.ones((2, 2)), np.array([0.0, -4.0]), np.array([0.25, -0.5]), 0.0),
    ],
)
def test_any_xor_net_is_right(weights):
    assert np.array_equal(properties.xor_outputs(weights), properties.XOR_Y)
    assert "xor_weights: 1 of 1 public checks passed." in run_check(
        "xor_weights", {"xor_weights": weights}
    )


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ((np.eye(2), np.zeros(2), np.ones(2), 0.0), "wrong values at 1 of 4 positions"),
        ((np.eye(2), np.zeros(2), np.ones(2)), "must be a tuple of four items"),
        ("weights", "must be a tuple of four items"),
        ((np.eye(3), np.zeros(2), np.ones(2), 0.0), "W1 must have shape (2, 2), got shape (3, 3)"),
        ((np.eye(2), np.zeros(2), np.ones(2), [1.0, 2.0]), "b2 must have shape ()"),
        ((np.eye(2), "b1", np.ones(2), 0.0), "b1 must be an array of numbers"),
        ((np.eye(2), np.zeros(2), np.full(2, np.nan), 0.0), "wrong values at 4 of 4"),
    ],
)
def test_a_wrong_or_malformed_xor_net_says_why(weights, message):
    output = run_check("xor_weights", {"xor_weights": weights})
    assert message in output
    assert "xor_weights: 0 of 1 public checks passed." in output


def test_evaluate_errors_become_verdicts_not_crashes():
    def fragile(answer):
        return {"a": 1}[answer]  # KeyError: a bug, or an answer it did not foresee

    q = Question(id="q", points=1, kind="value", prompt="", reference=lambda: 1.0, evaluate=fragile)
    assert q.judge(1.0, "a", what="q").ok
    verdict = q.judge(1.0, "b", what="q")
    assert not verdict.ok
    assert verdict.reason.startswith("q: could not be evaluated (KeyError")


# --------------------------------------------------------------------------- 03_properties


def _pieces_by_slopes(w, b, v, lo, hi) -> int:
    """Linear pieces counted from f's slopes between consecutive candidate bends."""
    with np.errstate(divide="ignore", invalid="ignore"):
        at = -b / w
    candidates = sorted({float(t) for t in at[(w != 0) & (lo < at) & (at < hi)]})
    ends = [lo, *candidates, hi]
    slopes = [
        float(np.sum(v * w * (w * (left + right) / 2 + b > 0)))
        for left, right in itertools.pairwise(ends)
    ]
    changes = [not math.isclose(s, t, abs_tol=1e-12) for s, t in itertools.pairwise(slopes)]
    return 1 + sum(changes)


def test_count_pieces_agrees_with_the_slopes_of_f():
    rng = np.random.default_rng(0)
    for _ in range(300):
        h = int(rng.integers(1, 12))
        if rng.random() < 0.5:
            w, b, v = (rng.integers(-3, 4, size=h).astype(float) for _ in range(3))
        else:
            w, b, v = (rng.normal(size=h) for _ in range(3))
        lo = float(rng.integers(-3, 1))
        hi = lo + float(rng.integers(1, 5))
        assert properties.count_pieces(w, b, v, lo, hi) == _pieces_by_slopes(w, b, v, lo, hi)


def test_count_pieces_examples_of_the_notebook():
    cancel = np.array([1.0, -2.0]), np.array([-1.0, 2.0]), np.array([2.0, -1.0])
    assert properties.count_pieces(*cancel, 0.0, 2.0) == 1
    # the same bend, counted once; a bend at an end of the interval splits nothing
    assert properties.count_pieces(np.ones(2), np.zeros(2), np.ones(2), -1.0, 1.0) == 2
    assert properties.count_pieces(np.ones(1), np.zeros(1), np.ones(1), 0.0, 1.0) == 1


def test_chain_grad_is_torch_autograd():
    torch = pytest.importorskip("torch")
    acts = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    for case in properties._chain_hidden(np.random.default_rng(1)):
        x0, w, b, activation = case
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        a = x
        for wl, bl in zip(w.tolist(), b.tolist(), strict=True):
            a = acts[activation](wl * a + bl)
        a.backward()
        expected = float(x.grad)
        assert math.isclose(properties.chain_grad(*case), expected, rel_tol=1e-9, abs_tol=1e-300)


def test_the_sigmoid_chain_at_zero_reaches_the_quarter_bound():
    assert properties.chain_grad(0.0, np.ones(8), np.array([0.0] + [-0.5] * 7), "sigmoid") == (
        0.25**8
    )


def test_relu_memory_time_and_sparsity():
    assert properties.relu_memory_time(10**6, 4, 100.0) == pytest.approx(80e-6)
    h = np.array([[0.0, -0.0, 1e-30], [np.nan, 2.0, 0.0]], np.float32)
    assert properties.sparsity(h) == 0.5


# --------------------------------------------------------------------------- 04_tradeoffs


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0])
def test_he_std_is_torch_kaiming_normal(slope):
    torch = pytest.importorskip("torch")
    w = torch.empty(2000, 500)
    torch.manual_seed(0)
    torch.nn.init.kaiming_normal_(w, a=slope)
    gain = torch.nn.init.calculate_gain("leaky_relu", slope)
    assert tradeoffs.he_std(500, slope) == pytest.approx(gain / math.sqrt(500), rel=1e-12)
    assert float(w.std()) == pytest.approx(tradeoffs.he_std(500, slope), rel=0.01)


def test_he_std_keeps_the_mean_square_through_deep_leaky_layers():
    rng = np.random.default_rng(0)
    for slope in (0.0, 0.3):
        a = rng.normal(size=(64, 1024))
        start = np.mean(a**2)
        for _ in range(10):
            z = a @ rng.normal(scale=tradeoffs.he_std(1024, slope), size=(1024, 1024))
            a = np.where(z > 0, z, slope * z)
        # Within a factor 2 after 10 layers; 1 + a in place of 1 + a**2 drifts by
        # (1.09 / 1.3)**10, about 0.17, at a = 0.3.
        assert 0.5 < np.mean(a**2) / start < 2.0


def test_dead_fraction_edges():
    Z = np.array([[0.0, -0.0, -1.0, 1e-30, -np.inf], [-2.0, -0.0, -np.inf, -1.0, np.inf]])
    assert tradeoffs.dead_fraction(Z) == 3 / 5


def test_born_dead_probability_by_simulation():
    rng = np.random.default_rng(0)
    for widths in ([1], [2, 2], [3, 1, 4], [2] * 6):
        trials = 20000
        h = np.ones((trials, 3))  # one fixed non-zero input, fed to every sampled network
        for n in widths:
            W = rng.normal(size=(trials, n, h.shape[1]))
            h = np.maximum(np.einsum("tij,tj->ti", W, h), 0)
        simulated = np.mean(np.all(h == 0, axis=1))
        exact = tradeoffs.born_dead_probability(widths)
        assert abs(simulated - exact) < 4 * math.sqrt(exact * (1 - exact) / trials) + 1e-3
    assert tradeoffs.born_dead_probability([60]) == pytest.approx(2.0**-60, rel=1e-12)


def test_grads_at_zero_are_what_the_notebook_says():
    pytest.importorskip("torch")
    assert tradeoffs.grads_at_zero() == (0.0, 0.01, 1.0, 0.5)


# --------------------------------------------------------------------------- 05_feedforward


@pytest.mark.parametrize(("input_size", "hidden_size"), [(784, 256), (10, 4), (3, 7), (64, 255)])
def test_box_regressor_num_params_is_torch(input_size, hidden_size):
    pytest.importorskip("torch")
    from relu_course.torch_nn import BoxRegressor

    net = BoxRegressor(input_size, hidden_size)
    expected = sum(p.numel() for p in net.parameters())
    assert feedforward.box_regressor_num_params(input_size, hidden_size) == expected


def test_affine_relu_backward_is_torch_autograd_at_the_kink_too():
    torch = pytest.importorskip("torch")
    cases = feedforward._affine_hidden(np.random.default_rng(2))
    kinks = 0
    for dout, x, w, b in cases:
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        a = tx @ tw + tb
        kinks += int((a == 0).sum())
        torch.relu(a).backward(torch.tensor(dout))
        grads = feedforward.affine_relu_backward(dout, x, w, b)
        for ours, theirs in zip(grads, (tx, tw, tb), strict=True):
            assert ours.dtype == x.dtype
            np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert kinks > 20  # the hidden cases do test the convention at 0


def test_dropout_forward_is_torch_dropout():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = (np.abs(rng.normal(size=(50, 40))) + 0.1).astype(dtype)  # no zeros: the mask shows
        for p in (0.0, 0.2, 0.5, 0.9, 1.0):
            torch.manual_seed(0)
            out = torch.nn.functional.dropout(torch.tensor(x), p=p, training=True).numpy()
            ours = feedforward.dropout_forward(x, p, out != 0)
            assert ours.dtype == x.dtype
            np.testing.assert_allclose(ours, out, rtol=1e-6)
            assert not np.any(np.isnan(ours))


def test_dropout_commutes_with_relu():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 20))
    mask = rng.random(size=x.shape) >= 0.2
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    np.testing.assert_array_equal(
        feedforward.dropout_forward(relu(x), 0.2, mask),
        relu(feedforward.dropout_forward(x, 0.2, mask)),
    )


def _iou_by_counting(a, b) -> float:
    """IoU of two boxes with whole-number corners, from the unit squares each one covers."""
    centres = np.arange(-10, 10) + 0.5
    cx, cy = np.meshgrid(centres, centres)

    def covered(box):
        return (cx > box[0]) & (cx < box[2]) & (cy > box[1]) & (cy < box[3])

    inside_a, inside_b = covered(a), covered(b)
    union = np.sum(inside_a | inside_b)
    return float(np.sum(inside_a & inside_b) / union) if union else 0.0


def test_box_iou_agrees_with_counting_squares():
    rng = np.random.default_rng(0)
    # Whole-number corners in [-8, 8]: inverted, flat, touching and nested boxes all come up.
    a = rng.integers(-8, 9, size=(3000, 4)).astype(float)
    b = rng.integers(-8, 9, size=(3000, 4)).astype(float)
    b[::3] = a[::3] + rng.integers(-2, 3, size=(1000, 4))
    got = feedforward.box_iou(a, b)
    assert got.dtype == np.float64
    assert got.shape == (3000,)
    expected = [_iou_by_counting(p, q) for p, q in zip(a, b, strict=True)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert np.count_nonzero(got) > 150  # most random corners give an inverted box
    np.testing.assert_array_equal(got, feedforward.box_iou(b, a))  # symmetric


def test_box_iou_edges():
    unit = [0.0, 0.0, 2.0, 2.0]
    a = np.array([unit, unit, unit, unit, [1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 0.0, 0.0]])
    b = np.array(
        [[3.0, 3.0, 5.0, 5.0], [2.0, 0.0, 4.0, 2.0], [0.5, 0.5, 1.5, 1.5], unit, [1.0] * 4, unit]
    )
    np.testing.assert_array_equal(feedforward.box_iou(a, b), [0.0, 0.0, 0.25, 1.0, 0.0, 0.0])
    # IoU does not depend on the scale.
    rng = np.random.default_rng(1)
    boxes = rng.uniform(0, 10, size=(20, 4))
    other = boxes + rng.normal(size=(20, 4))
    np.testing.assert_allclose(
        feedforward.box_iou(1000 * boxes, 1000 * other), feedforward.box_iou(boxes, other)
    )
    assert feedforward.box_iou(np.zeros((0, 4)), np.zeros((0, 4))).shape == (0,)


def test_mean_box_baseline_by_a_loop():
    rng = np.random.default_rng(3)
    for train, test in feedforward._baseline_hidden(rng):
        mean_box = train.mean(axis=0)
        expected = np.mean([feedforward.box_iou(mean_box[None], t[None])[0] for t in test])
        assert feedforward.mean_box_baseline(train, test) == pytest.approx(expected, rel=1e-12)
    left, right = [0.0, 0.0, 2.0, 2.0], [20.0, 20.0, 22.0, 22.0]
    assert feedforward.mean_box_baseline(np.array([left, right]), np.array([left])) == 0.0
    assert feedforward.mean_box_baseline(np.array([left, left]), np.array([left])) == 1.0


# --------------------------------------------------------------------------- 06_cnn


def _hidden(question_id: str, exercise_module) -> list:
    q = next(q for q in exercise_module.EXERCISE.questions if q.id == question_id)
    return [*q.public_cases, *q.hidden_cases(np.random.default_rng(0))]


def test_conv_output_shape_is_torch():
    torch = pytest.importorskip("torch")
    for in_shape, out_channels, kernel, stride, padding in _hidden("conv_output_shape", cnn):
        layer = torch.nn.Conv2d(in_shape[0], out_channels, kernel, stride, padding)
        with torch.no_grad():
            out = layer(torch.zeros(1, *in_shape))
        assert cnn.conv_output_shape(in_shape, out_channels, kernel, stride, padding) == tuple(
            out.shape[1:]
        )


def _convnet(torch, in_channels: int, num_classes: int, image_size: int):
    nn = torch.nn
    features = nn.Sequential(
        nn.Conv2d(in_channels, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
    )  # fmt: skip
    with torch.no_grad():
        flat = features(torch.zeros(1, in_channels, image_size, image_size)).shape[1]
    return nn.Sequential(features, nn.Linear(flat, num_classes))


@pytest.mark.parametrize("args", [(3, 10, 32), (1, 10, 28), (3, 10, 30), (1, 2, 10), (4, 7, 11)])
def test_convnet_num_params_is_torch(args):
    torch = pytest.importorskip("torch")
    net = _convnet(torch, *args)
    assert cnn.convnet_num_params(*args) == sum(p.numel() for p in net.parameters())
    assert cnn.convnet_num_params(3, 10, 32) == 121_738  # the article's net on 32x32 digits


def test_conv_relu_forward_and_relu_maxpool_are_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for x, w, b, padding in _hidden("conv_relu_forward", cnn):
        want = F.relu(F.conv2d(*(torch.from_numpy(a) for a in (x, w, b)), padding=padding))
        got = cnn.conv_relu_forward(x, w, b, padding)
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)
    for (x,) in _hidden("relu_maxpool", cnn):
        got = cnn.relu_maxpool(x)
        assert got.dtype == x.dtype
        np.testing.assert_array_equal(got, F.max_pool2d(F.relu(torch.from_numpy(x)), 2).numpy())
        # ReLU and max-pooling commute.
        np.testing.assert_array_equal(got, F.relu(F.max_pool2d(torch.from_numpy(x), 2)).numpy())


def test_global_max_pool_backward_is_torchs_adaptive_max_pool():
    torch = pytest.importorskip("torch")
    for dout, x in _hidden("global_max_pool_backward", cnn):
        xt = torch.from_numpy(x).requires_grad_()
        torch.nn.functional.adaptive_max_pool2d(xt, 1).flatten(1).backward(torch.from_numpy(dout))
        got = cnn.global_max_pool_backward(dout, x)
        assert got.dtype == x.dtype
        np.testing.assert_array_equal(got, xt.grad.numpy())
    # Ties go to the first position: here the two 3s of the first channel.
    x = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    np.testing.assert_array_equal(
        cnn.global_max_pool_backward(np.array([[5.0]]), x), [[[[0.0, 5.0], [0.0, 0.0]]]]
    )


def test_digits_are_scikit_learns_and_labels_are_looked_up():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    bunch = sklearn_datasets.load_digits()
    X, y = cnn.digits()
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    order = np.random.default_rng(0).permutation(len(X))[:100]
    np.testing.assert_array_equal(cnn.true_digit_labels(X[order]), y[order])
    # The hidden digits are the test part, none of them a training digit.
    for (hidden,) in cnn.EXERCISE.question("predict_digits").hidden_cases(np.random.default_rng(1)):
        train = {row.tobytes() for row in X[: cnn.TRAIN_SIZE]}
        assert not any(row.tobytes() in train for row in hidden)
    with pytest.raises(KeyError):
        cnn.true_digit_labels(np.full((1, 64), 17.0))


def test_predict_digits_threshold_separates_a_trained_model_from_a_weak_one():
    X, y = cnn.digits()
    train, test = slice(None, cnn.TRAIN_SIZE), slice(cnn.TRAIN_SIZE, None)
    # The notebook's softmax regression.
    Xs, Y = X[train] / 16.0, np.eye(10)[y[train]]
    W, b = np.zeros((64, 10)), np.zeros(10)
    for _ in range(500):
        z = Xs @ W + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        grad = (p / p.sum(axis=1, keepdims=True) - Y) / len(Xs)
        W -= 1.0 * Xs.T @ grad
        b -= 1.0 * grad.sum(axis=0)
    accept = cnn.EXERCISE.question("predict_digits").score
    assert accept is not None
    assert accept(y[test], np.argmax(X[test] / 16.0 @ W + b, axis=1)).ok
    majority = np.full(len(y[test]), np.bincount(y[train]).argmax())
    assert not accept(y[test], majority).ok


# --------------------------------------------------------------------------- 07_rnn_transformer


def test_rnn_step_relu_and_irnn_forward_are_torch_rnn():
    torch = pytest.importorskip("torch")
    for x, h, wx, wh, b in _hidden("rnn_step_relu", rnn_transformer):
        rnn = torch.nn.RNN(wx.shape[0], wx.shape[1], nonlinearity="relu", dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.from_numpy(wx.T.astype(np.float64)))
            rnn.weight_hh_l0.copy_(torch.from_numpy(wh.T.astype(np.float64)))
            rnn.bias_ih_l0.copy_(torch.from_numpy(b.astype(np.float64)))
            rnn.bias_hh_l0.zero_()
            _, want = rnn(
                torch.from_numpy(x[None].astype(np.float64)),
                torch.from_numpy(h[None].astype(np.float64)),
            )
        got = rnn_transformer.rnn_step_relu(x, h, wx, wh, b)
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, want[0].numpy(), rtol=1e-5, atol=1e-6)
    for xs, wx in _hidden("irnn_forward", rnn_transformer):
        got = rnn_transformer.irnn_forward(xs, wx)
        assert got.dtype == xs.dtype
        assert got.shape == (xs.shape[0], xs.shape[1], wx.shape[1])
        if len(xs) == 0:
            continue
        rnn = torch.nn.RNN(wx.shape[0], wx.shape[1], nonlinearity="relu", dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.from_numpy(wx.T.astype(np.float64)))
            rnn.weight_hh_l0.copy_(torch.eye(wx.shape[1], dtype=torch.float64))
            rnn.bias_ih_l0.zero_()
            rnn.bias_hh_l0.zero_()
            want, _ = rnn(torch.from_numpy(xs.astype(np.float64)))
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)


def test_irnn_of_non_negative_inputs_is_a_running_sum():
    rng = np.random.default_rng(0)
    xs, wx = np.abs(rng.normal(size=(6, 2, 3))), np.abs(rng.normal(size=(3, 4)))
    np.testing.assert_allclose(rnn_transformer.irnn_forward(xs, wx), np.cumsum(xs @ wx, axis=0))


def test_spectral_radius_is_the_growth_rate_of_powers():
    for (w,) in _hidden("spectral_radius", rnn_transformer):
        radius = rnn_transformer.spectral_radius(w)
        assert isinstance(radius, float)
        if radius == 0:  # nilpotent: W^n = 0
            assert not np.linalg.matrix_power(w, len(w)).any()
            continue
        # Gelfand's formula: ||W^k||^(1/k) tends to the spectral radius.
        k = 200
        growth = np.linalg.norm(np.linalg.matrix_power(w / radius, k), 2) ** (1 / k)
        assert 0.9 < growth < 1.1, (w, radius)
    assert rnn_transformer.spectral_radius(np.array([[0.0, 2.0], [0.5, 0.0]])) == pytest.approx(1)
    assert rnn_transformer.spectral_radius(np.array([[0.0, -1.0], [1.0, 0.0]])) == pytest.approx(1)


def test_ffn_forward_is_torch_and_ffn_sparsity_counts_exact_zeros():
    torch = pytest.importorskip("torch")
    for x, w1, b1, w2, b2 in _hidden("ffn_forward", rnn_transformer):
        t = [torch.from_numpy(a) for a in (x, w1, b1, w2, b2)]
        want = torch.relu(t[0] @ t[1] + t[2]) @ t[3] + t[4]
        got = rnn_transformer.ffn_forward(x, w1, b1, w2, b2)
        assert got.shape == x.shape
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)
    x, w1 = np.array([[1.0, -1.0]]), np.array([[1.0, 1.0, 2.0, 0.0], [1.0, 0.0, 1.0, 3.0]])
    # Pre-activations 0, 1, 1, -3: two of the four hidden values are 0, one of them exactly.
    assert rnn_transformer.ffn_sparsity(x, w1, np.zeros(4)) == 0.5
    assert rnn_transformer.ffn_sparsity(np.zeros((3, 2)), w1, np.zeros(4)) == 1.0


def test_why_relu_references_agree_with_torch_on_every_hidden_input():
    import torch
    import torch.nn.functional as F

    from relu_course.grading.sets import why_relu

    oracles = {
        why_relu.silu: F.silu,
        why_relu.gelu: F.gelu,
        why_relu.softplus: F.softplus,  # the identity above 20: within the tolerance
    }
    for (x,) in why_relu._activation_inputs(np.random.default_rng(0)):
        exact = x.astype(np.float64)
        for reference, oracle in oracles.items():
            got = reference(x)
            assert got.dtype == x.dtype
            assert np.isfinite(got).all()
            want = oracle(torch.from_numpy(exact)).numpy().astype(x.dtype)
            # torch's float64 GELU loses the tiny values below -6 that erfc keeps: atol
            rtol = 1e-3 if x.dtype == np.float16 else 1e-6
            np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)


def test_seed_summary_is_the_mean_and_the_sample_standard_deviation():
    import statistics

    from relu_course.grading.sets.why_relu import seed_summary

    scores = np.array([[0.9, 0.92, 0.94], [0.1, 0.5, 0.9]])
    got = seed_summary(scores)
    assert got.shape == (2, 2)
    assert got.dtype == np.float64
    for row, (mean, spread) in zip(scores.tolist(), got.tolist(), strict=True):
        assert mean == pytest.approx(statistics.fmean(row))
        assert spread == pytest.approx(statistics.stdev(row))


# --------------------------------------------------------------------------- public cases


def _erf32(x):
    from scipy.special import erf

    return erf(x / np.float32(math.sqrt(2.0)))  # float32 in, float32 arithmetic


def _iou_with_epsilon(a, b):
    width = np.maximum(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0.0)
    height = np.maximum(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0.0)
    area = lambda r: np.maximum(r[:, 2] - r[:, 0], 0) * np.maximum(r[:, 3] - r[:, 1], 0)  # noqa: E731
    inter = width * height
    return inter / (area(a) + area(b) - inter + 1e-9)


def _pieces_of_every_bend(w, b, v, lo, hi):
    with np.errstate(divide="ignore", invalid="ignore"):
        at = -b / w
    return 1 + int(np.sum((w != 0) & (lo < at) & (at < hi)))


def _pieces_with_ends(w, b, v, lo, hi):
    jumps: dict[float, float] = {}
    for wj, bj, vj in zip(w, b, v, strict=True):
        if wj != 0 and vj != 0 and lo <= -bj / wj <= hi:
            jumps[-bj / wj] = jumps.get(-bj / wj, 0.0) + vj * abs(wj)
    return 1 + sum(jump != 0 for jump in jumps.values())


def _chain_grad_one_at_zero(x, w, b, activation):
    a, grad = x, 1.0
    for wl, bl in zip(w, b, strict=True):
        z = wl * a + bl
        if activation == "relu":
            a, slope = max(z, 0.0), float(z >= 0)
        elif activation == "sigmoid":
            a = 1 / (1 + math.exp(-z))
            slope = a * (1 - a)
        else:
            a = math.tanh(z)
            slope = 1 - a**2
        grad *= wl * slope
    return grad


def _affine_relu_backward_one_at_zero(dout, x, w, b):
    da = dout * (x @ w + b >= 0)
    return da @ w.T, x.T @ da, da.sum(axis=0)


def _box_params_rounded(input_size, h):
    sizes = [input_size, h, round(h / 2), round(h / 4), 4]
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))


def _stacked_irnn(xs, wx):
    h, states = np.zeros((xs.shape[1], wx.shape[1]), xs.dtype), []
    for x in xs:
        h = np.maximum(x @ wx + h, 0)
        states.append(h)
    return np.stack(states)


def _last_of_ties(dout, x):
    n, c, h, w = x.shape
    last = h * w - 1 - x.reshape(n, c, h * w)[:, :, ::-1].argmax(axis=2)
    dx = np.zeros((n, c, h * w), x.dtype)
    np.put_along_axis(dx, last[..., None], dout[..., None].astype(x.dtype), axis=2)
    return dx.reshape(x.shape)


#: Answers a learner could well write, each breaking a rule its prompt states: a public case
#: must show it, so that check() names the rule before the hidden cases cost the points.
WRONG = {
    "relu: x * (x > 0) is NaN at -inf": ("relu", lambda x: x * (x > 0)),
    "count_pieces: every bend counts": ("count_pieces", _pieces_of_every_bend),
    "count_pieces: bends at lo and hi count": ("count_pieces", _pieces_with_ends),
    "relu_memory_time: float32 assumed": ("relu_memory_time", lambda n, s, bw: 8 * n / bw / 1e9),
    "chain_grad: relu'(0) = 1": ("chain_grad", _chain_grad_one_at_zero),
    "sparsity: np.isclose": ("sparsity", lambda h: float(np.mean(np.isclose(h, 0)))),
    "he_std: 1 + a": ("he_std", lambda n, a=0.0: math.sqrt(2 / ((1 + a) * n))),
    "dead_fraction: Z < 0": ("dead_fraction", lambda Z: float(np.mean(np.all(Z < 0, axis=0)))),
    "born_dead_probability: first width only": (
        "born_dead_probability",
        lambda ws: 1 - (1 - 0.5 ** ws[0]) ** len(ws),
    ),
    "leaky_relu_backward: x <= 0 at NaN": (
        "leaky_relu_backward",
        lambda d, x, a: np.where(x <= 0, a * d, d),
    ),
    "elu: exp(x) - 1": ("elu", lambda x, a: np.where(x > 0, x, a * (np.exp(x) - 1))),
    "box_regressor_num_params: round": ("box_regressor_num_params", _box_params_rounded),
    "affine_relu_backward: relu'(0) = 1": (
        "affine_relu_backward",
        _affine_relu_backward_one_at_zero,
    ),
    "dropout_forward: 0 / 0 at p = 1": ("dropout_forward", lambda x, p, m: x * m / (1 - p)),
    "box_iou: epsilon in the union": ("box_iou", _iou_with_epsilon),
    "mean_box_baseline: rounded box": (
        "mean_box_baseline",
        lambda tr, te: feedforward.mean_box_baseline(np.round(tr.mean(axis=0))[None], te),
    ),
    "conv_output_shape: ceil": (
        "conv_output_shape",
        lambda s, c, k, st, p: (c, *(-(-(n + 2 * p - k) // st) + 1 for n in s[1:])),
    ),
    "convnet_num_params: image_size // 4 - 2": (
        "convnet_num_params",
        lambda c, k, size: cnn.convnet_num_params(c, k, 4 * (size // 4)),  # s = size // 4 - 2
    ),
    "conv_relu_forward: no padding": (
        "conv_relu_forward",
        lambda x, w, b, p: cnn.conv_relu_forward(x, w, b, 0),
    ),
    "relu_maxpool: no crop": (
        "relu_maxpool",
        lambda x: np.maximum(x, 0).reshape(*x.shape[:2], x.shape[2] // 2, 2, -1, 2).max((3, 5)),
    ),
    "global_max_pool_backward: last of ties": ("global_max_pool_backward", _last_of_ties),
    "rnn_step_relu: float mask": (
        "rnn_step_relu",
        lambda x, h, wx, wh, b: (x @ wx + h @ wh + b) * (x @ wx + h @ wh + b > 0).astype(float),
    ),
    "irnn_forward: np.stack": ("irnn_forward", _stacked_irnn),
    "spectral_radius: largest singular value": (
        "spectral_radius",
        lambda w: float(np.linalg.norm(w, 2)),
    ),
    "ffn_forward: flattened": (
        "ffn_forward",
        lambda x, w1, b1, w2, b2: np.maximum(x.reshape(-1, x.shape[-1]) @ w1 + b1, 0) @ w2 + b2,
    ),
    "ffn_sparsity: pre < 0": ("ffn_sparsity", lambda x, w1, b1: float(np.mean(x @ w1 + b1 < 0))),
    "silu: as written, in x's dtype": ("silu", lambda x: x / (1 + np.exp(-x))),
    "gelu_exact: in float32": ("gelu_exact", lambda x: x / 2 * (1 + _erf32(x))),
    "softplus_stable: torch's threshold 20, in x's dtype": (
        "softplus_stable",
        lambda x: np.where(x > 20, x, np.log1p(np.exp(x))),
    ),
}


@pytest.mark.parametrize("label", list(WRONG))
def test_a_plausible_wrong_answer_fails_a_public_case(label):
    question_id, answer = WRONG[label]
    _, q = find_question(question_id)
    with np.errstate(all="ignore"):
        verdicts = [run_case(q, answer, case) for case in q.public_cases]
    assert not all(v.ok for v in verdicts), label


def test_the_gradient_questions_have_infinities_but_no_nan():
    rng = np.random.default_rng(0)
    for hidden in (relu_definition._grad_hidden, relu_definition._backward_hidden):
        xs = [case[-1] for case in hidden(rng)]
        assert not any(np.isnan(x).any() for x in xs)
        assert any(np.isneginf(x).any() for x in xs)  # -inf stays -inf, not a finite number
        assert any(np.isposinf(x).any() for x in xs)
