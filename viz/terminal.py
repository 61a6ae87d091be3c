"""Terminal stepper: the forward pass, then every chain-rule step of the backward pass.

`print_trace` writes everything to a stream (plain text unless the stream is a terminal and
``NO_COLOR`` is unset). `step_through` redraws one step at a time, driven by key names, and
`interactive` feeds it the keys of a real terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from autograd import Step, Trace, Value, backprop_steps
from autograd.foreign import as_stepgrad
from viz._format import DASH, expression, node_names, number, step_line
from viz.dot import visible

__all__ = [
    "print_trace",
    "format_trace",
    "format_step",
    "render_frame",
    "step_through",
    "interactive",
    "decode_keys",
    "use_color",
    "KEYS_HELP",
]

KEYS_HELP = "keys: right/n/space next, left/p/b back, g first, G last, q quit"


def use_color(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Style:
    """ANSI styling that is a no-op when colour is off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text


def _shown_names(order: list[Value]) -> dict[Value, str]:
    # a label's control characters (escape sequences) are shown escaped, never sent raw
    return {node: visible(name) for node, name in node_names(order).items()}


def _as_trace(source: Value | Trace) -> Trace:
    source = as_stepgrad(source, grads=False)  # a micrograd-style Value of any engine
    if isinstance(source, Trace):
        return source
    if type(source) is Value:
        return backprop_steps(source)
    raise TypeError(f"expected a Value or a Trace, got {type(source).__name__}")


def format_step(step: Step, names: dict[Value, str], digits: int = 4,
                first: bool = False, style: _Style | None = None) -> str:
    """One step's arithmetic: local formula and value, upstream x local, the grad before/after."""
    s = style or _Style(False)
    operand = names[step.operand]
    before = "0" if first else number(step.before, digits)
    return (f"{step_line(step, names, digits, s)} ; "
            f"{s(operand, '1')}.grad {before} -> {s(number(step.after, digits), '1;32')}")


def _named(trace: Trace) -> list[Value]:
    # constants get no line of their own: they show up inside the expressions that use them
    return [n for n in trace.order if n.label or n.op is not None or n is trace.root]


def _forward_lines(trace: Trace, names: dict[Value, str], digits: int, s: _Style) -> list[str]:
    width = max(len(names[n]) for n in trace.order)
    lines = []
    for node in _named(trace):
        how = "" if node.op is None else f"{expression(node, names)} = "
        lines.append(f"  {s(names[node].rjust(width), '1')} = {how}{number(node.data, digits)}")
    return lines


def _backward_lines(trace: Trace, names: dict[Value, str], digits: int, s: _Style) -> list[str]:
    root = names[trace.root]
    lines = []
    seen: set[Value] = set()
    current: Value | None = None
    total = len(trace.steps)
    for step in trace.steps:
        if step.node is not current:
            current = step.node
            lines.append(f"  {s(names[current], '1')} = {expression(current, names)}   "
                         f"(d{root}/d{names[current]} = {number(step.upstream, digits)})")
        lines.append(f"    step {step.index + 1}/{total}: "
                     + format_step(step, names, digits, step.operand not in seen, s))
        seen.add(step.operand)
    return lines


def _gradient_lines(trace: Trace, names: dict[Value, str], digits: int, s: _Style) -> list[str]:
    root = names[trace.root]
    shown = _named(trace)
    width = max(len(names[n]) for n in shown) + len(root) + 3
    # the inputs and parameters first (what a learner asked for), then the intermediates
    first = [n for n in shown if n.op is None] + [n for n in reversed(shown) if n.op is not None]
    return [f"  {f'd{root}/d{names[n]}'.rjust(width)} = {s(number(trace.grads[n], digits), '1')}"
            for n in first]


def format_trace(source: Value | Trace, *, digits: int = 4, color: bool = False) -> str:
    """The whole story as text: forward values, backward steps, final gradients."""
    trace = _as_trace(source)
    s = _Style(color)
    names = _shown_names(trace.order)
    root = names[trace.root]
    parts = ["forward pass (operands first):", *_forward_lines(trace, names, digits, s), "",
             f"backward pass: seed d{root}/d{root} = {number(trace.seed, digits)}"]
    if trace.warning:
        parts.append(s(f"warning: {trace.warning}", "33"))
    parts += _backward_lines(trace, names, digits, s)
    if not trace.steps:
        parts.append(f"  ({root} is a leaf: nothing to propagate)")
    parts += ["", f"gradients of {root}:", *_gradient_lines(trace, names, digits, s)]
    return "\n".join(parts) + "\n"


def print_trace(source: Value | Trace, stream: IO[str] | None = None, *, digits: int = 4,
                color: bool | None = None) -> Trace:
    """Write `format_trace` to ``stream`` (stdout); colour follows `use_color` unless given."""
    out = sys.stdout if stream is None else stream
    trace = _as_trace(source)
    out.write(format_trace(trace, digits=digits, color=use_color(out) if color is None else color))
    out.flush()
    return trace


def render_frame(trace: Trace, k: int, *, digits: int = 4, color: bool = False) -> str:
    """The screen after the first ``k`` steps: every node's data and grad so far, step ``k``."""
    s = _Style(color)
    names = _shown_names(trace.order)
    grads = trace.replay(k)
    last = trace.steps[k - 1] if k else None
    width = max(len(names[n]) for n in trace.order)
    root = names[trace.root]
    lines = [f"step {k}/{len(trace.steps)} of the backward pass of {root}   ({KEYS_HELP})", "",
             f"  {'node'.rjust(width)}  {'data':>12}  {'grad':>12}  how"]
    for node in reversed(trace.order):
        g = grads.get(node)
        row = (f"  {names[node].rjust(width)}  {number(node.data, digits):>12}  "
               f"{DASH if g is None else number(g, digits):>12}  "
               f"{'' if node.op is None else expression(node, names)}").rstrip()
        if last is not None and node is last.operand:
            row = s(row, "7") if color else row + "   <- this step"
        lines.append(row)
    lines.append("")
    if last is None:
        lines.append(f"seed: d{root}/d{root} = {number(trace.seed, digits)}")
        if trace.warning:
            lines.append(s(f"warning: {trace.warning}", "33"))
    else:
        seen = any(st.operand is last.operand for st in trace.steps[: k - 1])
        lines.append(f"{names[last.node]} = {expression(last.node, names)}")
        lines.append("  " + format_step(last, names, digits, not seen, s))
    return "\n".join(lines) + "\n"


def step_through(trace: Trace, keys: Iterable[str], stream: IO[str], *, digits: int = 4,
                 color: bool = False, clear: bool = True) -> int:
    """Redraw `render_frame` after each key name (next, prev, first, last, quit); returns k."""
    k, total = 0, len(trace.steps)
    moves: dict[str, Callable[[int], int]] = {
        "next": lambda k: min(k + 1, total), "prev": lambda k: max(k - 1, 0),
        "first": lambda k: 0, "last": lambda k: total}

    def draw() -> None:
        stream.write(("\x1b[H\x1b[2J" if clear else "") + render_frame(trace, k, digits=digits,
                                                                        color=color))
        stream.flush()

    draw()
    for key in keys:
        if key == "quit":
            break
        if key in moves:
            k = moves[key](k)
            draw()
    return k


_KEYS = {"\x1b[C": "next", "\x1b[D": "prev", "\x1b[B": "next", "\x1b[A": "prev",
         "\x1b[H": "first", "\x1b[F": "last", "n": "next", " ": "next", "\r": "next",
         "\n": "next", "l": "next", "j": "next", "p": "prev", "b": "prev", "h": "prev",
         "k": "prev", "g": "first", "G": "last", "q": "quit", "\x03": "quit", "\x04": "quit",
         "\x1b": "quit"}


def decode_keys(data: str) -> list[str]:
    """Key names in typed text, arrow-key escape sequences included (``ESC [ C`` and the
    application-mode ``ESC O C``); unknown keys dropped."""
    names, i = [], 0
    while i < len(data):
        seq = data[i : i + 3] if data[i] == "\x1b" and data[i + 1 : i + 2] in "[O" else data[i]
        if seq[:2] == "\x1bO":
            seq = "\x1b[" + seq[2:]
        if seq in _KEYS:
            names.append(_KEYS[seq])
        i += len(seq)
    return names


def _partial(data: str) -> bool:
    """Whether ``data`` ends inside an escape sequence (its rest may still be on the way)."""
    return data.endswith("\x1b") or data[-2:] in ("\x1b[", "\x1bO")


def _read_keys(fd: int) -> Iterator[str]:
    import select  # POSIX: with termios

    data = ""
    while True:
        more = os.read(fd, 32).decode("utf-8", "replace")
        if not more:
            yield from decode_keys(data)
            return
        data += more
        # a lone ESC quits, unless the rest of an arrow key's sequence follows at once
        if _partial(data) and select.select([fd], [], [], 0.05)[0]:
            continue
        yield from decode_keys(data)
        data = ""


def interactive(source: Value | Trace, *, stdin: IO[str] | None = None,
                stream: IO[str] | None = None, digits: int = 4) -> bool:
    """Step with the keyboard when stdin and the stream are terminals; False if they are not."""
    inp = sys.stdin if stdin is None else stdin
    out = sys.stdout if stream is None else stream
    if not (inp.isatty() and out.isatty()):
        return False
    try:
        import termios  # POSIX only: imported here so the module loads everywhere
        import tty
    except ImportError:  # no termios (Windows): the caller prints the whole trace instead
        return False
    fd = inp.fileno()
    saved = termios.tcgetattr(fd)
    try:
        # keys arrive one by one, unechoed; TCSANOW keeps any typed before the first frame
        tty.setcbreak(fd, termios.TCSANOW)
        step_through(_as_trace(source), _read_keys(fd), out, digits=digits,
                     color=use_color(out))
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    out.write("\n")
    return True
