"""The training replay as an animated GIF (matplotlib's animation with Pillow), for slides."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd._files import write_atomic
from viz.mlp import NEGATIVE_COLOR, POSITIVE_COLOR
from viz.training import BANDS

if TYPE_CHECKING:
    from viz.training import TrainingView


def _band_colors() -> Any:
    """The page's colour bands: orange shades below 0, blue above, paler towards 0."""
    from matplotlib.colors import ListedColormap, to_rgb

    def shade(color: str, t: float) -> tuple[float, ...]:
        return tuple(1 - (1 - c) * (0.15 + 0.45 * t) for c in to_rgb(color))

    below = [shade(NEGATIVE_COLOR, (BANDS - k) / BANDS) for k in range(BANDS)]
    above = [shade(POSITIVE_COLOR, (k + 1) / BANDS) for k in range(BANDS)]
    return ListedColormap(below + above)


def _frames(view: TrainingView, frames: int) -> list[int]:
    """Up to ``frames`` snapshot indices, evenly spread, the first and the last included."""
    n = len(view.params)
    return sorted({round(k) for k in np.linspace(0, n - 1, min(frames, n))})


def _edges(view: TrainingView, i: int) -> tuple[list[Any], list[float], list[str]]:
    """The network's edges at snapshot i: segments, widths by |w|, colours by sign."""
    ys = [np.linspace(-1, 1, n) if n > 1 else np.zeros(1) for n in view.sizes]
    layers = view.layers_at(i)
    big = max(float(np.abs(w).max()) for w, _ in layers) or 1.0
    segments, widths, colors = [], [], []
    for k, (w, _) in enumerate(layers):
        for (j, m), value in np.ndenumerate(w):
            segments.append([(k, ys[k][m]), (k + 1, ys[k + 1][j])])
            widths.append(0.2 + 2.5 * abs(value) / big)
            colors.append(POSITIVE_COLOR if value >= 0 else NEGATIVE_COLOR)
    return segments, widths, colors


def _bands(view: TrainingView, i: int) -> Any:
    """The decision boundary at snapshot i in the page's colour bands."""
    score = view.boundary(i)
    limit = float(np.percentile(np.abs(score), 95)) or 1.0
    return np.clip(np.floor(score / limit * BANDS), -BANDS, BANDS - 1)  # as the page


class _Frame:
    """The figure's artists, made once; `show(i)` moves them to snapshot i (no redrawing of
    axes, ticks and titles from scratch: a frame costs one draw)."""

    def __init__(self, fig: Any, axes: list[Any], view: TrainingView) -> None:
        from matplotlib.collections import LineCollection

        boundary, net, curve = axes
        self.fig, self.view = fig, view
        self.image = None
        if boundary is not None:
            x0, x1, y0, y1 = view._box()
            self.image = boundary.imshow(_bands(view, 0), extent=(x0, x1, y0, y1),
                                         cmap=_band_colors(), vmin=-BANDS, vmax=BANDS - 1,
                                         interpolation="nearest", aspect="auto")
            boundary.scatter(view.X[:, 0], view.X[:, 1], s=8, edgecolors="white",
                             linewidths=0.4, c=[POSITIVE_COLOR if t > 0 else NEGATIVE_COLOR
                                                for t in view.y])
            boundary.set_xticks([])
            boundary.set_yticks([])
            boundary.set_title("decision boundary", fontsize=9)
        net.set_axis_off()
        net.set_title("network", fontsize=9)
        self.edges = LineCollection(_edges(view, 0)[0], antialiaseds=False)  # fewer colours
        net.add_collection(self.edges)
        for k, n in enumerate(view.sizes):
            col = np.linspace(-1, 1, n) if n > 1 else np.zeros(1)
            net.scatter(np.full(n, k), col, s=12, c="white", edgecolors="#333", zorder=3)
        net.set_xlim(-0.2, len(view.sizes) - 0.8)
        net.set_ylim(-1.15, 1.15)
        curve.plot(view.loss, color="#333", lw=1)
        curve.set_xlabel("step", fontsize=8)
        curve.tick_params(labelsize=7)
        self.cursor = curve.axvline(0, color="#d00", lw=1)
        self.curve = curve

    def show(self, i: int) -> None:
        view, step = self.view, self.view.steps[i]
        if self.image is not None:
            self.image.set_data(_bands(view, i))
        segments, widths, colors = _edges(view, i)
        self.edges.set_segments(segments)
        self.edges.set_linewidth(widths)
        self.edges.set_colors(colors)
        self.cursor.set_xdata([step, step])
        self.curve.set_title(f"loss {view.loss[step]:.4f}", fontsize=9)
        self.fig.suptitle(f"{view.title}: step {step}", fontsize=10)


def write_gif(view: TrainingView, path: Path, *, frames: int, fps: int) -> Path:
    """Render the replay to ``path`` (written whole or not at all) and return the path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.animation import PillowWriter

    for name, value in (("frames", frames), ("fps", fps)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"save_gif: {name} must be a positive integer, got {value!r}")
    panels = 3 if view.has_boundary else 2
    fig, axes = plt.subplots(1, panels, figsize=(2.4 * panels, 2.6), dpi=72)
    fig.subplots_adjust(left=0.04, right=0.98, bottom=0.14, top=0.82, wspace=0.25)
    frame = _Frame(fig, list(axes) if view.has_boundary else [None, *axes], view)
    writer = PillowWriter(fps=fps)
    with tempfile.TemporaryDirectory() as tmp:  # Pillow writes a file; ours is written whole
        frames_file = Path(tmp) / "replay.gif"
        try:
            with writer.saving(fig, frames_file, dpi=72):
                for i in _frames(view, frames):
                    frame.show(i)
                    writer.grab_frame()
        finally:
            plt.close(fig)
        write_atomic(path, frames_file.read_bytes())
    return path
