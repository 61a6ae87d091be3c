"""Where the time goes in one step of workloads 1 and 2: phases, the collector, cProfile.

``python -m benchmarks --profile`` prints, after the gate, each phase's CPU time (build,
backward, update...) with the part of it the garbage collector took, for our engine and for
micrograd, measured without a profiler; then the functions with the most own time under
cProfile (CPU-time clock). cProfile's per-call overhead inflates small functions, so read its
list as a pointer, and the phase times as the measurement.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Phase", "profile", "time_phases"]

Phase = tuple[str, Callable[[Any], Any]]
"""A named part of a step: it receives what the previous phase returned."""


class _GCWatch:
    """CPU seconds the garbage collector spends while installed (a ``gc.callbacks`` entry)."""

    def __init__(self) -> None:
        self.spent = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.spent += time.process_time() - self._start


def time_phases(make: Callable[[], list[Phase]], repeat: int) -> list[tuple[str, float, float]]:
    """Median CPU seconds of each phase and of the collector within it, over ``repeat`` steps.

    Each step runs the phases of a fresh ``make()`` in order, after a full collection.
    """
    samples: dict[str, list[tuple[float, float]]] = {}
    for _ in range(repeat):
        phases = make()
        watch = _GCWatch()
        gc.collect()
        gc.callbacks.append(watch)
        try:
            result: Any = None
            for name, phase in phases:
                before, start = watch.spent, time.process_time()
                result = phase(result)
                samples.setdefault(name, []).append(
                    (time.process_time() - start, watch.spent - before))
        finally:
            gc.callbacks.remove(watch)
        del result, phases
        gc.collect()
    return [(name, statistics.median(t for t, _ in runs), statistics.median(g for _, g in runs))
            for name, runs in samples.items()]


def profile(step: Callable[[], object], top: int = 12) -> str:
    """The ``top`` functions by own time during one ``step()``, as pstats prints them."""
    gc.collect()
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    result = step()
    profiler.disable()
    del result
    gc.collect()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    lines = text.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "function calls" in line)
    return "\n".join(line for line in lines[start:] if line.strip())
