"""relu_course: the helper package of the ReLU course.

``relu_course.numpy_nn`` holds NumPy implementations (activations as forward/backward pairs,
layers, losses, gradient checking); ``relu_course.torch_nn`` holds the PyTorch ones. Importing
``relu_course`` itself imports neither torch nor SciPy, so tools that only need NumPy start fast.
"""

__version__ = "0.1.0"
