"""The words of a backward pass, written once: every view (terminal, page, notebook) shows these.

A `Narration` names the nodes of a trace (`viz._format.node_names`) and words each part of the
story: a forward step, the seed, each chain-rule step (as `Words`: a heading, the four rows of
the chain rule and a short line), the warning about stale ``.grad`` values and the order of the
final gradients. Steps into constants are left out: a number in the expression has no gradient
worth reading.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from autograd import Step, Trace, Value
from viz._format import (
    DASH,
    chain_rule_rows,
    expression,
    is_constant,
    node_names,
    number,
    stale_warning,
    term,
)
from viz.dot import visible

__all__ = ["Narration", "Words"]


class Words(NamedTuple):
    """What one step says: a heading, the chain rule's rows (empty when it has none), a line.

    ``local``: d node / d operand as a formula and its value; ``upstream``: d root / d node;
    ``product``: upstream times local; ``update``: the operand's gradient before and after.
    ``line`` is the short sentence a screen reader announces; it never repeats ``head``.
    """

    head: str
    local: str = ""
    upstream: str = ""
    product: str = ""
    update: str = ""
    line: str = ""

    @property
    def rows(self) -> dict[str, str]:
        """The chain rule's rows by name, in the order they are read."""
        return {"local": self.local, "upstream": self.upstream, "product": self.product,
                "update": self.update}


class Narration:
    """The names and words of ``trace``'s story; ``params`` are leaves to treat as parameters."""

    def __init__(self, trace: Trace, *, params: Collection[Value] = (), digits: int = 4) -> None:
        self.trace = trace
        self.params = frozenset(params)
        self.digits = digits
        # a label's control characters (escape sequences) are shown escaped, never sent raw
        self.names: dict[Value, str] = {node: visible(name) for node, name in
                                        node_names(trace.order, self.params).items()}
        """Each node's one name (label, number, or ``vN``)."""
        self.terms: dict[Value, str] = {v: term(n) for v, n in self.names.items()}
        self.steps: list[Step] = [s for s in trace.steps if not self.constant(s.operand)]
        """The steps worth showing: every step except those into a constant."""
        seen: set[Value] = set()
        self._first: set[int] = set()  # indices of the first step into each operand
        for s in trace.steps:
            if s.operand not in seen:
                self._first.add(s.index)
                seen.add(s.operand)

    def constant(self, node: Value) -> bool:
        """Whether ``node`` is shown as a number, without a gradient."""
        return is_constant(node, self.params) and node is not self.trace.root

    def num(self, x: object) -> str:
        """``x`` written with this narration's digits."""
        return number(x, self.digits)

    @property
    def root(self) -> str:
        """The name of the output."""
        return self.names[self.trace.root]

    def expression(self, node: Value) -> str:
        """``node`` in its operands' names, e.g. ``v1 + b``; a leaf is its name."""
        return expression(node, self.terms)

    def forward(self, node: Value) -> str:
        """A forward step: ``n = v1 + b = -6.0000 + 6.8814 = 0.8814`` (a leaf: ``x = 2.0000``)."""
        name, value = self.names[node], self.num(node.data)
        if node.op is None:
            return f"{name} = {value}"
        call = node.op.arity == 1 and node.op.name != "neg"  # tanh(-1.5), not tanh((-1.5))
        shown = {p: self.num(p.data) if call else _signed(self.num(p.data)) for p in node.parents}
        return f"{name} = {self.expression(node)} = {expression(node, shown)} = {value}"

    def start(self) -> Words:
        """The page before any step: what is known, what comes."""
        order = self.trace.order
        known = sum(1 for n in order if n.op is None)
        ops = len(order) - known
        return Words("Start: the inputs are known.",
                     line=f"Start: {known} leaf value(s) known. Next runs the forward pass "
                          f"({ops} step(s)), then the backward pass ({len(self.steps)} step(s)).")

    def seed(self) -> Words:
        """The first backward step: the output's gradient with respect to itself."""
        r, seed = self.terms[self.trace.root], self.num(self.trace.seed)
        return Words(f"Backward pass starts at {r}: d{r}/d{r} = {seed} (the seed)",
                     update=f"{r}.grad {DASH} -> {seed}",
                     line=f"The backward pass starts: d{r}/d{r} = {seed}.")

    def step(self, step: Step) -> Words:
        """One chain-rule step: ``node`` passes upstream x local to one operand."""
        t = self.terms  # a name as one term: d(x*w)/dw when a label is x*w
        node, operand, root = t[step.node], t[step.operand], t[self.trace.root]
        local, product = chain_rule_rows(step, t, self.digits)
        contribution, after = self.num(step.contribution), self.num(step.after)
        before = "0" if step.index in self._first else self.num(step.before)
        return Words(
            head=f"{self.names[step.node]} = {self.expression(step.node)}  ->  "
                 f"{self.names[step.operand]}",
            local=local,
            upstream=f"d{root}/d{node} = {self.num(step.upstream)}",
            product=product,
            update=f"{operand}.grad {before} -> {after}",
            line=f"{node} passes {contribution} to {operand}: {operand}.grad {before} -> {after}.")

    @property
    def warning(self) -> str | None:
        """Why the ``.grad`` values already stored differ from this pass, or None if none does."""
        differ = [self.names[n] for n in self.trace.stale if not self.constant(n)]
        return stale_warning(differ, self.root) if differ else None

    def gradient_order(self) -> list[Value]:
        """The nodes whose gradient is listed: inputs and parameters first, then the rest."""
        shown = [n for n in self.trace.order if not self.constant(n)]
        return [n for n in shown if n.op is None] + [n for n in shown if n.op is not None]


def _signed(text: str) -> str:
    return f"({text})" if text.startswith("-") else text

