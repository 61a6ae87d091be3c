"""Classic bug: backward visits nodes in the order it meets them, not in topological order."""

from __future__ import annotations

from demos.engines import correct


class Value(correct.Value):
    """The right engine, except backward() runs a node before all its users have run."""

    def backward(self) -> None:
        """Depth-first from the output: a shared node can pass its grad on too early."""
        self.grad = 1.0
        stack, seen = [self], set()
        while stack:
            v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            v._backward()  # the bug: runs before every node using v has added to v.grad
            stack += v._prev
