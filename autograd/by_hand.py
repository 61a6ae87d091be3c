"""Backprop by hand: check the gradients a learner set on ``.grad`` and name the likely mistake.

`check_by_hand(root)` compares every node's ``.grad`` with d root / d node (from the trace,
touching no ``.grad``) and, for each wrong one, tests the classic mistakes against the learner's
number: a forgotten sum over the uses of a node, a dropped upstream gradient, a flipped sign,
swapped operands of ``*`` or ``/``, a local derivative taken at the wrong point (``1 - n**2``
for ``1 - tanh(n)**2``), and an error carried forward from a wrong gradient above. The same
guesses serve the terminal quiz and the HTML exercise (`node_guesses`, `step_guesses`), so the
diagnosis is worded once.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from autograd._words import (
    expression,
    is_constant,
    local_formula,
    node_names,
    number,
    step_line,
    term,
)
from autograd.engine import Step, Trace, Value, backprop_steps
from autograd.ops import substitute

__all__ = ["ByHandReport", "ByHandRow", "Guess", "check_by_hand", "diagnose", "display_names",
           "guesses_per_step", "is_close",
           "node_guesses", "right_arithmetic", "step_guesses"]

_ABS_TOL = 1e-12  # a right gradient of exactly 0 accepts only (near) 0
_LONGEST = 32  # characters of a formula used as a node's name


class Guess(NamedTuple):
    """A classic mistake: its kind, the number it would give, and the words that explain it."""

    kind: str  # forgot-sum, dropped-upstream, sign, swapped, wrong-point, carried
    value: float
    words: str


class ByHandRow(NamedTuple):
    """One node of a `check_by_hand` report."""

    node: Value
    name: str  # the label, or the formula that made the node
    yours: float
    right: float
    status: str  # "right", "wrong" or "not done"
    mistake: Guess | None  # the likely mistake of a wrong row (None: none of the classics)
    cause: Value | None  # the first real mistake, for an error carried forward
    arithmetic: tuple[str, ...]  # the right computation, in the trace's words


def is_close(yours: float, right: float, rel_tol: float = 1e-3) -> bool:
    """Whether a hand-computed number matches: relative ``rel_tol``, exact 0 only near 0."""
    return math.isclose(yours, right, rel_tol=rel_tol, abs_tol=_ABS_TOL)


def display_names(order: Sequence[Value]) -> dict[Value, str]:
    """Each node as a table shows it: its label, a constant's value, or its formula in its
    operands' names (the short ``v{i}`` name when the formula grows too long to read)."""
    names = node_names(list(order))
    shown: dict[Value, str] = {}
    for v in order:
        if v.label or v.op is None:
            shown[v] = names[v]
        else:
            formula = expression(v, {p: term(shown[p]) for p in v.parents})
            shown[v] = formula if len(formula) <= _LONGEST else names[v]
    return shown


class _Words:
    """What the guesses need to word a mistake: the trace and the names of its nodes."""

    def __init__(self, trace: Trace, names: Mapping[Value, str], digits: int) -> None:
        self.trace, self.names, self.digits = trace, names, digits
        self.terms = {v: term(n) for v, n in names.items()}
        self.root = self.terms[trace.root]
        self.uses: dict[Value, list[Step]] = {}
        for step in trace.steps:
            self.uses.setdefault(step.operand, []).append(step)

    def num(self, x: float) -> str:
        return number(x, self.digits)

    def formula(self, step: Step) -> str:
        return local_formula(step, self.terms)


# rows whose derivative is often written with the output (1 - o^2): that form at the input
_OUTPUT_FORMS: dict[str, tuple[str, Callable[[float], float]]] = {
    "tanh": ("1 - {x}^2", lambda x: 1.0 - x * x),
    "sigmoid": ("{x}*(1 - {x})", lambda x: x * (1.0 - x)),
    "exp": ("{x}", lambda x: x),
}


def _wrong_points(step: Step, w: _Words) -> list[tuple[float, str]]:
    """Local derivatives taken at the wrong point, with their formulas."""
    op, node, x = step.op, step.node, step.operand
    out: list[tuple[float, str]] = []
    if op.name in _OUTPUT_FORMS:
        form, f = _OUTPUT_FORMS[op.name]
        out.append((f(x.data), form.format(x=w.terms[x])))
    if op.arity == 1 or (op.name == "pow" and step.slot == 0):
        rest = [p.data for p in node.parents[1:]]
        try:  # the row's own formula, evaluated at the output
            local = float(op.partials(op.forward(node.data, *rest), node.data, *rest)[step.slot])
        except (ValueError, ZeroDivisionError, OverflowError):
            return out
        names = dict(zip(op.operand_names(len(node.parents)),
                         [w.terms[node], *(w.terms[p] for p in node.parents[1:])], strict=True))
        out.append((local, substitute(op.formula(step.slot, len(node.parents)), names)))
    return out


def _swapped(step: Step, w: _Words) -> list[tuple[float, str]]:
    """Local derivatives of ``*`` or ``/`` with the operands swapped, with their formulas."""
    op, node = step.op, step.node
    if op.name not in ("mul", "div") or node.parents[0] is node.parents[1]:
        return []
    x, y = node.parents
    try:
        swapped = float(op.partials(op.forward(y.data, x.data), y.data, x.data)[step.slot])
    except (ValueError, ZeroDivisionError, OverflowError):
        return []
    names = {"x": w.terms[y], "y": w.terms[x]}
    guesses = [(swapped, substitute(op.formula(step.slot, 2), names))]
    if op.name == "div":  # the other operand's formula
        other = float(op.partials(node.data, x.data, y.data)[1 - step.slot])
        names = {"x": w.terms[x], "y": w.terms[y]}
        guesses.append((other, substitute(op.formula(1 - step.slot, 2), names)))
    return guesses


def _guesses(steps: Sequence[Step], base: float, upstream: Mapping[Value, float],
             target: Value, w: _Words) -> list[Guess]:
    """The classic mistakes in ``base`` + the contributions of ``steps`` to ``target``'s grad.

    ``base`` is what the gradient held before these steps (0 for a whole node); ``upstream``
    gives each step's upstream gradient (the true one, or the learner's).
    """
    name = w.names[target]
    contributions = [s.local * upstream[s.node] for s in steps]
    total = base + sum(contributions)
    guesses: list[Guess] = []
    if base:  # one step of a node used more than once: it adds to what the node had
        c = contributions[0]
        guesses.append(Guess("forgot-sum", c, (
            f"forgot to add: {name} is used more than once, and this step's contribution "
            f"({w.num(c)}) adds to what its gradient already had ({w.num(base)})")))
        guesses.append(Guess("sign", base - c, "sign flipped: this step's contribution has the "
                             "other sign"))
    elif len(steps) > 1:
        for s, c in zip(steps, contributions, strict=True):
            guesses.append(Guess("forgot-sum", c, (
                f"forgot to add the contributions of {name}, which is used {len(steps)} times: "
                f"your value is the one through {w.names[s.node]} ({w.num(c)}); its gradient is "
                f"the sum {' + '.join(w.num(x) for x in contributions)}")))
    locals_ = base + sum(s.local for s in steps)
    shown = " + ".join(w.formula(s) for s in steps)
    shown = shown if _is_number(shown) else f"{shown} = {w.num(locals_)}"
    via = ", ".join(f"d{w.root}/d{w.terms[s.node]} = {w.num(upstream[s.node])}" for s in steps)
    guesses.append(Guess("dropped-upstream", locals_, (
        f"dropped the upstream gradient: your value is the local derivative alone "
        f"({shown}); multiply it by "
        f"the upstream gradient ({via})")))
    guesses.append(Guess("sign", -total, "sign flipped: the right value has the other sign"))
    for kind, alternatives, say in (("swapped", _swapped, _say_swapped),
                                    ("wrong-point", _wrong_points, _say_wrong_point)):
        for i, s in enumerate(steps):
            for local, formula in alternatives(s, w):
                value = total - contributions[i] + local * upstream[s.node]
                guesses.append(Guess(kind, value, say(s, formula, local, w)))
    return guesses


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _say_swapped(s: Step, formula: str, local: float, w: _Words) -> str:
    return (f"swapped the operands of {w.names[s.node]} = {expression(s.node, w.terms)}: "
            f"d{w.terms[s.node]}/d{w.terms[s.operand]} is {w.formula(s)} = {w.num(s.local)}, "
            f"not {formula} = {w.num(local)}")


def _say_wrong_point(s: Step, formula: str, local: float, w: _Words) -> str:
    return (f"local derivative taken at the wrong point: {formula} = {w.num(local)} instead of "
            f"{w.formula(s)} = {w.num(s.local)} (the derivative of {s.op.name} at its input "
            f"{w.names[s.operand]} = {w.num(s.operand.data)})")


def node_guesses(trace: Trace, node: Value, *, upstream: Mapping[Value, float] | None = None,
                 names: Mapping[Value, str] | None = None, digits: int = 4) -> list[Guess]:
    """The classic mistakes in d root / ``node`` (all its uses), each with its number.

    ``upstream`` replaces the true gradients of the nodes above (e.g. the learner's own).
    """
    w = _Words(trace, names or display_names(trace.order), digits)
    steps = w.uses.get(node, [])
    return _guesses(steps, 0.0, upstream or trace.grads, node, w) if steps else []


def step_guesses(trace: Trace, k: int, *, names: Mapping[Value, str] | None = None,
                 digits: int = 4) -> list[Guess]:
    """The classic mistakes in the operand's gradient just after ``trace.steps[k]``."""
    w = _Words(trace, names or display_names(trace.order), digits)
    return _step_guesses(trace.steps[k], w)


def guesses_per_step(trace: Trace, *, names: Mapping[Value, str] | None = None,
                     digits: int = 4) -> list[list[Guess]]:
    """`step_guesses` for every step of the trace, in one pass."""
    w = _Words(trace, names or display_names(trace.order), digits)
    return [_step_guesses(step, w) for step in trace.steps]


def _step_guesses(step: Step, w: _Words) -> list[Guess]:
    return _guesses([step], float(step.before), w.trace.grads, step.operand, w)


def diagnose(yours: float, right: float, guesses: Iterable[Guess],
             rel_tol: float = 1e-3) -> Guess | None:
    """The first guess that gives ``yours`` and is not itself the right value, or None."""
    for g in guesses:
        if is_close(yours, g.value, rel_tol) and not is_close(g.value, right, rel_tol):
            return g
    return None


def right_arithmetic(trace: Trace, node: Value, *, names: Mapping[Value, str] | None = None,
                     digits: int = 4) -> tuple[str, ...]:
    """How d root / ``node`` is computed: each use's step line, then their sum."""
    return _arithmetic(node, _Words(trace, names or display_names(trace.order), digits))


def _arithmetic(node: Value, w: _Words) -> tuple[str, ...]:
    steps = w.uses.get(node, [])
    if not steps:
        seed = f"d{w.root}/d{w.root} = {w.num(w.trace.seed)} (the seed)"
        return (seed,) if node is w.trace.root else ()
    lines = [step_line(s, w.names, w.digits) for s in steps]
    if len(steps) > 1:
        lines.append(f"sum over its {len(steps)} uses: d{w.root}/d{w.terms[node]} = "
                     f"{' + '.join(w.num(s.contribution) for s in steps)} = "
                     f"{w.num(w.trace.grads[node])}")
    return tuple(lines)


class ByHandReport:
    """`check_by_hand`'s verdict: truthy iff every node is right; prints as a table."""

    def __init__(self, root: Value, rows: Sequence[ByHandRow], rel_tol: float,
                 digits: int) -> None:
        self.root = root
        self.rows: tuple[ByHandRow, ...] = tuple(rows)
        """One row per node, in backward order (the root first)."""
        self.rel_tol = rel_tol
        self.digits = digits

    def __bool__(self) -> bool:
        return all(r.status == "right" for r in self.rows)

    def row(self, node: Value) -> ByHandRow:
        """The row of ``node``."""
        for r in self.rows:
            if r.node is node:
                return r
        raise KeyError(f"{node!r} is not in the report")

    @property
    def wrong(self) -> list[ByHandRow]:
        """The rows whose gradient is wrong."""
        return [r for r in self.rows if r.status == "wrong"]

    def _cells(self, r: ByHandRow) -> list[str]:
        return [r.name, number(r.yours, self.digits), number(r.right, self.digits), r.status]

    def _notes(self, r: ByHandRow) -> list[str]:
        if r.status != "wrong":
            return []
        why = r.mistake.words if r.mistake else "none of the classic mistakes gives your value"
        return [f"likely mistake: {why}", *(f"right: {line}" for line in r.arithmetic)]

    def __str__(self) -> str:
        head = ["node", "your grad", "right grad", "status"]
        table = [head] + [self._cells(r) for r in self.rows]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        lines = []
        for i, cells in enumerate(table):
            lines.append("  ".join(c.ljust(widths[j]) if j in (0, 3) else c.rjust(widths[j])
                                   for j, c in enumerate(cells)).rstrip())
            if i:
                lines += [f"    {note}" for note in self._notes(self.rows[i - 1])]
        counts = {s: sum(r.status == s for r in self.rows) for s in ("right", "wrong", "not done")}
        lines.append(", ".join(f"{n} {s}" for s, n in counts.items())
                     + f" (relative tolerance {self.rel_tol:g})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ByHandReport {'all right' if self else f'{len(self.wrong)} wrong'}>\n{self}"

    def _repr_html_(self) -> str:
        """The report as an HTML table (Jupyter); every text escaped."""
        e = html.escape
        rows = []
        for r in self.rows:
            cells = "".join(f"<td>{e(c)}</td>" for c in self._cells(r))
            rows.append(f'<tr class="{e(r.status.replace(" ", "-"))}">{cells}</tr>')
            notes = self._notes(r)
            if notes:
                rows.append('<tr><td colspan="4"><ul>'
                            + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul></td></tr>")
        head = "".join(f"<th>{h}</th>" for h in ("node", "your grad", "right grad", "status"))
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p>{e(str(self).splitlines()[-1])}</p>")


def check_by_hand(root: Value, *, rel_tol: float = 1e-3, digits: int = 4) -> ByHandReport:
    """Compare the ``.grad`` a learner set on each node of ``root``'s graph with d root / d node.

    Changes no ``.grad``. A node is right within ``rel_tol`` (relative), "not done" while its
    ``.grad`` is 0 and the true gradient is not, else wrong, with the likely mistake.
    """
    if type(root) is not Value:
        raise TypeError(f"check_by_hand: root must be a Value, got {type(root).__name__}")
    if not (isinstance(rel_tol, (int, float)) and 0 < rel_tol < 1):
        raise ValueError(f"check_by_hand: rel_tol must be a number between 0 and 1, "
                         f"got {rel_tol!r}")
    trace = backprop_steps(root)
    names = display_names(trace.order)
    w = _Words(trace, names, digits)
    rows: dict[Value, ByHandRow] = {}
    for node in reversed(trace.order):
        if is_constant(node) and node.grad == 0.0 and node is not root:
            continue  # a number of the expression the learner left alone
        rows[node] = _row(node, trace, w, rows, rel_tol)
    return ByHandReport(root, list(rows.values()), rel_tol, digits)


def _row(node: Value, trace: Trace, w: _Words, rows: Mapping[Value, ByHandRow],
         rel_tol: float) -> ByHandRow:
    name = w.names[node]
    given: object = node.grad  # set by hand: anything can land there
    if not isinstance(given, numbers.Real):
        raise TypeError(f"check_by_hand: the .grad of {name} is {type(given).__name__} "
                        f"{given!r:.60}, not a number; set it to a number")
    right, yours = float(trace.grads[node]), float(given)
    if is_close(yours, right, rel_tol):
        return ByHandRow(node, name, yours, right, "right", None, None, ())
    arithmetic = _arithmetic(node, w)
    if yours == 0.0:
        return ByHandRow(node, name, yours, right, "not done", None, None, arithmetic)
    steps = w.uses.get(node, [])
    above = [rows[s.node] for s in steps if s.node in rows and rows[s.node].status == "wrong"]
    if above:  # the learner's own upstream gradients explain it before any mistake here
        first = above[0].cause or above[0].node
        mine = {s.node: rows[s.node].yours if s.node in rows else float(trace.grads[s.node])
                for s in steps}
        if is_close(yours, sum(s.local * mine[s.node] for s in steps), rel_tol):
            return ByHandRow(node, name, yours, right, "wrong", Guess("carried", yours, (
                f"carried forward: your step is right given your gradient of "
                f"{', '.join(r.name for r in above)} above, which is wrong; the first "
                f"mistake is at {w.names[first]}")), first, arithmetic)
    mistake = diagnose(yours, right, _guesses(steps, 0.0, trace.grads, node, w), rel_tol) \
        if steps else None
    if above and mistake is None:
        again = diagnose(yours, right, _guesses(steps, 0.0, mine, node, w), rel_tol)
        if again is not None:
            mistake = again._replace(words=f"{again.words} (and the gradient above it is "
                                           f"wrong: the first mistake is at {w.names[first]})")
    return ByHandRow(node, name, yours, right, "wrong", mistake, None, arithmetic)
