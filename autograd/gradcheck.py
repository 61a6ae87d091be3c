"""Check derivatives against finite differences: `gradcheck` returns a report, `assert_gradcheck`
raises with it, `find_culprit` names the node whose own rule is wrong. (The report objects live
in `autograd._report`, Ridders' method in `autograd._ridders`, a node's own rule in
`autograd._local`.)

Every partial derivative is checked on its own (a scalar engine can afford it), so a failure
names its input; ``order=2`` checks each component of ``grad(f, create_graph=True)`` the same
way (HIPS autograd's ``check_grads`` recursion). The numeric side is Ridders' method: central
differences at steps h, h/2, h/4, ... extrapolated in a Richardson tableau, with an error
estimate never below the round-off of the values subtracted. Steps are powers of two scaled to
the input's binade, so ``x + h`` and ``x - h`` are exact and ``x * x`` checks as well at 1e12 as
at 1. Kinks come from the op table: a node at its row's ``kink`` excuses a difference only when
the row's one-sided rules there reproduce what finite differences see.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from itertools import product
from typing import Any

from autograd._local import (
    Culprit,
    at_kink,
    find_culprit,
    kink_text,
    nearest,
    one_sided_rows,
    rebuild,
)
from autograd._report import (
    DOMAIN,
    KINK,
    MISMATCH,
    NONFINITE,
    OK,
    UNRESOLVED,
    GradcheckEntry,
    GradcheckReport,
)
from autograd._ridders import PROBE_ERRORS, Estimate, Judge, as_float, moved, ridders, scales
from autograd.engine import Value, grad, walk

__all__ = ["Culprit", "GradcheckEntry", "GradcheckReport", "assert_gradcheck", "find_culprit",
           "gradcheck"]

_NEAR = 2.0**-20  # "just left/right" of a kink, relative to scale
_MAX_KINKS = 4  # kinked nodes whose one-sided rules are combined (3**4 rebuilt graphs)


def gradcheck(f: Callable[..., Value], inputs: Sequence[Any] | float, *, atol: float = 1e-10,
              rtol: float = 1e-6, step: float | None = None, order: int = 1,
              grad_fn: Callable[..., Sequence[Any]] = grad) -> GradcheckReport:
    """Check every partial derivative of ``f`` at ``inputs`` against finite differences.

    ``f`` takes one Value per input and returns a Value; ``inputs`` are numbers (or Values,
    whose ``data`` is used). A derivative agrees when ``|analytic - numeric|`` is at most
    ``atol + rtol * max(|analytic|, |numeric|)`` plus the numeric side's own error estimate,
    and that estimate is itself within about the tolerance: the defaults catch a derivative
    wrong by 0.01%. Statuses: ``ok``; ``mismatch`` (the culprit node named when one op's own
    rule is wrong); ``kink`` (not differentiable there, e.g. relu or abs at 0, and an op at its
    declared ``kink`` explains the difference: not a failure); ``domain`` (the engine raised,
    or every probe left f's domain); ``nonfinite``; ``unresolved`` (no finite-difference step
    settles the derivative, e.g. ``sin`` at 1e15 or a jump of f: not a pass).

    ``step`` fixes the largest finite-difference step (rounded down to a power of two);
    by default it is a quarter of the input's binade (and of 1 as a second try for small
    inputs). ``order=2`` also checks each component of ``grad(f, create_graph=True)`` the
    same way. ``grad_fn`` is the reverse mode under test (default `autograd.grad`); pass your
    own to check a hand-written backward pass.
    """
    point, names = _validate(f, inputs, atol=atol, rtol=rtol, step=step, order=order,
                             grad_fn=grad_fn)
    check = _Checker(f, names, grad_fn, (atol, rtol, step))
    entries = check.entries(point)
    if order == 2:
        for k in range(len(point)):
            entries += check.component(k).entries(point)
    return GradcheckReport(tuple(entries), tuple(point), names, atol, rtol, order)


def assert_gradcheck(f: Callable[..., Value], inputs: Sequence[Any] | float,
                     **options: Any) -> GradcheckReport:
    """`gradcheck`, raising AssertionError with the report's table unless everything agrees."""
    report = gradcheck(f, inputs, **options)
    if not report:
        raise AssertionError(str(report))
    return report


def _validate(f: Any, inputs: Any, *, atol: Any, rtol: Any, step: Any, order: Any,
              grad_fn: Any) -> tuple[list[float], tuple[str, ...]]:
    """Check gradcheck's arguments; return the point as floats and a name per input."""
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of Values returning a Value, "
                        f"got {type(f).__name__} {f!r}")
    if not callable(grad_fn):
        raise TypeError(f"gradcheck: grad_fn must be callable like autograd.grad, "
                        f"got {type(grad_fn).__name__}")
    for name, value in (("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, numbers.Real) and 0.0 <= float(value) < math.inf):
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {value!r}")
    if step is not None and not (isinstance(step, numbers.Real) and 0.0 < float(step) < math.inf):
        raise ValueError(f"gradcheck: step must be a finite number > 0, got {step!r}")
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    return _point(f, inputs)


def _point(f: Any, inputs: Any) -> tuple[list[float], tuple[str, ...]]:
    """The inputs as floats, and a name per input."""
    items = [inputs] if isinstance(inputs, (numbers.Real, Value)) else inputs
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(f"gradcheck: inputs must be a list of numbers, "
                        f"got {type(inputs).__name__}")
    if not items:
        raise ValueError("gradcheck: no inputs; give one number per argument of f")
    names = _input_names(f, len(items))
    point = []
    for i, x in enumerate(items):
        data = x.data if isinstance(x, Value) else x
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"gradcheck: input {i} ({names[i]}) must be a number, "
                            f"got {type(x).__name__} {x!r}")
        if not math.isfinite(data):
            raise ValueError(f"gradcheck: input {i} ({names[i]}) is {float(data)!r}; "
                             f"derivatives can only be checked at finite points")
        point.append(float(data))
    return point, names


def _input_names(f: Callable[..., Any], n: int) -> tuple[str, ...]:
    """f's parameter names when it has exactly n; x0, x1, ... otherwise. Checks the count."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # some builtins have no signature: let the call decide
        return tuple(f"x{i}" for i in range(n))
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    if n < len(required) or (n > len(positional) and not variadic):
        wanted = (f"{len(required)}" if len(required) == len(positional) or variadic
                  else f"{len(required)} to {len(positional)}")
        arg_names = ", ".join(p.name for p in positional)
        raise TypeError(f"gradcheck: f takes {wanted} argument(s) ({arg_names}) but "
                        f"{n} input(s) were given; give one number per argument")
    if len(positional) == n:
        return tuple(p.name for p in positional)
    return tuple(f"x{i}" for i in range(n))


class _Checker(Judge):
    """What gradcheck evaluates: T (f itself, or ``k`` set: the component df/dx_k of its
    gradient), T's analytic derivatives, their finite differences, and f's kinks."""

    def __init__(self, f: Callable[..., Value], names: tuple[str, ...],
                 grad_fn: Callable[..., Sequence[Any]], options: tuple[float, float, float | None],
                 k: int | None = None, memo: dict[tuple[float, ...], list[float]] | None = None
                 ) -> None:
        super().__init__(*options)
        self.f, self.names, self.grad_fn, self.options, self.k = f, names, grad_fn, options, k
        self.memo = {} if memo is None else memo  # f's float gradients by point, shared
        self.label = "f" if k is None else f"df/d{names[k]}"

    def component(self, k: int) -> _Checker:
        """The checker of df/dx_k (second order by recursion)."""
        return _Checker(self.f, self.names, self.grad_fn, self.options, k, self.memo)

    def call(self, point: Sequence[float]) -> tuple[Value, list[Value]]:
        """f at point, and the input Values it was given."""
        xs = [Value(x, name) for x, name in zip(point, self.names, strict=True)]
        out = self.f(*xs)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__} "
                            f"{out!r}; build the result from the Value arguments "
                            "(x * y, not x.data * y.data)")
        return out, xs

    def grads(self, out: Value, xs: list[Value], create_graph: bool = False) -> list[Any]:
        """grad_fn(out, xs), checked to give one gradient per input."""
        found = list(self.grad_fn(out, xs, create_graph=True) if create_graph
                     else self.grad_fn(out, xs))
        if len(found) != len(xs):
            raise TypeError(f"gradcheck: grad_fn returned {len(found)} gradients for "
                            f"{len(xs)} inputs; it must return one per input")
        return found

    def gradient(self, point: Sequence[float]) -> list[float]:
        """f's analytic first derivatives at point, as floats (remembered: probes repeat)."""
        key = tuple(point)
        if key not in self.memo:
            if len(self.memo) > 4096:
                self.memo.clear()
            out, xs = self.call(point)
            self.memo[key] = [as_float(g) for g in self.grads(out, xs)]
        return self.memo[key]

    def lift(self, out: Value, xs: list[Value]) -> Value:
        """T's node, from f's output ``out``."""
        return out if self.k is None else _value(self.grads(out, xs, create_graph=True)[self.k])

    def value(self, point: Sequence[float]) -> float:
        """T at point."""
        return self.call(point)[0].data if self.k is None else self.gradient(point)[self.k]

    def along(self, point: Sequence[float], j: int) -> Callable[[float], float]:
        """T as a function of input j alone, the others held at point."""
        return lambda t: self.value(moved(point, j, t))

    def analytic(self, point: Sequence[float]) -> list[float]:
        """dT/dx_j for every j, from grad_fn."""
        if self.k is None:
            return self.gradient(point)
        out, xs = self.call(point)
        return [as_float(g) for g in self.grads(self.lift(out, xs), xs)]

    def entries(self, point: list[float]) -> list[GradcheckEntry]:
        """Check dT/dx_j at point for every input j."""
        try:
            value = self.value(point)
        except PROBE_ERRORS as err:
            if self.k is None:  # f itself failed: the inputs are wrong
                raise ValueError(f"gradcheck: f is undefined at the inputs {point!r}: {err}. "
                                 "Choose inputs inside f's domain.") from err
            return self.raised(point, err)
        try:
            table = self.analytic(point)
        except PROBE_ERRORS as err:
            return self.raised(point, err)
        return [self.judge(point, j, a, value) for j, a in enumerate(table)]

    def raised(self, point: list[float], err: Exception) -> list[GradcheckEntry]:
        """Every entry of this T as domain: the engine raised."""
        note = f"the engine raised: {type(err).__name__}: {err}"
        return [self.entry(point, j, None, None, DOMAIN, note) for j in range(len(point))]

    def entry(self, point: list[float], j: int, a: float | None, e: Estimate | None,
              status: str, note: str = "") -> GradcheckEntry:
        """One entry: order 1 names x_j, order 2 names x_k then x_j."""
        wrt = (self.names[j],) if self.k is None else (self.names[self.k], self.names[j])
        n, err = (e.central, e.error) if e is not None else (None, None)
        return GradcheckEntry(wrt, point[j], a, n, err, status, note)

    def judge(self, point: list[float], j: int, a: float, value: float) -> GradcheckEntry:
        """The entry for dT/dx_j: compare, and look closer when they disagree."""
        if not (math.isfinite(a) and math.isfinite(value)):
            note = (f"{self.label} is {value!r} here" if not math.isfinite(value)
                    else f"the analytic derivative is {a!r}")
            return self.entry(point, j, a, None, NONFINITE, note)
        along = self.along(point, j)
        e, tried = self.search(along, point[j], value, a)
        if e is None:
            return self.entry(point, j, a, None, DOMAIN,
                              "every finite-difference probe left f's domain")
        doubt = self.doubt(a, e, tried)
        if self.agrees(a, e) and self.confident(a, e):
            # central differences hide a kink whose slopes average to a (abs at 0)
            why = self.explain(point, j, a) if self.differ(a, e) else ""
            return self.entry(point, j, a, e, KINK if why else OK, why)
        why = self.explain(point, j, a)
        if why:
            return self.entry(point, j, a, e, KINK, why)
        x = point[j]
        if not self.resolvable(along, x, value):
            return self.entry(point, j, a, doubt or e, UNRESOLVED, (
                f"no finite-difference step settles it: {self.label} is not smooth at the scale "
                f"of the floats near {x!r} (its slopes over 4 and 8 ulps differ)"))
        if self.agrees(a, e) or doubt is not None:
            best = doubt or e
            return self.entry(point, j, a, best, UNRESOLVED, (
                f"no finite-difference step settles it: the closest estimate is "
                f"{best.central!r} +- {best.error!r}, wider than the tolerance (f jumps here, "
                f"or changes faster than the smallest step at {x!r} can follow)"))
        note = f"analytic {a!r} but finite differences give {e.central!r}"
        culprit = find_culprit(self.call(point)[0], atol=self.atol, rtol=self.rtol)
        return self.entry(point, j, a, e, MISMATCH, note + (f"; {culprit}" if culprit else ""))

    def differ(self, a: float, e: Estimate) -> bool:
        """Whether e's one-sided slopes differ by more than tolerance and their errors."""
        noise = self.tolerance(a, e.central) + 4.0 * (e.left_error + e.right_error)
        return abs(e.right - e.left) > noise

    def explain(self, point: list[float], j: int, a: float) -> str:
        """Why the point is a kink for dT/dx_j ('' if no kinked node explains the difference).

        The nodes of f's graph sitting at their row's ``kink`` are the only explanation
        accepted: each takes its row's convention or one of its one-sided rules (the operand
        nudged either way) in every combination, each giving the values and slopes T can have
        here (every other node keeps its own rule: a wrong one is not excused). T's slopes from
        finite differences on either side must be among them; where T itself jumps, its values
        just left and right.
        Inputs within 2**-20 of 0 are looked at as 0 too: steps scaled to 1 straddle 0, so
        ``abs(x)`` at x = 1e-38 is as good as at its kink.
        """
        snapped = [0.0 if abs(x) < _NEAR else x for x in point]
        for at in [point] + ([snapped] if snapped != point else []):
            try:
                why = self.explain_at(at, j, a)
            except PROBE_ERRORS:  # f is undefined at 0 (log): nothing to explain there
                continue
            if why:
                return why + ("" if at is point else " (inputs within 2**-20 of it)")
        return ""

    def explain_at(self, point: list[float], j: int, a: float) -> str:
        """`explain` with the kinked nodes of f's graph at ``point``."""
        out, xs = self.call(point)
        kinked = [node for node in walk(out) if at_kink(node)][:_MAX_KINKS]
        if not kinked:
            return ""
        corners = self.corners(out, xs, kinked, j)
        where, value = kink_text(kinked[0]), self.value(point)
        if any(abs(v - value) > self.tolerance(v, value) for v, _ in corners):
            return self.jump(point, j, corners, where)
        slopes = [s for _, s in corners]
        left, right = (self.one_sided(point, j, key, slopes, value) for key in (1, 2))
        if left is None or right is None:
            return ""
        if abs(left - right) <= self.tolerance(left, right):
            return (f"{where}: the derivative there is a convention, {a!r} here but {left!r} "
                    "on both sides, where it agrees with finite differences")
        return (f"not differentiable here ({where}): the derivative is {left!r} just left and "
                f"{right!r} just right, and both agree with finite differences")

    def one_sided(self, point: list[float], j: int, key: int, slopes: list[float],
                  value: float) -> float | None:
        """The slope among ``slopes`` that finite differences see from the left (key 1) or
        the right (key 2) of x_j; None if none is seen. An error bar a little too wide for the
        tolerance (a flat side that curves) still counts when it is within ``rtol`` of the gap
        to every other candidate: it tells them apart."""
        x = point[j]
        for h in self.starts(x, 0.0, value):
            e = ridders(self.along(point, j), x, h, value,
                         0.01 * self.tolerance(value, value), key)
            if e is None:
                continue
            n, err = (e.left, e.left_error) if key == 1 else (e.right, e.right_error)
            slope = nearest(n, slopes)
            gap = min((abs(s - slope) for s in slopes if s != slope), default=0.0)
            if abs(slope - n) <= self.tolerance(slope, n) + 4.0 * err and (
                    self.narrow(slope, n, err) or err <= self.rtol * gap):
                return slope
        return None

    def corners(self, out: Value, xs: list[Value], kinked: list[Value],
                j: int) -> list[tuple[float, float]]:
        """T's value and dT/dx_j with every combination of the kinked rows' one-sided rules."""
        found = []
        for rows in product(*(one_sided_rows(node) for node in kinked)):
            try:
                t = self.lift(rebuild(out, dict(zip(kinked, rows, strict=True))), xs)
                found.append((t.data, as_float(self.grads(t, xs)[j])))
            except PROBE_ERRORS:
                continue
        return found

    def jump(self, point: list[float], j: int, corners: list[tuple[float, float]],
             where: str) -> str:
        """Why T's jump at x_j is a kink: its values just left and right are corner values."""
        values = [v for v, _ in corners]
        slack = 2.0 * max(abs(s) for _, s in corners)
        x = point[j]
        for scale in scales(x):
            d = scale * _NEAR
            try:
                sides = [self.value(moved(point, j, x + t)) for t in (-d, d)]
            except PROBE_ERRORS:
                continue
            near = [nearest(v, values) for v in sides]
            if all(abs(u - v) <= self.tolerance(u, v) + slack * d
                   for u, v in zip(near, sides, strict=True)):
                return (f"not differentiable here ({where}): {self.label} itself jumps, "
                        f"{near[0]!r} just left and {near[1]!r} just right")
        return ""


def _value(g: Any) -> Value:
    """A create_graph gradient as a Value (a plain number is a constant)."""
    return g if isinstance(g, Value) else Value(g)
