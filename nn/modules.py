"""`Module`, `Neuron`, `Layer` and `MLP`: micrograd's classes, with names, activations and files.

A micrograd program runs unchanged after ``from nn import MLP``: same constructor signatures,
same default activations (relu in hidden layers, linear output), and with no ``seed`` the same
draws from Python's global ``random`` (so ``random.seed(1337)`` gives micrograd's weights).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from os import PathLike
from typing import Any

from autograd import Value, dot
from nn import _io
from nn._checks import check_state as _check_state
from nn._checks import count as _count
from nn._checks import seed as _seed

__all__ = ["ACTIVATIONS", "INITS", "Module", "Neuron", "Layer", "MLP"]

ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "linear")
"""Activation names a neuron accepts."""

INITS: tuple[str, ...] = ("uniform", "scaled")
"""Weight initialisations: micrograd's uniform(-1, 1), or uniform(-k, k) with k = 1/sqrt(nin)."""

_METHODS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None,
}


class Module:
    """Base of every model: parameters by name, zeroing gradients, state and JSON files."""

    def __call__(self, x: Any) -> Any:
        """Run the model on ``x`` (subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def parameters(self) -> list[Value]:
        """Every trainable Value, in the order of ``named_parameters()`` (PyTorch's way)."""
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, Value) pairs, e.g. ``layers.0.neurons.3.w.1``, in a stable order.

        Found in the public attributes, in the order they were set: a Value, a Module (its
        names prefixed), a list/tuple of them (indexed) or a dict of them (by string key). A
        Value shared twice is listed once.
        A module that overrides ``parameters()`` (micrograd's way) gets exactly those Values,
        in that order, named by the attribute holding them (else ``parameters.i``); so
        ``state_dict``, ``zero_grad``, the optimizers and ``fit`` see one registry either way.
        """
        found: list[tuple[str, Value]] = []
        _collect("", self, found, set(), set())
        return found

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def architecture(self) -> dict[str, Any]:
        """What a saved file must match besides the parameter names (JSON-ready)."""
        return {"type": type(self).__name__}

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name (a plain dict of floats, JSON-ready)."""
        return {name: float(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set the parameters from ``state``; names must match exactly and values be finite.

        Everything is checked before anything is set, so a bad ``state`` changes nothing.
        """
        self._set_state(state, "load_state_dict")

    def save(self, path: str | PathLike[str]) -> None:
        """Write the architecture and parameters to ``path`` as JSON, atomically."""
        _io.save(path, self.architecture(), self.state_dict())

    def load(self, path: str | PathLike[str]) -> None:
        """Load parameters saved by ``save`` into this model (same architecture), all or nothing."""
        self._set_state(_io.load(path, self.architecture()), str(path))

    def _set_state(self, state: Any, where: str) -> None:
        named = self.named_parameters()
        values = _check_state([name for name, _ in named], state, where)
        for (_, p), value in zip(named, values, strict=True):
            p.data = value

    def _label_parameters(self) -> None:
        # a parameter drawn in a graph shows where it lives in the model
        for name, p in self.named_parameters():
            p.label = name


def _collect(prefix: str, obj: object, found: list[tuple[str, Value]], seen: set[Value],
             modules: set[int]) -> None:
    if isinstance(obj, Value):
        if obj not in seen:
            seen.add(obj)
            found.append((prefix, obj))
    elif isinstance(obj, Module):
        if id(obj) in modules:
            return
        modules.add(id(obj))
        if type(obj).parameters is Module.parameters:
            _attributes(prefix, obj, found, seen, modules)
        else:
            _declared(prefix, obj, found, seen, modules)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _collect(f"{prefix}.{i}" if prefix else str(i), item, found, seen, modules)
    elif isinstance(obj, dict):  # keyed by name, as PyTorch's ParameterDict
        for key, item in obj.items():
            if isinstance(key, str):
                _collect(f"{prefix}.{key}" if prefix else key, item, found, seen, modules)


def _attributes(prefix: str, obj: Module, found: list[tuple[str, Value]], seen: set[Value],
                modules: set[int]) -> None:
    for key, item in vars(obj).items():
        if not key.startswith("_"):
            _collect(f"{prefix}.{key}" if prefix else key, item, found, seen, modules)


def _declared(prefix: str, obj: Module, found: list[tuple[str, Value]], seen: set[Value],
              modules: set[int]) -> None:
    """A module's own ``parameters()``, named by the attributes that hold them."""
    reflected: list[tuple[str, Value]] = []
    _attributes("", obj, reflected, set(), set(modules))
    names = {id(p): name for name, p in reflected}
    for i, p in enumerate(obj.parameters()):
        name = names.get(id(p), f"parameters.{i}")
        _collect(f"{prefix}.{name}" if prefix else name, p, found, seen, modules)


# -- argument checks ----------------------------------------------------------------------

def _lecture(lecture: Any, *activations: Any) -> bool:
    """Check ``lecture=``: a bool, and not given together with an activation."""
    if not isinstance(lecture, bool):
        raise TypeError(f"lecture must be True or False, got {lecture!r}")
    if lecture and any(a is not None for a in activations):
        raise ValueError("lecture=True sets tanh in every layer; give it or an activation, "
                         "not both")
    return lecture


def _activation(value: Any, name: str = "activation") -> str:
    if value not in ACTIVATIONS:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, ACTIVATIONS))}; "
                         f"got {value!r}")
    return str(value)


def _rng(seed: int | None, rng: random.Random | None) -> random.Random | None:
    """The generator to draw weights from; None means Python's global one, as micrograd."""
    if seed is not None and rng is not None:
        raise ValueError("give seed= or rng=, not both")
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        return rng
    if seed is not None:
        return random.Random(_seed(seed))
    return None


def _lift_inputs(who: str, x: Any) -> list[Value]:
    """The inputs as Values, made once per call so every neuron of a layer shares them."""
    try:
        return [v if type(v) is Value else Value(v) for v in x]
    except TypeError:
        for i, v in enumerate(x):
            if not isinstance(v, (Value, numbers.Real)):
                raise TypeError(f"{who}: input x[{i}] is {type(v).__name__} {v!r:.40}, "
                                "not a number or Value") from None
        raise


def _wrong_length(x: Any, nin: int) -> bool:
    """False for a list or tuple of ``nin`` inputs (one type check); else _length decides."""
    if type(x) is list or type(x) is tuple:
        return len(x) != nin
    return True


def _length(who: str, x: Any, nin: int) -> None:
    try:
        n: int | None = len(x)
    except TypeError:
        n = None
    if n is None or isinstance(x, (Mapping, AbstractSet)):  # not a dict's keys, a set's order
        raise TypeError(f"{who} expects a list of {nin} numbers or Values, got "
                        f"{type(x).__name__}")
    if n != nin:
        raise ValueError(f"{who} expects {nin} inputs (nin={nin}), got {n}")


# -- the models ---------------------------------------------------------------------------

class Neuron(Module):
    """One neuron: ``activation(w . x + b)``; by default relu, as micrograd's ``nonlin=True``.

    ``lecture=True`` gives the neuron of micrograd's lecture instead: tanh, and a bias drawn
    like the weights (after them) rather than 0.
    """

    def __init__(self, nin: int, nonlin: bool = True, *, activation: str | None = None,
                 seed: int | None = None, rng: random.Random | None = None,
                 init: str = "uniform", fused: bool = True, lecture: bool = False) -> None:
        self.nin = _count("nin", nin)
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(map(repr, INITS))}; got {init!r}")
        draw = _rng(seed, rng)
        # no generator given: the global one, so random.seed(1337) gives micrograd's weights
        uniform = random.uniform if draw is None else draw.uniform
        bound = 1.0 if init == "uniform" else 1.0 / math.sqrt(self.nin)
        self.w = [Value(uniform(-bound, bound)) for _ in range(self.nin)]
        # micrograd's package starts biases at 0; its lecture draws them like the weights
        self.b = Value(uniform(-bound, bound) if _lecture(lecture, activation) else 0.0)
        self.activation = activation if activation is not None else (
            "tanh" if lecture else "relu" if nonlin else "linear")
        self.fused = bool(fused)
        self._label_parameters()

    @classmethod
    def from_weights(cls, weights: Sequence[float], bias: float, *,
                     activation: str = "linear", fused: bool = True) -> Neuron:
        """A neuron holding exactly these numbers (no activation unless one is given)."""
        neuron = cls(len(weights), activation=activation, seed=0, fused=fused)
        neuron.load_state_dict({**{f"w.{i}": w for i, w in enumerate(weights)}, "b": bias})
        return neuron

    @property
    def activation(self) -> str:
        """The activation's name: 'relu', 'tanh', 'sigmoid' or 'linear'."""
        return self._activation

    @activation.setter
    def activation(self, name: str) -> None:
        self._activation = _activation(name)
        self._method = _METHODS[self._activation]

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self._activation != "linear"

    def __call__(self, x: Sequence[Value | float] | Any) -> Value:
        """activation(w . x + b) for ``nin`` inputs (numbers or Values)."""
        if _wrong_length(x, self.nin):
            _length("Neuron", x, self.nin)
        try:
            if self.fused:
                act = dot(self.w, x, self.b)  # one node: fast, and drawn as one weighted sum
            else:  # micrograd's graph, one node per product and per addition
                act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        except TypeError:
            _lift_inputs("Neuron", x)  # raises the clear error naming the bad input
            raise
        method = self._method
        return act if method is None else method(act)

    def architecture(self) -> dict[str, Any]:
        """Type, input count and activation."""
        return {"type": "Neuron", "nin": self.nin, "activation": self._activation}

    def __repr__(self) -> str:
        return f"Neuron({self.nin} -> 1 {self._activation}; {self.nin + 1} parameters)"


class Layer(Module):
    """Neurons that all see the same inputs; calling it always returns a list.

    ``lecture=True``: the lecture's neurons (tanh, biases drawn like the weights).
    """

    def __init__(self, nin: int, nout: int, nonlin: bool = True, *,
                 activation: str | None = None, seed: int | None = None,
                 rng: random.Random | None = None, init: str = "uniform",
                 fused: bool = True, lecture: bool = False) -> None:
        self.nin = _count("nin", nin)
        self.nout = _count("nout", nout)
        draw = _rng(seed, rng)  # one generator for all, so neurons differ
        self.neurons = [Neuron(self.nin, nonlin, activation=activation, rng=draw, init=init,
                               fused=fused, lecture=lecture) for _ in range(self.nout)]
        self._label_parameters()

    @classmethod
    def from_weights(cls, weights: Sequence[Sequence[float]], biases: Sequence[float], *,
                     activation: str = "linear", fused: bool = True) -> Layer:
        """A layer holding exactly these numbers: one row of weights and one bias per neuron."""
        if len(weights) == 0 or len(weights) != len(biases):  # len: numpy arrays work too
            raise ValueError(f"from_weights: {len(weights)} weight rows but {len(biases)} "
                             "biases; give one row and one bias per neuron")
        layer = cls(len(weights[0]), len(weights), activation=activation, seed=0, fused=fused)
        state = {}
        for j, (row, bias) in enumerate(zip(weights, biases, strict=True)):
            if len(row) != layer.nin:
                raise ValueError(f"from_weights: weights[{j}] has {len(row)} entries, "
                                 f"weights[0] has {layer.nin}")
            state.update({f"neurons.{j}.w.{i}": w for i, w in enumerate(row)})
            state[f"neurons.{j}.b"] = bias
        layer.load_state_dict(state)
        return layer

    @property
    def activation(self) -> str:
        """The neurons' activation."""
        return self.neurons[0].activation

    def __call__(self, x: Sequence[Value | float] | Any) -> list[Value]:
        """Each neuron's output, as a list even for one neuron (a width-1 layer works)."""
        if _wrong_length(x, self.nin):
            _length("Layer", x, self.nin)
        xs = _lift_inputs("Layer", x)
        return [n(xs) for n in self.neurons]

    def architecture(self) -> dict[str, Any]:
        """Type, sizes and activation."""
        return {"type": "Layer", "nin": self.nin, "nout": self.nout,
                "activation": self.activation}

    def __repr__(self) -> str:
        count = self.nout * (self.nin + 1)
        return f"Layer({self.nin} -> {self.nout} {self.activation}; {count} parameters)"


class MLP(Module):
    """A multi-layer perceptron: layers in sequence; one Value out when the last layer has one.

    ``activation`` names the hidden layers' activation (default relu, as micrograd), or is a
    list with one name per layer. The output layer is linear unless ``output_activation`` (or
    the list) says otherwise.

    ``lecture=True`` builds the MLP of micrograd's lecture ("The spelled-out intro to neural
    networks and backpropagation") instead of its package's: tanh in every layer, the output
    too, and each bias drawn uniform(-1, 1) like the weights (after them), so that with
    ``random.seed(s)`` it holds the lecture's numbers. Not combined with ``activation``.
    """

    def __init__(self, nin: int, nouts: Sequence[int], *,
                 activation: str | Sequence[str] | None = None,
                 output_activation: str | None = None, seed: int | None = None,
                 rng: random.Random | None = None, init: str = "uniform",
                 fused: bool = True, lecture: bool = False) -> None:
        self.nin = _count("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError("nouts must be a non-empty list of layer sizes, e.g. "
                             f"MLP(2, [16, 16, 1]); got {nouts!r}")
        self.nouts = [_count(f"nouts[{i}]", n) for i, n in enumerate(nouts)]
        if _lecture(lecture, activation, output_activation):
            activation = output_activation = "tanh"
        activations = _layer_activations(activation, output_activation, len(self.nouts))
        draw = _rng(seed, rng)
        sizes = [self.nin, *self.nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], rng=draw, init=init, fused=fused,
                             activation=None if lecture else activations[i], lecture=lecture)
                       for i in range(len(self.nouts))]
        self._label_parameters()

    @property
    def activations(self) -> list[str]:
        """Each layer's activation."""
        return [layer.activation for layer in self.layers]

    def __call__(self, x: Sequence[Value | float] | Any) -> Value | list[Value]:
        """The network's output for ``nin`` inputs: a Value if the last layer has one neuron."""
        if _wrong_length(x, self.nin):
            _length("MLP", x, self.nin)
        out = self.layers[0](x)
        for layer in self.layers[1:]:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def architecture(self) -> dict[str, Any]:
        """Type, sizes and each layer's activation."""
        return {"type": "MLP", "nin": self.nin, "nouts": list(self.nouts),
                "activations": self.activations}

    def __repr__(self) -> str:
        steps = " -> ".join(f"{n} {a}" for n, a in zip(self.nouts, self.activations, strict=True))
        count = sum((a + 1) * b for a, b in zip([self.nin, *self.nouts[:-1]], self.nouts,
                                                 strict=True))
        return f"MLP({self.nin} -> {steps}; {count} parameters)"


def _layer_activations(activation: str | Sequence[str] | None, output: str | None,
                       layers: int) -> list[str]:
    if activation is None or isinstance(activation, str):
        hidden = _activation("relu" if activation is None else activation)
        last = _activation("linear" if output is None else output, "output_activation")
        return [hidden] * (layers - 1) + [last]
    names = list(activation)
    if len(names) != layers:
        raise ValueError(f"activation lists {len(names)} names for {layers} layers; give one "
                         "per layer (or one name for all hidden layers)")
    if output is not None:
        raise ValueError("give output_activation or a list of activations, not both")
    return [_activation(name, f"activation[{i}]") for i, name in enumerate(names)]
