"""Classic bug: a wrong local derivative (tanh's 1 - t**2 written as 1 - t)."""

from __future__ import annotations

import math
from typing import Any

from demos.engines import correct


class Value(correct.Value):
    """The right engine, except for tanh's derivative."""

    def tanh(self) -> Any:
        """Hyperbolic tangent, with the wrong derivative."""
        t = math.tanh(self.data)
        out = self._make(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t) * out.grad  # the bug: should be 1 - t**2
        out._backward = _backward
        return out
