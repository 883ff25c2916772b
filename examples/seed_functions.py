"""The seeds' functions, importable (for the CLI: python -m symjvp examples/seed_functions.py:NAME)."""


def double_row_sum(x):
    """Seed 000: 2 * x.sum(dim=1)."""
    return 2 * x.sum(dim=1)


def exp_reducer(x):
    """Seeds 001 and 002: x.exp().sum(dim=1)."""
    return x.exp().sum(dim=1)


def adder(x, y):
    """Seeds 001 and 002: 2 * x + 3 * y."""
    return 2 * x + 3 * y


def logistic_layer(X, w):
    """Seed 003: sigmoid(X @ w), one output per sample; differentiate with respect to w (--wrt 1)."""
    return (X @ w).sigmoid()
