"""The worked numbers of the seed documents: a neuron, a layer, and the classic tanh neuron."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from autograd import Value, dot, grad, walk

# -- the seeds' neuron: inputs [1, 2, 3], weights [0.2, 0.8, -0.5], bias 2 -> 2.3 -------------
INPUTS = [1.0, 2.0, 3.0]
WEIGHTS = [0.2, 0.8, -0.5]
BIAS = 2.0
# the seeds compute it as inputs[0]*weights[0] + ... + bias, in this order
NEURON_FLOAT = INPUTS[0] * WEIGHTS[0] + INPUTS[1] * WEIGHTS[1] + INPUTS[2] * WEIGHTS[2] + BIAS


def _neuron_by_ops(xs: list[Value], ws: list[Value], b: Value) -> Value:
    return xs[0] * ws[0] + xs[1] * ws[1] + xs[2] * ws[2] + b


def _neuron_by_dot(xs: list[Value], ws: list[Value], b: Value) -> Value:
    return dot(ws, xs, b)


def _neuron_by_np_dot(xs: list[Value], ws: list[Value], b: Value) -> Value:
    return np.dot(np.array(ws, dtype=object), np.array(xs, dtype=object)) + b


NEURONS = [_neuron_by_ops, _neuron_by_dot, _neuron_by_np_dot]


@pytest.mark.parametrize("build", NEURONS, ids=["ops", "dot", "np.dot"])
def test_seed_neuron_output(build: Callable[..., Value]) -> None:
    xs = [Value(x) for x in INPUTS]
    ws = [Value(w) for w in WEIGHTS]
    out = build(xs, ws, Value(BIAS))
    assert out.data == pytest.approx(2.3, rel=0.0, abs=1e-15)
    assert out.data == pytest.approx(NEURON_FLOAT, rel=1e-15)


@pytest.mark.parametrize("build", NEURONS, ids=["ops", "dot", "np.dot"])
def test_seed_neuron_gradients(build: Callable[..., Value]) -> None:
    xs = [Value(x) for x in INPUTS]
    ws = [Value(w) for w in WEIGHTS]
    b = Value(BIAS)
    build(xs, ws, b).backward()
    # out = sum_k w_k x_k + b: d out / d w_k = x_k, d out / d x_k = w_k, d out / d b = 1
    assert [w.grad for w in ws] == INPUTS
    assert [x.grad for x in xs] == WEIGHTS
    assert b.grad == 1.0


def test_seed_neuron_with_numpy_floats_and_a_value_bias() -> None:
    b = Value(BIAS)
    out = np.dot(np.array(WEIGHTS), np.array(INPUTS)) + b  # a numpy scalar plus a Value
    assert type(out) is Value
    assert out.data == pytest.approx(2.3, abs=1e-15)
    out.backward()
    assert b.grad == 1.0


# -- the seeds' layer: 3 neurons, 4 inputs -> [4.8, 1.21, 2.385] ------------------------------
LAYER_INPUTS = [1.0, 2.0, 3.0, 2.5]
LAYER_WEIGHTS = [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
LAYER_BIASES = [2.0, 3.0, 0.5]
LAYER_OUTPUTS = [4.8, 1.21, 2.385]


def _layer_by_ops(x: list[Value], W: list[list[Value]], b: list[Value]) -> list[Value]:
    return [x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + x[3] * w[3] + bj
            for w, bj in zip(W, b, strict=True)]


def _layer_by_dot(x: list[Value], W: list[list[Value]], b: list[Value]) -> list[Value]:
    return [dot(w, x, bj) for w, bj in zip(W, b, strict=True)]


def _layer_by_np_dot(x: list[Value], W: list[list[Value]], b: list[Value]) -> list[Value]:
    out = np.dot(np.array(W, dtype=object), np.array(x, dtype=object)) + np.array(b, dtype=object)
    assert out.shape == (3,)
    return list(out)


def _layer_by_matmul(x: list[Value], W: list[list[Value]], b: list[Value]) -> list[Value]:
    return list(np.array(W, dtype=object) @ np.array(x, dtype=object) + np.array(b, dtype=object))


LAYERS = [_layer_by_ops, _layer_by_dot, _layer_by_np_dot, _layer_by_matmul]
LAYER_IDS = ["ops", "dot", "np.dot", "@"]


def _layer_values() -> tuple[list[Value], list[list[Value]], list[Value]]:
    x = [Value(v, label=f"x{k}") for k, v in enumerate(LAYER_INPUTS)]
    W = [[Value(w, label=f"w{j}{k}") for k, w in enumerate(row)]
         for j, row in enumerate(LAYER_WEIGHTS)]
    b = [Value(v, label=f"b{j}") for j, v in enumerate(LAYER_BIASES)]
    return x, W, b


def test_seed_layer_numbers_in_plain_numpy() -> None:
    # the reference itself: the seeds' numbers are what numpy gives
    ref = np.dot(np.array(LAYER_WEIGHTS), np.array(LAYER_INPUTS)) + np.array(LAYER_BIASES)
    assert list(ref) == pytest.approx(LAYER_OUTPUTS, abs=1e-14)


@pytest.mark.parametrize("build", LAYERS, ids=LAYER_IDS)
def test_seed_layer_outputs(build: Callable[..., list[Value]]) -> None:
    x, W, b = _layer_values()
    out = build(x, W, b)
    assert len(out) == 3
    assert all(type(o) is Value for o in out)
    assert [o.data for o in out] == pytest.approx(LAYER_OUTPUTS, rel=0.0, abs=1e-14)


@pytest.mark.parametrize("build", LAYERS, ids=LAYER_IDS)
def test_seed_layer_jacobian(build: Callable[..., list[Value]]) -> None:
    x, W, b = _layer_values()
    out = build(x, W, b)
    flat_w = [w for row in W for w in row]
    for j, out_j in enumerate(out):
        gw = grad(out_j, flat_w)
        gx = grad(out_j, x)
        gb = grad(out_j, b)
        for i in range(3):
            for k in range(4):
                # d out_j / d w_ik = x_k when i == j, else 0
                expected = LAYER_INPUTS[k] if i == j else 0.0
                assert gw[4 * i + k] == expected, (j, i, k)
        assert gx == LAYER_WEIGHTS[j]  # d out_j / d x_k = w_jk
        assert gb == [1.0 if i == j else 0.0 for i in range(3)]


@pytest.mark.parametrize("build", LAYERS, ids=LAYER_IDS)
def test_seed_layer_backward_of_a_weighted_sum(build: Callable[..., list[Value]]) -> None:
    x, W, b = _layer_values()
    out = build(x, W, b)
    c = [1.0, -2.0, 0.5]  # distinct weights so a mixed-up row would show
    loss = out[0] * c[0] + out[1] * c[1] + out[2] * c[2]
    loss.backward()
    for j in range(3):
        assert [w.grad for w in W[j]] == pytest.approx(
            [c[j] * xk for xk in LAYER_INPUTS], rel=1e-15)
        assert b[j].grad == c[j]
    for k in range(4):
        assert x[k].grad == pytest.approx(sum(c[j] * LAYER_WEIGHTS[j][k] for j in range(3)),
                                          rel=1e-15)


def test_dot_layer_is_one_node_per_neuron() -> None:
    x, W, b = _layer_values()
    out = _layer_by_dot(x, W, b)
    for j, o in enumerate(out):
        assert o.parents == (*W[j], *x, b[j])
        assert set(walk(o)) == {o, *W[j], *x, b[j]}


# -- the classic neuron: o = tanh(x1*w1 + x2*w2 + b) ------------------------------------------
B_CLASSIC = 6.8813735870195432


def _classic(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
    return (x1 * w1 + x2 * w2 + b).tanh()


def _classic_exp(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    return (e - 1) / (e + 1)  # tanh written out with exp


def _classic_dot(x1: Value, x2: Value, w1: Value, w2: Value, b: Value) -> Value:
    return dot([w1, w2], [x1, x2], b).tanh()


@pytest.mark.parametrize("build", [_classic, _classic_exp, _classic_dot],
                         ids=["tanh", "exp", "dot"])
def test_classic_neuron(build: Callable[..., Value]) -> None:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(B_CLASSIC, "b")
    o = build(x1, x2, w1, w2, b)
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-15)  # n = asinh(1), tanh n = 1/sqrt 2
    assert f"{o.data:.4f}" == "0.7071"
    o.backward()
    # do/dn = 1 - o^2 = 1/2; then each input's partner times 1/2
    assert x1.grad == pytest.approx(-1.5, rel=1e-14)
    assert w1.grad == pytest.approx(1.0, rel=1e-14)
    assert x2.grad == pytest.approx(0.5, rel=1e-14)
    assert w2.grad == 0.0
    assert b.grad == pytest.approx(0.5, rel=1e-14)


def test_classic_neuron_against_finite_differences() -> None:
    point = [2.0, 0.0, -3.0, 1.0, B_CLASSIC]

    def f(p: list[float]) -> float:
        return math.tanh(p[0] * p[2] + p[1] * p[3] + p[4])

    leaves = [Value(p) for p in point]
    analytic = grad(_classic(*leaves), leaves)
    for i in range(5):
        h = 1e-6
        hi, lo = list(point), list(point)
        hi[i] += h
        lo[i] -= h
        assert analytic[i] == pytest.approx((f(hi) - f(lo)) / (2 * h), rel=1e-8, abs=1e-10), i
