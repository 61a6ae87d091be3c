"""Argument checks shared by nn's modules, datasets, losses, optimizers and training.

Each returns the value in its plain Python type or raises a clear error naming the argument.
"""

from __future__ import annotations

import math
import numbers
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
