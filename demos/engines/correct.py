"""A learner's engine done right: += in every _backward, an iterative topological order."""

from __future__ import annotations

import math
from typing import Any


class Value:
    """A scalar with a gradient; each op stores a closure that adds its local chain rule."""

    def __init__(self, data: float, _children: tuple[Any, ...] = (), _op: str = "") -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Any = lambda: None
        self._prev = _children
        self._op = _op

    def _make(self, data: float, children: tuple[Any, ...], op: str) -> Any:
        return type(self)(data, children, op)  # type(self): the buggy engines subclass this

    def _lift(self, other: Any) -> Any:
        return other if isinstance(other, type(self)) else type(self)(other)

    def __add__(self, other: Any) -> Any:
        other = self._lift(other)
        out = self._make(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = self._make(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Any:
        out = self._make(self.data ** k, (self,), f"**{k}")

        def _backward() -> None:
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> Any:
        """Hyperbolic tangent."""
        t = math.tanh(self.data)
        out = self._make(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def exp(self) -> Any:
        """e ** self."""
        out = self._make(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self) -> Any:
        """Natural logarithm."""
        out = self._make(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def relu(self) -> Any:
        """max(self, 0)."""
        out = self._make(max(self.data, 0.0), (self,), "ReLU")

        def _backward() -> None:
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def topo(self) -> list[Any]:
        """Every node, operands before their results, with an explicit stack (no recursion)."""
        order: list[Any] = []
        seen: set[int] = set()
        stack: list[tuple[Any, bool]] = [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack += [(c, False) for c in v._prev]
        return order

    def backward(self) -> None:
        """Add d self / d node to every node's grad (inner grads restart from 0 each time)."""
        order = self.topo()
        for v in order:
            if v._prev:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            v._backward()

    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return other + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * other ** -1

    def __rtruediv__(self, other: Any) -> Any:
        return other * self ** -1

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
