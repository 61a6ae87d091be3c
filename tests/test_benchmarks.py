"""The benchmark suite runs (quick mode), gates on correctness and prints its table.

No test here asserts a wall-clock time: timings depend on the machine and its load.
"""

from __future__ import annotations

import gc
import importlib.util
import math
import sys
from collections.abc import Callable

import numpy as np
import pytest

from autograd import Value
from benchmarks import chain, moons
from benchmarks.__main__ import main
from benchmarks.harness import Row, render_table, speedup, tamed

if importlib.util.find_spec("micrograd") is None:  # a failure, not a skip: CI must compare
    pytest.fail("micrograd is not installed: the benchmarks compare against it. `make bench` "
                "installs it (pip install micrograd==0.1.0)", pytrace=False)


def test_quick_run_passes_the_gate_and_prints_the_table() -> None:
    # as `make bench` runs it, in a process of its own: in this one, the heap the rest of the
    # suite left behind makes every garbage collection (micrograd's cost) several times slower
    import subprocess

    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick"], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "micrograd.nn.MLP and the shared builder: same loss bit for bit" in out
    assert "workload 1, our engine: loss and 337 gradients match micrograd to 1e-09" in out
    assert "workload 2, nn.MLP: loss and gradients match micrograd" in out
    assert "numpy reference: loss and gradients match micrograd" in out
    for name in ("op by op", "fused"):
        assert f"tape replay, {name}: " in out
    assert out.count("match micrograd to 1e-09 and our engine bit for bit") == 2
    assert "chain gradients match the closed form" in out
    assert "CPU: " in out and "Python 3." in out
    table = out[out.index("| workload"):]
    assert "| mg tamed " in table and "| vs tamed " in table
    for label in ("W1 step", "W2 step", "W1 tape replay, op by op", "W2 tape replay, fused",
                  "W3 chain backward, 10^4 ops", "W3 per op", "W4 memory per graph node",
                  "W4 a learner's own attributes", "W4 tape of the W1 graph", "W5 ",
                  "W6 make demo's moons training (3 steps"):
        assert label in table, f"no {label!r} row in the table:\n{table}"
    lines = [line for line in table.splitlines() if line.startswith("|")]
    assert len({len(line) for line in lines}) == 1, "the table's columns are not aligned"
    for title in ("W1 step", "W2 step"):  # judged in a training loop; fresh for information
        loop = next(line for line in lines if title in line and "-step loop" in line)
        fresh = next(line for line in lines if title in line and ", fresh" in line)
        assert "faster than micrograd: target " in loop and "(no target" in fresh
    for title in ("W1 tape replay", "W2 tape replay"):  # the tape is judged against tamed
        loop = next(line for line in lines if title in line and "-step loop" in line)
        assert "faster than micrograd tamed: target " in loop
    w3 = next(line for line in lines if "10^3 ops" in line)
    assert "RecursionError" in w3  # micrograd's recursive sort, shown instead of crashing
    assert "targets met:" in out


def test_gate_failure_aborts_before_timing(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # a gradient-only bug in our engine: relu's forward is right but it passes no gradient
    monkeypatch.setattr(Value, "relu", lambda self: Value(max(self.data, 0.0)))
    assert main(["--quick"]) == 1
    captured = capsys.readouterr()
    assert "correctness gate failed, nothing was timed" in captured.err
    assert "workload 1 (our engine, micrograd's graph): loss and gradients: entry 1 " in (
        captured.err)  # entry 0, the loss, still agrees
    assert "timing workloads" not in captured.out and "| workload" not in captured.out


def test_profile_mode_shows_phases_gc_and_hotspots(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--profile"]) == 0
    out = capsys.readouterr().out
    for title in ("W1, our engine", "W1, micrograd", "W2, nn.MLP"):
        assert f"{title}: one step " in out
    for phase in ("build the graph", "walk(loss) alone (extra)", "backward", "SGD update",
                  "forward, model(x) per point", "optimizer.step"):
        assert f"  {phase} " in out, f"no phase {phase!r} in:\n{out}"
    assert out.count("of which GC") == 5 + 4 + 5
    assert out.count("function calls") == 2 and "Ordered by: internal time" in out
    assert "| workload" not in out  # profiling replaces the timings


def test_check_close_names_the_first_disagreement() -> None:
    moons.check_close("same", [1.0, -2.5, 1e-12], [1.0, -2.5 * (1 + 1e-12), 0.0])
    with pytest.raises(moons.GateError, match=r"grads: entry 1 is 2\.000002"):
        moons.check_close("grads", [1.0, 2.000002], [1.0, 2.0])
    with pytest.raises(moons.GateError, match="entry 0"):
        moons.check_close("nan", [math.nan], [1.0])
    with pytest.raises(moons.GateError, match="2 values but the reference has 3"):
        moons.check_close("length", [1.0, 2.0], [1.0, 2.0, 3.0])


def test_numpy_reference_matches_finite_differences() -> None:
    # independent of both engines: central differences of the numpy loss itself
    weights = moons.make_weights(seed=3)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 2))
    y = rng.choice([-1.0, 1.0], size=8)
    ws, bs = moons.numpy_params(weights)
    _, gws, _ = moons.numpy_step([w.copy() for w in ws], [b.copy() for b in bs], x, y)
    h = 1e-6
    for layer, (i, j) in ((0, (3, 1)), (1, (5, 7)), (2, (0, 11))):
        plus, minus = [w.copy() for w in ws], [w.copy() for w in ws]
        plus[layer][i, j] += h
        minus[layer][i, j] -= h
        up = moons.numpy_step(plus, [b.copy() for b in bs], x, y)[0]
        down = moons.numpy_step(minus, [b.copy() for b in bs], x, y)[0]
        assert gws[layer][i, j] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


def test_chain_closed_form_matches_a_direct_computation() -> None:
    n = 40
    x, c, d = chain.X0, chain.C, chain.D
    for _ in range(n // 2):
        x = x * c + d
    root = chain.build_chain(float, n)[0]
    assert root == pytest.approx(x, rel=1e-15)
    h = 1e-6

    def run(x0: float, c: float, d: float) -> float:
        for _ in range(n // 2):
            x0 = x0 * c + d
        return x0

    numeric = ((run(chain.X0 + h, c, d) - run(chain.X0 - h, c, d)) / (2 * h),
               (run(chain.X0, c + h, d) - run(chain.X0, c - h, d)) / (2 * h),
               (run(chain.X0, c, d + h) - run(chain.X0, c, d - h)) / (2 * h))
    assert chain.expected_grads(n) == pytest.approx(numeric, rel=1e-7)
    with pytest.raises(ValueError, match="even number"):
        chain.build_chain(float, 3)


def test_missing_micrograd_says_make_bench_installs_it(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "micrograd.engine", None)  # import now raises ImportError
    assert main(["--quick"]) == 2
    assert "`make bench` installs it" in capsys.readouterr().err


def test_repeat_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--repeat", "0"])
    assert exit_info.value.code == 2
    assert "--repeat must be at least 1" in capsys.readouterr().err


def test_table_and_ratio_wording() -> None:
    assert speedup(8.0, 1.0) == "8.0x faster" and speedup(1.0, 2.0) == "2.0x slower"
    table = render_table([Row("a", "1 ms", target="t", met=True), Row("bb", "2 ms", met=False)])
    assert "t: target met" in table and ": target NOT met" in table
    assert len({len(line) for line in table.splitlines()}) == 1


def test_tamed_runs_the_steps_with_the_collector_off_and_collects_after_each() -> None:
    seen: list[bool] = []
    collections: list[str] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(phase)

    def setup() -> Callable[[], object]:
        return lambda: seen.append(gc.isenabled()) or len(seen)

    run = tamed(setup, 3)()
    gc.callbacks.append(watch)
    try:
        assert run() == 3  # the last step's result
    finally:
        gc.callbacks.remove(watch)
    assert seen == [False] * 3 and gc.isenabled()
    assert collections == ["start"] * 3  # one collection after each step
