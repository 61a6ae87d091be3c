"""Workloads 1 and 2 replayed from a tape: the graph recorded once, each step over lists of floats.

A training step is ``tape.forward(params)``, ``tape.backward()`` and the SGD update on the
list of parameter values: no ``Value`` is made. Recording happens once per run, outside the
timer (its time is shown by the gate). Workload 1's tape is micrograd's graph op by op;
workload 2's is ``nn.MLP``'s (one fused ``dot`` node per neuron).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import autograd
from autograd import Tape
from benchmarks import moons
from benchmarks.harness import Clock, Row, Setup, compare, format_seconds, median
from nn import MLP

__all__ = ["TapeStep", "demo_rows", "demo_training", "fused", "gate", "op_by_op", "tape_bytes"]


class TapeStep:
    """One training step replayed from a tape: forward, backward, SGD on floats."""

    def __init__(self, loss: Any, params: list[Any]) -> None:
        start = time.process_time()
        self.tape = Tape.record(loss, inputs=params)
        self.seconds = time.process_time() - start  # recording, once per run
        self.values = [p.data for p in params]

    def __call__(self) -> float:
        """One step; returns the loss (before the update), the tape's forward value."""
        tape = self.tape
        loss = tape.forward(self.values)
        grads = tape.backward()
        lr = moons.LR
        self.values = [v - lr * g for v, g in zip(self.values, grads, strict=True)]
        return loss


def op_by_op(weights: moons.Weights, points: list[list[float]],
             labels: list[float]) -> TapeStep:
    """Workload 1's step on a tape: micrograd's graph, built once by our engine."""
    net, params = moons.make_net(autograd.Value, weights)
    return TapeStep(moons.loss_graph(autograd.Value, net, params, points, labels), params)


def fused(weights: moons.Weights, points: list[list[float]], labels: list[float]) -> TapeStep:
    """Workload 2's step on a tape: nn.MLP's graph (fused dot), hinge and L2."""
    from benchmarks.suite import nn_model  # the model workload 2 times, same weights
    from nn import hinge, l2

    model = nn_model(weights)
    loss = hinge([model(x) for x in points], labels) + l2(model, moons.ALPHA)
    return TapeStep(loss, model.parameters())


def gate(weights: moons.Weights, points: list[list[float]], labels: list[float],
         reference: list[float], ours: tuple[list[float], list[float]],
         out: Callable[[str], None]) -> None:
    """Both tapes' first step against micrograd (to the tolerance) and against our engine's
    backward on the same graph (``ours``: workload 1's and 2's loss and gradients), exactly."""
    for name, make, exact in (("op by op", op_by_op, ours[0]), ("fused", fused, ours[1])):
        step = make(weights, points, labels)
        loss = step()
        got = [loss, *step.tape.grads]
        moons.check_close(f"tape replay ({name}): loss and gradients", got, reference)
        if got != exact:
            raise moons.GateError(f"tape replay ({name}) differs from our engine's backward "
                                  "on the same graph (it must be equal bit for bit)")
        out(f"  tape replay, {name}: {len(step.tape)} ops recorded in "
            f"{step.seconds * 1e3:.0f} ms; loss and gradients match micrograd to "
            f"{moons.TOLERANCE:g} and our engine bit for bit")


def tape_bytes(weights: moons.Weights, points: list[list[float]],
               labels: list[float]) -> tuple[int, int]:
    """Bytes a tape of workload 1's graph keeps once the graph is gone, and its op count."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        step = op_by_op(weights, points, labels)  # builds the graph, records it, drops it
        gc.collect()
        size = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return size, len(step.tape)


class _Rebuilt(MLP):
    """MLP itself, but fit replays only MLP itself: its graph is rebuilt every step."""


def demo_training(steps: int, *, tape: bool) -> Setup:
    """``make demo``'s moons training (as ``demos.moons.train``): MLP(2, [16, 16, 1]), hinge,
    L2 1e-4, SGD decaying from 1.0, full batch of 100 points; with the tape or rebuilding."""
    from nn import MLP, SGD, fit, linear_decay
    from nn.datasets import moons as moons_data

    def setup() -> Callable[[], object]:
        X, y01 = moons_data(100, noise=0.1, seed=0)
        model = (MLP if tape else _Rebuilt)(2, [16, 16, 1], seed=1337)
        optimizer = SGD(model, lr=linear_decay(1.0, 0.1, 100))
        return lambda: fit(model, X, 2 * y01 - 1, loss="hinge", l2_alpha=1e-4,
                           optimizer=optimizer, epochs=steps, progress=False)
    return setup


def demo_rows(steps: int, repeat: int, clock: Clock) -> list[Row]:
    """Workload 6: the moons demo's whole training, fit replaying its tape or rebuilding."""
    times = {name: median(t) for name, t in compare(
        {"tape": demo_training(steps, tape=True), "rebuilt": demo_training(steps, tape=False)},
        repeat, clock).items()}
    title = f"W6 make demo's moons training ({steps} steps of fit)"
    target = steps == 100
    return [Row(f"{title}, tape", format_seconds(times["tape"]),
                target="< 1 s" if target else "(no target: not 100 steps)",
                met=times["tape"] < 1.0 if target else None),
            Row(f"{title}, Values rebuilt each step", format_seconds(times["rebuilt"]),
                target=f"(the tape: {times['rebuilt'] / times['tape']:.1f}x faster)")]
