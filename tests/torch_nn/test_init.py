"""relu_course.torch_nn.init: the three schemes' standard deviations, fans, seeds and depth."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from relu_course.torch_nn import init_weights as exported_init_weights
from relu_course.torch_nn.init import default_std, he_std, init_weights, xavier_std
from relu_course.torch_nn.models import ConvNet, FeedForwardClassifier


def test_formulas_by_hand():
    assert he_std(50) == pytest.approx(0.2)
    assert he_std(16, negative_slope=1.0) == pytest.approx(0.25)  # sqrt(2 / (2 * 16))
    assert xavier_std(30, 70) == pytest.approx(math.sqrt(0.02))
    assert xavier_std(70, 30) == xavier_std(30, 70)
    assert default_std(12) == pytest.approx(1 / 6)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0])
def test_he_std_is_pytorch_gain_over_sqrt_fan_in(slope):
    gain = nn.init.calculate_gain("leaky_relu", slope)
    assert he_std(37, slope) == pytest.approx(gain / math.sqrt(37))


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_fans_are_rejected(bad):
    for fn, args in ((he_std, (bad,)), (xavier_std, (bad, 4)), (default_std, (bad,))):
        with pytest.raises(ValueError, match="at least 1"):
            fn(*args)
    with pytest.raises(ValueError, match="fan_out"):
        xavier_std(4, bad)


def test_he_std_rejects_non_finite_slope():
    with pytest.raises(ValueError, match="negative_slope"):
        he_std(4, float("nan"))


def _empirical_std(layer: nn.Module) -> float:
    return layer.weight.detach().double().std().item()


# (layer, fan_in, fan_out): non-square, so that swapping the fans changes the answer
LAYERS = {
    "linear": (lambda: nn.Linear(1000, 300), 1000, 300),
    "conv2d": (lambda: nn.Conv2d(64, 128, 3), 64 * 3 * 3, 128 * 3 * 3),
    "conv2d-rect-kernel": (lambda: nn.Conv2d(40, 200, (3, 5)), 40 * 15, 200 * 15),
    "conv1d": (lambda: nn.Conv1d(30, 500, 7), 30 * 7, 500 * 7),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("scheme", ["he", "xavier", "default"])
def test_empirical_std_matches_the_formula_and_biases(name, scheme):
    make, fan_in, fan_out = LAYERS[name]
    layer = make()
    with torch.no_grad():
        layer.bias.fill_(7.0)  # so that a scheme that leaves the bias alone shows
    init_weights(layer, scheme, seed=1)
    expected = {
        "he": he_std(fan_in),
        "xavier": xavier_std(fan_in, fan_out),
        "default": default_std(fan_in),
    }[scheme]
    assert _empirical_std(layer) == pytest.approx(expected, rel=0.03)
    assert layer.weight.detach().mean().abs().item() < 0.05 * expected
    if scheme == "default":
        bound = 1 / math.sqrt(fan_in)
        assert layer.bias.abs().max().item() <= bound
        assert layer.bias.abs().max().item() > 0
    else:
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))
        # normal, not uniform: some weights beyond the uniform's range sqrt(3) * std
        assert layer.weight.abs().max().item() > math.sqrt(3) * expected * 1.2


def test_he_uses_negative_slope():
    layer = nn.Linear(2000, 200)
    init_weights(layer, "he", seed=0, negative_slope=1.0)
    assert _empirical_std(layer) == pytest.approx(math.sqrt(1 / 2000), rel=0.03)


@pytest.mark.parametrize(
    ("scheme", "slope", "expected"),
    [("he", 1.0, math.sqrt(1 / 2000)), ("he", 0.0, math.sqrt(2 / 2000)),
     ("xavier", 0.0, math.sqrt(2 / 2200))],
)  # fmt: skip
def test_without_a_seed_the_same_scheme_and_slope_are_used(scheme, slope, expected):
    torch.manual_seed(0)  # the global state, which an unseeded call draws from
    layer = nn.Linear(2000, 200)
    init_weights(layer, scheme, negative_slope=slope)
    assert _empirical_std(layer) == pytest.approx(expected, rel=0.03)


def test_grouped_conv_fan_in_counts_channels_per_group():
    layer = nn.Conv2d(64, 256, 3, groups=4)
    init_weights(layer, "he", seed=0)
    assert _empirical_std(layer) == pytest.approx(he_std(16 * 9), rel=0.03)


def test_every_layer_of_a_nested_model_is_initialised():
    net = ConvNet()
    init_weights(net, "he", seed=0)
    for layer, fan_in in (
        (net.conv1[0], 3 * 9),
        (net.conv2[0], 64 * 9),
        (net.classifier[1], 128 * 6 * 6),
    ):
        assert _empirical_std(layer) == pytest.approx(he_std(fan_in), rel=0.1)
        assert not layer.bias.any()


def test_default_equals_reset_parameters_for_the_same_seed():
    net = FeedForwardClassifier(20, 5, 32)
    init_weights(net, "default", seed=123)
    torch.manual_seed(123)
    fresh = FeedForwardClassifier(20, 5, 32)  # built with reset_parameters in module order
    for ours, theirs in zip(net.parameters(), fresh.parameters(), strict=True):
        assert torch.equal(ours, theirs)


def test_seed_is_deterministic_and_leaves_the_global_state_alone():
    a, b, c = nn.Linear(30, 20), nn.Linear(30, 20), nn.Linear(30, 20)
    state = torch.get_rng_state()
    init_weights(a, "he", seed=5)
    init_weights(b, "he", seed=5)
    init_weights(c, "he", seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a.weight, b.weight)
    assert not torch.equal(a.weight, c.weight)


def test_without_seed_the_global_generator_is_used():
    torch.manual_seed(9)
    a = init_weights(nn.Linear(30, 20), "xavier")
    torch.manual_seed(9)
    b = init_weights(nn.Linear(30, 20), "xavier")
    assert torch.equal(a.weight, b.weight)
    c = init_weights(nn.Linear(30, 20), "xavier")
    assert not torch.equal(a.weight, c.weight)


def test_returns_the_same_net_and_leaves_other_modules_alone():
    net = nn.Sequential(nn.Linear(4, 4), nn.PReLU(), nn.BatchNorm1d(4))
    assert init_weights(net, "xavier", seed=0) is net
    assert net[1].weight.item() == pytest.approx(0.25)
    assert torch.equal(net[2].weight, torch.ones(4))


@pytest.mark.parametrize("bad", ["kaiming", "He", "", None, 3])
def test_bad_scheme_lists_the_schemes(bad):
    with pytest.raises(ValueError, match="'default', 'xavier', 'he'"):
        init_weights(nn.Linear(2, 2), bad)


def test_net_without_layers_and_lazy_layers_are_rejected():
    with pytest.raises(ValueError, match="no Linear or Conv"):
        init_weights(nn.Sequential(nn.ReLU()), "he")
    with pytest.raises(ValueError, match="lazy"):
        init_weights(nn.Sequential(nn.LazyLinear(3)), "he")


def test_exported_from_torch_nn():
    assert exported_init_weights is init_weights


def _second_moments(net: nn.Sequential, scheme: str) -> list[float]:
    """Mean of h^2 after each ReLU of the deep MLP ``net`` re-initialised with ``scheme``."""
    init_weights(net, scheme, seed=0)
    # Not seed 0 for the inputs: the first weights would be drawn from the same stream.
    h = torch.randn(128, net[0].in_features, generator=torch.Generator().manual_seed(99))
    moments = []
    with torch.no_grad():
        for module in net:
            h = module(h)
            if isinstance(module, nn.ReLU):
                moments.append(h.pow(2).mean().item())
    return moments


def test_he_keeps_the_second_moment_through_20_relu_layers_while_the_others_shrink():
    net = nn.Sequential(*[m for _ in range(20) for m in (nn.Linear(512, 512), nn.ReLU())])
    he = _second_moments(net, "he")
    # He keeps E[h^2] in expectation (about 1: the input's E[x^2]). One finite-width net
    # wanders around that by a random factor, a little below 1 in the median.
    assert he[0] == pytest.approx(1.0, rel=0.2)
    assert all(0.35 < m / he[0] < 3.0 for m in he)
    # Xavier halves it at each layer here (fan_in = fan_out); the default divides it by 6
    # until its small random biases, which Xavier and He set to 0, are all that is left.
    xavier = _second_moments(net, "xavier")
    default = _second_moments(net, "default")
    assert xavier[-1] / xavier[0] < 1e-4
    assert [m / xavier[i] for i, m in enumerate(xavier[1:])] == pytest.approx([0.5] * 19, rel=0.25)
    assert default[-1] / default[0] < 1e-2
    assert default[1] / default[0] == pytest.approx(1 / 6, rel=0.25)


@pytest.mark.gpu
def test_seeded_init_on_cuda_is_deterministic_and_leaves_the_cuda_state_alone():
    a, b = nn.Linear(300, 200).cuda(), nn.Linear(300, 200).cuda()
    state = torch.cuda.get_rng_state()
    init_weights(a, "he", seed=4)
    init_weights(b, "he", seed=4)
    assert torch.equal(torch.cuda.get_rng_state(), state)
    assert torch.equal(a.weight, b.weight)
    assert a.weight.std().item() == pytest.approx(he_std(300), rel=0.1)
