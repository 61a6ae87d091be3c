"""Workload 5: gradcheck throughput, in random programs checked per second.

Programs come from ``autograd.strategies.programs()`` (hypothesis). Two rates are reported:
``gradcheck`` alone on programs drawn beforehand (the engine's share), and a whole property
test, hypothesis drawing each program and gradcheck checking it (what a test suite pays).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.harness import Row, compare, median
from benchmarks.moons import GateError

__all__ = ["available", "draw", "gate", "rows"]

_SEED = 20240607  # fixed, so every run checks the same programs


def available() -> str | None:
    """None when gradcheck and the program strategy import; otherwise why not."""
    try:
        from autograd.strategies import programs  # noqa: F401

        from autograd import gradcheck  # noqa: F401
    except ImportError as err:
        return f"not measured: {err}"
    return None


def _settings(count: int) -> Any:
    from hypothesis import HealthCheck, Phase, settings

    # generation only, no example database: the same work on every run, no files written
    return settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck), derandomize=True)


def draw(count: int) -> list[tuple[Any, list[float]]]:
    """Up to ``count`` (program, inputs) pairs from ``programs()``, the same on every run."""
    from autograd.strategies import programs
    from hypothesis import given, seed

    drawn: list[tuple[Any, list[float]]] = []

    @seed(_SEED)
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
    from autograd.strategies import programs
    from hypothesis import given, seed

    from autograd import assert_gradcheck

    @seed(_SEED)
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


def rows(count: int, repeat: int) -> list[Row]:
    """Programs per second: gradcheck alone, and a whole hypothesis property test."""
    why = available()
    if why is not None:
        return [Row("W5 gradcheck throughput", "-", target=why)]
    pairs = draw(count)
    times = compare({"alone": lambda: _check_all(pairs),
                     "test": lambda: _property_test(count)}, repeat)
    alone = len(pairs) / median(times["alone"])
    test = len(pairs) / median(times["test"])  # same seed and settings: the same programs
    return [Row("W5 gradcheck, programs/s", f"{alone:.0f}/s",
                target=f"({len(pairs)} programs drawn beforehand)"),
            Row("W5 property test (draw + gradcheck), programs/s", f"{test:.0f}/s",
                target=f"(hypothesis, max_examples={count})")]
