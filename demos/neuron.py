"""The classic neuron o = tanh(x1*w1 + x2*w2 + b): forward values and every gradient."""

from __future__ import annotations

import argparse

from autograd import Value


def neuron() -> dict[str, Value]:
    """Build the neuron of micrograd's lecture; b is chosen so that o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def main(argv: list[str] | None = None) -> None:
    """Print o and d o / d v for every input of the neuron."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for the smoke test")
    parser.parse_args(argv)
    nodes = neuron()
    o = nodes["o"]
    o.backward()
    print(f"o = tanh(x1*w1 + x2*w2 + b) = {o.data:.4f}")
    for name in ("x1", "w1", "x2", "w2", "b", "n"):
        print(f"  do/d{name:<2} = {nodes[name].grad: .4f}")


if __name__ == "__main__":
    main()
