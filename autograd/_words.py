"""How the trace is worded: numbers, node names, formulas and one chain-rule step.

Written once here and shown everywhere: the terminal stepper, the HTML page, the notebook and
the by-hand checks (`autograd.by_hand`) all read these functions (``viz._format`` re-exports
them for the views).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from itertools import chain, count
from typing import TYPE_CHECKING, Any

from autograd.engine import NUMBER, Value
from autograd.ops import substitute

if TYPE_CHECKING:  # trace.py words its warning here, and engine.py imports trace.py last
    from autograd.trace import Step

__all__ = ["as_float", "chain_rule_rows", "constant", "expression", "is_constant",
           "local_formula", "names_of", "node_names", "number", "stale_warning", "step_line",
           "term"]

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


def is_constant(node: Value, params: Collection[Value] = ()) -> bool:
    """Whether ``node`` is a constant: a leaf the engine made from a number written in the
    expression (labelled `autograd.engine.NUMBER`), not one of ``params``. Views show it as
    its value and give it no gradient line."""
    return node.op is None and type(node.label) is type(NUMBER) and node not in params


def node_names(order: Sequence[Value], params: Collection[Value] = ()) -> dict[Value, str]:
    """The one name of each node of ``order`` (a walk: the root last) that every view shows.

    A node is called by its label; a constant by its value (``2``); any other node by ``v1``,
    ``v2``, ... numbered without gaps in walk order, with a letter no label uses that way (``t1``
    when a label is ``v2``). A label that several nodes share gets its occurrence, from 0, in
    brackets (``x[0]``, ``x[1]``). No generated name equals a label.
    """
    last = order[-1] if order else None  # the root is no constant
    facts = [(n.label, n is not last and is_constant(n, params), n.data) for n in order]
    return dict(zip(order, names_of(facts), strict=True))


def names_of(facts: Sequence[tuple[str, bool, float]]) -> list[str]:
    """`node_names` over ``(label, is a constant, value)`` per node in walk order (what a
    `Tape` keeps of its graph)."""
    taken = {label for label, _, _ in facts if label}
    counts = Counter(label for label, _, _ in facts if label)
    prefix = next(p for p in chain(("v", "t", "u", "h"), ("v" * k for k in count(2)))
                  if not any(re.fullmatch(re.escape(p) + r"\d+", label) for label in taken))
    names: list[str] = []
    seen: Counter[str] = Counter()
    unnamed = 0
    for label, is_number, value in facts:
        if label and counts[label] == 1:
            names.append(label)
        elif label:
            while f"{label}[{seen[label]}]" in taken:
                seen[label] += 1
            names.append(f"{label}[{seen[label]}]")
            seen[label] += 1
        elif is_number:
            names.append(constant(value))
        else:
            unnamed += 1
            names.append(f"{prefix}{unnamed}")
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


def chain_rule_rows(step: Step, terms: Mapping[Value, str], digits: int = 4) -> tuple[str, str]:
    """The two lines of one chain-rule step, operands as ``terms`` names them (one term each):
    ``d{node}/d{operand} = formula = local`` and ``upstream U x local L = C``."""
    node, operand = terms[step.node], terms[step.operand]
    formula = local_formula(step, terms)
    local = number(step.local, digits)
    try:
        float(formula)
        local_text = formula  # "1" = 1.0000 says nothing
    except ValueError:
        local_text = f"{formula} = {local}"
    return (f"d{node}/d{operand} = {local_text}",
            f"upstream {number(step.upstream, digits)} x local {local} = "
            f"{number(step.contribution, digits)}")


def step_line(step: Step, names: Mapping[Value, str], digits: int = 4) -> str:
    """One step's arithmetic on a line: `chain_rule_rows` joined by `` ; ``."""
    terms = {v: term(name) for v, name in names.items()}  # d(a+b)/da, not da+b/da
    return " ; ".join(chain_rule_rows(step, terms, digits))


def stale_warning(names: Sequence[str], root: str) -> str:
    """Why a view warns: the nodes ``names`` hold a ``.grad`` that differs from the gradients of
    one backward pass from zero, which every view shows."""
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return (f"These are the gradients of one backward pass from zero. {len(names)} node(s) "
            f"({shown}) already hold a different .grad, so {root}.backward() would add this "
            "pass to it; call zero_grad() first to match what is shown.")
