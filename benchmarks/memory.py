"""Workload 4: bytes per graph node, measured with tracemalloc on workload 1's graph.

The parameters exist before tracing starts; what is traced is everything the step's forward and
backward allocate that is still alive while the graph is held (nodes, operand tuples or sets,
closures, data and grad floats), divided by the number of nodes the step created.

``attribute_cost`` measures what letting a learner attach attributes (``p.m = 0``) costs each node:
a Value against a slots-only twin class with the same fields and no way to add one.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["attribute_cost", "bytes_each", "count_nodes", "traced_bytes"]


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


def bytes_each(make: Callable[[int], Any], n: int = 2000) -> float:
    """Bytes each of ``make(0)``, ..., ``make(n - 1)`` keeps allocated (the list left out).

    The least of three counts: tracemalloc also counts what other threads allocate meanwhile.
    """
    counts = []
    for _ in range(3):
        size, kept = traced_bytes(lambda: [make(i) for i in range(n)])
        counts.append((size - sys.getsizeof(kept)) / n)
    return min(counts)


def attribute_cost(value: Any, n: int = 2000) -> float:
    """Bytes per node that ``value`` (the Value class) spends on a learner's own attributes.

    ``n`` leaves made from floats that already exist, against as many objects of a twin class
    holding the same fields in plain slots, which refuses any other attribute. Results of ops
    have the same layout, so the same cost.
    """
    fields = tuple(f for f in value.__slots__ if f not in ("__dict__", "__weakref__"))
    twin = type("SlotsOnly", (), {"__slots__": fields})
    prototype = value(0.0)
    xs = [float(i) for i in range(n)]

    def make_twin(i: int) -> Any:
        node = object.__new__(twin)
        for name in fields:
            setattr(node, name, getattr(prototype, name))
        node._data = xs[i]
        return node

    return bytes_each(lambda i: value(xs[i]), n) - bytes_each(make_twin, n)
