"""Classic bug: a recursive topological sort, which dies near depth 1,000 (as micrograd's)."""

from __future__ import annotations

from typing import Any

from demos.engines import correct


class Value(correct.Value):
    """The right engine, except its graph walk recurses once per node."""

    def topo(self) -> list[Any]:
        """Every node, operands first, by recursion (Python's stack limit is the graph's)."""
        order: list[Any] = []
        seen: set[int] = set()

        def build(v: Any) -> None:
            if id(v) not in seen:
                seen.add(id(v))
                for child in v._prev:
                    build(child)
                order.append(v)
        build(self)
        return order
