"""An interrupted pass changes nothing (issue 19, item 4).

A KeyboardInterrupt is raised at every line the engine runs during a pass, one trial per line
(``sys.settrace``), and by an op row at every node: afterwards every ``.grad`` is as before (or,
when the interrupt came after the last write, as after), no scratch state is left, and a retry
adds exactly one pass.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import autograd
from autograd import Op, Value, apply_op, backprop_steps, engine, grad, walk

ENGINE = str(Path(autograd.__file__).parent)


class InterruptAt:
    """A trace function that raises KeyboardInterrupt at the ``at``-th line run in autograd/."""

    def __init__(self, at: int) -> None:
        self.at, self.lines = at, 0
        self.where: tuple[str, int] | None = None

    def __call__(self, frame: FrameType, event: str, arg: Any) -> InterruptAt | None:
        if not frame.f_code.co_filename.startswith(ENGINE):
            return None  # no line events outside the engine
        if event == "line":
            self.lines += 1
            if self.lines == self.at:
                self.where = (frame.f_code.co_filename, frame.f_lineno)
                raise KeyboardInterrupt  # Python then turns tracing off: one interrupt a trial
        return self


def traced(run: Callable[[], object], at: int) -> int:
    """Run ``run`` with an interrupt at line ``at`` (never if 0); how many lines it ran."""
    tracer = InterruptAt(at)
    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
        unlock_if_left_held(tracer.where)
    return tracer.lines


WITH_LOCK = {n for n, text in enumerate(Path(engine.__file__).read_text().splitlines(), 1)
             if text.strip().startswith("with _PASS:")}


def unlock_if_left_held(where: tuple[str, int] | None) -> None:
    """CPython runs a `with` statement's own line outside its protection (bpo-29988): an
    interrupt raised exactly there can leave the lock held. That, and only that, is allowed."""
    if engine._PASS._is_owned():  # type: ignore[attr-defined]
        assert where is not None and where[0] == engine.__file__ and where[1] in WITH_LOCK, where
        while engine._PASS._is_owned():  # type: ignore[attr-defined]
            engine._PASS.release()


def neuron() -> Value:
    x, w, b = Value(0.5, "x"), Value(-1.5, "w"), Value(0.25, "b")
    h = (x * w + b).tanh()
    return h * h + (h * x).sigmoid() - w.exp() / (b + 2.0) + abs(x - w)


@pytest.mark.parametrize("create_graph", [False, True], ids=["floats", "create_graph"])
def test_an_interrupt_at_any_line_of_backward_changes_no_grad(create_graph: bool) -> None:
    y = neuron()
    nodes = walk(y)
    y.backward()  # grads not zero, so "unchanged" can fail
    before = [n.grad for n in nodes]
    delta = backprop_steps(y).grads
    after = [b + delta[n] for b, n in zip(before, nodes, strict=True)]  # exactly one more pass
    lines = traced(lambda: y.backward(create_graph=create_graph), 0)
    for n, a in zip(nodes, after, strict=True):  # the traced run itself: one pass
        n.grad = a
    state = after
    stride = 1 if not create_graph else max(1, lines // 300)  # create_graph runs many lines
    interrupted, kept = 0, 0
    for at in [*range(1, lines + 1, stride), *range(max(1, lines - 60), lines + 1)]:
        with pytest.raises(KeyboardInterrupt):
            traced(lambda: y.backward(create_graph=create_graph), at)
        grads = [n.grad for n in nodes]
        assert all(n._g is None for n in nodes), at
        if grads == state:
            kept += 1
        else:  # the interrupt came after the last write: all of the pass, not part of it
            assert grads == [s + delta[n] for s, n in zip(state, nodes, strict=True)], at
            interrupted += 1
            state = grads
    assert kept > 0.9 * (kept + interrupted)  # nearly every line runs before the commit
    retry = [n.grad for n in nodes]
    y.backward(create_graph=create_graph)
    assert [n.grad for n in nodes] == [r + delta[n] for r, n in zip(retry, nodes, strict=True)]


def test_an_interrupt_at_any_line_of_grad_leaves_nothing_behind() -> None:
    y = neuron()
    nodes = walk(y)
    leaves = [n for n in nodes if n.op is None]
    expected = grad(y, leaves)
    lines = traced(lambda: grad(y, leaves), 0)
    for at in range(1, lines + 1):
        with pytest.raises(KeyboardInterrupt):
            traced(lambda: grad(y, leaves), at)
        assert all(n._g is None for n in nodes) and all(n.grad == 0.0 for n in nodes), at
    assert grad(y, leaves) == expected


TRAPS: list[int] = []  # the calls of the trap row's partials, counted down to an interrupt


def _trap_partials(out: float, x: float) -> tuple[float]:
    if TRAPS:
        TRAPS[0] -= 1
        if TRAPS[0] == 0:
            raise KeyboardInterrupt
    return (2.0,)


TRAP = Op("trap", "trap", 1, lambda x: 2.0 * x, _trap_partials, ("2",))


def trapped() -> tuple[Value, int]:
    """A graph with a trap node at every level, and how many trap nodes it has."""
    x, w = Value(0.7, "x"), Value(1.3, "w")
    h = apply_op(TRAP, x * w)
    g = apply_op(TRAP, h + x)
    k = apply_op(TRAP, h * g)
    return apply_op(TRAP, (k + g).tanh() * w), 4


@pytest.mark.parametrize("run", ["backward", "grad", "create_graph", "backprop_steps"])
def test_an_interrupt_from_a_rows_partials_at_any_node_changes_nothing(run: str) -> None:
    y, traps = trapped()
    nodes = walk(y)
    y.backward()
    before = [n.grad for n in nodes]
    passes: dict[str, Callable[[], object]] = {
        "backward": y.backward, "grad": lambda: grad(y, nodes),
        "create_graph": lambda: y.backward(create_graph=True),
        "backprop_steps": lambda: backprop_steps(y)}
    for k in range(1, traps + 1):
        TRAPS[:] = [k]
        try:
            with pytest.raises(KeyboardInterrupt):
                passes[run]()
        finally:
            TRAPS.clear()
        assert [n.grad for n in nodes] == before, k
        assert all(n._g is None for n in nodes), k
    y.backward()  # a retry counts once
    assert [n.grad for n in nodes] == [2 * b for b in before]
