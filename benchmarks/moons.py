"""Workloads 1 and 2: one training step of MLP(2, [16, 16, 1]) on moons, as micrograd's demo does.

The step: forward every point, hinge ("max-margin") loss with L2 regularisation 1e-4, zero the
gradients, backward, SGD update with learning rate 1 (the demo's first step). The graph of
workload 1 is written once, in :func:`loss_graph`, against any ``Value`` class, so our engine and
micrograd build the same nodes, op by op, from the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

__all__ = ["ALPHA", "LR", "SIZES", "TOLERANCE", "GateError", "Weights", "check_close",
           "loss_graph", "make_net", "make_weights", "numpy_flat_grads", "numpy_params",
           "numpy_step", "sgd_step"]

SIZES = (2, 16, 16, 1)  # MLP(2, [16, 16, 1])
ALPHA = 1e-4  # L2 regularisation, as in micrograd's demo
LR = 1.0  # the demo's learning rate at step 0: 1.0 - 0.9 * k / 100
TOLERANCE = 1e-9  # the gate: |a - b| <= TOLERANCE * max(1, |a|, |b|)

# Weights[layer][neuron] = (input weights, bias); layers in order, the last one linear.
Weights = list[list[tuple[list[float], float]]]


class GateError(AssertionError):
    """Two engines disagree on a loss or a gradient: nothing may be timed."""


def make_weights(seed: int = 0) -> Weights:
    """Weights uniform in [-1, 1] as micrograd draws them; biases small but non-zero."""
    rng = np.random.default_rng(seed)
    return [[(rng.uniform(-1, 1, nin).tolist(), float(rng.uniform(-0.1, 0.1)))
             for _ in range(nout)] for nin, nout in pairwise(SIZES)]


def make_net(value: Callable[[float], Any], weights: Weights) -> tuple[list[Any], list[Any]]:
    """Parameters as ``value`` objects: the nested (w, b) per neuron and the flat list.

    The flat list is in micrograd's ``MLP.parameters()`` order: layer by layer, neuron by
    neuron, the weights then the bias.
    """
    net = [[([value(w) for w in ws], value(b)) for ws, b in layer] for layer in weights]
    flat = [p for layer in net for ws, b in layer for p in (*ws, b)]
    return net, flat


def loss_graph(value: Callable[[float], Any], net: list[Any], params: Sequence[Any],
               points: list[list[float]], labels: list[float]) -> Any:
    """The demo's total loss as a graph, with exactly the expressions of micrograd's code.

    ``Neuron``: ``sum((wi*xi for ...), b)`` then ``relu`` unless last layer; ``Layer`` returns
    a single Value when it has one neuron; the loss is ``relu(1 + -y*score)`` averaged, plus
    ``alpha * sum(p*p)``. Numbers are operands, so each engine wraps them as it always does.
    """
    scores = []
    for row in points:
        x: Any = [value(a) for a in row]  # the demo wraps every input in a Value
        for depth, layer in enumerate(net):
            last = depth == len(net) - 1
            acts = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, x, strict=True)), b)
                acts.append(act if last else act.relu())
            x = acts[0] if len(acts) == 1 else acts
        scores.append(x)
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


def sgd_step(loss: Any, params: Sequence[Any]) -> None:
    """Zero the parameters' gradients, backward, and one SGD update (the demo's loop body)."""
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= LR * p.grad


def numpy_step(weights: list[np.ndarray], biases: list[np.ndarray], points: np.ndarray,
               labels: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """The same step vectorised: loss and gradients by hand, parameters updated in place.

    Returns the loss and the gradients of the weights and biases (before the update).
    """
    acts = [points]
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = acts[-1] @ w.T + b
        acts.append(z if i == len(weights) - 1 else np.maximum(z, 0.0))
    scores = acts[-1][:, 0]
    margins = 1.0 - labels * scores
    n = len(labels)
    reg = sum(float(np.sum(w * w)) + float(np.sum(b * b))
              for w, b in zip(weights, biases, strict=True))
    loss = float(np.sum(np.maximum(margins, 0.0))) / n + ALPHA * reg
    # backward: relu passes gradient where its output is positive, as in both engines
    delta = (np.where(margins > 0.0, -labels, 0.0) / n)[:, None]
    gws: list[np.ndarray] = [np.empty(0)] * len(weights)
    gbs: list[np.ndarray] = [np.empty(0)] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        gws[i] = delta.T @ acts[i] + 2 * ALPHA * weights[i]
        gbs[i] = delta.sum(axis=0) + 2 * ALPHA * biases[i]
        if i:
            delta = (delta @ weights[i]) * (acts[i] > 0.0)
    for w, b, gw, gb in zip(weights, biases, gws, gbs, strict=True):
        w -= LR * gw
        b -= LR * gb
    return loss, gws, gbs


def numpy_params(weights: Weights) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The weights as numpy matrices (one row per neuron) and bias vectors."""
    ws = [np.array([w for w, _ in layer]) for layer in weights]
    bs = [np.array([b for _, b in layer]) for layer in weights]
    return ws, bs


def numpy_flat_grads(gws: list[np.ndarray], gbs: list[np.ndarray]) -> list[float]:
    """numpy gradients in micrograd's parameter order."""
    return [float(g) for gw, gb in zip(gws, gbs, strict=True)
            for row, b in zip(gw, gb, strict=True) for g in (*row, b)]


def check_close(what: str, ours: Sequence[float], reference: Sequence[float],
                tol: float = TOLERANCE) -> None:
    """Raise GateError naming the first entry where |a - b| > tol * max(1, |a|, |b|)."""
    if len(ours) != len(reference):
        raise GateError(f"{what}: {len(ours)} values but the reference has {len(reference)}")
    for i, (a, b) in enumerate(zip(ours, reference, strict=True)):
        if not abs(a - b) <= tol * max(1.0, abs(a), abs(b)):  # also catches nan
            raise GateError(f"{what}: entry {i} is {a!r}, the reference says {b!r} "
                            f"(difference {abs(a - b):.3g} > {tol:g})")
    if not all(math.isfinite(a) for a in ours):
        raise GateError(f"{what}: non-finite values")
