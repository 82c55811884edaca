"""PyTorch implementations: functional forms, autograd Functions, modules, the article's models."""
