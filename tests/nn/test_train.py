"""Training: micrograd's demo program runs on our classes, fit's history, progress, accuracy."""

from __future__ import annotations

import contextlib
import io
import math
import re
import sys

import numpy as np
import pytest

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    History,
    accuracy,
    binary_accuracy,
    fit,
    linear_decay,
    mse,
    multiclass_accuracy,
)
from nn.datasets import blobs, moons, xor

# micrograd's demo.ipynb, cell by cell, with only the imports changed (and our moons, as
# scikit-learn is not a dependency: the notebook's `make_moons(n_samples=100, noise=0.1)`)
MICROGRAD_DEMO = '''
import random
import numpy as np
from autograd import Value
from nn import Neuron, Layer, MLP
from nn.datasets import moons

np.random.seed(1337)
random.seed(1337)
X, y = moons(100, noise=0.1)
y = y*2 - 1 # make y be -1 or 1

model = MLP(2, [16, 16, 1]) # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

def loss(batch_size=None):
    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]
    # forward the model to get scores
    scores = list(map(model, inputs))
    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

for k in range(100):
    # forward
    total_loss, acc = loss()
    # backward
    model.zero_grad()
    total_loss.backward()
    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
'''


def test_micrograds_demo_program_trains_moons_to_100_percent():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(MICROGRAD_DEMO, "micrograd_demo", "exec"), {})
    text = out.getvalue()
    assert "MLP(2 -> 16 relu -> 16 relu -> 1 linear; 337 parameters)" in text
    assert "number of parameters 337" in text
    steps = re.findall(r"step (\d+) loss ([\d.e-]+), accuracy ([\d.]+)%", text)
    assert len(steps) == 100
    accuracies = [float(a) for _, _, a in steps]
    losses = [float(v) for _, v, _ in steps]
    assert accuracies[0] < 90.0
    assert accuracies[-1] == 100.0
    first = accuracies.index(100.0)
    assert first < 70  # micrograd reaches it in about 40 steps on scikit-learn's moons
    assert losses[-1] < losses[0] / 10


def test_fit_reproduces_the_same_run_with_the_same_seeds():
    X, y = moons(40, seed=1)

    def run(data_seed):
        model = MLP(2, [8, 1], seed=3)
        opt = SGD(model, lr=0.1, momentum=0.9)
        history = fit(model, X, 2 * y - 1, loss="hinge", optimizer=opt, epochs=3,
                      batch_size=16, seed=data_seed)
        return history, model.state_dict()

    (h1, s1), (h2, s2), (h3, _) = run(0), run(0), run(1)
    assert h1.loss == h2.loss and h1.accuracy == h2.accuracy and s1 == s2
    assert h1.loss != h3.loss  # a different shuffle of the minibatches


def test_fit_history_has_one_entry_per_step():
    X, y = moons(30, seed=0)
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model, lr=linear_decay(0.5, 0.05, 20))
    history = fit(model, X, 2 * y - 1, optimizer=opt, epochs=4, batch_size=8)
    assert len(history.loss) == len(history.accuracy) == len(history.lr) == 4 * 4  # 30/8 -> 4
    assert history.lr[:3] == pytest.approx([0.5, 0.5 - 0.45 / 20, 0.5 - 0.9 / 20])
    assert history.seconds > 0
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)


def test_fit_reports_the_loss_it_optimised():
    X, y = xor()
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, loss="binary_cross_entropy", optimizer=SGD(model, lr=1e-9),
                  epochs=1, l2_alpha=0.5)
    # with a tiny step the reported loss is the loss at the starting weights
    model2 = MLP(2, [3, 1], seed=0)
    from nn import binary_cross_entropy, l2

    expected = binary_cross_entropy([model2(x) for x in X], y) + l2(model2, 0.5)
    assert history.loss[0] == pytest.approx(expected.data, rel=1e-12)


def test_fit_binary_cross_entropy_learns_xor():
    X, y = xor(40, noise=0.05, seed=0)
    model = MLP(2, [8, 1], activation="tanh", seed=1)
    history = fit(model, X, y, loss="binary_cross_entropy", optimizer=Adam(model, lr=0.05),
                  epochs=150)
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < 0.1 < history.loss[0]
    assert accuracy(model, X, 2 * y - 1) == 1.0  # -1/+1 and 0/1 labels read the same


def test_fit_softmax_cross_entropy_separates_blobs():
    X, y = blobs(60, centers=3, spread=0.7, seed=2)
    model = MLP(2, [8, 3], seed=0, init="scaled")
    history = fit(model, X / 8, y, loss="softmax_cross_entropy", optimizer=Adam(model, lr=0.05),
                  epochs=60)
    assert history.accuracy[-1] == 1.0
    assert accuracy(model, X / 8, y) == 1.0


def test_fit_mse_regression_and_custom_losses_record_no_accuracy():
    x = np.linspace(-1, 1, 20)[:, None]
    target = 3 * x[:, 0] - 1
    model = MLP(1, [1], seed=0)
    history = fit(model, x, target, loss="mse", optimizer=SGD(model, lr=0.3), epochs=100)
    assert history.accuracy == []
    assert history.loss[-1] < 1e-6
    w, b = model.parameters()
    assert (w.data, b.data) == pytest.approx((3.0, -1.0), abs=1e-3)
    custom = fit(model, x, target, loss=lambda outs, ys: mse(outs, ys) * 2.0, epochs=1)
    assert custom.accuracy == [] and len(custom.loss) == 1


def test_width_one_hidden_layer_trains():
    X, y = blobs(40, centers=2, seed=0)
    model = MLP(2, [1, 1], activation="linear", seed=0)
    history = fit(model, X / 8, 2 * y - 1, optimizer=SGD(model, lr=0.1), epochs=50)
    assert history.loss[-1] < history.loss[0]
    assert history.accuracy[-1] == 1.0


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_quiet_when_not_a_terminal_and_shown_when_asked():
    X, y = xor()
    quiet, asked, tty = io.StringIO(), io.StringIO(), FakeTTY()
    for stream, progress in ((quiet, None), (asked, True), (tty, None)):
        fit(MLP(2, [2, 1], seed=0), X, 2 * y - 1, epochs=20, stream=stream, progress=progress)
    assert quiet.getvalue() == ""
    last = asked.getvalue().split("\r")[-1]
    assert "20/20" in last and "loss=" in last and "accuracy=" in last and "step/s" in last
    assert "20/20" in tty.getvalue() and tty.getvalue().endswith("\n")


def test_fit_default_progress_writes_nothing_under_pytest(capsys):
    X, y = xor()
    fit(MLP(2, [2, 1], seed=0), X, 2 * y - 1, epochs=3)
    assert capsys.readouterr().err == ""


def test_history_first_step_reaching():
    h = History(loss=[1, 1, 1, 1], accuracy=[0.5, 0.9, 1.0, 0.95])
    assert h.first_step_reaching(1.0) == 2
    assert h.first_step_reaching(0.9) == 1
    assert h.first_step_reaching(1.01) is None


def test_accuracy_helpers_match_numpy():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=50)
    labels = rng.choice([-1, 1], size=50)
    expected = float(np.mean(np.sign(scores) == labels))
    assert binary_accuracy([Value(s) for s in scores], labels) == expected
    assert binary_accuracy(scores.tolist(), (labels + 1) // 2) == expected  # 0/1 labels
    logits = rng.normal(size=(30, 4))
    classes = rng.integers(0, 4, size=30)
    expected = float(np.mean(np.argmax(logits, axis=1) == classes))
    rows = [[Value(v) for v in row] for row in logits]
    assert multiclass_accuracy(rows, classes) == expected


def test_accuracy_helpers_never_count_a_nan_score_as_a_hit():
    assert binary_accuracy([math.nan, math.nan, 1.0], [0, -1, 1]) == pytest.approx(1 / 3)
    assert multiclass_accuracy([[math.nan, math.nan], [1.0, math.nan], [2.0, 1.0]],
                               [0, 0, 0]) == pytest.approx(1 / 3)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"loss": "cross_entropy"}, ValueError, "loss must be one of 'mse', 'hinge', "
     "'binary_cross_entropy', 'softmax_cross_entropy' or a function"),
    ({"loss": 3}, TypeError, "loss must be a name or a function, got int"),
    ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
    ({"batch_size": 0}, ValueError, "batch_size must be a positive integer or None, got 0"),
    ({"epochs": np.int64(0)}, ValueError, "epochs must be a positive integer"),
    ({"seed": -1}, ValueError, "seed must be an integer >= 0, got -1"),
    ({"optimizer": "adam"}, TypeError,
     r"optimizer must be an Optimizer, e.g. SGD\(model, lr=0.1\); got str 'adam'"),
    ({"optimizer": SGD(MLP(2, [2, 1], seed=1))}, ValueError,
     "fit: the optimizer holds none of the model's parameters"),
    ({"loss": lambda outputs, labels: 1.0}, TypeError,
     "fit: the loss function must return a Value, got float"),
])
def test_fit_bad_arguments_are_clear_errors(kwargs, error, message):
    X, y = xor()
    with pytest.raises(error, match=message):
        fit(MLP(2, [2, 1], seed=0), X, 2 * y - 1, **kwargs)


def test_fit_checks_shapes_and_labels_before_training():
    model = MLP(2, [2, 1], seed=0)
    X, y = xor()
    with pytest.raises(ValueError, match="4 rows of X but 3 labels in y"):
        fit(model, X, y[:3])
    with pytest.raises(ValueError, match=r"X must be a non-empty 2-D array .*shape \(4,\)"):
        fit(model, y, y)
    with pytest.raises(ValueError, match=r"hinge: labels must be -1/\+1 \(or all 0/1\)"):
        fit(model, X, np.array([0, 1, -1, 1]))  # mixed labels given to the hinge loss
    with pytest.raises(ValueError, match="MLP expects 2 inputs"):
        fit(model, np.zeros((4, 3)), 2 * y - 1)


def test_fit_accepts_numpy_integers():
    X, y = xor()
    history = fit(MLP(2, [2, 1], seed=np.int64(0)), X, 2 * y - 1, epochs=np.int64(2),
                  batch_size=np.int64(2))
    assert len(history.loss) == 4


@pytest.mark.parametrize("X, message", [
    ([[0.0, 1.0], [math.nan, 2.0], [1.0, 0.0]], "X has nan at row 1, column 0; every entry"),
    ([[0.0, 1.0], [1.0, 2.0], [1.0, -math.inf]], "X has -inf at row 2, column 1"),
    ([[0.0, 1.0], [1.0], [1.0, 0.0]], "X must be a non-empty 2-D array of numbers"),
    ([[0.0, 1.0], [1.0, "a"], [1.0, 0.0]], "X must be a non-empty 2-D array of numbers"),
])
def test_fit_rejects_x_that_is_not_finite_numbers(X, message):
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        fit(model, X, [1, -1, 1], epochs=1)
    assert model.state_dict() == before


def test_fit_without_labels_says_y_is_missing():
    X, _ = xor()
    with pytest.raises(TypeError, match="fit: y must be a list of labels, one per row of X; "
                                        "got NoneType"):
        fit(MLP(2, [2, 1], seed=0), X, None)


@pytest.mark.parametrize("X, lr, cause", [
    ([[1e200]], 0.1, "pow overflows a float"),  # the engine: the loss overflows
    ([[1.0], [2.0]], 1e308, "SGD.step: .* would become -?inf"),  # the optimizer refuses the step
])
def test_a_diverging_fit_says_so_at_its_step_and_keeps_finite_weights(X, lr, cause):
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(OverflowError, match=r"fit: training diverged at step 1 of 10: lower the "
                                            f"learning rate.*\\({cause}") as info:
        fit(model, X, [100.0] * len(X), loss="mse", optimizer=SGD(model, lr=lr), epochs=10)
    assert isinstance(info.value.__cause__, OverflowError)
    assert model.state_dict() == before  # the failed step changed nothing


def test_a_diverging_fit_names_the_step_and_the_last_loss():
    X, y = xor()
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(OverflowError, match=r"fit: training diverged at step ([2-9]|\d\d+) of "
                                            r"50 \(loss \S+ the step before\): lower the "):
        fit(model, X * 1e100, 2 * y - 1, optimizer=SGD(model, lr=1e100), epochs=50)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_fit_trains_only_what_the_optimizer_holds():
    X, y = xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    frozen = model.layers[0].parameters()
    before = [p.data for p in frozen]
    fit(model, X, 2 * y - 1, optimizer=SGD(model.layers[1].parameters(), lr=0.1), epochs=3)
    assert [p.data for p in frozen] == before  # the first layer stays as it was
    assert any(p.grad != 0.0 for p in frozen)  # though gradients reached it



def test_progress_without_tqdm_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import tqdm.auto now fails
    X, y = xor()
    with pytest.raises(ImportError, match="pip install tqdm"):
        fit(MLP(2, [2, 1], seed=0), X, 2 * y - 1, epochs=1, stream=io.StringIO(), progress=True)
    history = fit(MLP(2, [2, 1], seed=0), X, 2 * y - 1, epochs=1, stream=io.StringIO(),
                  progress=False)
    assert len(history.loss) == 1


def test_fit_trains_on_moons_0_1_labels_with_the_default_hinge_loss():
    X, y = moons(60, seed=0)
    assert set(y.tolist()) == {0, 1}
    runs = [fit(MLP(2, [8, 1], seed=0), X, labels, optimizer=None, epochs=15)
            for labels in (y, 2 * y - 1)]
    assert runs[0].loss == runs[1].loss  # 0 means -1: the very same training
    assert runs[0].accuracy[-1] > 0.75 and runs[0].loss[-1] < runs[0].loss[0]


def test_fit_mse_trains_a_model_with_several_outputs():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    targets = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    model = MLP(2, [6, 2], activation="tanh", seed=1)
    history = fit(model, X, targets, loss="mse", optimizer=Adam(model, lr=0.05), epochs=200)
    assert history.loss[-1] < 0.01 < history.loss[0]
    outs = np.array([[v.data for v in model(x)] for x in X.tolist()])
    assert history.loss[0] > 0 and np.allclose(outs, targets, atol=0.15)


def test_mse_of_rows_is_the_mean_over_every_entry():
    outs = [[Value(1.0), Value(2.0)], [Value(0.5), Value(-1.0)]]
    expected = np.mean((np.array([[1.0, 2.0], [0.5, -1.0]]) - np.array([[0, 1], [1, 1]])) ** 2)
    assert math.isclose(mse(outs, [[0, 1], [1, 1]]).data, expected)
    with pytest.raises(ValueError, match="targets\\[0\\] is one number"):
        mse(outs, [1, 2])


def test_history_repr_is_a_summary():
    history = History(loss=[float(i) for i in range(500)], accuracy=[0.5] * 499 + [0.875],
                      seconds=1.5)
    text = repr(history)
    assert text == "History(500 steps, final loss 499, final accuracy 87.5%, 1.50 s)"
    assert repr(History()) == "History(no steps)"


def test_default_progress_is_on_in_a_jupyter_kernel(monkeypatch):
    class ZMQInteractiveShell:  # the class name IPython's kernel shell has
        pass

    fake = type(sys)("IPython")
    fake.get_ipython = ZMQInteractiveShell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setattr("tqdm.auto.tqdm", __import__("tqdm").std.tqdm)  # the text bar
    X, y = xor()
    stream = io.StringIO()
    fit(MLP(2, [2, 1], seed=0), X, 2 * y - 1, epochs=3, stream=stream)
    assert "3/3" in stream.getvalue()
