"""Bad input: clear errors naming the op and the operand; nan and inf accepted and propagated."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from autograd import Op, Value, apply_op, backprop_steps, dot, grad, sum_values, walk

NAN, INF = float("nan"), float("inf")


def _single(err: BaseException) -> None:
    """The error is the user's, not a chain of internal ones (no 'During handling of ...')."""
    assert err.__cause__ is None
    assert err.__context__ is None or err.__suppress_context__


# -- non-numbers: TypeError naming the type ---------------------------------------------------
@pytest.mark.parametrize(("data", "type_name"), [
    ("abc", "str"), (None, "NoneType"), ("1.5", "str"), ([1.0], "list"), (1 + 2j, "complex"),
    ({}, "dict"),
])
def test_value_of_a_non_number(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name) as info:
        Value(data)
    _single(info.value)


BINARY: list[tuple[str, Callable[[object, object], object]]] = [
    ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b),  # type: ignore[operator]
    ("/", lambda a, b: a / b), ("**", lambda a, b: a**b),  # type: ignore[operator]
]


@pytest.mark.parametrize(("symbol", "f"), BINARY, ids=[s for s, _ in BINARY])
@pytest.mark.parametrize(("bad", "type_name"), [("x", "str"), (None, "NoneType"), ([1], "list")])
def test_operator_with_a_non_number_names_its_type(
        symbol: str, f: Callable[[object, object], object], bad: object, type_name: str) -> None:
    # Value * sequence ends in Python's own sequence-repeat message, which still says what is wrong
    pattern = rf"'{type_name}'|can't multiply sequence" if symbol == "*" else rf"'{type_name}'"
    with pytest.raises(TypeError, match=pattern):
        f(Value(2.0), bad)


@pytest.mark.parametrize(("symbol", "f"), BINARY, ids=[s for s, _ in BINARY])
def test_non_number_on_the_left_is_a_type_error(
        symbol: str, f: Callable[[object, object], object]) -> None:
    with pytest.raises(TypeError):
        f(None, Value(2.0))
    with pytest.raises(TypeError):
        f("x", Value(2.0))


def test_dot_and_sum_values_name_the_bad_operand() -> None:
    with pytest.raises(TypeError, match=r"dot.*operand 1.*str"):
        dot([Value(1.0), "w"], [1.0, 2.0])
    with pytest.raises(TypeError, match=r"sum.*operand 2.*NoneType"):
        sum_values([1.0, Value(2.0), None])
    with pytest.raises(ValueError, match=r"2 weights but 3 inputs"):
        dot([1.0, 2.0], [Value(1.0), Value(2.0), Value(3.0)])
    with pytest.raises(ValueError, match=r"sum_values.*at least one"):
        sum_values([])


def test_grad_rejects_non_values() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"output.*float"):
        grad(1.0, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"input 1.*float"):
        grad(x * 2, [x, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"grad: inputs must be a Value or a sequence.*None"):
        grad(x * 2, None)  # type: ignore[arg-type]


def test_apply_op_rejects_a_name_for_a_row() -> None:
    with pytest.raises(TypeError, match=r"apply_op: op must be an Op.*OPS\['log'\].*str 'log'"):
        apply_op("log", Value(2.0))  # type: ignore[arg-type]


@pytest.mark.parametrize("result", [1 + 1j, None, "1.0", [1.0]])
def test_a_forward_that_returns_a_non_number_is_named(result: object) -> None:
    row = Op("odd", "odd", 1, lambda x: result, lambda out, x: (1.0,), ("1",))
    with pytest.raises(TypeError, match=rf"the forward of odd returned {type(result).__name__}"):
        apply_op(row, Value(1.0))


def test_a_number_too_large_for_a_float_is_named() -> None:
    for build in (lambda: Value(10**400), lambda: Value(1.0) * 10**400,
                  lambda: 10**400 - Value(1.0)):
        with pytest.raises(OverflowError, match=r"fits a float.*got int 1000") as info:
            build()
        _single(info.value)
        assert len(str(info.value)) < 200  # the 401 digits are cut short


def test_a_wide_node_lists_a_few_operands_in_its_message() -> None:
    with pytest.raises(OverflowError, match=r"sum overflows.*x_3 = 1e\+308, \.\.\. \(100 operands\)"
                       ) as info:
        sum_values([Value(1e308)] * 100)
    assert "x_4" not in str(info.value)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("seed", ["abc", None, [1.0]])
def test_bad_seed_gradient_says_it_is_the_seed(seed: object, create_graph: bool) -> None:
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match="seed") as info:
        y.backward(seed, create_graph=create_graph)  # type: ignore[arg-type]
    assert type(seed).__name__ in str(info.value)


# -- domain errors: the op and the operand value in the message -------------------------------
DOMAIN: list[tuple[str, Callable[[], Value], type[Exception], str]] = [
    ("log(0)", lambda: Value(0).log(), ValueError, r"log.*x = 0\.0"),
    ("log(-1)", lambda: Value(-1).log(), ValueError, r"log.*x = -1\.0"),
    ("log(-inf)", lambda: Value(-INF).log(), ValueError, r"log.*-inf"),
    ("sqrt(-1)", lambda: Value(-1).sqrt(), ValueError, r"sqrt.*x = -1\.0"),
    ("v/0", lambda: Value(3.0) / 0, ZeroDivisionError, r"div.*x = 3\.0.*y = 0\.0"),
    ("v/Value(0)", lambda: Value(3.0) / Value(0.0), ZeroDivisionError, r"div.*y = 0\.0"),
    ("2/Value(0)", lambda: 2 / Value(0.0), ZeroDivisionError, r"div.*x = 2\.0.*y = 0\.0"),
    ("0**-1", lambda: Value(0) ** -1, ZeroDivisionError, r"pow.*x = 0\.0.*n = -1\.0"),
    ("0**-0.5", lambda: Value(0) ** -0.5, ZeroDivisionError, r"pow.*x = 0\.0.*n = -0\.5"),
    ("(-8)**(1/3)", lambda: Value(-8) ** (1 / 3), ValueError, r"pow.*x = -8\.0"),
    ("(-inf)**0.5", lambda: Value(-INF) ** 0.5, ValueError, r"pow.*x = -inf.*n = 0\.5"),
    ("(-inf)**-1.5", lambda: Value(-INF) ** -1.5, ValueError, r"pow.*x = -inf.*n = -1\.5"),
    ("0**Value(2)", lambda: Value(0.0) ** Value(2.0), ValueError, r"powv.*x = 0\.0"),
    ("(-2)**Value(2)", lambda: (-2) ** Value(2.0), ValueError, r"powv.*x = -2\.0"),
    ("exp(1000)", lambda: Value(1000).exp(), OverflowError, r"exp.*x = 1000\.0"),
    ("1e308*10", lambda: Value(1e308) * 10, OverflowError, r"mul.*x = 1e\+308.*y = 10\.0"),
    ("10*1e308", lambda: 10 * Value(1e308), OverflowError, r"mul.*x = 10\.0.*y = 1e\+308"),
    ("1e308+1e308", lambda: Value(1e308) + 1e308, OverflowError, r"add.*1e\+308"),
    ("-1e308-1e308", lambda: Value(-1e308) - 1e308, OverflowError, r"sub.*-1e\+308"),
    ("1/1e-320", lambda: 1 / Value(1e-320), OverflowError, r"div.*y = 1e-320"),
    ("1e200**2", lambda: Value(1e200) ** 2, OverflowError, r"pow.*x = 1e\+200.*n = 2\.0"),
    ("2**Value(2000)", lambda: 2 ** Value(2000.0), OverflowError, r"powv.*y = 2000\.0"),
]


@pytest.mark.parametrize(("build", "kind", "pattern"), [d[1:] for d in DOMAIN],
                         ids=[d[0] for d in DOMAIN])
def test_domain_errors_name_the_op_and_the_operand(
        build: Callable[[], Value], kind: type[Exception], pattern: str) -> None:
    with pytest.raises(kind, match=pattern) as info:
        build()
    assert type(info.value) is kind  # not a subclass standing in for it
    _single(info.value)
    assert "math domain error" not in str(info.value)
    assert "float division by zero" not in str(info.value)


def test_exp_just_below_overflow_works() -> None:
    assert Value(709.0).exp().data == pytest.approx(math.exp(709.0), rel=1e-15)


def test_a_failed_op_leaves_its_operands_usable() -> None:
    x = Value(-1.0)
    with pytest.raises(ValueError):
        x.log()
    y = x * 2
    y.backward()
    assert x.grad == 2.0


# -- derivative domain errors at backward -----------------------------------------------------
BACKWARD_DOMAIN: list[tuple[str, Callable[[Value], Value], float, str]] = [
    ("sqrt at 0", Value.sqrt, 0.0, r"derivative of sqrt.*x = 0\.0"),
    ("x**0.5 at 0", lambda x: x**0.5, 0.0, r"derivative of pow.*x = 0\.0.*n = 0\.5"),
    ("x**0.25 at 0", lambda x: x**0.25, 0.0,
     r"derivative of pow.*x = 0\.0.*needs.*x > 0 to differentiate for 0 < n < 1"),
]


@pytest.mark.parametrize(("build", "x0", "pattern"), [d[1:] for d in BACKWARD_DOMAIN],
                         ids=[d[0] for d in BACKWARD_DOMAIN])
def test_derivative_domain_errors_at_backward(
        build: Callable[[Value], Value], x0: float, pattern: str) -> None:
    x = Value(x0)
    y = build(x) * 3
    assert y.data == 0.0  # the forward is fine
    with pytest.raises(ZeroDivisionError, match=pattern) as info:
        y.backward()
    _single(info.value)
    with pytest.raises(ZeroDivisionError, match=pattern):
        grad(y, [x])
    with pytest.raises(ZeroDivisionError, match=pattern):
        grad(y, [x], create_graph=True)


def test_a_failed_backward_leaves_every_grad_untouched() -> None:
    # gradients gather in a structure local to the pass, so a failure must not half-apply them
    x, w = Value(0.0), Value(2.0)
    y = x.sqrt() * w + w
    with pytest.raises(ZeroDivisionError):
        y.backward()
    assert [n.grad for n in walk(y)] == [0.0] * len(walk(y))


def test_no_pass_leaves_anything_behind_on_the_nodes() -> None:
    # each node's scratch gradient is cleared after every pass, failed or not: a graph keeps
    # no gradient Values of a create_graph pass alive, and the next pass starts clean
    x, w = Value(0.5), Value(2.0)
    y = (x * w).tanh() + x.sqrt() * w
    nodes = walk(y)
    runs: list[Callable[[], object]] = [y.backward, lambda: y.backward(create_graph=True),
                                        lambda: grad(y, [x, w]), lambda: backprop_steps(y)]
    for run in runs:
        run()
        assert all(n._g is None for n in nodes)
    bad = Value(0.0).sqrt() * w
    with pytest.raises(ZeroDivisionError):
        bad.backward()
    assert all(n._g is None for n in walk(bad))
    assert grad(y, [x, w]) == grad(y, [x, w])  # and passes repeat exactly


# -- tanh and sigmoid never overflow ----------------------------------------------------------
@pytest.mark.parametrize(("op", "x0", "out"), [
    *[("tanh", x0, t) for x0, t in [(1000.0, 1.0), (-1000.0, -1.0), (1e308, 1.0), (-1e308, -1.0),
                                    (710.0, 1.0), (-800.0, -1.0)]],
    *[("sigmoid", x0, s) for x0, s in [(1000.0, 1.0), (-1000.0, 0.0), (1e308, 1.0),
                                       (-1e308, 0.0), (750.0, 1.0), (-750.0, 0.0)]]])
def test_tanh_and_sigmoid_saturate_with_zero_gradient(op: str, x0: float, out: float) -> None:
    x = Value(x0)
    y = getattr(x, op)()
    assert y.data == out
    y.backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("x0", [-40.0, -200.0, -700.0, -745.0])
def test_sigmoid_keeps_precision_far_left(x0: float) -> None:
    # 1 - sigmoid(-x) would cancel to 0 here; the stable branch keeps the tiny value
    x = Value(x0)
    y = x.sigmoid()
    assert y.data > 0.0
    assert y.data == pytest.approx(math.exp(x0) / (1.0 + math.exp(x0)), rel=1e-14)
    y.backward()
    assert x.grad == pytest.approx(y.data * (1.0 - y.data), rel=1e-14)


# -- nan and inf: accepted and propagated -----------------------------------------------------
@pytest.mark.parametrize("data", [NAN, INF, -INF])
def test_non_finite_data_is_accepted(data: float) -> None:
    v = Value(data)
    assert type(v.data) is float
    assert v.data == data or (math.isnan(v.data) and math.isnan(data))


UNARY_ON_NAN = ["__neg__", "__abs__", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin",
                "cos"]


@pytest.mark.parametrize("method", UNARY_ON_NAN)
def test_nan_propagates_through_unary_ops(method: str) -> None:
    assert math.isnan(getattr(Value(NAN), method)().data)


@pytest.mark.parametrize(("name", "f"), [
    ("nan+1", lambda: Value(NAN) + 1), ("1-nan", lambda: 1 - Value(NAN)),
    ("nan*2", lambda: Value(NAN) * 2), ("2/nan", lambda: 2 / Value(NAN)),
    ("nan**2", lambda: Value(NAN) ** 2), ("2**nan", lambda: 2 ** Value(NAN)),
    ("nan**Value(2)", lambda: Value(NAN) ** Value(2.0)),
    ("inf*0", lambda: Value(INF) * 0), ("inf-inf", lambda: Value(INF) - Value(INF)),
    ("inf/inf", lambda: Value(INF) / Value(INF)),
])
def test_nan_propagates_through_binary_ops(name: str, f: Callable[[], Value]) -> None:
    assert math.isnan(f().data)


@pytest.mark.parametrize(("name", "f", "expected"), [
    ("inf+1", lambda: Value(INF) + 1, INF), ("-inf*2", lambda: Value(-INF) * 2, -INF),
    ("-inf", lambda: -Value(INF), -INF), ("abs(-inf)", lambda: abs(Value(-INF)), INF),
    ("exp(inf)", lambda: Value(INF).exp(), INF), ("exp(-inf)", lambda: Value(-INF).exp(), 0.0),
    ("log(inf)", lambda: Value(INF).log(), INF), ("sqrt(inf)", lambda: Value(INF).sqrt(), INF),
    ("tanh(inf)", lambda: Value(INF).tanh(), 1.0), ("tanh(-inf)", lambda: Value(-INF).tanh(), -1.0),
    ("sigmoid(inf)", lambda: Value(INF).sigmoid(), 1.0),
    ("sigmoid(-inf)", lambda: Value(-INF).sigmoid(), 0.0),
    ("relu(inf)", lambda: Value(INF).relu(), INF), ("relu(-inf)", lambda: Value(-INF).relu(), 0.0),
    ("1/inf", lambda: 1 / Value(INF), 0.0), ("2**-inf", lambda: 2 ** Value(-INF), 0.0),
    ("(-inf)**2", lambda: Value(-INF) ** 2, INF), ("(-inf)**3", lambda: Value(-INF) ** 3, -INF),
    ("(-inf)**-2", lambda: Value(-INF) ** -2, 0.0),
])
def test_inf_propagates(name: str, f: Callable[[], Value], expected: float) -> None:
    assert f().data == expected


@pytest.mark.parametrize("x0", [INF, -INF])
@pytest.mark.parametrize("method", ["sin", "cos"])
def test_sin_and_cos_of_infinity_propagate_as_nan(method: str, x0: float) -> None:
    # like inf - inf: an explicit non-finite operand may give nan, and that is not an error
    x = Value(x0)
    y = getattr(x, method)()
    assert math.isnan(y.data)
    y.backward()  # the derivative there (cos(inf)) is nan too, not an error
    assert math.isnan(x.grad)
    assert math.isnan(grad(y, [x])[0])
    assert math.isnan(grad(y, [x], create_graph=True)[0].data)


def test_nan_propagates_through_backward() -> None:
    x, w = Value(NAN), Value(2.0)
    y = (x * w).tanh() + w
    y.backward()
    assert math.isnan(y.data)
    assert math.isnan(x.grad)
    assert math.isnan(w.grad)


# -- numbers of other types stored in .data -------------------------------------------------
NUMPY_DATA: list[tuple[str, Callable[[Value], Value]]] = [
    ("relu", lambda x: (x * 2).relu()), ("abs", abs), ("tanh", Value.tanh),
    ("sigmoid", Value.sigmoid), ("sin", Value.sin), ("cos", Value.cos), ("log", Value.log),
    ("pow", lambda x: x**1.5), ("powv", lambda x: x ** (x + 1)), ("exp", Value.exp),
]


@pytest.mark.parametrize("build", [d[1] for d in NUMPY_DATA], ids=[d[0] for d in NUMPY_DATA])
def test_a_numpy_number_assigned_to_data_works_like_a_float(
        build: Callable[[Value], Value]) -> None:
    # e.g. p.data -= lr * p.grad with a learning rate from np.linspace
    plain, mixed = Value(0.7), Value(0.7)
    mixed.data = np.linspace(0.0, 0.7, 2)[1]
    assert type(mixed.data) is float  # .data makes whatever real is stored a float
    ys = [build(plain), build(mixed)]
    assert type(ys[1].data) is float and ys[1].data == ys[0].data
    for y in ys:
        y.backward()
    assert mixed.grad == plain.grad
    assert grad(build(mixed), [mixed], create_graph=True)[0].data == plain.grad
