"""`TrainingView`: one offline page (and a GIF) that replays a training run step by step.

Train with ``history = fit(model, X, y, record=True)`` (or ``record=k`` for every k-th step),
then ``TrainingView(model, X, y, history).save("training.html")``. For each recorded step the
page shows the network (edge colour by the weight's sign, width by ``|w|``, hover for the
weight and its gradient), the decision boundary over the data for 2-D inputs (the model's
score on a grid, computed here with numpy from the snapshot's parameters), the loss and
accuracy curves with a cursor, and the size of the gradients per layer. A slider, play/pause
with a speed, the arrow keys and ``#step=N`` links move through the steps. The page makes no
network request and shows every label as text.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from viz._page import asset, page
from viz.mlp import NEGATIVE_COLOR, POSITIVE_COLOR

__all__ = ["TrainingView"]

Array = npt.NDArray[np.float64]
_NAME = re.compile(r"layers\.(\d+)\.neurons\.(\d+)\.(?:w\.(\d+)|b)")
BANDS = 6  # the boundary's score is shown in this many colour bands per side


def _shapes(model: Any) -> tuple[list[int], list[str]]:
    """Layer sizes [inputs, hidden..., outputs] and activations of an nn.MLP-like model."""
    from nn import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"TrainingView needs an nn.MLP, got {type(model).__name__}")
    return [model.nin, *model.nouts], [str(layer.activation) for layer in model.layers]


def _index(names: Sequence[str], sizes: list[int]) -> list[tuple[int, int, int]]:
    """For each parameter column: (layer, neuron, input), input -1 for a bias."""
    where = []
    for name in names:
        m = _NAME.fullmatch(name)
        if m is None:
            raise ValueError(f"TrainingView: parameter {name!r} is not an nn.MLP weight or bias")
        layer, neuron = int(m[1]), int(m[2])
        where.append((layer, neuron, -1 if m[3] is None else int(m[3])))
    if len(where) != sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1)):
        raise ValueError("TrainingView: the history's parameters do not match the model's "
                         "shape: record the history by training this model")
    return where


def _unflatten(row: Array, where: list[tuple[int, int, int]], sizes: list[int]
               ) -> list[tuple[Array, Array]]:
    """One snapshot's flat parameter vector as (W, b) per layer."""
    layers = [(np.zeros((sizes[i + 1], sizes[i])), np.zeros(sizes[i + 1]))
              for i in range(len(sizes) - 1)]
    for value, (layer, neuron, inp) in zip(row, where, strict=True):
        w, b = layers[layer]
        if inp < 0:
            b[neuron] = value
        else:
            w[neuron, inp] = value
    return layers


class TrainingView:
    """A training run, replayed: ``.save(path)`` writes the page, ``.save_gif(path)`` a GIF,
    and in Jupyter it shows inline. ``history`` must come from ``fit(..., record=True)``
    (or ``record=k``) on this ``model``; ``grid`` is the boundary's resolution per side."""

    def __init__(self, model: Any, X: Any, y: Any, history: Any, *, title: str = "Training",
                 grid: int = 48) -> None:
        if type(title) is not str:
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        if isinstance(grid, bool) or not isinstance(grid, int) or not 8 <= grid <= 200:
            raise ValueError(f"grid must be an integer from 8 to 200, got {grid!r}")
        self.title, self.grid, self.model = title, grid, model
        self.sizes, self.activations = _shapes(model)
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y).ravel()
        if self.X.ndim != 2 or self.X.shape[1] != self.sizes[0] or len(self.y) != len(self.X):
            raise ValueError(f"TrainingView: X must have one row of {self.sizes[0]} inputs per "
                             f"label; got X of shape {self.X.shape} and {len(self.y)} labels")
        self._read_history(history)

    def _read_history(self, history: Any) -> None:
        params = np.asarray(getattr(history, "params", ()), dtype=float)
        if params.ndim != 2 or len(params) == 0:
            raise ValueError("TrainingView needs a recorded history: train with "
                             "fit(model, X, y, record=True) (or record=k for every k-th step)")
        self.params = params
        self.grads = np.asarray(history.param_grads, dtype=float)
        self.steps = [int(s) for s in history.snapshot_steps]
        self.loss = [float(v) for v in history.loss]
        self.accuracy = [float(v) for v in getattr(history, "accuracy", [])]
        self.where = _index(list(history.param_names), self.sizes)

    def layers_at(self, i: int) -> list[tuple[Array, Array]]:
        """Snapshot ``i``'s parameters as (W, b) per layer."""
        return _unflatten(self.params[i], self.where, self.sizes)

    @property
    def has_boundary(self) -> bool:
        """Whether the page can show a decision boundary: only for 2-D inputs."""
        return self.sizes[0] == 2

    def _box(self) -> tuple[float, float, float, float]:
        (x0, y0), (x1, y1) = self.X.min(axis=0), self.X.max(axis=0)
        px, py = 0.1 * (x1 - x0 or 1.0), 0.1 * (y1 - y0 or 1.0)
        return float(x0 - px), float(x1 + px), float(y0 - py), float(y1 + py)

    def boundary(self, i: int) -> Array:
        """Snapshot ``i``'s score over the grid, shape (grid, grid), row 0 at the top."""
        x0, x1, y0, y1 = self._box()
        gx, gy = np.meshgrid(np.linspace(x0, x1, self.grid), np.linspace(y1, y0, self.grid))
        points = np.column_stack([gx.ravel(), gy.ravel()])
        return self.scores(i, points).reshape(gx.shape)

    def scores(self, i: int, X: Any) -> Array:
        """Snapshot ``i``'s first output for each row of ``X`` (numpy, no Values built)."""
        from nn import mlp_numpy_forward

        out: Array = mlp_numpy_forward(self.model, X, params=self.params[i])[:, 0]
        return out

    def _bands(self, i: int) -> str:
        """The boundary as colour bands 0..2*BANDS-1 (below/above 0), base64 bytes."""
        score = self.boundary(i)
        scale = float(np.percentile(np.abs(score), 95)) or 1.0
        level = np.clip(np.floor(score / scale * BANDS), -BANDS, BANDS - 1) + BANDS
        return base64.b64encode(level.astype(np.uint8).tobytes()).decode("ascii")

    def _layer_norms(self) -> list[list[float]]:
        """Per snapshot, the root-mean-square gradient of each layer's weights."""
        layer_of = np.array([layer for layer, _, _ in self.where])
        return [[float(np.sqrt(np.mean(g[layer_of == k] ** 2))) if len(g) else 0.0
                 for k in range(len(self.sizes) - 1)] for g in self.grads]

    def payload(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data."""
        finite = [v if math.isfinite(v) else None for v in self.loss]
        return {
            "title": self.title, "sizes": self.sizes, "activations": self.activations,
            "steps": self.steps, "loss": finite, "accuracy": self.accuracy,
            "where": self.where, "params": np.round(self.params, 6).tolist(),
            "grads": np.round(self.grads, 6).tolist() if len(self.grads) else [],
            "norms": self._layer_norms(), "colors": [POSITIVE_COLOR, NEGATIVE_COLOR],
            "boundary": self._boundary_payload(),
        }

    def _boundary_payload(self) -> dict[str, Any]:
        if not self.has_boundary:
            return {"why": f"No decision boundary: it is drawn for models with 2 inputs, and "
                           f"this one has {self.sizes[0]}."}
        return {"grid": self.grid, "box": self._box(), "bands": BANDS,
                "points": np.round(self.X, 4).tolist(), "labels": self.y.tolist(),
                "frames": [self._bands(i) for i in range(len(self.params))]}

    def html(self) -> str:
        """The whole page: one self-contained HTML document that makes no network request."""
        data = json.dumps(self.payload(), separators=(",", ":")).replace("</", "<\\/")
        script = f"const STEPGRAD_TRAINING = {data};\n{asset('training.js')}"
        return page(title=self.title, css=asset("training.css"), body=asset("training-body.html"),
                    script=script, images=True)

    def _repr_html_(self) -> str:
        """Inline in Jupyter: the page in a sandboxed frame (its CSP stays its own)."""
        return (f'<iframe srcdoc="{html.escape(self.html())}" sandbox="allow-scripts" '
                f'style="width:100%;height:720px;border:0" title="{html.escape(self.title)}">'
                "</iframe>")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically (a complete file or none); return the path."""
        from autograd._files import write_atomic

        target = Path(path)
        write_atomic(target, self.html())
        return target

    def save_gif(self, path: str | os.PathLike[str], *, frames: int = 30,
                 fps: int = 6) -> Path:
        """Write the replay as an animated GIF (matplotlib + Pillow) for slides."""
        from viz._training_gif import write_gif

        return write_gif(self, Path(path), frames=frames, fps=fps)

