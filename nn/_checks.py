"""Argument checks shared by nn's modules, datasets, losses, optimizers and training.

Each returns the value in its plain Python type or raises a clear error naming the argument.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def count(name: str, value: Any, minimum: int = 1) -> int:
    """An integer >= ``minimum`` (numpy integers too; not bools)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    return int(value)


def number(name: str, value: Any) -> float:
    """A finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(
            value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def positive(name: str, value: Any) -> float:
    """A finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and float(value) > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def non_negative(name: str, value: Any) -> float:
    """A finite number >= 0."""
    result = number(name, value)
    if result < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return result


def fraction(name: str, value: Any) -> float:
    """A finite number in [0, 1)."""
    result = number(name, value)
    if not 0.0 <= result < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return result


def seed(value: Any) -> int:
    """An integer seed (any sign: Python's ``random.Random`` takes them all)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def numpy_rng(value: Any) -> np.random.Generator:
    """numpy's generator seeded by ``value`` (an integer >= 0, as numpy requires)."""
    if seed(value) < 0:
        raise ValueError(f"seed must be an integer >= 0, got {value!r}")
    return np.random.default_rng(int(value))


def check_state(names: Sequence[str], state: Any, where: str) -> list[float]:
    """``state``'s values in the order of ``names`` as floats, or a ValueError naming the first
    problem (prefixed by ``where``): names must match exactly, every value be a finite real."""
    if not isinstance(state, Mapping):
        raise ValueError(f"{where}: parameters must map names to numbers, got "
                         f"{type(state).__name__}")
    missing = [name for name in names if name not in state]
    expected = set(names)
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        first = (f"missing parameter {missing[0]!r}" if missing
                 else f"unexpected parameter {unexpected[0]!r}")
        counts = (f" ({len(state)} parameters given, the model has {len(names)})"
                  if len(state) != len(names) else "")
        raise ValueError(f"{where}: {first}{counts}; names must match the model's "
                         "named_parameters()")
    return [_finite(where, name, state[name]) for name in names]


def _finite(where: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}: parameter {name!r} is {type(value).__name__} "
                         f"{value!r:.40}, not a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond 1.8e308
        raise ValueError(f"{where}: parameter {name!r} is an integer too large for a float; "
                         "parameters must be finite numbers") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: parameter {name!r} is {number}; parameters must be "
                         "finite numbers")
    return number
