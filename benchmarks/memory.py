"""Workload 4: bytes per graph node, measured with tracemalloc on workload 1's graph.

The parameters exist before tracing starts; what is traced is everything the step's forward and
backward allocate that is still alive while the graph is held (nodes, operand tuples or sets,
closures, data and grad floats), divided by the number of nodes the step created.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["count_nodes", "traced_bytes"]


def count_nodes(root: Any, operands: Callable[[Any], Iterable[Any]]) -> int:
    """How many distinct nodes ``root`` depends on (itself included), walked iteratively."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for p in operands(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def traced_bytes(build: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes allocated by ``build()`` and still alive after it returns, and its result.

    The result is kept alive while the count is read, so its graph is what is measured.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = build()
        gc.collect()  # only what the result keeps alive counts, not collectable garbage
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, result
