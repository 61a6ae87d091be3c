"""How the trace is worded: numbers, node names, formulas and one chain-rule step.

Written once here and shown everywhere: the terminal stepper, the HTML page, the notebook and
the by-hand checks (`autograd.by_hand`) all read these functions (``viz._format`` re-exports
them for the views).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from autograd.engine import Step, Value
from autograd.ops import substitute

__all__ = ["as_float", "constant", "expression", "local_formula", "node_names", "number",
           "step_line", "term"]

_TERM = re.compile(r"[\w.]+(\[\d+\])?")  # names that read as one term: x1, w0.3, 2.5, x[3]


def as_float(x: Any) -> float:
    """A gradient or value as a float (trace entries may be Values under create_graph)."""
    return float(x.data if isinstance(x, Value) else x)


def number(x: Any, digits: int = 4) -> str:
    """``x`` with ``digits`` decimals, switching to exponent form when that would hide it."""
    x = as_float(x) + 0.0  # + 0.0 turns -0.0 into 0.0, so no "-0.0000"
    if not math.isfinite(x):
        return str(x)
    if x == 0.0 or 10.0**-digits <= abs(x) < 1e7:
        return f"{x:.{digits}f}"
    return f"{x:.{digits}g}"


def constant(x: float) -> str:
    """A constant operand written as short as it reads in source (``2`` not ``2.0000``)."""
    return f"{x + 0.0:.6g}"


def node_names(order: list[Value]) -> dict[Value, str]:
    """A short name per node, the one every view (trace, drawing, page, quiz) uses: its label,
    a constant's value, else ``v1``, ``v2``, ... numbered without gaps in walk order and never
    equal to a label of the graph (a user's own ``v2`` keeps its name; the next free number
    is taken). A label that several nodes share gets its walk index appended (``x[3]``), so
    every name in a printed trace points at one node.
    """
    counts: dict[str, int] = {}
    for node in order:
        if node.label:
            counts[node.label] = counts.get(node.label, 0) + 1
    names: dict[Value, str] = {}
    k = 0
    for i, node in enumerate(order):
        if node.label:
            names[node] = node.label if counts[node.label] == 1 else f"{node.label}[{i}]"
        elif node.op is None:
            names[node] = constant(node.data)
        else:
            k += 1
            while f"v{k}" in counts:
                k += 1
            names[node] = f"v{k}"
    return names


def term(name: str) -> str:
    """``name`` as an operand inside a formula: parenthesised (``(-3)``, ``(a+b)``) unless it
    reads as one term, so that substituting it keeps the formula's meaning."""
    return name if _TERM.fullmatch(name) else f"({name})"


def local_formula(step: Step, terms: Mapping[Value, str]) -> str:
    """The formula of ``step``'s local derivative, operands written as ``terms`` names them."""
    op, parents = step.op, step.node.parents
    slots = zip(op.operand_names(len(parents)), parents, strict=True)
    return substitute(op.formula(step.slot, len(parents)), {k: terms[p] for k, p in slots})


def expression(node: Value, names: Mapping[Value, str]) -> str:
    """How ``node`` was computed from its operands' names, e.g. ``x1 * w1`` or ``tanh(n)``."""
    op, args = node.op, [names[p] for p in node.parents]
    if op is None:
        return names[node]
    if op.name == "dot":
        n = len(args) // 2
        terms = [f"{w}*{x}" for w, x in zip(args[:n], args[n : 2 * n], strict=True)] + args[2 * n :]
        return " + ".join(terms)
    if op.name == "sum":
        return " + ".join(args)
    if op.name == "neg":
        return f"-{args[0]}"
    if op.arity == 2:
        return f"{args[0]} {op.symbol} {args[1]}"
    return f"{op.symbol}({', '.join(args)})"


def step_line(step: Step, names: Mapping[Value, str], digits: int = 4,
              style: Callable[[str, str], str] | None = None) -> str:
    """One step's arithmetic: ``d{node}/d{operand} = formula = local ; upstream U x local d = c``.

    ``style(text, ansi_code)`` highlights the contribution (the terminal's colours); the words
    are the same in every view.
    """
    s = style or (lambda text, code: text)
    node, operand = term(names[step.node]), term(names[step.operand])  # d(a+b)/da, not da+b/da
    formula = local_formula(step, {p: term(names[p]) for p in step.node.parents})
    local = number(step.local, digits)
    try:
        float(formula)
        local_text = formula  # "1" = 1.0000 says nothing
    except ValueError:
        local_text = f"{formula} = {local}"
    return (f"d{node}/d{operand} = {local_text} ; upstream {number(step.upstream, digits)} x "
            f"local {local} = {s(number(step.contribution, digits), '32')}")
