"""relu_course.diagnostics: hooks, zeros, dead units, gradients, linear regions, born-dead nets."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from relu_course import diagnostics
from relu_course.diagnostics import (
    ACTIVATION_TYPES,
    ActivationRecorder,
    activation_pattern,
    born_dead_bound,
    born_dead_probability,
    count_linear_regions,
    dead_fraction,
    dead_units,
    gradient_norms,
    zero_fraction,
)
from relu_course.torch_nn import modules as course
from relu_course.torch_nn.models import ConvNet, FeedForwardClassifier, RNNModel

# --------------------------------------------------------------------------- helpers


def set_linear(layer: nn.Linear, weight, bias) -> nn.Linear:
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(weight, dtype=layer.weight.dtype))
        layer.bias.copy_(torch.as_tensor(bias, dtype=layer.bias.dtype))
    return layer


def no_hooks_left(net: nn.Module) -> bool:
    return all(
        not m._forward_hooks and not m._forward_pre_hooks and not m._backward_hooks
        for m in net.modules()
    )


def modes(net: nn.Module) -> list[bool]:
    return [m.training for m in net.modules()]


def sign_net() -> nn.Sequential:
    """x -> ReLU(x), ReLU(-x): unit 0 active for x > 0, unit 1 for x < 0."""
    return nn.Sequential(set_linear(nn.Linear(1, 2), [[1.0], [-1.0]], [0.0, 0.0]), nn.ReLU())


class FunctionalReLU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))


class SharedReLU(nn.Module):
    """One nn.ReLU instance used after two layers of different widths."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.act = nn.Linear(2, 3), nn.Linear(3, 5), nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc2(self.act(self.fc1(x))))


class Exploding(nn.Module):
    """Raises after its activation has run."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.act, self.drop = nn.Linear(2, 2), nn.ReLU(), nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.act(self.fc(x))
        raise RuntimeError("boom")


def tiny_convnet() -> ConvNet:
    torch.manual_seed(0)
    return ConvNet(4, in_channels=1, image_size=10)


# --------------------------------------------------------------------------- types


def test_activation_types_cover_the_spec():
    for t in (
        nn.ReLU,
        nn.LeakyReLU,
        nn.PReLU,
        nn.ELU,
        nn.GELU,
        nn.SiLU,
        nn.Tanh,
        nn.Sigmoid,
        nn.Softplus,
        course.ReLU,
        course.LeakyReLU,
        course.PReLU,
    ):
        assert t in ACTIVATION_TYPES
    assert nn.Linear not in ACTIVATION_TYPES
    assert nn.Dropout not in ACTIVATION_TYPES


# --------------------------------------------------------------------------- recorder


def test_recorder_records_outputs_of_nested_models_in_network_order():
    torch.manual_seed(0)
    net = FeedForwardClassifier(6, 3, hidden_size=8).eval()
    X = torch.randn(5, 6)
    with ActivationRecorder(net) as rec:
        net(X)
    assert list(rec.outputs) == ["encoder.layers.1", "encoder.layers.4"]
    layers = net.encoder.layers
    expected_first = torch.relu(layers[0](X))
    assert torch.equal(rec.outputs["encoder.layers.1"], expected_first)
    assert torch.equal(rec.outputs["encoder.layers.4"], torch.relu(layers[3](expected_first)))
    assert not rec.outputs["encoder.layers.1"].requires_grad
    assert no_hooks_left(net)


def test_recorder_keep_graph_lets_a_penalty_backpropagate():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    X = torch.randn(16, 3)
    with ActivationRecorder(net, keep_graph=True) as rec:
        net(X)
        penalty = sum(out.abs().sum() for out in rec.outputs.values())
    penalty.backward()
    # d/dW1 of sum ReLU(W1 x + b): rows of active units get the sum of their inputs
    active = (net[0](X) > 0).float()
    assert torch.allclose(net[0].weight.grad, active.T @ X)
    assert net[2].weight.grad is None


def test_recorder_select_and_last_output_of_a_reused_module():
    torch.manual_seed(0)
    net = SharedReLU()
    X = torch.randn(4, 2)
    with ActivationRecorder(net, select=lambda name, m: isinstance(m, nn.Linear)) as rec:
        net(X)
    assert list(rec.outputs) == ["fc1", "fc2"]
    with ActivationRecorder(net) as rec:
        out = net(X)
    assert list(rec.outputs) == ["act"]
    assert torch.equal(rec.outputs["act"], out)  # the last call's output, width 5


def test_recorder_removes_hooks_on_error_and_rejects_nets_without_activations():
    net = Exploding()
    with pytest.raises(RuntimeError, match="boom"), ActivationRecorder(net):
        net(torch.zeros(1, 2))
    assert no_hooks_left(net)
    with pytest.raises(ValueError, match="no activation module"):
        ActivationRecorder(FunctionalReLU()).__enter__()
    with pytest.raises(ValueError, match="select chose no module"):
        ActivationRecorder(net, select=lambda name, m: False).__enter__()
    assert no_hooks_left(net)
    rec = ActivationRecorder(net)
    with rec, pytest.raises(RuntimeError, match="already active"):
        rec.__enter__()
    assert no_hooks_left(net)


# --------------------------------------------------------------------------- zeros


def test_zero_fraction_by_hand():
    net = nn.Sequential(sign_net(), set_linear(nn.Linear(2, 1), [[1.0, 1.0]], [-1.5]), nn.ReLU())
    X = torch.tensor([[-1.0], [0.0], [1.0], [2.0]])
    # first ReLU: (0,1) (0,0) (1,0) (2,0) -> 5 zeros of 8; second: |x| - 1.5 > 0 only for x = 2
    assert zero_fraction(net, X) == {"0.1": 5 / 8, "2": 3 / 4}


@pytest.mark.parametrize("batch_size", [1, 3, 1024])
def test_zero_fraction_does_not_depend_on_batching_and_restores_modes(batch_size):
    torch.manual_seed(0)
    net = FeedForwardClassifier(6, 3, hidden_size=16)
    net.train()
    net.encoder.layers[2].eval()  # a submodule in its own mode must keep it
    before = modes(net)
    X = torch.randn(50, 6)
    got = zero_fraction(net, X, batch_size=batch_size)
    assert modes(net) == before
    assert no_hooks_left(net)
    net.eval()
    with torch.no_grad():
        h1 = net.encoder.layers[1](net.encoder.layers[0](X))
        h2 = net.encoder.layers[4](net.encoder.layers[3](h1))
    # eval mode: Dropout off, so the numbers are those of the deterministic pass
    assert got == {
        "encoder.layers.1": pytest.approx((h1 == 0).double().mean().item(), abs=1e-12),
        "encoder.layers.4": pytest.approx((h2 == 0).double().mean().item(), abs=1e-12),
    }


def test_zero_fraction_runs_without_grad():
    seen = []
    net = sign_net()
    net[1].register_forward_hook(lambda m, a, out: seen.append(out.requires_grad))
    zero_fraction(net, torch.ones(3, 1))
    assert seen == [False]


def test_hooks_removed_and_mode_restored_when_forward_raises():
    net = Exploding().train()
    for fn in (zero_fraction, dead_units, dead_fraction, activation_pattern):
        with pytest.raises(RuntimeError, match="boom"):
            fn(net, torch.zeros(3, 2))
        assert no_hooks_left(net)
        assert net._forward_hooks == {}
        assert net.act._forward_hooks == {}
        assert all(modes(net))
    with pytest.raises(RuntimeError, match="boom"):
        count_linear_regions(net, torch.zeros(2), torch.ones(2), num_points=5)
    with pytest.raises(RuntimeError, match="boom"):
        gradient_norms(net, torch.zeros(3, 2), torch.zeros(3, dtype=torch.long))
    assert no_hooks_left(net)
    assert all(modes(net))


@pytest.mark.parametrize(
    "fn",
    [
        zero_fraction,
        dead_units,
        dead_fraction,
        activation_pattern,
        lambda net, X: count_linear_regions(net, X[0], X[1]),
    ],
)
def test_functional_relu_has_no_module_to_hook(fn):
    net = FunctionalReLU()
    with pytest.raises(ValueError, match=r"no activation module.*torch\.relu"):
        fn(net, torch.zeros(2, 3))
    assert no_hooks_left(net)


def test_bad_inputs():
    net = sign_net()
    with pytest.raises(TypeError, match=r"X must be a torch\.Tensor"):
        zero_fraction(net, [[1.0]])
    with pytest.raises(ValueError, match="at least one example"):
        zero_fraction(net, torch.zeros(0, 1))
    with pytest.raises(ValueError, match="batch_size"):
        dead_units(net, torch.zeros(2, 1), batch_size=0)
    with pytest.raises(TypeError, match=r"net must be a torch\.nn\.Module"):
        zero_fraction(lambda x: x, torch.zeros(2, 1))


# --------------------------------------------------------------------------- dead units


def test_dead_units_of_an_mlp_by_hand():
    layer = set_linear(nn.Linear(2, 3), [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -100.0])
    net = nn.Sequential(layer, course.ReLU())
    X = torch.tensor([[1.0, -1.0], [2.0, -3.0]])  # unit 1 sees only negatives, unit 2 never fires
    dead = dead_units(net, X, batch_size=1)
    assert list(dead) == ["1"]
    assert dead["1"].dtype == torch.bool
    assert dead["1"].tolist() == [False, True, True]
    assert dead_fraction(net, X) == {"1": pytest.approx(2 / 3)}
    # one input that wakes unit 1 is enough, whichever batch it is in
    X2 = torch.cat([X, torch.tensor([[0.0, 0.5]])])
    assert dead_units(net, X2, batch_size=2)["1"].tolist() == [False, False, True]


def test_dead_channels_of_a_conv_net():
    net = tiny_convnet()
    X = torch.rand(6, 1, 10, 10)
    before = dead_units(net, X)["conv1.1"]
    victims = (~before).nonzero().flatten()[:2].tolist()
    with torch.no_grad():
        net.conv1[0].bias[victims] = -1e3  # two living channels that can now never fire
    dead = dead_units(net, X)
    assert list(dead) == ["conv1.1", "conv2.1"]
    assert dead["conv1.1"].shape == (64,)
    assert dead["conv2.1"].shape == (128,)
    expected = before.clone()
    expected[victims] = True
    assert torch.equal(dead["conv1.1"], expected)
    # a channel is alive if it fires at any position of any image
    with torch.no_grad():
        pre = net.conv1[0](X)
    assert torch.equal(dead["conv1.1"], ~(pre > 0).any(dim=3).any(dim=2).any(dim=0))
    assert dead_fraction(net, X)["conv1.1"] == pytest.approx(expected.float().mean().item())


def test_dead_units_of_sequence_outputs_with_unit_dim():
    torch.manual_seed(0)
    net = RNNModel(3, 6, 2)
    dead = dead_units(net, torch.randn(4, 5, 3), unit_dim=-1)
    assert dead["relu"].shape == (6,)
    assert dead_units(net, torch.randn(4, 5, 3))["relu"].shape == (5,)  # dim 1: time steps
    with pytest.raises(ValueError, match="unit_dim=0"):
        dead_units(net, torch.randn(4, 5, 3), unit_dim=0)
    with pytest.raises(ValueError, match="unit_dim=3"):
        dead_units(net, torch.randn(4, 5, 3), unit_dim=3)


def test_a_reused_module_gets_one_entry_per_call():
    torch.manual_seed(0)
    net = SharedReLU()
    X = torch.randn(7, 2)
    dead = dead_units(net, X, batch_size=3)
    assert list(dead) == ["act#0", "act#1"]
    assert dead["act#0"].shape == (3,)
    assert dead["act#1"].shape == (5,)
    zeros = zero_fraction(net, X)
    with torch.no_grad():
        h1 = torch.relu(net.fc1(X))
        h2 = torch.relu(net.fc2(h1))
    assert zeros == {
        "act#0": pytest.approx((h1 == 0).double().mean().item(), abs=1e-12),
        "act#1": pytest.approx((h2 == 0).double().mean().item(), abs=1e-12),
    }
    assert activation_pattern(net, X).shape == (7, 8)


# --------------------------------------------------------------------------- gradients


def test_gradient_norms_match_a_manual_backward_and_leave_grad_alone():
    torch.manual_seed(0)
    net = tiny_convnet().eval()
    X, y = torch.randn(8, 1, 10, 10), torch.randint(0, 4, (8,))
    sentinel = {name: torch.full_like(p, 3.0) for name, p in net.named_parameters()}
    for name, p in net.named_parameters():
        p.grad = sentinel[name].clone()
    norms = gradient_norms(net, X, y)
    assert list(norms) == ["conv1.0", "conv2.0", "classifier.1"]
    for name, p in net.named_parameters():
        assert torch.equal(p.grad, sentinel[name])
    assert not net.training
    manual = tiny_convnet().eval()
    F.cross_entropy(manual(X), y).backward()
    for name in norms:
        weight = manual.get_submodule(name).weight
        assert norms[name] == pytest.approx(weight.grad.norm().item(), rel=1e-5)


def test_gradient_norms_custom_loss_mode_unchanged_and_inside_no_grad():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1), nn.Linear(1, 1)).train()
    X, y = torch.randn(10, 3), torch.randn(10, 1)
    with torch.no_grad():
        norms = gradient_norms(net, X, y, loss_fn=F.mse_loss)
    assert net.training
    assert list(norms) == ["0", "2", "3"]
    F.mse_loss(net(X), y).backward()
    assert norms == {
        k: pytest.approx(net.get_submodule(k).weight.grad.norm().item()) for k in norms
    }


def test_gradient_norms_skips_frozen_layers_and_rejects_bad_losses():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    net[0].weight.requires_grad_(False)
    X, y = torch.randn(5, 3), torch.tensor([0, 1, 0, 1, 1])
    assert list(gradient_norms(net, X, y)) == ["2"]
    with pytest.raises(ValueError, match="scalar"):
        gradient_norms(net, X, y, loss_fn=lambda y_hat, y: y_hat)
    with pytest.raises(ValueError, match="no Linear or Conv"):
        gradient_norms(nn.Sequential(nn.ReLU()), X, y)
    with pytest.raises(TypeError, match="y must be"):
        gradient_norms(net, X, [0, 1])
    assert no_hooks_left(net)


# --------------------------------------------------------------------------- patterns


def test_activation_pattern_of_relu_is_output_positive_and_exact_zero_is_inactive():
    torch.manual_seed(0)
    net = FeedForwardClassifier(4, 2, hidden_size=10, activation=course.ReLU)
    X = torch.randn(30, 4)
    X[0] = 0.0  # with the biases zeroed below, every pre-activation of row 0 is exactly 0
    with torch.no_grad():
        for layer in (net.encoder.layers[0], net.encoder.layers[3]):
            layer.bias.zero_()
    pattern = activation_pattern(net, X, batch_size=7)
    net.eval()
    with ActivationRecorder(net) as rec, torch.no_grad():
        net(X)
    expected = torch.cat([out > 0 for out in rec.outputs.values()], dim=1)
    assert pattern.shape == (30, 10 + 5)
    assert pattern.dtype == torch.bool
    assert torch.equal(pattern, expected)
    assert not pattern[0].any()


@pytest.mark.parametrize(
    "act",
    [nn.LeakyReLU(0.1), nn.PReLU(init=-1.0), nn.Tanh(), nn.GELU(), nn.Sigmoid(), nn.ELU()],
    ids=lambda m: type(m).__name__,
)
def test_activation_pattern_is_pre_activation_positive_for_other_activations(act):
    net = nn.Sequential(sign_net()[0], act)
    X = torch.tensor([[-2.0], [0.0], [3.0]])
    assert activation_pattern(net, X).tolist() == [[False, True], [False, False], [True, False]]


@pytest.mark.parametrize("act", [nn.ReLU(inplace=True), nn.LeakyReLU(-0.5, inplace=True)])
def test_activation_pattern_reads_the_input_before_an_inplace_activation(act):
    net = nn.Sequential(sign_net()[0], act)
    X = torch.tensor([[-2.0], [3.0]])
    assert activation_pattern(net, X).tolist() == [[False, True], [True, False]]


def test_activation_pattern_of_a_conv_net_counts_every_position():
    net = tiny_convnet()
    pattern = activation_pattern(net, torch.rand(3, 1, 10, 10))
    # conv1: 64 channels of 8 x 8, conv2: 128 channels of 2 x 2
    assert pattern.shape == (3, 64 * 8 * 8 + 128 * 2 * 2)


# --------------------------------------------------------------------------- regions


def kinks_net(kinks: list[float], duplicate: bool = False) -> nn.Sequential:
    """1-D net relu(x - c_i) summed with alternating signs: a kink at each c_i."""
    cs = kinks + kinks[:1] if duplicate else kinks
    k = len(cs)
    first = set_linear(nn.Linear(1, k), [[1.0]] * k, [-c for c in cs])
    last = set_linear(nn.Linear(k, 1), [[(-1.0) ** i for i in range(k)]], [0.0])
    return nn.Sequential(first, nn.ReLU(), last).double()


@pytest.mark.parametrize("k", [0, 1, 2, 5])
def test_count_linear_regions_of_a_net_with_k_kinks(k):
    kinks = [0.1 + 0.8 * i / max(k, 1) + 0.013 for i in range(k)]
    # outside kinks (at -3 and 4) and a unit that is active everywhere add nothing
    net = kinks_net([*kinks, -3.0, 4.0])
    start, end = torch.tensor([0.0]), torch.tensor([1.0])
    assert count_linear_regions(net, start, end) == k + 1
    assert count_linear_regions(net, end, start, num_points=500, batch_size=7) == k + 1


def test_changes_between_batches_are_counted():
    net = tent_net(3)
    for batch_size in (1, 2, 999, 1001):
        count = count_linear_regions(
            net, TENT_START, TENT_END, num_points=1001, batch_size=batch_size
        )
        assert count == 8


def test_two_units_changing_at_the_same_point_count_once():
    net = kinks_net([0.3, 0.7], duplicate=True)
    assert count_linear_regions(net, torch.tensor([0.0]), torch.tensor([1.0])) == 3


def tent_net(depth: int) -> nn.Sequential:
    """depth compositions of the tent map t(x) = 2 relu(x) - 4 relu(x - 1/2): 2**depth pieces.

    Each hidden layer holds (relu(t), relu(t - 1/2)) of the previous map t; the next layer's
    weights [[2, -4], [2, -4]] form 2 relu(t) - 4 relu(t - 1/2), the next tent.
    """
    layers: list[nn.Module] = [set_linear(nn.Linear(1, 2), [[1.0], [1.0]], [0.0, -0.5])]
    layers.append(nn.ReLU())
    for _ in range(depth - 1):
        layers.append(set_linear(nn.Linear(2, 2), [[2.0, -4.0], [2.0, -4.0]], [0.0, -0.5]))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers).double()


# Inside (0, 1), off the dyadic points where a tent touches 0 without changing sign.
TENT_START, TENT_END = torch.tensor([0.0031]), torch.tensor([0.9967])


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_sawtooth_has_two_to_the_depth_pieces(depth):
    net = tent_net(depth)
    assert count_linear_regions(net, TENT_START, TENT_END, num_points=4001) == 2**depth


def test_count_linear_regions_is_a_lower_bound_when_sampling_is_coarse():
    net = tent_net(3)
    coarse = count_linear_regions(net, TENT_START, TENT_END, num_points=4)
    assert 1 <= coarse < 8


def test_linear_net_along_a_segment_has_one_piece():
    torch.manual_seed(0)
    net = nn.Sequential(set_linear(nn.Linear(2, 3), torch.ones(3, 2), [5.0, 6.0, 7.0]), nn.ReLU())
    start, end = torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])
    assert count_linear_regions(net, start, end, num_points=100) == 1


def test_count_linear_regions_on_images_and_bad_arguments():
    net = tiny_convnet()
    a, b = torch.zeros(1, 10, 10), torch.rand(1, 10, 10)
    assert count_linear_regions(net, a, b, num_points=50) >= 1
    with pytest.raises(ValueError, match="same shape"):
        count_linear_regions(net, a, b[0])
    with pytest.raises(ValueError, match="num_points"):
        count_linear_regions(net, a, b, num_points=1)
    with pytest.raises(TypeError, match="start"):
        count_linear_regions(net, [0.0], b)


# --------------------------------------------------------------------------- born dead


def exact_depth_two(width: int) -> float:
    """P(born dead) for two bias-free hidden layers, input in [-1, 1], normal weights.

    The first layer splits into units with positive and negative weight. If all have one
    sign (probability 2^(1-N)) one side is zero, and layer 2 dies with probability 2^-N.
    Otherwise h1(1) and h1(-1) are nonzero with disjoint supports (orthogonal), and each
    unit of layer 2 misses both with probability 1/4.
    """
    one_sign = 2.0 ** (1 - width)
    return one_sign * 2.0**-width + (1 - one_sign) * 4.0**-width


@pytest.mark.parametrize("width", [1, 2, 3])
def test_born_dead_probability_matches_the_exact_value_at_depth_two(width):
    trials = 40_000
    p = exact_depth_two(width)
    estimate = born_dead_probability(width, 2, trials=trials, seed=1)
    assert abs(estimate - p) < 4 * math.sqrt(p * (1 - p) / trials)


@pytest.mark.parametrize("depth", [3, 6, 12])
def test_born_dead_probability_of_width_one_is_the_upper_bound(depth):
    trials = 20_000
    p = born_dead_bound(1, depth)
    assert p == 1 - 0.5 ** (depth - 1)
    estimate = born_dead_probability(1, depth, trials=trials, seed=2)
    assert abs(estimate - p) < 4 * math.sqrt(p * (1 - p) / trials)


@pytest.mark.parametrize(("width", "depth"), [(2, 5), (3, 10), (4, 30), (6, 50)])
def test_born_dead_probability_lies_between_the_bounds(width, depth):
    trials = 10_000
    estimate = born_dead_probability(width, depth, trials=trials, seed=3)
    margin = 4 * math.sqrt(0.25 / trials)
    assert born_dead_bound(width, depth, kind="lower") - margin <= estimate
    assert estimate <= born_dead_bound(width, depth) + margin


def test_born_dead_probability_basics():
    assert born_dead_probability(3, 1) == 0.0
    assert born_dead_probability(2, 8, seed=5) == born_dead_probability(2, 8, seed=5)
    values = [born_dead_probability(2, depth, trials=4000) for depth in (2, 5, 10, 20, 40)]
    assert values == sorted(values)
    assert values[-1] > 0.95
    wide = [born_dead_probability(width, 10, trials=4000) for width in (2, 4, 8)]
    assert wide == sorted(wide, reverse=True)
    assert wide[-1] < 0.1


@pytest.mark.parametrize("kwargs", [{}, {"bias_std": 0.5, "num_inputs": 30, "trials": 300}])
@pytest.mark.parametrize("keep_states", [True, False])
def test_born_dead_probability_does_not_depend_on_the_order_of_calls(
    kwargs, keep_states, monkeypatch
):
    if not keep_states:  # as for big runs: a deeper call must start again from scratch
        monkeypatch.setattr(diagnostics, "_BORN_DEAD_STATE_KEPT", 0)
    diagnostics._BORN_DEAD_RUNS.clear()
    fresh = [born_dead_probability(3, depth, **kwargs) for depth in (9, 4)]
    diagnostics._BORN_DEAD_RUNS.clear()
    curve = [born_dead_probability(3, depth, **kwargs) for depth in range(1, 15)]
    assert [curve[8], curve[3]] == fresh
    assert curve == sorted(curve)
    # the cache is not what makes the numbers: a new seed gives new ones
    assert born_dead_probability(3, 9, seed=1, **kwargs) != curve[8]


def test_born_dead_probability_with_biases_and_several_inputs():
    # inputs of dimension 2: upper bound still holds (it needs no d = 1)
    p2 = born_dead_probability(3, 8, input_dim=2, trials=1500, num_inputs=300)
    assert 0.0 < p2 <= born_dead_bound(3, 8) + 0.05
    # symmetric biases: a grid of inputs instead of +-1; the first layer can die too
    biased = born_dead_probability(2, 4, trials=2000, num_inputs=200, bias_std=1.0)
    assert 0.0 < biased < 1.0
    assert born_dead_probability(2, 1, trials=2000, num_inputs=50, bias_std=1.0) > 0.0


@pytest.mark.parametrize("bias_std", [0.0, 1.0])
def test_born_dead_monte_carlo_agrees_with_torch_networks(bias_std):
    """The same definition, checked on explicit torch networks with dead_fraction."""
    rng = np.random.default_rng(0)
    width, depth, trials, dead, num_inputs = 2, 5, 300, 0, 40
    if bias_std == 0.0:
        X = torch.tensor([[-1.0], [1.0]], dtype=torch.float64)
    else:
        X = torch.linspace(-1, 1, num_inputs, dtype=torch.float64).unsqueeze(1)
    for _ in range(trials):
        layers: list[nn.Module] = []
        fan_in = 1
        for _ in range(depth):
            linear = nn.Linear(fan_in, width).double()
            with torch.no_grad():
                weight = rng.standard_normal((width, fan_in)) * math.sqrt(2 / fan_in)
                linear.weight.copy_(torch.from_numpy(weight))
                linear.bias.copy_(torch.from_numpy(bias_std * rng.standard_normal(width)))
            layers += [linear, nn.ReLU()]
            fan_in = width
        fractions = dead_fraction(nn.Sequential(*layers), X)
        dead += any(f == 1.0 for f in fractions.values())
    estimate = born_dead_probability(
        width, depth, trials=10_000, num_inputs=num_inputs, bias_std=bias_std
    )
    assert abs(dead / trials - estimate) < 4 * math.sqrt(0.25 / trials)


def reference_born_dead(width, depth, bias_std, trials, num_inputs, seed):
    """A slow, plain loop over nets: He-normal weights, normal biases, a grid of [-1, 1]."""
    rng = np.random.default_rng(seed)
    X = np.linspace(-1.0, 1.0, num_inputs)[:, None]
    dead = 0
    for _ in range(trials):
        h = X
        for _ in range(depth):
            fan_in = h.shape[1]
            W = rng.normal(0.0, math.sqrt(2.0 / fan_in), (fan_in, width))
            h = np.maximum(h @ W + rng.normal(0.0, bias_std, width), 0.0)
            if not h.any():
                dead += 1
                break
    return dead / trials


def test_born_dead_probability_with_biases_matches_a_plain_loop():
    # 20,000 nets each: the two estimates differ by less than 0.02 (4 standard errors);
    # half the weight variance, or the biases' scale off by sqrt(2), moves it by 0.04.
    trials = 20_000
    expected = reference_born_dead(2, 4, 1.0, trials, 40, seed=11)
    estimate = born_dead_probability(2, 4, trials=trials, num_inputs=40, bias_std=1.0)
    assert abs(estimate - expected) < 4 * math.sqrt(2 * 0.25 / trials)


def test_born_dead_bound_values_and_arguments():
    assert born_dead_bound(2, 1) == 0.0
    assert born_dead_bound(2, 2) == pytest.approx(0.25)
    assert born_dead_bound(2, 2, kind="lower") == pytest.approx(1 / 16)
    assert born_dead_bound(3, 4) == pytest.approx(1 - (7 / 8) ** 3)
    assert born_dead_bound(40, 50) == pytest.approx(49 * 2.0**-40, rel=1e-9)
    for width in range(1, 11):
        bounds = [born_dead_bound(width, depth) for depth in range(1, 51)]
        assert bounds == sorted(bounds)
        assert all(
            born_dead_bound(width, d, kind="lower") <= born_dead_bound(width, d)
            for d in range(1, 51)
        )
    with pytest.raises(ValueError, match="kind"):
        born_dead_bound(2, 3, kind="paper")
    with pytest.raises(ValueError, match="width"):
        born_dead_bound(0, 3)
    with pytest.raises(ValueError, match="depth"):
        born_dead_probability(2, 0)
    with pytest.raises(ValueError, match="num_inputs"):
        born_dead_probability(2, 3, num_inputs=1)
    with pytest.raises(ValueError, match="bias_std"):
        born_dead_probability(2, 3, bias_std=-1.0)
    with pytest.raises(ValueError, match="trials"):
        born_dead_probability(2, 3, trials=2.5)


@pytest.mark.gpu
def test_inputs_follow_the_net_to_cuda():
    torch.manual_seed(0)
    net = FeedForwardClassifier(6, 3, hidden_size=8).cuda()
    X = torch.randn(20, 6)
    on_gpu = zero_fraction(net, X)
    assert on_gpu == pytest.approx(zero_fraction(net.cpu(), X), abs=0.05)
    net.cuda()
    assert activation_pattern(net, X).device.type == "cpu"
    norms = gradient_norms(net, X, torch.zeros(20, dtype=torch.long))
    assert list(norms) == ["encoder.layers.0", "encoder.layers.3", "fc"]
