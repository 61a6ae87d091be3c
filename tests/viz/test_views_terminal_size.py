"""The terminal stepper on an 80x24 screen: counter and keys on top, the node table scrolled to
the active node, long lines cut (never wrapped), nothing taller than the screen."""

from __future__ import annotations

import io
import re

import pytest

from autograd import backprop_steps
from autograd._words import is_constant
from nn import MLP
from viz.terminal import KEYS_HELP, render_frame, step_through

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
WIDTH, HEIGHT = 80, 24


def mlp_trace():  # type: ignore[no-untyped-def]
    model = MLP(3, [4, 4, 1], seed=0)
    out = model([1.0, -2.0, 0.5])
    return backprop_steps(out), model.parameters()


@pytest.mark.parametrize("color", [False, True])
def test_every_frame_fits_80x24_with_counter_and_keys_on_top(color: bool) -> None:
    trace, params = mlp_trace()
    shown = [s for s in trace.steps if not is_constant(s.operand)]
    assert len(trace.order) > 40  # far more rows than the screen has
    for k in range(len(shown) + 1):
        frame = render_frame(trace, k, width=WIDTH, height=HEIGHT, color=color, params=params)
        lines = ANSI.sub("", frame).split("\n")
        assert lines[-1] == "" and len(lines) - 1 <= HEIGHT - 1  # the cursor keeps its line
        assert all(len(line) <= WIDTH for line in lines)
        assert lines[0].startswith(f"step {k}/{len(shown)} ")
        assert lines[1] == KEYS_HELP
        if k:
            operand = shown[k - 1].operand.label or None
            active = [ln for ln in lines if ln.startswith(">")]
            assert len(active) == 1  # the node receiving gradient is on screen
            if operand:
                assert operand[:20] in active[0]


def test_long_lines_are_cut_with_a_mark_not_wrapped() -> None:
    trace, params = mlp_trace()
    full = render_frame(trace, 5, params=params)  # no size: nothing cut
    cut = render_frame(trace, 5, width=WIDTH, height=HEIGHT, params=params)
    long = [ln for ln in full.splitlines() if len(ln) > WIDTH]
    assert long  # a dot node's formula is longer than the screen
    cut_lines = cut.splitlines()
    for line in long:
        prefix = line[: WIDTH - 1]
        if any(c.startswith(prefix) for c in cut_lines):
            assert prefix + "\u2026" in cut_lines
    assert any(c.endswith("\u2026") for c in cut_lines)


def test_the_table_scrolls_and_says_how_much_is_hidden() -> None:
    trace, params = mlp_trace()
    frame = render_frame(trace, 30, width=WIDTH, height=HEIGHT, params=params)
    above = re.search(r"\.\.\. (\d+) more above", frame)
    below = re.search(r"\.\.\. (\d+) more below", frame)
    table = frame.split("\n\n")[1].splitlines()[1:]  # after the header, up to the card
    rows = [ln for ln in table if not re.search(r"more (above|below)$", ln)]
    named = [n for n in trace.order if not is_constant(n)]
    hidden = (int(above.group(1)) if above else 0) + (int(below.group(1)) if below else 0)
    assert above or below
    assert len(rows) + hidden == len(named)


def test_step_through_draws_each_frame_at_the_given_size() -> None:
    trace, params = mlp_trace()
    out = io.StringIO()
    step_through(trace, ["next"] * 3 + ["quit"], out, width=WIDTH, height=HEIGHT,
                 params=params)
    frames = out.getvalue().split("\x1b[H\x1b[2J")[1:]
    assert len(frames) == 4
    for frame in frames:
        assert len(frame.splitlines()) <= HEIGHT - 1
        assert max(len(line) for line in frame.splitlines()) <= WIDTH
