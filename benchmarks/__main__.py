"""`python -m benchmarks [--quick] [--repeat N] [--profile]`: what `make bench` runs.

The method is described in the package's docstring (``benchmarks/__init__.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from benchmarks.moons import GateError
from benchmarks.suite import NORMAL, QUICK, MicrogradMissing, run

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the suite; 0 when it ran (targets met or not), 1 when a correctness gate failed."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time stepgrad against micrograd and a numpy reference, side by side.")
    parser.add_argument("--quick", action="store_true",
                        help="small workloads and one sample: a smoke run, not a measurement")
    parser.add_argument("--repeat", type=int, metavar="N",
                        help=f"timed samples per cell (default {NORMAL.repeat}, "
                             f"{QUICK.repeat} with --quick); cells are medians")
    parser.add_argument("--profile", action="store_true",
                        help="instead of timing, show where one step of workloads 1 and 2 "
                             "spends its time (cProfile, and the garbage collector's share)")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else NORMAL
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error(f"--repeat must be at least 1, got {args.repeat}")
        config = dataclasses.replace(config, repeat=args.repeat)
    try:
        run(config, out=lambda text: print(text, flush=True), profile=args.profile)
    except MicrogradMissing as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except GateError as err:
        print(f"error: correctness gate failed, nothing was timed: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
