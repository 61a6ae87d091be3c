"""Optimizers: SGD (momentum, weight decay) and Adam, in PyTorch's shape.

Usage: ``opt = SGD(model, lr=0.1)``; each step ``opt.zero_grad()``, ``loss.backward()``,
``opt.step()``. ``lr`` is a positive number or a schedule ``step -> lr`` (``step`` counts from
0), e.g. ``linear_decay(1.0, 0.1, 100)``, micrograd demo's ``1.0 - 0.9 * k / 100``.
A step that would make a parameter inf or nan raises and changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from autograd import Value
from nn._checks import count as _count
from nn._checks import fraction as _fraction
from nn._checks import non_negative as _non_negative
from nn._checks import positive as _positive
from nn.modules import Module

__all__ = ["Adam", "Optimizer", "SGD", "Schedule", "linear_decay"]

Schedule = Callable[[int], float]
"""A learning-rate schedule: the step number (from 0) to a learning rate."""


def linear_decay(start: float, end: float, steps: int) -> Schedule:
    """A schedule going linearly from ``start`` at step 0 to ``end`` at ``steps``, then flat."""
    _positive("start", start)
    _positive("end", end)
    _count("steps", steps)

    def schedule(k: int) -> float:
        return start + (end - start) * min(k, steps) / steps

    return schedule


class Optimizer:
    """Holds the parameters (and their names) and the learning rate; subclasses define step."""

    def __init__(self, params: Module | Iterable[Value], lr: float | Schedule) -> None:
        if isinstance(params, Module):
            named = params.named_parameters()
        else:
            try:
                items = enumerate(params)
            except TypeError:
                raise TypeError(f"params must be a Module or a list of Values, got "
                                f"{type(params).__name__}") from None
            named = [(f"parameter {i}", p) for i, p in items]
        if not named:
            raise ValueError("params is empty: give a Module or a list of Values to train")
        seen: set[Value] = set()
        for name, p in named:
            if type(p) is not Value:
                raise TypeError(f"params: {name} is {type(p).__name__}, not a Value")
            if p in seen:
                raise ValueError(f"params: {name} appears twice; it would be updated twice")
            seen.add(p)
        self.names = [name for name, _ in named]
        self.params = [p for _, p in named]
        self.lr = lr
        self.steps = 0  # steps taken so far; the schedule's argument
        self.current_lr()  # a bad lr fails here, not at the first step

    def current_lr(self) -> float:
        """The learning rate the next step will use."""
        lr = self.lr
        if callable(lr):
            return _positive(f"lr schedule (at step {self.steps})", lr(self.steps))
        return _positive("lr", lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``grad``."""
        raise NotImplementedError

    def _apply(self, new: list[float]) -> None:
        """Set the new values, or raise (changing nothing) if one is not finite."""
        if not all(map(math.isfinite, new)):
            i = next(i for i, v in enumerate(new) if not math.isfinite(v))
            p = self.params[i]
            raise OverflowError(
                f"{type(self).__name__}.step: {self.names[i]} would become {new[i]} (value "
                f"{p.data!r}, grad {p.grad!r}); training diverged: lower the learning rate")
        for p, v in zip(self.params, new, strict=True):
            p.data = v
        self.steps += 1


class SGD(Optimizer):
    """Stochastic gradient descent: p -= lr * (g + weight_decay * p), with optional momentum.

    Momentum as PyTorch: v = momentum * v + g; p -= lr * v.
    """

    def __init__(self, params: Module | Iterable[Value], lr: float | Schedule = 0.1, *,
                 momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction("momentum", momentum)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """One update from the current gradients."""
        lr, mu, wd = self.current_lr(), self.momentum, self.weight_decay
        grads = [p.grad + wd * p.data for p in self.params] if wd else [
            p.grad for p in self.params]
        if mu:
            velocity = [mu * v + g for v, g in zip(self.velocity, grads, strict=True)]
            grads = velocity
        self._apply([p.data - lr * g for p, g in zip(self.params, grads, strict=True)])
        if mu:
            self.velocity = velocity


class Adam(Optimizer):
    """Adam (Kingma and Ba): per-parameter steps from bias-corrected gradient moments.

    ``weight_decay`` adds ``weight_decay * p`` to the gradient, as PyTorch's Adam.
    """

    def __init__(self, params: Module | Iterable[Value], lr: float | Schedule = 0.001, *,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_fraction("betas[0]", betas[0]), _fraction("betas[1]", betas[1]))
        self.eps = _positive("eps", eps)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """One update from the current gradients."""
        lr, (b1, b2), eps, wd = self.current_lr(), self.betas, self.eps, self.weight_decay
        t = self.steps + 1
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t  # bias corrections: m and v start at 0
        m, v, new = [], [], []
        for p, mi, vi in zip(self.params, self.m, self.v, strict=True):
            g = p.grad + wd * p.data
            mi = b1 * mi + (1.0 - b1) * g
            vi = b2 * vi + (1.0 - b2) * g * g
            m.append(mi)
            v.append(vi)
            new.append(p.data - lr * (mi / c1) / (math.sqrt(vi / c2) + eps))
        if not all(map(math.isfinite, v)):  # g * g overflowed: v would stay inf, p never move
            i = next(i for i, vi in enumerate(v) if not math.isfinite(vi))
            p = self.params[i]
            raise OverflowError(
                f"Adam.step: the square of {self.names[i]}'s grad overflows a float (value "
                f"{p.data!r}, grad {p.grad!r}); training diverged: lower the learning rate or "
                "rescale the loss")
        self._apply(new)
        self.m, self.v = m, v
