"""autograd.strategies: programs are callable, safe by construction, and print as pasteable
Python with their sharing intact; per-op inputs stay in domain; user ops plug in."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, dot, grad, gradcheck, sum_values, walk
from autograd.strategies import (
    INPUTS,
    Domain,
    Instruction,
    Primitive,
    Program,
    default_primitives,
    op_programs,
    programs,
    safe_inputs,
)

NAMESPACE: dict[str, Any] = {"dot": dot, "sum_values": sum_values}


def _paste(program: Program, namespace: dict[str, Any] | None = None) -> Any:
    return eval(repr(program), dict(namespace or NAMESPACE))  # the repr is the source


@settings(max_examples=300, deadline=None)
@given(programs(max_inputs=3, max_ops=8))
def test_a_pasted_repr_is_the_same_program(case: tuple[Program, list[float]]) -> None:
    program, inputs = case
    assert 1 <= program.n_inputs == len(inputs) <= 3 and program.size >= 1
    assert all(x in INPUTS for x in inputs)
    text = repr(program)
    assert text.startswith("lambda " + ", ".join(f"x{i}" for i in range(len(inputs))) + ":")
    assert "\n" not in text
    xs, ys = [Value(x) for x in inputs], [Value(x) for x in inputs]
    out, pasted = program(*xs), _paste(program)(*ys)
    assert pasted.data == out.data or (math.isnan(out.data) and math.isnan(pasted.data))
    # same sharing: as many nodes, the same ops in the same order, the same gradients
    assert [n.op for n in walk(pasted)] == [n.op for n in walk(out)]
    assert grad(pasted, ys) == grad(out, xs)


@settings(max_examples=300, deadline=None)
@given(programs(max_ops=8))
def test_every_operand_is_inside_its_domain(case: tuple[Program, list[float]]) -> None:
    program, inputs = case
    nodes = [Value(x) for x in inputs]
    for step in program.steps:
        operands = [nodes[i] for i in step.operands]
        for slot, operand in enumerate(operands):  # a shift takes anything, by design
            assert step.primitive.name == "shift" or operand.data in (
                step.primitive.slot_domain(slot)), (repr(program), slot)
        nodes.append(step.primitive.apply(operands, step.constant))
    assert math.isfinite(nodes[-1].data)


def test_later_ops_reuse_earlier_nodes_and_shared_nodes_are_named() -> None:
    quick = settings(max_examples=500, database=None, derandomize=True)
    program, _ = find(programs(), lambda case: ":=" in repr(case[0]), settings=quick)
    text = repr(program)
    name = text.split(":=")[0].split("(")[-1].strip()
    assert text.count(name) >= 2  # defined once, used again
    program, _ = find(programs(min_ops=4), lambda case: case[0].size >= 4, settings=quick)
    assert program.size >= 4


def test_dead_steps_are_dropped_and_shared_steps_named_where_python_meets_them() -> None:
    table = default_primitives()
    mul, tanh, add, log = table["mul"], table["tanh"], table["add"], table["log"]
    steps = [
        Instruction(mul, (0, 1), None),  # 2: x0 * x1
        Instruction(log, (0,), None),  # 3: dead
        Instruction(tanh, (2,), None),  # 4
        Instruction(add, (4, 0), None),  # 5
        Instruction(add, (5, 5), None),  # 6: uses 5 twice
    ]
    program = Program(2, steps)
    assert program.size == 4 and program.ops == ("mul", "tanh", "add", "add")
    assert repr(program) == "lambda x0, x1: (v1 := ((x0 * x1).tanh() + x0)) + v1"
    out = _paste(program)(Value(0.5), Value(-2.0))
    t = math.tanh(-1.0) + 0.5
    assert out.data == pytest.approx(2 * t)
    assert len(walk(out)) == 6  # x0, x1, mul, tanh, add, add: the shared add is built once


def test_every_op_table_row_has_a_primitive() -> None:
    assert set(OPS) <= {p.row for p in default_primitives().values()}


@pytest.mark.parametrize("name", sorted(default_primitives()))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_programs_restricted_to_one_primitive_end_with_it(name: str,
                                                          data: st.DataObject) -> None:
    program, inputs = data.draw(programs(ops=[name], max_ops=4))
    table = default_primitives()
    allowed = {p.name for p in table.values() if name in (p.name, p.row)}  # "pow": by row too
    assert program.ops[-1] in allowed and set(program.ops) <= allowed | {"shift"}
    assert gradcheck(program, inputs)


def test_n_ary_rows_and_number_exponents_print_as_python() -> None:
    table = default_primitives()
    cases = [
        (table["sum"], (0, 1, 0), None, "lambda x0, x1: sum_values([x0, x1, x0])"),
        (table["dot"], (0, 1, 1, 0), None, "lambda x0, x1: dot([x0, x1], [x1, x0])"),
        (table["dot"], (0, 1, 1), None, "lambda x0, x1: dot([x0], [x1], x1)"),
        (table["pow"], (0,), -1.0, "lambda x0, x1: x0 ** (-1.0)"),
        (table["powv"], (0, 1), None, "lambda x0, x1: x0 ** x1"),
    ]
    for primitive, operands, constant, text in cases:
        program = Program(2, [Instruction(primitive, operands, constant)])
        assert repr(program) == text
        a, b = Value(1.5), Value(0.5)
        assert _paste(program)(a, b).data == program(Value(1.5), Value(0.5)).data


@pytest.mark.parametrize("name", sorted(default_primitives()))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_safe_inputs_stay_in_each_slots_domain(name: str, data: st.DataObject) -> None:
    primitive = default_primitives()[name]
    values = data.draw(safe_inputs(name))
    assert len(values) in primitive.counts
    for slot, x in enumerate(values):
        assert x in primitive.slot_domain(slot)
    constant = primitive.constants[0] if primitive.constants else None
    out = primitive.apply([Value(x) for x in values], constant)
    assert math.isfinite(out.data)


@settings(max_examples=30, deadline=None)
@given(op_programs("pow"))
def test_op_programs_of_a_row_draw_from_all_its_primitives(case: tuple[Program, list[float]]
                                                         ) -> None:
    program, inputs = case
    assert program.ops in (("pow",), ("pow_frac",)) and len(inputs) == 1


def softplus(x: Value) -> Value:
    """A user's function, written with Values."""
    return (1.0 + x.exp()).log()


SOFTPLUS = Primitive("softplus", softplus, "softplus({0})", domain=Domain((-30.0, 30.0)))


@settings(max_examples=60, deadline=None)
@given(programs(ops=["softplus", "mul", "add"], extra=[SOFTPLUS], max_ops=5))
def test_a_users_own_op_joins_the_programs(case: tuple[Program, list[float]]) -> None:
    program, inputs = case
    assert set(program.ops) <= {"softplus", "mul", "add", "shift"}
    assert gradcheck(program, inputs)
    pasted = _paste(program, {**NAMESPACE, "softplus": softplus})
    assert pasted(*map(Value, inputs)).data == program(*map(Value, inputs)).data


def test_a_new_op_table_row_gets_a_primitive_with_no_new_code(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cube = dataclasses.replace(OPS["neg"], name="cube", symbol="cube",
                               forward=lambda x: x * x * x,
                               partials=lambda out, x: (3.0 * x * x,), formulas=("3*x^2",))
    monkeypatch.setitem(OPS, "cube", cube)
    primitive = default_primitives()["cube"]
    assert primitive.row == "cube" and primitive.counts == (1,)
    quick = settings(max_examples=50, database=None, derandomize=True)
    program, inputs = find(op_programs("cube"), lambda case: True, settings=quick)
    assert repr(program) == "lambda x0: cube(x0)"
    assert program(Value(2.0)).op is cube and gradcheck(program, inputs)


def test_bad_primitives_domains_and_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="identifier"):
        Primitive("soft plus", softplus, "f({0})")
    with pytest.raises(ValueError, match="in slot order"):
        Primitive("swap", lambda x, y: y - x, "({1} - {0})", 2)
    with pytest.raises(ValueError, match=r"render field \{2\} is not an operand slot"):
        Primitive("f", softplus, "f({2})")
    with pytest.raises(ValueError, match="arity must be >= 1"):
        Primitive("f", softplus, "f()", 0)
    with pytest.raises(TypeError, match="domain must be a Domain"):
        Primitive("f", softplus, "f({0})", domain=(0.0, 1.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low < high"):
        Domain((1.0, 0.0))
    with pytest.raises(ValueError, match="at least one"):
        Domain()
    with pytest.raises(ValueError, match="min_ops <= max_ops"):
        programs(max_ops=0)
    with pytest.raises(ValueError, match="min_inputs <= max_inputs"):
        programs(min_inputs=3, max_inputs=2)
    with pytest.raises(ValueError, match=r"unknown op\(s\) \['softmax'\]"):
        programs(ops=["softmax"])
    with pytest.raises(TypeError, match="extra must hold Primitive"):
        programs(extra=[softplus])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="no primitive named 'nope'"):
        safe_inputs("nope")
    program = Program(2, [Instruction(default_primitives()["neg"], (0,))])
    with pytest.raises(TypeError, match=r"takes 2 input\(s\), got 1"):
        program(Value(1.0))
    with pytest.raises(ValueError, match="at least one input and one step"):
        Program(1, [])


def test_profiles_follow_the_ci_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograd.strategies

    spec = importlib.util.spec_from_file_location(
        "suite_conftest", Path(__file__).parents[1] / "conftest.py")
    assert spec is not None and spec.loader is not None
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    register_profiles = conftest.register_profiles
    assert not hasattr(autograd.strategies, "register_profiles")  # test policy stays in tests
    before = settings.default
    monkeypatch.setenv("CI", "true")
    assert register_profiles(load=False) == "ci"
    monkeypatch.setenv("CI", "")
    assert register_profiles(load=False) == "dev"
    assert repr(settings.default) == repr(before)  # load=False leaves the active profile
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.deadline is None and ci.database is None
    assert settings.get_profile("dev").max_examples < ci.max_examples


def test_a_very_deep_program_prints_without_recursion() -> None:
    sin = default_primitives()["sin"]
    program = Program(1, [Instruction(sin, (i,)) for i in range(5000)])
    text = repr(program)
    assert text == "lambda x0: x0" + ".sin()" * 5000


def test_extra_primitives_are_drawn_even_when_ops_restricts_the_defaults() -> None:
    from hypothesis import find

    from autograd.strategies import Domain, Primitive, programs

    square = Primitive("square", lambda v: v * v, "square({0})", domain=Domain((-3.0, 3.0)))
    found = find(programs(ops=["add"], extra=[square]), lambda case: "square(" in repr(case[0]))
    assert "square(" in repr(found[0])
