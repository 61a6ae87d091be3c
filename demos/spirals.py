"""Three interleaved spiral arms: an MLP with three outputs and softmax cross-entropy.

Each output is one class's logit; softmax turns them into probabilities and the loss is
-log(probability of the right class), computed stably with log-sum-exp. MLP(2, [16, 16, 3]),
Adam, minibatches of 30. Writes out/spirals.png (the regions each class wins).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from nn import MLP, Adam, accuracy, fit
from nn.datasets import spirals

__all__ = ["main"]

COLOURS = ("#e69f00", "#0072b2", "#009e73")  # Okabe-Ito: orange, blue, green


def _plot(model: MLP, X: np.ndarray, y: np.ndarray, path: Path, cells: int) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    ticks = np.linspace(-1.1, 1.1, cells)
    xx, yy = np.meshgrid(ticks, ticks)
    winners = np.array([int(np.argmax([v.data for v in model(p)]))  # type: ignore[union-attr]
                        for p in np.c_[xx.ravel(), yy.ravel()].tolist()]).reshape(xx.shape)
    fig = Figure(figsize=(5.2, 5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    # one flat colour per grid cell: contour lines would interpolate between class numbers
    ax.pcolormesh(xx, yy, winners, cmap=ListedColormap(COLOURS), vmin=-0.5, vmax=2.5,
                  alpha=0.3, shading="nearest")
    for k, colour in enumerate(COLOURS):
        pts = X[y == k]
        ax.scatter(pts[:, 0], pts[:, 1], c=colour, s=14, edgecolors="k", linewidths=0.4,
                   label=f"class {k}")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("MLP(2, [16, 16, 3]), softmax cross-entropy")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> None:
    """Train on 300 points, print training and test accuracy and time, save the picture."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few steps (smoke test)")
    args = parser.parse_args(argv)
    epochs = 2 if args.quick else 20
    X, y = spirals(300, classes=3, noise=0.2, seed=0)
    X_test, y_test = spirals(300, classes=3, noise=0.2, seed=1)  # same arms, new points
    model = MLP(2, [16, 16, 3], seed=0)
    history = fit(model, X, y, loss="softmax_cross_entropy", optimizer=Adam(model, lr=0.03),
                  epochs=epochs, batch_size=30, seed=0)
    print(f"{model}: {len(y)} points in 3 arms")
    steps = len(history.loss)
    print(f"softmax cross-entropy {history.loss[0]:.3f} -> {history.loss[-1]:.3f} in {steps} "
          f"steps of 30 points ({history.seconds:.2f} s)")
    print(f"accuracy: training {accuracy(model, X, y):.1%}, "
          f"test {accuracy(model, X_test, y_test):.1%} (chance: 33.3%)")
    out = Path("out")
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    _plot(model, X, y, out / "spirals.png", cells=20 if args.quick else 60)
    print(f"wrote out/spirals.png ({time.perf_counter() - start:.2f} s)")


if __name__ == "__main__":
    main()
