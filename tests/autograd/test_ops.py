"""Every row of the op table: forward and local partials against closed forms at several points.

The closed forms are written independently of the engine (tanh and sigmoid from exp, their
derivatives from cosh and exp), and each partial is also checked against a central difference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import pytest

from autograd import OPS, Op, Value, apply_op, backprop_steps, dot, grad, sum_values
from autograd.ops import BINARY, UNARY

REL, ABS = 1e-13, 1e-15  # a few ulps: the closed forms are computed differently from the engine


class Case(NamedTuple):
    """An op's closed forms and the points where they are checked."""

    forward: Callable[..., float]
    partials: Callable[..., tuple[float, ...]]
    points: Sequence[tuple[float, ...]]


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0


CASES: dict[str, Case] = {
    "add": Case(lambda x, y: x + y, lambda x, y: (1.0, 1.0),
                [(1.0, 2.0), (-3.5, 0.25), (0.0, -7.0), (1e3, -1e-3)]),
    "sub": Case(lambda x, y: x - y, lambda x, y: (1.0, -1.0),
                [(1.0, 2.0), (-3.5, 0.25), (0.0, -7.0), (5.0, 5.0)]),
    "mul": Case(lambda x, y: x * y, lambda x, y: (y, x),
                [(1.5, 2.0), (-3.5, 0.25), (0.0, -7.0), (-2.0, -3.0)]),
    "div": Case(lambda x, y: x / y, lambda x, y: (1.0 / y, -x / (y * y)),
                [(1.0, 2.0), (-3.0, 0.5), (2.5, -4.0), (0.0, 3.0), (7.0, 0.05)]),
    "neg": Case(lambda x: -x, lambda x: (-1.0,), [(2.0,), (-0.5,), (0.0,)]),
    "pow": Case(lambda x, n: x**n, lambda x, n: (n * x ** (n - 1.0), 0.0),
                [(2.0, 3.0), (-1.5, 2.0), (-2.0, 3.0), (4.0, 0.5), (2.0, -1.0), (3.0, 0.0),
                 (0.5, -2.5), (9.0, 1.5), (0.0, 2.0)]),
    "powv": Case(lambda x, y: x**y, lambda x, y: (y * x ** (y - 1.0), x**y * math.log(x)),
                 [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.0, 4.0), (2.5, 0.0), (10.0, -2.0)]),
    "abs": Case(abs, lambda x: (_sign(x),), [(-2.5,), (0.7,), (3.0,), (-1e-8,)]),
    "exp": Case(lambda x: math.e**x, lambda x: (math.e**x,),
                [(-3.0,), (0.0,), (0.5,), (2.0,), (20.0,)]),
    "log": Case(lambda x: math.log2(x) * math.log(2.0),
                lambda x: (1.0 / x,), [(0.1,), (1.0,), (2.5,), (100.0,)]),
    "sqrt": Case(lambda x: x**0.5, lambda x: (0.5 * x**-0.5,),
                 [(0.01,), (1.0,), (2.0,), (9.0,), (1e6,)]),
    "tanh": Case(lambda x: math.expm1(2 * x) / (math.exp(2 * x) + 1.0),
                 lambda x: (1.0 / math.cosh(x) ** 2,),
                 [(-2.0,), (-0.3,), (0.0,), (0.5,), (3.0,)]),
    "sigmoid": Case(lambda x: 1.0 / (1.0 + math.exp(-x)),
                    lambda x: (math.exp(-x) / (1.0 + math.exp(-x)) ** 2,),
                    [(-4.0,), (-0.5,), (0.0,), (1.0,), (5.0,)]),
    "relu": Case(lambda x: max(x, 0.0), lambda x: (1.0 if x > 0 else 0.0,),
                 [(-2.0,), (0.5,), (3.0,), (-1e-8,)]),
    "sin": Case(math.sin, lambda x: (math.cos(x),), [(-1.0,), (0.0,), (0.5,), (2.0,), (4.0,)]),
    "cos": Case(math.cos, lambda x: (-math.sin(x),), [(-1.0,), (0.0,), (0.5,), (2.0,), (4.0,)]),
    "sum": Case(lambda *xs: math.fsum(xs), lambda *xs: (1.0,) * len(xs),
                [(1.5,), (1.0, 2.0), (-1.5, 2.25, 0.1, 4.0)]),
    # dot: w_0..w_(n-1), x_0..x_(n-1), then an optional bias
    "dot": Case(lambda *a: math.fsum(a[i] * a[i + len(a) // 2] for i in range(len(a) // 2))
                + (a[-1] if len(a) % 2 else 0.0),
                lambda *a: (tuple(a[len(a) // 2: 2 * (len(a) // 2)]) + tuple(a[: len(a) // 2])
                            + ((1.0,) if len(a) % 2 else ())),
                [(2.0, 3.0), (2.0, 3.0, 0.5), (0.2, 0.8, -0.5, 1.0, 2.0, 3.0, 2.0),
                 (0.5, -0.25, 4.0, 8.0)]),
}

POINTS = [(name, point) for name, case in CASES.items() for point in case.points]
POINT_IDS = [f"{name}{point}" for name, point in POINTS]


def test_every_row_of_the_op_table_has_closed_forms_here() -> None:
    # a new op must come with its closed forms in this file
    assert set(OPS) == set(CASES)


def test_unary_and_binary_lists_match_arity() -> None:
    assert set(UNARY) == {"neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin",
                          "cos"}
    assert set(BINARY) == {"add", "sub", "mul", "div", "pow", "powv"}
    assert all(OPS[n].arity == 1 for n in UNARY)
    assert all(OPS[n].arity == 2 for n in BINARY)
    assert OPS["sum"].arity is None
    assert OPS["dot"].arity is None


def test_rows_are_named_by_their_key() -> None:
    for name, op in OPS.items():
        assert op.name == name
        assert op.symbol
        assert op.formulas and all(op.formulas)


@pytest.mark.parametrize(("name", "point"), POINTS, ids=POINT_IDS)
def test_forward_matches_closed_form(name: str, point: tuple[float, ...]) -> None:
    out = OPS[name].forward(*point)
    assert type(out) is float or isinstance(out, float)
    assert out == pytest.approx(CASES[name].forward(*point), rel=REL, abs=ABS)


@pytest.mark.parametrize(("name", "point"), POINTS, ids=POINT_IDS)
def test_partials_match_closed_form(name: str, point: tuple[float, ...]) -> None:
    op = OPS[name]
    local = op.partials(op.forward(*point), *point)
    expected = CASES[name].partials(*point)
    assert len(local) == len(point)  # one local derivative per operand slot
    assert [float(d) for d in local] == pytest.approx(list(expected), rel=REL, abs=ABS)


def _central_difference(f: Callable[..., float], point: tuple[float, ...], slot: int) -> float:
    h = 1e-6 * max(1.0, abs(point[slot]))
    hi, lo = list(point), list(point)
    hi[slot] += h
    lo[slot] -= h
    return (f(*hi) - f(*lo)) / (hi[slot] - lo[slot])


@pytest.mark.parametrize(("name", "point"), POINTS, ids=POINT_IDS)
def test_partials_match_central_differences(name: str, point: tuple[float, ...]) -> None:
    op = OPS[name]
    local = op.partials(op.forward(*point), *point)
    for slot in range(len(point)):
        if name == "pow" and slot == 1:
            assert local[slot] == 0.0  # the exponent is a constant: no gradient by design
            continue
        if name in ("abs", "relu") and point[0] + 1e-6 > 0 > point[0] - 1e-6:
            continue  # the difference would straddle the kink
        numeric = _central_difference(op.forward, point, slot)
        assert float(local[slot]) == pytest.approx(numeric, rel=1e-7, abs=1e-8), slot


# -- the same rows reached through Value's operators and methods ----------------------------
def _apply(name: str, args: Sequence[Value]) -> Value:
    """Build the node for row ``name`` through the public API."""
    x = args[0]
    if name == "sum":
        return sum_values(args)
    if name == "dot":
        n = len(args) // 2
        return dot(args[:n], args[n: 2 * n], args[2 * n] if len(args) % 2 else None)
    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
              "div": lambda a, b: a / b, "pow": lambda a, b: a ** b.data,
              "powv": lambda a, b: a**b}
    if name in binary:
        return binary[name](x, args[1])
    if name == "neg":
        return -x
    if name == "abs":
        return abs(x)
    return getattr(x, name)()


@pytest.mark.parametrize(("name", "point"), POINTS, ids=POINT_IDS)
def test_value_api_records_the_row_and_backward_gives_its_partials(
        name: str, point: tuple[float, ...]) -> None:
    args = [Value(p) for p in point]
    out = _apply(name, args)
    assert out.op is OPS[name]
    assert type(out.data) is float  # never an int or a numpy scalar, whatever the row returns
    assert (type(out.grad), out.grad, out.label) == (float, 0.0, "")
    assert type(out.parents) is tuple
    assert len(out.parents) == len(point)
    if name != "pow":  # pow's exponent is lifted from the number, a new constant leaf
        assert all(p is a for p, a in zip(out.parents, args, strict=True))
    assert out.data == pytest.approx(CASES[name].forward(*point), rel=REL, abs=ABS)
    out.backward()
    expected = CASES[name].partials(*point)
    got = [p.grad for p in out.parents]
    assert all(type(g) is float for g in got)
    assert got == pytest.approx(list(expected), rel=REL, abs=ABS)
    assert out.grad == 1.0


def test_kinks_take_zero_as_derivative() -> None:
    # abs and relu at 0: the documented subgradient is 0
    assert OPS["abs"].partials(0.0, 0.0) == (0.0,)
    assert OPS["relu"].partials(0.0, 0.0) == (0.0,)
    for f in (abs, Value.relu):
        x = Value(0.0)
        f(x).backward()
        assert x.grad == 0.0


def test_pow_with_zero_exponent_has_zero_derivative_everywhere() -> None:
    # x ** 0 is the constant 1, so its derivative is 0 even at x = 0 (where x ** -1 is undefined)
    for x0 in (0.0, 2.0, -3.0):
        x = Value(x0)
        y = x**0
        assert y.data == 1.0
        y.backward()
        assert x.grad == 0.0


# -- both operand orders with numbers -------------------------------------------------------
@pytest.mark.parametrize("v0", [0.5, 1.5, 3.0, -2.0])
def test_number_on_either_side(v0: float) -> None:
    cases: list[tuple[Callable[[Value], Value], float, float]] = [
        (lambda v: 2 + v, 2 + v0, 1.0),
        (lambda v: v + 2, v0 + 2, 1.0),
        (lambda v: 2 - v, 2 - v0, -1.0),
        (lambda v: v - 2, v0 - 2, 1.0),
        (lambda v: 2 * v, 2 * v0, 2.0),
        (lambda v: v * 2, v0 * 2, 2.0),
        (lambda v: 2 / v, 2 / v0, -2 / v0**2),
        (lambda v: v / 2, v0 / 2, 0.5),
        (lambda v: 2**v, 2**v0, 2**v0 * math.log(2)),
        (lambda v: v**2, v0**2, 2 * v0),
        (lambda v: v**-1.5 if v0 > 0 else v**3, v0**-1.5 if v0 > 0 else v0**3,
         -1.5 * v0**-2.5 if v0 > 0 else 3 * v0**2),
    ]
    for i, (f, value, derivative) in enumerate(cases):
        v = Value(v0)
        out = f(v)
        assert type(out) is Value, i
        assert out.data == pytest.approx(value, rel=REL, abs=ABS), i
        assert grad(out, [v]) == pytest.approx([derivative], rel=REL, abs=ABS), i


def test_reflected_ops_put_the_number_first() -> None:
    v = Value(3.0)
    for out, op in ((2 - v, "sub"), (2 / v, "div"), (2**v, "powv"), (2 + v, "add"), (2 * v, "mul")):
        assert out.op is OPS[op]
        assert out.parents[1] is v
        assert out.parents[0].data == 2.0
        assert out.parents[0].op is None


def test_value_to_the_power_of_a_value() -> None:
    v, w = Value(1.5), Value(-0.75)
    out = v**w
    assert out.op is OPS["powv"]
    assert out.parents == (v, w)
    assert out.data == pytest.approx(1.5**-0.75, rel=REL)
    out.backward()
    assert v.grad == pytest.approx(-0.75 * 1.5**-1.75, rel=REL)
    assert w.grad == pytest.approx(1.5**-0.75 * math.log(1.5), rel=REL)


def test_number_exponent_slot_gets_zero_gradient() -> None:
    v = Value(2.0)
    out = v**3
    assert out.op is OPS["pow"]
    exponent = out.parents[1]
    out.backward()
    assert v.grad == 12.0
    assert exponent.grad == 0.0


def test_unary_plus_is_identity_and_minus_is_neg() -> None:
    v = Value(2.0)
    assert +v is v
    n = -v
    assert n.op is OPS["neg"]
    assert n.parents == (v,)
    assert n.data == -2.0


# -- parents: one per slot, duplicates kept -------------------------------------------------
def test_parents_one_per_slot_with_duplicates() -> None:
    a, b = Value(2.0), Value(3.0)
    assert (a + a).parents == (a, a)
    assert (a * a).parents == (a, a)
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    assert (a / a).parents == (a, a)
    assert (a**a).parents == (a, a)
    assert a.tanh().parents == (a,)
    for out in (a + a, a * b, a.exp(), -a, abs(a)):
        assert type(out.parents) is tuple


def test_self_operations_count_both_slots() -> None:
    a = Value(3.0)
    for out, derivative in ((a + a, 2.0), (a * a, 6.0), (a - a, 0.0), (a / a, 0.0),
                            (a**a, 27.0 * (1.0 + math.log(3.0)))):
        assert grad(out, [a]) == pytest.approx([derivative], rel=REL, abs=ABS)


def test_sum_values_is_one_nary_node() -> None:
    a, b = Value(1.5), Value(-2.0)
    s = sum_values([a, b, a, 4])
    assert s.op is OPS["sum"]
    assert s.parents[:3] == (a, b, a)
    assert s.parents[3].data == 4.0 and s.parents[3].op is None
    assert s.data == 1.5 - 2.0 + 1.5 + 4.0
    s.backward()
    assert (a.grad, b.grad) == (2.0, 1.0)  # a appears twice: two edges


def test_sum_values_accepts_any_iterable() -> None:
    xs = [Value(float(i)) for i in range(5)]
    s = sum_values(x for x in xs)
    assert s.parents == tuple(xs)
    assert s.data == 10.0
    assert sum_values([Value(7.0)]).data == 7.0


def test_dot_is_one_node_with_weights_inputs_and_bias_slots() -> None:
    ws = [Value(0.2), Value(0.8), Value(-0.5)]
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    b = Value(2.0)
    out = dot(ws, xs, b)
    assert out.op is OPS["dot"]
    assert out.parents == (*ws, *xs, b)
    assert out.data == pytest.approx(2.3, rel=REL)
    out.backward()
    assert [w.grad for w in ws] == [1.0, 2.0, 3.0]
    assert [x.grad for x in xs] == [0.2, 0.8, -0.5]
    assert b.grad == 1.0


def test_dot_without_bias_and_with_numbers() -> None:
    xs = [Value(1.0), Value(-2.0)]
    out = dot([3, 0.5], xs)
    assert len(out.parents) == 4
    assert out.parents[2:] == tuple(xs)
    assert out.data == 3.0 - 1.0
    out.backward()
    assert [x.grad for x in xs] == [3.0, 0.5]


def test_dot_with_shared_operands_accumulates_every_slot() -> None:
    a, b = Value(2.0), Value(5.0)
    out = dot([a, a], [a, b], a)  # a*a + a*b + a
    assert out.parents == (a, a, a, b, a)
    assert out.data == 4.0 + 10.0 + 2.0
    assert grad(out, [a, b]) == [2 * 2.0 + 5.0 + 1.0, 2.0]


# -- formulas and operand names (what the trace and viz print) ------------------------------
def test_operand_names() -> None:
    assert OPS["tanh"].operand_names(1) == ("x",)
    assert OPS["mul"].operand_names(2) == ("x", "y")
    assert OPS["pow"].operand_names(2) == ("x", "n")
    assert OPS["sum"].operand_names(3) == ("x_0", "x_1", "x_2")
    assert OPS["dot"].operand_names(4) == ("w_0", "w_1", "x_0", "x_1")
    assert OPS["dot"].operand_names(5) == ("w_0", "w_1", "x_0", "x_1", "b")


def test_formulas() -> None:
    assert OPS["tanh"].formula(0, 1) == "1 - tanh(x)^2"
    assert OPS["mul"].formula(0, 2) == "y"
    assert OPS["mul"].formula(1, 2) == "x"
    assert OPS["div"].formula(1, 2) == "-x/y^2"
    assert OPS["pow"].formula(0, 2) == "n*x^(n-1)"
    assert OPS["sum"].formula(2, 3) == "1"
    dot_formulas = [OPS["dot"].formula(slot, 5) for slot in range(5)]
    assert dot_formulas == ["x_0", "x_1", "w_0", "w_1", "1"]


def test_every_fixed_arity_row_has_one_formula_per_slot() -> None:
    for name in (*UNARY, *BINARY):
        op = OPS[name]
        assert op.operand_names(op.arity or 0)
        assert len(op.formulas) == op.arity


# -- apply_op: rows of your own get the same treatment as the built-in ones -------------------
def test_apply_op_builds_a_node_the_engine_differentiates() -> None:
    x = Value(3.0)
    out = apply_op(OPS["mul"], x, 2.0)
    assert out.data == 6.0 and out.op is OPS["mul"] and out.parents[0] is x
    assert grad(out, [x]) == [2.0]
    with pytest.raises(TypeError, match="mul takes 2 operands, got 1"):
        apply_op(OPS["mul"], x)
    with pytest.raises(TypeError, match="mul: operand 1 is str"):
        apply_op(OPS["mul"], x, "2")


def test_apply_op_checks_a_custom_row_like_a_built_in_one() -> None:
    log1p = Op("log1p", "log1p", 1, math.log1p, lambda out, x: (1.0 / (1.0 + x),), ("1/(1+x)",),
               "x > -1")
    assert apply_op(log1p, 1e-20).data == 1e-20
    with pytest.raises(ValueError, match=r"log1p is undefined at x = -2\.0 \(needs x > -1\)"):
        apply_op(log1p, -2.0)
    nan_maker = Op("nan_maker", "nm", 1, lambda x: math.nan, lambda out, x: (0.0,), ("0",))
    with pytest.raises(ValueError, match="nan_maker is not a number at x = 1.0"):
        apply_op(nan_maker, 1.0)  # never a silent nan from finite operands


@pytest.mark.parametrize("arity", [1, 2, 3])
@pytest.mark.parametrize("extra", [-1, 1])
def test_partials_that_miscount_their_operands_are_named(arity: int, extra: int) -> None:
    # a row of your own whose partials return one value too few or too many: never silently
    # dropped or ignored, in backward, grad and the trace alike
    row = Op("miscounted", "m", None, lambda *xs: sum(xs),
             lambda out, *xs: (1.0,) * (len(xs) + extra), ("1",))
    xs = [Value(float(i)) for i in range(arity)]
    out = apply_op(row, *xs)
    message = f"partials of miscounted gave {arity + extra} values for {arity} operands"
    for run in (out.backward, lambda: grad(out, xs), lambda: backprop_steps(out)):
        with pytest.raises(ValueError, match=message):
            run()
    assert all(x.grad == 0.0 for x in xs)  # the failed backward changed nothing
