"""The terminal quiz and printable worksheets: the learner works out each gradient by hand.

    stepgrad --quiz "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=0.5
    stepgrad --quiz --random --level 2 --seed 7
    stepgrad --worksheet sheet.html --count 6 --level 3 --seed 1

The quiz asks for every node's gradient in backward order, one answer per line on stdin (typed
or piped), and answers each with "right" or the likely mistake as `autograd.by_hand` words it.
Answers are read by a small parser (``-1.5``, ``1/2``, ``.5``, ``2e-3``) into a Fraction; no
text is ever evaluated.
"""

from __future__ import annotations

import argparse
import html
import io
import math
import random
import re
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, NoReturn

from autograd import Trace, Value, backprop_steps
from autograd._files import write_atomic
from autograd.by_hand import (
    diagnose,
    display_names,
    guesses_per_step,
    is_close,
    node_guesses,
    right_arithmetic,
)
from viz._format import expression, is_constant, local_formula, number
from viz._page import page
from viz.dot import draw_dot
from viz.expr import ExpressionError, MathError, parse
from viz.narrate import Narration

__all__ = ["AnswerError", "EXERCISE_IDS", "Exercise", "LEVELS", "exercise_data",
           "exercise_panel", "main", "parse_answer", "random_exercise", "run_quiz", "wants_quiz",
           "worksheet_html"]

LEVELS = {
    1: ("a*b + c", "(a + b)*c", "a*b*c", "(a + b)*(c + d)", "a*b + c*d"),  # + and *
    2: ("a*b + a", "(a + b)*a", "a*b + a*c", "(a*b)*(a + c)", "(a + b)*(a + c)"),  # reuse
    3: ("tanh(a*b + c)", "exp(a*b)*c", "log(a*b + c)", "(a + b)**2*c", "a**3 + a*b",
        "exp(a + b)*a"),  # tanh exp log **
    4: ("tanh(x1*w1 + x2*w2 + b)",),  # a neuron with two inputs
}
"""The expressions of each level of random exercises."""

_FREE_NAMES = "pqrstuvmnkhgyz"  # names given to the intermediate nodes, in forward order
_WHOLE = [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]
_HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]
_EXAMPLES = "a number such as -1.5, 1/2 or .5"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")


class AnswerError(ValueError):
    """An answer that is not a number; the message says what to type."""


def parse_answer(text: str) -> float:
    """A typed answer as a float: ``-1.5``, ``1/2``, ``.5``, ``2e-3``; AnswerError otherwise."""
    t = text.strip().replace("\u2212", "-")  # a typographic minus reads as one
    if not t:
        raise AnswerError(f"empty answer: type {_EXAMPLES}")
    top, slash, bottom = t.partition("/")
    parts = [top.strip(), bottom.strip()] if slash else [t]
    if len(t) > 40 or not all(_NUMBER.fullmatch(p) for p in parts):
        shown = t if len(t) <= 40 else t[:37] + "..."
        raise AnswerError(f"{shown!r} is not a number: type {_EXAMPLES}")
    value = Fraction(parts[0])
    if slash:
        if Fraction(parts[1]) == 0:
            raise AnswerError(f"{t!r} divides by zero: type {_EXAMPLES}")
        value /= Fraction(parts[1])
    try:
        return float(value)
    except OverflowError:
        raise AnswerError(f"{t!r} is too large for a gradient: type {_EXAMPLES}") from None


@dataclass(frozen=True)
class Exercise:
    """An expression and its inputs; ``seed`` and ``level`` when it was drawn at random."""

    source: str
    values: dict[str, float]
    level: int | None = None
    seed: int | None = None

    def build(self) -> Value:
        """The graph, every node labelled: variables by name, the output ``f``, the rest with
        free letters (so questions and drawings can name each node)."""
        expr = parse(self.source)
        root = expr.build(self.values)
        taken = set(expr.names)
        root.label = next(c for c in ("f", "o", "out", "result") if c not in taken)
        free = iter([c for c in _FREE_NAMES if c not in taken] + [f"v{i}" for i in range(1000)])
        for node in backprop_steps(root).order:  # in reading order: p first
            if node.op is not None and not node.label:
                node.label = next(free)
        return root

    @property
    def command(self) -> str:
        """The command that gives this exercise again."""
        if self.seed is not None:
            return f"stepgrad --quiz --random --level {self.level} --seed {self.seed}"
        values = " ".join(f"{k}={_plain(v)}" for k, v in self.values.items())
        return f'stepgrad --quiz "{self.source}" {values}'

    def __str__(self) -> str:
        values = ", ".join(f"{k} = {_plain(v)}" for k, v in self.values.items())
        return f"{self.source} with {values}"


def _plain(x: float) -> str:
    short = f"{x:g}"
    return short if float(short) == x else repr(x)


def random_exercise(level: int, seed: int) -> Exercise:
    """A small exercise of ``level`` (1-4) with integer or half-integer inputs; the same seed
    always gives the same exercise."""
    if level not in LEVELS:
        raise ValueError(f"level must be 1, 2, 3 or 4, got {level!r}")
    rng = random.Random(f"stepgrad-quiz-{level}-{seed}")  # a str seed: stable across runs
    for _ in range(1000):
        source = rng.choice(LEVELS[level])
        names = parse(source).names
        values = {n: rng.choice(_HALVES if rng.random() < 0.3 else _WHOLE) for n in names}
        exercise = Exercise(source, values, level, seed)
        if _doable(exercise):
            return exercise
    raise RuntimeError(f"no doable exercise found for level {level}, seed {seed}")


def _doable(exercise: Exercise) -> bool:
    """Whether the numbers stay small enough to work out by hand."""
    try:
        root = exercise.build()
    except (MathError, ExpressionError):
        return False
    trace = backprop_steps(root)
    numbers = [n.data for n in trace.order] + [float(g) for g in trace.grads.values()]
    # a local derivative near 0 (tanh far from 0) cannot be worked out from 4 printed decimals
    locals_ok = all(s.local == 0.0 or 0.1 <= abs(float(s.local)) <= 20 for s in trace.steps)
    zeros = sum(float(g) == 0.0 for g in trace.grads.values())  # (a - a)**2 teaches nothing
    return (locals_ok and zeros <= 1 and all(abs(x) <= 50 for x in numbers)
            and len(trace.steps) >= 2)


def _questions(trace: Trace) -> list[Value]:
    """The nodes asked, in backward order: every node that receives a gradient, root excluded."""
    asked = {s.operand for s in trace.steps}
    return [n for n in reversed(trace.order) if n in asked and not is_constant(n)]


def _forward_lines(trace: Trace, names: dict[Value, str], digits: int) -> list[str]:
    return [f"  {names[n]} = {expression(n, names)} = {number(n.data, digits)}"
            for n in trace.order if n.op is not None]


def run_quiz(exercise: Exercise, stdin: IO[str], stdout: IO[str], *, digits: int = 4) -> int:
    """Ask every gradient of ``exercise`` on ``stdout``, read answers from ``stdin``; returns the
    number answered right (the score line says of how many)."""
    root = exercise.build()
    trace = backprop_steps(root)
    names = display_names(trace.order)
    r = names[root]
    say = stdout.write
    say(f"exercise: {r} = {exercise}\n")
    if exercise.seed is not None:
        say(f"seed {exercise.seed} (level {exercise.level}); this exercise again: "
            f"{exercise.command}\n")
    say("forward pass:\n" + "\n".join(_forward_lines(trace, names, digits)) + "\n")
    say(f"backward pass: d{r}/d{r} = 1 (the seed). Type each gradient, like -1.5, 1/2 or .5; "
        "an end of input (Ctrl-D) stops.\n")
    questions = _questions(trace)
    right = asked = 0
    echo = not stdin.isatty()  # piped answers are not echoed by a terminal: show them
    for node in questions:
        answer = _ask(f"d{r}/d{names[node]} = ? ", stdin, stdout, echo)
        if answer is None:
            say("\nno more answers: the quiz stops here.\n")
            break
        asked += 1
        truth = float(trace.grads[node])
        if is_close(answer, truth):
            right += 1
            say("  right\n")
            continue
        guess = diagnose(answer, truth, node_guesses(trace, node, names=names, digits=digits))
        why = guess.words if guess else "not one of the classic mistakes"
        say(f"  wrong: {why}\n")
        for line in right_arithmetic(trace, node, names=names, digits=digits):
            say(f"    {line}\n")
        say(f"  so d{r}/d{names[node]} = {number(truth, digits)}\n")
    say(f"score: {right} of {len(questions)} right"
        + ("" if asked == len(questions) else f" ({len(questions) - asked} not answered)")
        + "\n")
    stdout.flush()
    return right


def _ask(prompt: str, stdin: IO[str], stdout: IO[str], echo: bool) -> float | None:
    """One number from ``stdin``, asking again after a bad line; None at the end of input."""
    while True:
        stdout.write(prompt)
        stdout.flush()
        line = stdin.readline()
        if not line:
            return None
        if echo:
            stdout.write(line.rstrip("\n")[:80] + "\n")
        try:
            return parse_answer(line)
        except AnswerError as err:
            stdout.write(f"  {err}\n")


_SHEET_CSS = """body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #111; }
section.exercise { break-inside: avoid; margin-bottom: 2em; }
section.key { break-before: page; page-break-before: always; }
table.answers td.box { border: 1px solid #444; width: 9em; height: 1.6em; }
table.answers td, table.answers th { padding: .2em .6em; text-align: left; }
svg { max-width: 100%; height: auto; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; }"""


def _svg(root: Value, digits: int, prefix: str) -> str:
    """The graph with its data and empty gradient cells, as inline SVG (ids from ``prefix``)."""
    drawing = draw_dot(root, grads={}, digits=digits, legend=False, id_prefix=prefix)
    svg: str = drawing.pipe(format="svg").decode()
    return svg[svg.index("<svg"):]


def worksheet_html(exercises: Sequence[Exercise], *, digits: int = 4) -> str:
    """A printable offline page: each exercise drawn with empty gradient boxes, then the answer
    key on a page of its own."""
    e = html.escape
    parts, key = [], []
    for i, ex in enumerate(exercises, 1):
        root = ex.build()
        trace = backprop_steps(root)
        names = display_names(trace.order)
        r = names[root]
        boxes = "".join(f"<tr><th>\u2202{e(r)}/\u2202{e(names[n])}</th><td class=\"box\"></td>"
                        "</tr>" for n in _questions(trace))
        parts.append(f'<section class="exercise"><h2>Exercise {i}</h2>'
                     f"<p><code>{e(r)} = {e(str(ex))}</code><br>again on a terminal: "
                     f"<code>{e(ex.command)}</code></p>{_svg(root, digits, f'ex{i}-')}"
                     f'<table class="answers"><tbody>{boxes}</tbody></table></section>')
        rows = "".join(
            f"<tr><th>\u2202{e(r)}/\u2202{e(names[n])}</th><td>{e(number(trace.grads[n], digits))}"
            f"</td><td>{'<br>'.join(e(x) for x in right_arithmetic(trace, n, names=names))}"
            "</td></tr>" for n in _questions(trace))
        key.append(f"<h3>Exercise {i}: <code>{e(r)} = {e(str(ex))}</code></h3>"
                   f'<table class="answers"><tbody>{rows}</tbody></table>')
    title = f"Backprop by hand: {len(exercises)} exercise(s)"
    return page(title=title, css=_SHEET_CSS, body=(
        f"<h1>{e(title)}</h1>\n<p>Work backwards from the output: write each gradient in its "
        "box. The forward values are in the drawing.</p>\n" + "\n".join(parts)
        + '\n<section class="key"><h1>Answer key</h1>\n' + "\n".join(key) + "\n</section>"))


# -- exercise mode of the HTML stepper: the page compares numbers, the words come from here ----

EXERCISE_IDS = frozenset({"exercise", "prompt", "answer", "check", "hint", "reveal", "feedback",
                          "score"})
"""The ids (after the stepper's prefix) of the exercise panel's elements."""


def exercise_data(narration: Narration) -> dict[str, object]:
    """What the page needs to check each backward step it shows (steps into constants are
    not shown, nor asked): the answer (the operand's gradient after the step), two hints, and
    the classic mistakes as numbers with their words."""
    n, steps = narration, []
    every = guesses_per_step(n.trace, names=n.names, digits=n.digits)
    for step in n.steps:
        right = float(step.after)
        guesses = [{"value": g.value, "words": g.words} for g in every[step.index]
                   if math.isfinite(g.value) and not is_close(g.value, right)]
        node, operand = n.terms[step.node], n.terms[step.operand]
        local = n.step(step).local  # the card's own words: d{node}/d{operand} = formula = value
        steps.append({
            "answer": right,
            "hints": [f"the local derivative d{node}/d{operand} is "
                      f"{local_formula(step, n.terms)}",
                      f"{local}; multiply it by the upstream gradient {n.num(step.upstream)} "
                      f"and add that to what {n.names[step.operand]} had "
                      f"({n.num(step.before)})"],
            "guesses": guesses,
        })
    return {"steps": steps, "relTol": 1e-3, "absTol": 1e-12, "examples": _EXAMPLES,
            "unknown": "not one of the classic mistakes"}


def exercise_panel(prefix: str) -> str:
    """The answer box, its buttons and the feedback line, shown during the backward pass."""
    p = html.escape(prefix)
    return f"""<div class="sg-exercise" id="{p}exercise" hidden>
<label for="{p}answer" id="{p}prompt">gradient after this step</label>
<input type="text" name="answer" id="{p}answer" autocomplete="off" spellcheck="false"
 inputmode="decimal" aria-describedby="{p}feedback">
<button type="button" id="{p}check" title="Check (Enter)">Check</button>
<button type="button" id="{p}hint"
 title="A hint: the formula, then the local derivative">Hint</button>
<button type="button" id="{p}reveal" title="Show the answer (counts as missed)">Reveal</button>
<p class="sg-feedback" id="{p}feedback" role="status" aria-live="polite"></p>
<p class="sg-score" id="{p}score"></p>
<p class="sg-help">Type the gradient and press Enter; Tab reaches Hint and Reveal; Esc gives
the arrow keys back to the stepper.</p>
</div>"""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see stepgrad --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stepgrad", description="Backprop by hand: a quiz or a worksheet.")
    p.add_argument("expression", nargs="?")
    p.add_argument("values", nargs="*", metavar="NAME=NUMBER")
    p.add_argument("--quiz", action="store_true")
    p.add_argument("--random", action="store_true")
    p.add_argument("--level", type=int, choices=sorted(LEVELS), default=None)
    p.add_argument("--seed", type=_natural, default=None)
    p.add_argument("--worksheet", metavar="FILE")
    p.add_argument("--count", type=_natural, default=None)
    p.add_argument("--digits", type=int, default=4, choices=range(1, 16), metavar="N")
    return p


def _natural(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise argparse.ArgumentTypeError(f"needs a whole number from 0 to 999999999, got {text!r}")
    return int(text)


def wants_quiz(argv: Sequence[str]) -> bool:
    """Whether a stepgrad command line asks for the quiz or a worksheet (before any ``--``)."""
    options = list(argv)[: list(argv).index("--")] if "--" in argv else argv
    return any(a in ("--quiz", "--worksheet") or a.startswith("--worksheet=") for a in options)


def _exercise(args: argparse.Namespace) -> Exercise:
    if args.random:
        if args.expression is not None:
            raise _UsageError("--random makes its own expression; drop the expression or "
                              "--random")
        seed = secrets.randbelow(1_000_000) if args.seed is None else args.seed
        return random_exercise(args.level or 1, seed)
    if args.expression is None:
        raise _UsageError("--quiz needs an expression and its values, or --random")
    if args.level is not None or args.seed is not None:
        raise _UsageError("--level and --seed go with --random")
    from viz.cli import parse_values  # lazily: cli imports this module

    exercise = Exercise(args.expression, parse_values(args.values))
    try:
        exercise.build()
    except MathError as err:
        raise MathError(f"math error: {err}") from None
    return exercise


def _worksheet(args: argparse.Namespace) -> str:
    if args.expression is not None or args.quiz:
        raise _UsageError("--worksheet makes random exercises: give --count, --level and "
                          "--seed, not an expression or --quiz")
    if not args.worksheet.strip() or args.worksheet.endswith("/"):
        raise _UsageError(f"--worksheet needs a file name, got {args.worksheet!r}")
    count = 6 if args.count is None else args.count
    if not 1 <= count <= 100:
        raise _UsageError(f"--count must be from 1 to 100, got {count}")
    seed = secrets.randbelow(1_000_000) if args.seed is None else args.seed
    level = args.level or 1
    page = worksheet_html([random_exercise(level, seed + i) for i in range(count)],
                          digits=args.digits)
    try:
        write_atomic(args.worksheet, page)
    except OSError as err:  # as the CLI words it: strerror, or write_atomic's own message
        raise OSError(f"cannot write {args.worksheet}: {err.strerror}" if err.strerror
                      else str(err)) from None
    return f"wrote {args.worksheet}: {count} exercise(s) of level {level}, seeds {seed} to " \
           f"{seed + count - 1}"


def main(argv: Sequence[str], stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """``stepgrad --quiz ...`` or ``--worksheet ...``; returns the exit status (0 done, 2 a
    wrong command line, 1 could not be completed)."""
    out = sys.stdout if stdout is None else stdout
    try:
        args = _parser().parse_args(argv)
        if args.worksheet is not None:
            print(_worksheet(args), file=out)
            return 0
        if args.count is not None:
            raise _UsageError("--count goes with --worksheet")
        if stdin is None and isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="replace")  # stray bytes become a "not a number" line
        run_quiz(_exercise(args), sys.stdin if stdin is None else stdin, out,
                 digits=args.digits)
        return 0
    except (_UsageError, ExpressionError) as err:
        print(f"stepgrad: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader left: the CLI's own handling applies
        raise
    except (MathError, OSError, RuntimeError) as err:
        print(f"stepgrad: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopped", file=out)
        return 130
