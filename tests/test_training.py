"""relu_course.training: seeding, accuracy, evaluate, History and fit."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
import torch
from torch import nn

from relu_course.data import Split, coloured_digits, load_digits
from relu_course.torch_nn.models import BoxRegressor, ConvNet, FeedForwardClassifier
from relu_course.training import History, accuracy, box_iou, evaluate, fit, mean_iou, set_seed

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def digits() -> Split:
    return load_digits()


@pytest.fixture(scope="module")
def small(digits) -> tuple[torch.Tensor, torch.Tensor]:
    """320 training digits: 5 batches of 64, enough to see a fit's bookkeeping."""
    return digits.X_train[:320], digits.y_train[:320]


def mlp(seed: int = 0, dropout: float = 0.0, hidden_size: int = 32) -> nn.Module:
    torch.manual_seed(seed)
    return FeedForwardClassifier(64, 10, hidden_size=hidden_size, dropout=dropout)


def state(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in net.state_dict().items()}


def same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


class Counting(nn.Module):
    """Wraps a net, counting its forward calls in train mode and recording the modes seen."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net
        self.train_calls = 0
        self.batch_sizes: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.train_calls += 1
            self.batch_sizes.append(len(x))
        out: torch.Tensor = self.net(x)
        return out


# set_seed


def test_set_seed_repeats_python_numpy_and_torch_draws():
    set_seed(7)
    first = (random.random(), np.random.rand(), torch.rand(3))  # noqa: NPY002
    generator = set_seed(7)
    second = (random.random(), np.random.rand(), torch.rand(3))  # noqa: NPY002
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert torch.equal(first[2], second[2])
    assert isinstance(generator, torch.Generator)
    perm = torch.randperm(50, generator=generator)
    assert torch.equal(perm, torch.randperm(50, generator=set_seed(7)))
    assert not torch.equal(perm, torch.randperm(50, generator=set_seed(8)))
    assert generator.initial_seed() == 7


@pytest.mark.parametrize(
    ("seed", "error"), [(-1, ValueError), (2**32, ValueError), (1.5, TypeError)]
)
def test_set_seed_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="set_seed: seed"):
        set_seed(seed)


# accuracy


def test_accuracy_on_hand_made_logits():
    y_hat = torch.tensor([[0.1, 0.9, 0.0], [2.0, -1.0, 0.5], [0.0, 0.0, 3.0], [1.0, 2.0, 0.0]])
    assert accuracy(y_hat, torch.tensor([1, 0, 2, 1])) == 1.0
    assert accuracy(y_hat, torch.tensor([1, 0, 2, 0])) == 0.75
    assert accuracy(y_hat, torch.tensor([0, 1, 1, 0])) == 0.0
    # Ties go to the first largest logit, as torch.argmax.
    assert accuracy(torch.tensor([[1.0, 1.0]]), torch.tensor([0])) == 1.0
    assert isinstance(accuracy(y_hat, torch.tensor([1, 0, 2, 1])), float)


@pytest.mark.parametrize(
    ("y_hat", "y", "match"),
    [
        (
            torch.zeros(4, 3),
            torch.zeros(3, dtype=torch.long),
            r"\(N, C\) .* got \(4, 3\) and \(3,\)",
        ),
        (torch.zeros(4), torch.zeros(4, dtype=torch.long), r"shape \(N, C\)"),
        (torch.zeros(4, 4), torch.zeros(4, 4), r"metrics=\{\}"),
        (torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), r"N >= 1"),
        (torch.zeros(2, 3), torch.zeros(2), r"integer classes, got dtype torch.float32"),
    ],
)
def test_accuracy_rejects_bad_shapes(y_hat, y, match):
    with pytest.raises(ValueError, match=match):
        accuracy(y_hat, y)


# History


def test_history_summary():
    history = History(
        [1.0, 0.5], {"accuracy": [0.5, 0.75]}, [0.6], {"accuracy": [0.7]}, 2.0, steps=8
    )
    text = str(history)
    assert text.startswith("2 epochs, 8 steps in 2.0 s")
    assert "train loss 0.5000" in text
    assert "accuracy 0.7500" in text
    assert "valid loss 0.6000" in text
    assert "valid accuracy 0.7000" in text
    assert history.num_epochs == 2
    assert str(History([], {}, [], {}, 0.0)) == "0 epochs, 0 steps in 0.0 s"


# evaluate


def test_evaluate_matches_the_whole_set_computation_for_any_batch_size(small):
    X, y = small
    net = mlp(dropout=0.5)
    with torch.no_grad():
        y_hat = net.eval()(X)
    expected_loss = float(nn.functional.cross_entropy(y_hat, y))
    expected_acc = accuracy(y_hat, y)
    net.train()
    for batch_size in (1000, 64, 7):
        result = evaluate(net, X, y, batch_size=batch_size)
        assert list(result) == ["loss", "accuracy"]
        assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)
        assert result["accuracy"] == pytest.approx(expected_acc, abs=1e-6)


def test_evaluate_uses_eval_mode_no_grad_and_restores_each_modules_mode(small):
    X, y = small
    net = mlp(dropout=0.5)
    net.train()
    net.encoder.layers[2].eval()  # a submodule deliberately left in eval mode
    seen: list[bool] = []
    net.register_forward_hook(lambda module, args, out: seen.append(module.training))
    first = evaluate(net, X, y)
    assert evaluate(net, X, y) == first  # dropout off
    assert seen
    assert not any(seen)
    assert net.training
    assert net.encoder.training
    assert not net.encoder.layers[2].training
    assert all(p.grad is None for p in net.parameters())
    net.eval()
    evaluate(net, X, y)
    assert not net.training


def test_evaluate_restores_the_mode_on_error(small):
    X, y = small
    net = mlp().train()

    def broken(y_hat, y):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        evaluate(net, X, y, metrics={"broken": broken})
    assert net.training


def test_evaluate_with_custom_loss_and_metrics(small):
    X, y = small
    net = mlp()
    result = evaluate(
        net, X, y, loss_fn=lambda y_hat, y: torch.tensor(3.0), metrics={"n": lambda a, b: len(b)}
    )
    assert result == {"loss": 3.0, "n": 320.0}
    assert list(evaluate(net, X, y, metrics={})) == ["loss"]


def test_evaluate_parameterless_net_runs_where_the_data_are():
    X = torch.tensor([[1.0, -2.0], [-1.0, 3.0]])
    assert evaluate(nn.ReLU(), X, torch.tensor([0, 1]))["accuracy"] == 1.0


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((torch.zeros(3, 64), torch.zeros(2, dtype=torch.long)), {}, ValueError, r"same number"),
        ((torch.zeros(0, 64), torch.zeros(0, dtype=torch.long)), {}, ValueError, r"no examples"),
        (
            (torch.zeros(3, 64), torch.zeros(3, dtype=torch.long)),
            {"batch_size": 0},
            ValueError,
            r"batch_size must be at least 1",
        ),
        (
            (torch.zeros(3, 64), torch.zeros(3, dtype=torch.long)),
            {"metrics": {"loss": accuracy}},
            ValueError,
            r"'loss' is taken",
        ),
        ((np.zeros((3, 64)), torch.zeros(3)), {}, TypeError, r"must be torch tensors"),
    ],
)
def test_evaluate_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        evaluate(mlp(), *args, **kwargs)


# fit: learning


@pytest.fixture(scope="module")
def digits_fit(digits):
    net = mlp(seed=0, hidden_size=128)
    history = fit(
        net,
        digits.X_train,
        digits.y_train,
        num_epochs=5,
        lr=0.01,
        optimizer="adam",
        valid=(digits.X_test, digits.y_test),
    )
    return net, history


def test_fit_learns_the_digits(digits, digits_fit):
    net, history = digits_fit
    assert history.num_epochs == 5
    assert history.steps == 5 * 22  # ceil(1347 / 64) batches an epoch
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.valid_loss[-1] < history.valid_loss[0]
    assert history.valid_metrics["accuracy"][-1] > 0.9
    assert evaluate(net, digits.X_test, digits.y_test)["accuracy"] > 0.9
    assert history.train_metrics["accuracy"][-1] > 0.85
    assert history.seconds > 0
    assert history.train_penalty == []


def test_fit_valid_values_are_evaluate_at_the_end_of_each_epoch(digits, digits_fit):
    net, history = digits_fit
    assert len(history.valid_loss) == len(history.valid_metrics["accuracy"]) == 5
    final = evaluate(net, digits.X_test, digits.y_test)
    assert history.valid_loss[-1] == final["loss"]
    assert history.valid_metrics["accuracy"][-1] == final["accuracy"]


def test_fit_train_values_are_the_losses_before_each_step(small):
    X, y = small
    net = mlp()
    with torch.no_grad():
        y_hat = net(X)
    history = fit(net, X, y, num_epochs=2, lr=0.1, batch_size=len(X))
    # One batch an epoch: the first epoch's loss is the initial net's loss on all the data.
    assert history.train_loss[0] == pytest.approx(float(nn.functional.cross_entropy(y_hat, y)))
    assert history.train_metrics["accuracy"][0] == pytest.approx(accuracy(y_hat, y))
    assert history.valid_loss == []
    assert history.valid_metrics == {"accuracy": []}


def test_fit_with_sgd_momentum_and_weight_decay(digits):
    net = mlp(hidden_size=64)
    history = fit(
        net,
        digits.X_train,
        digits.y_train,
        num_epochs=5,
        lr=0.05,
        momentum=0.9,
        weight_decay=1e-4,
    )
    assert history.train_loss[-1] < 0.3 * history.train_loss[0]
    assert evaluate(net, digits.X_test, digits.y_test)["accuracy"] > 0.85


def test_weight_decay_alone_shrinks_the_weights_geometrically(small):
    X, y = small
    net = mlp()
    before = state(net)
    zero_loss = lambda y_hat, y: (y_hat * 0).sum()  # noqa: E731
    history = fit(net, X, y, num_epochs=1, lr=0.1, weight_decay=0.5, loss_fn=zero_loss, metrics={})
    factor = (1 - 0.1 * 0.5) ** history.steps
    for name, value in net.state_dict().items():
        assert torch.allclose(value, before[name] * factor, atol=1e-6), name


def test_fit_box_regression_with_mse_and_no_metrics():
    split = coloured_digits(test_fraction=0.8, noise=0.0)
    X = split.X_train.flatten(1)
    assert split.boxes_train is not None
    torch.manual_seed(0)
    net = BoxRegressor(X.shape[1], hidden_size=32, dropout=0.0)
    history = fit(
        net,
        X,
        split.boxes_train,
        num_epochs=4,
        lr=1e-3,
        optimizer="adam",
        loss_fn=nn.MSELoss(),
        metrics={},
    )
    assert history.train_metrics == {}
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]


def test_fit_trains_a_convnet_for_a_few_steps():
    split = coloured_digits(test_fraction=0.9)
    torch.manual_seed(0)
    net = ConvNet(image_size=32, in_channels=3)
    history = fit(
        net,
        split.X_train[:64],
        split.y_train[:64],
        num_epochs=3,
        lr=0.01,
        max_steps=2,
        batch_size=8,
    )
    assert history.steps == 2
    assert all(np.isfinite(history.train_loss))


def test_default_accuracy_on_a_regression_target_says_what_to_do(small):
    X, _ = small
    with pytest.raises(ValueError, match=r"metrics=\{\}"):
        fit(mlp(), X, torch.zeros(len(X), 10), num_epochs=1, lr=0.1, loss_fn=nn.MSELoss())


# fit: determinism


def test_two_fits_from_the_same_weights_are_identical_even_with_dropout(small, digits):
    X, y = small
    net = mlp(dropout=0.5)
    twin = copy.deepcopy(net)
    valid = (digits.X_test[:100], digits.y_test[:100])
    torch.manual_seed(123)  # the caller's global RNG state must not matter ...
    a = fit(net, X, y, num_epochs=2, lr=0.1, seed=4, valid=valid)
    torch.manual_seed(456)
    b = fit(twin, X, y, num_epochs=2, lr=0.1, seed=4, valid=valid)
    assert a.train_loss == b.train_loss
    assert a.train_metrics == b.train_metrics
    assert a.valid_loss == b.valid_loss
    assert same_state(state(net), state(twin))


def test_the_seed_changes_the_order_and_the_caller_rng_is_untouched(small):
    X, y = small
    net = mlp()
    twin = copy.deepcopy(net)
    torch.manual_seed(99)
    expected = torch.rand(3)
    torch.manual_seed(99)
    a = fit(net, X, y, num_epochs=1, lr=0.1, seed=0)
    assert torch.equal(torch.rand(3), expected)
    b = fit(twin, X, y, num_epochs=1, lr=0.1, seed=1)
    assert a.train_loss != b.train_loss


def test_shuffling_visits_every_example_once_an_epoch(small):
    X, y = small
    seen: list[torch.Tensor] = []
    net = mlp()
    net.register_forward_hook(lambda module, args, out: seen.append(args[0].clone()))
    fit(net, X, y, num_epochs=1, lr=0.1, batch_size=64)
    batches = torch.cat(seen)
    assert batches.shape == X.shape
    assert not torch.equal(batches, X)  # shuffled
    key = lambda t: sorted(map(tuple, t.tolist()))  # noqa: E731
    assert key(batches) == key(X)


def test_shuffling_order_comes_from_a_generator_seeded_by_seed(small):
    X, y = small
    X = X[:100]
    y = y[:100]
    seen: list[torch.Tensor] = []
    net = mlp(dropout=0.5)  # dropout draws from the global generator, not from the shuffle's
    net.register_forward_hook(lambda module, args, out: seen.append(args[0].clone()))
    fit(net, X, y, num_epochs=2, lr=0.1, batch_size=100, seed=3)
    generator = torch.Generator().manual_seed(3)
    for batch in seen:
        assert torch.equal(batch, X[torch.randperm(100, generator=generator)])


# fit: max_steps


@pytest.mark.parametrize(
    ("max_steps", "epochs", "sizes"),
    [
        (3, 1, [64, 64, 64]),
        (5, 1, [64] * 5),  # stops exactly at the end of epoch 1: epoch 2 is not begun
        (7, 2, [64] * 7),
        (100, 4, [64] * 20),  # num_epochs still bounds the fit
    ],
)
def test_max_steps_counts_optimiser_steps(small, digits, max_steps, epochs, sizes):
    X, y = small
    net = Counting(mlp())
    valid = (digits.X_test[:50], digits.y_test[:50])
    history = fit(net, X, y, num_epochs=4, lr=0.1, max_steps=max_steps, valid=valid)
    assert history.steps == min(max_steps, 20)
    assert net.train_calls == min(max_steps, 20)
    assert net.batch_sizes == sizes
    assert len(history.train_loss) == len(history.valid_loss) == epochs
    assert len(history.train_metrics["accuracy"]) == epochs


def test_max_steps_stops_with_the_weights_after_that_many_steps(small):
    X, y = small
    net = mlp()
    twin = copy.deepcopy(net)
    fit(net, X, y, num_epochs=5, lr=0.1, max_steps=7)
    # In an unlimited fit, the 8th call of the penalty comes before the 8th step: the
    # weights then are those after 7 steps.
    snapshots: list[dict[str, torch.Tensor]] = []

    def snapshot() -> torch.Tensor:
        snapshots.append(state(twin))
        return torch.tensor(0.0)

    fit(twin, X, y, num_epochs=5, lr=0.1, penalty=snapshot)
    assert same_state(state(net), snapshots[7])
    assert not same_state(state(net), snapshots[6])


# fit: penalty


def test_penalty_is_called_once_per_batch_after_the_forward_pass(small):
    X, y = small
    outputs: list[torch.Tensor] = []
    net = mlp()
    net.register_forward_hook(lambda module, args, out: outputs.append(out))
    calls: list[int] = []

    def penalty() -> torch.Tensor:
        calls.append(len(outputs))
        return torch.tensor(0.0)

    history = fit(net, X[:300], y[:300], num_epochs=2, lr=0.1, batch_size=64, penalty=penalty)
    assert calls == list(range(1, history.steps + 1))  # after the batch's forward, each time
    assert history.steps == 10


def test_constant_penalty_is_added_to_the_reported_loss_only(small):
    X, y = small
    net = mlp()
    twin = copy.deepcopy(net)
    plain = fit(net, X, y, num_epochs=2, lr=0.1)
    shifted = fit(twin, X, y, num_epochs=2, lr=0.1, penalty=lambda: torch.tensor(5.0))
    # A constant has no gradient: the same training, and the loss reported 5 higher.
    assert same_state(state(net), state(twin))
    assert shifted.train_loss == pytest.approx([v + 5.0 for v in plain.train_loss])
    assert shifted.train_penalty == pytest.approx([5.0, 5.0])
    assert shifted.train_metrics == plain.train_metrics


def test_activation_penalty_changes_the_training(small):
    X, y = small
    net = mlp()
    twin = copy.deepcopy(net)
    hidden: dict[str, torch.Tensor] = {}
    relu = twin.encoder.layers[1]
    relu.register_forward_hook(lambda module, args, out: hidden.__setitem__("h", out))

    def l1() -> torch.Tensor:
        return 0.05 * hidden["h"].abs().mean()

    plain = fit(net, X, y, num_epochs=3, lr=0.1)
    penalised = fit(twin, X, y, num_epochs=3, lr=0.1, penalty=l1)
    assert not same_state(state(net), state(twin))
    assert len(penalised.train_penalty) == 3
    assert all(p > 0 for p in penalised.train_penalty)
    assert penalised.train_loss != plain.train_loss

    with torch.no_grad():
        mean_plain = net.encoder.layers[1](net.encoder.layers[0](X)).mean()
        mean_penalised = twin.encoder.layers[1](twin.encoder.layers[0](X)).mean()
    assert mean_penalised < mean_plain


def test_penalty_must_return_a_scalar_tensor(small):
    X, y = small
    with pytest.raises(ValueError, match=r"penalty\(\) must return a scalar tensor"):
        fit(mlp(), X, y, num_epochs=1, lr=0.1, penalty=lambda: torch.ones(3))
    with pytest.raises(ValueError, match=r"penalty\(\) must return a scalar tensor"):
        fit(mlp(), X, y, num_epochs=1, lr=0.1, penalty=lambda: 0.5)  # type: ignore[arg-type, return-value]


# fit: non-finite losses


def test_nan_loss_names_epoch_and_step_and_keeps_the_previous_weights(small):
    X, y = small
    net = mlp()
    twin = copy.deepcopy(net)
    calls = [0]

    def loss_fn(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        calls[0] += 1
        loss = nn.functional.cross_entropy(y_hat, y)
        return loss * float("nan") if calls[0] == 8 else loss

    with pytest.raises(ValueError, match=r"loss is nan at epoch 2, step 3 \(step 8 overall\)"):
        fit(net, X, y, num_epochs=3, lr=0.1, loss_fn=loss_fn)
    fit(twin, X, y, num_epochs=3, lr=0.1, max_steps=7)
    assert same_state(state(net), state(twin))
    assert all(torch.isfinite(p).all() for p in net.parameters())


def test_infinite_input_fails_at_the_first_step_without_touching_the_net(small):
    X, y = small
    X = X.clone()
    X[5, 3] = float("inf")
    net = mlp()
    before = state(net)
    with pytest.raises(ValueError, match=r"epoch 1, step 1 .*smaller lr"):
        fit(net, X, y, num_epochs=1, lr=0.1, batch_size=len(X))
    assert same_state(before, state(net))


def test_diverging_lr_is_reported(small):
    X, y = small
    with pytest.raises(ValueError, match=r"fit: the (loss|gradient) .* at epoch \d+, step \d+"):
        fit(mlp(), X * 1e6, y, num_epochs=20, lr=1e6, momentum=0.9)


def test_non_finite_gradient_is_caught_before_the_step(small):
    X, y = small
    net = mlp()
    before = state(net)

    def loss_fn(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # sqrt at 0 has an infinite derivative: a finite loss with a NaN gradient.
        return (y_hat * 0).sqrt().sum()

    with pytest.raises(
        ValueError,
        match=r"gradient of 'encoder\.layers\.0\.weight' is not finite at epoch 1, step 1",
    ):
        fit(net, X, y, num_epochs=1, lr=0.1, loss_fn=loss_fn, metrics={})
    assert same_state(before, state(net))


# fit: modes, devices, output


def test_fit_trains_in_train_mode_and_restores_the_modes(small, digits):
    X, y = small
    net = Counting(mlp(dropout=0.5)).eval()
    fit(net, X, y, num_epochs=2, lr=0.1, valid=(digits.X_test[:50], digits.y_test[:50]))
    assert net.train_calls == 10  # every batch ran in train mode, after each evaluation too
    assert not net.training
    assert not any(m.training for m in net.modules())


def test_fit_is_silent_unless_asked_for_progress(small, capfd):
    X, y = small
    fit(mlp(), X, y, num_epochs=2, lr=0.1)
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""
    fit(mlp(), X, y, num_epochs=2, lr=0.1, progress=True)
    out, err = capfd.readouterr()
    assert out == ""
    assert "2/2" in err
    assert "loss=" in err


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_epochs": 0}, r"num_epochs must be at least 1, got 0"),
        ({"lr": 0.0}, r"lr must be a finite number > 0, got 0.0"),
        ({"lr": -0.1}, r"lr must be a finite number > 0"),
        ({"lr": float("nan")}, r"lr must be a finite number > 0"),
        ({"batch_size": 0}, r"batch_size must be at least 1"),
        ({"max_steps": 0}, r"max_steps must be at least 1"),
        ({"momentum": -0.5}, r"momentum must be a finite number >= 0"),
        ({"weight_decay": -1.0}, r"weight_decay must be a finite number >= 0"),
        ({"optimizer": "rmsprop"}, r"optimizer must be 'sgd' or 'adam', got 'rmsprop'"),
        ({"optimizer": "adam", "momentum": 0.9}, r"momentum=0.9 is for SGD"),
        ({"metrics": {"loss": accuracy}}, r"'loss' is taken"),
        ({"seed": -1}, r"seed must be an int >= 0"),
        (
            {"valid": (torch.zeros(3, 64), torch.zeros(2, dtype=torch.long))},
            r"valid's X and y must have the same number",
        ),
        ({"valid": torch.zeros(3, 64)}, r"valid must be a pair"),
    ],
)
def test_fit_rejects_bad_arguments(small, kwargs, match):
    X, y = small
    net = mlp()
    before = state(net)
    arguments = {"num_epochs": 1, "lr": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        fit(net, X, y, **arguments)
    assert same_state(before, state(net))


def test_fit_rejects_mismatched_data_and_untrainable_nets(small):
    X, y = small
    with pytest.raises(
        ValueError, match=r"fit: X and y must have the same number .* \(320, 64\) and \(319,\)"
    ):
        fit(mlp(), X, y[:-1], num_epochs=1, lr=0.1)
    with pytest.raises(ValueError, match=r"no trainable parameters"):
        fit(nn.ReLU(), X, y, num_epochs=1, lr=0.1)
    frozen = mlp().requires_grad_(False)
    with pytest.raises(ValueError, match=r"no trainable parameters"):
        fit(frozen, X, y, num_epochs=1, lr=0.1)
    with pytest.raises(TypeError, match=r"num_epochs must be an int, got float"):
        fit(mlp(), X, y, num_epochs=1.0, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"net must be a torch.nn.Module"):
        fit(lambda x: x, X, y, num_epochs=1, lr=0.1)  # type: ignore[arg-type]


@pytest.mark.gpu
def test_fit_and_evaluate_on_the_gpu(digits):
    net = mlp(hidden_size=128).to("cuda")
    history = fit(
        net,
        digits.X_train,
        digits.y_train,
        num_epochs=5,
        lr=0.01,
        optimizer="adam",
        valid=(digits.X_test, digits.y_test),
    )  # CPU data, moved to the net's device
    assert history.valid_metrics["accuracy"][-1] > 0.9
    assert history.valid_loss[-1] < history.valid_loss[0]
    assert evaluate(net, digits.X_test, digits.y_test)["accuracy"] > 0.9
    assert all(p.device.type == "cuda" for p in net.parameters())
    gpu = digits.to("cuda")
    assert fit(net, gpu.X_train, gpu.y_train, num_epochs=1, lr=0.1, max_steps=3).steps == 3


def _iou_by_formula(a, b):
    """IoU of two boxes from the interval lengths, one pair at a time (the oracle)."""
    overlap_x = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    overlap_y = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = overlap_x * overlap_y
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def test_box_iou_matches_the_formula_on_random_and_special_boxes():
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 1, size=(500, 2, 2))
    boxes = np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1)
    a, b = boxes[:250], boxes[250:]
    special_a = [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 2, 2], [0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5]]
    special_b = [[0, 0, 1, 1], [1, 0, 2, 1], [0.5, 0.5, 1, 1], [1, 1, 0, 0], [0.5, 0.5, 0.5, 0.5]]
    a = np.concatenate([a, special_a]).astype(np.float32)
    b = np.concatenate([b, special_b]).astype(np.float32)
    got = box_iou(torch.from_numpy(a), torch.from_numpy(b))
    want = np.array([_iou_by_formula(p, q) for p, q in zip(a.tolist(), b.tolist(), strict=True)])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-7)
    # identical: 1; touching edges: 0; nested: the area ratio; an inverted box has no area;
    # two points: no union, IoU 0 (not NaN).
    np.testing.assert_allclose(got[-5:].numpy(), [1.0, 0.0, 0.0625, 0.0, 0.0], atol=1e-7)
    assert got.dtype == torch.float32
    assert bool(((got >= 0) & (got <= 1)).all())


def test_box_iou_is_symmetric_and_refuses_other_shapes():
    a, b = torch.rand(10, 4), torch.rand(10, 4)
    torch.testing.assert_close(box_iou(a, b), box_iou(b, a))
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        box_iou(torch.rand(10, 4), torch.rand(9, 4))
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        box_iou(torch.rand(4), torch.rand(4))


def test_mean_iou_is_a_metric_fit_can_track():
    truth = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]])
    assert mean_iou(truth, truth) == pytest.approx(1.0)
    assert mean_iou(truth + 10, truth) == 0.0
    with pytest.raises(ValueError, match="no boxes"):
        mean_iou(torch.zeros(0, 4), torch.zeros(0, 4))
    # fit tracks it: a linear map learning the identity on boxes goes from IoU ~0 to > 0.6
    torch.manual_seed(0)
    corners = torch.rand(256, 2, 2)
    boxes = torch.cat([corners.min(dim=1).values, corners.max(dim=1).values], dim=1)
    net = nn.Linear(4, 4)
    history = fit(
        net,
        boxes,
        boxes,
        num_epochs=30,
        lr=0.05,
        optimizer="adam",
        loss_fn=nn.MSELoss(),
        metrics={"iou": mean_iou},
        valid=(boxes, boxes),
    )
    assert history.valid_metrics["iou"][0] < 0.1
    assert history.valid_metrics["iou"][-1] > 0.6
