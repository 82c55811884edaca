"""PyTorch implementations: functional forms, autograd Functions, modules, the article's models.

The classes and :func:`best_device` are importable from here, for example
``from relu_course.torch_nn import ReLU, ConvNet, best_device``. The functions keep their
module, because the functional form and the autograd form share names:
``relu_course.torch_nn.functional.relu`` calls ``torch.relu``, while
``relu_course.torch_nn.autograd.relu`` runs the hand-written backward pass.
"""

from __future__ import annotations

from relu_course.torch_nn.autograd import LeakyReLUFunction, ReLUFunction
from relu_course.torch_nn.device import available_devices, best_device
from relu_course.torch_nn.models import (
    BoxRegressionHead,
    BoxRegressor,
    ConvNet,
    FeedForwardClassifier,
    FeedForwardEncoder,
    RNNModel,
)
from relu_course.torch_nn.modules import LeakyReLU, PReLU, ReLU

__all__ = [
    "BoxRegressionHead",
    "BoxRegressor",
    "ConvNet",
    "FeedForwardClassifier",
    "FeedForwardEncoder",
    "LeakyReLU",
    "LeakyReLUFunction",
    "PReLU",
    "RNNModel",
    "ReLU",
    "ReLUFunction",
    "available_devices",
    "best_device",
]
