"""Losses written with `Value` ops, so they backpropagate like any other graph.

Each loss takes the model's outputs for a batch and the labels, and returns the mean over the
batch as one Value. The cross-entropies use the log-sum-exp trick: the largest logit is
subtracted as a constant, so no ``exp`` overflows and the gradient is exact
(``sigmoid(z) - y``, ``softmax(z) - onehot(y)``) for logits of any size.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from autograd import Value, dot, sum_values
from nn._checks import number as _number
from nn.modules import Module

__all__ = ["binary_cross_entropy", "hinge", "l2", "logsumexp", "mse", "softmax",
           "softmax_cross_entropy", "softplus"]


def mse(outputs: Any, targets: Any) -> Value:
    """Mean squared error: mean((output - target)^2); gradient 2 (output - target) / n.

    One output per sample with one target each, or (a model with several outputs) one row of
    k outputs per sample with a row of k targets each: the mean over every entry.
    """
    if _is_rows(outputs):
        return _mse_rows(outputs, targets)
    outs = _outputs("mse", "outputs", outputs)
    ts = _labels("mse", "targets", targets, len(outs))
    for i, t in enumerate(ts):
        if not math.isfinite(t):
            raise ValueError(f"mse: targets[{i}] is {t}; targets must be finite numbers")
    return _mean([(o - t) ** 2 for o, t in zip(outs, ts, strict=True)])


def hinge(scores: Any, labels: Any, *, margin: float = 1.0) -> Value:
    """Max-margin loss (micrograd's demo): mean(relu(margin - y * score)), labels -1 or +1.

    0/1 labels (as ``nn.datasets`` gives) work too: when every label is 0 or 1, 0 means -1.
    """
    margin = _number("hinge: margin", margin)
    outs = _outputs("hinge", "scores", scores)
    ys = _labels("hinge", "labels", labels, len(outs))
    if set(ys) <= {0.0, 1.0}:
        ys = [2.0 * y - 1.0 for y in ys]
    for i, y in enumerate(ys):
        if y not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels must be -1/+1 (or all 0/1); labels[{i}] is {y:g}")
    return _mean([(margin - y * s).relu() for s, y in zip(outs, ys, strict=True)])


def binary_cross_entropy(logits: Any, labels: Any) -> Value:
    """Binary cross-entropy on logits z, labels y in [0, 1]; gradient sigmoid(z) - y.

    -1/+1 labels (as ``hinge`` takes) work too: when every label is -1 or +1, -1 means 0.

    -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = y softplus(-z) + (1 - y) softplus(z),
    computed in that form: no log of a sigmoid rounded to 0, and no cancellation for large z
    (``softplus(z) - y z`` loses digits when y = 1 and z is large).
    """
    outs = _outputs("binary_cross_entropy", "logits", logits)
    ys = _labels("binary_cross_entropy", "labels", labels, len(outs))
    if -1.0 in ys and set(ys) <= {-1.0, 1.0}:  # -1/+1 labels: -1 means 0
        ys = [(y + 1.0) / 2.0 for y in ys]
    for i, y in enumerate(ys):
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"binary_cross_entropy: labels must be 0 or 1 (or a probability "
                             f"in between); labels[{i}] is {y:g} (for -1/+1 labels pass "
                             "(y + 1) / 2)")
    return _mean([_bce(z, y) for z, y in zip(outs, ys, strict=True)])


def _is_rows(outputs: Any) -> bool:
    """True when the outputs are one row (list) of Values per sample."""
    if isinstance(outputs, (Value, numbers.Real, str, bytes)):
        return False
    return isinstance(outputs, Sequence) and bool(outputs) and isinstance(outputs[0],
                                                                          (list, tuple))


def _mse_rows(outputs: Any, targets: Any) -> Value:
    """mse for several outputs: each row of outputs against its row of targets."""
    rows = [_outputs("mse", f"outputs[{i}]", row) for i, row in enumerate(outputs)]
    _iterable("mse", "targets", targets)
    goals = list(targets)
    if len(goals) != len(rows):
        raise ValueError(f"mse: {len(rows)} rows of outputs but {len(goals)} targets; give "
                         "one row of targets per sample")
    terms = []
    for i, (row, goal) in enumerate(zip(rows, goals, strict=True)):
        if isinstance(goal, numbers.Real):
            raise ValueError(f"mse: targets[{i}] is one number but the model gives "
                             f"{len(row)} outputs; give a row of {len(row)} targets")
        ts = _labels("mse", f"targets[{i}]", goal, len(row))
        for j, t in enumerate(ts):
            if not math.isfinite(t):
                raise ValueError(f"mse: targets[{i}][{j}] is {t}; targets must be finite")
        terms += [(o - t) ** 2 for o, t in zip(row, ts, strict=True)]
    return _mean(terms)


def _bce(z: Value, y: float) -> Value:
    if y == 1.0:
        return softplus(-z)
    if y == 0.0:
        return softplus(z)
    return y * softplus(-z) + (1.0 - y) * softplus(z)


def softmax_cross_entropy(logits: Any, labels: Any) -> Value:
    """Cross-entropy of softmax(logits) against class indices: mean(logsumexp(z) - z[y]).

    ``logits`` holds one row of k Values per sample (a model with k outputs); ``labels`` one
    integer class in 0..k-1 per sample.
    """
    fn = "softmax_cross_entropy"
    rows = _rows(fn, logits)
    k = len(rows[0])
    _iterable(fn, "labels", labels)
    labels = list(labels)
    if len(labels) != len(rows):
        raise ValueError(f"{fn}: {len(rows)} rows of logits but {len(labels)} labels")
    classes = []
    for i, y in enumerate(labels):
        if isinstance(y, bool) or not isinstance(y, numbers.Integral) or not 0 <= int(y) < k:
            raise ValueError(f"{fn}: labels must be class indices 0..{k - 1} (one per row); "
                             f"labels[{i}] is {y!r}")
        classes.append(int(y))
    return _mean([_logsumexp(row) - row[y] for row, y in zip(rows, classes, strict=True)])


def l2(parameters: Module | Iterable[Value], alpha: float = 1e-4) -> Value:
    """L2 regularisation: alpha * sum(p^2) over the parameters (one fused node)."""
    ps = parameters.parameters() if isinstance(parameters, Module) else list(parameters)
    if not ps or not all(type(p) is Value for p in ps):
        raise ValueError("l2: parameters must be a Module or a non-empty list of Values")
    return dot(ps, ps) * _alpha(alpha)


def softplus(z: Value) -> Value:
    """log(1 + e^z), stably: m + log(e^-m + e^(z - m)) with m = max(z, 0) held constant."""
    if type(z) is not Value:
        raise TypeError(f"softplus: z must be a Value, got {type(z).__name__} (for a number x "
                        "pass Value(x))")
    m = max(z.data, 0.0)
    return ((z - m).exp() + math.exp(-m)).log() + m


def logsumexp(values: Sequence[Value]) -> Value:
    """log(sum(e^v)), stably: the largest value is subtracted first, as a constant."""
    return _logsumexp(_values("logsumexp", values))


def _logsumexp(values: Sequence[Value]) -> Value:
    m = max(v.data for v in values)
    if math.isinf(m):  # v - m would be inf - inf; the sum is the infinite largest value itself
        return next(v for v in values if v.data == m)
    return sum_values([(v - m).exp() for v in values]).log() + m


def softmax(values: Sequence[Value]) -> list[Value]:
    """Probabilities e^v / sum(e^v), as Values (stable: the largest value is subtracted)."""
    values = _values("softmax", values)
    m = max(v.data for v in values)
    exps = [(v - m).exp() for v in values]
    total = sum_values(exps)
    return [e / total for e in exps]


# -- argument checks ----------------------------------------------------------------------

def _alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (
            math.isfinite(alpha) and float(alpha) >= 0):
        raise ValueError(f"l2: alpha must be a finite number >= 0, got {alpha!r}")
    return float(alpha)


def _mean(terms: list[Value]) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def _outputs(fn: str, name: str, values: Any) -> list[Value]:
    """One Value per sample (numbers are wrapped); anything else is a clear TypeError."""
    if isinstance(values, (Value, numbers.Real)):
        values = [values]
    out = []
    for i, v in enumerate(values):
        if type(v) is Value:
            out.append(v)
        elif isinstance(v, numbers.Real):
            out.append(Value(v))
        else:
            hint = (" (one output per sample: use a model whose last layer has one neuron)"
                    if isinstance(v, (list, tuple)) else "")
            raise TypeError(f"{fn}: {name}[{i}] is {type(v).__name__}, not a Value or "
                            f"number{hint}")
    if not out:
        raise ValueError(f"{fn}: {name} is empty")
    return out


def _labels(fn: str, name: str, labels: Any, n: int) -> list[float]:
    if isinstance(labels, numbers.Real):
        labels = [labels]
    _iterable(fn, name, labels)
    out = []
    for i, y in enumerate(labels):
        if not isinstance(y, numbers.Real):
            raise TypeError(f"{fn}: {name}[{i}] is {type(y).__name__} {y!r:.40}, not a number")
        out.append(float(y))
    if len(out) != n:
        raise ValueError(f"{fn}: {n} outputs but {len(out)} {name}; give one per sample")
    return out


def _iterable(fn: str, name: str, labels: Any) -> None:
    if not isinstance(labels, Iterable) or isinstance(labels, (str, bytes)):
        raise TypeError(f"{fn}: {name} must be a list with one per sample, got "
                        f"{type(labels).__name__}")


def _values(fn: str, values: Any) -> list[Value]:
    """A non-empty list of Values (not numbers: a plain float has no gradient to give)."""
    if not isinstance(values, Iterable) or isinstance(values, Value):
        raise TypeError(f"{fn}: values must be a list of Values, got {type(values).__name__}")
    out = list(values)
    if not out:
        raise ValueError(f"{fn}: values is empty; give at least one Value")
    for i, v in enumerate(out):
        if type(v) is not Value:
            raise TypeError(f"{fn}: values[{i}] is {type(v).__name__}, not a Value (for a "
                            "number x pass Value(x))")
    return out


def _rows(fn: str, logits: Any) -> list[list[Value]]:
    rows = []
    for i, row in enumerate(logits):
        if isinstance(row, (Value, numbers.Real)):
            raise TypeError(f"{fn}: logits[{i}] is one number; each sample needs a row of "
                            "k >= 2 logits (a model whose last layer has k neurons)")
        rows.append(_outputs(fn, f"logits[{i}]", row))
    if not rows:
        raise ValueError(f"{fn}: logits is empty")
    k = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != k:
            raise ValueError(f"{fn}: logits[{i}] has {len(row)} entries, logits[0] has {k}")
    if k < 2:
        raise ValueError(f"{fn}: needs at least 2 classes, got rows of {k}")
    return rows
