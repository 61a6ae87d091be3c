"""The tape: its replay equals the engine bit for bit, raises the engine's errors, and prints
as the Wengert list a textbook writes."""

from __future__ import annotations

import math
import random
import re
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Op, Tape, TapeMismatch, Value, apply_op, dot, grad, sum_values, walk
from autograd.strategies import INPUTS, programs
from demos.neuron import neuron


def _bits(xs: list[float]) -> list[str]:
    """Floats as their exact bits (float.hex): -0.0 differs from 0.0, nan equals nan."""
    return [x.hex() for x in xs]


def _engine(fn: Callable[..., Value], xs: list[float]) -> tuple[float, list[float]]:
    """The engine's value and gradients of fn at xs, through backward() (not grad())."""
    leaves = [Value(x) for x in xs]
    root = fn(*leaves)
    root.backward()
    return root.data, [x.grad for x in leaves]


def _outcome(run: Callable[[], Any]) -> Any:
    """What run() returns, or the type and message of the error it raises (a gradient that
    overflows is named as a Value by the engine, as a slot by the tape: the type is compared)."""
    try:
        return run()
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        return type(err), "a gradient overflows" if "gradient reaching" in str(err) else str(err)


@settings(max_examples=60, deadline=None)
@given(programs(max_inputs=3, max_ops=10))
def test_replay_equals_the_engine_bit_for_bit(case: Any) -> None:
    program, xs = case
    leaves = [Value(x) for x in xs]
    root = program(*leaves)
    tape = Tape.record(root, inputs=leaves)
    assert tape.forward(xs) == root.data
    grads = tape.backward()
    root.backward()
    assert _bits(grads) == _bits(tape.grads) == _bits([x.grad for x in leaves])
    assert tape.grads == grad(root, leaves)
    every = tape._backward_reference()  # the plain loop the fast replay optimises
    assert tape._grads is not None and _bits(every) == _bits(tape._grads)  # every slot
    assert len(tape) == sum(n.op is not None for n in walk(root))


@settings(max_examples=60, deadline=None)
@given(programs(max_inputs=3, max_ops=10), st.lists(INPUTS.floats(), min_size=3, max_size=3))
def test_replay_at_new_values_equals_a_rebuild(case: Any, new: list[float]) -> None:
    program, xs = case
    new = new[:len(xs)]
    tape = Tape.record(program, inputs=xs)

    def replay() -> tuple[float, list[float]]:
        value = tape.forward(new)
        return value, tape.backward()

    got, want = _outcome(replay), _outcome(lambda: _engine(program, new))
    if isinstance(got, tuple) and isinstance(got[0], type) and isinstance(want[0], type):
        # both refuse: with two ops out of their domain (log(0) and 0/0), which speaks first
        # depends on the order each visits the graph (the tape's walk, the engine's build)
        assert got[1] and want[1]
        return
    assert got == want  # the same value and gradients, bit for bit


def _moons_step(fused: bool, values: list[float] | None = None) -> tuple[Value, list[Value]]:
    """micrograd's demo loss on 12 moons points (nn.MLP, hinge, L2), optionally at values."""
    from nn import MLP, hinge, l2
    from nn.datasets import moons

    X, y = moons(12, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1, fused=fused)
    for p, v in zip(model.parameters(), values or [], strict=values is not None):
        p.data = v
    loss = hinge([model(x) for x in X.tolist()], (2 * y - 1).tolist()) + l2(model, 1e-4)
    return loss, model.parameters()


@pytest.mark.parametrize("fused", [True, False])
def test_mlp_step_replays_exactly_and_tracks_an_sgd_update(fused: bool) -> None:
    loss, params = _moons_step(fused)
    tape = Tape.record(loss, inputs=params)
    assert tape.forward([p.data for p in params]) == loss.data
    assert _bits(tape.backward()) == _bits(list(grad(loss, params)))
    assert tape._grads is not None and _bits(tape._backward_reference()) == _bits(tape._grads)
    new = [p.data - 0.5 * g for p, g in zip(params, tape.grads, strict=True)]  # an SGD step
    rebuilt, new_params = _moons_step(fused, new)
    assert tape.forward(new) == rebuilt.data != loss.data
    assert _bits(tape.backward()) == _bits(list(grad(rebuilt, new_params)))


def test_outputs_are_kept_at_every_forward() -> None:
    x, w = Value(0.5), Value(2.0)
    hidden = (x * w).tanh()
    root = hidden * hidden + x
    tape = Tape.record(root, inputs=[x, w], outputs=[hidden, x])
    assert tape.outputs == [hidden.data, 0.5] and tape.value == root.data
    tape.forward([-1.0, 3.0])
    assert tape.outputs == [math.tanh(-3.0), -1.0]
    with pytest.raises(ValueError, match=r"outputs\[0\] is not a node of the recorded graph"):
        Tape.record(root, inputs=[x], outputs=[Value(1.0)])


def test_n_ary_nodes_with_repeated_operands_and_odd_counts() -> None:
    a, b = Value(1.5), Value(-2.0)

    def f(a: Value, b: Value) -> Value:
        return (dot([a, b, a], [a, a, b], b) + sum_values([a]) + dot([], []) + dot([a], [b])
                + sum_values([a, b, a, a]))

    root = f(a, b)
    tape = Tape.record(root, inputs=[a, b])
    assert tape.forward([1.5, -2.0]) == root.data
    assert tape.backward() == grad(root, [a, b])
    tape.forward([0.25, 3.0])
    assert tape.backward() == _engine(f, [0.25, 3.0])[1]


@pytest.mark.parametrize("row", list(OPS.values()), ids=list(OPS))
def test_partials_read_instead_of_called_are_the_rows_own(row: Op) -> None:
    # _picks asks a row's own partials which operands they return; reading those values
    # must give what calling the row gives, bit for bit, at any values.
    from autograd.tape import _picks

    rng = random.Random(row.name)
    for n in (row.arity,) if row.arity else (1, 2, 3, 5, 6):
        picks = _picks(row, n, list(range(n)))
        if picks is None:
            continue
        slots, picked, constants = picks
        assert slots == tuple(range(n))
        for _ in range(20):
            xs = [rng.uniform(-3.0, 3.0) for _ in range(n)]
            vals = [*xs, row.forward(*xs)]  # the output's slot is n
            assert _bits(list(picked(vals) + constants)) == _bits(list(row.partials(vals[n], *xs)))
    read = {name for name, r in OPS.items()
            if _picks(r, 3, [0, 1, 2][:r.arity or 3]) is not None}  # output slot 3
    assert read == {"add", "sub", "mul", "neg", "exp", "sum", "dot"}  # the others compute
    mine = Op("mine", "mine", None, sum, lambda out, *xs: (1.0,) * len(xs), ("1",))
    assert _picks(mine, 3, [0, 1, 2]) is None  # a row of your own is always called


def test_an_op_with_no_gradient_is_skipped_only_when_that_changes_no_bit() -> None:
    def f(w: Value, x: Value, b: Value) -> Value:  # relu at a negative: the dot's gradient 0
        return (dot([w, x, w], [x, b, -w], b).relu() + w * 0.0) * x

    xs = [1.0, 2.0, -50.0]
    tape = Tape.record(f, inputs=xs)
    tape.forward(xs)
    assert _bits(tape.backward()) == _bits(_engine(f, xs)[1]) == _bits([0.0, 0.0, 0.0])
    assert tape._grads is not None and _bits(tape._backward_reference()) == _bits(tape._grads)

    def g(w: Value, x: Value, b: Value) -> Value:  # the dot's gradient is 0 * y
        return dot([w, x], [x, b], b) * 0.0 + x

    tape = Tape.record(g, inputs=xs)
    new = [math.inf, 2.0, -50.0]  # explicit inf: 0 * inf is nan, so nothing is skipped
    tape.forward(new)
    assert _bits(tape.backward()) == _bits(_engine(g, new)[1])
    assert math.isnan(tape.grads[1])


def test_a_leaf_as_root_is_a_tape_of_no_ops() -> None:
    x = Value(3.0, "x")
    tape = Tape.record(x, inputs=[x])
    assert len(tape) == 0 and tape.forward([5.0]) == 5.0 and tape.backward() == [1.0]
    assert str(tape).splitlines()[2:] == ["  x = 5.0  (input 1)",  # the latest values
                                          "backward (every adjoint starts at 0):", "  x\u0304 = 1"]


def test_an_input_the_root_does_not_use_gets_zero_and_other_leaves_stay_constant() -> None:
    x, unused, c = Value(3.0), Value(1.0), Value(10.0)
    tape = Tape.record(x * c, inputs=[x, unused])
    assert tape.forward([4.0, 7.0]) == 40.0
    assert tape.backward() == [10.0, 0.0]
    assert tape.backward(2.0) == [20.0, 0.0]  # a seed scales, as backward(grad) does


def test_a_row_of_your_own_replays_through_the_engine() -> None:
    cube = Op("cube", "cube", 1, lambda x: x**3, lambda out, x: (3 * x**2,), ("3*x^2",))
    x = Value(2.0)
    root = apply_op(cube, x) * x
    tape = Tape.record(root, inputs=[x])
    assert tape.forward([-1.5]) == (-1.5) ** 4
    assert tape.backward() == [4 * (-1.5) ** 3]
    assert "v2 = cube(v1)" in str(tape)


# -- errors: the engine's own, naming the op and the operand value --------------------------

def _same_error(fn: Callable[..., Value], recorded: float, new: float, *, backward: bool) -> None:
    tape = Tape.record(fn, inputs=[recorded])
    expected = _outcome(lambda: _engine(fn, [new]))
    assert isinstance(expected, tuple) and isinstance(expected[0], type)
    if backward:
        tape.forward([new])
        got = _outcome(tape.backward)
    else:
        got = _outcome(lambda: tape.forward([new]))
    assert got == expected


@pytest.mark.parametrize(("fn", "recorded", "new"), [
    (lambda x: (x + 1.0).log(), 1.0, -3.0),  # log of a negative
    (lambda x: 1.0 / x, 2.0, 0.0),  # division by zero
    (lambda x: (x * 3.0).exp(), 1.0, 400.0),  # exp overflows (math.exp raises)
    (lambda x: x * x * 1e300, 1.0, 1e10),  # mul overflows silently: the engine's check
    (lambda x: (x.exp() - 1.0).log().tanh(), 1.0, -2.0),  # an error deep in the graph
    (lambda x: x ** -1.0, 1.0, 0.0),  # 0 to a negative power
])
def test_forward_domain_errors_are_the_engines(fn: Callable[..., Value], recorded: float,
                                               new: float) -> None:
    _same_error(fn, recorded, new, backward=False)


@pytest.mark.parametrize(("fn", "recorded", "new"), [
    (lambda x: x.sqrt(), 4.0, 0.0),  # d sqrt / dx at 0
    (lambda x: (x * 2.0) ** 0.5, 1.0, 0.0),  # the power rule at 0
    (lambda x: x ** x, 2.0, 0.0),  # powv's base must be positive: forward raises first
])
def test_backward_domain_errors_are_the_engines(fn: Callable[..., Value], recorded: float,
                                                new: float) -> None:
    tape = Tape.record(fn, inputs=[recorded])
    expected = _outcome(lambda: _engine(fn, [new]))
    assert isinstance(expected, tuple)
    try:
        tape.forward([new])
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        assert (type(err), str(err)) == expected
        return
    assert _outcome(tape.backward) == expected
    assert "(backward)" in expected[1]


def test_explicit_inf_propagates_as_in_the_engine() -> None:
    def f(x: Value) -> Value:
        return x.sin() + x

    tape = Tape.record(f, inputs=[1.0])
    value = tape.forward([math.inf])
    engine_value, engine_grads = _engine(f, [math.inf])
    assert math.isnan(value) and math.isnan(engine_value)
    assert [math.isnan(g) for g in tape.backward()] == [math.isnan(g) for g in engine_grads]


def test_a_gradient_that_overflows_is_named() -> None:
    x = Value(1e300)
    root = (x * 10.0).tanh() * x
    tape = Tape.record(root, inputs=[x])
    with pytest.raises(OverflowError, match="backward"):
        root.backward(1e10)  # the engine refuses it too
    with pytest.raises(OverflowError, match=r"Tape.backward: the gradient reaching v\d+ "
                                            r"overflows a float \(inf\); rescale"):
        tape.backward(1e10)


# -- the Wengert list --------------------------------------------------------------------

NEURON_TAPE = """\
Tape: 5 ops over 10 slots; root o
forward:
  x1 = 2.0  (input 1)
  w1 = -3.0  (input 2)
  v1 = x1 * w1
  x2 = 0.0  (input 3)
  w2 = 1.0  (input 4)
  v2 = x2 * w2
  v3 = v1 + v2
  b = 6.881373587019543  (input 5)
  n = v3 + b
  o = tanh(n)
backward (every adjoint starts at 0):
  o\u0304 = 1
  n\u0304 += o\u0304 * (1 - tanh(n)^2)
  v3\u0304 += n\u0304 * 1
  b\u0304 += n\u0304 * 1
  v1\u0304 += v3\u0304 * 1
  v2\u0304 += v3\u0304 * 1
  x2\u0304 += v2\u0304 * w2
  w2\u0304 += v2\u0304 * x2
  x1\u0304 += v1\u0304 * w1
  w1\u0304 += v1\u0304 * x1"""


def test_print_of_the_classic_neuron_is_its_wengert_list() -> None:
    v = neuron()
    tape = Tape.record(v["o"], inputs=[v[k] for k in ("x1", "w1", "x2", "w2", "b")])
    assert str(tape) == NEURON_TAPE
    assert repr(tape) == "<Tape: 5 ops, 5 inputs, root o>"


def test_the_tape_calls_each_node_what_the_trace_calls_it() -> None:
    from viz.terminal import format_trace

    x, v2 = Value(3.0, "x"), Value(2.0, "v2")  # a label like a generated name
    y = (v2 * x + x) * (x - 1.5)
    tape_lines = str(Tape.record(y, inputs=[x, v2])).split("backward")[0].splitlines()[2:]
    trace = format_trace(y).split("backward pass")[0]
    for line in tape_lines:  # "t1 = v2 * x" in the tape, "t1 = v2 * x = ..." in the trace
        name, how = (part.strip() for part in line.split("(input")[0].split(" = "))
        if "(input" in line:  # a leaf: its value, 2.0 in the tape and 2.0000 in the trace
            how = f"{float(how):.4f}"
        assert re.search(rf"^\s*{re.escape(name)} = {re.escape(how)}( = |$)", trace, re.M), line
    assert not any(line.strip().startswith("1.5 =") for line in tape_lines)  # only an operand
    assert "x - 1.5" in "".join(tape_lines)


def test_every_row_prints_with_its_own_formula() -> None:
    x, y = Value(0.5, "x"), Value(2.0, "y")
    root = sum_values([-x, abs(x), x ** 2, x ** y, x / y, x - y, dot([x], [y], y)])
    text = str(Tape.record(root, inputs=[x, y]))
    # the constant exponent 2 is written as itself and gets no adjoint of its own
    for line in ("v1 = -x", "v2 = abs(x)", "v3 = x ** 2", "v4 = x ** y", "v5 = x / y",
                 "v6 = x - y", "v7 = dot(x, y, y)", "x\u0304 += v1\u0304 * -1",
                 "* sign(x)", "* (2*x^(2-1))", "* (x^y*log(x))", "* (-x/y^2)", "* (1/y)",
                 "y\u0304 += v7\u0304 * x"):
        assert line in text, f"{line!r} not in\n{text}"
    assert "  2\u0304 " not in text and "\n  2 = " not in text
    for name, op in OPS.items():  # every row has a formula for each slot the tape prints
        assert all(op.formula(i, 3) for i in range(op.arity or 3)), name


# -- the guard: a tape replays one structure -----------------------------------------------

def test_wrong_use_is_refused_with_a_clear_message() -> None:
    x, w = Value(1.0), Value(2.0)
    y = x * w
    tape = Tape.record(y, inputs=[x, w])
    with pytest.raises(ValueError, match="1 values for 2 inputs"):
        tape.forward([1.0])
    with pytest.raises(TypeError, match=r"values\[1\] must be a real number, got str"):
        tape.forward([1.0, "2"])
    with pytest.raises(ValueError, match=r"inputs\[0\] is made by the op mul; a tape's inputs "
                                         "are leaves"):
        Tape.record(y.tanh(), inputs=[y])
    with pytest.raises(ValueError, match="the same Value twice"):
        Tape.record(y, inputs=[x, x])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value, got float"):
        Tape.record(y, inputs=[1.0])
    with pytest.raises(TypeError, match="root must be a Value or a function"):
        Tape.record(3.0, inputs=[])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="the function must return a Value, got float"):
        Tape.record(lambda x: 1.0, inputs=[1.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(RuntimeError, match=r"call tape.backward\(\)"):
        Tape.record(y, inputs=[x, w]).grads  # noqa: B018
    with pytest.raises(TypeError, match="recorded from a Value, not a function"):
        tape.check([1.0, 2.0])


def test_check_finds_a_graph_chosen_by_python_control_flow() -> None:
    def leaky(x: Value) -> Value:
        return x.relu() if x.data > 0 else x * 0.01  # the graph depends on the data

    tape = Tape.record(leaky, inputs=[1.0])
    tape.check([2.0])  # same branch: the tape is valid there
    assert tape.forward([2.0]) == 2.0
    with pytest.raises(TapeMismatch, match=r"op 1 is mul, the tape has relu.*chooses "
                                           "its graph from the data"):
        tape.check([-1.0])


def test_check_finds_a_constant_taken_from_the_data() -> None:
    def shifted(x: Value) -> Value:
        return (x - max(x.data, 0.0)).exp()  # the softplus trick: a data-dependent constant

    tape = Tape.record(shifted, inputs=[2.0])
    tape.check([2.0])
    with pytest.raises(TapeMismatch,
                       match=r"a constant of the graph is 3\.0 here, the tape has 2\.0"):
        tape.check([3.0])


def test_check_finds_operands_swapped_by_a_branch() -> None:
    def f(x: Value, y: Value) -> Value:
        return x - y if x.data < 5 else y - x

    tape = Tape.record(f, inputs=[1.0, 2.0])
    with pytest.raises(TapeMismatch, match=r"input 1 is v2, the tape has v1"):
        tape.check([6.0, 2.0])  # y - x: y is met first, so the leaves are numbered the other way

    def g(x: Value, y: Value) -> Value:
        s = x * y
        return (s - x) if x.data < 5 else (x - s)

    tape = Tape.record(g, inputs=[1.0, 2.0])
    with pytest.raises(TapeMismatch, match=r"v4 = v1 - v3, the tape has v4 = v3 - v1"):
        tape.check([6.0, 2.0])
    with pytest.raises(ValueError, match="1 values for 2 inputs"):
        tape.check([6.0])


def test_tape_memory_is_a_few_list_entries_per_op() -> None:
    loss, params = _moons_step(fused=False)
    tape = Tape.record(loss, inputs=params)
    assert len(tape) > 5000
    lists = (tape._rows, tape._forwards, tape._partials, tape._a, tape._b, tape._vals)
    per_op = sum(sys.getsizeof(x) for x in lists) / len(tape)
    assert per_op < 6 * 8 * 1.25  # six list entries per op: no object per instruction


def test_the_cli_prints_the_tape_after_the_steps(capsys: pytest.CaptureFixture[str]) -> None:
    from viz.cli import main

    assert main(["tanh(x1*w1 + x2*w2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1",
                 "b=6.8813735870195432", "--tape"]) == 0
    out = capsys.readouterr().out
    # the command labels only the variables and the output: n is the v4 of its trace
    assert out[out.index("Tape: "):].rstrip() == re.sub(r"\bn\b", "v4", NEURON_TAPE)
    assert "v4 = v3 + b = " in out  # the trace calls it v4 too
    assert out.index("step 9/9") < out.index("Tape: ")  # the steps first, then the tape
