"""Check derivatives against finite differences: `gradcheck` returns a report, `assert_gradcheck`
raises with it, `find_culprit` names the node whose own rule is wrong.

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

import dataclasses
import html
import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, NamedTuple

from autograd.engine import Value, apply_op, grad, walk
from autograd.ops import Op

__all__ = ["Culprit", "GradcheckEntry", "GradcheckReport", "assert_gradcheck", "find_culprit",
           "gradcheck"]

OK, MISMATCH, KINK, DOMAIN, NONFINITE = "ok", "mismatch", "kink", "domain", "nonfinite"
UNRESOLVED = "unresolved"  # no step resolves the derivative: neither agreement nor mismatch

_FIRST = 0.25  # the largest step, as a fraction of the input's scale
_LEVELS = 14  # steps per Richardson tableau: h down to h / 2**13
_TRIES, _RESTART = 3, 2.0**-4  # first steps tried: _FIRST, then _FIRST / 16, then / 256
_NOISE = 8.0 * 2.0**-53  # round-off of a difference, per unit of the values subtracted
_SHRINK = 2.0**-45  # a probe that leaves the domain is retried with halved steps down to this
_NEAR = 2.0**-20  # "just left/right" of a kink, relative to scale
_NUDGE = 2.0**-30  # how far a kinked operand is moved to read a one-sided rule
_BAR = 1e-4  # an error bar this wide (relative to the estimate) still confirms agreement
_MAX_KINKS = 4  # kinked nodes whose one-sided rules are combined (3**4 rebuilt graphs)
# the engine's domain errors (ValueError, ZeroDivisionError, OverflowError), and arithmetic
# errors of f's own (the CLI's expressions raise MathError)
_PROBE_ERRORS = (ValueError, ArithmeticError)


@dataclass(frozen=True)
class GradcheckEntry:
    """One checked derivative: d f / d wrt[0] (order 1) or d2 f / d wrt[0] d wrt[1] (order 2)."""

    wrt: tuple[str, ...]  # the input names, the one varied by the finite differences last
    point: float  # that input's value
    analytic: float | None  # from the engine (None when it raised)
    numeric: float | None  # from finite differences (None when every probe left the domain)
    numeric_error: float | None  # the estimated error of `numeric`
    status: str  # ok / mismatch / kink / domain / nonfinite / unresolved
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


_HEADER = ("derivative", "point", "analytic", "numeric", "+-numeric", "abs error", "rel error",
           "status")


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
        """The entries that do not agree (mismatch, domain, nonfinite or unresolved)."""
        return [e for e in self.entries if not e.ok]

    def summary(self) -> str:
        """The first line: where, how many disagree, the tolerances."""
        bad = len(self.failures)
        at = ", ".join(f"{n}={x!r}" for n, x in zip(self.names, self.inputs, strict=True))
        verdict = (f"{bad} of {len(self.entries)} derivatives disagree" if bad
                   else f"all {len(self.entries)} derivatives agree")
        return f"gradcheck at {at}: {verdict} (rtol={self.rtol!r}, atol={self.atol!r})"

    def rows(self) -> list[tuple[str, ...]]:
        """The table's cells, one tuple per entry, as `_HEADER` names the columns."""
        return [(e.derivative, _fmt(e.point), _fmt(e.analytic), _fmt(e.numeric),
                 _fmt(e.numeric_error), _fmt(e.abs_error), _fmt(e.rel_error), e.status)
                for e in self.entries]

    def __str__(self) -> str:
        rows = [_HEADER, *self.rows()]
        widths = [max(len(row[c]) for row in rows) for c in range(len(_HEADER))]
        lines = [self.summary()]
        for row in rows:
            cells = [cell.ljust(w) if c in (0, 7) else cell.rjust(w)
                     for c, (cell, w) in enumerate(zip(row, widths, strict=True))]
            lines.append("  ".join(cells).rstrip())
        lines += [f"  {e.derivative}: {e.note}" for e in self.entries if e.note]
        return "\n".join(lines)

    __repr__ = __str__  # the REPL shows the table

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter (every cell escaped)."""
        def cells(tag: str, row: Sequence[str]) -> str:
            return "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)
        body = "".join(f'<tr class="{html.escape(e.status)}">{cells("td", row)}</tr>'
                       for e, row in zip(self.entries, self.rows(), strict=True))
        notes = "".join(f"<li>{html.escape(e.derivative)}: {html.escape(e.note)}</li>"
                        for e in self.entries if e.note)
        return (f"<div><p>{html.escape(self.summary())}</p><table><thead><tr>"
                f"{cells('th', _HEADER)}</tr></thead><tbody>{body}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


def _fmt(x: float | None) -> str:
    return "-" if x is None else repr(x)


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
    """Finite-difference slopes at a point: central, from the left and from the right."""

    central: float
    error: float  # the estimated error of `central`
    left: float
    left_error: float
    right: float
    right_error: float
    start: float  # the largest step it came from
    floor: float  # the round-off part of `error`: no step does better


class _Tableau:
    """Richardson extrapolation of differences at steps h, h/2, h/4, ... (Ridders' method).

    Each new column cancels the next power of h in the error (``ratio`` 4 for central
    differences, whose error has even powers only; 2 for one-sided ones). The estimate kept is
    the one that changed least from its neighbours. No error estimate is allowed below the
    round-off of the differences it came from, so values that happen to agree cannot fake
    confidence, and the tableau is done once that round-off exceeds its best error.
    """

    def __init__(self, ratio: float) -> None:
        self.ratio, self.prev = ratio, list[float]()
        self.best, self.err, self.done, self.floor = math.nan, math.inf, False, 0.0

    def add(self, d: float, noise: float) -> None:
        """Add the difference at the next (halved) step, with its round-off."""
        if not self.prev:
            self.best = d
        col, fac = [d], self.ratio
        for older in self.prev:
            new = col[-1] + (col[-1] - older) / (fac - 1.0)  # (fac * newer - older) / (fac - 1)
            e = max(abs(new - col[-1]), abs(new - older), noise)
            if not self.done and e <= self.err:
                self.best, self.err, self.floor = new, e, noise
            col.append(new)
            fac *= self.ratio
        self.done = self.done or noise > self.err
        self.prev = col


def _probe(fn: Callable[[float], float], x: float, h: float,
           f0: float) -> list[tuple[float, float]] | None:
    """Central, left and right differences of fn at x with step h, each with its round-off;
    None if fn fails there."""
    xp, xm = x + h, x - h
    if xp == x or xm == x:
        return None
    try:
        fp, fm = fn(xp), fn(xm)
    except _PROBE_ERRORS:
        return None
    # divide by the actual distances: x + h can round when it crosses a power of two; the
    # round-off is scaled before it is summed, so values near the float limit do not overflow
    diffs = [((u - v) / w, (_NOISE * abs(u) + _NOISE * abs(v)) / w)
             for u, v, w in ((fp, fm, xp - xm), (f0, fm, x - xm), (fp, f0, xp - x))]
    return diffs if all(math.isfinite(d) for d, _ in diffs) else None


def _ridders(fn: Callable[[float], float], x: float, h: float, f0: float,
             enough: float, key: int = 0) -> _Estimate | None:
    """The slope of fn at x with an error estimate; None outside fn's domain.

    Steps h, h/2, h/4, ... until the central estimate's error is below ``enough`` or round-off
    stops it improving. A probe that leaves fn's domain ends the tableau; one with fewer than
    two steps is dropped and the halving goes on (near a boundary, or where the domain has
    holes), down to ``h * _SHRINK``. ``f0`` is fn(x). ``key`` 1 or 2 refines the left or
    right slope instead of the central one.
    """
    start, smallest = h, h * _SHRINK
    while True:
        tableaus = _Tableau(4.0), _Tableau(2.0), _Tableau(2.0)  # central, left, right
        for _ in range(_LEVELS):
            diffs = _probe(fn, x, h, f0)
            h /= 2.0
            if diffs is None:
                break
            for tableau, (d, noise) in zip(tableaus, diffs, strict=True):
                tableau.add(d, noise)
            if tableaus[key].done or tableaus[key].err <= enough:
                break
        if tableaus[key].err < math.inf:
            break  # at least two steps: an estimate with an error
        if h < smallest:
            return None
    (c, c_err), (lft, l_err), (rgt, r_err) = ((t.best, t.err) for t in tableaus)
    # where f'' jumps (x * relu(x) at 0) central differences gain odd powers of h that the
    # tableau cannot cancel; agreeing one-sided slopes are then the better estimate
    mid_err = max(l_err, r_err) + abs(lft - rgt) / 2.0
    if mid_err < c_err:
        c, c_err = (lft + rgt) / 2.0, mid_err
    # one-sided slopes that disagree beyond their errors mean the steps straddled a jump
    # (abs' near, not at, 0): no central estimate is surer than half that disagreement
    c_err = max(c_err, (abs(lft - rgt) - l_err - r_err) / 2.0)
    return _Estimate(c, c_err, lft, l_err, rgt, r_err, start, tableaus[0].floor)


class _Judge:
    """Tolerances, and the search for a finite-difference estimate that settles a claim."""

    def __init__(self, atol: float, rtol: float, step: float | None) -> None:
        self.atol, self.rtol, self.step = atol, rtol, step

    def tolerance(self, a: float, n: float) -> float:
        """How far analytic a and numeric n may differ, before n's own error."""
        return self.atol + self.rtol * max(abs(a), abs(n))

    def agrees(self, a: float, e: _Estimate) -> bool:
        """Whether a and e agree within tolerance and e's error estimate."""
        return abs(a - e.central) <= self.tolerance(a, e.central) + e.error

    def confident(self, a: float, e: _Estimate) -> bool:
        """Whether e's error bar is within two tolerances, 0.01% of e, or twice its
        round-off: a 47% bar agrees with anything, and is no agreement."""
        return e.error <= max(2.0 * self.tolerance(a, e.central), _BAR * abs(e.central),
                              2.0 * e.floor)

    def settled(self, a: float, e: _Estimate | None) -> bool:
        """Whether e confidently agrees with a (no need to try other steps)."""
        return e is not None and e.error <= self.tolerance(a, e.central) and self.agrees(a, e)

    def starts(self, x: float, a: float, value: float) -> list[float]:
        """The first steps to try at x for a claimed slope a of a function worth value there.

        A fast oscillation (cos of a steep function) fools steps far above its period: they
        see the trend, and agree on it. So the steps are: scaled to |x|; for small inputs
        scaled to 1 (``sin(x + 1000)`` at x = 1e-12); both again from smaller first steps;
        last, steps where a moves the value by a sixteenth of its size (at least 4 ulps of x).
        """
        if self.step is not None:
            return [_scale(self.step)]
        starts = [s * _FIRST * _RESTART**i for i in range(_TRIES) for s in _scales(x)]
        if a != 0.0:
            starts.append(max(self.resolving(a, value), 4.0 * math.ulp(x)))
        return starts

    def resolving(self, a: float, value: float) -> float:
        """A step short enough to follow a claimed slope a: it moves value by a sixteenth."""
        return _scale((abs(value) + self.atol) / abs(a)) * _RESTART if a != 0.0 else math.inf

    def resolvable(self, x: float, a: float, value: float) -> bool:
        """Whether steps that follow slope a still move x (sin at 1e16: none does)."""
        return self.resolving(a, value) >= 4.0 * math.ulp(x)

    def search(self, fn: Callable[[float], float], x: float, value: float,
               a: float) -> tuple[_Estimate | None, list[_Estimate]]:
        """The best estimate of fn's slope at x (None outside fn's domain), and all tried.

        Trying stops at an estimate that is confident and agrees with a; otherwise the one
        with the smallest error is kept.
        """
        best: _Estimate | None = None
        tried = []
        for h in self.starts(x, a, value):
            if self.settled(a, best):
                break
            new = _ridders(fn, x, h, value, 0.01 * self.tolerance(a, a))
            if new is None:
                continue
            tried.append(new)
            if best is None or self.settled(a, new) or (
                    not self.settled(a, best) and new.error < best.error):
                best = new
        return best, tried

    def doubt(self, a: float, best: _Estimate, tried: list[_Estimate]) -> _Estimate | None:
        """An estimate from smaller steps than the best that allows a and contradicts it."""
        return next((t for t in tried if t.start < best.start and self.agrees(a, t)
                     and abs(t.central - best.central) > t.error + best.error), None)


class _Checker(_Judge):
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
            self.memo[key] = [_float(g) for g in self.grads(out, xs)]
        return self.memo[key]

    def lift(self, out: Value, xs: list[Value]) -> Value:
        """T's node, from f's output ``out``."""
        return out if self.k is None else _value(self.grads(out, xs, create_graph=True)[self.k])

    def value(self, point: Sequence[float]) -> float:
        """T at point."""
        return self.call(point)[0].data if self.k is None else self.gradient(point)[self.k]

    def analytic(self, point: Sequence[float]) -> list[float]:
        """dT/dx_j for every j, from grad_fn."""
        if self.k is None:
            return self.gradient(point)
        out, xs = self.call(point)
        return [_float(g) for g in self.grads(self.lift(out, xs), xs)]

    def entries(self, point: list[float]) -> list[GradcheckEntry]:
        """Check dT/dx_j at point for every input j."""
        try:
            value = self.value(point)
        except _PROBE_ERRORS as err:
            if self.k is None:  # f itself failed: the inputs are wrong
                raise ValueError(f"gradcheck: f is undefined at the inputs {point!r}: {err}. "
                                 "Choose inputs inside f's domain.") from err
            return self.raised(point, err)
        try:
            table = self.analytic(point)
        except _PROBE_ERRORS as err:
            return self.raised(point, err)
        return [self.judge(point, j, a, value) for j, a in enumerate(table)]

    def raised(self, point: list[float], err: Exception) -> list[GradcheckEntry]:
        """Every entry of this T as domain: the engine raised."""
        note = f"the engine raised: {type(err).__name__}: {err}"
        return [self.entry(point, j, None, None, DOMAIN, note) for j in range(len(point))]

    def entry(self, point: list[float], j: int, a: float | None, e: _Estimate | None,
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
        e, tried = self.search(lambda t: self.value(_moved(point, j, t)), point[j], value, a)
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
        if self.agrees(a, e) or doubt is not None or not self.resolvable(point[j], a, value):
            best = doubt or e
            return self.entry(point, j, a, best, UNRESOLVED, (
                f"no finite-difference step settles it: the closest estimate is "
                f"{best.central!r} +- {best.error!r}, wider than the tolerance (f jumps here, "
                f"or changes faster than the smallest step at {point[j]!r} can follow)"))
        note = f"analytic {a!r} but finite differences give {e.central!r}"
        culprit = find_culprit(self.call(point)[0], atol=self.atol, rtol=self.rtol)
        return self.entry(point, j, a, e, MISMATCH, note + (f"; {culprit}" if culprit else ""))

    def differ(self, a: float, e: _Estimate) -> bool:
        """Whether e's one-sided slopes differ by more than tolerance and their errors."""
        noise = self.tolerance(a, e.central) + 4.0 * (e.left_error + e.right_error)
        return abs(e.right - e.left) > noise

    def explain(self, point: list[float], j: int, a: float) -> str:
        """Why the point is a kink for dT/dx_j ('' if no kinked node explains the difference).

        The nodes of f's graph sitting at their row's ``kink`` are the only explanation
        accepted: each takes its row's one-sided rules (the operand nudged either way) in
        every combination, giving the values and slopes T can have here. T's one-sided slopes
        from finite differences must be among them and the analytic one (the rows'
        convention) between them; or, where T itself jumps, its values just left and right.
        Inputs within 2**-20 of 0 are looked at as 0 too: steps scaled to 1 straddle 0, so
        ``abs(x)`` at x = 1e-38 is as good as at its kink.
        """
        snapped = [0.0 if abs(x) < _NEAR else x for x in point]
        for at in [point] + ([snapped] if snapped != point else []):
            why = self.explain_at(at, j, a)
            if why:
                return why + ("" if at is point else " (inputs within 2**-20 of it)")
        return ""

    def explain_at(self, point: list[float], j: int, a: float) -> str:
        """`explain` with the kinked nodes of f's graph at ``point``."""
        out, xs = self.call(point)
        kinked = [node for node in walk(out) if _at_kink(node)][:_MAX_KINKS]
        if not kinked:
            return ""
        corners = self.corners(out, xs, kinked, j)
        where, value = _kink_text(kinked[0]), self.value(point)
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
        the right (key 2) of x_j; None if none is seen."""
        x = point[j]
        for h in self.starts(x, 0.0, value):
            e = _ridders(lambda t: self.value(_moved(point, j, t)), x, h, value,
                         0.01 * self.tolerance(value, value), key)
            if e is None:
                continue
            n, err = (e.left, e.left_error) if key == 1 else (e.right, e.right_error)
            slope = _nearest(n, slopes)
            if abs(slope - n) <= self.tolerance(slope, n) + 4.0 * err and err <= max(
                    2.0 * self.tolerance(slope, n), _BAR * abs(slope)):
                return slope
        return None

    def corners(self, out: Value, xs: list[Value], kinked: list[Value],
                j: int) -> list[tuple[float, float]]:
        """T's value and dT/dx_j with every combination of the kinked rows' one-sided rules."""
        found = []
        for rows in product(*(_one_sided(node) for node in kinked)):
            try:
                t = self.lift(_rebuild(out, dict(zip(kinked, rows, strict=True))), xs)
                found.append((t.data, _float(self.grads(t, xs)[j])))
            except _PROBE_ERRORS:
                continue
        return found

    def jump(self, point: list[float], j: int, corners: list[tuple[float, float]],
             where: str) -> str:
        """Why T's jump at x_j is a kink: its values just left and right are corner values."""
        values = [v for v, _ in corners]
        slack = 2.0 * max(abs(s) for _, s in corners)
        x = point[j]
        for scale in _scales(x):
            d = scale * _NEAR
            try:
                sides = [self.value(_moved(point, j, x + t)) for t in (-d, d)]
            except _PROBE_ERRORS:
                continue
            near = [_nearest(v, values) for v in sides]
            if all(abs(u - v) <= self.tolerance(u, v) + slack * d
                   for u, v in zip(near, sides, strict=True)):
                return (f"not differentiable here ({where}): {self.label} itself jumps, "
                        f"{near[0]!r} just left and {near[1]!r} just right")
        return ""


def _at_kink(node: Value) -> bool:
    """Whether node's row declares a kink at node's operands (relu or abs at 0)."""
    op = node.op
    return op is not None and op.kink is not None and bool(op.kink(*(p.data for p in node.parents)))


def _kink_text(node: Value) -> str:
    """e.g. "relu at x = 0.0"."""
    assert node.op is not None  # only nodes made by an op sit at a kink
    operands = [p.data for p in node.parents]
    names = node.op.operand_names(len(operands))
    at = ", ".join(f"{n} = {v!r}" for n, v in zip(names, operands, strict=True))
    return f"{node.op.name} at {at}"


def _one_sided(node: Value) -> list[Op]:
    """node's row, and copies with its partials read just beside the kink (each operand
    nudged each way)."""
    op = node.op
    assert op is not None
    operands, rows = [p.data for p in node.parents], dict[tuple[float, ...], Op]()
    for slot, side in product(range(len(operands)), (-1.0, 1.0)):
        moved = _moved(operands, slot, operands[slot] + side * _scale(operands[slot]) * _NUDGE)
        try:
            local = tuple(_float(d) for d in op.partials(op.forward(*moved), *moved))
        except _PROBE_ERRORS:
            continue
        rows.setdefault(local, dataclasses.replace(op, partials=lambda out, *a, d=local: d))
    return [op, *rows.values()]  # the row's own convention is a choice too (abs'(0) = 0)


def _rebuild(root: Value, rows: dict[Value, Op]) -> Value:
    """A copy of root's graph, the nodes in ``rows`` made with those rows (leaves shared)."""
    new: dict[Value, Value] = {}
    for node in walk(root):
        op = rows.get(node, node.op)
        new[node] = node if op is None else apply_op(op, *(new[p] for p in node.parents))
    return new[root]


def _nearest(x: float, candidates: Sequence[float]) -> float:
    return min(candidates, key=lambda c: abs(c - x), default=math.nan)


@dataclass(frozen=True)
class Culprit:
    """A node whose row's own local derivative disagrees with finite differences of the row."""

    node: Value
    name: str  # the node's label, else v<i> with i its place in walk(root)
    expression: str  # how it was made, e.g. ``log1p(v2)``
    slot: int  # the operand slot whose partial is wrong
    operand: str  # the row's name for that operand: x, y, n, w_1, ...
    analytic: float  # the row's partial derivative
    numeric: float  # finite differences of the row's forward
    numeric_error: float

    def __str__(self) -> str:
        return (f"node {self.name} = {self.expression}: d/d{self.operand} is "
                f"{self.analytic:.4g}, finite differences give {self.numeric:.4g}")


def find_culprit(root: Value, *, atol: float = 1e-10, rtol: float = 1e-6) -> Culprit | None:
    """The first node of root's graph (walk order: operands first) whose row's local partial
    derivative, at that node's recorded operands, disagrees with finite differences of the
    row's forward; None if every local rule agrees.

    Nodes at their row's kink, and slots whose formula declares them constant (pow's number
    exponent), are not checked. Tolerances as in `gradcheck`.
    """
    order = walk(root)
    names: dict[Value, str] = {}
    for i, node in enumerate(order):
        names[node] = node.label or (repr(node.data) if node.op is None else f"v{i}")
    for node in order:
        found = _local_check(node, names, atol, rtol)
        if found is not None:
            return found
    return None


def _local_check(node: Value, names: dict[Value, str], atol: float,
                 rtol: float) -> Culprit | None:
    """The first slot of node whose row's partial disagrees with finite differences."""
    op = node.op
    if op is None or _at_kink(node):
        return None
    xs = [p.data for p in node.parents]
    try:
        local = [_float(d) for d in op.partials(node.data, *xs)]
    except _PROBE_ERRORS:
        return None
    judge = _Judge(atol, rtol, None)
    for slot, a in enumerate(local):
        if "constant" in op.formula(slot, len(xs)) or not math.isfinite(a):
            continue
        e, tried = judge.search(_along(op, xs, slot), xs[slot], node.data, a)
        if (e is not None and judge.doubt(a, e, tried) is None and judge.confident(a, e)
                and not judge.agrees(a, e)
                and judge.resolvable(xs[slot], a, node.data)):
            return Culprit(node, names[node], _expression(node, names), slot,
                           op.operand_names(len(xs))[slot], a, e.central, e.error)
    return None


def _along(op: Op, operands: list[float], slot: int) -> Callable[[float], float]:
    """op's forward as a function of one operand, the others held."""
    return lambda t: float(op.forward(*_moved(operands, slot, t)))


def _expression(node: Value, names: dict[Value, str]) -> str:
    """How node was made from its operands' names: ``x * y``, ``-x``, ``log1p(v2)``."""
    assert node.op is not None
    args = [names[p] for p in node.parents]
    symbol = node.op.symbol
    if len(args) == 2 and not symbol.isalnum():
        return f"{args[0]} {symbol} {args[1]}"
    if len(args) == 1 and symbol == "-":
        return f"-{args[0]}"
    return f"{node.op.name}({', '.join(args)})"


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
