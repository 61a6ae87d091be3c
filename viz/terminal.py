"""Terminal stepper: the forward pass, then every chain-rule step of the backward pass.

`print_trace` writes everything to a stream (plain text unless the stream is a terminal and
``NO_COLOR`` is unset). `step_through` redraws one step at a time, driven by key names, and
`interactive` feeds it the keys of a real terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import IO

from autograd import Trace, Value, backprop_steps
from autograd.foreign import as_stepgrad
from viz._format import DASH
from viz.narrate import Narration, Words

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


def _as_trace(source: Value | Trace) -> Trace:
    source = as_stepgrad(source, grads=False)  # a micrograd-style Value of any engine
    if isinstance(source, Trace):
        return source
    if type(source) is Value:
        return backprop_steps(source)
    raise TypeError(f"expected a Value or a Trace, got {type(source).__name__}")


def format_step(words: Words, style: _Style | None = None) -> str:
    """One step's arithmetic on one line: local derivative ; upstream x local ; the update."""
    s = style or _Style(False)
    return f"{words.local} ; {words.product} ; {s(words.update, '1;32')}"


def _forward_lines(n: Narration, s: _Style) -> list[str]:
    shown = [node for node in n.trace.order if not n.constant(node)]
    width = max(len(n.names[node]) for node in shown)
    return [f"  {' ' * (width - len(n.names[node]))}{s(n.names[node], '1')}"
            f"{n.forward(node)[len(n.names[node]):]}" for node in shown]


def _backward_lines(n: Narration, s: _Style) -> list[str]:
    lines = []
    current: Value | None = None
    for i, step in enumerate(n.steps, 1):
        words = n.step(step)
        if step.node is not current:
            current = step.node
            lines.append(f"  {s(n.names[current], '1')} = {n.expression(current)}   "
                         f"({words.upstream})")
        lines.append(f"    step {i}/{len(n.steps)}: {format_step(words, s)}")
    return lines


def _gradient_lines(n: Narration, s: _Style) -> list[str]:
    root, t = n.terms[n.trace.root], n.terms
    shown = n.gradient_order()
    width = max(len(t[node]) for node in shown) + len(root) + 3
    return [f"  {f'd{root}/d{t[node]}'.rjust(width)} = "
            f"{s(n.num(n.trace.grads[node]), '1')}" for node in shown]


def format_trace(source: Value | Trace, *, digits: int = 4, color: bool = False,
                 params: Collection[Value] = ()) -> str:
    """The whole story as text: forward values, backward steps, final gradients (inputs and
    ``params`` first). Steps into constants are left out."""
    trace = _as_trace(source)
    s = _Style(color)
    n = Narration(trace, params=params, digits=digits)
    root = n.root
    parts = ["forward pass (operands first):", *_forward_lines(n, s), "",
             f"backward pass: seed d{n.terms[trace.root]}/d{n.terms[trace.root]} = "
             f"{n.num(trace.seed)}"]
    if n.warning:
        parts.append(s(f"warning: {n.warning}", "33"))
    parts += _backward_lines(n, s)
    if not trace.steps:
        parts.append(f"  ({root} is a leaf: nothing to propagate)")
    parts += ["", f"gradients of {root}:", *_gradient_lines(n, s)]
    return "\n".join(parts) + "\n"


def print_trace(source: Value | Trace, stream: IO[str] | None = None, *, digits: int = 4,
                color: bool | None = None, params: Collection[Value] = ()) -> Trace:
    """Write `format_trace` to ``stream`` (stdout); colour follows `use_color` unless given."""
    out = sys.stdout if stream is None else stream
    trace = _as_trace(source)
    out.write(format_trace(trace, digits=digits, params=params,
                           color=use_color(out) if color is None else color))
    out.flush()
    return trace


_ROWS = {"local": "local derivative", "upstream": "upstream gradient",
         "product": "upstream x local", "update": "gradient"}


def _cut(line: str, width: int | None) -> str:
    """``line`` cut to ``width`` characters, an ellipsis marking the cut (never wrapped)."""
    line = line.rstrip()
    return line if width is None or len(line) <= width else line[: max(width - 1, 0)] + "\u2026"


def _card(n: Narration, k: int, width: int | None) -> list[str]:
    """The chain-rule card of frame ``k``: heading, rows, and the warning at the seed."""
    words = n.step(n.steps[k - 1]) if k else n.seed()
    lines = [words.head] + [f"  {_ROWS[key]:<18} {text}" for key, text in words.rows.items()
                            if text]
    if not k and n.warning:
        lines += textwrap.wrap(f"warning: {n.warning}", width or 10**9)
    return lines


def _window(total: int, active: int | None, room: int) -> range:
    """Which of ``total`` rows fit in ``room`` lines, the ``active`` one in the middle."""
    if total <= room:
        return range(total)
    room = max(room - 2, 1)  # two lines say how many rows are hidden above and below
    start = 0 if active is None else min(max(active - room // 2, 0), total - room)
    return range(start, start + room)


def render_frame(trace: Trace, k: int, *, digits: int = 4, color: bool = False,
                 width: int | None = None, height: int | None = None,
                 params: Collection[Value] = ()) -> str:
    """The screen after the first ``k`` shown steps: each node's data and grad so far, the
    chain rule of step ``k``. With ``width`` and ``height`` (a terminal's size) the counter and
    the keys stay on top, the node table scrolls to the active node and long lines are cut."""
    return _frame(Narration(trace, params=params, digits=digits), k, _Style(color), width,
                  height)


def _frame(n: Narration, k: int, s: _Style, width: int | None, height: int | None) -> str:
    trace = n.trace
    last = n.steps[k - 1] if k else None
    grads = trace.replay(None if last is None else last.index + 1)
    if last is None:
        grads = {trace.root: trace.seed}
    rows = [node for node in reversed(trace.order) if not n.constant(node)]
    w = max(len(n.names[node]) for node in rows)
    top = [f"step {k}/{len(n.steps)} of the backward pass of {n.root}", KEYS_HELP, "",
           f"  {'node'.rjust(w)}  {'data':>12}  {'grad':>12}  how"]
    bottom = ["", *_card(n, k, width)]
    active = None if last is None else rows.index(last.operand)
    room = None if height is None else max(height - 1 - len(top) - len(bottom), 1)
    shown = _window(len(rows), active, len(rows) if room is None else room)
    table = []
    if shown.start:
        table.append(f"  ... {shown.start} more above")
    for i in shown:
        node = rows[i]
        g = grads.get(node)
        row = _cut(f"{'>' if i == active else ' '} {n.names[node].rjust(w)}  "
                   f"{n.num(node.data):>12}  {DASH if g is None else n.num(g):>12}  "
                   f"{'' if node.op is None else n.expression(node)}", width)
        table.append(s(row, "7") if i == active else row)
    if shown.stop < len(rows):
        table.append(f"  ... {len(rows) - shown.stop} more below")
    return "\n".join([*(_cut(line, width) for line in top), *table,
                      *(_cut(line, width) for line in bottom)]) + "\n"


def step_through(trace: Trace, keys: Iterable[str], stream: IO[str], *, digits: int = 4,
                 color: bool = False, clear: bool = True, width: int | None = None,
                 height: int | None = None, params: Collection[Value] = ()) -> int:
    """Redraw `render_frame` after each key name (next, prev, first, last, quit); returns k."""
    n = Narration(trace, params=params, digits=digits)
    k, total = 0, len(n.steps)
    moves: dict[str, Callable[[int], int]] = {
        "next": lambda k: min(k + 1, total), "prev": lambda k: max(k - 1, 0),
        "first": lambda k: 0, "last": lambda k: total}

    def draw() -> None:
        frame = _frame(n, k, _Style(color), width, height)
        stream.write(("\x1b[H\x1b[2J" if clear else "") + frame)
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
                stream: IO[str] | None = None, digits: int = 4,
                params: Collection[Value] = ()) -> bool:
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
        size = shutil.get_terminal_size()
        step_through(_as_trace(source), _read_keys(fd), out, digits=digits,
                     color=use_color(out), width=size.columns, height=size.lines, params=params)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    out.write("\n")
    return True
