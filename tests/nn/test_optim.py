"""SGD and Adam: the first steps against hand calculations, schedules, and bad arguments."""

from __future__ import annotations

import math

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, linear_decay


def run(opt, params, grads_per_step):
    """Set the gradients by hand and step; returns each parameter's data after every step."""
    seen = []
    for grads in grads_per_step:
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()
        seen.append([p.data for p in params])
    return seen


def test_sgd_plain_steps():
    p = Value(1.0)
    # p - lr * g: 1 - 0.1 * 0.5 = 0.95; 0.95 - 0.1 * (-2) = 1.15
    assert run(SGD([p], lr=0.1), [p], [[0.5], [-2.0]]) == [[0.95], [pytest.approx(1.15)]]


def test_sgd_momentum_steps():
    p = Value(1.0)
    # v1 = 0.5 -> p = 1 - 0.05 = 0.95; v2 = 0.9 * 0.5 + 0.2 = 0.65 -> p = 0.95 - 0.065 = 0.885
    # v3 = 0.9 * 0.65 + 0 = 0.585 -> p = 0.885 - 0.0585 = 0.8265
    got = run(SGD([p], lr=0.1, momentum=0.9), [p], [[0.5], [0.2], [0.0]])
    assert [g[0] for g in got] == pytest.approx([0.95, 0.885, 0.8265], rel=1e-15)


def test_sgd_weight_decay_adds_decay_times_parameter_to_the_gradient():
    p, q = Value(1.0), Value(-2.0)
    # g + 0.01 p: p: 0.5 + 0.01 = 0.51 -> 1 - 0.051 = 0.949; q: 0 - 0.02 -> -2 + 0.002 = -1.998
    got = run(SGD([p, q], lr=0.1, weight_decay=0.01), [p, q], [[0.5, 0.0]])
    assert got[0] == pytest.approx([0.949, -1.998], rel=1e-15)


def test_sgd_schedule_is_called_with_the_step_number():
    p = Value(0.0)
    calls = []

    def schedule(k):
        calls.append(k)
        return 1.0 / (k + 1)

    opt = SGD([p], lr=schedule)
    # steps with g = 1: 0 - 1 = -1; -1 - 1/2 = -1.5; -1.5 - 1/3
    got = run(opt, [p], [[1.0], [1.0], [1.0]])
    assert [g[0] for g in got] == pytest.approx([-1.0, -1.5, -1.5 - 1 / 3])
    assert opt.steps == 3
    assert opt.current_lr() == 0.25
    assert set(calls) == {0, 1, 2, 3}


def test_linear_decay_is_micrograds_demo_schedule():
    schedule = linear_decay(1.0, 0.1, 100)
    for k in range(101):
        assert schedule(k) == pytest.approx(1.0 - 0.9 * k / 100, rel=1e-14)
    assert schedule(500) == pytest.approx(0.1)


def test_adam_first_steps_by_hand():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    # step 1, g = 0.5: m = 0.1 * 0.5 = 0.05; v = 0.001 * 0.25 = 0.00025
    #   m_hat = 0.05 / (1 - 0.9) = 0.5; v_hat = 0.00025 / (1 - 0.999) = 0.25
    #   p = 1 - 0.1 * 0.5 / (sqrt(0.25) + 1e-8)
    p1 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
    # step 2, g = -0.2: m = 0.9 * 0.05 + 0.1 * (-0.2) = 0.025
    #   v = 0.999 * 0.00025 + 0.001 * 0.04 = 0.00028975
    #   m_hat = 0.025 / (1 - 0.81) ; v_hat = 0.00028975 / (1 - 0.998001)
    p2 = p1 - 0.1 * (0.025 / 0.19) / (math.sqrt(0.00028975 / 0.001999) + 1e-8)
    got = run(opt, [p], [[0.5], [-0.2]])
    assert got[0][0] == pytest.approx(p1, rel=1e-14)
    assert got[1][0] == pytest.approx(p2, rel=1e-12)
    assert p1 == pytest.approx(0.9, rel=1e-7)  # Adam's first step is about lr * sign(g)


def test_adam_weight_decay_and_betas():
    p = Value(2.0)
    opt = Adam([p], lr=0.01, betas=(0.5, 0.75), eps=1e-6, weight_decay=0.1)
    # g = 1 + 0.1 * 2 = 1.2; m = 0.5 * 1.2 = 0.6; v = 0.25 * 1.44 = 0.36
    # m_hat = 0.6 / 0.5 = 1.2; v_hat = 0.36 / 0.25 = 1.44 -> p = 2 - 0.01 * 1.2 / (1.2 + 1e-6)
    got = run(opt, [p], [[1.0]])
    assert got[0][0] == pytest.approx(2.0 - 0.01 * 1.2 / (1.2 + 1e-6), rel=1e-14)


def test_adam_minimises_a_quadratic():
    x, y = Value(3.0), Value(-4.0)
    opt = Adam([x, y], lr=0.1)
    for _ in range(300):
        loss = (x - 1.0) ** 2 + (y + 2.0) ** 2 * 3.0
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert x.data == pytest.approx(1.0, abs=1e-3) and y.data == pytest.approx(-2.0, abs=1e-3)


def test_optimizer_takes_a_module_and_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model, lr=0.1)
    assert opt.params == model.parameters()
    assert opt.names[0] == "layers.0.neurons.0.w.0"
    model([1.0, 2.0]).backward()
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_diverging_step_raises_and_changes_nothing():
    model = MLP(1, [1], seed=0)
    opt = SGD(model, lr=1e300, momentum=0.5)
    w, b = model.parameters()
    w.grad, b.grad = 1e300, 1.0
    before = model.state_dict()
    with pytest.raises(OverflowError, match=r"SGD.step: layers.0.neurons.0.w.0 would become "
                                            r"-?inf .*lower the learning rate"):
        opt.step()
    assert model.state_dict() == before
    assert opt.steps == 0 and opt.velocity == [0.0, 0.0]


def test_adam_gradient_too_large_to_square_raises_and_changes_nothing():
    w, b = Value(1.0), Value(2.0)
    opt = Adam([w, b], lr=0.1)
    run(opt, [w, b], [[0.5, 0.5]])
    before = (w.data, b.data, opt.m, opt.v, opt.steps)
    w.grad = 1e160  # finite, but its square is not: v would be inf and w would never move again
    with pytest.raises(OverflowError, match=r"Adam.step: the square of parameter 0's grad "
                                            r"overflows a float \(value .*, grad 1e\+160\); "
                                            r"training diverged: lower the learning rate"):
        opt.step()
    assert (w.data, b.data, opt.m, opt.v, opt.steps) == before


@pytest.mark.parametrize("lr", [0, 0.0, -0.1, float("nan"), float("inf"), "0.1", True, None])
def test_learning_rate_must_be_a_positive_finite_number(lr):
    with pytest.raises(ValueError, match=f"lr must be a positive finite number, got {lr!r}"):
        SGD([Value(1.0)], lr=lr)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        Adam([Value(1.0)], lr=lr)


def test_schedule_returning_a_bad_rate_fails_at_that_step():
    p = Value(1.0)
    opt = SGD([p], lr=lambda k: 0.1 - 0.05 * k)
    run(opt, [p], [[1.0]])
    with pytest.raises(ValueError, match=r"lr schedule \(at step 2\) must be a positive finite "
                                         r"number, got 0.0"):
        run(opt, [p], [[1.0], [1.0]])
    assert opt.steps == 2


@pytest.mark.parametrize("make, error, message", [
    (lambda: SGD([], lr=0.1), ValueError, "params is empty"),
    (lambda: SGD(None), TypeError, "params must be a Module or a list of Values, got NoneType"),
    (lambda: Adam(None), TypeError, "params must be a Module or a list of Values, got NoneType"),
    (lambda: SGD([1.0], lr=0.1), TypeError, "params: parameter 0 is float, not a Value"),
    (lambda: SGD([Value(1.0)] * 2, lr=0.1), ValueError, "parameter 1 appears twice"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), ValueError,
     r"momentum must be in \[0, 1\), got 1.0"),
    (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1), ValueError,
     "weight_decay must be >= 0"),
    (lambda: Adam([Value(1.0)], betas=(0.9,)), ValueError, "betas must be a pair"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
    (lambda: Adam([Value(1.0)], eps=0), ValueError, "eps must be a positive finite number"),
    (lambda: linear_decay(1.0, 0.1, 0), ValueError, "steps must be a positive integer"),
    (lambda: linear_decay(1.0, -0.1, 10), ValueError, "end must be a positive finite number"),
])
def test_bad_optimizer_arguments_are_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()
