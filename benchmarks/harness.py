"""Timing, machine information and the results table shared by every workload."""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata

__all__ = ["Clock", "Row", "Setup", "compare", "format_bytes", "format_seconds", "machine_info",
           "median", "render_table", "speedup", "tamed"]

# A setup builds what a measurement needs (fresh parameters, a graph) outside the timer and
# returns the zero-argument callable that is timed.
Setup = Callable[[], Callable[[], object]]

# Steps faster than this are timed as a loop of several calls, so timer resolution and the
# per-call bookkeeping do not dominate (the numpy reference takes tens of microseconds).
_MIN_SAMPLE = 0.02


@dataclass
class Clock:
    """CPU and wall-clock seconds summed over samples: their ratio shows competing processes."""

    cpu: float = 0.0
    wall: float = 0.0

    def load_note(self) -> str:
        """One line on how busy the machine was while timing."""
        if self.cpu <= 0.0:
            return "no samples timed"
        ratio = self.wall / self.cpu
        busy = "" if ratio <= 1.15 else (
            " (other processes competed for the CPU: the CPU times above are this process's "
            "own, but caches were shared too, so expect noise)")
        return f"wall-clock / CPU time over all samples: {ratio:.2f}{busy}"


def _sample(setup: Setup, number: int, clock: Clock) -> float:
    """CPU seconds per call of one fresh ``setup()``, run ``number`` times after a collection."""
    step = setup()
    gc.collect()  # every engine starts from the same, empty garbage state
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(number - 1):
        step()
    result = step()  # the last result stays alive, so freeing its graph is not timed
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    del result, step
    gc.collect()  # micrograd's graphs are cycles: free them now, outside every timer
    clock.cpu += cpu
    clock.wall += wall
    return cpu / number


def compare(cases: dict[str, Setup], repeat: int, clock: Clock) -> dict[str, list[float]]:
    """CPU seconds per call of every case, ``repeat`` samples each, the cases interleaved.

    The first sample of each case calibrates how many calls a sample makes. Interleaving
    (round robin, starting one case later each round) spreads any drift of a shared machine
    over every case instead of charging it to whichever ran last.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    number = {}
    for name, setup in cases.items():
        once = _sample(setup, 1, clock)
        number[name] = math.ceil(_MIN_SAMPLE / once) if once < _MIN_SAMPLE else 1
        if number[name] == 1:  # slow enough to be a sample itself (micrograd's take seconds)
            times[name].append(once)
    for r in range(repeat):
        for name in names[r % len(names):] + names[: r % len(names)]:
            if len(times[name]) < repeat:
                times[name].append(_sample(cases[name], number[name], clock))
    return times


def speedup(reference: float, ours: float) -> str:
    """How many times faster ours is than the reference (or slower, when it is)."""
    if ours <= reference:
        return f"{reference / ours:.1f}x faster"
    return f"{ours / reference:.1f}x slower"


def format_seconds(seconds: float) -> str:
    """A duration with a readable unit: 1.23 s, 45.6 ms, 789 us, 12.3 ns."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return _three_digits(seconds / scale) + " " + unit
    return _three_digits(seconds / 1e-9) + " ns"


def format_bytes(n: float) -> str:
    """A byte count, whole bytes below a kilobyte."""
    return f"{n:.0f} B" if n < 1024 else _three_digits(n / 1024) + " KiB"


def _three_digits(x: float) -> str:
    return f"{x:.3g}" if x < 1000 else f"{x:.0f}"


@dataclass
class Row:
    """One line of the results table; text cells are already formatted."""

    workload: str
    ours: str
    micrograd: str = "-"
    numpy: str = "-"
    vs_micrograd: str = "-"
    vs_numpy: str = "-"
    target: str = ""
    met: bool | None = None  # None: no target on this line
    tamed: str = "-"  # micrograd with its collector tamed (off, one collection per step)
    vs_tamed: str = "-"

    def verdict(self) -> str:
        """The target and whether it is met, for the last column."""
        if self.met is None:
            return self.target
        return f"{self.target}: target {'met' if self.met else 'NOT met'}"


_HEADER = ("workload", "ours", "micrograd", "mg tamed", "numpy", "vs micrograd", "vs tamed",
           "vs numpy", "target")


def render_table(rows: Sequence[Row]) -> str:
    """The rows as an aligned plain-text table (also valid as a markdown table body)."""
    cells = [_HEADER] + [(r.workload, r.ours, r.micrograd, r.tamed, r.numpy, r.vs_micrograd,
                          r.vs_tamed, r.vs_numpy, r.verdict()) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_HEADER))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def median(samples: Sequence[float]) -> float:
    """The median of the samples (what every table cell reports)."""
    return statistics.median(samples)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for text in f:
                if text.startswith("model name"):
                    return text.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: fall back to what platform knows
    return platform.processor() or platform.machine() or "unknown CPU"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> str:
    """CPU model and count, OS, Python and library versions: where the numbers come from."""
    return (f"CPU: {_cpu_model()} ({os.cpu_count()} logical cores); {platform.system()} "
            f"{platform.release()}\nPython {platform.python_version()} "
            f"({platform.python_implementation()}); numpy {_version('numpy')}; "
            f"micrograd {_version('micrograd')}; GC thresholds {gc.get_threshold()}")


def tamed(setup: Setup, steps: int = 1) -> Setup:
    """``steps`` steps in a row with Python's cyclic collector off and one ``gc.collect()``
    after each (timed), as the best micrograd user would train.

    micrograd's closures make every node part of a reference cycle, so the collector's
    automatic passes dominate its step. Collecting once per step, after the step's result
    replaced the previous one (``loss = step(); gc.collect()``), frees the previous graph
    while only the current one is alive, as a training loop would.
    """
    def tamed_setup() -> Callable[[], object]:
        step = setup()

        def run() -> object:
            enabled = gc.isenabled()
            gc.disable()
            try:
                result = None
                for _ in range(steps):
                    result = step()
                    gc.collect()
            finally:
                if enabled:
                    gc.enable()
            return result
        return run
    return tamed_setup
