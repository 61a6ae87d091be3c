"""Property-test the gradients of your own functions: a report table, hypothesis over many
points and random programs, and a buggy custom op caught and shrunk to one line."""

from __future__ import annotations

import argparse
import math

from hypothesis import find, given, settings
from hypothesis import strategies as st

from autograd import Op, Value, apply_op, assert_gradcheck, gradcheck
from autograd.strategies import Domain, Primitive, programs

DATA = [(-1.5, 0.0), (0.3, 1.0), (2.0, 1.0), (-0.2, 0.0)]  # (feature, label)


def softplus(x: Value) -> Value:
    """log(1 + e^x), written with Values (fine while e^x fits a float)."""
    return (1.0 + x.exp()).log()


def loss(w: Value, b: Value) -> Value:
    """Mean binary cross-entropy of a one-feature logistic model, from logits."""
    total = Value(0.0)
    for x, y in DATA:
        z = w * x + b
        total = total + softplus(z) - y * z  # -log sigmoid(z) if y else -log(1 - sigmoid(z))
    return total / len(DATA)


# A "fast" softplus as its own op row, with a classic slip: d/dx softplus(x) is sigmoid(x),
# but this row says sigmoid(-x).
FAST_SOFTPLUS = Op("fast_softplus", "softplus", 1, lambda x: math.log1p(math.exp(x)),
                   lambda out, x: (1.0 / (1.0 + math.exp(x)),), ("sigmoid(x)",))


def fast_softplus(x: Value) -> Value:
    """softplus through the buggy row."""
    return apply_op(FAST_SOFTPLUS, x)


def main(argv: list[str] | None = None) -> None:
    """Check a loss, property-test softplus, then catch the buggy fast_softplus."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer hypothesis examples")
    args = parser.parse_args(argv)
    examples = 20 if args.quick else 200
    quiet = settings(max_examples=examples, deadline=None, database=None, derandomize=True)

    print("1. The loss of a tiny logistic model, first and second derivatives:\n")
    print(gradcheck(loss, [0.5, -0.3], order=2))

    print(f"\n2. Property tests, {examples} examples each:")

    @quiet
    @given(st.floats(-30.0, 30.0))
    def softplus_everywhere(z: float) -> None:
        assert_gradcheck(softplus, [z], order=2)

    softplus_everywhere()
    print(f"   softplus at {examples} points in [-30, 30]: every derivative agrees")

    mine = Primitive("softplus", softplus, "softplus({0})", domain=Domain((-30.0, 30.0)))

    @quiet
    @given(programs(extra=[mine], ops=["softplus", "add", "mul", "tanh", "log"]))
    def softplus_in_programs(case: tuple[object, list[float]]) -> None:
        assert_gradcheck(*case)  # type: ignore[arg-type]

    softplus_in_programs()
    print(f"   {examples} random programs mixing softplus with + * tanh log: all agree")

    print("\n3. A buggy custom op, found by random programs and shrunk to one line:\n")
    buggy = Primitive("fast_softplus", fast_softplus, "fast_softplus({0})",
                      domain=Domain((-30.0, 30.0)))
    program, inputs = find(programs(extra=[buggy], ops=["fast_softplus", "add", "mul", "tanh"]),
                           lambda case: not gradcheck(*case),
                           settings=settings(quiet, max_examples=max(examples, 100)))
    print(f"   shrunk: {program!r}  at {inputs}\n")
    print(gradcheck(program, inputs))


if __name__ == "__main__":
    main()
