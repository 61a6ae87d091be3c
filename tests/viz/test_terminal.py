"""Terminal stepper: forward values, each step's chain-rule arithmetic, final gradients;
colour only on a terminal without NO_COLOR; keys move through the steps."""

from __future__ import annotations

import io
import re

import pytest

from autograd import Value, backprop_steps, walk
from autograd._words import is_constant
from demos.neuron import neuron
from viz._format import DASH, number
from viz.terminal import (
    decode_keys,
    format_trace,
    interactive,
    print_trace,
    render_frame,
    step_through,
    use_color,
)

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_neuron_printout_shows_forward_steps_and_gradients() -> None:
    v = neuron()
    out = io.StringIO()
    trace = print_trace(v["o"], out)
    text = out.getvalue()
    assert not ANSI.search(text)  # not a terminal: plain text
    forward, backward = text.split("backward pass")
    for name in ("x1", "w1", "x2", "w2", "b"):
        assert re.search(rf"^\s*{name} = {re.escape(number(v[name].data))}$", forward, re.M)
    assert re.search(r"^\s*n = v3 \+ b = \(-6\.0000\) \+ 6\.8814 = 0\.8814$", forward, re.M)
    assert re.search(r"^\s*o = tanh\(n\) = tanh\(0\.8814\) = 0\.7071$", forward, re.M)
    # the worked step of the issue, word for word
    assert ("do/dn = 1 - tanh(n)^2 = 0.5000 ; upstream 1.0000 x local 0.5000 = 0.5000 ; "
            "n.grad 0 -> 0.5000") in backward
    assert "dv1/dx1 = w1 = -3.0000 ; upstream 0.5000 x local -3.0000 = -1.5000" in backward
    assert len(re.findall(r"step \d+/9:", backward)) == len(trace.steps) == 9
    v["o"].backward()
    final = backward.split("gradients of o:")[1]
    for name in ("x1", "w1", "x2", "w2", "b", "n"):
        assert re.search(rf"do/d{name} = {re.escape(number(v[name].grad))}$", final, re.M)
    assert "warning" not in text


def test_every_step_line_carries_the_traces_numbers() -> None:
    x = Value(0.5, "x")
    y = (x * x - 2 / x) ** 2 + x.exp() * x
    trace = backprop_steps(y)
    lines = [ln for ln in format_trace(trace).splitlines() if re.match(r"\s+step \d+/", ln)]
    # every step but those into the constants 2 and 2 (the exponent)
    shown = [s for s in trace.steps if not is_constant(s.operand)]
    assert len(lines) == len(shown) == len(trace.steps) - 2
    for line, step in zip(lines, shown, strict=True):
        assert (f"upstream {number(step.upstream)} x local {number(step.local)} = "
                f"{number(step.contribution)}") in line
        assert line.endswith(f"-> {number(step.after)}")


def test_accumulation_shows_the_running_grad() -> None:
    a = Value(3.0, "a")
    text = format_trace(a * a)
    assert "a.grad 0 -> 3.0000" in text and "a.grad 3.0000 -> 6.0000" in text


def test_constants_in_formulas_are_their_values_negative_ones_in_parentheses() -> None:
    x = Value(2.0, "x")
    text = format_trace(x**3 + x * -4.0)
    assert "= 3*x^(3-1) = 12.0000" in text
    assert "= (-4) = -4.0000" in text


def test_seed_warning_is_printed_when_grads_were_not_zeroed() -> None:
    v = neuron()
    v["o"].backward()
    assert "warning" not in format_trace(v["o"])  # one backward(): .grad is what it shows
    v["o"].backward()
    text = format_trace(v["o"])
    assert "warning: These are the gradients of one backward pass from zero. 9 node(s)" in text
    assert text.index("warning") < text.index("step 1/")


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    o = neuron()["o"]
    tty = FakeTTY()
    print_trace(o, tty)
    assert use_color(tty) and ANSI.search(tty.getvalue())
    assert ANSI.sub("", tty.getvalue()) == format_trace(o)  # same words, only styled
    monkeypatch.setenv("NO_COLOR", "1")
    plain = FakeTTY()
    print_trace(o, plain)
    assert not use_color(plain) and not ANSI.search(plain.getvalue())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_color(FakeTTY())


def test_frames_fill_in_grads_step_by_step() -> None:
    v = neuron()
    trace = backprop_steps(v["o"])
    order = walk(v["o"])

    def grad_column(frame: str) -> dict[str, str]:
        rows = [ln.lstrip(">").split() for ln in frame.splitlines()[4:4 + len(order)]]
        return {r[0]: r[2] for r in rows}

    first = grad_column(render_frame(trace, 0))
    assert first["o"] == "1.0000" and all(first[n] == DASH for n in ("n", "x1", "w1", "b"))
    after_one = render_frame(trace, 1)
    assert grad_column(after_one)["n"] == "0.5000" and grad_column(after_one)["b"] == DASH
    assert re.search(r"^> +n ", after_one, re.M) and "do/dn = 1 - tanh(n)^2" in after_one
    last = grad_column(render_frame(trace, len(trace.steps)))
    for name in ("x1", "w1", "x2", "w2", "b", "n"):
        assert last[name] == number(trace.grads[v[name]])


def test_keys_move_forward_and_back_and_quit_stops() -> None:
    trace = backprop_steps(neuron()["o"])
    out = io.StringIO()
    keys = ["next", "next", "next", "prev", "last", "first", "next", "quit", "next"]
    assert step_through(trace, keys, out, clear=False) == 1
    steps = re.findall(r"^step (\d+)/9", out.getvalue(), re.M)
    assert steps == ["0", "1", "2", "3", "2", "9", "0", "1"]
    assert step_through(trace, ["prev", "prev"], io.StringIO()) == 0  # clamped at the start
    assert step_through(trace, ["next"] * 20, io.StringIO()) == 9  # and at the end


def test_decode_keys_reads_arrows_and_letters() -> None:
    assert decode_keys("\x1b[C\x1b[Dn pbgGq?\x1b") == [
        "next", "prev", "next", "next", "prev", "prev", "first", "last", "quit", "quit"]


def test_interactive_declines_without_a_terminal() -> None:
    trace = backprop_steps(neuron()["o"])
    out = io.StringIO()
    assert interactive(trace, stdin=io.StringIO("nnq"), stream=out) is False
    assert out.getvalue() == ""
