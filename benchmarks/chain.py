"""Workload 3: backward through a deep chain ``x = x * c`` then ``x = x + d``, alternating.

Every op makes exactly one node (``c`` and ``d`` are shared leaves), so ``n`` ops are ``n`` nodes
and the chain is ``n`` deep: micrograd's recursive topological sort cannot walk it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["C", "D", "X0", "build_chain", "expected_grads"]

X0, C, D = 0.5, 0.9999, 0.0001  # |c| < 1 keeps every value and gradient finite and non-zero


def build_chain(value: Callable[[float], Any], n: int) -> tuple[Any, Any, Any, Any]:
    """A chain of ``n`` ops (``n`` even) on leaves x0, c, d; returns (root, x0, c, d)."""
    if n < 2 or n % 2:
        raise ValueError(f"the chain needs an even number of ops, got {n}")
    x0, c, d = value(X0), value(C), value(D)
    x = x0
    for _ in range(n // 2):
        x = x * c
        x = x + d
    return x, x0, c, d


def expected_grads(n: int) -> tuple[float, float, float]:
    """d root / d (x0, c, d) in closed form, the reference for the correctness gate.

    After k rounds x_k = c^k x0 + d (1 - c^k) / (1 - c), so d/dx0 = c^k,
    d/dd = (1 - c^k) / (1 - c) and d/dc = k c^(k-1) x0 + d * d/dc[(1 - c^k) / (1 - c)].
    """
    k = n // 2
    ck = C**k
    geometric = (1 - ck) / (1 - C)
    d_geometric = (-k * C ** (k - 1) * (1 - C) + (1 - ck)) / (1 - C) ** 2
    return ck, k * C ** (k - 1) * X0 + D * d_geometric, geometric
