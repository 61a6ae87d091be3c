"""Ridders' method: the finite-difference core of gradcheck, knowing nothing of Values.

Central differences at steps h, h/2, h/4, ... extrapolated in a Richardson tableau, with an
error estimate never below the round-off of the values subtracted; `Judge` holds the
tolerances and the search over first steps that settles (or fails to settle) a claimed slope.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

__all__ = ["PROBE_ERRORS", "Estimate", "Judge", "as_float", "moved", "ridders", "scale", "scales"]

_FIRST = 0.25  # the largest step, as a fraction of the input's scale
_LEVELS = 14  # steps per Richardson tableau: h down to h / 2**13
_TRIES, _RESTART = 3, 2.0**-4  # first steps tried: _FIRST, then _FIRST / 16, then / 256
_NOISE = 8.0 * 2.0**-53  # round-off of a difference, per unit of the values subtracted
_SHRINK = 2.0**-45  # a probe that leaves the domain is retried with halved steps down to this
_BAR = 1e-4  # an error bar this wide (relative to the estimate) still confirms agreement
# the engine's domain errors (ValueError, ZeroDivisionError, OverflowError), and arithmetic
# errors of f's own (the CLI's expressions raise MathError)
PROBE_ERRORS = (ValueError, ArithmeticError)


def scale(x: float) -> float:
    """The power of two at or below |x| (1 for 0): finite-difference steps are fractions of it."""
    if x == 0.0:
        return 1.0
    exponent = math.frexp(abs(x))[1] - 1
    return math.ldexp(1.0, max(exponent, -1000))  # far above 2**-1074, so halving stays exact


def scales(x: float) -> list[float]:
    """The scales that steps are fractions of: x's, and for small inputs 1 too."""
    return [scale(x), 1.0] if abs(x) < 1.0 else [scale(x)]


class Estimate(NamedTuple):
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
    except PROBE_ERRORS:
        return None
    # divide by the actual distances: x + h can round when it crosses a power of two; the
    # round-off is scaled before it is summed, so values near the float limit do not overflow
    diffs = [((u - v) / w, (_NOISE * abs(u) + _NOISE * abs(v)) / w)
             for u, v, w in ((fp, fm, xp - xm), (f0, fm, x - xm), (fp, f0, xp - x))]
    return diffs if all(math.isfinite(d) for d, _ in diffs) else None


def ridders(fn: Callable[[float], float], x: float, h: float, f0: float,
             enough: float, key: int = 0) -> Estimate | None:
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
    return Estimate(c, c_err, lft, l_err, rgt, r_err, start, tableaus[0].floor)


class Judge:
    """Tolerances, and the search for a finite-difference estimate that settles a claim."""

    def __init__(self, atol: float, rtol: float, step: float | None) -> None:
        self.atol, self.rtol, self.step = atol, rtol, step

    def tolerance(self, a: float, n: float) -> float:
        """How far analytic a and numeric n may differ, before n's own error."""
        return self.atol + self.rtol * max(abs(a), abs(n))

    def agrees(self, a: float, e: Estimate) -> bool:
        """Whether a and e agree within tolerance and e's error estimate."""
        return abs(a - e.central) <= self.tolerance(a, e.central) + e.error

    def narrow(self, a: float, n: float, error: float) -> bool:
        """Whether an error bar is within two tolerances or 0.01% of n: a 47% bar agrees with
        anything, and is no agreement."""
        return error <= max(2.0 * self.tolerance(a, n), _BAR * abs(n))

    def confident(self, a: float, e: Estimate) -> bool:
        """Whether e's error bar is narrow, or round-off (twice its floor) is all it is."""
        return self.narrow(a, e.central, e.error) or e.error <= 2.0 * e.floor

    def settled(self, a: float, e: Estimate | None) -> bool:
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
            return [scale(self.step)]
        starts = [s * _FIRST * _RESTART**i for i in range(_TRIES) for s in scales(x)]
        if a != 0.0:
            starts.append(max(self.resolving(a, value), 4.0 * math.ulp(x)))
        return starts

    def resolving(self, a: float, value: float) -> float:
        """A step short enough to follow a claimed slope a: it moves value by a sixteenth."""
        return scale((abs(value) + self.atol) / abs(a)) * _RESTART if a != 0.0 else math.inf

    def resolvable(self, fn: Callable[[float], float], x: float, value: float) -> bool:
        """Whether fn is smooth at the scale of the float grid: its slopes over 4 and 8 ulps
        of x (2**-960 at least, far from subnormals, which round coarsely) agree to a
        sixteenth, beyond round-off (sin at 1e16, where floats are 2 apart, is not)."""
        u = max(4.0 * math.ulp(x), 2.0**-960)
        try:
            ends = fn(x + u), fn(x + 2.0 * u)
        except PROBE_ERRORS:
            return True  # a domain's edge, not a resolution limit
        near, far = (ends[0] - value) / u, (ends[1] - value) / (2.0 * u)
        noise = (_NOISE * abs(ends[0]) + _NOISE * abs(ends[1]) + 2.0 * _NOISE * abs(value)) / u
        return abs(near - far) <= max(abs(near), abs(far)) / 16.0 + noise

    def search(self, fn: Callable[[float], float], x: float, value: float,
               a: float) -> tuple[Estimate | None, list[Estimate]]:
        """The best estimate of fn's slope at x (None outside fn's domain), and all tried.

        Trying stops at an estimate that is confident and agrees with a; otherwise the one
        with the smallest error is kept.
        """
        best: Estimate | None = None
        tried = []
        for h in self.starts(x, a, value):
            if self.settled(a, best):
                break
            new = ridders(fn, x, h, value, 0.01 * self.tolerance(a, a))
            if new is None:
                continue
            tried.append(new)
            if best is None or self.settled(a, new) or (
                    not self.settled(a, best) and new.error < best.error):
                best = new
        return best, tried

    def doubt(self, a: float, best: Estimate, tried: list[Estimate]) -> Estimate | None:
        """An estimate from smaller steps than the best that allows a and contradicts it."""
        return next((t for t in tried if t.start < best.start and self.agrees(a, t)
                     and abs(t.central - best.central) > t.error + best.error), None)


def moved(point: Sequence[float], j: int, t: float) -> list[float]:
    """point with input j set to t."""
    moved = list(point)
    moved[j] = t
    return moved


def as_float(g: Any) -> float:
    """A gradient as a float: numbers as they are, Values (anything with .data) by their data."""
    data = getattr(g, "data", g)
    return float(data)
