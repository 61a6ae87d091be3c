"""Pictures: the classic neuron's computation graph and an MLP(2, [16, 16, 1]) network diagram.

Writes out/neuron.svg (draw_dot, after backward, the path from w1 to o highlighted) and
out/mlp.svg (draw_mlp), and prints the terminal stepper's account of the neuron's backward pass.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd._files import write_atomic
from demos.neuron import neuron
from nn import MLP
from viz import draw_dot, draw_mlp, find_path, print_trace

OUT = Path("out")
OUTPUTS = ("out/neuron.svg", "out/mlp.svg")


def main(argv: list[str] | None = None) -> None:
    """Write both pictures and print the neuron's steps."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for the smoke test")
    parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)

    nodes = neuron()
    o = nodes["o"]
    print_trace(o)  # before backward: the trace is taken from a clean graph
    o.backward()
    params = [nodes["w1"], nodes["w2"], nodes["b"]]
    graph = draw_dot(o, params=params, highlight=find_path(o, nodes["w1"]))
    write_atomic(OUT / "neuron.svg", graph.pipe(format="svg"))
    print(f"\nwrote {OUT / 'neuron.svg'} (do/dw1 = {nodes['w1'].grad:.4f}, path w1 -> o marked)")

    model = MLP(2, [16, 16, 1], seed=0)
    write_atomic(OUT / "mlp.svg", draw_mlp(model).pipe(format="svg"))
    print(f"wrote {OUT / 'mlp.svg'} ({model!r})")


if __name__ == "__main__":
    main()
