"""History.plot, plot_decision_boundary and mlp_numpy_forward against the model's own Values."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nn import MLP, SGD, History, fit, mlp_numpy_forward, plot_decision_boundary  # noqa: E402
from nn.datasets import moons  # noqa: E402
from nn.plots import decide  # noqa: E402


def _outputs(model, X):
    outs = [model(x) for x in X.tolist()]
    return np.array([[o.data] if not isinstance(o, list) else [v.data for v in o] for o in outs])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_numpy_forward_matches_the_value_forward(activation):
    X = np.random.default_rng(0).normal(size=(7, 3))
    model = MLP(3, [4, 5, 2], activation=activation, output_activation="tanh", seed=3)
    np.testing.assert_allclose(mlp_numpy_forward(model, X), _outputs(model, X), rtol=1e-12)


def test_numpy_forward_takes_a_snapshot_of_parameters():
    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, 2 * y - 1, optimizer=SGD(model, lr=0.1), epochs=3, record=True)
    first = mlp_numpy_forward(model, X, history.params[0])
    fresh = MLP(2, [4, 1], seed=0)
    np.testing.assert_allclose(first, _outputs(fresh, X), rtol=1e-12)


def test_history_plot_has_loss_and_accuracy_lines():
    history = History(loss=[3.0, 2.0, 1.0], accuracy=[0.5, 0.75, 1.0])
    fig = history.plot()
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 2
    loss_line, = fig.axes[0].get_lines()
    assert list(loss_line.get_ydata()) == [3.0, 2.0, 1.0]
    assert list(fig.axes[1].get_lines()[0].get_ydata()) == [0.5, 0.75, 1.0]
    assert len(History(loss=[1.0]).plot().axes) == 1
    plt.close("all")


class Wrapped:
    """A general model (not an MLP): plot_decision_boundary calls it."""

    def __init__(self, mlp):
        self.mlp = mlp

    def __call__(self, x):
        return self.mlp(x)


def test_decision_boundary_agrees_with_the_models_predictions():
    X, y = moons(40, seed=1)
    model = MLP(2, [8, 1], seed=0)
    fit(model, X, 2 * y - 1, optimizer=SGD(model, lr=0.1), epochs=20)
    own = np.array([model(x).data > 0 for x in X.tolist()]).astype(int)
    np.testing.assert_array_equal(decide(model, X), own)
    np.testing.assert_array_equal(decide(Wrapped(model), X), own)
    fig = plot_decision_boundary(model, X, y, resolution=20)
    ax = fig.axes[0]
    assert len(ax.collections[-1].get_offsets()) == len(X)
    plt.close("all")


def test_decision_boundary_refuses_data_that_is_not_2d():
    with pytest.raises(ValueError, match="2-D data"):
        plot_decision_boundary(MLP(3, [1], seed=0), np.zeros((4, 3)), [0, 1, 0, 1])
