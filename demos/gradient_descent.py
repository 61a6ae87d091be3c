"""Gradient descent on a one-parameter cost with three learning rates: too small, good, too large.

The cost is J(w) = (w - 3)^2 + 1, smallest at w = 3. Each step computes dJ/dw with `Value` and
moves w against it: w <- w - lr * dJ/dw. Here dJ/dw = 2 (w - 3), so the distance to the minimum
is multiplied by |1 - 2 lr| each step: it shrinks for 0 < lr < 1 and grows beyond.
Writes out/gradient_descent.png.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from autograd import Value

__all__ = ["RATES", "cost", "descend", "main"]

START = -1.0
TARGET = 3.0
RATES = {"too small": 0.01, "good": 0.3, "too large": 1.05}
"""The three learning rates, by verdict."""


def cost(w: Value) -> Value:
    """J(w) = (w - 3)^2 + 1."""
    return (w - TARGET) ** 2 + 1.0


def descend(lr: float, steps: int, start: float = START) -> list[tuple[float, float]]:
    """(w, J(w)) before each step and after the last: ``steps + 1`` pairs."""
    w = Value(start, "w")
    path = []
    for _ in range(steps):
        j = cost(w)
        path.append((w.data, j.data))
        w.grad = 0.0
        j.backward()
        w.data -= lr * w.grad
    path.append((w.data, cost(w).data))
    return path


def _plot(paths: dict[str, list[tuple[float, float]]], out: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 3.8))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    for ax, (name, path) in zip(axes, paths.items(), strict=True):
        ws = [w for w, _ in path]
        lo, hi = min(min(ws), -2.0), max(max(ws), 8.0)
        lo, hi = max(lo, -12.0), min(hi, 18.0)  # the diverging run leaves any sensible frame
        grid = [lo + (hi - lo) * i / 200 for i in range(201)]
        curve = [(g - TARGET) ** 2 + 1 for g in grid]
        ax.plot(grid, curve, color="0.6", lw=1)
        shown = [(w, j) for w, j in path if lo <= w <= hi]
        ax.plot([w for w, _ in shown], [j for _, j in shown], "o-", ms=3, lw=0.8,
                color="#0072b2")
        ax.set_title(f"{name}: lr = {RATES[name]}")
        ax.set_xlabel("w")
        ax.set_ylabel("J(w)")
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, 1.05 * max(curve))
    fig.suptitle("Gradient descent on J(w) = (w - 3)^2 + 1 from w = -1")
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def main(argv: list[str] | None = None) -> None:
    """Run the three learning rates, print how each ends, and save the picture."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer steps (smoke test)")
    args = parser.parse_args(argv)
    steps = 8 if args.quick else 25
    start = time.perf_counter()
    paths = {name: descend(lr, steps) for name, lr in RATES.items()}
    print(f"J(w) = (w - 3)^2 + 1, start at w = {START:g}, {steps} steps of w -= lr * dJ/dw")
    print(f"{'step':>5}" + "".join(f"{f'{n} ({RATES[n]})':>22}" for n in RATES))
    for k in list(range(0, steps + 1, max(1, steps // 5))) + ([steps] if steps % 5 else []):
        row = "".join(f"{f'w={paths[n][k][0]:.4g} J={paths[n][k][1]:.4g}':>22}" for n in RATES)
        print(f"{k:>5}{row}")
    for name, lr in RATES.items():
        w_end, j_end = paths[name][-1]
        factor = abs(1 - 2 * lr)
        verdict = ("converged" if abs(w_end - TARGET) < 1e-3 else
                   "diverged" if abs(w_end - TARGET) > abs(START - TARGET) else "still far")
        print(f"  {name:>9}: lr {lr:<5} distance x {factor:.2f} per step -> w = {w_end:.6g}, "
              f"J = {j_end:.6g}: {verdict}")
    out = Path("out")
    out.mkdir(exist_ok=True)
    _plot(paths, out / "gradient_descent.png")
    print(f"wrote {out / 'gradient_descent.png'} ({time.perf_counter() - start:.2f} s)")


if __name__ == "__main__":
    main()
