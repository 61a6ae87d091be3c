"""Workload 5: gradcheck throughput, in random programs checked per second.

Programs come from ``autograd.strategies.programs()`` (hypothesis). Two rates are reported:
``gradcheck`` alone on programs drawn beforehand (the engine's share), and a whole property
test, hypothesis drawing each program and gradcheck checking it (what a test suite pays).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from benchmarks.harness import Clock, Row, compare, median
from benchmarks.moons import GateError

if TYPE_CHECKING:  # hypothesis is imported only when workload 5 runs
    from hypothesis import settings

__all__ = ["available", "draw", "gate", "rows"]


def available() -> str | None:
    """None when gradcheck and the program strategy can be used; otherwise why not."""
    try:
        import autograd
        from autograd.strategies import programs
    except ImportError as err:
        return f"not measured: {err}"
    missing = [name for name in ("gradcheck", "assert_gradcheck")
               if not callable(getattr(autograd, name, None))]
    if missing or not callable(programs):
        return f"not measured: autograd does not export {', '.join(missing) or 'programs'} yet"
    return None


def _settings(count: int) -> settings:
    from hypothesis import HealthCheck, Phase, settings

    # derandomized generation only, no example database: the same programs on every run, and
    # no files written
    return settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck), derandomize=True)


def draw(count: int) -> list[tuple[Any, list[float]]]:
    """Up to ``count`` (program, inputs) pairs from ``programs()``, the same on every run."""
    from hypothesis import given

    from autograd.strategies import programs

    drawn: list[tuple[Any, list[float]]] = []

    @_settings(count)
    @given(programs())
    def collect(pair: tuple[Any, list[float]]) -> None:
        drawn.append(pair)

    collect()
    return drawn


def _check_all(pairs: list[tuple[Any, list[float]]]) -> Callable[[], list[Any]]:
    from autograd import gradcheck

    def step() -> list[Any]:
        return [gradcheck(program, inputs) for program, inputs in pairs]
    return step


def _property_test(count: int) -> Callable[[], object]:
    from hypothesis import given

    from autograd import assert_gradcheck
    from autograd.strategies import programs

    @_settings(count)
    @given(programs())
    def test(pair: tuple[Any, list[float]]) -> None:
        assert_gradcheck(*pair)

    return test


def gate(out: Callable[[str], None], count: int = 50) -> None:
    """Every drawn program passes gradcheck on our engine (no false alarm to time)."""
    why = available()
    if why is not None:
        out(f"  workload 5: {why}")
        return
    pairs = draw(count)
    reports = _check_all(pairs)()
    for (program, inputs), report in zip(pairs, reports, strict=True):
        if not report:
            raise GateError(f"workload 5: gradcheck rejects {program!r} at {inputs}:\n{report}")
    out(f"  workload 5: gradcheck passes all {len(pairs)} drawn programs")


def rows(count: int, repeat: int, clock: Clock) -> list[Row]:
    """Programs per second: gradcheck alone, and a whole hypothesis property test."""
    why = available()
    if why is not None:
        return [Row("W5 gradcheck throughput", "-", target=why)]
    pairs = draw(count)
    times = compare({"alone": lambda: _check_all(pairs),
                     "test": lambda: _property_test(count)}, repeat, clock)
    alone = len(pairs) / median(times["alone"])
    test = len(pairs) / median(times["test"])  # same seed and settings: the same programs
    return [Row("W5 gradcheck, programs/s", f"{alone:.0f}/s",
                target=f"({len(pairs)} programs drawn beforehand)"),
            Row("W5 property test (draw + gradcheck), programs/s", f"{test:.0f}/s",
                target=f"(hypothesis, max_examples={count})")]
