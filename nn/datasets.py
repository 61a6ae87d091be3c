"""Small seeded datasets made with numpy (no downloads), and the seed documents' worked examples.

Every generator returns ``(X, y)``: ``X`` a float array of shape (n, features), ``y`` an int
array of class labels 0..k-1 (for hinge loss, which wants -1/+1, use ``2 * y - 1``). The same
arguments and ``seed`` always give the same arrays.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from nn._checks import count as _count
from nn._checks import non_negative as _non_negative
from nn._checks import number as _number
from nn._checks import numpy_rng as _rng
from nn._checks import positive as _positive

__all__ = ["DIGIT_GLYPHS", "LAYER_EXAMPLE", "LOSS_EXAMPLE", "NEURON_EXAMPLE", "PATIENT_FEATURES",
           "LayerExample", "LossExample", "NeuronExample", "blobs", "circles", "digits",
           "glyph_text", "moons", "patients", "spirals", "standardize", "train_test_split",
           "xor"]

Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]


class NeuronExample(NamedTuple):
    """One neuron with made-up numbers: output = inputs . weights + bias."""

    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    output: float


class LayerExample(NamedTuple):
    """A layer of neurons sharing the inputs: outputs[j] = inputs . weights[j] + biases[j]."""

    inputs: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]
    biases: tuple[float, ...]
    outputs: tuple[float, ...]


class LossExample(NamedTuple):
    """Ground truth against a network's outputs, for a loss function."""

    actual: tuple[float, ...]
    output: tuple[float, ...]


NEURON_EXAMPLE = NeuronExample((1.0, 2.0, 3.0), (0.2, 0.8, -0.5), 2.0, 2.3)
"""The seeds' single neuron (Neural Networks from Scratch): 1*0.2 + 2*0.8 + 3*(-0.5) + 2 = 2.3."""

LAYER_EXAMPLE = LayerExample(
    (1.0, 2.0, 3.0, 2.5),
    ((0.2, 0.8, -0.5, 1.0), (0.5, -0.91, 0.26, -0.5), (-0.26, -0.27, 0.17, 0.87)),
    (2.0, 3.0, 0.5),
    (4.8, 1.21, 2.385),
)
"""The seeds' layer of three neurons with four inputs: [4.8, 1.21, 2.385]."""

LOSS_EXAMPLE = LossExample((50.0, 101.0, 42.0, 95.0), (50.0, 100.0, 40.0, 90.0))
"""The seeds' loss example: actual values against the network's outputs (MSE 7.5)."""


def _shuffled(rng: np.random.Generator, X: Array, y: Labels) -> tuple[Array, Labels]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def _unit_circle(t: Array) -> Array:
    return np.stack([np.cos(t), np.sin(t)], 1)


def _two_classes(rng: np.random.Generator, noise: float, first: Array,
                 second: Array) -> tuple[Array, Labels]:
    """``first`` labelled 0 and ``second`` labelled 1, Gaussian noise added, shuffled."""
    X = np.concatenate([first, second])
    y = np.concatenate([np.zeros(len(first), np.int64), np.ones(len(second), np.int64)])
    return _shuffled(rng, X + rng.normal(scale=noise, size=X.shape), y)


def moons(n: int = 100, *, noise: float = 0.1, seed: int = 0) -> tuple[Array, Labels]:
    """Two interleaving half circles (as scikit-learn's make_moons): labels 0 (upper), 1."""
    n, noise, rng = _count("n", n, 2), _non_negative("noise", noise), _rng(seed)
    upper = _unit_circle(np.linspace(0, np.pi, n - n // 2))
    lower = np.array([1.0, 0.5]) - _unit_circle(np.linspace(0, np.pi, n // 2))
    return _two_classes(rng, noise, upper, lower)


def circles(n: int = 100, *, noise: float = 0.05, factor: float = 0.5,
            seed: int = 0) -> tuple[Array, Labels]:
    """A circle inside another: label 0 on the outer one (radius 1), 1 on the inner."""
    n, noise, rng = _count("n", n, 2), _non_negative("noise", noise), _rng(seed)
    if not 0 < _number("factor", factor) < 1:
        raise ValueError(f"factor (inner radius) must be between 0 and 1, got {factor!r}")
    outer = _unit_circle(np.linspace(0, 2 * np.pi, n - n // 2, endpoint=False))
    inner = _unit_circle(np.linspace(0, 2 * np.pi, n // 2, endpoint=False))
    return _two_classes(rng, noise, outer, factor * inner)


def spirals(n: int = 300, *, classes: int = 3, noise: float = 0.2,
            seed: int = 0) -> tuple[Array, Labels]:
    """``classes`` arms of a spiral (CS231n's classic), n points split between them."""
    n, k, rng = _count("n", n), _count("classes", classes, 2), _rng(seed)
    noise = _non_negative("noise", noise)
    if n < k:
        raise ValueError(f"n must be at least classes ({k}), got {n}")
    parts, labels = [], []
    for j, size in enumerate(np.full(k, n // k) + (np.arange(k) < n % k)):
        r = np.linspace(0.0, 1.0, size)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, size) + rng.normal(scale=noise, size=size)
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        labels.append(np.full(size, j, np.int64))
    return _shuffled(rng, np.concatenate(parts), np.concatenate(labels))


def blobs(n: int = 100, *, centers: int = 3, features: int = 2, spread: float = 1.0,
          box: float = 8.0, seed: int = 0) -> tuple[Array, Labels]:
    """Gaussian blobs: ``centers`` centres uniform in [-box, box]^features, std ``spread``."""
    n, k, d = _count("n", n), _count("centers", centers), _count("features", features)
    rng, spread, box = _rng(seed), _non_negative("spread", spread), _positive("box", box)
    middles = rng.uniform(-box, box, size=(k, d))
    y = np.arange(n, dtype=np.int64) % k
    X = middles[y] + rng.normal(scale=spread, size=(n, d))
    return _shuffled(rng, X, y)


def xor(n: int = 4, *, noise: float = 0.0, seed: int = 0) -> tuple[Array, Labels]:
    """The XOR truth table: corners of the unit square, label x1 xor x2 (n=4: the table itself).

    Points cycle through (0,0), (0,1), (1,0), (1,1), each with Gaussian ``noise`` added.
    """
    n, noise, rng = _count("n", n), _non_negative("noise", noise), _rng(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = corners[np.arange(n) % 4] + rng.normal(scale=noise, size=(n, 2))
    y = np.array([0, 1, 1, 0], np.int64)[np.arange(n) % 4]
    return X, y


PATIENT_FEATURES: tuple[str, ...] = ("height_cm", "weight_kg", "temperature_c")
"""The columns of ``patients()``."""


def patients(n: int = 200, *, sick_fraction: float = 0.4, seed: int = 0) -> tuple[Array, Labels]:
    """People with height (cm), weight (kg) and body temperature (C); label 1 sick, 0 healthy.

    The seeds' example: a classifier sees height, weight and temperature and gives a
    confidence that the person is sick. Sick people tend to run a fever (mean 38.0 C against
    36.9 C, the spreads overlap) and to weigh more for their height (body-mass index 4 higher
    on average), so temperature alone misses some, the combination does better, and no rule
    is right for everyone.
    """
    n, rng = _count("n", n), _rng(seed)
    if not 0 < _number("sick_fraction", sick_fraction) < 1:
        raise ValueError(f"sick_fraction must be between 0 and 1, got {sick_fraction!r}")
    sick = (rng.random(n) < sick_fraction).astype(np.int64)
    # clipped to what a clinic sees, so no draw from a Gaussian tail is absurd
    height = np.clip(rng.normal(170.0, 10.0, n), 145.0, 200.0)
    bmi = np.clip(rng.normal(23.0, 3.0, n) + 4.0 * sick, 16.0, 40.0)
    weight = bmi * (height / 100.0) ** 2
    fever = np.where(sick == 1, rng.normal(38.0, 0.7, n), rng.normal(36.9, 0.4, n))
    temperature = np.clip(fever, 35.5, 41.5)
    return np.stack([height, weight, temperature], 1), sick


# 5 columns x 7 rows, '#' ink and '.' paper, one glyph per digit
DIGIT_GLYPHS: tuple[tuple[str, ...], ...] = (
    (".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."),  # 0
    ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),  # 1
    (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),  # 2
    ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),  # 3
    ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),  # 4
    ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),  # 5
    ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),  # 6
    ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),  # 7
    (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),  # 8
    (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),  # 9
)
"""The ten digits as 5x7 bitmaps (a classic dot-matrix font)."""


def digits(n_per_class: int = 50, *, flip: float = 0.15, jitter: float = 0.2,
           seed: int = 0) -> tuple[Array, Labels]:
    """Handwriting-like digits: the 5x7 glyphs with pixels flipped and intensities jittered.

    Each sample is 35 pixel intensities (row by row) in [0, 1]; each pixel flips with
    probability ``flip``, then Gaussian noise of std ``jitter`` is added and clipped.
    """
    n, rng = _count("n_per_class", n_per_class), _rng(seed)
    if not 0 <= _number("flip", flip) < 0.5:
        raise ValueError(f"flip must be in [0, 0.5), got {flip!r}")
    jitter = _non_negative("jitter", jitter)
    clean = np.array([[c == "#" for row in g for c in row] for g in DIGIT_GLYPHS], np.float64)
    y = np.repeat(np.arange(10, dtype=np.int64), n)
    X = clean[y]
    flips = rng.random(X.shape) < flip
    X = np.where(flips, 1.0 - X, X) + rng.normal(scale=jitter, size=X.shape)
    return _shuffled(rng, np.clip(X, 0.0, 1.0), y)


def glyph_text(pixels: Any, *, ink: str = "#", paper: str = ".") -> str:
    """35 pixel intensities as 7 lines of 5 characters (ink where the intensity is >= 0.5)."""
    values = np.asarray(pixels, dtype=np.float64).reshape(-1)
    if values.size != 35:
        raise ValueError(f"glyph_text: needs 35 pixels (5x7), got {values.size}")
    return "\n".join("".join(ink if v >= 0.5 else paper for v in row)
                     for row in values.reshape(7, 5))


def train_test_split(X: Any, y: Any, *, test_fraction: float = 0.25,
                     seed: int = 0) -> tuple[Array, Array, Labels, Labels]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} rows of X but {len(y)} labels")
    if not 0 < _number("test_fraction", test_fraction) < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    n_test = int(round(len(y) * test_fraction))
    if not 0 < n_test < len(y):
        raise ValueError(f"train_test_split: {len(y)} samples are too few to split")
    order = _rng(seed).permutation(len(y))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X: Any, stats: tuple[Array, Array] | None = None
                ) -> tuple[Array, tuple[Array, Array]]:
    """Scale each column to mean 0 and std 1; returns the scaled array and (mean, std).

    Pass the training set's ``stats`` to scale test data the same way.
    """
    X = np.asarray(X, dtype=np.float64)
    if stats is None:
        mean, std = X.mean(axis=0), X.std(axis=0)
        std = np.where(std > 0, std, 1.0)  # a constant column stays 0 instead of nan
    else:
        mean, std = stats
    return (X - mean) / std, (mean, std)
