"""Grading: sources score full marks, student versions 0, and each hostile or broken submission
of DESIGN section 7 costs only its own question while the batch and the gradebook go on."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import relu_course.grading.grade as grade_module
from relu_course.grading import exercise, exercises, landlock
from relu_course.grading.grade import grade_inbox
from relu_course.grading.gradebook import Gradebook, GradebookError
from relu_course.grading.sandbox import protection
from tests.grading.conftest import LIMITS, SECRET, STUDENT, answer_cell, source

GOOD_COLLAPSE = "def collapse_linear(W1, b1, W2, b2):\n    return W2 @ W1, W2 @ b1 + b2"


def rows(gradebook: Path) -> list[tuple]:
    with sqlite3.connect(gradebook) as db:
        return db.execute("SELECT * FROM results ORDER BY submission, position").fetchall()


def assert_only(results: dict, failing: dict[str, str]) -> None:
    """The questions in ``failing`` have those statuses; every other question passed."""
    for question, (score, status, message) in results.items():
        if question in failing:
            assert status == failing[question], (question, status, message)
            assert score == 0
        else:
            assert status == "passed", (question, status, message)
            assert score > 0


NEEDS_LANDLOCK = pytest.mark.skipif(
    landlock.abi() == 0, reason="this kernel has no Landlock (Linux 5.13 or later)"
)
#: The walls a submission meets: bubblewrap (with Landlock inside where the kernel has it),
#: and each alone: Landlock as on a grader without bubblewrap, bubblewrap as on a kernel
#: without Landlock. Each wall must hold by itself.
WALLS = pytest.mark.parametrize(
    "walls",
    ["bubblewrap", "bubblewrap only", pytest.param("landlock only", marks=NEEDS_LANDLOCK)],
)


def use_walls(walls: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if walls == "landlock only":
        monkeypatch.setattr(grade_module, "bwrap", lambda: None)
    if walls == "bubblewrap only":
        monkeypatch.setattr(grade_module.landlock, "abi", lambda: 0)


@NEEDS_LANDLOCK
def test_sources_score_full_marks_under_landlock_alone(klass, monkeypatch):
    # Landlock must leave the worker all it needs: NumPy, torch, temporary files.
    use_walls("landlock only", monkeypatch)
    for exercise_id in sorted(exercises()):
        klass.submit(f"teacher-{exercise_id}", exercise_id)
    subs = klass.grade(warn=lambda text: None)
    assert len(subs) == len(exercises())
    for sub in subs:
        assert sub.sandbox == "landlock"
        assert sub.score == sub.max_score, [r for r in sub.results if r.status != "passed"]


@pytest.mark.parametrize("exercise_id", list(exercises()))
def test_sources_score_full_marks_and_student_versions_zero(klass, exercise_id):
    klass.submit("teacher", exercise_id)
    klass.submit(
        "blank", exercise_id, nb=nbformat.read(STUDENT / f"{exercise_id}.ipynb", as_version=4)
    )
    subs = {s.student: s for s in klass.grade()}
    assert subs["teacher"].score == subs["teacher"].max_score == exercise(exercise_id).max_score
    assert subs["blank"].score == 0
    assert {r.status for r in subs["blank"].results} == {"not_answered"}
    assert {s.sandbox for s in subs.values()} == {protection(True)}


def test_planted_wrong_answers_lose_exactly_their_questions(klass):
    klass.submit(
        "wrong",
        "02_relu_definition",
        answers={
            # float64 out for every input: wrong dtype on float16/float32 inputs.
            "relu": "def relu(x):\n    return np.maximum(x, 0).astype(np.float64)",
            # the subgradient 1 at 0 instead of the convention 0.
            "relu_grad": "def relu_grad(x):\n    return (x >= 0).astype(x.dtype)",
            "grad_maximum_at_zero": "grad_maximum_at_zero = 1.0",
        },
    )
    klass.submit(
        "mask", "02_relu_definition", answers={"relu": "def relu(x):\n    return x * (x > 0)"}
    )
    klass.grade()
    results = klass.results("wrong")
    assert_only(
        results, {"relu": "failed", "relu_grad": "failed", "grad_maximum_at_zero": "failed"}
    )
    assert "wrong dtype" in results["relu"][2]
    assert results["relu"][2].startswith("wrong on 22 of 33 cases; first: relu(x: (2, 2) float32")
    # x * (x > 0): -inf * 0 is NaN, which a public case shows.
    assert_only(klass.results("mask"), {"relu": "failed"})


def assert_hidden_failure(message: str, question: str) -> None:
    """The answer failed, and its first failure was a hidden case: it passed the public ones."""
    assert message.startswith("wrong on "), message
    assert f"first: {question} on a hidden case" in message, message


def assert_public_failure(message: str, question: str) -> None:
    """The answer failed, and its first failure was a public case: check() shows the rule."""
    assert message.startswith("wrong on "), message
    assert f"first: {question}(" in message, message


def test_planted_wrong_answers_of_03_properties(klass):
    klass.submit(
        "wrong",
        "03_properties",
        answers={
            # Not the source's weights, but right: the net is graded by its outputs.
            "xor_weights": (
                "W1 = np.array([[1.0, -1.0], [-1.0, 1.0]])\n"
                "xor_weights = (W1, np.zeros(2), np.ones(2), 0.0)"
            ),
            # One piece more per bend: coinciding, cancelling and v = 0 bends all count.
            "count_pieces": (
                "def count_pieces(w, b, v, lo, hi):\n"
                "    with np.errstate(divide='ignore', invalid='ignore'):\n"
                "        at = -b / w\n"
                "    return 1 + int(np.sum((w != 0) & (lo < at) & (at < hi)))"
            ),
            # float32 assumed: a public case and the hidden ones try other sizes.
            "relu_memory_time": (
                "def relu_memory_time(n, itemsize, bandwidth):\n"
                "    return 2 * n * 4 / (bandwidth * 1e9)"
            ),
            # relu'(0) = 1: a public chain has a pre-activation exactly at 0.
            "chain_grad": (
                "def chain_grad(x, w, b, activation):\n"
                "    a, grad = x, 1.0\n"
                "    for wl, bl in zip(w, b):\n"
                "        z = wl * a + bl\n"
                "        if activation == 'relu':\n"
                "            a, slope = max(z, 0.0), float(z >= 0)\n"
                "        elif activation == 'sigmoid':\n"
                "            a = 1 / (1 + np.exp(-z))\n"
                "            slope = a * (1 - a)\n"
                "        else:\n"
                "            a = np.tanh(z)\n"
                "            slope = 1 - a**2\n"
                "        grad *= wl * slope\n"
                "    return grad"
            ),
            # "Close to zero" is not zero: the hidden cases hold tiny positive activations.
            "sparsity": "def sparsity(h):\n    return float(np.mean(np.abs(h) < 1e-6))",
        },
    )
    klass.submit(
        "xor",
        "03_properties",
        answers={"xor_weights": "xor_weights = (np.eye(2), np.zeros(2), np.ones(2), 0.0)"},
    )
    klass.submit(
        "wide",
        "03_properties",
        answers={"xor_weights": "xor_weights = (np.ones((3, 2)), np.zeros(3), np.ones(3), 0.0)"},
    )
    klass.grade()
    results = klass.results("wrong")
    planted = ["count_pieces", "relu_memory_time", "chain_grad", "sparsity"]
    assert_only(results, dict.fromkeys(planted, "failed"))
    for question in planted:
        assert_public_failure(results[question][2], question)
    # relu(x1) + relu(x2) is right on three points and gives 2 at (1, 1).
    results = klass.results("xor")
    assert_only(results, {"xor_weights": "failed"})
    assert "wrong values at 1 of 4 positions" in results["xor_weights"][2]
    results = klass.results("wide")
    assert_only(results, {"xor_weights": "failed"})
    assert "W1 must have shape (2, 2), got shape (3, 2)" in results["xor_weights"][2]


def test_planted_wrong_answers_of_04_tradeoffs(klass):
    klass.submit(
        "wrong",
        "04_tradeoffs",
        answers={
            # 1 + a for 1 + a**2: equal at the slopes 0 and 1 only; a public case has 0.2.
            "he_std": (
                "def he_std(fan_in, negative_slope=0.0):\n"
                "    return (2.0 / ((1.0 + negative_slope) * fan_in)) ** 0.5"
            ),
            # A unit sitting exactly at 0 is dead too (the gradient at 0 is 0).
            "dead_fraction": (
                "def dead_fraction(Z):\n    return float(np.mean(np.all(Z < 0, axis=0)))"
            ),
            # Every layer as wide as the first: a public case has unequal widths.
            "born_dead_probability": (
                "def born_dead_probability(widths):\n"
                "    return 1 - (1 - 0.5 ** widths[0]) ** len(widths)"
            ),
            # x <= 0 is not the opposite of x > 0 at NaN: the gradient there comes out 0.
            "leaky_relu_backward": (
                "def leaky_relu_backward(dout, x, negative_slope):\n"
                "    return dout * (x > 0) + negative_slope * dout * (x <= 0)"
            ),
            # exp(x) - 1 loses the digits of tiny negative inputs; expm1 keeps them.
            "elu": "def elu(x, alpha):\n    return np.where(x > 0, x, alpha * (np.exp(x) - 1))",
            # A guess instead of autograd: leaky_relu's gradient at 0 is its slope.
            "grads_at_zero": "grads_at_zero = (0.0, 0.0, 1.0, 0.5)",
        },
    )
    klass.grade()
    results = klass.results("wrong")
    functions = ["he_std", "dead_fraction", "born_dead_probability", "leaky_relu_backward", "elu"]
    assert_only(results, dict.fromkeys([*functions, "grads_at_zero"], "failed"))
    for question in functions:
        assert_public_failure(results[question][2], question)
    assert "grads_at_zero[1]: wrong value" in results["grads_at_zero"][2]


def test_planted_wrong_answers_of_05_feedforward(klass):
    klass.submit(
        "wrong",
        "05_feedforward",
        answers={
            # round(h / 4) for h // 4: equal when 4 divides h; a public case has h = 7.
            "box_regressor_num_params": (
                "def box_regressor_num_params(input_size, hidden_size):\n"
                "    h = hidden_size\n"
                "    sizes = [input_size, h, round(h / 2), round(h / 4), 4]\n"
                "    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))"
            ),
            # relu'(0) = 1: a public case has a pre-activation exactly at 0.
            "affine_relu_backward": (
                "def affine_relu_backward(dout, x, w, b):\n"
                "    da = dout * (x @ w + b >= 0)\n"
                "    return da @ w.T, x.T @ da, da.sum(axis=0)"
            ),
            # The formula alone: 0 / 0 is NaN at p = 1, which a public case tries.
            "dropout_forward": ("def dropout_forward(x, p, mask):\n    return x * mask / (1 - p)"),
            # Width times height clamped once: boxes apart along both axes overlap by a
            # positive area; a public pair is apart along both axes.
            "box_iou": (
                "def box_iou(a, b):\n"
                "    w = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])\n"
                "    h = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])\n"
                "    inter = np.maximum(w * h, 0.0)\n"
                "    def area(r):\n"
                "        s = np.maximum(r[:, 2:] - r[:, :2], 0.0)\n"
                "        return s[:, 0] * s[:, 1]\n"
                "    union = area(a) + area(b) - inter\n"
                "    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)"
            ),
            # The mean box rounded to whole pixels: the public means are whole numbers. (It
            # calls the wrong box_iou above too; rounding alone fails the hidden cases.)
            "mean_box_baseline": (
                "def mean_box_baseline(train_boxes, test_boxes):\n"
                "    mean_box = np.round(train_boxes.mean(axis=0))\n"
                "    predicted = np.tile(mean_box, (len(test_boxes), 1))\n"
                "    return float(box_iou(predicted, test_boxes).mean())"
            ),
        },
    )
    klass.grade()
    results = klass.results("wrong")
    planted = [q.id for q in exercise("05_feedforward").questions]
    assert_only(results, dict.fromkeys(planted, "failed"))
    for question in planted:
        assert_public_failure(results[question][2], question)
    assert "wrong value" in results["box_regressor_num_params"][2]
    assert "wrong values at" in results["dropout_forward"][2]


def test_planted_wrong_answers_of_06_cnn(klass):
    klass.submit(
        "wrong",
        "06_cnn",
        answers={
            # Rounds up: equal when the stride divides; a public case has one that does not.
            "conv_output_shape": (
                "def conv_output_shape(in_shape, out_channels, kernel, stride, padding):\n"
                "    c, h, w = in_shape\n"
                "    side = lambda n: -(-(n + 2 * padding - kernel) // stride) + 1\n"
                "    return (out_channels, side(h), side(w))"
            ),
            # image_size // 4 - 2: right when 4 divides the side; a public case has side 31.
            "convnet_num_params": (
                "def convnet_num_params(in_channels, num_classes, image_size):\n"
                "    s = image_size // 4 - 2\n"
                "    return (64 * in_channels * 9 + 64 + 128 * 64 * 9 + 128\n"
                "            + 128 * s * s * num_classes + num_classes)"
            ),
            # Forgets the padding: a public case has padding 1.
            "conv_relu_forward": (
                "def conv_relu_forward(x, w, b, padding):\n"
                "    k = w.shape[2]\n"
                "    h, wd = x.shape[2] - k + 1, x.shape[3] - k + 1\n"
                "    out = np.empty((x.shape[0], w.shape[0], h, wd), dtype=x.dtype)\n"
                "    for i in range(h):\n"
                "        for j in range(wd):\n"
                "            win = x[:, :, i : i + k, j : j + k]\n"
                "            dots = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3]))\n"
                "            out[:, :, i, j] = dots + b\n"
                "    return np.maximum(out, 0)"
            ),
            # Pads odd sides (PyTorch's ceil_mode) instead of dropping the last row or column.
            "relu_maxpool": (
                "def relu_maxpool(x):\n"
                "    n, c, h, w = x.shape\n"
                "    x = np.pad(np.maximum(x, 0), ((0, 0), (0, 0), (0, h % 2), (0, w % 2)))\n"
                "    return x.reshape(n, c, (h + 1) // 2, 2, (w + 1) // 2, 2).max(axis=(3, 5))"
            ),
            # Sends the gradient to the last of tied maxima: right without ties, as in the
            # public cases.
            "global_max_pool_backward": (
                "def global_max_pool_backward(dout, x):\n"
                "    n, c, h, w = x.shape\n"
                "    flat = x.reshape(n, c, h * w)[:, :, ::-1]\n"
                "    last = h * w - 1 - flat.argmax(axis=2)\n"
                "    dx = np.zeros((n, c, h * w), dtype=x.dtype)\n"
                "    np.put_along_axis(dx, last[..., None], dout[..., None], axis=2)\n"
                "    return dx.reshape(x.shape)"
            ),
            # Remembers its training digits and knows nothing else: perfect on the public
            # training digits, about 0.1 on the hidden ones.
            "predict_digits": (
                "memory = {tuple(x): y for x, y in zip(X_train, y_train)}\n"
                "\n"
                "def predict_digits(X):\n"
                "    return np.array([memory.get(tuple(x), 0) for x in X])"
            ),
        },
    )
    # A model too weak to pass: the most frequent training digit, whatever the image.
    klass.submit(
        "majority",
        "06_cnn",
        answers={
            "predict_digits": (
                "def predict_digits(X):\n    return np.full(len(X), np.bincount(y_train).argmax())"
            )
        },
    )
    klass.grade()
    results = klass.results("wrong")
    planted = [q.id for q in exercise("06_cnn").questions]
    assert_only(results, dict.fromkeys(planted, "failed"))
    for question in planted[:-1]:
        assert_public_failure(results[question][2], question)
    # The public digits are training digits: only the hidden ones show a memory.
    assert_hidden_failure(results["predict_digits"][2], "predict_digits")
    assert "wrong shape" in results["conv_relu_forward"][2]
    assert "wrong shape" in results["relu_maxpool"][2]
    # Scored by accuracy, and the message gives the accuracy, no digit and no label.
    message = results["predict_digits"][2]
    assert message.startswith("wrong on 2 of 3 cases; first: predict_digits on a hidden case: ")
    assert "accuracy 0." in message
    assert "below the 0.850 required" in message
    majority = klass.results("majority")
    assert_only(majority, {"predict_digits": "failed"})
    assert "predict_digits(X: (40, 64) float64 array): accuracy" in majority["predict_digits"][2]


def test_planted_wrong_answers_of_07_rnn_transformer(klass):
    klass.submit(
        "wrong",
        "07_rnn_transformer",
        answers={
            # A float mask: float32 inputs give a float64 state, as a public case shows.
            "rnn_step_relu": (
                "def rnn_step_relu(x, h, Wx, Wh, b):\n"
                "    a = x @ Wx + h @ Wh + b\n"
                "    return a * (a > 0).astype(float)"
            ),
            # np.array of the list of states: an empty sequence gives shape (0,).
            "irnn_forward": (
                "def irnn_forward(xs, Wx):\n"
                "    H = Wx.shape[1]\n"
                "    h = np.zeros((xs.shape[1], H), dtype=xs.dtype)\n"
                "    states = []\n"
                "    for x in xs:\n"
                "        h = np.maximum(x @ Wx + h, 0)\n"
                "        states.append(h)\n"
                "    return np.array(states)"
            ),
            # The largest singular value: equal for symmetric matrices only; a public one is not.
            "spectral_radius": ("def spectral_radius(W):\n    return float(np.linalg.norm(W, 2))"),
            # Flattens the positions and forgets to restore the shape: right on 2-D inputs.
            "ffn_forward": (
                "def ffn_forward(x, W1, b1, W2, b2):\n"
                "    x = x.reshape(-1, x.shape[-1])\n"
                "    return np.maximum(x @ W1 + b1, 0) @ W2 + b2"
            ),
            # Counts the negative pre-activations: misses those exactly 0.
            "ffn_sparsity": (
                "def ffn_sparsity(x, W1, b1):\n    return float(np.mean(x @ W1 + b1 < 0))"
            ),
        },
    )
    klass.grade()
    results = klass.results("wrong")
    planted = [q.id for q in exercise("07_rnn_transformer").questions]
    assert_only(results, dict.fromkeys(planted, "failed"))
    for question in planted:
        assert_public_failure(results[question][2], question)
    assert "wrong dtype, expected float32, got float64" in results["rnn_step_relu"][2]
    assert "wrong shape" in results["irnn_forward"][2]
    assert "wrong shape" in results["ffn_forward"][2]


def test_hidden_cases_depend_on_the_secret_only(klass):
    from relu_course.grading.grade import hidden_rng

    a = hidden_rng(SECRET, "02_relu_definition", "relu").normal(size=4)
    b = hidden_rng(SECRET, "02_relu_definition", "relu").normal(size=4)
    c = hidden_rng(SECRET + b"x", "02_relu_definition", "relu").normal(size=4)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_an_infinite_loop_in_an_answer_cell(klass):
    klass.submit("loop", "01_deep_learning", answers={"collapse_linear": "while True:\n    pass"})
    klass.grade()
    results = klass.results("loop")
    assert_only(results, {"collapse_linear": "timeout"})
    assert "did not finish" in results["collapse_linear"][2]


def test_a_loop_that_swallows_the_timeout_is_killed_and_the_rest_graded(klass):
    stubborn = (
        "while True:\n"
        "    try:\n"
        "        while True:\n"
        "            pass\n"
        "    except BaseException:\n"
        "        pass"
    )
    klass.submit("stubborn", "01_deep_learning", answers={"two_layer_forward": stubborn})
    klass.grade()
    results = klass.results("stubborn")
    assert_only(results, {"two_layer_forward": "timeout"})
    assert "time limit" in results["two_layer_forward"][2]


def test_a_memory_bomb(klass):
    # Twice the memory limit: more than a submission may have, but what this machine could
    # give, so that only the limit stops it.
    bomb = (
        "def collapse_linear(W1, b1, W2, b2):\n"
        f"    hog = np.ones({2 * LIMITS.memory_mb} * 2**20 // 8)\n"
        "    return W2 @ W1, W2 @ b1 + b2"
    )
    klass.submit("bomb", "01_deep_learning", answers={"collapse_linear": bomb})
    klass.grade()
    results = klass.results("bomb")
    assert_only(results, {"collapse_linear": "error"})
    assert "MemoryError" in results["collapse_linear"][2]


def _sleepers() -> int:
    found = subprocess.run(["pgrep", "-f", "sleep 37"], capture_output=True, text=True, check=False)
    return len(found.stdout.split())


def test_five_hundred_processes(klass):
    spawn = (
        "import subprocess\n"
        "def count_parameters(layer_sizes):\n"
        "    [subprocess.Popen(['sleep', '37']) for _ in range(500)]\n"
        "    return 0"
    )
    klass.submit("forker", "01_deep_learning", answers={"count_parameters": spawn})
    klass.grade()
    results = klass.results("forker")
    assert_only(results, {"count_parameters": "error"})
    assert (
        "BlockingIOError" in results["count_parameters"][2]
        or "Resource" in results["count_parameters"][2]
    )
    time.sleep(0.5)
    assert _sleepers() == 0, "processes of the submission outlived its sandbox"


def test_os_exit_in_an_answer(klass):
    quitter = "import os\ndef two_layer_forward(X, W1, b1, W2, b2):\n    os._exit(0)"
    klass.submit("quitter", "01_deep_learning", answers={"two_layer_forward": quitter})
    klass.submit(
        "quitter_at_import",
        "01_deep_learning",
        answers={"count_parameters": "import os\nos._exit(0)"},
    )
    klass.grade()
    results = klass.results("quitter")
    assert_only(results, {"two_layer_forward": "crashed"})
    assert "ended the process" in results["two_layer_forward"][2]
    results = klass.results("quitter_at_import")
    assert_only(results, {"count_parameters": "crashed"})
    assert "ended the process (exit status 0)" in results["count_parameters"][2]


def test_many_cells_that_end_the_process_do_not_hold_the_grader(klass, monkeypatch):
    runs = []
    real_run = grade_module.run_worker

    def counted(*args, **kwargs):
        runs.append(1)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(grade_module, "run_worker", counted)

    def crashers(nb):
        nb.cells[1:1] = [nbformat.v4.new_code_cell("import os\nos._exit(1)") for _ in range(40)]

    klass.submit("crasher", "01_deep_learning", edit=crashers)
    klass.grade()
    questions = exercise("01_deep_learning").questions
    assert len(runs) <= grade_module.MAX_SKIPPED_CELLS + len(questions) + 2
    results = klass.results("crasher")
    assert all(status == "crashed" for _, status, _ in results.values())
    message = results["collapse_linear"][2]
    assert f"stopped the run {grade_module.MAX_SKIPPED_CELLS + 1} times" in message
    assert "grading gave up on the rest" in message


@WALLS
def test_a_busy_loop_that_swallows_timeouts_meets_the_cpu_limit(klass, monkeypatch, walls):
    # A loop that catches the case timeout and spins on: with a wall-clock limit longer than
    # the CPU limit, the CPU limit is what stops it, and the message says so.
    spin = (
        "def count_parameters(layer_sizes):\n"
        "    while True:\n"
        "        try:\n"
        "            while True:\n"
        "                pass\n"
        "        except BaseException:\n"
        "            pass\n"
    )
    use_walls(walls, monkeypatch)
    klass.submit("spinner", "01_deep_learning", answers={"count_parameters": spin})
    limits = dataclasses.replace(
        LIMITS, cpu_seconds=3, wall_seconds=12, cell_seconds=1, case_seconds=1
    )
    grade_inbox(klass.inbox, klass.gradebook, SECRET, limits=limits, warn=lambda text: None)
    results = klass.results("spinner")
    assert_only(results, {"count_parameters": "crashed"})
    assert "used more than 3 s of CPU time" in results["count_parameters"][2]


def test_a_submission_has_a_time_budget_across_its_runs(klass):
    # Cells that swallow their timeout are each killed at the wall-clock limit, one run each.
    def hangers(nb):
        hang = (
            "while True:\n    try:\n        time.sleep(1)\n    except BaseException:\n        pass"
        )
        nb.cells[1:1] = [nbformat.v4.new_code_cell(f"import time\n{hang}") for _ in range(4)]

    klass.submit("hanger", "01_deep_learning", edit=hangers)
    limits = dataclasses.replace(LIMITS, wall_seconds=2, cell_seconds=1, submission_seconds=5)
    start = time.monotonic()
    grade_inbox(klass.inbox, klass.gradebook, SECRET, limits=limits)
    assert time.monotonic() - start < 5 + 2 + 5  # the budget, one more run, start-up
    results = klass.results("hanger")
    assert all(status == "timeout" for _, status, _ in results.values())
    assert "over the 5 s a submission may take" in results["collapse_linear"][2]


@WALLS
def test_the_secret_gradebook_and_inbox_are_out_of_reach(klass, monkeypatch, walls):
    klass.submit("first", "01_deep_learning")
    klass.grade()
    use_walls(walls, monkeypatch)
    before = rows(klass.gradebook)
    snoop = (
        "def collapse_linear(W1, b1, W2, b2):\n"
        f"    return open({str(klass.secret_file)!r}).read()\n"
    )
    planted = klass.inbox / "first" / "planted.json"
    vandal = (
        f"for target in ({str(klass.gradebook)!r}, {str(planted)!r}):\n"
        "    try:\n"
        "        open(target, 'w').write('{}')\n"
        "    except OSError as error:\n"
        "        print(error)\n" + GOOD_COLLAPSE
    )
    klass.submit("snoop", "01_deep_learning", answers={"collapse_linear": snoop})
    klass.submit("vandal", "01_deep_learning", answers={"collapse_linear": vandal})
    klass.grade(warn=lambda text: None)
    results = klass.results("snoop")
    assert_only(results, {"collapse_linear": "error"})
    # In bubblewrap the file is not there at all; under Landlock alone it may not be opened.
    expected = "FileNotFoundError" if walls.startswith("bubblewrap") else "PermissionError"
    assert expected in results["collapse_linear"][2]
    assert_only(klass.results("vandal"), {})
    assert rows(klass.gradebook)[: len(before)] == before or set(before) <= set(
        rows(klass.gradebook)
    )
    assert not (klass.inbox / "first" / "planted.json").exists()
    everything = json.dumps(rows(klass.gradebook))
    assert SECRET.decode() not in everything


def listening(protocol: str, folder: Path) -> tuple[socket.socket, str]:
    """A socket on this machine for the submission to reach, and the code that reaches it."""
    if protocol == "unix":  # a named socket, outside the job folder
        path = str(folder / "s.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        reach = f"s = socket.socket(socket.AF_UNIX); s.connect({path!r}); s.sendall(b'hello')"
    else:
        kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
        listener = socket.socket(socket.AF_INET, kind)
        listener.bind(("127.0.0.1", 0))
        address = ("127.0.0.1", listener.getsockname()[1])
        reach = (
            f"socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'hello', {address})"
            if protocol == "udp"
            else f"socket.create_connection({address}, timeout=2).sendall(b'hello')"
        )
    if protocol != "udp":
        listener.listen()
    listener.settimeout(0.2)
    return listener, reach


@WALLS
@pytest.mark.parametrize("protocol", ["tcp", "udp", "unix"])
def test_no_network(klass, monkeypatch, walls, protocol, tmp_path):
    # Landlock refuses TCP only; the worker's socket filter refuses every socket (seccomp.py).
    use_walls(walls, monkeypatch)
    listener, reach = listening(protocol, tmp_path)
    caller = f"import socket\ndef count_parameters(layer_sizes):\n    {reach}\n    return 0"
    klass.submit("caller", "01_deep_learning", answers={"count_parameters": caller})
    received = []

    def receive() -> None:
        deadline = time.time() + 20
        while time.time() < deadline and not stop.is_set():
            try:
                received.append(listener.recv(16) if protocol == "udp" else listener.accept())
            except TimeoutError:
                continue

    stop = threading.Event()
    thread = threading.Thread(target=receive)
    thread.start()
    try:
        klass.grade(warn=lambda text: None)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert received == []
    results = klass.results("caller")
    assert_only(results, {"count_parameters": "error"})
    assert "Error" in results["count_parameters"][2]


def running(marker: str) -> list[str]:
    """The command lines of the processes on this machine that contain ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # not a process, or gone
            continue
        if marker in command:
            found.append(command)
    return found


@WALLS
def test_no_process_a_submission_starts_outlives_its_run(klass, monkeypatch, walls):
    # Without bubblewrap there is no process namespace to end with the run: the seccomp filter
    # keeps every process in the worker's process group, and the grader ends the group.
    marker = f"{os.getpid()}.{time.monotonic_ns() % 10**6}"
    starter = (
        "import subprocess\n"
        f"subprocess.Popen(['/bin/sleep', '1{marker}'])\n"
        "try:\n"
        f"    subprocess.Popen(['/bin/sleep', '2{marker}'], start_new_session=True)\n"
        "    escaped = True\n"
        "except (OSError, subprocess.SubprocessError):\n"
        "    escaped = False\n"
        "def count_parameters(layer_sizes):\n"
        "    right = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"
        "    return -1 if escaped else right\n"
    )
    use_walls(walls, monkeypatch)
    klass.submit("starter", "01_deep_learning", answers={"count_parameters": starter})
    klass.grade(warn=lambda text: None)
    assert_only(klass.results("starter"), {})
    assert running(marker) == []


@NEEDS_LANDLOCK
def test_without_bubblewrap_landlock_keeps_the_grader_and_the_machine_out_of_reach(
    klass, monkeypatch, tmp_path
):
    # Without bubblewrap the worker runs as the grader's own user, in the grader's view of the
    # machine: Landlock is what keeps it from the grader's process and from other files.
    use_walls("landlock only", monkeypatch)
    outside = tmp_path / "outside.txt"
    attempts = (
        "import os, signal, subprocess\n"
        "def attempts():\n"
        "    tries = {\n"
        "        'signal the grader': lambda: os.kill(os.getppid(), signal.SIGWINCH),\n"
        "        'read its environment': lambda: open(f'/proc/{os.getppid()}/environ').read(),\n"
        f"        'write a file': lambda: open({str(outside)!r}, 'w').write('x'),\n"
        "        'read the home folder': lambda: os.listdir(os.path.expanduser('~root')),\n"
        "        'list the processes': lambda: os.listdir('/proc'),\n"
        "        'a child writes': lambda: subprocess.run(\n"
        f"            ['/bin/sh', '-c', 'echo x > {outside}'], check=True),\n"
        "    }\n"
        "    blocked = []\n"
        "    for name, attempt in tries.items():\n"
        "        try:\n"
        "            attempt()\n"
        "        except (OSError, subprocess.CalledProcessError):\n"
        "            blocked.append(name)\n"
        "    return blocked\n"
        "blocked = attempts()\n"
        "def count_parameters(layer_sizes):\n"
        "    if len(blocked) < 6:\n"
        "        raise RuntimeError(f'only {blocked} were blocked')\n"
        "    return sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"
    )
    klass.submit("prober", "01_deep_learning", answers={"count_parameters": attempts})
    warnings: list[str] = []
    (sub,) = klass.grade(warn=warnings.append)
    assert_only(klass.results("prober"), {})
    assert not outside.exists()
    assert sub.sandbox == "landlock"
    assert any("confined by Landlock" in w for w in warnings)


def test_an_output_flood(klass):
    flood = (
        GOOD_COLLAPSE
        + "\nprint('x' * 100_000_000)\nimport sys\nsys.__stdout__.write('y' * 100_000_000)"
    )
    klass.submit("flood", "01_deep_learning", answers={"collapse_linear": flood})
    klass.grade()
    assert_only(klass.results("flood"), {})


def test_an_answer_file_grows_no_larger_than_the_file_limit(klass):
    # The answer files are the worker's to write, so no wall keeps it out of them: the file
    # size limit stops a submission that writes the grader's disk full through one.
    grow = (
        "def count_parameters(layer_sizes):\n"
        "    with open('out/count_parameters.json', 'ab') as f:\n"
        f"        for _ in range({LIMITS.file_mb + 1}):\n"
        "            f.write(bytes(2**20))\n"
        "    return sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"
    )
    klass.submit("grower", "01_deep_learning", answers={"count_parameters": grow})
    klass.grade()
    results = klass.results("grower")
    assert_only(results, {"count_parameters": "error"})
    assert "OSError: [Errno 27] File too large" in results["count_parameters"][2]


@WALLS
def test_a_disk_filler_gets_no_more_than_its_disk_quota(klass, monkeypatch, walls):
    # Writes 4 MiB files wherever it can, and answers correctly only if it could not write
    # more than the quota in all: /tmp is memory, so an unbounded writer could take the
    # grader's memory; the job folder is on the grader's disk.
    filler = (
        "import os\n"
        f"quota = {LIMITS.disk_mb} * 2**20\n"
        "written = 0\n"
        "here = os.getcwd()\n"
        "for folder in ('/tmp', here, os.path.join(here, 'out'), '/dev/shm', '/dev', '/var/tmp'):\n"
        "    for i in range(quota // 2**22 + 1):\n"
        "        try:\n"
        "            with open(os.path.join(folder, f'fill{i}'), 'wb') as f:\n"
        "                f.write(bytes(2**22))\n"
        "        except OSError:\n"
        "            break\n"
        "        written += 2**22\n"
        "def count_parameters(layer_sizes):\n"
        "    right = sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"
        "    return right if written <= quota else -written\n"
    )
    use_walls(walls, monkeypatch)
    klass.submit("filler", "01_deep_learning", answers={"count_parameters": filler})
    klass.grade(warn=lambda text: None)
    assert_only(klass.results("filler"), {})


#: Ways to write 4 MiB files into the temporary folder: kept, or deleted but held open (a file
#: that keeps its blocks but shows in no folder; the grader finds it through /proc).
WRITES = {
    "kept": "    with open(path, 'wb') as f:\n        f.write(os.urandom(2**22))\n",
    "deleted but open": (
        "    held.append(os.open(path, os.O_CREAT | os.O_WRONLY))\n"
        "    os.write(held[-1], os.urandom(2**22))\n"
        "    os.unlink(path)\n"
    ),
}


@NEEDS_LANDLOCK
@pytest.mark.parametrize("how", WRITES)
def test_without_bubblewrap_the_temporary_folder_is_watched(klass, monkeypatch, how):
    # Under Landlock alone the temporary folder is on the grader's disk, in the job folder: the
    # grader measures it while the worker runs. The writer stops on its own at 16 times the
    # limit, so that a grader that failed to stop it would not fill the disk.
    write = "".join("    " + line for line in WRITES[how].splitlines(keepends=True))
    writer = (
        "import os, tempfile\n"
        "held = []\n"
        "def count_parameters(layer_sizes):\n"
        f"    for i in range({16 * LIMITS.disk_mb // 4}):\n"
        "        path = os.path.join(tempfile.gettempdir(), f'fill{i}')\n"
        f"{write}"
        "    return sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"
    )
    use_walls("landlock only", monkeypatch)
    klass.submit("writer", "01_deep_learning", answers={"count_parameters": writer})
    klass.grade(warn=lambda text: None)
    results = klass.results("writer")
    assert_only(results, {"count_parameters": "crashed"})
    message = f"wrote more than {LIMITS.disk_mb} MB (or 10,000 files) to its temporary folder"
    assert message in results["count_parameters"][2]


def test_deleted_files_held_open_are_measured_by_process_group():
    from relu_course.grading.sandbox import deleted_open_bytes

    holder = (
        "import os, sys, tempfile, time\n"
        "fd, path = tempfile.mkstemp()\n"
        "os.write(fd, os.urandom(2**20))\n"
        "os.unlink(path)\n"
        "kept, kept_path = tempfile.mkstemp()\n"  # not deleted: a folder's measure sees it
        "os.write(kept, os.urandom(2**20))\n"
        "print(kept_path, flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        kept_path = child.stdout.readline().strip()
        size = deleted_open_bytes(child.pid, 2**30)
        assert 2**20 <= size < 2**20 + 2**16
        assert deleted_open_bytes(child.pid, 2**19) == 2**19 + 1
    finally:
        child.kill()
        child.wait()
        os.unlink(kept_path)
    assert deleted_open_bytes(child.pid, 2**30) == 0  # ended: nothing held


def test_a_folder_is_measured_in_blocks_and_files(tmp_path):
    from relu_course.grading.sandbox import MAX_TMP_FILES, folder_size

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "dense").write_bytes(os.urandom(2**20))
    with (tmp_path / "sparse").open("wb") as f:  # 1 GiB long, a few blocks on disk
        f.truncate(2**30)
    (tmp_path / "link").symlink_to("/usr")  # not followed
    size = folder_size(tmp_path, 2**30)
    assert 2**20 <= size < 2**20 + 2**17
    assert folder_size(tmp_path, 2**19) == 2**19 + 1  # stops counting past the limit
    # Folders nested past the longest path the system can name: what they hold is not
    # measurable, so it counts as too much.
    deep = tmp_path / "deep"
    deep.mkdir()
    parent = os.open(deep, os.O_RDONLY)
    for _ in range(20):
        os.mkdir("d" * 250, dir_fd=parent)
        child = os.open("d" * 250, os.O_RDONLY, dir_fd=parent)
        os.close(parent)
        parent = child
    os.close(parent)
    assert folder_size(deep, 2**30) == 2**30 + 1
    many = tmp_path / "many"
    many.mkdir()
    for i in range(MAX_TMP_FILES):
        (many / str(i)).touch()
    assert folder_size(tmp_path, 2**30) == 2**30 + 1


FORGER = """
import io, zipfile
import numpy as np
import relu_course.grading.codec as codec

real_write = codec.write

def header(shape):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue()

def forge(path, data, arrays):
    # The worker writes its answer files through this module: replace them with traps.
    real_write(path, data, arrays)
    npz = path.with_suffix(".npz")
    with open(path.parent / "progress.jsonl", "a") as log:  # a progress line as deep
        log.write("[" * 100_000 + "\\n")
    if path.stem == "collapse_linear":  # JSON nested 100,000 deep
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif path.stem == "two_layer_forward":  # a header that claims 745 GiB
        with zipfile.ZipFile(npz, "w") as archive:
            archive.writestr("a0.npy", header((10**11,)) + bytes(64))
    elif path.stem == "count_parameters":  # a zip bomb: 256 MiB of zeros in 256 KiB
        with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("a0.npy", header((2**25,)) + bytes(2**28))

codec.write = forge

def count_parameters(layer_sizes):
    return np.int64(sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:])))
"""


def test_forged_answer_files_cost_their_questions_not_the_grader(klass):
    klass.submit("forger", "01_deep_learning", answers={"count_parameters": FORGER})
    klass.submit("after", "01_deep_learning")
    klass.grade()
    results = klass.results("forger")
    assert_only(
        results,
        {q: "invalid" for q in ("collapse_linear", "two_layer_forward", "count_parameters")},
    )
    assert "nested too deeply" in results["collapse_linear"][2]
    assert "declares shape (100000000000,)" in results["two_layer_forward"][2]
    assert "compressed" in results["count_parameters"][2]
    assert_only(klass.results("after"), {})


def test_without_bubblewrap_and_landlock_a_linked_answer_file_is_not_followed(klass, monkeypatch):
    # With the limits only, the job folder is writable: the submission swaps its answer file
    # for a link (to a device or a pipe it could hang the grader; here, to Python itself).
    monkeypatch.setattr(grade_module, "bwrap", lambda: None)
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    linker = (
        "import os, sys\n"
        "import relu_course.grading.codec as codec\n"
        "real_write = codec.write\n"
        "def link(path, data, arrays):\n"
        "    real_write(path, data, arrays)\n"
        "    if path.stem == 'count_parameters':\n"
        "        os.unlink(path.with_suffix('.npz'))\n"
        "        os.symlink(os.path.realpath(sys.executable), path.with_suffix('.npz'))\n"
        "codec.write = link\n"
        "def count_parameters(layer_sizes):\n"
        "    return sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"
    )
    klass.submit("linker", "01_deep_learning", answers={"count_parameters": linker})
    klass.grade(warn=lambda text: None)
    results = klass.results("linker")
    assert_only(results, {"count_parameters": "invalid"})
    assert "count_parameters.npz is missing or not a regular file" in results["count_parameters"][2]


def test_patched_numpy_does_not_fool_the_judge(klass):
    patch = (
        "np.allclose = lambda *args, **kwargs: True\n"
        "np.isclose = lambda a, b, **kwargs: np.ones(np.shape(a), bool)\n"
        "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
        "np.array_equal = lambda *args, **kwargs: True\n"
        "def collapse_linear(W1, b1, W2, b2):\n"
        "    return W1, b1\n"
    )
    klass.submit("patcher", "01_deep_learning", answers={"collapse_linear": patch})
    klass.grade()
    assert_only(klass.results("patcher"), {"collapse_linear": "failed"})
    assert np.allclose(np.zeros(1), np.ones(1)) is False


def test_deleted_and_duplicated_answer_cells(klass):
    def delete(nb):
        nb.cells.remove(answer_cell(nb, "two_layer_forward"))

    def duplicate(nb):
        cell = answer_cell(nb, "collapse_linear")
        wrong = nbformat.from_dict(json.loads(json.dumps(cell)))
        wrong.id = "duplicate"
        wrong.source = "def collapse_linear(W1, b1, W2, b2):\n    return W2 @ W1, b2"
        nb.cells.insert(nb.cells.index(cell) + 1, wrong)

    klass.submit("deleter", "01_deep_learning", edit=delete)
    klass.submit("duplicator", "01_deep_learning", edit=duplicate)
    klass.grade()
    results = klass.results("deleter")
    assert_only(results, {"two_layer_forward": "missing"})
    assert "was deleted" in results["two_layer_forward"][2]
    results = klass.results("duplicator")
    assert_only(results, {"collapse_linear": "failed"})
    assert "appears 2 times; the last definition was graded" in results["collapse_linear"][2]


def test_a_moved_answer_cell_is_still_found(klass):
    def move(nb):
        cell = answer_cell(nb, "count_parameters")
        nb.cells.remove(cell)
        nb.cells.insert(2, cell)

    klass.submit("mover", "01_deep_learning", edit=move)
    klass.grade()
    assert_only(klass.results("mover"), {})


def _plant(klass, student: str, exercise_id: str, data: bytes) -> None:
    import hashlib

    folder = klass.inbox / student / exercise_id
    folder.mkdir(parents=True)
    (folder / "x.ipynb").write_bytes(data)
    manifest = {
        "student": student,
        "exercise": exercise_id,
        "submitted_at": "2026-11-02T10:00:00+00:00",
        "sha256": hashlib.sha256(data).hexdigest(),
        "notebook": "x.ipynb",
    }
    (folder / "x.json").write_text(json.dumps(manifest))


def test_a_non_json_file_and_another_exercises_notebook(klass):
    klass.submit("good", "01_deep_learning")
    _plant(klass, "garbage", "01_deep_learning", b"\x89PNG this is not a notebook")
    other = nbformat.writes(source("02_relu_definition")).encode()
    _plant(klass, "confused", "01_deep_learning", other)
    klass.grade()
    assert_only(klass.results("good"), {})
    for student, words in (
        ("garbage", "not a notebook"),
        ("confused", "notebook of exercise 02_relu_definition"),
    ):
        results = klass.results(student)
        assert {status for _, status, _ in results.values()} == {"invalid"}
        assert all(words in message for _, _, message in results.values())


def test_a_changed_file_and_a_bad_manifest(klass):
    manifest = klass.submit("tamper", "01_deep_learning")
    notebook = manifest.with_suffix(".ipynb")
    notebook.write_bytes(notebook.read_bytes().replace(b"W2 @ b1 + b2", b"b2"))
    (klass.inbox / "nonsense.json").write_text("[1, 2]")
    (klass.inbox / "deep.json").write_text("[" * 30_000 + "]" * 30_000)
    escape = json.loads(manifest.read_text())
    escape["student"] = "../../outside"
    (manifest.parent / "escape.json").write_text(json.dumps(escape))
    warnings = []
    klass.grade(warn=warnings.append)
    results = klass.results("tamper")
    assert all(
        status == "invalid" and "changed after it was submitted" in m
        for _, status, m in results.values()
    )
    assert any("nonsense.json: not a submission manifest" in w for w in warnings)
    assert any("deep.json: not a submission manifest" in w for w in warnings)
    assert any(
        "escape.json: not a submission manifest (student '../../outside'" in w for w in warnings
    )
    assert {s.student for s in klass.graded()} == {"tamper"}


def test_links_and_special_files_in_the_inbox_are_not_followed(klass, tmp_path):
    # A 2 GiB sparse file stands for what a link could point at (/dev/zero, a secret).
    big = tmp_path / "big"
    with big.open("wb") as f:
        f.truncate(2**31)
    (klass.inbox / "linked").mkdir(parents=True)
    (klass.inbox / "linked" / "manifest.json").symlink_to(big)
    manifest = klass.submit("pointer", "01_deep_learning")
    notebook = manifest.with_suffix(".ipynb")
    notebook.unlink()
    notebook.symlink_to(big)
    klass.submit("after", "01_deep_learning")
    warnings: list[str] = []
    klass.grade(warn=warnings.append)
    assert any("manifest.json is a link or not a regular file" in w for w in warnings)
    results = klass.results("pointer")
    assert all(
        status == "invalid" and "not a regular file" in m for _, status, m in results.values()
    )
    assert_only(klass.results("after"), {})


def test_regrading_changes_nothing(klass):
    klass.submit("a", "01_deep_learning")
    klass.submit(
        "b",
        "01_deep_learning",
        answers={"collapse_linear": "def collapse_linear(*args):\n    return 1"},
    )
    klass.grade()
    first = rows(klass.gradebook)
    with sqlite3.connect(klass.gradebook) as db:
        graded_at = db.execute("SELECT id, graded_at FROM submissions").fetchall()
    klass.grade()
    assert rows(klass.gradebook) == first
    with sqlite3.connect(klass.gradebook) as db:
        assert db.execute("SELECT id, graded_at FROM submissions").fetchall() == graded_at


def test_a_grader_killed_mid_batch_then_rerun(klass):
    for i in range(6):
        klass.submit(f"s{i}", "01_deep_learning")
    command = [
        Path(sys.executable).parent / "relu-course", "grade", str(klass.inbox),
        "--gradebook", str(klass.gradebook), "--secret", str(klass.secret_file),
    ]  # fmt: skip
    grader = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if klass.gradebook.exists() and len(klass.graded()) >= 2:
            break
        time.sleep(0.05)
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    kept = klass.graded()
    assert 2 <= len(kept) < 6
    assert klass.earlier_kept()
    assert all(len(s.results) == 3 for s in kept), "a half-written submission survived"
    subprocess.run(command, check=True, capture_output=True)
    final = klass.graded()
    assert len(final) == 6
    assert klass.earlier_kept()
    assert all(s.score == s.max_score for s in final)
    assert {s.id: s.graded_at for s in kept}.items() <= {s.id: s.graded_at for s in final}.items()


@pytest.mark.parametrize(
    ("missing", "warning", "label"),
    [
        ("bwrap and landlock", "WITHOUT the sandbox, with resource limits", "limits only"),
        ("bwrap --size", "cannot bound the size of the sandbox's /tmp", "bubblewrap"),
    ],
)
def test_a_missing_or_old_bubblewrap_is_warned_about_loudly(
    klass, monkeypatch, missing, warning, label
):
    import relu_course.grading.grade as grade
    import relu_course.grading.sandbox as sandbox

    # The grader's view of the kernel: the worker still confines itself where it can.
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    if missing == "bwrap and landlock":
        monkeypatch.setattr(grade, "bwrap", lambda: None)
    else:
        for module in (grade, sandbox):
            monkeypatch.setattr(module, "bwrap_sizes_tmp", lambda executable: False)
    klass.submit("a", "01_deep_learning")
    warnings: list[str] = []
    (sub,) = klass.grade(warn=warnings.append)
    assert any(warning in w for w in warnings)
    assert sub.sandbox == label
    assert sub.score == sub.max_score


@pytest.mark.parametrize(
    ("abi", "filtered", "says", "does_not_say"),
    [
        (7, True, "open a socket, leave a process running, or trace the grader", "they can"),
        (7, False, "but they can use UDP and named Unix sockets and leave processes", "signal"),
        (5, True, "they can signal the grader.", "UDP"),
        (3, False, "use the network, leave processes running and signal the grader", "UDP"),
        (0, True, "every file this user can. Install", "network"),
        (0, False, "this user can, use the network and leave processes running.", "Landlock and"),
    ],
)
def test_the_warning_without_bubblewrap_names_what_is_left_open(
    monkeypatch, abi, filtered, says, does_not_say
):
    import relu_course.grading.grade as grade

    monkeypatch.setattr(landlock, "abi", lambda: abi)
    monkeypatch.setattr(grade.seccomp, "supported", lambda: filtered)
    warning = grade._no_bubblewrap_warning()
    assert warning.startswith("WARNING: bwrap (bubblewrap) is not installed")
    assert says in warning
    assert does_not_say not in warning


def test_parallel_jobs_grade_the_same(klass):
    for i in range(4):
        klass.submit(f"p{i}", "01_deep_learning")
    subs = klass.grade(jobs=2)
    assert len(subs) == 4
    assert all(s.score == s.max_score for s in subs)


def test_planted_wrong_answers_of_08_why_relu(klass):
    klass.submit(
        "wrong",
        "08_why_relu",
        answers={
            # The formula in the input's dtype: exp(11.5) overflows float16, a public input.
            "silu": "def silu(x):\n    return x / (1 + np.exp(-x))",
            # The tanh approximation: off by up to 5e-4, within no tolerance of the exact GELU.
            "gelu_exact": (
                "def gelu_exact(x):\n"
                "    z = x.astype(np.float64)\n"
                "    inner = np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)\n"
                "    return (0.5 * z * (1 + np.tanh(inner))).astype(x.dtype)"
            ),
            # log(1 + exp(x)) as written: inf for large inputs, which a public case tries.
            "softplus_stable": (
                "def softplus_stable(x):\n"
                "    z = x.astype(np.float64)\n"
                "    return np.log(1 + np.exp(z)).astype(x.dtype)"
            ),
            # np.std's default divides by n, not n - 1.
            "seed_summary": (
                "def seed_summary(scores):\n"
                "    return np.stack([scores.mean(axis=1), scores.std(axis=1)], axis=1)"
            ),
        },
    )
    klass.grade()
    results = klass.results("wrong")
    assert_only(results, {q.id: "failed" for q in exercise("08_why_relu").questions})
    for question in ("silu", "softplus_stable"):
        assert_public_failure(results[question][2], question)


# ------------------------------------------------------------------ hostile answer files

_KINDS = [
    "array", "scalar", "list", "tuple", "float", "bool", "unsupported", "error",
    "not_implemented", "missing", "not_callable", "value",
]  # fmt: skip
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from(["a0", "a1", "nan", "inf", "timeout"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KINDS) | st.text(max_size=3), inner, max_size=2),
    max_leaves=12,
)  # fmt: skip
_payloads = _json | st.fixed_dictionaries(
    {"answers": st.lists(_json, max_size=12) | _json},
    optional={"cell_errors": _json},
)
_QUESTIONS = [(ex, q) for ex in exercises().values() for q in ex.questions]


@functools.cache
def _public_plan(exercise_id: str):
    return grade_module._plan(exercise(exercise_id), None)


# What the worker writes for a value, and other things a forger could write in its place.
_encoded = st.recursive(
    st.none() | st.integers() | st.floats() | st.text(max_size=3)
    | st.sampled_from([{"array": "a0"}, {"array": "a1"}, {"scalar": "a0"}, {"float": "nan"},
                       {"bool": True}, {"unsupported": "x"}]),
    lambda inner: st.builds(lambda k, v: {k: v}, st.sampled_from(["list", "tuple"]),
                            st.lists(inner, max_size=4)),
    max_leaves=10,
)  # fmt: skip
_answer = (
    st.builds(lambda v: {"value": v}, _encoded)
    | st.sampled_from(
        [
            {"error": "timeout"},
            {"error": "ValueError: x"},
            {"not_implemented": True},
            {"value": {"array": "a9"}},
        ]
    )
    | _json
)
_ARRAYS = [np.zeros(3), np.ones((2, 2), np.int64), np.array(True), np.array([1j]), np.zeros((0, 4))]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pair=st.sampled_from(_QUESTIONS),
    data=st.data(),
    a0=st.sampled_from(_ARRAYS),
    owner=st.none() | st.integers(0, 3),
)
def test_any_answer_file_gets_a_result_and_never_stops_the_grader(
    tmp_path_factory, pair, data, a0, owner
):
    ex, q = pair
    plan = _public_plan(ex.id)
    n = len(plan.expected[q.id])
    well_formed = st.lists(st.builds(lambda v: {"value": v}, _encoded), min_size=n, max_size=n)
    mixed = st.lists(_answer, min_size=n, max_size=n)
    payload = data.draw(_payloads | st.builds(lambda a: {"answers": a}, well_formed | mixed))
    out = tmp_path_factory.mktemp("out")
    (out / f"{q.id}.json").write_text(json.dumps(payload))
    np.savez(out / f"{q.id}.npz", a0=a0, a1=np.arange(6.0).reshape(2, 3))
    result = grade_module._collect(q, out, plan, "", owner, {}, LIMITS)
    event(result.status)
    assert result.question == q.id
    assert result.status in {"passed", "failed", "error", "timeout", "crashed", "missing",
                             "not_answered", "invalid"}  # fmt: skip


_event = st.fixed_dictionaries(
    {},
    optional={
        "cell": st.integers(0, 3) | _json,
        "question": st.sampled_from(["relu", "x"]) | _json,
        "state": st.sampled_from(["start", "end"]) | _json,
        "done": _json,
    },
)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_event | _json | _json.map(json.dumps), max_size=8), done=st.booleans())
def test_any_progress_log_is_read_without_stopping_the_grader(tmp_path_factory, lines, done):
    out = tmp_path_factory.mktemp("out")
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    (out / "progress.jsonl").write_text(text + ('\n{"done": true}' if done else ""))
    events = grade_module._events(out)
    where = grade_module._interrupted(events)
    assert (
        where is None
        or (where[0] == "cell" and type(where[1]) is int)
        or (where[0] == "question" and isinstance(where[1], str))
    )
    assert all(isinstance(q, str) for q in grade_module._answered(events))
    assert grade_module._finished(events) in (True, False)


def test_a_manifest_cannot_stand_for_another_student_or_a_future_time(klass):
    klass.submit("alice", "01_deep_learning")
    klass.grade()
    # ivan submits a blank notebook, then edits his manifest to be alice, later than her.
    blank = nbformat.read(STUDENT / "01_deep_learning.ipynb", as_version=4)
    manifest = klass.submit("ivan", "01_deep_learning", nb=blank)
    forged = json.loads(manifest.read_text())
    forged["student"] = "alice"
    manifest.write_text(json.dumps(forged))
    # ... and moves a copy into alice's folder, dated in the future.
    future = dict(forged, submitted_at="2099-01-01T00:00:00+00:00")
    alices = klass.inbox / "alice" / "01_deep_learning"
    (alices / manifest.name).write_text(json.dumps(future))
    (alices / forged["notebook"]).write_bytes(manifest.with_suffix(".ipynb").read_bytes())
    warnings: list[str] = []
    klass.grade(warn=warnings.append)
    assert any(
        "names student 'alice'" in w and "lies in ivan/01_deep_learning/" in w for w in warnings
    )
    assert any("is in the future" in w for w in warnings)
    (alice,) = [s for s in Gradebook(klass.gradebook).latest() if s.student == "alice"]
    assert alice.score == alice.max_score
    assert "ivan" not in {s.student for s in klass.graded()}


def test_handing_in_an_earlier_version_again_makes_it_the_latest(klass, tmp_path):
    wrong = "def count_parameters(layer_sizes):\n    return 0"
    klass.submit("grace", "01_deep_learning")
    klass.submit("grace", "01_deep_learning", answers={"count_parameters": wrong})
    klass.submit("grace", "01_deep_learning")  # the first version again, later
    klass.grade()
    assert len([s for s in klass.graded() if s.student == "grace"]) == 3
    (latest,) = [s for s in Gradebook(klass.gradebook).latest() if s.student == "grace"]
    assert latest.score == latest.max_score


def test_a_notebook_not_there_yet_is_graded_on_a_later_run(klass):
    manifest = klass.submit("slow", "01_deep_learning")
    notebook = manifest.with_suffix(".ipynb")
    parked = notebook.with_name("parked")
    notebook.rename(parked)  # as if a synchronised folder had not copied it yet
    warnings: list[str] = []
    klass.grade(warn=warnings.append)
    assert any("is not there (yet)" in w for w in warnings)
    assert klass.graded() == []
    parked.rename(notebook)
    (sub,) = klass.grade()
    assert sub.score == sub.max_score


def test_another_secret_is_refused_and_the_gradebook_kept(klass):
    klass.submit("first", "01_deep_learning")
    klass.grade()
    before = rows(klass.gradebook)
    klass.submit("second", "01_deep_learning")
    with pytest.raises(GradebookError, match="graded with another secret"):
        grade_inbox(klass.inbox, klass.gradebook, b"a different secret", limits=LIMITS)
    assert rows(klass.gradebook) == before
    assert "second" not in {s.student for s in klass.graded()}


def test_a_public_case_message_shows_where_the_answer_differs(klass):
    # Public inputs are in the notebook already, so the grader may show values for them.
    klass.submit(
        "abs", "02_relu_definition", answers={"relu": "def relu(x):\n    return np.abs(x)"}
    )
    klass.grade()
    _, status, message = klass.results("abs")["relu"]
    assert status == "failed"
    assert "first: relu(x: (5,) float64 array): wrong values at 2 of 5 positions" in message
    assert "(at index (0,): expected 0.0, got 2.0)" in message
