"""draw_dot, print_trace and the HTML stepper accept a Value of any micrograd-style engine."""

from __future__ import annotations

import io
import math
from typing import Any

import micrograd.engine as mg
import pytest

from autograd import as_stepgrad, backprop_steps, grad, walk
from demos.engines import correct
from viz.dot import draw_dot
from viz.html import Stepper
from viz.terminal import print_trace


def _micrograd_graph() -> tuple[Any, list[Any]]:
    a, b = mg.Value(2.5), mg.Value(-3.5)  # no constant of the graph has these values
    c = a * b + a  # a reaches c twice
    d = (c - 1).relu() * b + (c ** 2) / b
    d.backward()
    return d, [a, b]


def test_draw_dot_draws_a_micrograd_value_with_its_own_numbers() -> None:
    root, (a, b) = _micrograd_graph()
    source = draw_dot(root).source  # used to raise "root must be a Value, got Value"
    assert f"{root.data:.4f}" in source
    assert f"{a.grad:.4f}" in source and f"{b.grad:.4f}" in source  # micrograd's own grads
    converted = as_stepgrad(root)
    edges = sum(len(n.parents) for n in walk(converted))
    assert source.count(" -> ") == edges


def test_stepgrad_rows_give_micrograd_gradients() -> None:
    root, leaves = _micrograd_graph()
    converted = as_stepgrad(root, grads=False)
    order = walk(converted)
    assert all(n.grad == 0.0 for n in order)
    by_data = {n.data: n for n in order if n.op is None}
    mine = grad(converted, [by_data[x.data] for x in leaves])
    for g, x in zip(mine, leaves, strict=True):
        assert math.isclose(g, x.grad, rel_tol=1e-12)


class _Sub:
    """A tiny engine whose '-' and '/' nodes keep their operands in a set (order lost)."""

    def __init__(self, data: float, prev: tuple[Any, ...] = (), op: str = "") -> None:
        self.data, self.grad, self._prev, self._op = data, 0.0, set(prev), op
        self.label = f"n{data:g}"

    def __sub__(self, other: _Sub) -> _Sub:
        return _Sub(self.data - other.data, (self, other), "-")

    def __truediv__(self, other: _Sub) -> _Sub:
        return _Sub(self.data / other.data, (self, other), "/")

    def softplus(self) -> _Sub:
        return _Sub(math.log1p(math.exp(self.data)), (self,), "softplus")


def test_operand_order_is_recovered_and_unknown_ops_use_finite_differences() -> None:
    x, y = _Sub(5.0), _Sub(2.0)
    root = ((x - y) / y).softplus()
    converted = as_stepgrad(root)
    assert converted.data == root.data and converted.label == root.label
    trace = backprop_steps(converted)
    leaf = {n.data: n for n in trace.order if n.op is None}
    z = (5.0 - 2.0) / 2.0  # closed form: softplus'(z) = sigmoid(z)
    s = 1.0 / (1.0 + math.exp(-z))
    assert math.isclose(trace.grads[leaf[5.0]], s / 2.0, rel_tol=1e-7)
    assert math.isclose(trace.grads[leaf[2.0]], s * (-1.0 / 2.0 - 3.0 / 4.0), rel_tol=1e-7)
    step = next(s for s in trace.steps if "softplus" in s.op.name)
    assert "finite differences" in step.op.name and "finite differences" in step.formula
    page = Stepper(root).html()
    assert "finite differences" in page


def test_print_trace_and_stepper_of_a_learner_engine() -> None:
    x = correct.Value(0.5)
    y = (x * x).tanh() + x
    y.backward()
    out = io.StringIO()
    trace = print_trace(y, out)
    assert "1 - tanh" in out.getvalue() and trace.warning is None
    assert math.isclose(trace.grads[trace.order[0]], x.grad, rel_tol=1e-12)
    assert Stepper(y).trace.steps


def test_a_deep_foreign_graph_converts_without_recursion() -> None:
    v = correct.Value(1.0)
    for _ in range(5000):
        v = v + 1.0
    assert as_stepgrad(v).data == 5001.0


def test_other_objects_still_get_the_clear_error() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got int"):
        draw_dot(3)  # type: ignore[arg-type]
