"""``stepgrad --test-engine MODULE:CLASS``: property-test a learner's own Value class.

Exit status: 0 every check passes; 1 a check failed (or --html could not be written);
2 the command line is wrong or the class cannot be imported or built.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from autograd._files import write_atomic
from autograd.check_engine import EngineError, check_engine, load_class

__all__ = ["main"]


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(f"{message} (see stepgrad --test-engine x --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stepgrad --test-engine",
                description="Property-test your own micrograd-style Value class against stepgrad "
                            "and finite differences; failures shrink to one line of Python.")
    p.add_argument("--test-engine", required=True, metavar="MODULE:CLASS",
                   help="the class to test, e.g. mygrad:Value (found from the current directory)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random programs (default 0)")
    p.add_argument("--max-examples", type=int, default=100, metavar="N",
                   help="random programs per property (default 100)")
    p.add_argument("--html", metavar="FILE",
                   help="write a stepper page of the first failing program")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the engine check on ``argv``; print the report; return the exit status."""
    try:
        args = _parser().parse_args(argv)
        if args.max_examples < 1:
            raise _Usage(f"--max-examples needs at least 1, got {args.max_examples}")
        report = check_engine(load_class(args.test_engine), seed=args.seed,
                              max_examples=args.max_examples)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except (_Usage, EngineError) as err:
        print(f"stepgrad: error: {err}", file=sys.stderr)
        return 2
    except ImportError as err:  # hypothesis missing: the message says how to install it
        print(f"stepgrad: error: {err}", file=sys.stderr)
        return 1
    try:
        print(report, flush=True)
    except BrokenPipeError:  # e.g. `stepgrad --test-engine ... | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if args.html:
        failing = [i for i, f in enumerate(report.findings) if f.failed and f.program]
        if not failing:
            print(f"nothing failed: {args.html} not written")
        else:
            try:
                write_atomic(args.html, report.stepper(failing[0]).html())
            except OSError as err:
                print(f"stepgrad: error: cannot write {args.html}: {err}", file=sys.stderr)
                return 1
            print(f"wrote {args.html} (finding [{failing[0]}])")
    return 0 if report else 1
