"""`fit`: the training loop (forward, loss, zero_grad, backward, step), with a history.

Progress is a tqdm bar (a widget in Jupyter, a bar on a terminal); nothing is shown when stderr
is not a terminal outside Jupyter, unless asked. Accuracy helpers follow micrograd: a binary
score is positive when > 0.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from autograd import Value
from nn._checks import count as _count
from nn._checks import numpy_rng as _rng
from nn._replay import Forward
from nn.losses import binary_cross_entropy, hinge, mse, softmax_cross_entropy
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
    # snapshots kept by fit(..., record=...); empty (shape (0, n_params)) when record is off
    param_names: list[str] = field(default_factory=list)
    snapshot_steps: list[int] = field(default_factory=list)
    params: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), compare=False)
    param_grads: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), compare=False)

    def __repr__(self) -> str:
        """A summary: steps, final loss and accuracy, time (not every number)."""
        if not self.loss:
            return "History(no steps)"
        acc = f", final accuracy {self.accuracy[-1]:.1%}" if self.accuracy else ""
        snaps = f", {len(self.snapshot_steps)} snapshots" if self.snapshot_steps else ""
        return (f"History({len(self.loss)} steps, final loss {self.loss[-1]:.4g}{acc}, "
                f"{self.seconds:.2f} s{snaps})")

    def plot(self) -> Any:
        """Loss and accuracy against step (matplotlib); returns the Figure."""
        from nn.plots import plot_history
        return plot_history(self)

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
        stream: TextIO | None = None, record: bool | int = False) -> History:
    """Train ``model`` on ``(X, y)``; one step per batch, ``epochs`` passes over the data.

    ``loss`` is a name in ``LOSSES`` or a function ``(outputs, labels) -> Value``; the outputs
    are ``model(x)`` for each row. ``optimizer`` defaults to ``SGD(model, lr=0.1)``;
    ``l2_alpha`` adds ``l2(model, l2_alpha)`` to the loss. With ``batch_size`` the rows are
    shuffled each epoch (seeded by ``seed``); without, each step sees all of them.
    ``progress`` shows a ``tqdm.auto`` bar with the loss, accuracy and steps/s (default: on when
    ``stream``, stderr unless given, is a terminal or in a Jupyter kernel, and tqdm is
    installed; ``True`` without tqdm is an ImportError). Returns the per-step ``History``.

    ``record=True`` (every step) or ``record=k`` (steps 0, k, 2k, ... and always the last)
    keeps snapshots in the history: ``params[i]`` holds the parameter values of step
    ``snapshot_steps[i]``'s forward pass (before its update) and ``param_grads[i]`` that step's
    gradients (before the update, including the L2 term when ``l2_alpha`` is set), one column
    per name in ``param_names`` (``model.named_parameters()`` order). Off: empty arrays.
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
    every = _record_every(record)
    rng = _rng(seed)
    history = History()
    named = model.named_parameters()
    history.param_names = [name for name, _ in named]
    snaps: list[list[float]] = []
    grads: list[list[float]] = []
    forward = Forward(model, loss_fn, params, l2_alpha, same_data=batch_size is None)
    start = time.perf_counter()
    step = 0
    for _ in range(epochs):
        order = range(len(rows)) if batch_size is None else rng.permutation(len(rows)).tolist()
        for begin in range(0, len(rows), size):
            batch = order[begin:begin + size]
            xb, yb = [rows[i] for i in batch], [labels[i] for i in batch]
            keep = bool(every) and (step % every == 0 or step == steps - 1)
            before = [p.data for _, p in named] if keep else None
            try:
                total, outputs, lr = _step(forward, opt, xb, yb)
            except OverflowError as err:  # from the engine or the optimizer
                raise _diverged(err, history.loss, steps) from err
            if before is not None:
                history.snapshot_steps.append(step)
                snaps.append(before)
                grads.append([p.grad for _, p in named])
            history.lr.append(lr)
            history.loss.append(total.data)
            if measure is not None:
                history.accuracy.append(measure(outputs, yb))
            show(history)
            step += 1
    history.seconds = time.perf_counter() - start
    history.params = np.array(snaps, dtype=np.float64).reshape(len(snaps), len(named))
    history.param_grads = np.array(grads, dtype=np.float64).reshape(len(grads), len(named))
    show.done()
    return history


def _step(forward: Forward, opt: Optimizer, xb: list[list[float]], yb: list[Any]
          ) -> tuple[Any, list[Any], float]:
    """One training step: forward and loss (built, or replayed from a tape), zero_grad,
    backward, update; returns (loss, outputs, lr)."""
    outputs, total = forward(xb, yb)  # Values, or replayed from a tape (nn._replay)
    lr = opt.current_lr()
    opt.zero_grad()
    total.backward()
    opt.step()  # changes nothing if it fails
    return total, outputs, lr


def _record_every(record: Any) -> int:
    """Every how many steps fit keeps a snapshot (0: never)."""
    if isinstance(record, bool):
        return int(record)
    if isinstance(record, numbers.Integral) and int(record) >= 1:
        return int(record)
    raise ValueError(f"record must be True, False or a positive integer (a snapshot every "
                     f"that many steps), got {record!r}")


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
    """A tqdm bar (``tqdm.auto``: the notebook widget in Jupyter, a terminal bar otherwise)."""

    def __init__(self, stream: TextIO, enabled: bool | None, total: int) -> None:
        self.bar: Any = None
        if enabled is None:
            enabled = _interactive(stream)
            if enabled and importlib.util.find_spec("tqdm") is None:
                enabled = False  # asked by default only: no bar rather than an error
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm  # type: ignore[import-untyped]
        except ImportError:
            raise ImportError("fit(progress=True) shows its bar with tqdm, which is not "
                              "installed: pip install tqdm (or pass progress=False)") from None
        self.bar = tqdm(total=total, file=stream, unit="step", leave=True)

    def __call__(self, history: History) -> None:
        if self.bar is None:
            return
        shown = {"loss": f"{history.loss[-1]:.4f}"}
        if history.accuracy:
            shown["accuracy"] = f"{history.accuracy[-1]:.1%}"
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _interactive(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal or the code runs in a Jupyter kernel."""
    if bool(getattr(stream, "isatty", lambda: False)()):
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"
