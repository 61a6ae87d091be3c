"""Classic bug: mul's _backward overwrites its operands' grads (= instead of +=)."""

from __future__ import annotations

from typing import Any

from demos.engines import correct


class Value(correct.Value):
    """The right engine, except for one line of __mul__."""

    def __mul__(self, other: Any) -> Any:
        other = self._lift(other)
        out = self._make(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad = other.data * out.grad  # the bug: should be +=
            other.grad = self.data * out.grad  # the bug: should be +=
        out._backward = _backward
        return out
