"""Reverse mode: accumulation, reuse, zero_grad, seeds, deep graphs and the graph walk."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable

import numpy as np
import pytest

from autograd import Value, grad, walk


def _program(x: Value, y: Value, z: Value) -> Value:
    """A small graph with reused non-leaf nodes and values that do not round exactly."""
    h = (x * y + z).tanh()
    return h * h + x.exp() * h + (y / x).sin() + h + (z - y).sigmoid() * x


def _program_float(x: float, y: float, z: float) -> float:
    h = math.tanh(x * y + z)
    return h * h + math.exp(x) * h + math.sin(y / x) + h + x / (1.0 + math.exp(y - z))


def _program_closed_form(x: float, y: float, z: float) -> list[float]:
    """Hand-derived gradient of ``_program``."""
    h = math.tanh(x * y + z)
    dh = 1.0 - h * h  # d h / d (x*y + z)
    s = 1.0 / (1.0 + math.exp(y - z))  # sigmoid(z - y)
    ds = s * (1.0 - s)
    dout_dh = 2.0 * h + math.exp(x) + 1.0
    c = math.cos(y / x)
    dx = dout_dh * dh * y + math.exp(x) * h - c * y / (x * x) + s
    dy = dout_dh * dh * x + c / x - ds * x
    dz = dout_dh * dh + ds * x
    return [dx, dy, dz]


POINT = (0.1, 0.7, -0.3)


# -- correctness ------------------------------------------------------------------------------
def test_backward_matches_closed_form_and_finite_differences() -> None:
    leaves = [Value(p) for p in POINT]
    out = _program(*leaves)
    assert out.data == pytest.approx(_program_float(*POINT), rel=1e-14)
    out.backward()
    got = [v.grad for v in leaves]
    assert got == pytest.approx(_program_closed_form(*POINT), rel=1e-12)
    for i in range(3):
        h = 1e-6
        hi, lo = list(POINT), list(POINT)
        hi[i] += h
        lo[i] -= h
        numeric = (_program_float(*hi) - _program_float(*lo)) / (2 * h)
        assert got[i] == pytest.approx(numeric, rel=1e-7)


def test_reused_non_leaf_node() -> None:
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0
    assert c.grad == 1.0


def test_reused_non_leaf_node_through_nonlinear_ops() -> None:
    a = Value(1.5)
    b = a * a
    c = b * b + b  # a**4 + a**2
    c.backward()
    assert a.grad == pytest.approx(4 * 1.5**3 + 2 * 1.5, rel=1e-15)
    assert b.grad == pytest.approx(2 * 1.5**2 + 1, rel=1e-15)


def test_node_reused_along_paths_of_different_length() -> None:
    # b reaches e directly and through c = exp(b) and d = b + c: all paths must be summed
    a = Value(0.3)
    b = a * 2
    c = b.exp()
    d = b + c
    e = d * b
    e.backward()
    bv = 0.6
    de_db = (1 + math.exp(bv)) * bv + (bv + math.exp(bv))
    assert b.grad == pytest.approx(de_db, rel=1e-14)
    assert a.grad == pytest.approx(2 * de_db, rel=1e-14)


def test_backward_of_a_leaf_seeds_itself() -> None:
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_only_reaches_what_the_root_depends_on() -> None:
    x, y = Value(2.0), Value(3.0)
    mid = x * y
    top = mid + 1
    other = y * 10
    mid.backward()
    assert (x.grad, y.grad, mid.grad) == (3.0, 2.0, 1.0)
    assert top.grad == 0.0  # downstream of the root: untouched
    assert other.grad == 0.0


def test_grad_and_backward_agree_exactly() -> None:
    leaves = [Value(p) for p in POINT]
    out = _program(*leaves)
    pure = grad(out, leaves)
    out.backward()
    assert [v.grad for v in leaves] == pure  # same code path: bit-for-bit


# -- accumulation ---------------------------------------------------------------------------
def test_backward_twice_gives_exactly_twice_the_gradients() -> None:
    leaves = [Value(p) for p in POINT]
    out = _program(*leaves)
    nodes = walk(out)
    out.backward()
    first = [n.grad for n in nodes]
    # the values round: a per-edge accumulation into .grad would not double exactly
    assert any(g != 0.0 and not float(g).is_integer() for g in first)
    out.backward()
    assert [n.grad for n in nodes] == [2.0 * g for g in first]


def test_backward_twice_on_reused_node_is_not_micrograds_one_then_three() -> None:
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    c.backward()
    assert (a.grad, b.grad, c.grad) == (8.0, 4.0, 2.0)


def test_backward_from_two_roots_accumulates_on_shared_leaves() -> None:
    x = Value(2.0)
    (x * x).backward()
    (x * 3).backward()
    assert x.grad == 4.0 + 3.0


def test_zero_grad_resets_the_whole_graph_below() -> None:
    leaves = [Value(p) for p in POINT]
    out = _program(*leaves)
    out.backward()
    first = [n.grad for n in walk(out)]
    out.zero_grad()
    assert all(n.grad == 0.0 for n in walk(out))
    out.backward()
    assert [n.grad for n in walk(out)] == first


def test_zero_grad_leaves_nodes_outside_the_graph_alone() -> None:
    x, y = Value(2.0), Value(3.0)
    a = x * y
    b = y + 1
    a.backward()
    b.backward()
    a.zero_grad()
    assert (x.grad, y.grad, a.grad) == (0.0, 0.0, 0.0)
    assert b.grad == 1.0  # b is not below a
    assert type(x.grad) is float


# -- seed gradient --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [3.0, 2, -0.5, np.float64(1.25), np.int64(4), 0.0])
def test_seed_gradient_scales_every_gradient(seed: float) -> None:
    leaves = [Value(p) for p in POINT]
    out = _program(*leaves)
    unit = grad(out, leaves)
    out.backward(seed)
    assert out.grad == float(seed)
    assert type(out.grad) is float
    for v, g in zip(leaves, unit, strict=True):
        assert type(v.grad) is float
        assert v.grad == pytest.approx(float(seed) * g, rel=1e-15, abs=0.0)


def test_seed_gradient_as_keyword_and_as_value() -> None:
    x = Value(2.0)
    y = x**3
    y.backward(grad=2.0)
    assert x.grad == 24.0
    y.zero_grad()
    y.backward(Value(0.5))
    assert x.grad == 6.0


def test_seed_value_under_create_graph_is_differentiable() -> None:
    # with a Value seed s, d y / d x comes out as s * y'(x): a vector-Jacobian product
    x, s = Value(1.5), Value(2.0)
    y = x.sin() * x
    grads = y.backward(s, create_graph=True)
    assert grads is not None
    dydx = math.cos(1.5) * 1.5 + math.sin(1.5)
    assert grads[x].data == pytest.approx(2.0 * dydx, rel=1e-14)
    assert grad(grads[x], [s]) == pytest.approx([dydx], rel=1e-14)


# -- create_graph ---------------------------------------------------------------------------
def test_backward_returns_none_without_create_graph() -> None:
    x = Value(2.0)
    assert (x * x).backward() is None


def test_backward_create_graph_returns_differentiable_grads() -> None:
    x, y = Value(2.0), Value(-1.0)
    out = x**3 * y + (x * y).exp()
    grads = out.backward(create_graph=True)
    assert grads is not None
    assert type(grads[x]) is Value
    assert type(grads[y]) is Value
    # the floats in .grad agree with the returned Values
    assert x.grad == grads[x].data
    assert y.grad == grads[y].data
    e = math.exp(-2.0)
    assert grads[x].data == pytest.approx(3 * 4.0 * -1.0 + -1.0 * e, rel=1e-14)
    assert grads[y].data == pytest.approx(8.0 + 2.0 * e, rel=1e-14)
    # d/dx (3 x^2 y + y e^{xy}) = 6 x y + y^2 e^{xy};  d/dy = 3 x^2 + e^{xy} + x y e^{xy}
    d2 = grad(grads[x], [x, y])
    assert d2 == pytest.approx([6 * 2.0 * -1.0 + e, 12.0 + e + -2.0 * e], rel=1e-13)


def test_second_backward_through_create_graph_accumulates_second_derivative() -> None:
    x = Value(2.0)
    y = x**3
    grads = y.backward(create_graph=True)
    assert grads is not None
    assert x.grad == 12.0
    dydx = grads[x]
    dydx.zero_grad()  # x is below dydx: its first-order grad is cleared
    assert x.grad == 0.0
    dydx.backward()
    assert x.grad == 12.0  # 6 x at 2


# -- deep and wide graphs (no recursion) ----------------------------------------------------
def test_million_op_chain() -> None:
    n = 1_000_000
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = -y
    assert y.data == 0.5  # an even number of negations
    y.backward()
    assert x.grad == 1.0
    assert y.grad == 1.0
    del y
    gc.collect()  # freeing the chain must not recurse either


def test_deep_chain_walk_grad_and_zero_grad() -> None:
    n = 30_000  # far beyond the recursion limit, still quick
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0 + 0.0
    order = walk(y)
    assert len(order) == 1 + 4 * n  # per step: a mul, an add and two constant leaves
    assert order[0] is x
    assert order[-1] is y
    assert grad(y, [x]) == [1.0]
    y.backward()
    assert x.grad == 1.0
    y.zero_grad()
    assert x.grad == 0.0


def test_wide_sum_of_many_terms() -> None:
    xs = [Value(float(i)) for i in range(20_000)]
    total = xs[0]
    for v in xs[1:]:
        total = total + v * v
    total.backward()
    assert xs[0].grad == 1.0
    assert all(v.grad == 2.0 * v.data for v in xs[1:])


# -- the walk ---------------------------------------------------------------------------------
def _diamond() -> tuple[Value, list[Value]]:
    a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
    d = a * b
    d.label = "d"
    e = d + a
    e.label = "e"
    f = (e * d).tanh() + c
    f.label = "f"
    return f, [a, b, c, d, e]


def _assert_topological(order: list[Value], root: Value) -> None:
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is root
    for node in order:
        for p in node.parents:
            assert position[p] < position[node]


def _ancestors(root: Value) -> set[Value]:
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def test_walk_is_topological_and_complete() -> None:
    root, named = _diamond()
    order = walk(root)
    _assert_topological(order, root)
    assert set(order) == _ancestors(root)
    assert set(named) <= set(order)


def test_walk_is_deterministic() -> None:
    root, _ = _diamond()
    first = walk(root)
    assert walk(root) == first
    other, _ = _diamond()  # the same program built again: the same order of the same shapes
    shape = [(n.label, n.data, n.op) for n in first]
    assert [(n.label, n.data, n.op) for n in walk(other)] == shape


def test_walk_visits_operands_in_slot_order() -> None:
    # the documented depth-first order: operands first, left slot before right
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    ab = a * b
    root = ab + c
    assert walk(root) == [a, b, ab, c, root]
    ba = b * a
    rev = c + ba
    assert walk(rev) == [c, b, a, ba, rev]


def test_walk_lists_duplicated_operands_once() -> None:
    a = Value(2.0)
    b = a + a
    c = b * b
    assert walk(c) == [a, b, c]


def test_walk_of_a_leaf() -> None:
    x = Value(1.0)
    assert walk(x) == [x]


def test_walk_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="float"):
        walk(1.0)  # type: ignore[arg-type]


def test_walk_does_not_touch_gradients() -> None:
    root, named = _diamond()
    for i, n in enumerate(walk(root)):
        n.grad = float(i)
    before = [n.grad for n in walk(root)]
    walk(root)
    assert [n.grad for n in walk(root)] == before


@pytest.mark.parametrize("build", [
    lambda x: x * x * x,
    lambda x: (x + 1) * (x - 1),
    lambda x: (x.exp() + x.sin()) / (x * x + 1),
])
def test_backward_agrees_with_finite_difference_on_small_programs(
        build: Callable[[Value], Value]) -> None:
    for x0 in (-1.3, 0.4, 2.2):
        x = Value(x0)
        build(x).backward()
        h = 1e-6
        numeric = (build(Value(x0 + h)).data - build(Value(x0 - h)).data) / (2 * h)
        assert x.grad == pytest.approx(numeric, rel=1e-7, abs=1e-9)


# -- seeded random programs with reuse ------------------------------------------------------
# Each op is written once over a namespace so the same program runs on Values and on floats.
class _FloatLib:
    tanh, sin, cos, exp = staticmethod(math.tanh), staticmethod(math.sin), \
        staticmethod(math.cos), staticmethod(math.exp)

    @staticmethod
    def sigmoid(x: float) -> float:
        return 1.0 / (1.0 + math.exp(-x))


class _ValueLib:
    tanh, sin, cos, exp, sigmoid = Value.tanh, Value.sin, Value.cos, Value.exp, Value.sigmoid


_RANDOM_OPS = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (1.5 + L.sin(b)),  # the denominator stays in [0.5, 2.5]
    "tanh": lambda L, a, b: L.tanh(a),
    "sigmoid": lambda L, a, b: L.sigmoid(a) * b,
    "sin": lambda L, a, b: L.sin(a),
    "cos": lambda L, a, b: L.cos(a) + b,
    "exp": lambda L, a, b: L.exp(L.tanh(a)),  # bounded argument: no overflow
    "square": lambda L, a, b: a**2,
    "powv": lambda L, a, b: (1.5 + L.sin(a)) ** L.tanh(b),  # positive base
}


def _random_program(seed: int) -> list[tuple[str, int, int]]:
    import random

    rng = random.Random(seed)
    program = []
    for k in range(3, 3 + 14):
        # operands drawn from recent nodes, so intermediate results get reused
        i, j = rng.randrange(max(0, k - 4), k), rng.randrange(0, k)
        program.append((rng.choice(sorted(_RANDOM_OPS)), i, j))
    return program


def _run(program: list[tuple[str, int, int]], leaves: list, lib: type) -> object:
    nodes = list(leaves)
    for name, i, j in program:
        nodes.append(_RANDOM_OPS[name](lib, nodes[i], nodes[j]))
    return nodes[-1] + nodes[-2] * nodes[-3]


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_against_finite_differences(seed: int) -> None:
    program = _random_program(seed)
    point = [0.3 + 0.1 * seed % 0.7, -0.45, 0.8]
    leaves = [Value(p) for p in point]
    out = _run(program, leaves, _ValueLib)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(_run(program, point, _FloatLib), rel=1e-13, abs=1e-13)
    out.backward()
    analytic = [v.grad for v in leaves]

    def f(p: list[float]) -> float:
        return float(_run(program, p, _FloatLib))  # type: ignore[arg-type]

    for i in range(3):
        def central(h: float, i: int = i) -> float:
            hi, lo = list(point), list(point)
            hi[i] += h
            lo[i] -= h
            return (f(hi) - f(lo)) / (2 * h)

        numeric = (4 * central(5e-4) - central(1e-3)) / 3  # Richardson: error O(h^4)
        assert analytic[i] == pytest.approx(numeric, rel=1e-7, abs=1e-8), (program, i)
    # the same pass built as Values agrees, and a second backward doubles exactly
    built = grad(out, leaves, create_graph=True)
    assert [g.data for g in built] == pytest.approx(analytic, rel=1e-13, abs=1e-15)
    out.backward()
    assert [v.grad for v in leaves] == [2.0 * g for g in analytic]
