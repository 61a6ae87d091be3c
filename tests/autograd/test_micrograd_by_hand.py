"""micrograd's by-hand names on Value: ``_prev``, ``_op`` and ``_backward()``.

Checked against micrograd 0.1.0 itself where it has the op, against closed-form derivatives
where it has not, and through micrograd-style code (a ``trace``/``draw_dot`` and a topological
sort written against ``_prev``/``_op``, the lecture's manual ``_backward()`` sequence).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import graphviz
import pytest
from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]

from autograd import OPS, Value, dot, sum_values, walk
from demos.stepper import neuron as lecture_neuron

UPSTREAM = 0.75  # the .grad of the node whose _backward() is called
START = 0.25  # operands' .grad before the step: _backward() adds to it


def _case(name: str) -> tuple[Value, list[Value], list[float], str]:
    """A node of row ``name``, its operands (one per slot), d node / d operand in closed form,
    and the ``_op`` micrograd would write (or the row's own symbol)."""
    x, y, z = Value(0.8, "x"), Value(1.7, "y"), Value(-0.8, "z")
    cases: dict[str, Callable[[], tuple[Value, list[Value], list[float], str]]] = {
        "add": lambda: (x + y, [x, y], [1.0, 1.0], "+"),
        "sub": lambda: (x - y, [x, y], [1.0, -1.0], "-"),
        "mul": lambda: (x * y, [x, y], [y.data, x.data], "*"),
        "div": lambda: (x / y, [x, y], [1 / y.data, -x.data / y.data**2], "/"),
        "neg": lambda: (-x, [x], [-1.0], "-"),
        "pow": lambda: _power(x**3, [3 * x.data**2, 0.0], "**3"),
        "powv": lambda: (x**y, [x, y], [y.data * x.data ** (y.data - 1),
                                        x.data**y.data * math.log(x.data)], "**"),
        "abs": lambda: (abs(z), [z], [-1.0], "abs"),
        "exp": lambda: (x.exp(), [x], [math.exp(x.data)], "exp"),
        "log": lambda: (x.log(), [x], [1 / x.data], "log"),
        "sqrt": lambda: (x.sqrt(), [x], [0.5 / math.sqrt(x.data)], "sqrt"),
        "tanh": lambda: (x.tanh(), [x], [1 - math.tanh(x.data) ** 2], "tanh"),
        "sigmoid": lambda: (x.sigmoid(), [x], [_s(x.data) * (1 - _s(x.data))], "sigmoid"),
        "relu": lambda: (x.relu(), [x], [1.0], "ReLU"),
        "sin": lambda: (x.sin(), [x], [math.cos(x.data)], "sin"),
        "cos": lambda: (x.cos(), [x], [-math.sin(x.data)], "cos"),
        "sum": lambda: (sum_values([x, y, x]), [x, y, x], [1.0, 1.0, 1.0], "sum"),
        "dot": lambda: (dot([x, y], [y, x], x), [x, y, y, x, x],
                        [y.data, x.data, x.data, y.data, 1.0], "dot"),
    }
    return cases[name]()  # a KeyError: a new row needs a case here


def _power(node: Value, local: list[float], op: str) -> tuple[Value, list[Value], list[float], str]:
    return node, list(node.parents), local, op  # the exponent: a constant leaf made by **


def _s(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.mark.parametrize("name", list(OPS))
def test_prev_op_and_backward_on_every_row(name: str) -> None:
    node, operands, local, op = _case(name)
    assert node.op is OPS[name] and list(node.parents) == operands
    # micrograd's _prev: each operand once; a number exponent is part of _op instead ('**3')
    assert type(node._prev) is set
    assert node._prev == (set(operands[:1]) if name == "pow" else set(operands))
    assert node._op == op
    for p in operands:
        p.grad = START
    node.grad = UPSTREAM
    node._backward()
    expected: dict[Value, float] = {}
    for p, d in zip(operands, local, strict=True):  # once per slot: a repeated operand sums
        expected[p] = expected.get(p, START) + UPSTREAM * d
    for p, want in expected.items():
        assert math.isclose(p.grad, want, rel_tol=1e-12, abs_tol=1e-15), (name, p)
    assert node.grad == UPSTREAM  # the step changes the operands only


def test_a_leaf_has_no_prev_no_op_and_its_backward_does_nothing() -> None:
    x = Value(2.0)
    x.grad = 5.0
    x._backward()
    assert x._prev == set() and x._op == "" and x.grad == 5.0


# -- the same numbers as micrograd's closures, for the ops micrograd has --------------------
MICROGRAD_OPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("add", lambda a, b: a + b), ("mul", lambda a, b: a * b),
    ("radd", lambda a, b: 2.5 + a), ("rmul", lambda a, b: 2.5 * a),
    ("square", lambda a, b: a**2), ("cube", lambda a, b: a**3), ("root", lambda a, b: b**0.5),
    ("inverse", lambda a, b: a**-1), ("relu+", lambda a, b: a.relu()),
    ("relu-", lambda a, b: (-1.0 * a).relu()), ("relu0", lambda a, b: (0.0 * a).relu()),
    ("a+a", lambda a, b: a + a), ("a*a", lambda a, b: a * a),
]


@pytest.mark.parametrize("build", [m[1] for m in MICROGRAD_OPS], ids=[m[0] for m in MICROGRAD_OPS])
def test_one_step_by_hand_equals_micrographs_closure(build: Callable[[Any, Any], Any]) -> None:
    ours, theirs = build(Value(-1.3), Value(2.2)), build(MicroValue(-1.3), MicroValue(2.2))
    assert ours.data == theirs.data
    assert ours._op == theirs._op
    assert sorted(p.data for p in ours._prev) == sorted(p.data for p in theirs._prev)
    for out in (ours, theirs):
        for p in out._prev:
            p.grad = START
        out.grad = UPSTREAM
        out._backward()
    assert (sorted((p.data, p.grad) for p in ours._prev)
            == sorted((p.data, p.grad) for p in theirs._prev))


COMPOSITE: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("sub", lambda a, b: a - b), ("rsub", lambda a, b: 2.5 - a), ("neg", lambda a, b: -a),
    ("div", lambda a, b: a / b), ("rdiv", lambda a, b: 2.5 / a),
]


@pytest.mark.parametrize("build", [m[1] for m in COMPOSITE], ids=[m[0] for m in COMPOSITE])
def test_ops_micrograd_builds_from_others_give_its_gradients(
        build: Callable[[Any, Any], Any]) -> None:
    # micrograd makes a - b as a + (b * -1), a / b as a * b**-1: several nodes where ours has one
    # node, so one _backward() of ours is compared with micrograd's backward() over its nodes
    a, b = Value(-1.3), Value(2.2)
    ma, mb = MicroValue(-1.3), MicroValue(2.2)
    ours, theirs = build(a, b), build(ma, mb)
    assert ours.data == pytest.approx(theirs.data, rel=1e-15)
    ours.grad = 1.0
    ours._backward()
    theirs.backward()
    assert a.grad == pytest.approx(ma.grad, rel=1e-15)
    assert b.grad == pytest.approx(mb.grad, rel=1e-15)


def test_a_number_exponent_is_written_as_micrograd_writes_it() -> None:
    for n in (2, -1, 3, 0.5, -0.25, 0):
        assert (Value(1.5) ** n)._op == (MicroValue(1.5) ** n)._op == f"**{n}"
    assert (Value(1.5) ** 2.0)._op == "**2"  # a whole float is written as an int (micrograd: **2.0)
    assert (Value(1.5) ** Value(2.0))._op == "**"  # a Value exponent: the row's symbol


def test_a_plus_a_adds_twice_as_micrograd_does() -> None:
    a, ma = Value(3.0), MicroValue(3.0)
    for x in (a, ma):
        b = x + x
        b.grad = 1.0
        b._backward()
    assert a.grad == ma.grad == 2.0


# -- micrograd-style programs, unchanged, on our Value -----------------------------------------
def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """micrograd's notebook: every node and edge, walked through ``_prev``."""
    nodes, edges = set(), set()

    def build(v: Any) -> None:
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root: Any) -> graphviz.Digraph:
    """micrograd's notebook drawing, as written there (record nodes and an op node each)."""
    dot_ = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        label = "{ data %.4f | grad %.4f }" % (n.data, n.grad)  # noqa: UP031  # as micrograd has it
        dot_.node(name=uid, label=label, shape="record")
        if n._op:
            dot_.node(name=uid + n._op, label=n._op)
            dot_.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot_.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot_


def build_topo(root: Any) -> list[Any]:
    """micrograd's topological sort, recursive over ``_prev``."""
    topo: list[Any] = []
    visited: set[Any] = set()

    def build(v: Any) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(root)
    return topo


def expression(value: Callable[[float], Any]) -> Any:
    """The lecture's first expression, grown with a reused node, a power and a relu."""
    a, b, c, f = value(2.0), value(-3.0), value(10.0), value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    return (L + e * e) ** 2 * 0.01 + (a * f).relu() + (d + a).relu()


def _shape(root: Any) -> tuple[list[Any], list[Any]]:
    """The graph as micrograd's trace sees it, without ids: nodes and edges by their numbers."""
    nodes, edges = trace(root)
    key = {n: (round(n.data, 9), round(n.grad, 9), n._op) for n in nodes}
    return sorted(key.values()), sorted((key[p], key[c]) for p, c in edges)


def test_trace_draw_dot_and_topological_backward_match_micrograd() -> None:
    ours, theirs = expression(Value), expression(MicroValue)
    theirs.backward()  # micrograd's own backward: topological sort over _prev, then _backward()
    topo = build_topo(ours)
    ours.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert _shape(ours) == _shape(theirs)  # same nodes, ops, edges, data and gradients
    source = draw_dot(ours).source
    assert source.count("shape=record") == len(topo)
    assert source.count(" -> ") == len(trace(ours)[1]) + sum(1 for n in topo if n._op)
    for n in topo:
        assert f"grad {n.grad:.4f}" in source


def test_topological_backward_by_hand_equals_backward() -> None:
    by_hand, auto = expression(Value), expression(Value)
    by_hand.grad = 1.0
    for node in reversed(build_topo(by_hand)):
        node._backward()
    auto.backward()
    hand_nodes, auto_nodes = walk(by_hand), walk(auto)  # same program: same deterministic order
    assert len(hand_nodes) == len(auto_nodes)
    for h, a in zip(hand_nodes, auto_nodes, strict=True):
        assert h.data == a.data
        assert math.isclose(h.grad, a.grad, rel_tol=1e-12, abs_tol=1e-12)


def neuron() -> dict[str, Value]:
    """The lecture's neuron (demos.stepper's), every node by its label."""
    return {v.label: v for v in walk(lecture_neuron())}


def test_the_lectures_manual_backward_sequence_gives_backwards_gradients() -> None:
    v = neuron()
    o, n, b = v["o"], v["n"], v["b"]
    o.grad = 1.0
    o._backward()
    n._backward()
    b._backward()  # a leaf: nothing
    v["x1*w1 + x2*w2"]._backward()
    v["x2*w2"]._backward()
    v["x1*w1"]._backward()
    auto = neuron()
    auto["o"].backward()
    for name, node in v.items():
        assert node.grad == auto[name].grad, name  # same steps in the same order: exact
    # the lecture's numbers, worked by hand there
    assert o.data == pytest.approx(0.7071, abs=1e-4)
    assert n.grad == pytest.approx(1 - o.data**2, rel=1e-12)
    assert v["x1"].grad == pytest.approx(v["w1"].data * v["x1*w1"].grad, rel=1e-12)
    assert v["x1"].grad == pytest.approx(-1.5, rel=1e-9)
    assert v["w1"].grad == pytest.approx(1.0, rel=1e-9)
    assert v["x2"].grad == pytest.approx(0.5, rel=1e-9) and v["w2"].grad == 0.0


def test_micrograd_style_optimizer_state_on_parameters() -> None:
    # micrograd-based code keeps a momentum term on each parameter; plain floats as reference
    params, floats = [Value(0.5), Value(-1.0)], [0.5, -1.0]
    momenta = [0.0, 0.0]
    for p in params:
        p.m = 0.0  # type: ignore[attr-defined]
    for _ in range(3):
        loss = (params[0] * params[1] - 1.0) ** 2
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.m = 0.9 * p.m + p.grad  # type: ignore[attr-defined]
            p.data += -0.1 * p.m  # type: ignore[attr-defined]
        r = floats[0] * floats[1] - 1.0
        grads = [2 * r * floats[1], 2 * r * floats[0]]
        momenta = [0.9 * m + g for m, g in zip(momenta, grads, strict=True)]
        floats = [x - 0.1 * m for x, m in zip(floats, momenta, strict=True)]
    assert [p.data for p in params] == pytest.approx(floats, rel=1e-12)
    assert [p.m for p in params] == pytest.approx(momenta, rel=1e-12)  # type: ignore[attr-defined]
