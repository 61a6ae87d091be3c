"""fit(..., record=): snapshots of the parameters and gradients as they were at each step."""

import numpy as np
import pytest

from nn import MLP, SGD, fit
from nn.losses import hinge

X = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.2, 0.1]])
Y = [1, -1, -1, 1]


def _manual(steps: int) -> tuple[list[list[float]], list[list[float]]]:
    """The same training by hand: the values and gradients before each update."""
    model = MLP(2, [3, 1], seed=1)
    opt = SGD(model, lr=0.1)
    values, grads = [], []
    for _ in range(steps):
        values.append([p.data for p in model.parameters()])
        total = hinge([model(x) for x in X.tolist()], Y)
        opt.zero_grad()
        total.backward()
        grads.append([p.grad for p in model.parameters()])
        opt.step()
    return values, grads


def test_record_keeps_the_parameters_and_gradients_as_they_were():
    model = MLP(2, [3, 1], seed=1)
    history = fit(model, X, Y, optimizer=SGD(model, lr=0.1), epochs=5, record=True)
    values, grads = _manual(5)
    assert history.snapshot_steps == [0, 1, 2, 3, 4]
    assert history.param_names == [name for name, _ in model.named_parameters()]
    assert history.params.shape == (5, len(model.parameters()))
    assert history.params.dtype == np.float64
    np.testing.assert_array_equal(history.params, np.array(values))
    np.testing.assert_array_equal(history.param_grads, np.array(grads))
    assert not np.array_equal(history.params[0], history.params[-1])


def test_record_every_k_steps_keeps_the_last_step():
    model = MLP(2, [3, 1], seed=1)
    history = fit(model, X, Y, optimizer=SGD(model, lr=0.1), epochs=8, record=3)
    values, _ = _manual(8)
    assert history.snapshot_steps == [0, 3, 6, 7]
    np.testing.assert_array_equal(history.params, np.array(values)[[0, 3, 6, 7]])


def test_record_is_off_by_default():
    model = MLP(2, [3, 1], seed=1)
    history = fit(model, X, Y, epochs=3)
    assert history.snapshot_steps == []
    assert history.params.shape == (0, len(model.parameters()))
    assert history.param_grads.shape == (0, len(model.parameters()))


@pytest.mark.parametrize("bad", [0, -2, 1.5, "yes", None])
def test_record_refuses_bad_values(bad):
    with pytest.raises(ValueError, match="record must be"):
        fit(MLP(2, [1], seed=0), X, Y, epochs=1, record=bad)


def test_histories_compare_by_their_numbers():
    runs = [fit(MLP(2, [3, 1], seed=1), X, Y, epochs=3, record=True) for _ in range(2)]
    runs[1].seconds = runs[0].seconds
    assert runs[0] == runs[1]
    np.testing.assert_array_equal(runs[0].params, runs[1].params)
