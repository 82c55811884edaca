"""NumPy implementations: activations, layers, losses and gradient checking."""
