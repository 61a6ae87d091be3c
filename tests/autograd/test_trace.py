"""The backprop trace: replaying it gives backward()'s gradients exactly, and each step's
arithmetic is the chain rule (contribution = upstream x local, after = before + contribution)."""

from __future__ import annotations

import math
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, backprop_steps, grad, walk
from autograd.strategies import programs
from autograd.trace import chain_rule
from demos.neuron import neuron as classic_neuron


def neuron() -> tuple[Value, dict[str, Value]]:
    nodes = classic_neuron()
    return nodes["o"], nodes


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """The root of a random program (a DAG whose later ops reuse earlier nodes)."""
    program, point = draw(programs(max_inputs=4, max_ops=12))
    return program(*[Value(x, f"x{i}") for i, x in enumerate(point)])


def test_neuron_trace_matches_backward_and_the_worked_numbers() -> None:
    o, v = neuron()
    trace = backprop_steps(o)
    assert all(node.grad == 0.0 for node in walk(o))  # the trace touches no .grad
    o.backward()
    for node in walk(o):
        assert trace.grads[node] == node.grad
    # the lecture's numbers, and do/dn = 1 - o^2 in closed form
    assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-12)
    assert math.isclose(v["n"].grad, 1 - o.data**2, rel_tol=1e-12)
    assert math.isclose(v["w1"].grad, 1.0, rel_tol=1e-9)
    assert math.isclose(v["x1"].grad, -1.5, rel_tol=1e-9)
    assert math.isclose(v["b"].grad, 0.5, rel_tol=1e-9)
    assert v["w2"].grad == 0.0 and math.isclose(v["x2"].grad, 0.5, rel_tol=1e-9)


def test_neuron_trace_agrees_with_finite_differences() -> None:
    o, v = neuron()
    trace = backprop_steps(o)
    for name in ("x1", "x2", "w1", "w2", "b"):
        leaf, h = v[name], 1e-6
        saved = leaf.data
        leaf.data = saved + h
        up = neuron_value(v)
        leaf.data = saved - h
        down = neuron_value(v)
        leaf.data = saved
        assert math.isclose(trace.grads[leaf], (up - down) / (2 * h), rel_tol=1e-6, abs_tol=1e-8)


def neuron_value(v: dict[str, Value]) -> float:
    n = v["x1"].data * v["w1"].data + v["x2"].data * v["w2"].data + v["b"].data
    return math.tanh(n)


def test_neuron_steps_name_the_formula_of_each_local_derivative() -> None:
    o, v = neuron()
    first = backprop_steps(o).steps[0]
    assert (first.node, first.operand, first.slot) == (o, v["n"], 0)
    assert first.formula == "1 - tanh(n)^2"
    assert first.local == 1 - o.data**2 and first.upstream == 1.0
    mul_steps = [s for s in backprop_steps(o).steps if s.operand is v["x1"]]
    assert [s.formula for s in mul_steps] == ["w1"]


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_replay_equals_backward_exactly(root: Value) -> None:
    order = walk(root)
    leaves = [n for n in order if n.op is None]
    trace = backprop_steps(root)
    assert trace.warning is None and trace.stale == []
    assert trace.order == order and trace.seed == 1.0
    replayed = trace.replay()
    pure = grad(root, leaves)
    root.backward()
    for node in order:
        assert replayed[node] == trace.grads[node] == node.grad
    assert pure == [node.grad for node in leaves]


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_each_step_is_one_chain_rule_product(root: Value) -> None:
    trace = backprop_steps(root)
    nonleaf = [n for n in walk(root) if n.op is not None]
    assert len(trace.steps) == sum(len(n.parents) for n in nonleaf)
    assert [s.index for s in trace.steps] == list(range(len(trace.steps)))
    running: dict[Value, float] = {}
    for step in trace.steps:
        assert step.operand is step.node.parents[step.slot]
        assert step.upstream == trace.grads[step.node]  # final before the node passes it on
        assert step.contribution == step.upstream * step.local
        expected_before = running.get(step.operand, 0.0)
        assert step.before == expected_before
        assert step.after == (step.contribution if step.operand not in running
                              else step.before + step.contribution)
        running[step.operand] = step.after
    for node, total in running.items():
        assert trace.grads[node] == total


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_a_seed_of_two_doubles_every_gradient_exactly(root: Value) -> None:
    one, two = backprop_steps(root), backprop_steps(root, 2.0)
    assert two.seed == 2.0
    numbers = [abs(x) for s in one.steps for x in (s.upstream, s.local, s.contribution, s.after)]
    # doubling is exact in binary floating point, except for subnormals and near overflow
    exact = all(x == 0.0 or sys.float_info.min <= x <= sys.float_info.max / 4 for x in numbers)
    for node in one.order:
        if exact:
            assert two.grads[node] == 2.0 * one.grads[node]
        else:
            assert math.isclose(two.grads[node], 2.0 * one.grads[node], abs_tol=1e-300)


def test_steps_run_from_the_root_down_in_reverse_walk_order() -> None:
    o, _ = neuron()
    trace = backprop_steps(o)
    position = {node: i for i, node in enumerate(trace.order)}
    seen = [position[s.node] for s in trace.steps]
    assert seen == sorted(seen, reverse=True)


def test_reused_node_gets_two_steps_and_the_sum_of_both() -> None:
    a = Value(3.0, "a")
    b = a + a
    c = b * b
    trace = backprop_steps(c)
    into_a = [s for s in trace.steps if s.operand is a]
    into_b = [s for s in trace.steps if s.operand is b]
    assert [s.slot for s in into_a] == [0, 1] and [s.slot for s in into_b] == [0, 1]
    assert trace.grads[b] == 2 * b.data  # d(b*b)/db = b + b, one step per slot
    assert into_a[1].before == into_a[0].after
    assert trace.grads[a] == 4 * b.data  # dc/da = 2b * 2
    c.backward()
    assert a.grad == trace.grads[a]


def test_the_warning_appears_only_when_grad_differs_from_what_the_trace_shows() -> None:
    o, v = neuron()
    assert backprop_steps(o).warning is None
    o.backward()  # as the README does before stepping: .grad equals this pass, nothing to say
    once = backprop_steps(o)
    assert once.warning is None and once.stale == []
    o.backward()  # twice: .grad is two passes, the trace shows one
    stale = backprop_steps(o)
    assert stale.warning is not None and "zero_grad" in stale.warning
    assert stale.stale == [n for n in walk(o) if n.grad != stale.grads.get(n, 0.0)]
    assert f"{len(stale.stale)} node(s)" in stale.warning
    assert v["w2"] not in stale.stale  # do/dw2 = x2 = 0: nothing accumulated there
    # the trace is pass-local: the stale .grad does not leak into its numbers
    assert stale.grads == once.grads
    assert stale.grads[v["w1"]] * 2 == v["w1"].grad
    o.zero_grad()
    assert backprop_steps(o).warning is None


def test_a_leaf_root_has_no_steps() -> None:
    x = Value(4.0, "x")
    trace = backprop_steps(x)
    assert trace.steps == [] and trace.grads == {x: 1.0} and trace.replay() == {x: 1.0}


def test_partial_replay_holds_the_gradients_after_k_steps() -> None:
    o, nodes = neuron()
    trace = backprop_steps(o)
    assert trace.replay(0) == {o: 1.0}
    for k, step in enumerate(trace.steps, start=1):
        grads = trace.replay(k)
        assert grads[step.operand] == step.after  # the step just taken
        assert len(grads) == 1 + len({s.operand for s in trace.steps[:k]})
    assert trace.replay(len(trace.steps)) == trace.replay() == trace.grads


def test_the_trace_lives_in_trace_py_and_is_importable_from_where_it_was() -> None:
    import autograd
    import autograd.engine
    import autograd.trace

    for name in ("Step", "Trace", "backprop_steps"):
        home = getattr(autograd.trace, name)
        assert getattr(autograd.engine, name) is home and getattr(autograd, name) is home
        assert name in autograd.engine.__all__ and name in autograd.trace.__all__


def test_the_reference_loop_gives_create_graphs_gradients() -> None:
    # chain_rule with a Value seed is what create_graph=True runs: Values, differentiable again
    o, v = neuron()
    order = walk(o)
    values = chain_rule(order, Value(1.0))
    floats = chain_rule(order, 1.0)
    assert list(values) == list(floats) == order
    for node in order:
        assert type(values[node]) is Value
        assert math.isclose(values[node].data, floats[node], rel_tol=1e-12, abs_tol=1e-15)
    (d2,) = grad(values[v["n"]], [v["n"]])  # d/dn (1 - tanh(n)^2) = -2 tanh(n) (1 - tanh(n)^2)
    assert math.isclose(d2, -2 * o.data * (1 - o.data**2), rel_tol=1e-9)
