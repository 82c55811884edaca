"""The source article's networks, with the activation as a parameter.

The article shows where ReLU sits in four kinds of network: a feed-forward encoder
(``Linear``, ``ReLU``, ``Dropout(0.2)``, ``Linear``, ``ReLU``), a regression head predicting
four box coordinates (``dimension_line_head``), a convolutional block (``Conv2d(3, 64, 3)``,
``ReLU``, ``MaxPool2d(2)``) and a recurrent model with ReLU after the recurrent layer. Its
snippets are fragments; the classes here complete them into networks that run and train,
keeping the article's layer sizes and names.

Every class takes ``activation``, a callable that returns a fresh activation module (the
class ``nn.ReLU`` itself, ``nn.Tanh``, ``lambda: nn.LeakyReLU(0.1)``, or the course's own
:class:`~relu_course.torch_nn.modules.ReLU`), so that the chapters can swap activations and
compare. Every class also takes ``device`` and ``dtype``: the layers are created there, and
activations with weights (``nn.PReLU``) are moved there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch import nn

__all__ = [
    "ActivationFactory",
    "BoxRegressionHead",
    "BoxRegressor",
    "ConvNet",
    "FeedForwardClassifier",
    "FeedForwardEncoder",
    "RNNModel",
]

ActivationFactory = Callable[[], nn.Module]
"""A callable returning a new activation module each time, such as the class ``nn.ReLU``."""

Device = torch.device | str | None


def _activation(factory: ActivationFactory, device: Device, dtype: torch.dtype | None) -> nn.Module:
    """Build one activation module, placed like the layers around it (``nn.PReLU`` has weights)."""
    if isinstance(factory, nn.Module):
        raise TypeError(
            f"activation must build a new module on each call: pass the class "
            f"{type(factory).__name__}, not an instance {factory!r}"
        )
    module = factory()
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"activation must return a torch.nn.Module, got {type(module).__name__}; "
            "pass for example nn.ReLU (the class)"
        )
    return module.to(device=device, dtype=dtype)


def _check_positive(name: str, **values: int) -> None:
    for arg, value in values.items():
        if value < 1:
            raise ValueError(f"{name}: {arg} must be at least 1, got {value}")


class FeedForwardEncoder(nn.Module):
    r"""The article's feed-forward encoder: two linear layers, each followed by the activation.

    Mirrors the article's ``neural_network`` snippet (section "Feed-Forward Neural Networks"),
    whose first three layers are also its "Mathematical Implementation" snippet::

        Linear(input_size, hidden_size), ReLU, Dropout(0.2),
        Linear(hidden_size, hidden_size // 2), ReLU

    Dropout is active in training mode only; call ``.eval()`` for deterministic outputs.

    Args:
        input_size: number of input features.
        hidden_size: width of the first layer; the output has ``hidden_size // 2`` features.
            Default: 256.
        dropout: probability of zeroing a unit after the first layer. Default: 0.2.
        activation: builds each activation module. Default: ``nn.ReLU``.
        device: where to create the layers. Default: torch's default device.
        dtype: the parameters' dtype. Default: torch's default dtype.

    Raises:
        ValueError: a size is too small (``hidden_size`` must be at least 2) or ``dropout`` is
            not in ``[0, 1)``.

    Shape:
        - Input: :math:`(N, \text{input\_size})`.
        - Output: :math:`(N, \text{hidden\_size} // 2)`.

    Examples:
        >>> net = FeedForwardEncoder(64).eval()
        >>> net(torch.zeros(5, 64)).shape
        torch.Size([5, 128])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 256,
        dropout: float = 0.2,
        activation: ActivationFactory = nn.ReLU,
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _check_positive("FeedForwardEncoder", input_size=input_size)
        if hidden_size < 2:
            raise ValueError(
                f"FeedForwardEncoder: hidden_size must be at least 2, got {hidden_size}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"FeedForwardEncoder: dropout must be in [0, 1), got {dropout}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.layers = nn.Sequential(
            nn.Linear(input_size, hidden_size, device=device, dtype=dtype),
            _activation(activation, device, dtype),
            nn.Dropout(dropout),
            nn.Linear(hidden_size, hidden_size // 2, device=device, dtype=dtype),
            _activation(activation, device, dtype),
        )

    @property
    def output_size(self) -> int:
        """Number of output features, ``hidden_size // 2``."""
        return self.hidden_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode a batch of feature vectors."""
        out: torch.Tensor = self.layers(x)
        return out


class BoxRegressionHead(nn.Module):
    r"""The article's ``dimension_line_head``: predicts 4 box coordinates from encoded features.

    Mirrors the article's regression snippet (section "Specific Use Cases", 3. Regression)::

        Linear(hidden_size // 2, hidden_size // 4), ReLU, Linear(hidden_size // 4, 4)

    The last layer has no activation: coordinates are real numbers, and a ReLU there would
    stop the head from ever predicting a negative offset.

    Args:
        hidden_size: the encoder's ``hidden_size``; the head's input has ``hidden_size // 2``
            features. At least 4. Default: 256.
        activation: builds the activation module. Default: ``nn.ReLU``.
        device: where to create the layers. Default: torch's default device.
        dtype: the parameters' dtype. Default: torch's default dtype.

    Raises:
        ValueError: ``hidden_size`` is less than 4.

    Shape:
        - Input: :math:`(N, \text{hidden\_size} // 2)`.
        - Output: :math:`(N, 4)`, the box corners :math:`(x_1, y_1, x_2, y_2)`.

    Examples:
        >>> BoxRegressionHead(256)(torch.zeros(3, 128)).shape
        torch.Size([3, 4])
    """

    def __init__(
        self,
        hidden_size: int = 256,
        activation: ActivationFactory = nn.ReLU,
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if hidden_size < 4:
            raise ValueError(
                f"BoxRegressionHead: hidden_size must be at least 4, got {hidden_size}"
            )
        self.layers = nn.Sequential(
            nn.Linear(hidden_size // 2, hidden_size // 4, device=device, dtype=dtype),
            _activation(activation, device, dtype),
            nn.Linear(hidden_size // 4, 4, device=device, dtype=dtype),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict ``(x1, y1, x2, y2)`` for each encoded example."""
        out: torch.Tensor = self.layers(x)
        return out


class BoxRegressor(nn.Module):
    r"""Bounding-box regression: the feed-forward encoder followed by the box head.

    Combines the article's ``neural_network`` encoder (section "Feed-Forward Neural Networks")
    with its ``dimension_line_head`` (section "Specific Use Cases", 3. Regression), under the
    article's attribute names ``encoder`` and ``dimension_line_head``.

    Args:
        input_size: number of input features (pixels of a flattened image, for example).
        hidden_size: the encoder's width; at least 4. Default: 256.
        dropout: the encoder's dropout probability. Default: 0.2.
        activation: builds each activation module. Default: ``nn.ReLU``.
        device: where to create the layers. Default: torch's default device.
        dtype: the parameters' dtype. Default: torch's default dtype.

    Shape:
        - Input: :math:`(N, \text{input\_size})`.
        - Output: :math:`(N, 4)`, the box corners :math:`(x_1, y_1, x_2, y_2)`.

    Examples:
        >>> BoxRegressor(64, hidden_size=32)(torch.zeros(2, 64)).shape
        torch.Size([2, 4])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 256,
        dropout: float = 0.2,
        activation: ActivationFactory = nn.ReLU,
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.encoder = FeedForwardEncoder(
            input_size, hidden_size, dropout, activation, device=device, dtype=dtype
        )
        self.dimension_line_head = BoxRegressionHead(
            hidden_size, activation, device=device, dtype=dtype
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predict one box per example."""
        out: torch.Tensor = self.dimension_line_head(self.encoder(x))
        return out


class FeedForwardClassifier(nn.Module):
    r"""Classification: the feed-forward encoder followed by a linear layer giving logits.

    The article's ``neural_network`` encoder (section "Feed-Forward Neural Networks") with an
    output layer ``Linear(hidden_size // 2, num_classes)``. It returns logits (no softmax), as
    ``nn.CrossEntropyLoss`` expects.

    Args:
        input_size: number of input features.
        num_classes: number of classes.
        hidden_size: the encoder's width; at least 2. Default: 256.
        dropout: the encoder's dropout probability. Default: 0.2.
        activation: builds each activation module. Default: ``nn.ReLU``.
        device: where to create the layers. Default: torch's default device.
        dtype: the parameters' dtype. Default: torch's default dtype.

    Shape:
        - Input: :math:`(N, \text{input\_size})`.
        - Output: :math:`(N, \text{num\_classes})`, logits.

    Examples:
        >>> FeedForwardClassifier(64, 10)(torch.zeros(2, 64)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        input_size: int,
        num_classes: int,
        hidden_size: int = 256,
        dropout: float = 0.2,
        activation: ActivationFactory = nn.ReLU,
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _check_positive("FeedForwardClassifier", num_classes=num_classes)
        self.encoder = FeedForwardEncoder(
            input_size, hidden_size, dropout, activation, device=device, dtype=dtype
        )
        self.fc = nn.Linear(hidden_size // 2, num_classes, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the class logits of each example."""
        out: torch.Tensor = self.fc(self.encoder(x))
        return out


def _conv_block_size(size: int) -> int:
    """Side length after ``Conv2d(kernel_size=3)`` (no padding) and ``MaxPool2d(2)``."""
    return (size - 2) // 2


class ConvNet(nn.Module):
    r"""A small convolutional classifier built on the article's ``conv1`` block.

    Mirrors the article's ``ConvNet`` snippet (section "Convolutional Neural Networks (CNNs)")::

        conv1 = Sequential(Conv2d(3, 64, 3), ReLU, MaxPool2d(2))

    and completes it with a second block of the same form, ``Conv2d(64, 128, 3)``, activation,
    ``MaxPool2d(2)``, then a ``classifier`` head to the logits. Each block maps a side of ``s``
    pixels to ``(s - 2) // 2``, so a 32 x 32 image becomes 15 x 15, then 6 x 6.

    Two heads are offered. ``"flatten"`` (``Flatten``, ``Linear``) gives the linear layer all
    ``128 * 6 * 6 = 4608`` values, one weight per channel, position and class, so a pattern
    found at one place of the 6 x 6 grid and the same pattern found at another feed different
    weights. ``"global_max"`` (``AdaptiveMaxPool2d(1)``, ``Flatten``, ``Linear``) keeps only
    each channel's largest value over all positions, so the linear layer sees 128 numbers,
    each saying how strongly the channel's pattern occurs anywhere in the image; moving the
    image's content by a multiple of 4 pixels, the two blocks' total stride, without cutting
    it, leaves the logits unchanged.

    Args:
        num_classes: number of classes. Default: 10.
        in_channels: channels of the input images (3 for RGB, as the article). Default: 3.
        image_size: side of the (square) input images, or ``(height, width)``; at least 10.
            Default: 32.
        activation: builds each activation module. Default: ``nn.ReLU``.
        head: ``"flatten"`` or ``"global_max"``, the classifier described above.
            Default: ``"flatten"``.
        device: where to create the layers. Default: torch's default device.
        dtype: the parameters' dtype. Default: torch's default dtype.

    Raises:
        ValueError: the images are too small for two blocks (a side under 10 pixels),
            ``num_classes`` or ``in_channels`` is less than 1, or ``head`` is not one of the two.

    Shape:
        - Input: :math:`(N, \text{in\_channels}, H, W)` with ``(H, W)`` the ``image_size``.
        - Output: :math:`(N, \text{num\_classes})`, logits.

    Examples:
        >>> ConvNet()(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
        >>> ConvNet(head="global_max").classifier[-1]
        Linear(in_features=128, out_features=10, bias=True)
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 3,
        image_size: int | tuple[int, int] = 32,
        activation: ActivationFactory = nn.ReLU,
        head: Literal["flatten", "global_max"] = "flatten",
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _check_positive("ConvNet", num_classes=num_classes, in_channels=in_channels)
        if head not in ("flatten", "global_max"):
            raise ValueError(f"ConvNet: head must be 'flatten' or 'global_max', got {head!r}")
        height, width = (image_size, image_size) if isinstance(image_size, int) else image_size
        out_height = _conv_block_size(_conv_block_size(height))
        out_width = _conv_block_size(_conv_block_size(width))
        if out_height < 1 or out_width < 1:
            raise ValueError(
                f"ConvNet: images of {height} x {width} pixels are too small for two "
                "Conv2d(3) + MaxPool2d(2) blocks; each side needs at least 10 pixels"
            )
        self.in_channels = in_channels
        self.image_size = (height, width)
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, 64, 3, device=device, dtype=dtype),
            _activation(activation, device, dtype),
            nn.MaxPool2d(2),
        )
        self.conv2 = nn.Sequential(
            nn.Conv2d(64, 128, 3, device=device, dtype=dtype),
            _activation(activation, device, dtype),
            nn.MaxPool2d(2),
        )
        if head == "flatten":
            self.classifier = nn.Sequential(
                nn.Flatten(),
                nn.Linear(128 * out_height * out_width, num_classes, device=device, dtype=dtype),
            )
        else:
            self.classifier = nn.Sequential(
                nn.AdaptiveMaxPool2d(1),
                nn.Flatten(),
                nn.Linear(128, num_classes, device=device, dtype=dtype),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the class logits of each image.

        Raises:
            ValueError: ``x`` is not a batch of ``in_channels`` x ``image_size`` images.
        """
        expected = (self.in_channels, *self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"ConvNet: expected input of shape (N, {', '.join(map(str, expected))}), "
                f"got {tuple(x.shape)}"
            )
        out: torch.Tensor = self.classifier(self.conv2(self.conv1(x)))
        return out


class RNNModel(nn.Module):
    r"""A recurrent model with the activation after the recurrent layer, as the article's.

    Mirrors the article's ``RNNModel`` snippet (section "Recurrent Neural Networks (RNNs)")::

        rnn = RNN(input_size, hidden_size); fc = Linear(hidden_size, output_size)
        relu = ReLU()  # after the recurrent layer

    The forward pass is ``fc(relu(rnn(x)))`` at every time step. The RNN is batch-first, and
    ``nonlinearity`` is the RNN's own activation inside the recurrence (``"tanh"`` or
    ``"relu"``), separate from ``activation``, which acts on its outputs. The attribute keeps
    the article's name ``relu`` whatever activation it holds.

    :meth:`irnn` builds the IRNN of Le, Jaitly & Hinton (2015): ReLU recurrence, recurrent
    weights initialised to the identity, biases to zero.

    Args:
        input_size: features per time step.
        hidden_size: size of the hidden state.
        output_size: features of each output step (vocabulary size for a character model).
        nonlinearity: the recurrence's activation, ``"tanh"`` or ``"relu"``. Default: ``"tanh"``.
        activation: builds the activation after the recurrent layer. Default: ``nn.ReLU``.
        device: where to create the layers. Default: torch's default device.
        dtype: the parameters' dtype. Default: torch's default dtype.

    Shape:
        - Input: :math:`(N, T, \text{input\_size})`, batch first.
        - Initial hidden state (optional): :math:`(1, N, \text{hidden\_size})`; zeros if
          omitted.
        - Output: :math:`(N, T, \text{output\_size})`, one output per time step.

    Examples:
        >>> RNNModel(8, 16, 5)(torch.zeros(2, 7, 8)).shape
        torch.Size([2, 7, 5])
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        nonlinearity: str = "tanh",
        activation: ActivationFactory = nn.ReLU,
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _check_positive(
            "RNNModel", input_size=input_size, hidden_size=hidden_size, output_size=output_size
        )
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNModel: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        self.rnn = nn.RNN(
            input_size,
            hidden_size,
            batch_first=True,
            nonlinearity=nonlinearity,
            device=device,
            dtype=dtype,
        )
        self.relu = _activation(activation, device, dtype)
        self.fc = nn.Linear(hidden_size, output_size, device=device, dtype=dtype)

    @classmethod
    def irnn(
        cls,
        input_size: int,
        hidden_size: int,
        output_size: int,
        activation: ActivationFactory = nn.ReLU,
        device: Device = None,
        dtype: torch.dtype | None = None,
    ) -> RNNModel:
        """Build an IRNN (Le, Jaitly & Hinton, 2015): ReLU recurrence started at the identity.

        With :math:`W_{hh} = I` and zero biases, the hidden state is copied unchanged from one
        step to the next until the inputs change it, so gradients neither vanish nor explode
        at the start of training. The input weights keep PyTorch's default initialisation.

        Args:
            input_size: features per time step.
            hidden_size: size of the hidden state.
            output_size: features of each output step.
            activation: builds the activation after the recurrent layer. Default: ``nn.ReLU``.
            device: where to create the layers.
            dtype: the parameters' dtype.

        Returns:
            An :class:`RNNModel` with ``nonlinearity="relu"``, ``weight_hh_l0`` the identity
            and ``bias_ih_l0``, ``bias_hh_l0`` zero.
        """
        model = cls(
            input_size,
            hidden_size,
            output_size,
            nonlinearity="relu",
            activation=activation,
            device=device,
            dtype=dtype,
        )
        nn.init.eye_(model.rnn.get_parameter("weight_hh_l0"))
        nn.init.zeros_(model.rnn.get_parameter("bias_hh_l0"))
        nn.init.zeros_(model.rnn.get_parameter("bias_ih_l0"))
        return model

    def forward_with_hidden(
        self, x: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        r"""Run the sequence and also return the final hidden state, to continue from it.

        Args:
            x: a batch of sequences, :math:`(N, T, \text{input\_size})`.
            hidden: the initial hidden state, :math:`(1, N, \text{hidden\_size})`, or
                ``None`` for zeros.

        Returns:
            ``(outputs, hidden)``: outputs :math:`(N, T, \text{output\_size})` and the final
            hidden state :math:`(1, N, \text{hidden\_size})`, to pass to the next call (for
            example when generating text one character at a time).

        Raises:
            ValueError: ``x`` is not 3-dimensional.
        """
        if x.dim() != 3:
            raise ValueError(
                "RNNModel: expected input of shape (N, T, input_size) (batch first), "
                f"got {tuple(x.shape)}"
            )
        states, hidden_out = self.rnn(x, hidden)
        outputs: torch.Tensor = self.fc(self.relu(states))
        return outputs, hidden_out

    def forward(self, x: torch.Tensor, hidden: torch.Tensor | None = None) -> torch.Tensor:
        """Return the outputs at every time step (see :meth:`forward_with_hidden`)."""
        outputs, _ = self.forward_with_hidden(x, hidden)
        return outputs
