"""fit's forward pass: built as Values, or replayed from a tape when the graph cannot change.

A tape (``autograd.Tape``) replays the graph of the first step on new parameter values, with
the same float operations in the same order, so losses, accuracies and parameters are those
of rebuilding the graph every step, bit for bit. That is valid only when every step builds
the same graph: the same data (no mini-batches, which are shuffled), a model whose graph does
not depend on its numbers (``MLP``, ``Layer``, ``Neuron`` themselves: their activations are
ops, not Python branches) and a loss that does not branch on the data (``hinge`` and ``mse``;
the cross-entropies take constants from the logits for stability, so they rebuild). Anything
else, a subclass or a loss of your own included, is rebuilt every step as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd import Tape, Value
from nn.losses import hinge, l2, mse
from nn.modules import MLP, Layer, Module, Neuron

__all__ = ["Forward", "fixed_structure"]

_FIXED_LOSSES = (hinge, mse)  # no branch on the labels or the outputs' values


def fixed_structure(model: Module, loss_fn: Callable[..., Any]) -> bool:
    """Whether ``loss_fn(model(x) ...)`` builds the same graph whatever the parameters are."""
    if loss_fn not in _FIXED_LOSSES:
        return False
    if type(model) is Neuron:
        return True
    layers = [model] if type(model) is Layer else getattr(model, "layers", None)
    if type(model) not in (MLP, Layer) or not isinstance(layers, list):
        return False
    return all(type(layer) is Layer and isinstance(layer.neurons, list)
               and all(type(n) is Neuron for n in layer.neurons) for layer in layers)


class _Replayed:
    """A replayed step's loss in place of its Value: ``data``, and ``backward()`` that adds
    each parameter's gradient to its ``.grad`` as ``Value.backward`` does."""

    __slots__ = ("_tape", "_params", "data")

    def __init__(self, tape: Tape, params: list[Value], data: float) -> None:
        self._tape, self._params, self.data = tape, params, data

    def backward(self) -> None:
        for p, g in zip(self._params, self._tape.backward(), strict=True):
            p.grad += g


class Forward:
    """``forward(xb, yb) -> (outputs, loss)``: the first step builds Values and records them;
    later steps replay the tape when ``same_data`` and ``fixed_structure`` allow it."""

    def __init__(self, model: Module, loss_fn: Callable[..., Any], params: list[Value],
                 l2_alpha: float, *, same_data: bool) -> None:
        self.model, self.loss_fn, self.params, self.l2_alpha = model, loss_fn, params, l2_alpha
        self.replay = same_data and fixed_structure(model, loss_fn)
        self.tape: Tape | None = None

    def __call__(self, xb: Sequence[Any], yb: Sequence[Any]) -> tuple[list[Any], Any]:
        if self.tape is not None:
            loss = self.tape.forward([p.data for p in self.params])
            return self.tape.outputs, _Replayed(self.tape, self.params, loss)
        outputs = [self.model(x) for x in xb]
        total = self.loss_fn(outputs, yb)
        if not isinstance(total, Value):
            raise TypeError(f"fit: the loss function must return a Value, got "
                            f"{type(total).__name__} (build it from the outputs, which are "
                            "Values)")
        if self.l2_alpha:
            total = total + l2(self.params, self.l2_alpha)
        self.replay = self.replay and all(type(o) is Value for o in outputs)  # one output
        if self.replay:  # recorded once; the graph of this step still runs backward itself
            self.tape = Tape.record(total, inputs=self.params, outputs=outputs)
        return outputs, total
