"""The seed documents' worked numbers, with `Value` and with `np.dot` side by side.

A single neuron (2.3), a layer of three neurons ([4.8, 1.21, 2.385]), and the loss example
(actual [50, 101, 42, 95] against output [50, 100, 40, 90]): its mean squared error and the
gradient of that error with respect to each output, which backpropagation starts from.
"""

from __future__ import annotations

import argparse

import numpy as np

from autograd import Value
from nn import Layer, Neuron, mse
from nn.datasets import LAYER_EXAMPLE, LOSS_EXAMPLE, NEURON_EXAMPLE

__all__ = ["main"]


def _numbers(xs: tuple[float, ...] | list[float]) -> str:
    return "[" + ", ".join(f"{x:g}" for x in xs) + "]"


def single_neuron() -> None:
    """output = inputs . weights + bias, by hand with Values, with a Neuron, and with np.dot."""
    ex = NEURON_EXAMPLE
    print("A single neuron")
    print(f"  inputs {_numbers(ex.inputs)}, weights {_numbers(ex.weights)}, bias {ex.bias:g}")
    xs = [Value(x, f"x{i + 1}") for i, x in enumerate(ex.inputs)]
    ws = [Value(w, f"w{i + 1}") for i, w in enumerate(ex.weights)]
    by_hand = xs[0] * ws[0] + xs[1] * ws[1] + xs[2] * ws[2] + ex.bias
    neuron = Neuron.from_weights(ex.weights, ex.bias)  # linear: no activation, as the seed
    with_numpy = np.dot(ex.weights, ex.inputs) + ex.bias
    print(f"  x1*w1 + x2*w2 + x3*w3 + b with Value   = {by_hand.data:.6g}")
    print(f"  Neuron.from_weights(...)(inputs)       = {neuron(ex.inputs).data:.6g}")
    print(f"  np.dot(weights, inputs) + bias         = {with_numpy:.6g}")
    by_hand.backward()
    print(f"  d output / d weights = {_numbers([w.grad for w in ws])}  (the inputs: each "
          "weight matters as much as its input)")


def layer_of_neurons() -> None:
    """Three neurons sharing four inputs: a Layer of Values next to np.dot(weights, inputs)."""
    ex = LAYER_EXAMPLE
    print("\nA layer of three neurons")
    print(f"  inputs {_numbers(ex.inputs)}, biases {_numbers(ex.biases)}")
    layer = Layer.from_weights(ex.weights, ex.biases)
    ours = [v.data for v in layer(ex.inputs)]
    theirs = np.dot(ex.weights, ex.inputs) + ex.biases
    print(f"  {'neuron':<8}{'weights':<28}{'Layer (Value)':>14}{'np.dot':>10}")
    for j, (w, a, b) in enumerate(zip(ex.weights, ours, theirs, strict=True)):
        print(f"  {j + 1:<8}{_numbers(w):<28}{a:>14.6g}{b:>10.6g}")
    print(f"  outputs: {_numbers([round(a, 12) for a in ours])}")


def loss_example() -> None:
    """The seeds' loss: MSE of the outputs against the ground truth, and its gradients."""
    ex = LOSS_EXAMPLE
    print("\nThe loss: ground truth against the network's outputs")
    outputs = [Value(o, f"out{i + 1}") for i, o in enumerate(ex.output)]
    loss = mse(outputs, ex.actual)
    loss.backward()
    print(f"  {'actual':>8}{'output':>8}{'error':>8}{'error^2':>9}{'dL/doutput':>12}")
    for a, o in zip(ex.actual, outputs, strict=True):
        err = o.data - a
        print(f"  {a:>8g}{o.data:>8g}{err:>8g}{err * err:>9g}{o.grad:>12g}")
    print(f"  MSE = mean(error^2) = {loss.data:g};  dL/doutput_i = 2 * error_i / n")
    print("  A gradient step raises the outputs that are too low, the furthest most:")
    rate = 0.5
    stepped = [o.data - rate * o.grad for o in outputs]
    after = float(np.mean((np.array(stepped) - np.array(ex.actual)) ** 2))
    print(f"  outputs - {rate} * gradient = {_numbers(stepped)}, MSE {loss.data:g} -> "
          f"{after:g}")


def main(argv: list[str] | None = None) -> None:
    """Print the three worked examples."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for the smoke test")
    parser.parse_args(argv)
    single_neuron()
    layer_of_neurons()
    loss_example()


if __name__ == "__main__":
    main()
