"""fit replays a tape when every step builds the same graph, with exactly the results of
rebuilding the graph every step; everything else is rebuilt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import nn._replay
from autograd import Tape, Value
from nn import MLP, SGD, Adam, Layer, Neuron, binary_cross_entropy, fit, hinge, mse
from nn._replay import Forward, fixed_structure
from nn.datasets import moons


class _Spy:
    """Counts the tapes recorded (Tape.record) and the forward passes replayed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.records = 0
        self.replays = 0
        record, forward = Tape.record, Tape.forward

        def spy_record(*args: Any, **kwargs: Any) -> Tape:
            self.records += 1
            return record(*args, **kwargs)

        def spy_forward(tape: Tape, values: Any) -> float:
            self.replays += 1
            return forward(tape, values)

        monkeypatch.setattr(Tape, "record", spy_record)
        monkeypatch.setattr(Tape, "forward", spy_forward)


def _train(make: Callable[[], Any], replay: bool, monkeypatch: pytest.MonkeyPatch,
           **kwargs: Any) -> tuple[dict[str, float], Any, _Spy]:
    X, y01 = moons(24, noise=0.1, seed=2)
    y = kwargs.pop("labels", 2 * y01 - 1)
    model = make()
    with monkeypatch.context() as m:
        if not replay:  # today's loop: a graph of Values every step
            m.setattr(nn._replay, "fixed_structure", lambda model, loss: False)
        spy = _Spy(m)
        history = fit(model, X, y, progress=False, **kwargs)
    return model.state_dict(), history, spy


CASES = {
    "moons demo: relu MLP, hinge, L2, decaying SGD": (
        lambda: MLP(2, [8, 8, 1], seed=3), dict(loss="hinge", l2_alpha=1e-4, epochs=12)),
    "tanh MLP, mse, Adam": (
        lambda: MLP(2, [6, 1], activation="tanh", seed=4), dict(loss="mse", epochs=10)),
    "sigmoid MLP, unfused, SGD with momentum": (
        lambda: MLP(2, [5, 1], activation="sigmoid", seed=5, fused=False),
        dict(loss="hinge", epochs=8)),
    "one neuron": (lambda: Neuron(2, activation="linear", seed=6), dict(loss="mse", epochs=6)),
}


@pytest.mark.parametrize("case", CASES)
def test_fit_with_the_tape_gives_the_same_parameters_and_history(
        case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make, kwargs = CASES[case]

    def run(replay: bool) -> tuple[dict[str, float], Any, _Spy]:
        model = make()
        extra: dict[str, Any] = {}
        if "Adam" in case:
            extra["optimizer"] = Adam(model, lr=0.05)
        elif "momentum" in case:
            extra["optimizer"] = SGD(model, lr=0.1, momentum=0.9)
        return _train(lambda: model, replay, monkeypatch, **kwargs, **extra)

    rebuilt, history, spy = run(replay=False)
    assert spy.records == 0 and spy.replays == 0
    replayed, taped_history, spy = run(replay=True)
    assert spy.records == 1 and spy.replays == kwargs["epochs"] - 1  # step 1 builds Values
    assert replayed == rebuilt  # every parameter, bit for bit
    assert taped_history.loss == history.loss and taped_history.lr == history.lr
    assert taped_history.accuracy == history.accuracy
    assert len(set(history.loss)) > 1  # it trained


def test_the_tape_adds_to_grad_as_backward_does(monkeypatch: pytest.MonkeyPatch) -> None:
    model = MLP(2, [4, 1], seed=1)
    frozen = model.layers[0].neurons[0].w[0]  # held by no optimizer: its .grad accumulates
    opt = SGD([p for p in model.parameters() if p is not frozen], lr=0.1)
    twin = MLP(2, [4, 1], seed=1)
    twin_frozen = twin.layers[0].neurons[0].w[0]
    twin_opt = SGD([p for p in twin.parameters() if p is not twin_frozen], lr=0.1)
    _train(lambda: model, True, monkeypatch, loss="hinge", epochs=5, optimizer=opt)
    _train(lambda: twin, False, monkeypatch, loss="hinge", epochs=5, optimizer=twin_opt)
    assert frozen.grad == twin_frozen.grad != 0.0
    assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]


class _Scaled(MLP):
    """A subclass may change how the graph is built: it is rebuilt, never replayed."""

    def __call__(self, x: Any) -> Any:
        out = super().__call__(x)
        return out * 2.0 if out.data > 0 else out  # type: ignore[union-attr]


@pytest.mark.parametrize(("make", "kwargs"), [
    (lambda: MLP(2, [4, 1], seed=1), dict(loss="hinge", batch_size=8)),  # shuffled batches
    (lambda: MLP(2, [4, 1], seed=1), dict(loss="binary_cross_entropy", labels=[0, 1] * 12)),
    (lambda: MLP(2, [4, 1], seed=1), dict(loss=lambda out, y: hinge(out, y) * 2.0)),
    (lambda: _Scaled(2, [4, 1], seed=1), dict(loss="hinge")),
    (lambda: MLP(2, [4, 2], seed=1), dict(loss="softmax_cross_entropy", labels=[0, 1] * 12)),
])
def test_graphs_that_may_change_are_rebuilt_every_step(
        make: Callable[[], Any], kwargs: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, history, spy = _train(make, True, monkeypatch, epochs=3, **kwargs)
    assert spy.records == 0 and spy.replays == 0 and len(history.loss) >= 3


def test_fixed_structure_names_the_models_and_losses_a_tape_can_replay() -> None:
    model = MLP(2, [3, 1], seed=0)
    assert fixed_structure(model, hinge) and fixed_structure(model, mse)
    assert fixed_structure(Layer(2, 1, seed=0), mse) and fixed_structure(Neuron(2, seed=0), mse)
    assert not fixed_structure(model, binary_cross_entropy)  # softplus keeps max(z, 0)
    assert not fixed_structure(_Scaled(2, [3, 1], seed=0), hinge)
    model.layers[0] = _Layer()  # a layer of your own inside an MLP
    assert not fixed_structure(model, hinge)


class _Layer(Layer):
    def __init__(self) -> None:
        super().__init__(2, 3, seed=0)


def test_forward_replays_the_recorded_step_and_keeps_the_outputs() -> None:
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    xb, yb = [[0.5, -1.0], [2.0, 0.25]], [1.0, -1.0]
    forward = Forward(model, hinge, params, 1e-3, same_data=True)
    outputs, total = forward(xb, yb)
    assert isinstance(total, Value) and forward.tape is not None
    for p in params:
        p.data *= 0.5
    outputs2, replayed = forward(xb, yb)
    rebuilt = [model(x) for x in xb]
    assert outputs2 == [o.data for o in rebuilt]  # type: ignore[union-attr]
    expected = hinge(rebuilt, yb) + 1e-3 * sum(p * p for p in params)
    assert replayed.data == pytest.approx(expected.data, rel=1e-14)
    with pytest.raises(TypeError, match="the loss function must return a Value, got float"):
        Forward(model, lambda out, y: 1.0, params, 0.0, same_data=True)(xb, yb)


def test_the_moons_demo_configuration_trains_with_the_tape(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nn import linear_decay

    X, y01 = moons(100, noise=0.1, seed=0)  # demos/moons.py's training, 15 steps of it
    model = MLP(2, [16, 16, 1], seed=1337)
    spy = _Spy(monkeypatch)
    history = fit(model, X, 2 * y01 - 1, loss="hinge", l2_alpha=1e-4, epochs=15,
                  optimizer=SGD(model, lr=linear_decay(1.0, 0.1, 100)), progress=False)
    assert spy.records == 1 and spy.replays == 14
    assert history.loss[-1] < history.loss[0] and history.accuracy[-1] > 0.8
