"""Handwriting recognition, small: 5x7 pixel digits with noise, read by an MLP.

The seeds show a network reading handwritten digits. Here each digit is a 5x7 glyph with 15%
of its pixels flipped and the ink's intensity jittered; the 35 pixels go into
MLP(35, [16, 10]), one output per digit, trained with softmax cross-entropy and Adam on 500
examples, then tested on 500 new ones.
"""

from __future__ import annotations

import argparse

import numpy as np

from nn import MLP, Adam, accuracy, fit, softmax
from nn.datasets import DIGIT_GLYPHS, digits, glyph_text

__all__ = ["main"]


def _template_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """A rule that already knows the ten clean glyphs: the nearest one wins."""
    clean = np.array([[c == "#" for row in g for c in row] for g in DIGIT_GLYPHS], float)
    nearest = np.argmin(((X[:, None, :] - clean[None]) ** 2).sum(axis=2), axis=1)
    return float(np.mean(nearest == y))


def _show(model: MLP, X: np.ndarray, y: np.ndarray) -> None:
    """Some test digits as text, each with the model's guess and its probability."""
    pictures = [glyph_text(x).splitlines() for x in X]
    for row in range(7):
        print("   ".join(f"  {p[row]}  " for p in pictures))
    guesses = []
    for x in X:
        probs = [p.data for p in softmax(model(x.tolist()))]  # type: ignore[arg-type]
        guesses.append((int(np.argmax(probs)), max(probs)))
    print("   ".join(f"{g} {p:>4.0%}".center(9) for g, p in guesses) + "   guess, probability")
    print("   ".join(f"{int(t)}".center(9) for t in y) + "   truth")


def main(argv: list[str] | None = None) -> None:
    """Train, print accuracies and time, and show a few test digits with the guesses."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one epoch (smoke test)")
    args = parser.parse_args(argv)
    epochs = 1 if args.quick else 10
    X_train, y_train = digits(50, seed=0)
    X_test, y_test = digits(50, seed=1)  # new noise: digits the model never saw
    model = MLP(35, [16, 10], seed=0, init="scaled")
    history = fit(model, X_train, y_train, loss="softmax_cross_entropy",
                  optimizer=Adam(model, lr=0.01), epochs=epochs, batch_size=32, seed=0)
    print(f"{model}: {len(y_train)} training digits, {len(y_test)} test digits")
    print(f"softmax cross-entropy {history.loss[0]:.3f} -> {history.loss[-1]:.3f} in "
          f"{len(history.loss)} steps of 32 digits ({history.seconds:.2f} s)")
    test = accuracy(model, X_test, y_test)
    print(f"accuracy: training {accuracy(model, X_train, y_train):.1%}, test {test:.1%}")
    print(f"  (nearest clean glyph, a rule that is told the ten glyphs: test "
          f"{_template_accuracy(X_test, y_test):.1%})")
    print()
    _show(model, X_test[:8], y_test[:8])


if __name__ == "__main__":
    main()
