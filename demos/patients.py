"""Sick or healthy from height, weight and body temperature: a confidence score per person.

The seeds' example: "the classifier would receive this data about the patient, process it,
and fire out a confidence score. A high score would mean a high confidence that the patient is
sick." An MLP(3, [4, 1]) gives a logit z; sigmoid(z) is that confidence. It is trained with
binary cross-entropy (on logits, so it is stable) and Adam, on standardised features.
"""

from __future__ import annotations

import argparse

import numpy as np

from nn import MLP, Adam, accuracy, fit
from nn.datasets import patients, standardize

__all__ = ["main"]

NEW_PEOPLE = [  # height cm, weight kg, temperature C
    (182.0, 78.0, 39.4),
    (165.0, 58.0, 36.7),
    (170.0, 95.0, 37.6),
]


def _best_fever_cut(temperature: np.ndarray, sick: np.ndarray) -> float:
    """The temperature threshold that classifies the most training people right."""
    cuts = np.sort(temperature)
    hits = [np.mean((temperature > c) == sick) for c in cuts]
    return float(cuts[int(np.argmax(hits))])


def _confidence(model: MLP, row: list[float]) -> float:
    return model(row).sigmoid().data  # type: ignore[union-attr]  # one output: a Value


def main(argv: list[str] | None = None) -> None:
    """Train, print train/test accuracy and a confidence score for several people."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few steps (smoke test)")
    args = parser.parse_args(argv)
    epochs = 1 if args.quick else 15
    X_train, y_train = patients(400, seed=0)
    X_test, y_test = patients(1000, seed=1)  # people the model never saw
    Z_train, stats = standardize(X_train)  # centimetres and degrees on one scale
    Z_test, _ = standardize(X_test, stats)
    model = MLP(3, [4, 1], activation="tanh", seed=0)
    history = fit(model, Z_train, y_train, loss="binary_cross_entropy",
                  optimizer=Adam(model, lr=0.05), epochs=epochs, batch_size=40, seed=0)
    print(f"{model}: {len(y_train)} people to learn from, {len(y_test)} new ones to test on")
    print(f"binary cross-entropy {history.loss[0]:.3f} -> {history.loss[-1]:.3f} in "
          f"{len(history.loss)} steps of 40 people ({history.seconds:.2f} s)")
    print(f"accuracy: training {accuracy(model, Z_train, y_train):.1%}, "
          f"test {accuracy(model, Z_test, y_test):.1%} (confidence > 50% means 'sick')")
    cut = _best_fever_cut(X_train[:, 2], y_train)
    rule = np.mean((X_test[:, 2] > cut) == y_test)
    print(f"  temperature alone (the best cut on the training set, > {cut:.2f} C): "
          f"test {rule:.1%}")

    print(f"\n{'height':>7}{'weight':>8}{'temp':>7}{'confidence sick':>17}{'truth':>9}")
    for row, z, label in zip(X_test[:8], Z_test[:8], y_test[:8], strict=True):
        conf = _confidence(model, z.tolist())
        mark = "" if (conf > 0.5) == bool(label) else "  <- wrong"
        print(f"{row[0]:>7.0f}{row[1]:>8.1f}{row[2]:>7.1f}{conf:>16.1%}"
              f"{'sick' if label else 'healthy':>10}{mark}")
    print("\nNew people:")
    Z_new, _ = standardize(NEW_PEOPLE, stats)
    for person, z in zip(NEW_PEOPLE, Z_new, strict=True):
        print(f"{person[0]:>7.0f}{person[1]:>8.1f}{person[2]:>7.1f}"
              f"{_confidence(model, z.tolist()):>16.1%}")


if __name__ == "__main__":
    main()
