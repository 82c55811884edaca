"""PyTorch implementations: functional forms, autograd Functions, modules and the article's models."""
