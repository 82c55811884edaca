"""NumPy implementations: activations, layers, losses and gradient checking.

Everything public is importable from here, for example
``from relu_course.numpy_nn import relu_forward, relu_backward``; the submodules hold one
concept each. Only NumPy is imported (SciPy is loaded by ``gelu`` when first called).
"""

from __future__ import annotations

from relu_course.numpy_nn.activations import (
    elu,
    elu_backward,
    elu_forward,
    gelu,
    gelu_backward,
    gelu_forward,
    leaky_relu,
    leaky_relu_backward,
    leaky_relu_forward,
    prelu,
    prelu_backward,
    prelu_forward,
    relu,
    relu_backward,
    relu_forward,
    sigmoid,
    sigmoid_backward,
    sigmoid_forward,
    softplus,
    softplus_backward,
    softplus_forward,
    tanh,
    tanh_backward,
    tanh_forward,
)
from relu_course.numpy_nn.gradcheck import (
    away_from_kink,
    numerical_gradient,
    numerical_gradient_array,
    rel_error,
)
from relu_course.numpy_nn.layers import (
    affine_backward,
    affine_forward,
    affine_relu_backward,
    affine_relu_forward,
    conv2d_backward,
    conv2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from relu_course.numpy_nn.losses import (
    mse_loss,
    softmax_cross_entropy,
)

__all__ = [
    "affine_backward",
    "affine_forward",
    "affine_relu_backward",
    "affine_relu_forward",
    "away_from_kink",
    "conv2d_backward",
    "conv2d_forward",
    "elu",
    "elu_backward",
    "elu_forward",
    "gelu",
    "gelu_backward",
    "gelu_forward",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "maxpool2d_backward",
    "maxpool2d_forward",
    "mse_loss",
    "numerical_gradient",
    "numerical_gradient_array",
    "prelu",
    "prelu_backward",
    "prelu_forward",
    "rel_error",
    "relu",
    "relu_backward",
    "relu_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax_cross_entropy",
    "softplus",
    "softplus_backward",
    "softplus_forward",
    "tanh",
    "tanh_backward",
    "tanh_forward",
]
