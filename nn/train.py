"""`fit`: the training loop (forward, loss, zero_grad, backward, step), with a history.

Progress is shown on a terminal (stderr) and nothing is printed when stderr is not a terminal,
unless asked. Accuracy helpers follow micrograd: a binary score is positive when > 0.
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from autograd import Value
from nn._replay import Forward
from nn.datasets import _rng
from nn.losses import binary_cross_entropy, hinge, mse, softmax_cross_entropy
from nn.modules import Module, _count
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
    # written so that a nan score is never a hit
    hits = sum(_data(s) > 0 if y > 0 else _data(s) <= 0 for s, y in zip(scores, ys, strict=True))
    return float(hits / len(ys))


def multiclass_accuracy(logits: Sequence[Sequence[Value | float]], labels: Any) -> float:
    """Fraction of rows whose largest logit is at the label's index."""
    ys = list(labels)
    if len(ys) != len(logits) or not ys:
        raise ValueError(f"multiclass_accuracy: {len(logits)} rows but {len(ys)} labels")
    hits = sum(_argmax([_data(v) for v in row]) == y for row, y in zip(logits, ys, strict=True))
    return float(hits / len(ys))


def _argmax(row: list[float]) -> int | None:
    """The largest entry's index; None if the row holds a nan (no class is chosen)."""
    i = int(np.argmax(row))  # numpy points at the first nan, if any
    return None if math.isnan(row[i]) else i


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
    try:
        rows = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # ragged rows, strings, huge integers
        raise ValueError("X must be a non-empty 2-D array of numbers (one row per sample, all "
                         "of the same length)") from None
    if rows.ndim != 2 or not len(rows):
        raise ValueError(f"X must be a non-empty 2-D array (one row per sample), got shape "
                         f"{rows.shape}")
    bad = np.argwhere(~np.isfinite(rows))
    if len(bad):
        i, j = bad[0]
        raise ValueError(f"X has {rows[i, j]} at row {i}, column {j}; every entry of X must be "
                         "a finite number")
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
    if not isinstance(labels, list):  # None or one number
        raise TypeError(f"fit: y must be a list of labels, one per row of X; got "
                        f"{type(y).__name__}")
    if len(labels) != len(rows):
        raise ValueError(f"fit: {len(rows)} rows of X but {len(labels)} labels in y")
    epochs = _count("epochs", epochs)
    size: Any = len(rows) if batch_size is None else batch_size  # numpy integers too
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    size = int(size)
    opt = _optimizer(model, optimizer)
    params = model.parameters()
    measure = _ACCURACY.get(loss_fn)
    out = stream if stream is not None else sys.stderr
    steps = epochs * -(-len(rows) // size)
    show = _Progress(out, progress, steps)
    rng = _rng(seed)
    history = History()
    forward = Forward(model, loss_fn, params, l2_alpha, same_data=batch_size is None)
    start = time.perf_counter()
    for _ in range(epochs):
        order = range(len(rows)) if batch_size is None else rng.permutation(len(rows)).tolist()
        for begin in range(0, len(rows), size):
            batch = order[begin:begin + size]
            xb, yb = [rows[i] for i in batch], [labels[i] for i in batch]
            try:
                outputs, total = forward(xb, yb)  # Values, or replayed from a tape (nn._replay)
                lr = opt.current_lr()
                opt.zero_grad()
                total.backward()
                opt.step()  # changes nothing if it fails
            except OverflowError as err:  # from the engine or the optimizer
                raise _diverged(err, history.loss, steps) from err
            history.lr.append(lr)
            history.loss.append(total.data)
            if measure is not None:
                history.accuracy.append(measure(outputs, yb))
            show(history)
    history.seconds = time.perf_counter() - start
    show.done()
    return history


def _optimizer(model: Module, optimizer: Any) -> Optimizer:
    """The optimizer to train with: given, or SGD; it must hold some of the model's parameters."""
    if optimizer is None:
        return SGD(model, lr=0.1)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, e.g. SGD(model, lr=0.1); got "
                        f"{type(optimizer).__name__} {optimizer!r:.40}")
    held = set(optimizer.params)  # a part of them is fine: the rest stays frozen
    if not any(p in held for p in model.parameters()):
        raise ValueError("fit: the optimizer holds none of the model's parameters, so training "
                         "would change nothing; build it from this model, e.g. "
                         "SGD(model, lr=0.1)")
    return optimizer


def _diverged(err: OverflowError, losses: list[float], steps: int) -> OverflowError:
    """fit's error when the next step overflows: where, and the original's first line, cut short."""
    cause = str(err).split("\n", 1)[0]
    cause = cause if len(cause) <= 200 else cause[:190] + " ..."
    before = f" (loss {losses[-1]:.4g} the step before)" if losses else ""
    return OverflowError(f"fit: training diverged at step {len(losses) + 1} of {steps}{before}: "
                         f"lower the learning rate, or rescale X or the loss ({cause})")


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
