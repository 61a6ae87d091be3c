"""Where the time goes: cProfile of one step of workloads 1 and 2, and the collector's share.

``python -m benchmarks --profile`` prints, after the gate, the functions with the most own
time (cProfile with a CPU-time clock; its overhead inflates every call, so read the shares,
not the totals) and, measured without the profiler, the share of each step spent in the
garbage collector, for our engine and for micrograd.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

__all__ = ["gc_share", "profile"]


def gc_share(step: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds of one ``step()`` after a full collection, and how many of them the GC took."""
    spent = 0.0
    started = 0.0

    def watch(phase: str, info: dict[str, Any]) -> None:
        nonlocal spent, started
        if phase == "start":
            started = time.process_time()
        else:
            spent += time.process_time() - started

    gc.collect()
    gc.callbacks.append(watch)
    try:
        start = time.process_time()
        result = step()
        total = time.process_time() - start
    finally:
        gc.callbacks.remove(watch)
    del result
    gc.collect()
    return total, spent


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
