"""`grad`: purity, and second and third derivatives of every differentiable op via create_graph."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import pytest

from autograd import OPS, Value, dot, grad, sum_values, walk

REL, ABS = 1e-12, 1e-14


def _hessian(out: Value, args: Sequence[Value]) -> list[list[float]]:
    """d^2 out / d args_i d args_j through grad of grad."""
    first = grad(out, args, create_graph=True)
    assert all(type(g) is Value for g in first)
    return [grad(g, args) for g in first]


# -- purity -----------------------------------------------------------------------------------
def test_grad_touches_no_grad() -> None:
    x, y = Value(0.7), Value(-1.2)
    out = (x * y).tanh() + x.exp() * y
    nodes = walk(out)
    for i, n in enumerate(nodes):
        n.grad = 100.0 + i  # sentinels: any write would show
    sentinels = [n.grad for n in nodes]
    first = grad(out, [x, y])
    assert [n.grad for n in nodes] == sentinels
    first_v = grad(out, [x, y], create_graph=True)
    assert [n.grad for n in nodes] == sentinels
    assert [g.data for g in first_v] == pytest.approx(first, rel=1e-15)
    second = grad(first_v[0], [x, y])
    assert [n.grad for n in nodes] == sentinels
    # the nodes of the derivative graph were not written either
    assert all(n.grad == 0.0 for n in walk(first_v[0]) if n not in set(nodes))
    assert len(second) == 2


def test_grad_returns_floats_by_default_and_values_with_create_graph() -> None:
    x = Value(2.0)
    y = x * x
    plain = grad(y, [x])
    assert plain == [4.0]
    assert type(plain[0]) is float
    built = grad(y, [x], create_graph=True)
    assert type(built[0]) is Value
    assert built[0].data == 4.0


def test_grad_of_a_single_input_and_of_unrelated_inputs() -> None:
    x, z = Value(3.0), Value(5.0)
    y = x**2
    assert grad(y, x) == [6.0]
    assert grad(y, [x, z, x]) == [6.0, 0.0, 6.0]
    built = grad(y, [z], create_graph=True)
    assert type(built[0]) is Value
    assert built[0].data == 0.0
    assert grad(built[0], [z]) == [0.0]


def test_grad_with_respect_to_an_intermediate_node() -> None:
    x = Value(1.5)
    mid = x * x
    out = mid.sin() * 3
    assert grad(out, [mid, x]) == pytest.approx(
        [3 * math.cos(2.25), 3 * math.cos(2.25) * 3.0], rel=1e-15)


# -- second derivatives -----------------------------------------------------------------------
def test_second_derivative_of_cube() -> None:
    x = Value(2.0)
    (dy,) = grad(x**3, [x], create_graph=True)
    assert dy.data == 12.0
    assert grad(dy, [x]) == [12.0]


class Second(NamedTuple):
    """How to build an op from Values, and its Hessian in closed form."""

    build: Callable[..., Value]
    hessian: Callable[..., list[list[float]]]
    points: Sequence[tuple[float, ...]]


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _unary(f2: Callable[[float], float]) -> Callable[[float], list[list[float]]]:
    return lambda x: [[f2(x)]]


SECOND: dict[str, Second] = {
    "add": Second(lambda x, y: x + y, lambda x, y: [[0.0, 0.0], [0.0, 0.0]], [(1.0, 2.0)]),
    "sub": Second(lambda x, y: x - y, lambda x, y: [[0.0, 0.0], [0.0, 0.0]], [(1.0, 2.0)]),
    "mul": Second(lambda x, y: x * y, lambda x, y: [[0.0, 1.0], [1.0, 0.0]],
                  [(1.5, -2.0), (0.0, 3.0)]),
    "div": Second(lambda x, y: x / y,
                  lambda x, y: [[0.0, -1.0 / y**2], [-1.0 / y**2, 2.0 * x / y**3]],
                  [(1.0, 2.0), (-3.0, 0.5), (2.5, -4.0)]),
    "neg": Second(lambda x: -x, _unary(lambda x: 0.0), [(2.0,)]),
    # x ** n with a constant n: only d^2/dx^2 (the exponent is not a variable)
    "pow": Second(lambda x, n=3.0: x**n, _unary(lambda x: 6.0 * x), [(2.0,), (-1.5,), (0.3,)]),
    "powv": Second(lambda x, y: x**y,
                   lambda x, y: [
                       [y * (y - 1.0) * x ** (y - 2.0), x ** (y - 1.0) * (1.0 + y * math.log(x))],
                       [x ** (y - 1.0) * (1.0 + y * math.log(x)), x**y * math.log(x) ** 2]],
                   [(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.0, 4.0)]),
    "abs": Second(abs, _unary(lambda x: 0.0), [(-2.5,), (0.7,)]),
    "exp": Second(Value.exp, _unary(math.exp), [(-3.0,), (0.0,), (1.5,)]),
    "log": Second(Value.log, _unary(lambda x: -1.0 / x**2), [(0.1,), (1.0,), (2.5,)]),
    "sqrt": Second(Value.sqrt, _unary(lambda x: -0.25 * x**-1.5), [(0.25,), (1.0,), (9.0,)]),
    "tanh": Second(Value.tanh,
                   _unary(lambda x: -2.0 * math.tanh(x) / math.cosh(x) ** 2),
                   [(-2.0,), (0.0,), (0.5,), (1.3,)]),
    "sigmoid": Second(Value.sigmoid,
                      _unary(lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x))),
                      [(-4.0,), (0.0,), (1.0,), (3.0,)]),
    "relu": Second(Value.relu, _unary(lambda x: 0.0), [(-2.0,), (0.5,)]),
    "sin": Second(Value.sin, _unary(lambda x: -math.sin(x)), [(-1.0,), (0.0,), (0.5,), (2.0,)]),
    "cos": Second(Value.cos, _unary(lambda x: -math.cos(x)), [(-1.0,), (0.0,), (0.5,), (2.0,)]),
    "sum": Second(lambda *xs: sum_values(xs), lambda *xs: [[0.0] * len(xs)] * len(xs),
                  [(1.0, 2.0, 3.0)]),
    # w1 x1 + w2 x2 + b: the only non-zero second derivatives pair w_i with x_i
    "dot": Second(lambda w1, w2, x1, x2, b: dot([w1, w2], [x1, x2], b),
                  lambda *a: [[1.0 if {i, j} in ({0, 2}, {1, 3}) else 0.0 for j in range(5)]
                              for i in range(5)],
                  [(0.2, 0.8, 1.0, 2.0, 0.5)]),
}

SECOND_POINTS = [(name, p) for name, case in SECOND.items() for p in case.points]
SECOND_IDS = [f"{name}{p}" for name, p in SECOND_POINTS]


def test_every_op_has_second_derivatives_here() -> None:
    assert set(SECOND) == set(OPS)


@pytest.mark.parametrize(("name", "point"), SECOND_POINTS, ids=SECOND_IDS)
def test_second_derivatives_match_closed_forms(name: str, point: tuple[float, ...]) -> None:
    args = [Value(p) for p in point]
    out = SECOND[name].build(*args)
    assert out.op is OPS[name]
    got = _hessian(out, args)
    expected = SECOND[name].hessian(*point)
    for row, exp_row in zip(got, expected, strict=True):
        assert row == pytest.approx(exp_row, rel=REL, abs=ABS)


@pytest.mark.parametrize(("name", "point"), SECOND_POINTS, ids=SECOND_IDS)
def test_second_derivatives_match_differences_of_first(name: str, point: tuple[float, ...]) -> None:
    # independent of the closed forms: a central difference of the float gradient
    args = [Value(p) for p in point]
    got = _hessian(SECOND[name].build(*args), args)
    for j in range(len(point)):
        h = 1e-5 * max(1.0, abs(point[j]))
        hi, lo = list(point), list(point)
        hi[j] += h
        lo[j] -= h
        vhi, vlo = [Value(p) for p in hi], [Value(p) for p in lo]
        ghi = grad(SECOND[name].build(*vhi), vhi)
        glo = grad(SECOND[name].build(*vlo), vlo)
        for i in range(len(point)):
            numeric = (ghi[i] - glo[i]) / (hi[j] - lo[j])
            assert got[i][j] == pytest.approx(numeric, rel=1e-6, abs=1e-7), (i, j)


def test_mixed_second_derivatives_are_symmetric() -> None:
    x, y, z = Value(0.6), Value(1.7), Value(-0.4)
    out = (x * y).sin() * z.exp() + x**y / (z * z + 1) + (x - z).tanh() * y.sigmoid()
    h = _hessian(out, [x, y, z])
    for i in range(3):
        for j in range(i):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-12, abs=1e-14)


def test_second_derivative_of_composite_against_closed_form() -> None:
    # f(x) = exp(sin x) -> f'' = exp(sin x) (cos^2 x - sin x)
    for x0 in (-0.8, 0.3, 2.0):
        x = Value(x0)
        f = x.sin().exp()
        (d1,) = grad(f, [x], create_graph=True)
        assert d1.data == pytest.approx(math.exp(math.sin(x0)) * math.cos(x0), rel=1e-14)
        (d2,) = grad(d1, [x])
        expected = math.exp(math.sin(x0)) * (math.cos(x0) ** 2 - math.sin(x0))
        assert d2 == pytest.approx(expected, rel=1e-13)


def test_second_derivative_with_a_reused_node() -> None:
    # b = x*x reused: f = b*b + b = x^4 + x^2 -> f'' = 12 x^2 + 2
    x = Value(1.5)
    b = x * x
    f = b * b + b
    (d1,) = grad(f, [x], create_graph=True)
    assert grad(d1, [x]) == pytest.approx([12 * 2.25 + 2], rel=1e-15)


# -- third derivatives ------------------------------------------------------------------------
def _nth(build: Callable[[Value], Value], x0: float, n: int) -> float:
    x = Value(x0)
    d = build(x)
    for _ in range(n - 1):
        (d,) = grad(d, [x], create_graph=True)
    (last,) = grad(d, [x])
    return float(last)


@pytest.mark.parametrize(("build", "third", "points"), [
    (lambda x: x**4, lambda x: 24.0 * x, (2.0, -1.0, 0.5)),
    (lambda x: x**3, lambda x: 6.0, (0.0, 1.5)),
    (lambda x: x**2, lambda x: 0.0, (0.0, 1.5)),  # its second derivative is the constant 2
    (Value.sin, lambda x: -math.cos(x), (0.0, 1.0, 2.5)),
    (lambda x: (2 * x).exp(), lambda x: 8.0 * math.exp(2 * x), (-1.0, 0.0, 0.7)),
    (Value.log, lambda x: 2.0 / x**3, (0.5, 1.0, 3.0)),
    (Value.tanh, lambda x: -2.0 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2),
     (-1.0, 0.0, 0.4)),
    (lambda x: 1 / x, lambda x: -6.0 / x**4, (0.5, -2.0)),
], ids=["x**4", "x**3", "x**2", "sin", "exp(2x)", "log", "tanh", "1/x"])
def test_third_derivatives(build: Callable[[Value], Value], third: Callable[[float], float],
                           points: tuple[float, ...]) -> None:
    for x0 in points:
        assert _nth(build, x0, 3) == pytest.approx(third(x0), rel=1e-12, abs=1e-14), x0


def test_fourth_derivative_of_sin_is_sin() -> None:
    for x0 in (0.3, 1.1):
        assert _nth(Value.sin, x0, 4) == pytest.approx(math.sin(x0), rel=1e-13)
