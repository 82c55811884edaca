"""The exercise sets, one module per exercise notebook, each defining ``EXERCISE``."""
