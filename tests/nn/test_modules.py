"""Neuron, Layer, MLP: sizes, names, initialisation, activations, fused graphs, bad input."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, walk
from nn import ACTIVATIONS, MLP, Layer, Module, Neuron
from nn.datasets import LAYER_EXAMPLE, NEURON_EXAMPLE

NUMPY_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "linear": lambda z: z,
}


def numpy_forward(model: MLP, x: np.ndarray) -> np.ndarray:
    """The model's output computed by numpy from its weights (an independent reference)."""
    a = np.asarray(x, dtype=float)
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        a = NUMPY_ACTIVATIONS[layer.activation](W @ a + b)
    return a


# -- sizes, names, repr --------------------------------------------------------------------

@pytest.mark.parametrize("nin, nouts", [(2, [16, 16, 1]), (3, [4, 4, 1]), (35, [16, 10]),
                                        (1, [1]), (5, [1, 1, 1])])
def test_parameter_count_is_sum_of_fan_in_plus_one_times_width(nin, nouts):
    model = MLP(nin, nouts, seed=0)
    sizes = [nin, *nouts]
    expected = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    assert len(model.parameters()) == expected
    assert len(model.named_parameters()) == expected
    assert f"{expected} parameters" in repr(model)


def test_micrograd_demo_model_has_337_parameters():
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337
    assert len(Layer(3, 4).parameters()) == 16
    assert len(Neuron(3).parameters()) == 4


def test_named_parameters_are_dotted_paths_in_micrograd_order():
    model = MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]
    # same objects, same order as parameters() and as the attributes they name
    assert [p for _, p in model.named_parameters()] == model.parameters()
    named = dict(model.named_parameters())
    assert named["layers.0.neurons.1.w.0"] is model.layers[0].neurons[1].w[0]
    assert named["layers.1.neurons.0.b"] is model.layers[1].neurons[0].b


def test_named_parameters_are_stable_across_builds_seeds_and_training():
    a, b = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    names = [n for n, _ in a.named_parameters()]
    assert names == [n for n, _ in b.named_parameters()]
    out = a([1.0, 2.0, 3.0])
    (out[0] + out[1]).backward()
    for p in a.parameters():
        p.data -= 0.1 * p.grad
    assert names == [n for n, _ in a.named_parameters()]
    assert "layers.0.neurons.3.w.1" in names


def test_parameters_are_labelled_with_their_names():
    model = MLP(2, [3, 1], seed=0)
    assert all(p.label == name for name, p in model.named_parameters())
    assert [p.label for p in Neuron(2, seed=0).parameters()] == ["w.0", "w.1", "b"]


def test_reprs_show_architecture_and_count():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 -> 16 relu -> 16 relu -> 1 linear; 337 parameters)"
    assert repr(Layer(3, 4, activation="tanh")) == "Layer(3 -> 4 tanh; 16 parameters)"
    assert repr(Neuron(2, nonlin=False)) == "Neuron(2 -> 1 linear; 3 parameters)"


def test_custom_module_finds_nested_parameters_and_lists_shared_ones_once():
    class Pair(Module):
        def __init__(self):
            self.left = MLP(2, [1], seed=0)
            self.right = MLP(2, [1], seed=1)
            self.scale = Value(2.0)
            self.alias = self.scale  # the same Value twice
            self._hidden = Value(9.0)  # private attributes are not parameters

        def __call__(self, x):
            return self.scale * (self.left(x) + self.right(x))

    pair = Pair()
    names = [n for n, _ in pair.named_parameters()]
    assert names == ["left.layers.0.neurons.0.w.0", "left.layers.0.neurons.0.w.1",
                     "left.layers.0.neurons.0.b", "right.layers.0.neurons.0.w.0",
                     "right.layers.0.neurons.0.w.1", "right.layers.0.neurons.0.b", "scale"]
    assert len(pair.parameters()) == 7


def test_zero_grad_zeroes_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# -- initialisation -----------------------------------------------------------------------

def test_no_seed_draws_micrograds_weights_from_the_global_generator():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    reference = random.Random(1337)
    for layer in model.layers:  # micrograd: layer by layer, neuron by neuron, nin draws each
        for neuron in layer.neurons:
            assert [w.data for w in neuron.w] == [reference.uniform(-1, 1)
                                                  for _ in range(neuron.nin)]
            assert neuron.b.data == 0.0


def test_seed_is_reproducible_and_leaves_the_global_generator_alone():
    random.seed(5)
    before = random.getstate()
    a, b, c = MLP(3, [4, 1], seed=7), MLP(3, [4, 1], seed=7), MLP(3, [4, 1], seed=8)
    assert random.getstate() == before
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    # one generator for the whole model: neurons differ from each other
    ws = [tuple(w.data for w in n.w) for n in a.layers[0].neurons]
    assert len(set(ws)) == len(ws)


def test_rng_argument_is_used_in_order():
    rng = random.Random(3)
    layer = Layer(2, 3, rng=rng)
    reference = random.Random(3)
    assert [w.data for n in layer.neurons for w in n.w] == [reference.uniform(-1, 1)
                                                            for _ in range(6)]


def test_scaled_init_draws_within_one_over_sqrt_nin():
    model = MLP(16, [32, 1], seed=0, init="scaled")
    for layer in model.layers:
        bound = 1.0 / math.sqrt(layer.nin)
        ws = [w.data for n in layer.neurons for w in n.w]
        assert max(abs(w) for w in ws) <= bound
        assert max(abs(w) for w in ws) > 0.8 * bound  # spread over the range, not squeezed


def test_uniform_init_spans_minus_one_to_one():
    ws = [w.data for w in Neuron(2000, seed=0).w]
    assert -1.0 <= min(ws) < -0.99 and 0.99 < max(ws) <= 1.0


# -- activations --------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_matches_numpy(activation):
    n = Neuron(3, activation=activation, seed=4)
    for x in ([0.5, -1.0, 2.0], [-3.0, 0.25, -0.5]):
        z = np.dot([w.data for w in n.w], x) + n.b.data
        assert n(x).data == pytest.approx(float(NUMPY_ACTIVATIONS[activation](z)), abs=1e-15)


def test_micrograd_nonlin_flag_means_relu_or_linear():
    assert Neuron(2).activation == "relu" and Neuron(2).nonlin
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, False, activation="tanh").activation == "tanh"  # activation wins
    assert Layer(2, 3, nonlin=False).activation == "linear"


def test_mlp_default_is_relu_hidden_and_linear_output():
    assert MLP(2, [16, 16, 1]).activations == ["relu", "relu", "linear"]
    assert MLP(2, [4]).activations == ["linear"]


def test_mlp_activation_per_layer():
    assert MLP(2, [4, 4, 1], activation="tanh").activations == ["tanh", "tanh", "linear"]
    assert MLP(2, [4, 1], activation="tanh", output_activation="sigmoid").activations == [
        "tanh", "sigmoid"]
    assert MLP(2, [4, 4, 1], activation=["sigmoid", "tanh", "tanh"]).activations == [
        "sigmoid", "tanh", "tanh"]


def test_activation_can_be_changed_after_construction():
    n = Neuron(1, seed=0)
    n.load_state_dict({"w.0": 1.0, "b": 0.0})
    assert n([-2.0]).data == 0.0
    n.activation = "linear"
    assert n([-2.0]).data == -2.0
    with pytest.raises(ValueError, match="activation must be one of"):
        n.activation = "softmax"


@pytest.mark.parametrize("nin, nouts", [(2, [16, 16, 1]), (3, [5, 4]), (1, [1, 1, 1]),
                                        (4, [1, 3])])
def test_mlp_forward_matches_numpy(nin, nouts):
    model = MLP(nin, nouts, activation="tanh", seed=11)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=nin)
        out = model(x)
        got = [out.data] if isinstance(out, Value) else [v.data for v in out]
        assert got == pytest.approx(numpy_forward(model, x).tolist(), rel=1e-12, abs=1e-12)


def test_mlp_gradients_match_finite_differences_of_numpy_forward():
    model = MLP(3, [4, 3, 1], activation="tanh", seed=2)
    x = np.array([0.3, -0.7, 1.1])
    model(x).backward()
    h = 1e-6
    for name, p in model.named_parameters():
        keep = p.data
        p.data = keep + h
        up = numpy_forward(model, x)[0]
        p.data = keep - h
        down = numpy_forward(model, x)[0]
        p.data = keep
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8), name


# -- return shapes, width 1 ---------------------------------------------------------------

def test_layer_always_returns_a_list_and_mlp_unwraps_a_single_output():
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), list)
    assert len(Layer(2, 1, seed=0)([1.0, 2.0])) == 1
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_width_one_hidden_layer_runs_forward_and_backward():
    # micrograd issue 53: a width-1 Layer returned a bare Value and the next layer broke
    model = MLP(2, [1, 1, 3], activation="linear", seed=0)
    out = model([1.0, 2.0])
    assert len(out) == 3
    (out[0] + out[1] + out[2]).backward()
    first = model.layers[0].neurons[0]
    # d sum / d w1 of the first neuron = x1 * (sum of downstream weights), by hand
    w2 = model.layers[1].neurons[0].w[0].data
    w3 = sum(n.w[0].data for n in model.layers[2].neurons)
    assert first.w[0].grad == pytest.approx(1.0 * w2 * w3)
    assert first.w[1].grad == pytest.approx(2.0 * w2 * w3)


# -- inputs -------------------------------------------------------------------------------

def test_inputs_may_be_lists_tuples_numpy_arrays_and_values():
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.5, -1.5]).data
    assert model((0.5, -1.5)).data == expected
    assert model(np.array([0.5, -1.5])).data == expected
    assert model(np.array([0.5, -1.5], dtype=np.float32)).data == expected
    assert model([Value(0.5), Value(-1.5)]).data == expected
    assert model(np.array([Value(0.5), Value(-1.5)], dtype=object)).data == expected


def test_gradient_reaches_input_values():
    layer = Layer(2, 3, activation="linear", seed=0)
    x = [Value(1.0), Value(2.0)]
    out = layer(x)
    (out[0] + out[1] + out[2]).backward()
    W = np.array([[w.data for w in n.w] for n in layer.neurons])
    assert [v.grad for v in x] == pytest.approx(W.sum(axis=0).tolist())


def test_inputs_are_wrapped_once_per_call_and_shared_by_a_layers_neurons():
    layer = Layer(2, 4, seed=0)
    out = layer([1.0, 2.0])
    leaves = {id(v) for o in out for v in walk(o) if v.op is None and not v.label}
    assert len(leaves) == 2


# -- fused and op-by-op graphs --------------------------------------------------------------

def test_fused_neuron_is_one_dot_node_and_unfused_is_micrograds_graph():
    fused = Neuron(3, seed=0)
    plain = Neuron(3, seed=0, fused=False)
    assert fused(np.ones(3)).parents[0].op.name == "dot"
    ops = sorted(v.op.name for v in walk(plain([1.0, 1.0, 1.0])) if v.op is not None)
    assert ops == ["add"] * 3 + ["mul"] * 3 + ["relu"]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.sampled_from(ACTIVATIONS), st.integers(0, 2**16), st.data())
def test_fused_and_unfused_give_the_same_outputs_and_gradients(nin, nouts, act, seed, data):
    x = data.draw(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin))
    models = [MLP(nin, nouts, activation=act, seed=seed, fused=f) for f in (True, False)]
    results = []
    for model in models:
        out = model(x)
        outs = [out] if isinstance(out, Value) else out
        total = outs[0]
        for o in outs[1:]:
            total = total + o
        total.backward()
        results.append(([o.data for o in outs], [p.grad for p in model.parameters()]))
    (values_a, grads_a), (values_b, grads_b) = results
    assert values_a == pytest.approx(values_b, rel=1e-12, abs=1e-12)
    assert grads_a == pytest.approx(grads_b, rel=1e-12, abs=1e-12)


# -- the seeds' worked numbers ----------------------------------------------------------------

def test_seed_single_neuron_gives_2_3():
    ex = NEURON_EXAMPLE
    neuron = Neuron.from_weights(ex.weights, ex.bias)
    assert neuron(ex.inputs).data == pytest.approx(2.3, abs=1e-12)
    assert neuron(ex.inputs).data == pytest.approx(float(np.dot(ex.weights, ex.inputs) + ex.bias))


def test_seed_layer_gives_4_8_1_21_2_385_like_np_dot():
    ex = LAYER_EXAMPLE
    layer = Layer.from_weights(ex.weights, ex.biases)
    got = [v.data for v in layer(ex.inputs)]
    assert got == pytest.approx([4.8, 1.21, 2.385], abs=1e-12)
    assert got == pytest.approx((np.dot(ex.weights, ex.inputs) + ex.biases).tolist(), abs=1e-12)


def test_layer_from_weights_takes_numpy_arrays():
    ex = LAYER_EXAMPLE
    layer = Layer.from_weights(np.array(ex.weights), np.array(ex.biases))
    assert [v.data for v in layer(ex.inputs)] == pytest.approx(list(ex.outputs), abs=1e-12)


def test_from_weights_rejects_ragged_rows():
    with pytest.raises(ValueError, match=r"weights\[1\] has 1 entries"):
        Layer.from_weights([[1.0, 2.0], [3.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="2 weight rows but 1 biases"):
        Layer.from_weights([[1.0], [2.0]], [0.0])


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("make, x, message", [
    (lambda: MLP(2, [3, 1]), [1.0, 2.0, 3.0], r"MLP expects 2 inputs \(nin=2\), got 3"),
    (lambda: MLP(2, [3, 1]), [], r"MLP expects 2 inputs \(nin=2\), got 0"),
    (lambda: Layer(3, 2), [1.0], r"Layer expects 3 inputs \(nin=3\), got 1"),
    (lambda: Neuron(2), [1.0], r"Neuron expects 2 inputs \(nin=2\), got 1"),
])
def test_wrong_input_length_is_a_clear_value_error(make, x, message):
    with pytest.raises(ValueError, match=message):
        make()(x)


@pytest.mark.parametrize("make", [lambda: MLP(2, [3, 1]), lambda: Layer(2, 2),
                                  lambda: Neuron(2), lambda: Neuron(2, fused=False)])
def test_non_numeric_input_names_its_position(make):
    with pytest.raises(TypeError, match=r"input x\[1\] is str 'a', not a number or Value"):
        make()([1.0, "a"])
    with pytest.raises(TypeError, match=r"input x\[0\] is NoneType"):
        make()([None, 1.0])


def test_a_scalar_input_is_a_clear_type_error():
    with pytest.raises(TypeError, match="MLP expects a list of 2 numbers or Values, got float"):
        MLP(2, [1])(3.0)


@pytest.mark.parametrize("make", [lambda: MLP(2, [3, 1]), lambda: Layer(2, 2),
                                  lambda: Neuron(2), lambda: Neuron(2, fused=False)])
@pytest.mark.parametrize("x", [{0: 1.0, 1: 2.0}, {1.0, 2.0}, frozenset({1.0, 2.0})])
def test_a_mapping_or_set_input_is_a_clear_type_error(make, x):
    # a dict of the right length would run on its keys, a set in no particular order
    with pytest.raises(TypeError, match=f"expects a list of 2 numbers or Values, got "
                                        f"{type(x).__name__}"):
        make()(x)


@pytest.mark.parametrize("build, error, message", [
    (lambda: MLP(2, []), ValueError, "nouts must be a non-empty list"),
    (lambda: MLP(2, 16), ValueError, "nouts must be a non-empty list"),
    (lambda: MLP(2, "16"), ValueError, "nouts must be a non-empty list"),
    (lambda: MLP(2, [16, 0, 1]), ValueError, r"nouts\[1\] must be a positive integer, got 0"),
    (lambda: MLP(2, [1.5]), ValueError, r"nouts\[0\] must be a positive integer"),
    (lambda: MLP(0, [1]), ValueError, "nin must be a positive integer, got 0"),
    (lambda: Neuron(True), ValueError, "nin must be a positive integer, got True"),
    (lambda: Layer(2, -1), ValueError, "nout must be a positive integer, got -1"),
    (lambda: Neuron(2, activation="softmax"), ValueError,
     "activation must be one of 'relu', 'tanh', 'sigmoid', 'linear'; got 'softmax'"),
    (lambda: MLP(2, [3, 1], activation="gelu"), ValueError, "activation must be one of"),
    (lambda: MLP(2, [3, 1], output_activation="soft"), ValueError,
     "output_activation must be one of"),
    (lambda: MLP(2, [3, 1], activation=["relu"]), ValueError,
     "activation lists 1 names for 2 layers"),
    (lambda: MLP(2, [3, 1], activation=["relu", "nope"]), ValueError,
     r"activation\[1\] must be one of"),
    (lambda: MLP(2, [3, 1], activation=["relu", "tanh"], output_activation="tanh"),
     ValueError, "not both"),
    (lambda: Neuron(2, init="xavier"), ValueError, "init must be one of 'uniform', 'scaled'"),
    (lambda: MLP(2, [1], seed=1, rng=random.Random(1)), ValueError, "seed= or rng=, not both"),
    (lambda: MLP(2, [1], seed=1.5), TypeError, "seed must be an integer, got float"),
    (lambda: MLP(2, [1], rng=3), TypeError, "rng must be a random.Random"),
])
def test_bad_construction_is_a_clear_error(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_module_base_call_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="Module does not define __call__"):
        Module()([1.0])
