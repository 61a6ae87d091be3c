"""Pictures of training with matplotlib: the history's curves and a 2-D decision boundary.

matplotlib is imported only when a picture is asked for (a clear ImportError if it is missing).
``mlp_numpy_forward`` computes an ``nn.MLP``'s outputs with numpy from its parameters, no graphs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Value
from nn.modules import MLP, Module

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from nn.train import History

__all__ = ["mlp_numpy_forward", "plot_decision_boundary", "plot_history"]

_NUMPY: dict[str, Any] = {
    "relu": lambda a: np.maximum(a, 0.0), "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)), "linear": lambda a: a,
}


def mlp_numpy_forward(model: MLP, X: Any, params: Any = None) -> np.ndarray:
    """``model``'s outputs for each row of ``X`` as a float array of shape (rows, outputs).

    Computed with numpy from the parameters' values (or from ``params``, one number per
    ``model.parameters()`` entry, e.g. a row of ``History.params``); no Value is built.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"mlp_numpy_forward takes an nn.MLP, got {type(model).__name__}")
    values = np.array([p.data for p in model.parameters()] if params is None else params,
                      dtype=np.float64)
    if values.shape != (len(model.parameters()),):
        raise ValueError(f"params must hold {len(model.parameters())} numbers (one per "
                         f"parameter), got shape {values.shape}")
    a = np.asarray(X, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != model.nin:
        raise ValueError(f"X must be a 2-D array with {model.nin} columns, got shape {a.shape}")
    at = 0
    for layer in model.layers:  # parameters() order: per neuron, its weights then its bias
        block = values[at:at + layer.nout * (layer.nin + 1)].reshape(layer.nout, layer.nin + 1)
        at += block.size
        a = _NUMPY[layer.activation](a @ block[:, :-1].T + block[:, -1])
    return a


def plot_history(history: History) -> Figure:
    """Loss (and accuracy, when recorded) against step, side by side; returns the Figure."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2 if history.accuracy else 1, figsize=(9, 3.2), squeeze=False)
    loss_ax = axes[0][0]
    loss_ax.plot(range(len(history.loss)), history.loss)
    loss_ax.set(xlabel="step", ylabel="loss", title="loss")
    if history.accuracy:
        acc_ax = axes[0][1]
        acc_ax.plot(range(len(history.accuracy)), history.accuracy, color="tab:green")
        acc_ax.set(xlabel="step", ylabel="accuracy", title="accuracy", ylim=(0, 1.05))
    fig.tight_layout()
    figure: Figure = fig
    return figure


def plot_decision_boundary(model: Module, X: Any, y: Any, ax: Axes | None = None, *,
                           resolution: int = 100, margin: float = 0.5) -> Figure:
    """The model's score over a grid around 2-D ``X`` (filled contours) and the points by label.

    A binary model's boundary is score 0; a model with several outputs colours by argmax. An
    ``nn.MLP`` is evaluated with numpy (``mlp_numpy_forward``); any other model is called on
    each grid point. Draws on ``ax`` if given; returns the Figure.
    """
    points = np.asarray(X, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or not len(points):
        raise ValueError(f"plot_decision_boundary needs 2-D data (rows of two numbers), got "
                         f"shape {points.shape}")
    lo, hi = points.min(axis=0) - margin, points.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    labels = decide(model, np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 5))
    else:
        fig = ax.figure
    ax.contourf(gx, gy, labels, alpha=0.3, cmap="coolwarm")
    ax.scatter(points[:, 0], points[:, 1], c=np.asarray(y), s=20, cmap="coolwarm",
               edgecolors="k", linewidths=0.5)
    ax.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]))
    figure: Figure = fig
    return figure


def decide(model: Module, X: np.ndarray) -> np.ndarray:
    """The class each row gets: 1 where a single score is > 0 (else 0), or the argmax."""
    if isinstance(model, MLP):
        scores = mlp_numpy_forward(model, X)
    else:
        scores = np.array([_floats(model(row)) for row in X.tolist()], dtype=np.float64)
    classes: np.ndarray = ((scores[:, 0] > 0).astype(int) if scores.shape[1] == 1
                           else np.argmax(scores, axis=1))
    return classes


def _floats(out: Any) -> list[float]:
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [float(v.data if isinstance(v, Value) else v) for v in outs]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("this picture is drawn with matplotlib, which is not installed: "
                          "pip install matplotlib") from None
    return plt
