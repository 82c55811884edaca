"""relu_course.torch_nn.models: the article's networks: shapes, sizes, activations, training."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from relu_course.torch_nn.device import best_device
from relu_course.torch_nn.models import (
    BoxRegressionHead,
    BoxRegressor,
    ConvNet,
    FeedForwardClassifier,
    FeedForwardEncoder,
    RNNModel,
)
from relu_course.torch_nn.modules import ReLU

BATCH_SIZES = [1, 3, 8]


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


# name -> (constructor, input maker for batch size n, expected output shape for n)
MODELS = {
    "encoder": (
        lambda **kw: FeedForwardEncoder(20, 32, **kw),
        lambda n: (n, 20),
        lambda n: (n, 16),
    ),
    "head": (lambda **kw: BoxRegressionHead(32, **kw), lambda n: (n, 16), lambda n: (n, 4)),
    "box": (lambda **kw: BoxRegressor(20, 32, **kw), lambda n: (n, 20), lambda n: (n, 4)),
    "classifier": (
        lambda **kw: FeedForwardClassifier(20, 5, 32, **kw),
        lambda n: (n, 20),
        lambda n: (n, 5),
    ),
    "convnet": (lambda **kw: ConvNet(**kw), lambda n: (n, 3, 32, 32), lambda n: (n, 10)),
    "convnet-global-max": (
        lambda **kw: ConvNet(head="global_max", **kw),
        lambda n: (n, 3, 32, 32),
        lambda n: (n, 10),
    ),
    "convnet-small": (
        lambda **kw: ConvNet(4, in_channels=1, image_size=(10, 14), **kw),
        lambda n: (n, 1, 10, 14),
        lambda n: (n, 4),
    ),
    "rnn": (lambda **kw: RNNModel(6, 12, 7, **kw), lambda n: (n, 5, 6), lambda n: (n, 5, 7)),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("n", BATCH_SIZES)
def test_output_shapes(name, n):
    make, in_shape, out_shape = MODELS[name]
    torch.manual_seed(0)
    net = make().eval()
    assert net(torch.randn(in_shape(n))).shape == out_shape(n)


def test_parameter_counts_by_hand():
    net = ConvNet()
    assert n_params(net.conv1) == 64 * 3 * 3 * 3 + 64 == 1792
    assert n_params(net.conv2) == 128 * 64 * 3 * 3 + 128
    # 32 -> conv 30 -> pool 15 -> conv 13 -> pool 6
    assert n_params(net.classifier) == linear(128 * 6 * 6, 10)
    global_max = ConvNet(head="global_max")
    assert n_params(global_max.classifier) == linear(128, 10)
    assert n_params(global_max) == n_params(net) - linear(128 * 6 * 6, 10) + linear(128, 10)

    assert n_params(FeedForwardEncoder(100)) == linear(100, 256) + linear(256, 128)
    assert n_params(BoxRegressionHead()) == linear(128, 64) + linear(64, 4)
    assert n_params(FeedForwardClassifier(100, 10)) == n_params(FeedForwardEncoder(100)) + linear(
        128, 10
    )
    rnn = RNNModel(3, 4, 2)
    assert n_params(rnn.rnn) == 4 * 3 + 4 * 4 + 4 + 4
    assert n_params(rnn) == n_params(rnn.rnn) + linear(4, 2)


def test_layouts_follow_the_article():
    enc = FeedForwardEncoder(10)
    kinds = [type(m) for m in enc.layers]
    assert kinds == [nn.Linear, nn.ReLU, nn.Dropout, nn.Linear, nn.ReLU]
    conv = ConvNet().conv1
    assert [type(m) for m in conv] == [nn.Conv2d, nn.ReLU, nn.MaxPool2d]
    assert (conv[0].in_channels, conv[0].out_channels, conv[0].kernel_size) == (3, 64, (3, 3))
    assert conv[2].kernel_size == 2
    box = BoxRegressor(10)
    assert isinstance(box.dimension_line_head, BoxRegressionHead)
    assert [type(m) for m in box.dimension_line_head.layers] == [nn.Linear, nn.ReLU, nn.Linear]
    rnn = RNNModel(3, 4, 2)
    assert rnn.rnn.batch_first
    assert rnn.rnn.nonlinearity == "tanh"
    assert isinstance(rnn.relu, nn.ReLU)


@pytest.mark.parametrize("name", MODELS)
def test_activation_parameter_swaps_the_activation(name):
    make = MODELS[name][0]
    net = make(activation=nn.Tanh)
    kinds = {type(m) for m in net.modules()}
    assert nn.Tanh in kinds
    assert nn.ReLU not in kinds


@pytest.mark.parametrize("name", MODELS)
def test_activation_with_weights_follows_device_and_dtype(name):
    make, in_shape, _ = MODELS[name]
    net = make(activation=nn.PReLU, dtype=torch.float64, device="cpu")
    assert {p.dtype for p in net.parameters()} == {torch.float64}
    assert any(isinstance(m, nn.PReLU) for m in net.modules())
    assert net(torch.randn(in_shape(2), dtype=torch.float64)).dtype == torch.float64


def test_activation_must_be_a_factory_not_an_instance():
    with pytest.raises(TypeError, match=r"pass the class ReLU, not an instance"):
        FeedForwardEncoder(10, activation=nn.ReLU())
    with pytest.raises(TypeError, match=r"must return a torch\.nn\.Module"):
        FeedForwardEncoder(10, activation=lambda: torch.relu)


def test_dropout_is_0_2_and_inactive_in_eval_mode():
    torch.manual_seed(0)
    net = FeedForwardClassifier(20, 5)
    dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
    assert [d.p for d in dropouts] == [0.2]
    x = torch.randn(16, 20)
    net.train()
    assert not torch.equal(net(x), net(x))  # a fresh mask each call
    net.eval()
    assert torch.equal(net(x), net(x))
    with torch.no_grad():
        by_hand = net.fc(net.encoder.layers[3:](net.encoder.layers[:2](x)))
    torch.testing.assert_close(net(x), by_hand, rtol=0, atol=0)


def test_irnn_identity_initialisation():
    net = RNNModel.irnn(3, 5, 2)
    assert net.rnn.nonlinearity == "relu"
    assert torch.equal(net.rnn.weight_hh_l0.detach(), torch.eye(5))
    assert not net.rnn.bias_hh_l0.any()
    assert not net.rnn.bias_ih_l0.any()
    # With zero input after the first step, the hidden state is carried unchanged.
    x = torch.zeros(1, 4, 3)
    x[0, 0] = torch.tensor([1.0, -1.0, 2.0])
    _, h = net.forward_with_hidden(x)
    first = torch.relu(x[0, 0] @ net.rnn.weight_ih_l0.T)
    torch.testing.assert_close(h[0, 0], first.detach())


def test_irnn_device_and_dtype():
    net = RNNModel.irnn(3, 4, 2, dtype=torch.float64)
    assert net.rnn.weight_hh_l0.dtype == torch.float64
    assert torch.equal(net.rnn.weight_hh_l0.detach(), torch.eye(4, dtype=torch.float64))


def test_rnn_initial_hidden_state_continues_a_sequence():
    torch.manual_seed(0)
    net = RNNModel(4, 8, 3, nonlinearity="relu")
    x = torch.randn(2, 9, 4)
    whole, _ = net.forward_with_hidden(x)
    first, h = net.forward_with_hidden(x[:, :5])
    assert h.shape == (1, 2, 8)
    rest = net(x[:, 5:], h)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), whole)
    assert not torch.allclose(net(x[:, 5:]), whole[:, 5:])  # zeros as the start differ


def test_global_max_head_is_the_largest_value_of_each_channel():
    torch.manual_seed(0)
    net = ConvNet(head="global_max").eval()
    X = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        features = net.conv2(net.conv1(X)).amax(dim=(2, 3))  # (4, 128)
        assert torch.allclose(net(X), net.classifier[-1](features), atol=1e-6)


def shifted_digit(shift: int) -> torch.Tensor:
    """A random 8 x 8 patch on a zero canvas, moved right and down by `shift` pixels."""
    X = torch.zeros(1, 3, 32, 32)
    X[..., 10 + shift : 18 + shift, 10 + shift : 18 + shift] = torch.rand(
        3, 8, 8, generator=torch.Generator().manual_seed(1)
    )
    return X


# From rows 10 to 17 the patch reaches pooled rows 1 to 4 of 6: a move of 4 pixels, one pooled
# row, keeps it inside the grid; one of 8 would push its last row off the grid.
@pytest.mark.parametrize("shift", [-4, 4])
def test_global_max_head_ignores_where_the_content_is(shift):
    torch.manual_seed(0)
    global_max, flatten = ConvNet(head="global_max").eval(), ConvNet().eval()
    with torch.no_grad():
        here, there = shifted_digit(0), shifted_digit(shift)
        assert torch.allclose(global_max(here), global_max(there), atol=1e-6)
        # The flattening head has a weight per position: the same move changes its logits.
        assert not torch.allclose(flatten(here), flatten(there), atol=1e-3)


def test_bad_sizes_and_inputs_are_value_errors():
    with pytest.raises(ValueError, match="head must be 'flatten' or 'global_max', got 'avg'"):
        ConvNet(head="avg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="too small"):
        ConvNet(image_size=9)
    with pytest.raises(ValueError, match="too small"):
        ConvNet(image_size=(32, 8))
    assert ConvNet(image_size=10)(torch.zeros(1, 3, 10, 10)).shape == (1, 10)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, 32, 32\)"):
        ConvNet()(torch.zeros(1, 3, 28, 28))
    with pytest.raises(ValueError, match=r"\(N, T, input_size\)"):
        RNNModel(3, 4, 2)(torch.zeros(5, 3))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNModel(3, 4, 2, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be at least 4"):
        BoxRegressor(10, hidden_size=3)
    with pytest.raises(ValueError, match="hidden_size must be at least 2"):
        FeedForwardEncoder(10, hidden_size=1)
    with pytest.raises(ValueError, match="dropout"):
        FeedForwardEncoder(10, dropout=1.0)
    with pytest.raises(ValueError, match="num_classes"):
        FeedForwardClassifier(10, 0)


def train(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn, steps: int = 30
) -> list[float]:
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize(
    "name", ["classifier", "box", "convnet-small", "rnn", "classifier-autograd-relu"]
)
def test_a_few_optimizer_steps_reduce_the_loss(name):
    torch.manual_seed(0)
    if name == "classifier":
        net, x, y = FeedForwardClassifier(20, 3, 32), torch.randn(16, 20), torch.randint(3, (16,))
        loss_fn = nn.functional.cross_entropy
    elif name == "classifier-autograd-relu":
        net = FeedForwardClassifier(20, 3, 32, activation=lambda: ReLU(use_autograd_function=True))
        x, y = torch.randn(16, 20), torch.randint(3, (16,))
        loss_fn = nn.functional.cross_entropy
    elif name == "box":
        net, x, y = BoxRegressor(20, 32), torch.randn(16, 20), torch.rand(16, 4)
        loss_fn = nn.functional.mse_loss
    elif name == "convnet-small":
        net, x = ConvNet(3, in_channels=1, image_size=10), torch.randn(8, 1, 10, 10)
        y, loss_fn = torch.randint(3, (8,)), nn.functional.cross_entropy
    else:
        net, x = RNNModel(4, 16, 2), torch.randn(8, 6, 4)
        y = x[..., :2].cumsum(dim=1) / 3  # needs the recurrence: a running sum
        loss_fn = nn.functional.mse_loss
    losses = train(net, x, y, loss_fn)
    assert losses[-1] < 0.5 * losses[0]


def test_course_relu_gives_the_same_gradients_as_nn_relu():
    grads = []
    for activation in (nn.ReLU, lambda: ReLU(use_autograd_function=True)):
        torch.manual_seed(0)
        net = ConvNet(3, in_channels=1, image_size=10, activation=activation)
        x = torch.randn(4, 1, 10, 10, generator=torch.Generator().manual_seed(1))
        net(x).square().sum().backward()
        grads.append([p.grad for p in net.parameters()])
    for ours, theirs in zip(*grads, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


@pytest.mark.gpu
@pytest.mark.parametrize("name", MODELS)
def test_cuda_forward_agrees_with_cpu(name):
    make, in_shape, out_shape = MODELS[name]
    torch.manual_seed(0)
    # float64 so that TF32 convolutions and cuDNN's algorithm choice stay far below 1e-6.
    cpu = make(dtype=torch.float64).eval()
    cuda = make(dtype=torch.float64, device=best_device()).eval()
    cuda.load_state_dict(cpu.state_dict())
    x = torch.randn(in_shape(4), dtype=torch.float64)
    with torch.no_grad():
        expected = cpu(x)
        actual = cuda(x.to(best_device()))
    assert actual.device.type == "cuda"
    assert actual.shape == out_shape(4)
    torch.testing.assert_close(actual.cpu(), expected, rtol=0, atol=1e-6)


@pytest.mark.gpu
def test_models_train_on_best_device():
    device = best_device()
    torch.manual_seed(0)
    net = ConvNet(3, image_size=16, device=device)
    x = torch.randn(8, 3, 16, 16, device=device)
    y = torch.randint(3, (8,), device=device)
    losses = train(net, x, y, nn.functional.cross_entropy)
    assert all(p.device.type == "cuda" for p in net.parameters())
    assert losses[-1] < 0.5 * losses[0]
