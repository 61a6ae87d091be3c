"""Check derivatives against finite differences: `gradcheck` returns a report, `assert_gradcheck`
raises with it.

Every partial derivative is checked on its own (a scalar engine can afford it), so a failure
names its input. The numeric side is Ridders' method: central differences at steps h, h/2,
h/4, ... extrapolated in a Richardson tableau, which also yields an error estimate that never
claims less than the round-off of the values subtracted. Steps are powers of two scaled to
the input's binade, so ``x + h`` and ``x - h`` are exact (across a power of two, the distance
actually stepped is used) and ``x * x`` checks as well at 1e12 as at 1. One-sided slopes from
the same probes expose kinks.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd.engine import Value, grad, walk

__all__ = ["GradcheckEntry", "GradcheckReport", "assert_gradcheck", "gradcheck"]

OK, MISMATCH, KINK, DOMAIN, NONFINITE = "ok", "mismatch", "kink", "domain", "nonfinite"

_FIRST = 0.25  # the largest step, as a fraction of the input's scale
_LEVELS = 14  # steps per Richardson tableau: h down to h / 2**13
_TRIES, _RESTART = 3, 2.0**-4  # first steps tried: _FIRST, then _FIRST / 16, then / 256
_NOISE = 8.0 * 2.0**-53  # round-off of a difference, per unit of the values subtracted
_SHRINK = 2.0**-45  # a probe that leaves the domain is retried with halved steps down to this
_KINK = 2.0**-20  # how far either side of a mismatch to look for a kink, relative to scale
# the engine's domain errors (ValueError, ZeroDivisionError, OverflowError), and arithmetic
# errors of f's own (the CLI's expressions raise MathError)
_PROBE_ERRORS = (ValueError, ArithmeticError)

Vector = Callable[[float], list[float]]


@dataclass(frozen=True)
class GradcheckEntry:
    """One checked derivative: d f / d wrt[0] (order 1) or d2 f / d wrt[0] d wrt[1] (order 2)."""

    wrt: tuple[str, ...]  # the input names, the one varied by the finite differences last
    point: float  # that input's value
    analytic: float | None  # from the engine (None when it raised)
    numeric: float | None  # from finite differences (None when every probe left the domain)
    numeric_error: float | None  # the estimated error of `numeric`
    status: str  # ok / mismatch / kink / domain / nonfinite
    note: str = ""  # why, for anything but ok

    @property
    def derivative(self) -> str:
        """The derivative's name, e.g. ``df/dx`` or ``d2f/dx dy``."""
        if len(self.wrt) == 1:
            return f"df/d{self.wrt[0]}"
        return f"d{len(self.wrt)}f/" + " ".join(f"d{name}" for name in self.wrt)

    @property
    def abs_error(self) -> float | None:
        """|analytic - numeric|, or None when either is missing."""
        if self.analytic is None or self.numeric is None:
            return None
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float | None:
        """abs_error / |numeric| (inf when numeric is 0 and analytic is not)."""
        err = self.abs_error
        if err is None or self.numeric is None:
            return None
        if self.numeric == 0.0:
            return 0.0 if err == 0.0 else math.inf
        return err / abs(self.numeric)

    @property
    def ok(self) -> bool:
        """True when this derivative agrees, or the point is a kink (not a failure)."""
        return self.status in (OK, KINK)


@dataclass(frozen=True, repr=False)
class GradcheckReport:
    """The outcome of `gradcheck`: truthy iff every derivative agrees; prints as a table."""

    entries: tuple[GradcheckEntry, ...]
    inputs: tuple[float, ...]
    names: tuple[str, ...]
    atol: float
    rtol: float
    order: int

    def __bool__(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def failures(self) -> list[GradcheckEntry]:
        """The entries that do not agree (status mismatch, domain or nonfinite)."""
        return [e for e in self.entries if not e.ok]

    def __str__(self) -> str:
        bad = self.failures
        at = ", ".join(f"{n}={x!r}" for n, x in zip(self.names, self.inputs, strict=True))
        verdict = (f"{len(bad)} of {len(self.entries)} derivatives disagree" if bad
                   else f"all {len(self.entries)} derivatives agree")
        lines = [f"gradcheck at {at}: {verdict} (rtol={self.rtol!r}, atol={self.atol!r})"]
        header = ("derivative", "point", "analytic", "numeric", "+-numeric", "abs error",
                  "rel error", "status")
        rows = [header] + [
            (e.derivative, _fmt(e.point), _fmt(e.analytic), _fmt(e.numeric),
             _fmt(e.numeric_error), _fmt(e.abs_error), _fmt(e.rel_error), e.status)
            for e in self.entries
        ]
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        for row in rows:
            cells = [cell.ljust(w) if c in (0, 7) else cell.rjust(w)
                     for c, (cell, w) in enumerate(zip(row, widths, strict=True))]
            lines.append("  ".join(cells).rstrip())
        lines += [f"  {e.derivative}: {e.note}" for e in self.entries if e.note]
        return "\n".join(lines)

    __repr__ = __str__  # the REPL shows the table


def _fmt(x: float | None) -> str:
    return "-" if x is None else repr(x)


def gradcheck(f: Callable[..., Value], inputs: Sequence[Any] | float, *, atol: float = 1e-10,
              rtol: float = 1e-6, step: float | None = None, order: int = 1,
              grad_fn: Callable[..., Sequence[Any]] = grad) -> GradcheckReport:
    """Check every partial derivative of ``f`` at ``inputs`` against finite differences.

    ``f`` takes one Value per input and returns a Value; ``inputs`` are numbers (or Values,
    whose ``data`` is used). A derivative agrees when ``|analytic - numeric|`` is at most
    ``atol + rtol * max(|analytic|, |numeric|)`` plus the numeric side's own error estimate:
    the defaults catch a derivative wrong by 0.01%. Statuses: ``ok``; ``mismatch``; ``kink``
    (not differentiable there, e.g. relu or abs at 0, and right on both sides: not a
    failure); ``domain`` (the engine raised, or every probe left f's domain); ``nonfinite``.

    ``step`` fixes the largest finite-difference step (rounded down to a power of two);
    by default it is a quarter of the input's binade (and of 1 as a second try for small
    inputs). ``order=2`` also checks every second derivative, got through
    ``grad(..., create_graph=True)``, against finite differences of the first derivatives.
    ``grad_fn`` is the reverse mode under test (default `autograd.grad`); pass your own to
    check a hand-written backward pass.
    """
    point, names = _validate(f, inputs, atol=atol, rtol=rtol, step=step, order=order,
                             grad_fn=grad_fn)
    check = _Checker(f, names, grad_fn, atol, rtol, step)
    entries = check.level(1, point)
    if order == 2:
        entries += check.level(2, point)
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
    items = [inputs] if isinstance(inputs, (numbers.Real, Value)) else inputs
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(f"gradcheck: inputs must be a list of numbers, "
                        f"got {type(inputs).__name__}")
    if not items:
        raise ValueError("gradcheck: no inputs; give one number per argument of f")
    for name, value in (("atol", atol), ("rtol", rtol)):
        if not (isinstance(value, numbers.Real) and 0.0 <= float(value) < math.inf):
            raise ValueError(f"gradcheck: {name} must be a finite number >= 0, got {value!r}")
    if step is not None and not (isinstance(step, numbers.Real) and 0.0 < float(step) < math.inf):
        raise ValueError(f"gradcheck: step must be a finite number > 0, got {step!r}")
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
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


def _scale(x: float) -> float:
    """The power of two at or below |x| (1 for 0): finite-difference steps are fractions of it."""
    if x == 0.0:
        return 1.0
    exponent = math.frexp(abs(x))[1] - 1
    return math.ldexp(1.0, max(exponent, -1000))  # far above 2**-1074, so halving stays exact


def _scales(x: float) -> list[float]:
    """The scales that steps are fractions of: x's, and for small inputs 1 too."""
    return [_scale(x), 1.0] if abs(x) < 1.0 else [_scale(x)]


class _Estimate(NamedTuple):
    """Finite-difference slopes of one component: central, from the left and from the right."""

    central: float
    error: float  # the estimated error of `central`
    left: float
    left_error: float
    right: float
    right_error: float


class _Tableau:
    """Richardson extrapolation of differences at steps h, h/2, h/4, ... (Ridders' method).

    Each new column cancels the next power of h in the error (``ratio`` 4 for central
    differences, whose error has even powers only; 2 for one-sided ones). Per component the
    estimate kept is the one that changed least from its neighbours. No error estimate is
    allowed below the round-off of the differences it came from, so values that happen to
    agree (or a function flat to the last bit) cannot fake confidence, and a component is done
    once that round-off exceeds its best error: smaller steps can only be worse.
    """

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio
        self.prev: list[list[float]] = []
        self.best: list[float] = []
        self.err: list[float] = []
        self.done: list[bool] = []

    def add(self, d: list[float], noise: list[float]) -> None:
        """Add the differences at the next (halved) step, with their round-off."""
        if not self.prev:
            self.prev, self.best = [d], list(d)
            self.err, self.done = [math.inf] * len(d), [False] * len(d)
            return
        col, fac = [d], self.ratio
        for j, older in enumerate(self.prev):
            new = [(a * fac - b) / (fac - 1.0) for a, b in zip(col[j], older, strict=True)]
            for k, value in enumerate(new):
                e = max(abs(value - col[j][k]), abs(value - older[k]), noise[k])
                if not self.done[k] and e <= self.err[k]:
                    self.best[k], self.err[k] = value, e
            col.append(new)
            fac *= self.ratio
        for k in range(len(d)):
            self.done[k] = self.done[k] or noise[k] > self.err[k]
        self.prev = col


def _probe(fn: Vector, x: float, h: float,
           f0: list[float]) -> list[tuple[list[float], list[float]]] | None:
    """Central, left and right differences of fn at x with step h, each with its round-off;
    None if fn fails there."""
    xp, xm = x + h, x - h
    if xp == x or xm == x:
        return None
    try:
        fp, fm = fn(xp), fn(xm)
    except _PROBE_ERRORS:
        return None
    # divide by the actual distances: x + h can round when it crosses a power of two
    diffs = [_slopes(fp, fm, xp - xm), _slopes(f0, fm, x - xm), _slopes(fp, f0, xp - x)]
    if not all(math.isfinite(d) for slopes, _ in diffs for d in slopes):
        return None
    return diffs


def _slopes(upper: list[float], lower: list[float],
            width: float) -> tuple[list[float], list[float]]:
    """(upper - lower) / width per component, and the round-off of each."""
    pairs = list(zip(upper, lower, strict=True))
    return ([(u - v) / width for u, v in pairs],
            [_NOISE * (abs(u) + abs(v)) / width for u, v in pairs])


def _ridders(fn: Vector, x: float, h: float, f0: list[float],
             enough: list[float]) -> list[_Estimate] | None:
    """The slopes of fn at x per component, with error estimates; None outside fn's domain.

    Steps h, h/2, h/4, ... until each central estimate's error is below ``enough`` or
    round-off stops it improving. A probe that leaves fn's domain ends the tableau; one with
    fewer than two steps is dropped and the halving goes on (near a boundary, or where the
    domain has holes), down to ``h * _SHRINK``. ``f0`` is fn(x).
    """
    smallest = h * _SHRINK
    while True:
        central, left, right = _Tableau(4.0), _Tableau(2.0), _Tableau(2.0)
        for _ in range(_LEVELS):
            diffs = _probe(fn, x, h, f0)
            h /= 2.0
            if diffs is None:
                break
            for tableau, (d, noise) in zip((central, left, right), diffs, strict=True):
                tableau.add(d, noise)
            if all(done or err <= goal
                   for done, err, goal in zip(central.done, central.err, enough, strict=True)):
                break
        if central.err and math.inf not in central.err:
            break  # at least two steps: an estimate with an error
        if h < smallest:
            return None
    estimates = []
    for c, c_err, lft, l_err, rgt, r_err in zip(central.best, central.err, left.best, left.err,
                                                right.best, right.err, strict=True):
        # where f'' jumps (x * relu(x) at 0) central differences gain odd powers of h that
        # the tableau cannot cancel; agreeing one-sided slopes are then the better estimate
        mid_err = max(l_err, r_err) + abs(lft - rgt) / 2.0
        if mid_err < c_err:
            c, c_err = (lft + rgt) / 2.0, mid_err
        # one-sided slopes that disagree beyond their errors mean the steps straddled a jump
        # (abs' near, not at, 0): no central estimate is surer than half that disagreement
        c_err = max(c_err, (abs(lft - rgt) - l_err - r_err) / 2.0)
        estimates.append(_Estimate(c, c_err, lft, l_err, rgt, r_err))
    return estimates


class _Checker:
    """What gradcheck needs to evaluate: f, its analytic derivatives and their finite differences.

    Level 1 differentiates T(x) = [f(x)] numerically and compares with A(x) = [grad f(x)];
    level 2 differentiates T(x) = grad f(x) and compares with the Hessian through create_graph.
    """

    def __init__(self, f: Callable[..., Value], names: tuple[str, ...],
                 grad_fn: Callable[..., Sequence[Any]], atol: float, rtol: float,
                 step: float | None) -> None:
        self.f, self.names, self.grad_fn = f, names, grad_fn
        self.atol, self.rtol, self.step = atol, rtol, step

    def call(self, point: Sequence[float]) -> tuple[Value, list[Value]]:
        """f at point, and the input Values it was given."""
        xs = [Value(x, name) for x, name in zip(point, self.names, strict=True)]
        out = self.f(*xs)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__} "
                            f"{out!r}; build the result from the Value arguments "
                            "(x * y, not x.data * y.data)")
        return out, xs

    def gradient(self, point: Sequence[float]) -> list[float]:
        """The analytic first derivatives at point, as floats."""
        out, xs = self.call(point)
        return [_float(g) for g in self.grads(out, xs)]

    def grads(self, out: Value, xs: list[Value], create_graph: bool = False) -> list[Any]:
        """grad_fn(out, xs), checked to give one gradient per input."""
        found = list(self.grad_fn(out, xs, create_graph=True) if create_graph
                     else self.grad_fn(out, xs))
        if len(found) != len(xs):
            raise TypeError(f"gradcheck: grad_fn returned {len(found)} gradients for "
                            f"{len(xs)} inputs; it must return one per input")
        return found

    def target_name(self, level: int, k: int) -> str:
        """T_k's name in notes: f, or df/dx_k."""
        return "f" if level == 1 else f"df/d{self.names[k]}"

    def target(self, level: int, point: Sequence[float]) -> list[float]:
        """T: what is differentiated numerically at this level."""
        return [self.call(point)[0].data] if level == 1 else self.gradient(point)

    def analytic(self, level: int, point: Sequence[float]) -> list[list[float]]:
        """A: the analytic derivatives of T, A[k][j] = d T_k / d x_j."""
        if level == 1:
            return [self.gradient(point)]
        out, xs = self.call(point)
        firsts = self.grads(out, xs, create_graph=True)
        return [[_float(h) for h in self.grads(_value(g), xs)] for g in firsts]

    def along(self, level: int, point: Sequence[float], j: int) -> Vector:
        """T as a function of input j alone, the others held at point."""
        return lambda t: self.target(level, _moved(point, j, t))

    def tolerance(self, a: float, n: float) -> float:
        """How far analytic a and numeric n may differ, before n's own error."""
        return self.atol + self.rtol * max(abs(a), abs(n))

    def enough(self, a: float) -> float:
        """An error estimate small enough to stop refining: 1% of the tolerance at a."""
        return 0.01 * self.tolerance(a, a)

    def agrees(self, a: float, n: float, err: float) -> bool:
        """Whether analytic a and numeric n agree within tolerance and n's error estimate."""
        return abs(a - n) <= self.tolerance(a, n) + err

    def numeric(self, level: int, point: Sequence[float], j: int, wanted: list[float],
                values: list[float]) -> list[_Estimate | None]:
        """Finite differences of T along input j, per component (None outside f's domain).

        Steps scaled to |x_j| come first; for small inputs steps scaled to 1 are a second try
        (``sin(x + 1000)`` at x = 1e-12 needs them); then both again from smaller first steps
        (steps far too large only see noise), then steps scaled to T / a. A component stops
        trying once an estimate is confident (error estimate below tolerance) and agrees;
        otherwise the estimate with the smallest error estimate is kept.
        """
        x, fn = point[j], self.along(level, point, j)
        if self.step is not None:
            starts = [_scale(self.step)]
        else:
            starts = [s * _FIRST * _RESTART**i for i in range(_TRIES) for s in _scales(x)]
            # a fast oscillation (cos of a steep function) fools steps far above its period:
            # they see the trend, and agree on it. Last, steps where the claimed slope a moves
            # T by a sixteenth of its size, so a right a is confirmed at any frequency
            starts += sorted({_scale((abs(v) + self.atol) / abs(a)) * _RESTART
                              for a, v in zip(wanted, values, strict=True) if a != 0.0},
                             reverse=True)
        found: list[_Estimate | None] = [None] * len(wanted)
        for h in starts:
            if all(self.settled(a, e) for a, e in zip(wanted, found, strict=True)):
                break
            estimates = _ridders(fn, x, h, values, [self.enough(a) for a in wanted])
            for k, new in enumerate(estimates or ()):
                old = found[k]
                if old is None or self.settled(wanted[k], new) or (
                        not self.settled(wanted[k], old) and new.error < old.error):
                    found[k] = new
        return found

    def settled(self, a: float, e: _Estimate | None) -> bool:
        """Whether estimate e confidently agrees with a (no need to try other steps)."""
        return e is not None and e.error <= self.tolerance(a, e.central) and self.agrees(
            a, e.central, e.error)

    def differ(self, a: float, e: _Estimate) -> bool:
        """Whether e's one-sided slopes differ by more than tolerance and their errors."""
        noise = self.tolerance(a, e.central) + 4.0 * (e.left_error + e.right_error)
        return abs(e.right - e.left) > noise

    def is_kink(self, level: int, point: Sequence[float], k: int, j: int, a: float,
                here: float) -> str:
        """Why point is a kink for d T_k / d x_j ('' if it is not); T_k is ``here`` at point.

        A kink: T_k or its analytic derivative jumps at x (relu at 0: 0 left, 1 right;
        ``x.relu() - (-x).relu()``: 1 on both sides but 0 at 0, accepted only when an op of
        f's graph sits at its own kink; at second order abs' itself jumps), the jump stays the
        same when looking twice as close (a smooth change would halve), and just left and just
        right the derivative agrees with finite differences. "Just" is relative to |x| and,
        for small inputs, to 1 (``abs(x)`` at x = 1e-38 is as good as at its kink).
        """
        x = point[j]
        for scale in _scales(x):
            delta = scale * _KINK
            steps = (-delta, delta, -delta / 2.0, delta / 2.0)
            try:
                slopes = [self.analytic(level, _moved(point, j, x + d))[k][j] for d in steps]
                values = [self.target(level, _moved(point, j, x + d))[k] for d in steps]
            except _PROBE_ERRORS:
                continue
            far_left, far_right, near_left, near_right = slopes
            sides_differ = self.persists(a, far_right - far_left, near_right - near_left)
            # both sides agree but differ from the value at x: only an op's convention at
            # its kink explains that (relu'(0) = 0 in x.relu() - (-x).relu()), nothing else
            convention = "" if sides_differ or not self.persists(
                a, (far_left + far_right) / 2.0 - a, (near_left + near_right) / 2.0 - a
            ) else self.kink_in_graph(point)
            value_jump = self.persists(here, values[1] - values[0], values[3] - values[2])
            if not (sides_differ or convention or value_jump):
                continue
            if all(self.right_near(level, point, k, j, x + d, slope, delta)
                   for d, slope in zip(steps[:2], slopes[:2], strict=True)):
                if sides_differ:
                    return (f"not differentiable here: the derivative is {slopes[0]!r} just "
                            f"left and {slopes[1]!r} just right, and both agree with finite "
                            "differences")
                if convention:
                    return (f"{convention}: the derivative there is a convention, {a!r} here "
                            f"but {slopes[0]!r} on both sides, where it agrees with finite "
                            "differences")
                return (f"not differentiable here: {self.target_name(level, k)} itself jumps, "
                        f"{values[0]!r} just left and {values[1]!r} just right; its derivative "
                        "there agrees with finite differences")
        return ""

    def kink_in_graph(self, point: Sequence[float]) -> str:
        """An op of f's graph at point that sits where its derivative jumps, e.g. "relu at
        x = 0.0" ('' if there is none)."""
        try:
            nodes = walk(self.call(point)[0])
        except _PROBE_ERRORS:
            return ""
        for node in nodes:
            op, operands = node.op, [p.data for p in node.parents]
            if op is not None and op.kink is not None and op.kink(*operands):
                names = op.operand_names(len(operands))
                at = ", ".join(f"{n} = {v!r}" for n, v in zip(names, operands, strict=True))
                return f"{op.name} at {at}"
        return ""

    def persists(self, a: float, far: float, near: float) -> bool:
        """Whether a change seen from twice as close is as large: a jump, not a slope."""
        return abs(near) > self.tolerance(a, a) and abs(far - near) <= abs(near) / 4.0

    def right_near(self, level: int, point: Sequence[float], k: int, j: int, t: float,
                   a: float, delta: float) -> bool:
        """Whether analytic a agrees with finite differences at x_j = t (steps below delta)."""
        moved = _moved(point, j, t)
        try:
            values = self.target(level, moved)
            estimates = _ridders(self.along(level, moved, j), t, delta * _FIRST, values,
                                 [self.enough(a)] * len(values))
        except _PROBE_ERRORS:
            return False
        e = estimates[k] if estimates else None
        return e is not None and math.isfinite(a) and self.agrees(a, e.central, e.error)

    def level(self, level: int, point: list[float]) -> list[GradcheckEntry]:
        """Check every derivative of this order at point."""
        n = len(point)
        rows = 1 if level == 1 else n
        values: list[float] = []
        try:
            values = self.target(level, point)
            table = self.analytic(level, point)
        except _PROBE_ERRORS as err:
            if not values and level == 1:  # f itself failed: the inputs are wrong
                raise ValueError(f"gradcheck: f is undefined at the inputs {point!r}: {err}. "
                                 "Choose inputs inside f's domain.") from err
            note = f"the engine raised: {type(err).__name__}: {err}"
            return [self.entry(level, point, k, j, None, None, DOMAIN, note)
                    for k in range(rows) for j in range(n)]
        numeric = [self.numeric(level, point, j, [table[k][j] for k in range(rows)], values)
                   for j in range(n)]
        return [self.judge(level, point, k, j, table[k][j], numeric[j][k], values[k])
                for k in range(rows) for j in range(n)]

    def judge(self, level: int, point: list[float], k: int, j: int, a: float,
              e: _Estimate | None, value: float) -> GradcheckEntry:
        """The entry for d T_k / d x_j: compare, and look closer when they disagree."""
        if not (math.isfinite(a) and math.isfinite(value)):
            note = (f"{self.target_name(level, k)} is {value!r} here" if not math.isfinite(value)
                    else f"the analytic derivative is {a!r}")
            return self.entry(level, point, k, j, a, None, NONFINITE, note)
        if e is None:
            return self.entry(level, point, k, j, a, None, DOMAIN,
                              "every finite-difference probe left f's domain")
        if self.agrees(a, e.central, e.error):
            # central differences hide a kink whose slopes average to a (abs at 0)
            why = self.is_kink(level, point, k, j, a, value) if self.differ(a, e) else ""
            return self.entry(level, point, k, j, a, e, KINK if why else OK, why)
        why = self.is_kink(level, point, k, j, a, value)
        if why:
            return self.entry(level, point, k, j, a, e, KINK, why)
        return self.entry(level, point, k, j, a, e, MISMATCH,
                          f"analytic {a!r} but finite differences give {e.central!r}")

    def entry(self, level: int, point: list[float], k: int, j: int, a: float | None,
              e: _Estimate | None, status: str, note: str = "") -> GradcheckEntry:
        """Build one entry; level 1 names only x_j, level 2 names x_k then x_j."""
        wrt = (self.names[j],) if level == 1 else (self.names[k], self.names[j])
        n, err = (e.central, e.error) if e is not None else (None, None)
        return GradcheckEntry(wrt, point[j], a, n, err, status, note)


def _moved(point: Sequence[float], j: int, t: float) -> list[float]:
    """point with input j set to t."""
    moved = list(point)
    moved[j] = t
    return moved


def _float(g: Any) -> float:
    """A gradient from grad_fn as a float (Values are read by their data)."""
    return g.data if isinstance(g, Value) else float(g)


def _value(g: Any) -> Value:
    """A create_graph gradient as a Value (a plain number is a constant)."""
    return g if isinstance(g, Value) else Value(g)
