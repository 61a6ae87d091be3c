"""`Value` itself: construction, repr, slots, identity, float types, labels and numpy interop."""

from __future__ import annotations

import copy
import gc
import json
import math
import pickle
import re
import struct
import sys
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from autograd import OPS, Value, grad


# -- construction and types -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (3, 3.0),
        (-2.5, -2.5),
        (0, 0.0),
        (Fraction(1, 4), 0.25),
        (np.float64(2.0), 2.0),
        (np.float32(0.1), float(np.float32(0.1))),  # the float32 value, widened exactly
        (np.int64(7), 7.0),
        (np.int32(-3), -3.0),
        (2**60, float(2**60)),
    ],
)
def test_data_is_always_a_plain_float(data: object, expected: float) -> None:
    v = Value(data)
    assert type(v.data) is float  # not np.float64, int or Fraction
    assert v.data == expected
    assert type(v.grad) is float
    assert v.grad == 0.0


def test_a_new_value_is_a_leaf() -> None:
    v = Value(1.5)
    assert v.op is None
    assert v.parents == ()
    assert type(v.parents) is tuple
    assert v.label == ""


def test_results_of_ops_are_plain_floats_even_from_numpy_operands() -> None:
    x = Value(3.0)
    for out in (x * np.float64(2.0), np.float64(2.0) * x, x + np.int64(1), np.float32(0.5) - x):
        assert type(out) is Value
        assert type(out.data) is float
    y = x * np.float64(2.0) + np.int64(1)
    y.backward(np.float64(1.0))
    assert type(x.grad) is float
    assert x.grad == 2.0


REALS = [np.float32(0.1), np.float16(0.3), np.float64(0.7), np.int64(3), Fraction(1, 3), True,
         2**70, 0.1]


@pytest.mark.parametrize("data", REALS, ids=lambda d: type(d).__name__)
def test_any_real_stored_into_data_is_stored_as_a_float(data: object) -> None:
    # e.g. weights copied from a float32 array: p.data = w[i]
    v = Value(1.0)
    v.data = data
    assert type(v.data) is float and v.data == float(data)  # type: ignore[arg-type]
    json.dumps(v.data)  # a float32 would fail: "Object of type float32 is not JSON serializable"


def test_float32_data_makes_no_result_a_float32() -> None:
    w32 = np.array([0.1, -0.7, 1.3], dtype=np.float32)
    ws, ref = [Value(0.0) for _ in w32], [Value(float(x)) for x in w32]
    for v, x in zip(ws, w32, strict=True):
        v.data = x  # what a user copying weights writes
    ys = [((a * b + c) ** 2 * 3.0).tanh() / (a - 0.35) for a, b, c in (ws, ref)]
    assert type(ys[0].data) is float and ys[0].data == ys[1].data  # computed in float64
    float32 = ((w32[0] * w32[1] + w32[2]) ** 2 * np.float32(3.0))  # what float32 arithmetic gives
    assert float(float32) != ((ref[0] * ref[1] + ref[2]) ** 2 * 3.0).data  # so the test can fail
    for y in ys:
        y.backward()
    for v, r in zip(ws, ref, strict=True):
        assert type(v.grad) is float and v.grad == r.grad
    assert [type(g) for g in grad(ys[0], ws)] == [float] * 3
    assert grad(ys[0], ws) == grad(ys[1], ref)


@pytest.mark.parametrize(("data", "error", "message"), [
    ("1.5", TypeError, "Value needs a real number, got str '1.5'"),
    (None, TypeError, "Value needs a real number, got NoneType"),
    (1 + 2j, TypeError, "Value needs a real number, got complex"),
    (10**400, OverflowError, "fits a float"),
])
def test_storing_a_non_real_into_data_is_refused_and_changes_nothing(
        data: object, error: type[Exception], message: str) -> None:
    v = Value(2.0)
    with pytest.raises(error, match=re.escape(message)):
        v.data = data
    assert v.data == 2.0


# -- labels -------------------------------------------------------------------------------
def test_label_is_kept_and_positional_or_keyword() -> None:
    assert Value(1.0, "w1").label == "w1"
    assert Value(1.0, label="b").label == "b"


def test_results_are_unlabelled_and_can_be_labelled_afterwards() -> None:
    a = Value(2.0, label="a")
    out = a * 3
    assert out.label == ""
    out.label = "out"
    assert out.label == "out"
    assert a.label == "a"  # labelling the result leaves the operand alone


def test_number_operands_become_unlabelled_constant_leaves() -> None:
    a = Value(2.0, label="a")
    for out, slot in ((a + 5, 1), (5 + a, 0), (a * 5, 1), (5 * a, 0), (a**5, 1), (5**a, 0)):
        const = out.parents[slot]
        assert type(const) is Value
        assert const.data == 5.0
        assert type(const.data) is float
        assert const.label == ""
        assert const.op is None
        assert const.parents == ()


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label.*str.*int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


# -- repr -----------------------------------------------------------------------------------
def test_repr_shows_data_grad_and_label() -> None:
    v = Value(3.0, label="x")
    v.grad = -0.5
    text = repr(v)
    assert text.startswith("Value(")
    assert "data=3.0" in text
    assert "grad=-0.5" in text
    assert "'x'" in text


def test_repr_without_label_omits_it() -> None:
    text = repr(Value(0.25))
    assert "data=0.25" in text
    assert "grad=0.0" in text
    assert "label" not in text


def test_repr_of_non_finite_data() -> None:
    assert "nan" in repr(Value(float("nan")))
    assert "inf" in repr(Value(float("-inf")))


def test_repr_is_shallow_on_a_deep_graph() -> None:
    # repr must not walk the graph (a deep chain would recurse or take forever)
    y = Value(1.0)
    for _ in range(5000):
        y = y + 1
    assert len(repr(y)) < 80


# -- slots ----------------------------------------------------------------------------------
def test_slots_are_the_documented_fields_and_private_ones() -> None:
    public = [name for name in Value.__slots__ if not name.startswith("_")]
    assert public == ["grad", "op", "label"]
    assert isinstance(Value.data, property)  # a slot behind a property that stores a float
    v = Value(1.0)
    with pytest.raises(AttributeError):
        v.parents = (v,)  # type: ignore[misc]  # parents is read-only: the graph never changes
    for name in ("data", "grad", "op", "label", "_a", "_b", "_g"):
        assert name not in vars(v)  # the engine's own fields are slots, not dict entries


def test_a_learners_own_attributes_are_kept() -> None:
    # micrograd programs attach their own: optimizer state, a colour for a drawing
    p = Value(1.0)
    assert vars(p) == {}
    p.m = 0.5  # type: ignore[attr-defined]
    p.colour = "red"  # type: ignore[attr-defined]
    q = p * 2.0
    q.backward()
    assert (p.m, p.colour, p.grad) == (0.5, "red", 2.0)  # type: ignore[attr-defined]
    assert vars(p) == {"m": 0.5, "colour": "red"}
    assert not hasattr(q, "m")  # per node, not shared
    assert getattr(q, "colour", "black") == "black"
    del p.m  # type: ignore[attr-defined]
    assert vars(p) == {"colour": "red"} and not hasattr(p, "m")
    p.__dict__["m"] = 1.0  # some programs fill the dict directly
    assert p.m == 1.0  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="'Value' object has no attribute 'velocity'"):
        p.velocity  # type: ignore[attr-defined]  # noqa: B018  # a typo is still an error


def test_copy_and_pickle_keep_the_fields_and_a_learners_attributes() -> None:
    a = Value(2.0, label="a")
    a.m = 0.5  # type: ignore[attr-defined]
    out = a * 3.0
    out.backward()
    for twin in (copy.copy(a), pickle.loads(pickle.dumps(a))):
        assert (twin.data, twin.grad, twin.label, vars(twin)) == (2.0, 3.0, "a", {"m": 0.5})
    twin = copy.deepcopy(out)
    assert twin.op is not None and twin.op.name == "mul"
    assert [p.data for p in twin.parents] == [2.0, 3.0]
    assert twin.parents[0] is not a and twin.parents[0].m == 0.5  # type: ignore[attr-defined]


def _bytes_each(make: Callable[[int], object], n: int = 2000) -> float:
    """Bytes each of ``n`` objects made by ``make(i)`` keeps allocated, by tracemalloc.

    The least of three counts: tracemalloc also counts what other threads allocate meanwhile.
    """
    return min(_bytes_each_once(make, n) for _ in range(3))


def _bytes_each_once(make: Callable[[int], object], n: int) -> float:
    gc.collect()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [make(i) for i in range(n)]
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if started:
            tracemalloc.stop()
    return (after - before - sys.getsizeof(kept)) / n


def test_a_learners_attributes_cost_at_most_one_pointer_per_node() -> None:
    # the reference: the same fields as plain slots, with no way to add an attribute
    fields = tuple(name for name in Value.__slots__ if name not in ("__dict__", "__weakref__"))
    bare = type("Bare", (), {"__slots__": fields})
    with pytest.raises(AttributeError):
        bare().m = 0.0  # the reference really refuses a learner's attribute
    Value(0.0).m = 0.0  # type: ignore[attr-defined]  # attributes set elsewhere change nothing
    xs = [float(i) for i in range(2000)]
    a, b = Value(1.5), Value(-2.0)

    def bare_node(data: float, label: str = "", op: object = None, operands: tuple[object,
                  object | None] = (None, None)) -> object:
        node: Any = object.__new__(bare)
        node._data, node.grad, node.op, node.label = data, 0.0, op, label
        node._a, node._b, node._g = *operands, None
        return node

    pairs = [
        (lambda i: Value(xs[i]), lambda i: bare_node(xs[i])),
        (lambda i: Value(xs[i], "w"), lambda i: bare_node(xs[i], "w")),
        (lambda i: a * b, lambda i: bare_node(a.data * b.data, "", OPS["mul"], (a, b))),
    ]
    pointer = struct.calcsize("P")
    for value, reference in pairs:
        extra = _bytes_each(value) - _bytes_each(reference)
        assert 0 <= extra <= pointer, f"{extra} bytes a node for a learner's attributes"


# -- identity hash and equality -------------------------------------------------------------
def test_equality_and_hash_are_identity() -> None:
    assert Value.__eq__ is object.__eq__
    assert Value.__hash__ is object.__hash__
    a, b = Value(1.0), Value(1.0)
    assert a == a
    assert a != b  # same data, different nodes
    assert hash(a) == hash(a)
    assert len({a, b}) == 2
    assert {a: 1, b: 2}[a] == 1


def test_comparing_with_a_number_is_not_numeric_equality() -> None:
    # == is node identity (graph walks rely on it), so it never compares data
    v = Value(1.0)
    assert (v == 1.0) is False
    assert (v != 1.0) is True


def test_values_work_as_set_members_while_grads_change() -> None:
    v = Value(2.0)
    s = {v}
    v.data, v.grad = 5.0, 3.0  # mutating fields must not change the hash
    assert v in s


# -- numpy scalars on either side -----------------------------------------------------------
NUMPY_SCALARS = [np.float64(2.0), np.float32(2.0), np.int64(2), np.int32(2)]


@pytest.mark.parametrize("s", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
def test_numpy_scalar_on_either_side_gives_a_value(s: np.generic) -> None:
    v = Value(3.0)
    cases = {
        "s*v": (s * v, 6.0), "v*s": (v * s, 6.0),
        "s+v": (s + v, 5.0), "v+s": (v + s, 5.0),
        "s-v": (s - v, -1.0), "v-s": (v - s, 1.0),
        "s/v": (s / v, 2.0 / 3.0), "v/s": (v / s, 1.5),
        "s**v": (s**v, 8.0), "v**s": (v**s, 9.0),
    }
    for name, (out, expected) in cases.items():
        assert type(out) is Value, name
        assert out.data == pytest.approx(expected, rel=1e-15, abs=0.0), name


@pytest.mark.parametrize("s", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
def test_numpy_scalar_operands_keep_the_operand_order(s: np.generic) -> None:
    v = Value(3.0)
    assert (s - v).parents[1] is v
    assert (v - s).parents[0] is v
    assert (s / v).parents[1] is v
    assert (s**v).op is OPS["powv"]  # v is the exponent: differentiated
    assert (v**s).op is OPS["pow"]  # a number exponent is a constant


@pytest.mark.parametrize("s", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
def test_gradients_through_numpy_scalars(s: np.generic) -> None:
    x = Value(3.0)
    y = s * x - x / s + s**x
    y.backward()
    k = float(s)
    expected = k - 1.0 / k + math.log(k) * k**3.0
    assert x.grad == pytest.approx(expected, rel=1e-14)


# -- numpy object arrays of Values ----------------------------------------------------------
def _values(rows: list[list[float]]) -> np.ndarray:
    return np.array([[Value(x) for x in row] for row in rows], dtype=object)


W_DATA = [[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]]
X_DATA = [2.0, -1.0, 4.0]


def test_np_dot_of_vectors_is_a_value_with_right_gradients() -> None:
    w = np.array([Value(x) for x in W_DATA[0]], dtype=object)
    x = np.array([Value(v) for v in X_DATA], dtype=object)
    out = np.dot(w, x)
    assert type(out) is Value
    assert out.data == 1.0 * 2.0 + -2.0 * -1.0 + 0.5 * 4.0
    out.backward()
    assert [wi.grad for wi in w] == X_DATA
    assert [xi.grad for xi in x] == W_DATA[0]


@pytest.mark.parametrize("matmul", [np.dot, np.matmul, lambda a, b: a @ b],
                         ids=["np.dot", "np.matmul", "@"])
def test_matrix_vector_product_over_values(matmul: object) -> None:
    W = _values(W_DATA)
    x = np.array([Value(v) for v in X_DATA], dtype=object)
    out = matmul(W, x)  # type: ignore[operator]
    assert out.shape == (2,)
    assert all(type(o) is Value for o in out)
    assert [o.data for o in out] == list(np.dot(np.array(W_DATA), np.array(X_DATA)))
    # weight each output differently so every gradient has a distinct hand-derived value
    seeds = [1.0, -3.0]
    loss = out[0] * seeds[0] + out[1] * seeds[1]
    loss.backward()
    for j in range(2):
        for k in range(3):
            assert W[j, k].grad == seeds[j] * X_DATA[k]  # d loss / d W_jk = s_j x_k
    for k in range(3):
        assert x[k].grad == sum(seeds[j] * W_DATA[j][k] for j in range(2))


def test_np_dot_of_float_matrix_and_value_vector() -> None:
    W = np.array(W_DATA)
    x = np.array([Value(v) for v in X_DATA], dtype=object)
    out = np.dot(W, x)
    assert all(type(o) is Value for o in out)
    out[1].backward()
    assert [xi.grad for xi in x] == W_DATA[1]


def test_np_sum_over_values() -> None:
    xs = np.array([Value(v) for v in X_DATA], dtype=object)
    total = np.sum(xs)
    assert type(total) is Value
    assert total.data == sum(X_DATA)
    total.backward()
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0]


def test_np_sum_of_squares_gradient() -> None:
    xs = np.array([Value(v) for v in X_DATA], dtype=object)
    total = np.sum(xs * xs)
    gs = grad(total, list(xs))
    assert gs == [2.0 * v for v in X_DATA]


def test_elementwise_array_arithmetic_with_values() -> None:
    xs = np.array([Value(v) for v in X_DATA], dtype=object)
    ys = 2.0 * xs + 1
    assert all(type(y) is Value for y in ys)
    assert [y.data for y in ys] == [2.0 * v + 1.0 for v in X_DATA]


# -- arrays and a single Value, either side (broadcasting) ------------------------------------
@pytest.mark.parametrize("side", ["array_left", "value_right"])
def test_object_array_times_a_value_broadcasts(side: str) -> None:
    xs = np.array([Value(v) for v in X_DATA], dtype=object)
    s = Value(-1.5)
    out = xs * s if side == "array_left" else s * xs
    assert out.shape == (3,)
    assert all(type(o) is Value for o in out)
    assert [o.data for o in out] == [-1.5 * v for v in X_DATA]
    total = np.sum(out)
    total.backward()
    assert s.grad == sum(X_DATA)
    assert [x.grad for x in xs] == [-1.5] * 3


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_float_array_and_value_on_either_side(op: str) -> None:
    a = np.array([1.0, -2.0, 4.0])
    v = Value(0.5)
    f = {"+": lambda p, q: p + q, "-": lambda p, q: p - q,
         "*": lambda p, q: p * q, "/": lambda p, q: p / q}[op]
    for left, right in ((a, v), (v, a)):
        out = f(left, right)
        assert out.shape == (3,)
        assert all(type(o) is Value for o in out)
        expected = f(a, 0.5) if left is a else f(0.5, a)
        assert [o.data for o in out] == list(expected)


def test_object_array_plus_a_value() -> None:
    xs = np.array([Value(v) for v in X_DATA], dtype=object)
    b = Value(1.0)
    out = xs + b
    assert [o.data for o in out] == [v + 1.0 for v in X_DATA]
    np.sum(out).backward()
    assert b.grad == 3.0


def test_zero_dimensional_array_times_a_value() -> None:
    v = Value(2.0)
    for out in (np.array(3.0) * v, v * np.array(3.0)):
        assert out.data == 6.0  # a Value (or a 0-d array holding one) with the product
