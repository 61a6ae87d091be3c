"""Read a Value of any micrograd-style engine as a stepgrad graph, to draw and step through it.

A foreign node is read through ``data``, ``grad``, ``_prev`` (its operands) and ``_op`` (a
string such as ``'+'``, ``'**2'`` or ``'tanh'``). Its local derivatives come from stepgrad's
op-table row matched by ``_op``; where no row matches, from finite differences of the engine's
own method of that name, or else from the engine's own ``_backward``; the row then says which.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd.engine import Value, apply_op
from autograd.ops import OPS, Op

__all__ = ["as_stepgrad", "is_foreign"]

_NAMES = {"+": "add", "*": "mul", "/": "div", "**": "pow"}


def is_foreign(x: Any) -> bool:
    """Whether ``x`` looks like a micrograd-style Value (not stepgrad's): data, grad, _prev, _op."""
    return type(x) is not Value and all(hasattr(x, a) for a in ("data", "grad", "_prev", "_op"))


def as_stepgrad(root: Any, *, grads: bool = True) -> Any:
    """``root``'s graph rebuilt from stepgrad Values (labels kept); anything else unchanged.

    Each node keeps its engine's ``data`` (and ``grad`` unless ``grads=False``), so a drawing
    shows the learner's own numbers; the local derivatives are stepgrad's (see the module).
    """
    if not is_foreign(root):
        return root
    made: dict[int, Value] = {}
    for node in _walk(root):
        kids = [made[id(c)] for c in _operands(node)]
        value = _convert(node, kids)
        value.data = float(node.data)
        if grads:
            value.grad = float(node.grad)
        label = getattr(node, "label", "")
        value.label = label if type(label) is str else ""
        made[id(node)] = value
    return made[id(root)]


def _operands(node: Any) -> list[Any]:
    prev = node._prev
    return list(prev) if prev else []


def _walk(root: Any) -> list[Any]:
    """Foreign nodes, operands first, with an explicit stack (a deep graph must not recurse)."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack += [(c, False) for c in reversed(_operands(node))]
    return order


def _convert(node: Any, kids: list[Value]) -> Value:
    if not kids:
        return Value(float(node.data))
    text = str(node._op)
    if text.startswith("**") and len(kids) == 1:
        try:
            return apply_op(OPS["pow"], kids[0], float(text[2:]))
        except (ValueError, ZeroDivisionError, OverflowError):
            pass
    name = _NAMES.get(text, text.lower())
    if name == "-":
        name = "neg" if len(kids) == 1 else "sub"
    row = OPS.get(name)
    if row is not None and row.arity in (1, 2) and len(kids) <= row.arity:
        if row.arity == 2 and len(kids) == 1:  # a + a: a set of operands holds a once
            kids = kids * 2
        made = _matching(row, kids, float(node.data))
        if made is not None:
            return made
    return apply_op(_own_row(node, text, kids), *kids)


def _matching(row: Op, kids: list[Value], data: float) -> Value | None:
    """The node of ``row`` over ``kids`` (in the order that gives ``data``: sets lose it)."""
    orders = [kids, kids[::-1]] if len(kids) == 2 and kids[0] is not kids[1] else [kids]
    first = None
    for args in orders:
        try:
            made = apply_op(row, *args)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if math.isclose(made.data, data, rel_tol=1e-9, abs_tol=1e-12):
            return made
        first = first or made
    return first


def _own_row(node: Any, text: str, kids: list[Value]) -> Op:
    """A row for an op stepgrad does not have: finite differences of the engine's method."""
    data = float(node.data)
    method = getattr(type(node), text, None) if text.isidentifier() else None
    if callable(method) and len(kids) == 1:
        def f(x: float) -> float:
            return float(method(type(node)(x)).data)

        def fd(out: float, x: float) -> tuple[float]:
            h = 1e-6 * max(1.0, abs(x))
            return ((f(x + h) - f(x - h)) / (2 * h),)
        return Op(f"{text} (finite differences)", text, 1, lambda x: data, fd,
                  ("finite differences of your " + text,))
    local = _own_backward(node)
    return Op(f"{text or '?'} (your _backward)", text or "?", len(kids),
              lambda *xs: data, _constant(local), ("from your _backward",))


def _constant(local: tuple[float, ...]) -> Callable[..., tuple[float, ...]]:
    return lambda out, *xs: local


def _own_backward(node: Any) -> tuple[float, ...]:
    """The local derivatives the engine's ``_backward`` applies (grads restored afterwards)."""
    kids = _operands(node)
    saved = [(k, k.grad) for k in kids] + [(node, node.grad)]
    try:
        for k in kids:
            k.grad = 0.0
        node.grad = 1.0
        node._backward()
        return tuple(float(k.grad) for k in kids)
    except Exception:  # an engine that cannot run one _backward alone: show no derivative
        return tuple(math.nan for _ in kids)
    finally:
        for k, g in saved:
            k.grad = g
