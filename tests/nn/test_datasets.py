"""Datasets: shapes, labels, geometry, reproducibility, the worked examples, and bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from nn.datasets import (
    DIGIT_GLYPHS,
    LAYER_EXAMPLE,
    LOSS_EXAMPLE,
    NEURON_EXAMPLE,
    blobs,
    circles,
    digits,
    glyph_text,
    moons,
    patients,
    spirals,
    standardize,
    train_test_split,
    xor,
)

GENERATORS = {
    "moons": (lambda seed: moons(101, seed=seed), 2, 2),
    "circles": (lambda seed: circles(101, seed=seed), 2, 2),
    "spirals": (lambda seed: spirals(101, classes=4, seed=seed), 2, 4),
    "blobs": (lambda seed: blobs(101, centers=5, features=3, seed=seed), 3, 5),
    "xor": (lambda seed: xor(101, noise=0.1, seed=seed), 2, 2),
    "patients": (lambda seed: patients(101, seed=seed), 3, 2),
    "digits": (lambda seed: digits(11, seed=seed), 35, 10),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_dtypes_and_labels(name):
    make, features, classes = GENERATORS[name]
    X, y = make(0)
    n = 110 if name == "digits" else 101
    assert X.shape == (n, features) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(y.tolist()) == set(range(classes))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    make = GENERATORS[name][0]
    X1, y1 = make(3)
    X2, y2 = make(3)
    X3, _ = make(4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = moons(50, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0) and np.all(upper[:, 1] >= 0)
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)
    assert len(upper) == 25 and len(lower) == 25


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = circles(40, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_spirals_are_balanced_and_inside_the_unit_disc():
    X, y = spirals(301, classes=3)
    assert np.bincount(y).tolist() == [101, 100, 100]
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)  # noise turns the angle only


def test_blobs_cluster_around_their_centres_with_the_given_spread():
    X, y = blobs(3000, centers=3, spread=0.5, seed=1)
    for k in range(3):
        assert np.allclose(X[y == k].std(axis=0), 0.5, rtol=0.1)
    centres = np.array([X[y == k].mean(axis=0) for k in range(3)])
    assert np.min(np.linalg.norm(centres[:, None] - centres[None], axis=2) + 99 * np.eye(3)) > 1


def test_xor_of_four_is_the_truth_table():
    X, y = xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]


def test_patients_are_plausible_and_sick_people_run_a_fever():
    X, y = patients(2000, sick_fraction=0.3, seed=2)
    height, weight, temperature = X.T
    assert height.min() >= 145 and height.max() <= 200
    assert height.mean() == pytest.approx(170, abs=1) and height.std() == pytest.approx(10, rel=0.1)
    bmi = weight / (height / 100) ** 2
    assert bmi.min() >= 16 - 1e-9 and bmi.max() <= 40 + 1e-9
    assert temperature.min() >= 35.5 and temperature.max() <= 41.5
    assert y.mean() == pytest.approx(0.3, abs=0.03)
    assert temperature[y == 1].mean() - temperature[y == 0].mean() > 0.9
    assert bmi[y == 1].mean() - bmi[y == 0].mean() > 3.0
    # the classes overlap: the best fever threshold alone is right for most, not all
    best = max(np.mean((temperature > t) == y) for t in np.arange(36.5, 39.0, 0.05))
    assert 0.8 < best < 0.93


def test_digits_without_noise_are_the_glyphs():
    X, y = digits(2, flip=0.0, jitter=0.0)
    for pixels, label in zip(X, y, strict=True):
        assert glyph_text(pixels) == "\n".join(DIGIT_GLYPHS[label])
    assert len({"".join(g) for g in DIGIT_GLYPHS}) == 10
    assert all(len(g) == 7 and all(len(row) == 5 for row in g) for g in DIGIT_GLYPHS)


def test_digits_noise_flips_about_the_asked_fraction_of_pixels():
    X, y = digits(200, flip=0.1, jitter=0.0, seed=1)
    clean = np.array([[c == "#" for row in g for c in row] for g in DIGIT_GLYPHS], float)
    flipped = np.abs(X - clean[y]) > 0.5
    assert flipped.mean() == pytest.approx(0.1, abs=0.01)
    X, _ = digits(5, jitter=0.3)
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_train_test_split_is_a_seeded_partition():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(yte) == 5 and len(ytr) == 15
    assert sorted(ytr.tolist() + yte.tolist()) == list(range(20))
    assert np.array_equal(Xtr[:, 0], 2 * ytr) and np.array_equal(Xte[:, 0], 2 * yte)
    again = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert np.array_equal(again[3], yte)


def test_standardize_and_reuse_the_training_statistics():
    X, _ = patients(500)
    Z, stats = standardize(X)
    assert np.allclose(Z.mean(axis=0), 0.0) and np.allclose(Z.std(axis=0), 1.0)
    Z2, _ = standardize(X[:10], stats)
    assert np.allclose(Z2, Z[:10])
    constant, _ = standardize(np.ones((4, 2)))
    assert np.array_equal(constant, np.zeros((4, 2)))


def test_worked_examples_agree_with_numpy():
    ex = NEURON_EXAMPLE
    assert float(np.dot(ex.weights, ex.inputs) + ex.bias) == pytest.approx(ex.output)
    ex2 = LAYER_EXAMPLE
    assert (np.dot(ex2.weights, ex2.inputs) + ex2.biases).tolist() == pytest.approx(ex2.outputs)
    errors = np.subtract(LOSS_EXAMPLE.actual, LOSS_EXAMPLE.output)
    assert float(np.mean(errors**2)) == 7.5


@pytest.mark.parametrize("call, error, message", [
    (lambda: moons(1), ValueError, "n must be an integer >= 2, got 1"),
    (lambda: moons(10.5), ValueError, "n must be an integer"),
    (lambda: moons(10, noise=-1), ValueError, "noise must be >= 0, got -1"),
    (lambda: moons(10, noise=np.inf), ValueError, "noise must be a finite number, got inf"),
    (lambda: blobs(10, spread=np.inf), ValueError, "spread must be a finite number, got inf"),
    (lambda: blobs(10, box=np.nan), ValueError, "box must be a positive finite number, got nan"),
    (lambda: blobs(10, box=-1.0), ValueError, "box must be a positive finite number, got -1.0"),
    (lambda: moons(10, seed=1.5), TypeError, "seed must be an integer, got float"),
    (lambda: moons(10, seed=-1), ValueError, "seed must be an integer >= 0, got -1"),
    (lambda: circles(10, factor=1.5), ValueError, "factor"),
    (lambda: circles(10, factor="a"), ValueError, "factor must be a finite number, got 'a'"),
    (lambda: patients(10, sick_fraction="a"), ValueError, "sick_fraction must be a finite number"),
    (lambda: digits(3, flip=None), ValueError, "flip must be a finite number, got None"),
    (lambda: train_test_split(np.zeros((4, 2)), [0, 1, 0, 1], test_fraction="a"), ValueError,
     "test_fraction must be a finite number"),
    (lambda: spirals(2, classes=3), ValueError, "n must be at least classes"),
    (lambda: spirals(10, classes=1), ValueError, "classes must be an integer >= 2"),
    (lambda: patients(10, sick_fraction=1.0), ValueError, "sick_fraction"),
    (lambda: digits(0), ValueError, "n_per_class must be a positive integer"),
    (lambda: digits(3, flip=0.7), ValueError, r"flip must be in \[0, 0.5\)"),
    (lambda: glyph_text([1.0] * 34), ValueError, "needs 35 pixels"),
    (lambda: train_test_split(np.zeros((3, 2)), [0, 1]), ValueError, "3 rows of X but 2 labels"),
    (lambda: train_test_split(np.zeros((2, 2)), [0, 1], test_fraction=0.1), ValueError,
     "too few to split"),
])
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
