"""Test your own engine: check_engine on a right engine, one per classic bug, and micrograd.

Each engine is a short file under demos/engines/ (read them as a learner's own). The report
names what is wrong, shrinks it to one line of Python and guesses the cause. Try it on yours:
``stepgrad --test-engine mygrad:Value``.
"""

from __future__ import annotations

import argparse
import importlib

from autograd import check_engine

ENGINES = (
    ("correct", "a right engine"),
    ("overwrite", "mul's _backward overwrites (= instead of +=)"),
    ("wrong_derivative", "tanh's derivative written as 1 - t"),
    ("no_topo", "backward() without a topological order"),
    ("recursion", "a recursive graph walk"),
)


def main(argv: list[str] | None = None) -> None:
    """Check each engine under demos/engines/, then micrograd 0.1.0, and print the reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer random programs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    examples = 20 if args.quick else 100
    classes = [(f"demos.engines.{name}", what) for name, what in ENGINES]
    classes.append(("micrograd.engine", "micrograd 0.1.0 itself (pip install micrograd)"))
    for module_name, what in classes:
        try:
            cls = importlib.import_module(module_name).Value
        except ImportError:
            print(f"\n--- {module_name}: not installed, skipped ({what})")
            continue
        print(f"\n--- {module_name}: {what}")
        print(check_engine(cls, max_examples=examples, seed=args.seed))


if __name__ == "__main__":
    main()
