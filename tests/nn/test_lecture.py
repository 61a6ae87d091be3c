"""MLP(..., lecture=True): the MLP of micrograd's lecture, whose 20-step loop converges."""

import random

import pytest

from autograd import Value
from nn import MLP, Layer, Neuron

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


class LectureNeuron:
    """The lecture's own Neuron, typed in as the lecture writes it (the reference)."""

    def __init__(self, nin):
        self.w = [random.uniform(-1, 1) for _ in range(nin)]
        self.b = random.uniform(-1, 1)


def _lecture_loop(model, steps=20, lr=0.1):
    """The lecture's training loop, unchanged: sum of squared errors, plain SGD."""
    for _ in range(steps):
        ypred = [model(x) for x in XS]
        loss = sum(((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred, strict=True)), Value(0.0))
        for p in model.parameters():
            p.grad = 0.0
        loss.backward()
        for p in model.parameters():
            p.data += -lr * p.grad
    return loss.data, ypred


def test_lecture_mlp_draws_the_lectures_numbers():
    random.seed(42)
    model = MLP(3, [4, 4, 1], lecture=True)
    random.seed(42)
    reference = [LectureNeuron(n) for n, count in ((3, 4), (4, 4), (4, 1))
                 for _ in range(count)]
    assert [p.data for p in model.parameters()] == [v for r in reference for v in [*r.w, r.b]]
    assert model.activations == ["tanh", "tanh", "tanh"]


@pytest.mark.parametrize("seed", range(5))
def test_the_lectures_loop_converges_with_the_lecture_mlp(seed):
    random.seed(seed)
    loss, ypred = _lecture_loop(MLP(3, [4, 4, 1], lecture=True))
    assert loss < 0.1
    assert all((p.data > 0) == (y > 0) for p, y in zip(ypred, YS, strict=True))


def test_lecture_neuron_and_layer_and_bad_combinations():
    assert Neuron(3, lecture=True, seed=0).activation == "tanh"
    assert Neuron(3, lecture=True, seed=0).b.data != 0.0
    assert Neuron(3, seed=0).b.data == 0.0
    assert Layer(2, 3, lecture=True, seed=0).activation == "tanh"
    with pytest.raises(ValueError, match="lecture=True sets tanh"):
        MLP(3, [4, 1], lecture=True, activation="relu")
    with pytest.raises(TypeError, match="lecture must be True or False"):
        MLP(3, [4, 1], lecture="yes")
