"""One parameter registry: parameters() and named_parameters() agree, both ways of declaring."""

import random

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, Layer, Module, Neuron, fit, l2


class Scaled(MLP):
    """PyTorch's way: a subclass adds a parameter as an attribute."""

    def __init__(self):
        super().__init__(2, [3, 1], seed=0)
        self.scale = Value(1.0)

    def __call__(self, x):
        return super().__call__(x) * self.scale


class Keyed(Module):
    """micrograd's way: Values kept in a dict, only parameters() defined."""

    def __init__(self):
        self._store = {"w0": Value(0.5), "w1": Value(-0.25), "b": Value(0.1)}

    def __call__(self, x):
        s = self._store
        return s["w0"] * x[0] + s["w1"] * x[1] + s["b"]

    def parameters(self):
        return [self._store["w0"], self._store["w1"], self._store["b"]]


def test_a_subclass_parameter_counts_everywhere():
    model = Scaled()
    assert len(model.parameters()) == len(model.named_parameters()) == 14
    assert model.named_parameters()[-1] == ("scale", model.scale)
    assert len(model.state_dict()) == 14 and len(SGD(model).params) == 14
    model.scale.grad = 3.0
    model.zero_grad()
    assert model.scale.grad == 0.0
    ps = model.parameters()
    assert l2(model, 1.0).data == pytest.approx(sum(p.data ** 2 for p in ps))


def test_fit_trains_and_regularises_the_added_parameter():
    model = Scaled()
    X, y = [[1.0, 0.0], [0.0, 1.0]], [1, -1]
    fit(model, X, y, l2_alpha=0.5, optimizer=SGD(model, lr=0.1), epochs=3)
    assert model.scale.data != 1.0


def test_a_module_defining_only_parameters_works_everywhere():
    model = Keyed()
    values = model.parameters()
    assert [p for _, p in model.named_parameters()] == values
    assert list(model.state_dict()) == ["parameters.0", "parameters.1", "parameters.2"]
    opt = SGD(model, lr=0.1)
    assert opt.params == values and Adam(model).params == values
    fit(model, [[1.0, 2.0], [-1.0, 0.5]], [1, -1], optimizer=opt, l2_alpha=0.1, epochs=2)
    assert model.state_dict()["parameters.0"] != 0.5
    values[0].grad = 2.0
    model.zero_grad()
    assert values[0].grad == 0.0
    state = {"parameters.0": 1.0, "parameters.1": 2.0, "parameters.2": 3.0}
    model.load_state_dict(state)
    assert [p.data for p in values] == [1.0, 2.0, 3.0]


def test_an_attribute_dict_is_named_by_its_keys():
    class Public(Keyed):
        def __init__(self):
            super().__init__()
            self.store = self._store

    assert [n for n, _ in Public().named_parameters()] == ["store.w0", "store.w1", "store.b"]


def test_builtin_modules_keep_micrograds_order():
    random.seed(3)
    neuron = Neuron(3)
    assert neuron.parameters() == [*neuron.w, neuron.b]
    layer = Layer(2, 3, seed=0)
    assert layer.parameters() == [p for n in layer.neurons for p in [*n.w, n.b]]
    mlp = MLP(2, [3, 1], seed=0)
    assert mlp.parameters() == [p for lay in mlp.layers for n in lay.neurons for p in [*n.w, n.b]]
