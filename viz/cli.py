"""`stepgrad`: differentiate an expression and show every step of its backward pass.

    stepgrad "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432

Exit status: 0 success; 2 the command line is wrong (expression, values, options); 1 it could
not be completed (a math error, a failed --check, Graphviz missing, a file not writable).
Every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from itertools import chain, count
from typing import NoReturn

from autograd import Tape, Trace, Value, backprop_steps, walk
from autograd._files import check_targets, write_all, write_atomic  # noqa: F401 -- write_atomic: demos import it from here
from viz._format import number
from viz.dot import GraphTooLarge, LayoutCost, check_layout, draw_dot
from viz.expr import FUNCTIONS, Expression, ExpressionError, MathError, parse
from viz.html import MAX_NODES, Stepper
from viz.terminal import format_trace, interactive, use_color

__all__ = ["main", "parse_values"]

_OUTPUT_NAMES = ("o", "out", "f", "result")


class _UsageError(Exception):
    """A command-line mistake: exit status 2."""


class _Failure(Exception):
    """The command could not be completed: exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if len(message) > 200:  # e.g. a huge expression starting with '-' taken for an option
            message = message[:200] + "..."
        if re.search(r"unrecognized arguments:.*\s-[^-\s]\S*[*/+().\d]", message):
            raise _UsageError(f"{message}: an expression that starts with '-' goes after --, "
                              """as in stepgrad -- "-x*2" x=1""")
        raise _UsageError(f"{message} (see stepgrad --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="stepgrad",
        description="Differentiate an expression in reverse mode and print every chain-rule "
                    "step: forward values, each backward contribution, the final gradients.",
        epilog='example: stepgrad "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 '
               "b=6.8813735870195432   (an expression starting with '-' goes after --). "
               "Backprop by hand: stepgrad --quiz EXPR NAME=NUMBER...; stepgrad --quiz --random "
               "[--level 1..4] [--seed N]; stepgrad --worksheet FILE.html [--count N] "
               "[--level 1..4] [--seed N]",
    )
    p.add_argument("--version", action="version", version=f"stepgrad {_version()}")
    p.add_argument("expression", help="numbers, variables, + - * / **, parentheses and the "
                   f"functions {' '.join(FUNCTIONS)}")
    p.add_argument("values", nargs="*", metavar="NAME=NUMBER", help="a value for each variable")
    p.add_argument("--svg", metavar="FILE", type=_file_name,
                   help="write the graph, with gradients, as SVG")
    p.add_argument("--png", metavar="FILE", type=_file_name, help="write the graph as PNG")
    p.add_argument("--dot", metavar="FILE", type=_file_name,
                   help="write the graph's Graphviz source ('-': to stdout, instead of the trace)")
    p.add_argument("--html", metavar="FILE", type=_file_name,
                   help="write a self-contained HTML stepper")
    p.add_argument("--exercise", action="store_true",
                   help="with --html: the learner types each gradient of the backward pass")
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stepgrad")
    except PackageNotFoundError:
        return "(not installed)"


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
            raise ExpressionError(f"expected NAME=NUMBER, got {_cut(item)}")
        if unicodedata.normalize("NFKC", name) != name:
            raise ExpressionError(f"the name {name} is read by Python as "
                                  f"{unicodedata.normalize('NFKC', name)}; write that")
        if name in values:
            raise ExpressionError(f"{name} is given twice")
        try:
            value = float(text)
        except ValueError:
            raise ExpressionError(f"the value of {name}, {_cut(text)}, is not a number"
                                  ) from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {name} must be a finite number, got "
                                  f"{_cut(text)}")
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


_DRAWING_NODES = 300  # draw_dot's default


def _limit_nodes(args: argparse.Namespace, trace: Trace) -> None:
    """Refuse, in the CLI's words, a graph over --max-nodes or too slow to lay out."""
    size = len(trace.order)
    for wanted, default in ((args.svg or args.png or args.dot, _DRAWING_NODES),
                            (args.html, MAX_NODES)):
        limit = args.max_nodes or default
        if wanted and size > limit:
            which = "" if args.max_nodes else " (the default for this output)"
            raise _UsageError(f"the graph has {size} nodes, more than --max-nodes {limit}{which};"
                              f" pass --max-nodes {size} to draw it anyway, or draw a smaller "
                              "expression")
    if args.svg or args.png or args.dot or args.html:
        try:
            check_layout(LayoutCost(trace.order), who="")
        except GraphTooLarge as err:
            raise _Failure(str(err)) from None


def _outputs(args: argparse.Namespace) -> list[str]:
    """The files to write, checked (writable, distinct) before anything is printed."""
    for option in ("svg", "png", "html"):
        if getattr(args, option) == "-":
            raise _UsageError(f"--{option} needs a file name; only --dot can write to stdout "
                              "('-')")
    paths = [p for p in (args.dot, args.svg, args.png, args.html) if p and p != "-"]
    try:
        check_targets(paths)
    except (OSError, ValueError) as err:
        raise _Failure(_os_message(err)) from None
    return paths


def _render_graphs(args: argparse.Namespace, root: Value, trace: Trace) -> list[tuple[str, bytes]]:
    """Every output's bytes, rendered before any file is written (all or none)."""
    jobs: list[tuple[str, Callable[[], bytes | str]]] = []
    if args.svg or args.png or args.dot:
        graph = draw_dot(root, grads=trace.grads, digits=args.digits, max_nodes=len(trace.order))
        if args.dot:
            jobs.append((args.dot, lambda: graph.source))
        if args.svg:
            jobs.append((args.svg, lambda: graph.pipe(format="svg")))
        if args.png:
            jobs.append((args.png, lambda: graph.pipe(format="png")))
    if args.html:
        jobs.append((args.html, lambda: Stepper(root, digits=args.digits, exercise=args.exercise,
                                                max_nodes=len(trace.order)).html()))
    rendered = []
    for path, render in jobs:
        try:
            data = render()
        except RuntimeError as err:  # GraphvizNotFound, GraphvizError
            raise _Failure(f"cannot make {path}: {err}") from None
        rendered.append((path, data.encode("utf-8") if isinstance(data, str) else data))
    return rendered


def _write(items: list[tuple[str, bytes]]) -> list[str]:
    to_stdout = [data for path, data in items if path == "-"]
    files = [(path, data) for path, data in items if path != "-"]
    try:
        write_all(files)
    except (OSError, ValueError) as err:
        raise _Failure(_os_message(err)) from None
    for data in to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    return [path for path, _ in files]


def _os_message(err: OSError | ValueError) -> str:
    # an OS error carries strerror and the file; the writer's own errors already name the path
    if isinstance(err, OSError) and err.strerror and err.filename:
        return f"cannot write {err.filename}: {err.strerror}"
    return str(err)


def _check(expr: Expression, values: dict[str, float]) -> bool:
    from autograd.gradcheck import gradcheck  # lazily: only --check needs it

    report = gradcheck(expr, [values[n] for n in expr.names])
    print(f"\n{report}")
    return bool(report)


def _run(argv: Sequence[str] | None) -> int:
    from viz import quiz  # backprop by hand has its own options and parser: viz/quiz.py

    if quiz.wants_quiz(sys.argv[1:] if argv is None else argv):
        return quiz.main(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.exercise and not args.html:
        raise _UsageError("--exercise goes with --html FILE (the exercise is a page)")
    expr, root, values = _build(args)
    try:
        trace = backprop_steps(root)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        raise _Failure(f"math error: {err}") from None
    _limit_nodes(args, trace)
    _outputs(args)
    quiet = args.dot == "-"  # stdout carries the DOT source alone, for a pipe into dot
    if not quiet:
        _print_trace(args, expr, root, trace)
    for path in _write(_render_graphs(args, root, trace)):
        print(f"wrote {path}", file=sys.stderr if quiet else sys.stdout)
    if args.check and not _check(expr, values):
        raise _Failure("gradient check failed (see the table above)")
    sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    return 0


def _print_trace(args: argparse.Namespace, expr: Expression, root: Value, trace: Trace) -> None:
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


def _tolerant_streams() -> None:
    """A terminal that cannot show a character gets an escape, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so Python's final flush of a dead stdout stays quiet."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _cut(text: str, limit: int = 40) -> str:
    """``text`` quoted, and cut when long: an error line stays one readable line."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _error(message: str) -> None:
    if len(message) > 1000:  # whatever a message quotes, it stays one readable line
        message = message[:1000] + "..."
    if sys.stderr is not None:
        with contextlib.suppress(OSError):
            print(f"stepgrad: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run stepgrad on ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    if sys.stdout is None:  # started with stdout closed (`stepgrad ... >&-`)
        _error("standard output is closed; nothing to print to")
        return 1
    _tolerant_streams()
    args = sys.argv[1:] if argv is None else argv
    if any(a.partition("=")[0] == "--test-engine" for a in args):
        from viz._engine_cli import main as test_engine  # its own options: see its --help

        return test_engine(argv)
    try:
        return _run(argv)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else 0
    except (_UsageError, ExpressionError) as err:
        _error(str(err))
        return 2
    except _Failure as err:
        _error(str(err))
        return 1
    except BrokenPipeError:  # e.g. `stepgrad ... | head`: the reader left, nothing to report
        _silence_stdout()
        return 1
    except OSError as err:  # writing to stdout: a full disk (`> /dev/full`), an I/O error
        _silence_stdout()
        _error(f"cannot write to standard output: {err.strerror or err}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
