"""micrograd's demo on our engine: MLP(2, [16, 16, 1]) learns the two moons to 100% accuracy.

Hinge ("max-margin") loss plus L2 regularisation (alpha 1e-4), SGD with the learning rate
decaying linearly from 1.0 to 0.1 over 100 steps, full batch of 100 points; weights drawn as
micrograd draws them after ``random.seed(1337)``. Writes out/moons_boundary.png (the decision
boundary), out/moons_loss.png (loss and accuracy per step), out/moons_mlp.svg (the trained
network, weights as coloured edges), out/moons_model.json, and the training replayed step by
step: out/moons_training.html (one offline page; `--view PATH` to write it elsewhere) and
out/moons_training.gif (for slides).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from autograd._files import write_atomic
from nn import MLP, SGD, History, fit, linear_decay
from nn.datasets import moons
from viz import TrainingView, draw_mlp

__all__ = ["OUTPUTS", "main", "train"]

OUTPUTS = ("out/moons_boundary.png", "out/moons_loss.png", "out/moons_mlp.svg",
           "out/moons_model.json", "out/moons_training.html", "out/moons_training.gif")

STEPS = 100


def train(steps: int = STEPS, *, data_seed: int = 0, model_seed: int = 1337,
          progress: bool | None = None, record: bool | int = False,
          ) -> tuple[MLP, History, np.ndarray, np.ndarray]:
    """Train micrograd's model on 100 moons; returns the model, its history, X and y (-1/+1).
    ``record`` keeps parameter snapshots in the history, as ``fit`` does."""
    X, y01 = moons(100, noise=0.1, seed=data_seed)
    y = 2 * y01 - 1  # the hinge loss wants -1 / +1
    model = MLP(2, [16, 16, 1], seed=model_seed)
    optimizer = SGD(model, lr=linear_decay(1.0, 0.1, STEPS))
    history = fit(model, X, y, loss="hinge", l2_alpha=1e-4, optimizer=optimizer, epochs=steps,
                  progress=progress, record=record)
    return model, history, X, y


def _scores(model: MLP, points: np.ndarray) -> np.ndarray:
    """The model's score at each point (what the boundary plot colours)."""
    return np.array([model(p).data for p in points.tolist()])  # type: ignore[union-attr]


def _plot_boundary(model: MLP, X: np.ndarray, y: np.ndarray, path: Path, cells: int) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    (x0, y0), (x1, y1) = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xx, yy = np.meshgrid(np.linspace(x0, x1, cells), np.linspace(y0, y1, cells))
    zz = _scores(model, np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
    fig = Figure(figsize=(6, 4.8))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    colours = ListedColormap(["#f5c77e", "#9ec9e8"])  # Okabe-Ito orange and blue, light
    ax.contourf(xx, yy, zz > 0, cmap=colours, alpha=0.8)
    ax.contour(xx, yy, zz, levels=[0.0], colors="k", linewidths=1)
    for label, colour, marker in ((-1, "#e69f00", "o"), (1, "#0072b2", "s")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, marker=marker, s=22, edgecolors="k",
                   linewidths=0.5, label=f"y = {label:+d}")
    ax.set_title("MLP(2, [16, 16, 1]) on the moons: decision boundary (score = 0)")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _plot_history(history: History, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.6))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    steps = range(len(history.loss))
    ax.plot(steps, history.loss, color="#d55e00", label="loss (hinge + L2)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    right: Any = ax.twinx()
    right.plot(steps, [100 * a for a in history.accuracy], color="#0072b2", label="accuracy")
    right.set_ylabel("training accuracy (%)")
    right.set_ylim(40, 102)
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="center right")
    ax.set_title("Training on the moons")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> None:
    """Train, print the progress table and timings, and save the pictures and the model."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 steps (smoke test)")
    parser.add_argument("--view", metavar="PATH", type=Path,
                        default=Path("out/moons_training.html"),
                        help="where to write the training replay page (default: %(default)s)")
    args = parser.parse_args(argv)
    steps = 10 if args.quick else STEPS
    model, history, X, y = train(steps, record=True)
    print(f"{model}, {len(X)} points, hinge loss + 1e-4 L2, SGD lr 1.0 -> 0.1")
    for k in range(0, steps, max(1, steps // 10)):
        print(f"  step {k:>3}  loss {history.loss[k]:.4f}  accuracy {history.accuracy[k]:6.1%}"
              f"  lr {history.lr[k]:.3f}")
    first = history.first_step_reaching(1.0)
    reached = f"first reached at step {first}" if first is not None else "not reached"
    print(f"training accuracy {history.accuracy[-1]:.1%} at the last step; 100% {reached}")
    print(f"training took {history.seconds:.2f} s ({1000 * history.seconds / steps:.1f} ms "
          "per step: forward 100 points, loss, backward, update)")
    out = Path("out")
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    model.save(out / "moons_model.json")
    _plot_boundary(model, X, y, out / "moons_boundary.png", cells=25 if args.quick else 50)
    _plot_history(history, out / "moons_loss.png")
    write_atomic(out / "moons_mlp.svg", draw_mlp(model).pipe(format="svg"))
    print(f"wrote {', '.join(OUTPUTS[:4])} ({time.perf_counter() - start:.2f} s)")
    start = time.perf_counter()
    view = TrainingView(model, X, y, history, title="MLP(2, [16, 16, 1]) learns the moons")
    page = view.save(args.view)
    gif = view.save_gif(out / "moons_training.gif", frames=8 if args.quick else 30)
    print(f"wrote {page} ({page.stat().st_size / 1e6:.2f} MB) and {gif} "
          f"({gif.stat().st_size / 1e3:.0f} kB), the training replayed step by step "
          f"({time.perf_counter() - start:.2f} s)")


if __name__ == "__main__":
    main()
