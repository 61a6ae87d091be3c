"""Backprop by hand, as in micrograd's lecture, with check_by_hand catching each classic mistake.

The lecture's neuron o = tanh(x1*w1 + x2*w2 + b) is done by hand: every ``.grad`` set from the
chain rule, once right and then with one deliberate mistake of each kind; `check_by_hand`
names each one. A node used twice (the lecture's ``b = a + a`` bug) needs a second graph.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from autograd import Value, check_by_hand, walk
from demos.stepper import neuron as lecture_neuron


def neuron() -> dict[str, Value]:
    """The lecture's neuron (demos.stepper's), every node by its lecture name."""
    o = lecture_neuron()
    nodes = {node.label: node for node in walk(o)}
    keys = {"x1*w1": "x1w1", "x2*w2": "x2w2", "x1*w1 + x2*w2": "x1w1x2w2"}
    return {keys.get(label, label): node for label, node in nodes.items()}


def by_hand(v: dict[str, Value]) -> None:
    """The lecture's backward pass, by hand: each gradient from the one above it."""
    v["o"].grad = 1.0
    v["n"].grad = (1 - v["o"].data ** 2) * v["o"].grad  # do/dn = 1 - tanh(n)**2 = 1 - o**2
    v["x1w1x2w2"].grad = v["n"].grad  # + passes the gradient through
    v["b"].grad = v["n"].grad
    v["x1w1"].grad = v["x1w1x2w2"].grad
    v["x2w2"].grad = v["x1w1x2w2"].grad
    v["x1"].grad = v["w1"].data * v["x1w1"].grad  # d(x1*w1)/dx1 = w1
    v["w1"].grad = v["x1"].data * v["x1w1"].grad
    v["x2"].grad = v["w2"].data * v["x2w2"].grad
    v["w2"].grad = v["x2"].data * v["x2w2"].grad


def _dropped(v: dict[str, Value]) -> None:
    v["x1"].grad = v["w1"].data  # the local derivative alone


def _sign(v: dict[str, Value]) -> None:
    v["w1"].grad = -v["x1"].data * v["x1w1"].grad


def _swapped(v: dict[str, Value]) -> None:
    v["x1"].grad = v["x1"].data * v["x1w1"].grad  # x1 where w1 belongs


def _wrong_point(v: dict[str, Value]) -> None:
    v["n"].grad = 1 - v["n"].data ** 2  # 1 - n**2, not 1 - tanh(n)**2


def _carried(v: dict[str, Value]) -> None:
    _wrong_point(v)  # the first mistake; everything below is then done right from it
    for name in ("x1w1x2w2", "b"):
        v[name].grad = v["n"].grad
    for name in ("x1w1", "x2w2"):
        v[name].grad = v["x1w1x2w2"].grad
    v["x1"].grad = v["w1"].data * v["x1w1"].grad
    v["w1"].grad = v["x1"].data * v["x1w1"].grad
    v["x2"].grad = v["w2"].data * v["x2w2"].grad


MISTAKES: tuple[tuple[str, str, Callable[[dict[str, Value]], None]], ...] = (
    ("dropped the upstream gradient", "x1.grad = w1.data", _dropped),
    ("sign flipped", "w1.grad = -x1.data * x1w1.grad", _sign),
    ("swapped operands", "x1.grad = x1.data * x1w1.grad", _swapped),
    ("local derivative at the wrong point", "n.grad = 1 - n.data**2", _wrong_point),
    ("carried forward", "n.grad = 1 - n.data**2, then every step below done right from it",
     _carried),
)
"""Each deliberate mistake: its name, the line written by hand, and the code that makes it."""


def used_twice() -> tuple[Value, Value]:
    """The lecture's reuse bug: b = a + a, whose gradient must add both uses."""
    a = Value(3.0, "a")
    b = a + a
    b.label = "b"
    b.grad = 1.0
    a.grad = 1.0 * b.grad  # one use only: the second `+=` forgotten
    return a, b


def main(argv: list[str] | None = None) -> None:
    """Do the neuron by hand, right and then with each mistake, and print every report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for the smoke test")
    parser.parse_args(argv)
    v = neuron()
    by_hand(v)
    print("The lecture's neuron, done by hand:\n")
    print(check_by_hand(v["o"]))
    for name, line, mistake in MISTAKES:
        v = neuron()
        by_hand(v)
        mistake(v)
        print(f"\n--- {name}: {line}\n")
        print(check_by_hand(v["o"]))
    a, b = used_twice()
    print("\n--- forgot to add the uses of a node used twice: b = a + a; a.grad = b.grad\n")
    print(check_by_hand(b))


if __name__ == "__main__":
    main()
