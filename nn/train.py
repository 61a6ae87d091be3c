"""`fit`: the training loop (forward, loss, zero_grad, backward, step), with a history.

Progress is shown on a terminal (stderr) and nothing is printed when stderr is not a terminal,
unless asked. Accuracy helpers follow micrograd: a binary score is positive when > 0.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from autograd import Value
from nn.losses import binary_cross_entropy, hinge, l2, mse, softmax_cross_entropy
from nn.modules import Module
from nn.optim import SGD, Optimizer

__all__ = ["LOSSES", "History", "accuracy", "binary_accuracy", "fit", "multiclass_accuracy"]

LOSSES: dict[str, Callable[[Any, Any], Value]] = {
    "mse": mse,
    "hinge": hinge,
    "binary_cross_entropy": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}
"""Loss functions ``fit`` knows by name."""


@dataclass
class History:
    """What ``fit`` measured at each step (before that step's update) and how long it took."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)  # empty for mse and custom losses
    lr: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def first_step_reaching(self, target: float = 1.0) -> int | None:
        """The first step whose accuracy is at least ``target`` (None if never)."""
        return next((i for i, a in enumerate(self.accuracy) if a >= target), None)


def binary_accuracy(scores: Sequence[Value | float], labels: Any) -> float:
    """Fraction of samples whose score's sign matches the label (> 0: -1/+1 or 0/1 both work)."""
    ys = list(labels)
    if len(ys) != len(scores) or not ys:
        raise ValueError(f"binary_accuracy: {len(scores)} scores but {len(ys)} labels")
    hits = sum((_data(s) > 0) == (y > 0) for s, y in zip(scores, ys, strict=True))
    return float(hits / len(ys))


def multiclass_accuracy(logits: Sequence[Sequence[Value | float]], labels: Any) -> float:
    """Fraction of rows whose largest logit is at the label's index."""
    ys = list(labels)
    if len(ys) != len(logits) or not ys:
        raise ValueError(f"multiclass_accuracy: {len(logits)} rows but {len(ys)} labels")
    hits = sum(int(np.argmax([_data(v) for v in row])) == y
               for row, y in zip(logits, ys, strict=True))
    return float(hits / len(ys))


_ACCURACY: dict[Callable[[Any, Any], Value], Callable[[Any, Any], float]] = {
    hinge: binary_accuracy, binary_cross_entropy: binary_accuracy,
    softmax_cross_entropy: multiclass_accuracy,
}  # what fit records beside each classifier's loss


def accuracy(model: Module, X: Any, y: Any) -> float:
    """The model's accuracy on ``X``: sign of one output, or argmax of several."""
    outputs = [model(x) for x in _rows(X)]
    if isinstance(outputs[0], Value):
        return binary_accuracy(outputs, y)
    return multiclass_accuracy(outputs, y)


def _data(v: Value | float) -> float:
    return v.data if isinstance(v, Value) else float(v)


def _rows(X: Any) -> list[list[float]]:
    rows = np.asarray(X, dtype=np.float64)
    if rows.ndim != 2 or not len(rows):
        raise ValueError(f"X must be a non-empty 2-D array (one row per sample), got shape "
                         f"{rows.shape}")
    floats: list[list[float]] = rows.tolist()  # Python floats: the cheapest operands for Value
    return floats


def fit(model: Module, X: Any, y: Any, *,
        loss: str | Callable[[Any, Any], Value] = "hinge",
        optimizer: Optimizer | None = None, epochs: int = 100, batch_size: int | None = None,
        l2_alpha: float = 0.0, seed: int = 0, progress: bool | None = None,
        stream: TextIO | None = None) -> History:
    """Train ``model`` on ``(X, y)``; one step per batch, ``epochs`` passes over the data.

    ``loss`` is a name in ``LOSSES`` or a function ``(outputs, labels) -> Value``; the outputs
    are ``model(x)`` for each row. ``optimizer`` defaults to ``SGD(model, lr=0.1)``;
    ``l2_alpha`` adds ``l2(model, l2_alpha)`` to the loss. With ``batch_size`` the rows are
    shuffled each epoch (seeded by ``seed``); without, each step sees all of them.
    ``progress`` (default: when ``stream``, stderr unless given, is a terminal) prints the loss
    and accuracy as training goes. Returns the per-step ``History``.
    """
    loss_fn = _loss(loss)
    rows = _rows(X)
    labels = np.asarray(y).tolist()
    if len(labels) != len(rows):
        raise ValueError(f"fit: {len(rows)} rows of X but {len(labels)} labels in y")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    size = len(rows) if batch_size is None else batch_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    opt = optimizer if optimizer is not None else SGD(model, lr=0.1)
    params = model.parameters()
    measure = _ACCURACY.get(loss_fn)
    out = stream if stream is not None else sys.stderr
    show = _Progress(out, progress, epochs * -(-len(rows) // size))
    rng = np.random.default_rng(seed)
    history = History()
    start = time.perf_counter()
    for _ in range(epochs):
        order = range(len(rows)) if batch_size is None else rng.permutation(len(rows)).tolist()
        for begin in range(0, len(rows), size):
            batch = order[begin:begin + size]
            xb, yb = [rows[i] for i in batch], [labels[i] for i in batch]
            outputs = [model(x) for x in xb]
            total = loss_fn(outputs, yb)
            if l2_alpha:
                total = total + l2(params, l2_alpha)
            history.lr.append(opt.current_lr())
            opt.zero_grad()
            total.backward()
            opt.step()
            history.loss.append(total.data)
            if measure is not None:
                history.accuracy.append(measure(outputs, yb))
            show(history)
    history.seconds = time.perf_counter() - start
    show.done()
    return history


def _loss(loss: str | Callable[[Any, Any], Value]) -> Callable[[Any, Any], Value]:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(map(repr, LOSSES))} or a "
                             f"function (outputs, labels) -> Value; got {loss!r}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a function, got {type(loss).__name__}")
    return loss


class _Progress:
    """One line rewritten in place on a terminal; a line every tenth of the run otherwise."""

    def __init__(self, stream: TextIO, enabled: bool | None, total: int) -> None:
        tty = bool(getattr(stream, "isatty", lambda: False)())
        self.stream, self.tty, self.total = stream, tty, total
        self.enabled = tty if enabled is None else enabled
        self.every = 1 if tty else max(1, total // 10)

    def __call__(self, history: History) -> None:
        step = len(history.loss)
        if not self.enabled or (step % self.every and step != self.total):
            return
        acc = f"  accuracy {history.accuracy[-1]:6.1%}" if history.accuracy else ""
        line = f"step {step:>{len(str(self.total))}}/{self.total}  loss {history.loss[-1]:.4f}{acc}"
        self.stream.write(f"\r{line}\x1b[K" if self.tty else line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
