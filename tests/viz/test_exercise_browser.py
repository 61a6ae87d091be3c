"""Exercise mode of the HTML stepper in headless Chromium: the learner types every gradient.

Answers are the classic neuron's closed-form gradients (each operand is used once, so its
gradient after its step is its final gradient). Everything is done with the keyboard; every
page must fetch nothing but itself and log no error.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from autograd import Value
from autograd._words import is_constant
from demos.neuron import neuron
from viz.html import Stepper

ROOT = Path(__file__).resolve().parents[2]
DN = 1.0 - math.tanh(2 * -3 + 6.8813735870195432) ** 2  # do/dn, closed form
CLOSED = {"x1": "-1.5", "w1": "1", "x2": "1/2", "w2": "0", "b": ".5", "n": "0.5"}


class Opened:
    """An exercise page in the browser, with what it fetched and what it complained of."""

    def __init__(self, browser: Browser, stepper: Stepper, path: Path) -> None:
        stepper.save(path)
        self.url = path.resolve().as_uri()
        self.stepper, self.p = stepper, stepper.prefix
        self.requests: list[str] = []
        self.errors: list[str] = []
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", self._route)
        self.page: Page = context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type in ("error", "warning") else None)
        self.page.goto(self.url)
        self.page.wait_for_selector(f"#{self.p}root[data-ready=true]", timeout=15_000)

    def _route(self, r: Any) -> None:
        self.requests.append(r.request.url)
        if r.request.url.split("#")[0] == self.url:
            r.continue_()
        else:
            r.abort()

    def attr(self, name: str) -> str:
        return self.page.get_attribute(f"#{self.p}root", name) or ""

    def text(self, suffix: str) -> str:
        return (self.page.text_content(f"#{self.p}{suffix}") or "").strip()

    def feedback(self) -> str:
        return (self.page.text_content(f"#{self.p}exercise [role=status]") or "").strip()

    def answer(self, text: str) -> str:
        box = self.page.locator(f"#{self.p}exercise input[name=answer]")
        assert box.evaluate("el => el === document.activeElement")  # the keys go to the box
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        return self.feedback()

    def close(self) -> None:
        try:
            assert self.requests == [self.url], self.requests
            assert self.errors == []
        finally:
            self.page.context.close()


def _answer_for(operand: Value) -> str:
    return CLOSED.get(operand.label, "1/2")  # unlabelled nodes are the sums: do/dv = do/dn


def _to_first_backward_step(o: Opened) -> None:
    o.page.focus(f"#{o.p}root")
    for _ in range(o.stepper.forward_steps + 2):  # forward, the seed, the first step
        o.page.keyboard.press("ArrowRight")
    assert o.attr("data-phase") == "backward"


def test_whole_exercise_right_scores_full(browser: Browser, tmp_path: Path) -> None:
    stepper = Stepper(neuron()["o"], exercise=True)
    o = Opened(browser, stepper, tmp_path / "all_right.html")
    steps = stepper.trace.steps
    assert o.page.is_hidden(f"#{o.p}exercise")  # not during the forward pass
    _to_first_backward_step(o)
    order = stepper.trace.order
    for k, step in enumerate(steps):
        assert o.attr("data-trace-step") == str(k)
        i = order.index(step.operand)
        assert o.text(f"g{i}").endswith("grad ?")  # the answer is hidden in the drawing
        expected = float(read_fraction(_answer_for(step.operand)))
        assert math.isclose(expected, step.after, rel_tol=1e-12, abs_tol=1e-15)
        assert f"{step.after:.4f}" not in o.text("narration")
        o.page.keyboard.press("ArrowRight")  # cannot go past an unanswered step
        assert o.attr("data-trace-step") == str(k)
        o.page.keyboard.press("Escape")
        o.page.keyboard.press("End")
        assert o.attr("data-trace-step") == str(k)
        assert o.feedback() == "Type this step's gradient first (or Reveal it) to go on."
        o.page.focus(f"#{o.p}exercise input[name=answer]")
        assert o.answer(_answer_for(step.operand)).startswith("right")
        assert not o.text(f"g{i}").endswith("?")  # the drawing fills in
    assert o.attr("data-score") == f"{len(steps)}/{len(steps)}"
    assert o.text("score") == f"score: {len(steps)} of {len(steps)} right first time"
    final = {n.label: o.text(f"g{j}") for j, n in enumerate(order) if n.label}
    assert final["x1"].endswith("-1.5000") and final["w1"].endswith("1.0000")
    o.close()


def read_fraction(text: str) -> float:
    """A test-side reading of the answers typed above (no eval)."""
    top, _, bottom = text.partition("/")
    return float(top) / float(bottom or 1)


def test_wrong_answer_names_the_mistake_hint_and_reveal(browser: Browser, tmp_path: Path) -> None:
    stepper = Stepper(neuron()["o"], exercise=True)
    o = Opened(browser, stepper, tmp_path / "wrong.html")
    _to_first_backward_step(o)
    first = stepper.trace.steps[0]
    assert first.operand.label == "n"
    n = first.operand.data
    said = o.answer(f"{1 - n * n:.4f}")  # 1 - n^2 instead of 1 - tanh(n)^2
    assert said.startswith("wrong: local derivative taken at the wrong point: 1 - n^2")
    assert o.attr("data-trace-step") == "0"  # stays
    assert o.answer("-0.5").startswith("wrong: sign flipped")
    assert o.answer("abc") == "'abc' is not a number: type a number such as -1.5, 1/2 or .5"
    o.page.keyboard.press("Backspace")  # the last answer is selected after a wrong one
    assert o.answer("").startswith("empty answer")
    # the hint button, reached with Tab and pressed with Enter: the formula, then its value
    o.page.keyboard.press("Tab")
    o.page.keyboard.press("Tab")
    o.page.keyboard.press("Enter")
    assert o.feedback() == "hint: the local derivative do/dn is 1 - tanh(n)^2"
    o.page.keyboard.press("Enter")
    assert o.feedback().startswith("hint: do/dn = 1 - tanh(n)^2 = 0.5000")
    o.page.keyboard.press("Tab")  # reveal
    o.page.keyboard.press("Enter")
    assert o.feedback() == "the answer: 0.5000 (counted as missed). Enter goes on."
    assert o.text(f"g{stepper.trace.order.index(first.operand)}").endswith("0.5000")
    o.page.focus(f"#{o.p}exercise input[name=answer]")
    o.page.keyboard.press("Enter")
    assert o.attr("data-trace-step") == "1"
    # the rest answered right: 8 of 9 right first time
    for step in stepper.trace.steps[1:]:
        assert o.answer(_answer_for(step.operand)).startswith("right")
    total = len(stepper.trace.steps)
    assert o.text("score") == f"score: {total - 1} of {total} right first time"
    o.close()


def test_forgotten_sum_and_a_constant_in_the_page(browser: Browser, tmp_path: Path) -> None:
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    c = a * b + a**2  # a used twice; the exponent 2 is a constant: no step into it is shown
    c.label = "c"
    stepper = Stepper(c, exercise=True)
    o = Opened(browser, stepper, tmp_path / "reuse.html")
    _to_first_backward_step(o)
    steps = stepper.trace.steps
    asked = [s for s in steps if not is_constant(s.operand)]
    assert len(asked) == len(steps) - 1
    for step in asked:
        assert o.attr("data-trace-step") == str(step.index)
        if step.operand is a and step.before != 0:
            # the second use: typing only this use's contribution forgets the first
            said = o.answer(f"{step.contribution:g}")
            assert said.startswith("wrong: forgot to add: a is used more than once"), said
        assert o.answer(f"{step.after:g}").startswith("right")
    assert o.attr("data-score") == f"{len(asked) - 1}/{len(asked)}"
    o.close()


def test_exercise_data_and_cli(tmp_path: Path) -> None:
    stepper = Stepper(neuron()["o"], exercise=True)
    page = stepper.html()
    data = json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>',
                                page, re.S).group(1))  # type: ignore[union-attr]
    ex = data["exercise"]
    assert len(ex["steps"]) == len(stepper.trace.steps)
    assert [s["answer"] for s in ex["steps"]] == [s.after for s in stepper.trace.steps]
    assert all(not math.isclose(g["value"], s["answer"], rel_tol=1e-3)
               for s in ex["steps"] for g in s["guesses"])
    assert 'name="answer"' in page and 'role="status"' in page
    assert "exercise" not in json.dumps(json.loads(re.search(
        r'<script type="application/json" id="[^"]+">(.*?)</script>',
        Stepper(neuron()["o"]).html(), re.S).group(1)))  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="exercise must be True or False"):
        Stepper(neuron()["o"], exercise=1)  # type: ignore[arg-type]
    out = tmp_path / "ex.html"
    done = subprocess.run([sys.executable, "-m", "viz.cli", "x*y + x", "x=2", "y=3", "--html",
                           str(out), "--exercise"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0 and f"wrote {out}" in done.stdout
    assert 'name="answer"' in out.read_text()
    bad = subprocess.run([sys.executable, "-m", "viz.cli", "x*y", "x=2", "y=3", "--exercise"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 2
    assert bad.stderr == ("stepgrad: error: --exercise goes with --html FILE (the exercise is a "
                          "page)\n")
