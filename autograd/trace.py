"""The chain rule as a plain loop, and the record of its steps that every view reads.

``chain_rule`` is the reference: ``backward()`` and ``grad()`` run an optimised copy of it over
floats (``_float_pass`` in autograd/engine.py), which the replay test in
tests/autograd/test_trace.py proves equal to it, bit for bit. ``create_graph=True`` runs this
loop itself, with Values for gradients.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from autograd.engine import Operand, Value, check_finite, lift_seed, partials, walk
from autograd.ops import Op, substitute

__all__ = ["Step", "Trace", "backprop_steps", "chain_rule"]


class Step(NamedTuple):
    """One contribution of the chain rule: ``node``'s gradient flowing into operand ``slot``."""

    index: int  # type: ignore[assignment]  # the step's position; shadows tuple.index on purpose
    node: Value  # the op's output, whose gradient (upstream) is final when this step runs
    slot: int
    operand: Value
    local: Any  # d node / d operand, evaluated
    upstream: Any  # d root / d node
    contribution: Any  # upstream * local
    before: Any  # d root / d operand accumulated in this pass before this step
    after: Any  # ... and after it

    @property
    def op(self) -> Op:
        """The op-table row of ``node``."""
        assert self.node.op is not None  # steps exist only for nodes made by an op
        return self.node.op

    @property
    def formula(self) -> str:
        """The local derivative's formula, operands named by their labels where they have one."""
        op, parents = self.op, self.node.parents
        names = op.operand_names(len(parents))
        labels = {n: p.label for n, p in zip(names, parents, strict=True) if p.label}
        return substitute(op.formula(self.slot, len(parents)), labels)


class Trace(NamedTuple):
    """The record of one backward pass: what every view (terminal, HTML, notebook) reads."""

    root: Value
    seed: Any
    order: list[Value]  # walk(root): operands first
    steps: list[Step]
    grads: dict[Value, Any]  # d root / d node, from this pass alone
    stale: list[Value]  # nodes whose non-zero .grad differs from this pass's gradient

    @property
    def warning(self) -> str | None:
        """Why a view should warn: some ``.grad`` differs from the gradient this pass shows
        (gradients added up over several backward() calls, or from another graph). After one
        backward() they agree, and nothing is said."""
        if not self.stale:
            return None
        from autograd._words import node_names, stale_warning  # _words builds on the engine

        names = node_names(self.order)
        return stale_warning([names[n] for n in self.stale], names[self.root])

    def replay(self, k: int | None = None) -> dict[Value, Any]:
        """The gradients after the first ``k`` steps (all by default), from the steps alone."""
        grads: dict[Value, Any] = {self.root: self.seed}
        for step in self.steps[:k]:
            grads[step.operand] = step.after
        return grads


class _NothingYet:
    """A node's gradient before anything has flowed into it, under create_graph: 0 + c is c.

    (With floats the start is 0.0; with Values it would add a node "0 + c" for every node.)
    """

    __slots__ = ()

    def __add__(self, other: Any) -> Any:
        return other


_NOTHING_YET = _NothingYet()


def chain_rule(order: list[Value], seed: Any, steps: list[Step] | None = None) -> dict[Value, Any]:
    """d root / d node for every node of ``order`` (``walk(root)``, root last), in that order.

    A float ``seed`` gives float gradients; a Value seed gives Values, built by the op table's
    rules, which can be differentiated again (``create_graph``). ``steps``, when given, gets
    one Step per contribution. Touches no ``.grad``.
    """
    values = type(seed) is Value
    grads: dict[Value, Any] = {order[-1]: seed}
    for node in reversed(order):
        g = grads[node]  # final: every node that uses this one came earlier in the reversed order
        check_finite(node, g, seed, order)
        if node.op is None:
            continue
        local = partials(node, values=values)
        for slot, (p, d) in enumerate(zip(node.parents, local, strict=True)):
            c, before = g * d, grads.get(p, _NOTHING_YET if values else 0.0)
            grads[p] = after = before + c
            if steps is not None:
                steps.append(Step(len(steps), node, slot, p, d, g, c, before, after))
    return {node: grads[node] for node in order}


def backprop_steps(root: Value, grad: Operand = 1.0) -> Trace:
    """Run the backward pass of ``root`` recording every step, without touching any ``.grad``."""
    order = walk(root)
    seed = lift_seed(root, grad, values=False)
    steps: list[Step] = []
    grads = chain_rule(order, seed, steps)
    stale = [n for n in order if not _same(n.grad, grads.get(n, 0.0))]
    return Trace(root, seed, order, steps, grads, stale)


def _same(held: Any, shown: Any) -> bool:
    """Whether a node's ``.grad`` agrees with the gradient a trace shows: equal to it, or still
    zero (no backward() yet, or zero_grad(): nothing to explain)."""
    if held == 0.0:
        return True
    if isinstance(shown, Value):
        shown = shown.data
    return bool(held == shown)
