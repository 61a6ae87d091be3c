"""Each loss's value and gradients against numpy formulas, stability, and label checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import (
    MLP,
    binary_cross_entropy,
    hinge,
    l2,
    logsumexp,
    mse,
    softmax,
    softmax_cross_entropy,
    softplus,
)
from nn.datasets import LOSS_EXAMPLE


def values(xs) -> list[Value]:
    return [Value(float(x)) for x in xs]


def loss_and_grads(loss: Value, inputs: list[Value]) -> tuple[float, list[float]]:
    loss.backward()
    return loss.data, [v.grad for v in inputs]


def np_sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def np_logsumexp(z: np.ndarray) -> float:
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))))


# -- mse --------------------------------------------------------------------------------------

def test_mse_on_the_seeds_example_is_7_5_with_gradients_2_error_over_n():
    outputs = values(LOSS_EXAMPLE.output)
    value, grads = loss_and_grads(mse(outputs, LOSS_EXAMPLE.actual), outputs)
    assert value == 7.5  # errors 0, 1, 2, 5: (0 + 1 + 4 + 25) / 4
    assert grads == [0.0, -0.5, -1.0, -2.5]  # 2 * (output - actual) / 4


def test_mse_matches_numpy():
    rng = np.random.default_rng(0)
    o, t = rng.normal(size=7), rng.normal(size=7)
    outputs = values(o)
    value, grads = loss_and_grads(mse(outputs, t), outputs)
    assert value == pytest.approx(np.mean((o - t) ** 2), rel=1e-14)
    assert grads == pytest.approx((2 * (o - t) / len(o)).tolist(), rel=1e-14)


def test_mse_accepts_a_single_value():
    v = Value(3.0)
    assert mse(v, 1.0).data == 4.0


# -- hinge ------------------------------------------------------------------------------------

def test_hinge_matches_numpy_and_micrograds_formula():
    rng = np.random.default_rng(1)
    s = rng.normal(scale=2.0, size=20)
    y = rng.choice([-1, 1], size=20)
    scores = values(s)
    value, grads = loss_and_grads(hinge(scores, y), scores)
    margins = 1 - y * s
    assert value == pytest.approx(np.mean(np.maximum(margins, 0.0)), rel=1e-14)
    assert grads == pytest.approx(np.where(margins > 0, -y / len(s), 0.0).tolist(), rel=1e-14)


def test_hinge_margin_option():
    scores = values([0.5, -3.0])
    value, grads = loss_and_grads(hinge(scores, [1, -1], margin=2.0), scores)
    assert value == pytest.approx((1.5 + 0.0) / 2)
    assert grads == [-0.5, 0.0]


# -- binary cross-entropy ------------------------------------------------------------------------

def test_binary_cross_entropy_matches_numpy():
    rng = np.random.default_rng(2)
    z = rng.normal(scale=3.0, size=15)
    y = rng.integers(0, 2, size=15)
    logits = values(z)
    value, grads = loss_and_grads(binary_cross_entropy(logits, y), logits)
    p = np_sigmoid(z)
    assert value == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-12)
    assert grads == pytest.approx(((p - y) / len(z)).tolist(), rel=1e-12, abs=1e-15)


def test_binary_cross_entropy_is_stable_for_huge_logits():
    logits = values([1000.0, -1000.0, 1000.0, -1000.0, 40.0, -745.5])
    labels = [1, 0, 0, 1, 1, 0]
    value, grads = loss_and_grads(binary_cross_entropy(logits, labels), logits)
    n = len(labels)
    # softplus(z) - y z exactly: 0, 0, 1000, 1000, ~e^-40, ~e^-745.5
    assert value == pytest.approx((2000.0 + math.exp(-40.0)) / n, rel=1e-15)
    assert grads == pytest.approx([0.0, 0.0, 1 / n, -1 / n, -math.exp(-40.0) / n, 0.0],
                                  abs=1e-18)


def test_binary_cross_entropy_gradient_at_zero_logit_is_half_minus_label():
    # a kinked formula (relu(z) + log(1 + e^-|z|)) gets -y here; the true slope is 0.5 - y
    for label in (0, 1):
        z = Value(0.0)
        value, (g,) = loss_and_grads(binary_cross_entropy([z], [label]), [z])
        assert value == pytest.approx(math.log(2.0))
        assert g == pytest.approx(0.5 - label)


def test_binary_cross_entropy_soft_labels():
    z = values([0.3])
    value, grads = loss_and_grads(binary_cross_entropy(z, [0.25]), z)
    assert value == pytest.approx(float(np.logaddexp(0, 0.3) - 0.25 * 0.3))
    assert grads == pytest.approx([float(np_sigmoid(np.array(0.3))) - 0.25])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-800, 800), st.integers(0, 1)), min_size=1, max_size=6))
def test_binary_cross_entropy_property_against_numpy(samples):
    z = np.array([s[0] for s in samples])
    y = np.array([s[1] for s in samples])
    logits = values(z)
    value, grads = loss_and_grads(binary_cross_entropy(logits, y), logits)
    # references written without cancellation: softplus(-z) for y = 1, softplus(z) for y = 0
    # (numpy's logaddexp uses log1p); -sigmoid(-z) = sigmoid(z) - 1 for y = 1
    losses = np.where(y == 1, np.logaddexp(0.0, -z), np.logaddexp(0.0, z))
    slopes = np.where(y == 1, -np_sigmoid(-z), np_sigmoid(z))
    assert math.isfinite(value)
    # absolute 1e-15: without a log1p op, log(1 + u) for tiny u is exact to ~1e-16 absolute
    assert value == pytest.approx(float(np.mean(losses)), rel=1e-12, abs=1e-15)
    assert grads == pytest.approx((slopes / len(z)).tolist(), rel=1e-12, abs=1e-300)


# -- softmax cross-entropy ---------------------------------------------------------------------

def test_softmax_cross_entropy_matches_numpy():
    rng = np.random.default_rng(3)
    Z = rng.normal(scale=2.0, size=(6, 4))
    y = rng.integers(0, 4, size=6)
    rows = [values(r) for r in Z]
    value, _ = loss_and_grads(softmax_cross_entropy(rows, y), rows[0])
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    assert value == pytest.approx(-np.mean(np.log(P[np.arange(6), y])), rel=1e-12)
    expected = (P - np.eye(4)[y]) / 6
    got = np.array([[v.grad for v in row] for row in rows])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-16)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    rows = [values([1000.0, -1000.0, 0.0]), values([-5000.0, -5001.0, -5002.0])]
    value, _ = loss_and_grads(softmax_cross_entropy(rows, [1, 0]), rows[0])
    second = np_logsumexp(np.array([0.0, -1.0, -2.0]))  # shift-invariant
    assert value == pytest.approx((2000.0 + second) / 2, rel=1e-14)
    assert [v.grad for v in rows[0]] == pytest.approx([0.5, -0.5, 0.0], abs=1e-15)
    p = np.exp(np.array([0.0, -1.0, -2.0]) - second)
    assert [v.grad for v in rows[1]] == pytest.approx(((p - [1, 0, 0]) / 2).tolist(), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5).flatmap(lambda k: st.tuples(
    st.lists(st.floats(-300, 300), min_size=k, max_size=k), st.integers(0, k - 1))))
def test_softmax_cross_entropy_property_against_numpy(sample):
    z, label = np.array(sample[0]), sample[1]
    row = values(z)
    value, grads = loss_and_grads(softmax_cross_entropy([row], [label]), row)
    assert value == pytest.approx(np_logsumexp(z) - z[label], rel=1e-12, abs=1e-12)
    p = np.exp(z - np_logsumexp(z))
    assert grads == pytest.approx((p - np.eye(len(z))[label]).tolist(), rel=1e-9, abs=1e-12)


def test_logsumexp_softmax_softplus_helpers_match_numpy():
    z = np.array([2.0, -1.0, 0.5])
    assert logsumexp(values(z)).data == pytest.approx(np_logsumexp(z), rel=1e-15)
    probs = [p.data for p in softmax(values(z))]
    assert probs == pytest.approx((np.exp(z) / np.exp(z).sum()).tolist(), rel=1e-14)
    assert sum(probs) == pytest.approx(1.0)
    for x in (-50.0, -1.0, 0.0, 3.0, 800.0):
        assert softplus(Value(x)).data == pytest.approx(float(np.logaddexp(0.0, x)), rel=1e-15)


def test_logsumexp_of_an_infinite_largest_value_is_that_value():
    assert logsumexp(values([math.inf, 1.0])).data == math.inf  # not inf - inf = nan
    assert logsumexp(values([-math.inf, -math.inf])).data == -math.inf
    assert logsumexp(values([-math.inf, 0.0])).data == 0.0


# -- l2 ------------------------------------------------------------------------------------------

def test_l2_is_alpha_sum_of_squares_with_gradient_two_alpha_p():
    model = MLP(2, [3, 1], seed=0)
    ps = model.parameters()
    data = np.array([p.data for p in ps])
    value, grads = loss_and_grads(l2(model, 1e-2), ps)
    assert value == pytest.approx(1e-2 * np.sum(data**2), rel=1e-14)
    assert grads == pytest.approx((2e-2 * data).tolist(), rel=1e-14)
    assert l2(ps).data == pytest.approx(1e-4 * np.sum(data**2), rel=1e-14)  # micrograd's alpha


# -- labels that do not fit the loss, and other bad input ------------------------------------------

@pytest.mark.parametrize("call, error, message", [
    (lambda: hinge(values([0.1, 0.2, 0.3]), [0, 1, -1]), ValueError,
     r"hinge: labels must be -1/\+1 \(or all 0/1\); labels\[0\] is 0"),
    (lambda: binary_cross_entropy(values([0.1, 0.2]), [0, -1]), ValueError,
     r"labels must be 0 or 1 .*labels\[1\] is -1 \(for -1/\+1 labels pass \(y \+ 1\) / 2\)"),
    (lambda: softmax_cross_entropy([values([1, 2, 3])], [3]), ValueError,
     r"labels must be class indices 0..2 \(one per row\); labels\[0\] is 3"),
    (lambda: softmax_cross_entropy([values([1, 2, 3])], [1.0]), ValueError,
     r"labels\[0\] is 1.0"),
    (lambda: softmax_cross_entropy([values([1, 2, 3])], [-1]), ValueError, r"labels\[0\] is -1"),
    (lambda: softmax_cross_entropy(values([1, 2]), [0, 1]), TypeError,
     r"logits\[0\] is one number; each sample needs a row of k >= 2 logits"),
    (lambda: softmax_cross_entropy([values([1, 2]), values([1])], [0, 0]), ValueError,
     r"logits\[1\] has 1 entries, logits\[0\] has 2"),
    (lambda: softmax_cross_entropy([values([1])], [0]), ValueError, "needs at least 2 classes"),
    (lambda: softmax_cross_entropy([values([1, 2])], [0, 1]), ValueError,
     "1 rows of logits but 2 labels"),
    (lambda: hinge([values([1, 2])], [1]), TypeError,
     r"hinge: scores\[0\] is list, not a Value or number \(one output per sample"),
    (lambda: hinge(values([1, 2]), [1]), ValueError, "hinge: 2 outputs but 1 labels"),
    (lambda: hinge(values([1]), ["1"]), TypeError, r"hinge: labels\[0\] is str '1', not a number"),
    (lambda: mse(values([1]), [float("nan")]), ValueError,
     r"mse: targets\[0\] is nan; targets must be finite"),
    (lambda: mse([], []), ValueError, "mse: outputs is empty"),
    (lambda: mse(["a"], [1.0]), TypeError, r"mse: outputs\[0\] is str"),
    (lambda: l2([], 1e-4), ValueError, "l2: parameters must be a Module or a non-empty list"),
    (lambda: l2([Value(1.0)], -1.0), ValueError, "l2: alpha must be a finite number >= 0"),
    (lambda: l2([Value(1.0)], float("nan")), ValueError, "l2: alpha must be a finite number"),
    (lambda: hinge(values([0.5]), [1], margin=math.nan), ValueError,
     "hinge: margin must be a finite number, got nan"),
    (lambda: hinge(values([0.5]), [1], margin=math.inf), ValueError,
     "hinge: margin must be a finite number, got inf"),
    (lambda: hinge(values([0.5]), [1], margin="1"), ValueError,
     "hinge: margin must be a finite number, got '1'"),
    (lambda: hinge(values([0.5]), None), TypeError,
     "hinge: labels must be a list with one per sample, got NoneType"),
    (lambda: softmax_cross_entropy([values([1, 2])], None), TypeError,
     "softmax_cross_entropy: labels must be a list with one per sample, got NoneType"),
    (lambda: softplus(1.0), TypeError, r"softplus: z must be a Value, got float"),
    (lambda: logsumexp([1.0, 2.0]), TypeError, r"logsumexp: values\[0\] is float, not a Value"),
    (lambda: softmax([Value(1.0), 2.0]), TypeError, r"softmax: values\[1\] is float"),
    (lambda: logsumexp(None), TypeError, "logsumexp: values must be a list of Values"),
    (lambda: logsumexp([]), ValueError, "logsumexp: values is empty"),
    (lambda: softmax([]), ValueError, "softmax: values is empty"),
])
def test_bad_labels_and_outputs_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
