"""`stepgrad`: differentiate an expression and show every step of its backward pass.

    stepgrad "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432

Exit status: 0 success; 2 the command line is wrong (expression, values, options); 1 it could
not be completed (a math error, a failed --check, Graphviz missing, a file not writable).
Every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from itertools import chain, count
from typing import NoReturn

from autograd import Tape, Trace, Value, backprop_steps, walk
from nn._io import write_atomic  # the one atomic writer; viz depends on nn anyway
from viz._format import number
from viz.dot import draw_dot
from viz.expr import FUNCTIONS, Expression, ExpressionError, MathError, parse
from viz.html import MAX_NODES, Stepper
from viz.terminal import format_trace, interactive, use_color

__all__ = ["main", "parse_values", "write_atomic"]

_OUTPUT_NAMES = ("o", "out", "f", "result")


class _UsageError(Exception):
    """A command-line mistake: exit status 2."""


class _Failure(Exception):
    """The command could not be completed: exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if len(message) > 200:  # e.g. a huge expression starting with '-' taken for an option
            message = message[:200] + "..."
        raise _UsageError(f"{message} (see stepgrad --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="stepgrad",
        description="Differentiate an expression in reverse mode and print every chain-rule "
                    "step: forward values, each backward contribution, the final gradients.",
        epilog='example: stepgrad "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 '
               "b=6.8813735870195432   (an expression starting with '-' goes after --)",
    )
    p.add_argument("expression", help="numbers, variables, + - * / **, parentheses and the "
                   f"functions {' '.join(FUNCTIONS)}")
    p.add_argument("values", nargs="*", metavar="NAME=NUMBER", help="a value for each variable")
    p.add_argument("--svg", metavar="FILE", type=_file_name,
                   help="write the graph, with gradients, as SVG")
    p.add_argument("--png", metavar="FILE", type=_file_name, help="write the graph as PNG")
    p.add_argument("--dot", metavar="FILE", type=_file_name,
                   help="write the graph's Graphviz source")
    p.add_argument("--html", metavar="FILE", type=_file_name,
                   help="write a self-contained HTML stepper")
    p.add_argument("--check", action="store_true",
                   help="compare every gradient with finite differences (gradcheck)")
    p.add_argument("--tape", action="store_true",
                   help="also print the graph as a tape: its Wengert list, forward and adjoints")
    p.add_argument("--interactive", "-i", action="store_true",
                   help="step with the keyboard (on a terminal)")
    p.add_argument("--digits", type=int, default=4, choices=range(1, 16), metavar="N",
                   help="decimals shown (default 4)")
    p.add_argument("--test-engine", metavar="MODULE:CLASS", help="instead: property-test your "
                   "own micrograd-style Value class (stepgrad --test-engine x --help)")
    p.add_argument("--max-nodes", type=_positive_int, default=None, metavar="N",
                   help="refuse graphs with more nodes (default 300 for drawings, "
                   f"{MAX_NODES} for --html)")
    return p


def _file_name(text: str) -> str:
    if not text.strip() or text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"needs a file name, got {text!r}")
    return text


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of at least 1, got {text!r}")
    return n


def parse_values(items: Sequence[str]) -> dict[str, float]:
    """``NAME=NUMBER`` strings as a dict; raises ExpressionError naming the bad item."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected NAME=NUMBER, got {item!r}")
        if name in values:
            raise ExpressionError(f"{name} is given twice")
        try:
            value = float(text)
        except ValueError:
            raise ExpressionError(f"the value of {name}, {text!r}, is not a number") from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {name} must be a finite number, got {text!r}")
        values[name] = value
    return values


def _build(args: argparse.Namespace) -> tuple[Expression, Value, dict[str, float]]:
    expr = parse(args.expression)
    values = parse_values(args.values)
    try:
        root = expr.build(values)
    except MathError as err:
        raise _Failure(f"math error: {err}") from None
    if not root.label:
        free = chain(_OUTPUT_NAMES, (f"o{i}" for i in count(2)))  # o, out, f, result, o2, ...
        root.label = next(n for n in free if n not in expr.names)
    return expr, root, values


def _write_graphs(args: argparse.Namespace, root: Value, trace: Trace) -> list[str]:
    jobs: list[tuple[str, Callable[[], bytes]]] = []
    limit = {} if args.max_nodes is None else {"max_nodes": args.max_nodes}  # or each default
    if args.svg or args.png or args.dot:
        try:
            graph = draw_dot(root, grads=trace.grads, digits=args.digits, **limit)
        except ValueError as err:
            raise _UsageError(f"{err} (use --max-nodes)") from None
        if args.dot:
            jobs.append((args.dot, lambda: graph.source.encode()))
        if args.svg:
            jobs.append((args.svg, lambda: graph.pipe(format="svg")))
        if args.png:
            jobs.append((args.png, lambda: graph.pipe(format="png")))
    written = []
    for path, render in jobs:
        try:
            data = render()
        except RuntimeError as err:  # GraphvizNotFound, or dot itself failing
            raise _Failure(f"cannot render {path}: {err}") from None
        _write(path, data)
        written.append(path)
    if args.html:
        try:
            page = Stepper(root, digits=args.digits, **limit).html()
        except ValueError as err:  # too many nodes
            raise _UsageError(f"{err} (use --max-nodes)") from None
        except RuntimeError as err:  # Graphviz missing or failing
            raise _Failure(f"cannot make {args.html}: {err}") from None
        _write(args.html, page)
        written.append(args.html)
    return written


def _write(path: str, data: bytes | str) -> None:
    try:
        write_atomic(path, data)
    except OSError as err:
        # an OS error carries strerror; write_atomic's own errors already name the path
        raise _Failure(f"cannot write {path}: {err.strerror}" if err.strerror else str(err)
                       ) from None


def _check(expr: Expression, values: dict[str, float]) -> bool:
    from autograd.gradcheck import gradcheck  # lazily: only --check needs it

    report = gradcheck(expr, [values[n] for n in expr.names])
    print(f"\n{report}")
    return bool(report)


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    expr, root, values = _build(args)
    try:
        trace = backprop_steps(root)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise _Failure(f"math error: {err}") from None
    out = sys.stdout
    shown = root.label if expr.source == root.label else f"{root.label} = {expr.source}"
    print(f"{shown} = {number(root.data, args.digits)}\n")
    stepped = args.interactive and interactive(trace, digits=args.digits)
    if args.interactive and not stepped:
        print("stepgrad: --interactive needs a terminal; printing every step", file=sys.stderr)
    if not stepped:
        out.write(format_trace(trace, digits=args.digits, color=use_color(out)))
    if args.tape:
        leaves = {n.label: n for n in walk(root) if n.op is None and n.label in expr.names}
        print(f"\n{Tape.record(root, inputs=[leaves[n] for n in expr.names if n in leaves])}")
    for path in _write_graphs(args, root, trace):
        print(f"wrote {path}")
    if args.check and not _check(expr, values):
        raise _Failure("gradient check failed (see the table above)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run stepgrad on ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if any(a.partition("=")[0] == "--test-engine" for a in args):
        from viz._engine_cli import main as test_engine  # its own options: see its --help

        return test_engine(argv)
    try:
        return _run(argv)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except (_UsageError, ExpressionError) as err:
        print(f"stepgrad: error: {err}", file=sys.stderr)
        return 2
    except _Failure as err:
        print(f"stepgrad: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `stepgrad ... | head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
