"""Run the demos: `python -m demos` runs every one in order (what `make demo` does),
`python -m demos moons stepper` runs the ones named, `--quick` makes each a smoke run,
and `--help` lists them."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from demos import DEMOS


def summary(name: str) -> str:
    """The first line of a demo module's docstring: what it shows."""
    doc = importlib.import_module(f"demos.{name}").__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def parse(argv: list[str]) -> argparse.Namespace:
    """Read the demo names and options; `--help` lists every demo with its summary."""
    listing = "\n".join(f"  {name:<18}{summary(name)}" for name in DEMOS)
    parser = argparse.ArgumentParser(
        prog="python -m demos", description="Run stepgrad's demos (outputs go to ./out).",
        epilog=f"demos:\n{listing}", formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="demos to run (default: all, in the order below)")
    parser.add_argument("--quick", action="store_true", help="fewer steps: a smoke run")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in DEMOS]
    if unknown:
        parser.error(f"no demo named {', '.join(map(repr, unknown))}; "
                     f"the demos are: {', '.join(DEMOS)}")
    return args


def main(argv: list[str] | None = None) -> None:
    """Run each chosen demo with `--quick` passed on when given, announcing each one."""
    args = parse(sys.argv[1:] if argv is None else argv)
    for name in args.names or DEMOS:
        print(f"\n=== demos.{name} " + "=" * max(0, 60 - len(name)), flush=True)
        start = time.perf_counter()
        importlib.import_module(f"demos.{name}").main(["--quick"] if args.quick else [])
        print(f"--- demos.{name} took {time.perf_counter() - start:.2f} s", flush=True)


if __name__ == "__main__":
    main()
