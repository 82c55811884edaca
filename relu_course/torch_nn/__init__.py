"""PyTorch implementations: functional forms, autograd Functions, modules, the article's models.

The classes, :func:`best_device` and the initialisation helpers of
:mod:`relu_course.torch_nn.init` are importable from here, for example
``from relu_course.torch_nn import ReLU, ConvNet, best_device, init_weights``. The functions
keep their module, because the functional form and the autograd form share names:
``relu_course.torch_nn.functional.relu`` calls ``torch.relu``, while
``relu_course.torch_nn.autograd.relu`` runs the hand-written backward pass.
"""

from __future__ import annotations

from relu_course.torch_nn.autograd import LeakyReLUFunction, ReLUFunction
from relu_course.torch_nn.device import available_devices, best_device
from relu_course.torch_nn.init import InitScheme, default_std, he_std, init_weights, xavier_std
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
    "InitScheme",
    "LeakyReLU",
    "LeakyReLUFunction",
    "PReLU",
    "RNNModel",
    "ReLU",
    "ReLUFunction",
    "available_devices",
    "best_device",
    "default_std",
    "he_std",
    "init_weights",
    "xavier_std",
]
