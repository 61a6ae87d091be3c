"""The op table: every primitive is one row holding its forward and its local partials.

A row's ``partials(out, *inputs)`` returns d out / d input_i for every operand slot. The same
rule serves floats (ordinary backward) and Values (``create_graph=True``), so rules only use
arithmetic operators and the dispatching helpers below. The chain rule lives in the engine.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ALL_REALS", "BINARY", "OPS", "UNARY", "Op", "dot_sum", "substitute"]

ALL_REALS = "all real numbers"  # the domain of a row that accepts every real operand


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: its name, symbol, forward, local partials, formulas and domain.

    ``kink(*inputs)``, for a row whose derivative jumps (relu, abs), says whether the operands
    sit where it does; gradcheck then accepts the row's convention there (relu'(0) = 0).
    """

    name: str
    symbol: str
    arity: int | None  # None: n-ary
    forward: Callable[..., float]
    partials: Callable[..., tuple[Any, ...]]  # (out, *inputs) -> d out / d input_i
    formulas: tuple[str, ...]  # per operand slot, for people: "1 - tanh(x)^2"
    domain: str = ALL_REALS
    kink: Callable[..., bool] | None = None  # (*inputs) -> whether the derivative jumps here

    def operand_names(self, nargs: int) -> tuple[str, ...]:
        """The names the formulas give the ``nargs`` operands: x, y, n, or x_i / w_i, b.

        Indices count from 0, as Python's do: ``w_3`` is ``neuron.w[3]`` (``...w.3``)."""
        if self.name == "dot":  # slots: w_0..w_(n-1), x_0..x_(n-1), then an optional bias
            n = nargs // 2
            ws = tuple(f"w_{i}" for i in range(n))
            return ws + tuple(f"x_{i}" for i in range(n)) + ("b",) * (nargs % 2)
        if self.arity is None:
            return tuple(f"x_{i}" for i in range(nargs))
        return ("x", "n") if self.name == "pow" else ("x", "y")[:nargs]

    def formula(self, slot: int, nargs: int) -> str:
        """The formula of d out / d operand ``slot``, in the names of ``operand_names``."""
        if self.name == "dot":
            name = self.operand_names(nargs)[slot]
            return "1" if name == "b" else name.translate(str.maketrans("wx", "xw"))
        return self.formulas[min(slot, len(self.formulas) - 1)]

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def _real(v: Any) -> bool:
    # Rules see numbers in backward (floats, or whatever real a user stored in .data, e.g. a
    # numpy float) and Values under create_graph; this tells which, floats first.
    return type(v) is float or isinstance(v, numbers.Real)


def _num(v: Any) -> float:
    """A rule's operand as a float, whether it is a number or a Value."""
    if type(v) is float:
        return v
    return float(v) if isinstance(v, numbers.Real) else v.data


def _sign(x: Any) -> float:
    x = _num(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else x  # 0 at the kink


def _step(x: Any) -> float:
    x = _num(x)
    return 1.0 if x > 0.0 else 0.0 if x <= 0.0 else x  # 0 at the kink; nan stays nan


def _at_zero(x: float) -> bool:
    return x == 0.0


def _cos(x: Any) -> Any:
    return math.cos(x) if _real(x) else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if _real(x) else x.sin()


def _log(x: Any) -> Any:
    return math.log(x) if _real(x) else x.log()


def _sigmoid(x: float) -> float:
    # Two branches so exp never overflows: exp(-|x|) is at most 1.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sig(x: Any) -> Any:
    return _sigmoid(x) if _real(x) else x.sigmoid()


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan fails the test and propagates


def _pow(x: float, n: float) -> float:
    if x == 0.0 and n < 0.0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    if x == -math.inf and math.isfinite(n) and not n.is_integer():  # IEEE says +inf or 0
        raise ValueError("math domain error")  # as sqrt(-inf) does
    return math.pow(x, n)  # math.pow raises on a finite negative base, fractional exponent


def _power_rule(x: Any, n: Any) -> Any:
    k = _num(n)  # the exponent as a float: it is a constant, so nothing flows into it
    return k * x ** (k - 1.0) if k != 0.0 else 0.0  # x ** 0 is constant, even at x = 0


def _powv(x: float, y: float) -> float:
    if x <= 0.0:  # d(x**y)/dy = x**y * log(x) needs x > 0 (nan propagates)
        raise ValueError("math domain error")
    return math.pow(x, y)


def _sum(*xs: float) -> float:
    return sum(xs, 0.0)


def dot_sum(ws: Sequence[float], xs: Sequence[float]) -> float:
    """w_0*x_0 + w_1*x_1 + ... added left to right from 0.0: the dot row's forward before its
    bias, shared with the tape's replay so that both add in the same order."""
    return sum(map(operator.mul, ws, xs), 0.0)


def _dot(*args: float) -> float:
    n = len(args) // 2
    total = dot_sum(args[:n], args[n : 2 * n])
    return total + args[2 * n] if len(args) % 2 else total


def _dot_partials(out: Any, *args: Any) -> tuple[Any, ...]:
    n = len(args) // 2
    local = args[n : 2 * n] + args[:n]  # d/dw_i = x_i, d/dx_i = w_i
    return local + (1.0,) if len(args) % 2 else local


# fmt: off
# name, symbol, arity, forward, partials (out, *inputs) -> d out / d input_i, formulas, domain
OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", "+", 2, operator.add, lambda out, x, y: (1.0, 1.0), ("1", "1")),
    Op("sub", "-", 2, operator.sub, lambda out, x, y: (1.0, -1.0), ("1", "-1")),
    Op("mul", "*", 2, operator.mul, lambda out, x, y: (y, x), ("y", "x")),
    Op("div", "/", 2, operator.truediv, lambda out, x, y: (1.0 / y, -out / y),
         ("1/y", "-x/y^2"), "y != 0"),
    Op("neg", "-", 1, operator.neg, lambda out, x: (-1.0,), ("-1",)),
    # x ** n with a number n: n is a constant operand, so its slot gets no gradient
    Op("pow", "**", 2, _pow, lambda out, x, n: (_power_rule(x, n), 0.0),
         ("n*x^(n-1)", "0 (constant exponent)"),
         "x != 0 for n < 0, x >= 0 for fractional n, and x > 0 to differentiate for 0 < n < 1"),
    # x ** y with a Value y: both slots differentiable, so the base must be positive
    Op("powv", "**", 2, _powv, lambda out, x, y: (y * x ** (y - 1.0), out * _log(x)),
         ("y*x^(y-1)", "x^y*log(x)"), "x > 0"),
    Op("abs", "abs", 1, abs, lambda out, x: (_sign(x),), ("sign(x)",), kink=_at_zero),
    Op("exp", "exp", 1, math.exp, lambda out, x: (out,), ("exp(x)",), "x <= 709.78"),
    Op("log", "log", 1, math.log, lambda out, x: (1.0 / x,), ("1/x",), "x > 0"),
    Op("sqrt", "sqrt", 1, math.sqrt, lambda out, x: (0.5 / out,), ("1/(2*sqrt(x))",),
         "x >= 0, and x > 0 to differentiate"),
    # 1 - tanh(x)^2 and s(x)*(1 - s(x)) cancel to 0 as |x| grows; these equal forms do not
    Op("tanh", "tanh", 1, math.tanh, lambda out, x: (4.0 * _sig(2.0 * x) * _sig(-2.0 * x),),
         ("1 - tanh(x)^2",)),
    Op("sigmoid", "sigmoid", 1, _sigmoid, lambda out, x: (out * _sig(-x),),
         ("sigmoid(x)*(1 - sigmoid(x))",)),
    Op("relu", "relu", 1, _relu, lambda out, x: (_step(x),),
         ("1 if x > 0 else 0",), kink=_at_zero),
    Op("sin", "sin", 1, math.sin, lambda out, x: (_cos(x),), ("cos(x)",)),
    Op("cos", "cos", 1, math.cos, lambda out, x: (-_sin(x),), ("-sin(x)",)),
    Op("sum", "sum", None, _sum, lambda out, *xs: (1.0,) * len(xs), ("1",)),
    Op("dot", "dot", None, _dot, _dot_partials, ("x_i", "w_i", "1")),  # w.x (+ b)
)}
# fmt: on

UNARY = tuple(name for name, op in OPS.items() if op.arity == 1)
BINARY = tuple(name for name, op in OPS.items() if op.arity == 2)

_NAME = re.compile(r"\b([a-z](?:_\d+)?)\b")


def substitute(formula: str, names: dict[str, str]) -> str:
    """Replace the operand names in ``formula`` (x, y, n, w_1, ...) with ``names``."""
    return _NAME.sub(lambda m: names.get(m.group(1), m.group(1)), formula)
