"""A node's own rule: kinks of the op table, one-sided rules, graphs rebuilt with other rows,
and `find_culprit`, which checks each node's local derivatives by finite differences."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product

from autograd._ridders import PROBE_ERRORS, Judge, as_float, moved, scale
from autograd.engine import Value, apply_op, walk
from autograd.ops import Op

__all__ = ["Culprit", "at_kink", "find_culprit", "kink_text", "nearest", "one_sided_rows",
           "rebuild"]

_NUDGE = 2.0**-30  # how far a kinked operand is moved to read a one-sided rule


def at_kink(node: Value) -> bool:
    """Whether node's row declares a kink at node's operands (relu or abs at 0)."""
    op = node.op
    return op is not None and op.kink is not None and bool(op.kink(*(p.data for p in node.parents)))


def kink_text(node: Value) -> str:
    """e.g. "relu at x = 0.0"."""
    assert node.op is not None  # only nodes made by an op sit at a kink
    operands = [p.data for p in node.parents]
    names = node.op.operand_names(len(operands))
    at = ", ".join(f"{n} = {v!r}" for n, v in zip(names, operands, strict=True))
    return f"{node.op.name} at {at}"


def one_sided_rows(node: Value) -> list[Op]:
    """node's row, and copies with its partials read just beside the kink (each operand
    nudged each way)."""
    op = node.op
    assert op is not None
    operands, rows = [p.data for p in node.parents], dict[tuple[float, ...], Op]()
    for slot, side in product(range(len(operands)), (-1.0, 1.0)):
        nudged = moved(operands, slot, operands[slot] + side * scale(operands[slot]) * _NUDGE)
        try:
            local = tuple(as_float(d) for d in op.partials(op.forward(*nudged), *nudged))
        except PROBE_ERRORS:
            continue
        rows.setdefault(local, dataclasses.replace(op, partials=lambda out, *a, d=local: d))
    return [op, *rows.values()]  # the row's own convention is a choice too (abs'(0) = 0)


def rebuild(root: Value, rows: dict[Value, Op]) -> Value:
    """A copy of root's graph, the nodes in ``rows`` made with those rows (leaves shared)."""
    new: dict[Value, Value] = {}
    for node in walk(root):
        op = rows.get(node, node.op)
        new[node] = node if op is None else apply_op(op, *(new[p] for p in node.parents))
    return new[root]


def nearest(x: float, candidates: Sequence[float]) -> float:
    """The candidate closest to x (nan when there is none)."""
    return min(candidates, key=lambda c: abs(c - x), default=math.nan)


@dataclass(frozen=True)
class Culprit:
    """A node whose row's own local derivative disagrees with finite differences of the row."""

    node: Value
    name: str  # the node's label, else v<i> with i its place in walk(root)
    expression: str  # how it was made, e.g. ``log1p(v2)``
    slot: int  # the operand slot whose partial is wrong
    operand: str  # the row's name for that operand: x, y, n, w_0, ...
    analytic: float  # the row's partial derivative
    numeric: float  # finite differences of the row's forward
    numeric_error: float

    def __str__(self) -> str:
        return (f"node {self.name} = {self.expression}: d/d{self.operand} is "
                f"{self.analytic:.4g}, finite differences give {self.numeric:.4g}")


def find_culprit(root: Value, *, atol: float = 1e-10, rtol: float = 1e-6) -> Culprit | None:
    """The first node of root's graph (walk order: operands first) whose row's local partial
    derivative, at that node's recorded operands, disagrees with finite differences of the
    row's forward; None if every local rule agrees.

    Nodes at their row's kink, and slots whose formula declares them constant (pow's number
    exponent), are not checked. Tolerances as in `gradcheck`.
    """
    if type(root) is not Value:
        raise TypeError(f"find_culprit: root must be a stepgrad Value, got {type(root).__name__}"
                        "; rebuild another engine's graph with autograd.Value first")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if not (isinstance(tol, (int, float)) and 0.0 <= tol < math.inf):
            raise ValueError(f"find_culprit: {name} must be a finite number >= 0, got {tol!r}")
    order = walk(root)
    names: dict[Value, str] = {}
    for i, node in enumerate(order):
        names[node] = node.label or (repr(node.data) if node.op is None else f"v{i}")
    for node in order:
        found = _local_check(node, names, atol, rtol)
        if found is not None:
            return found
    return None


def _local_check(node: Value, names: dict[Value, str], atol: float,
                 rtol: float) -> Culprit | None:
    """The first slot of node whose row's partial disagrees with finite differences."""
    op = node.op
    if op is None or at_kink(node):
        return None
    xs = [p.data for p in node.parents]
    try:
        local = [as_float(d) for d in op.partials(node.data, *xs)]
    except PROBE_ERRORS:
        return None
    judge = Judge(atol, rtol, None)
    for slot, a in enumerate(local):
        if "constant" in op.formula(slot, len(xs)) or not math.isfinite(a):
            continue
        e, tried = judge.search(_along(op, xs, slot), xs[slot], node.data, a)
        if (e is not None and judge.doubt(a, e, tried) is None and judge.confident(a, e)
                and not judge.agrees(a, e)
                and judge.resolvable(_along(op, xs, slot), xs[slot], node.data)):
            return Culprit(node, names[node], _expression(node, names), slot,
                           op.operand_names(len(xs))[slot], a, e.central, e.error)
    return None


def _along(op: Op, operands: list[float], slot: int) -> Callable[[float], float]:
    """op's forward as a function of one operand, the others held."""
    return lambda t: float(op.forward(*moved(operands, slot, t)))


def _expression(node: Value, names: dict[Value, str]) -> str:
    """How node was made from its operands' names: ``x * y``, ``-x``, ``log1p(v2)``."""
    assert node.op is not None
    args = [names[p] for p in node.parents]
    symbol = node.op.symbol
    if len(args) == 2 and not symbol.isalnum():
        return f"{args[0]} {symbol} {args[1]}"
    if len(args) == 1 and symbol == "-":
        return f"-{args[0]}"
    return f"{node.op.name}({', '.join(args)})"
