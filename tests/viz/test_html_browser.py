"""The HTML stepper in a real headless Chromium (Debian's ``chromium``, driven by playwright).

Every page is opened from ``file://`` with all requests recorded: only the file itself may be
fetched. Displayed gradients are read from the drawing's grad cells and compared with the
engine's trace replayed to that step: as text (what draw_dot writes) and as numbers within the
display precision (4 decimals, or 4 significant digits in exponent form), and the window API's
full-precision values exactly.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page

from autograd import Value, walk
from autograd._words import is_constant
from autograd.strategies import Program, programs
from demos.neuron import neuron as classic_neuron
from nn import MLP
from viz._format import DASH, number
from viz.html import Stepper

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def pages_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stepper_pages")


class Opened:
    """A stepper page open in the browser, with what it asked for and what it complained of."""

    def __init__(self, page: Page, stepper: Stepper, url: str) -> None:
        self.page, self.stepper, self.url = page, stepper, url
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

    @property
    def api(self) -> str:
        return f"window.stepgrad[{self.stepper.prefix!r}]"

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.page.evaluate(f"{self.api}.state()")
        return result

    def step(self) -> int:
        return int(self.page.get_attribute(f"#{self.stepper.prefix}root", "data-step") or "-1")

    def cells(self) -> list[tuple[str | None, str | None]]:
        """The text of every node's data and grad cell, in walk order (None: no such cell)."""
        return self.seen()[2]

    def seen(self) -> tuple[int, dict[str, Any], list[tuple[str | None, str | None]]]:
        """In one round trip: the root's data-step, the API's state, and `cells`."""
        step, state, cells = self.page.evaluate(
            """([p, n]) => [
                 document.getElementById(p + 'root').dataset.step, window.stepgrad[p].state(),
                 Array.from({length: n}, (_, i) => [p + 'd' + i, p + 'g' + i]
                   .map((id) => document.getElementById(id))
                   .map((el) => el && el.textContent.trim()))]""",
            [self.stepper.prefix, len(self.stepper.trace.order)])
        return int(step), state, [(d, g) for d, g in cells]

    def button(self, name: str) -> None:
        self.page.click(f"#{self.stepper.prefix}{name}")


def open_page(browser: Browser, stepper: Stepper, path: Path, fragment: str = "", *,
              width: int = 1280, height: int = 900, clock: bool = False) -> Opened:
    """Open the saved page; with ``clock`` its timers run only when the test moves the clock."""
    stepper.save(path)
    url = path.resolve().as_uri()
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    if clock:  # installed, time would still flow on its own: paused, only run_for moves it
        page.clock.install(time=0)
        page.clock.pause_at(1000)
    opened = Opened(page, stepper, url)

    def route(r: Any) -> None:
        opened.requests.append(r.request.url)
        if r.request.url.split("#")[0] == url:
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("console", lambda m: opened.errors.append(m.text) if m.type in ("error", "warning")
            else None)
    page.goto(url + fragment)
    page.wait_for_selector(f"#{stepper.prefix}root[data-ready=true]", timeout=15_000)
    return opened


def close(opened: Opened) -> None:
    """Close the page after checking it fetched nothing but itself and raised nothing."""
    try:
        assert opened.requests == [opened.url], opened.requests
        assert opened.dialogs == []
        assert opened.errors == []
    finally:
        opened.page.context.close()


# -- what the page should show at each step, from the trace alone ---------------------------------

def expected(stepper: Stepper, s: int) -> tuple[list[float | None], list[float | None]]:
    """Data and grad of every node at page step s: leaves known from the start, op nodes one
    per forward step, then the seed, then the trace's steps replayed, but for those into
    constants (numbers of the expression), which the page leaves out."""
    t = stepper.trace
    forward = [node for node in t.order if node.op is not None]
    known = {node for node in t.order if node.op is None} | set(forward[:s])
    grads: dict[Value, float] = {}
    if s > len(forward):
        grads[t.root] = t.seed
    shown = [st for st in t.steps if not is_constant(st.operand)
             or st.operand in stepper.params]
    for step in shown[: max(0, s - len(forward) - 1)]:
        grads[step.operand] = step.after
    return ([node.data if node in known else None for node in t.order],
            [grads.get(node) for node in t.order])


def shown_matches(text: str, value: float) -> bool:
    """``text`` shows ``value`` to the display precision: 4 decimals or 4 significant digits."""
    x = float(text)
    if math.isnan(value) or math.isinf(value) or value == 0.0:
        return x == value or (math.isnan(x) and math.isnan(value))
    if "e" in text:
        return abs(x - value) <= 5e-4 * abs(value)
    return abs(x - value) <= 5e-5 * (1 + 1e-9)


def check_step(opened: Opened, s: int) -> None:
    """The page is at step s and every cell and the API show what the trace says."""
    step, state, cells = opened.seen()
    assert step == s
    datas, grads = expected(opened.stepper, s)
    assert state["step"] == s
    for got, want in zip(state["grads"], grads, strict=True):  # full precision, exactly
        assert got == want or (want is not None and math.isnan(want) and math.isnan(got))
    for got, want in zip(state["data"], datas, strict=True):
        assert got == want or (want is not None and math.isnan(want) and math.isnan(got))
    for i, ((d_text, g_text), d, g) in enumerate(zip(cells, datas, grads, strict=True)):
        node = opened.stepper.trace.order[i]
        if is_constant(node, opened.stepper.params) and i != len(datas) - 1:
            assert d_text is None and g_text is None and g is None, (s, i)  # a constant
            continue
        assert d_text is not None and g_text is not None, (s, i)
        assert d_text == ("data ?" if d is None else f"data {number(d)}"), (s, i)
        assert g_text == (f"grad {DASH}" if g is None else f"grad {number(g)}"), (s, i)
        if d is not None:
            assert shown_matches(d_text.removeprefix("data "), d), (s, i, d_text, d)
        if g is not None:
            assert shown_matches(g_text.removeprefix("grad "), g), (s, i, g_text, g)


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), micrograd's lecture neuron: o = 1/sqrt(2)."""
    return classic_neuron()["o"]


# -- the classic neuron ----------------------------------------------------------------------

def test_neuron_next_through_every_step_then_previous_undoes(browser: Browser,
                                                              pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    opened = open_page(browser, stepper, pages_dir / "neuron.html")
    try:
        check_step(opened, 0)
        for s in range(1, stepper.last_step + 1):
            opened.button("next")
            check_step(opened, s)
        assert opened.page.is_disabled(f"#{stepper.prefix}next")
        opened.page.keyboard.press("ArrowRight")  # past the end: stays
        check_step(opened, stepper.last_step)
        # the closed form: do/dn = 1 - tanh(n)^2 = 1/2, then through the products and the sum
        labels = [v.label for v in stepper.trace.order]
        grads = dict(zip(labels, opened.state()["grads"], strict=True))
        closed = {"o": 1.0, "n": 0.5, "b": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}
        for label, value in closed.items():
            assert grads[label] == pytest.approx(value, abs=1e-12)
        for s in range(stepper.last_step - 1, -1, -1):
            opened.button("prev")
            check_step(opened, s)
    finally:
        close(opened)


def test_neuron_keyboard_slider_and_deep_link(browser: Browser, pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    mid = stepper.page_step(4)
    opened = open_page(browser, stepper, pages_dir / "neuron_keys.html", f"#step={mid}")
    page, p = opened.page, stepper.prefix
    try:
        check_step(opened, mid)  # the deep link
        page.keyboard.press("ArrowRight")
        check_step(opened, mid + 1)
        assert page.url.endswith(f"#step={mid + 1}")  # and the link follows the page
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        check_step(opened, mid - 1)
        page.keyboard.press("End")
        check_step(opened, stepper.last_step)
        page.keyboard.press("Home")
        check_step(opened, 0)
        # the slider: dragged to a step, then moved with its own arrow keys
        slider = page.locator(f"#{p}slider")
        slider.evaluate("(el) => { el.value = '6'; el.dispatchEvent(new Event('input')); }")
        check_step(opened, 6)
        slider.focus()
        page.keyboard.press("ArrowRight")
        check_step(opened, 7)
        assert slider.input_value() == "7"
        # editing the address's fragment moves the stepper too
        page.evaluate("location.hash = '#step=3'")
        page.wait_for_selector(f"#{p}root[data-step='3']")
        check_step(opened, 3)
        # narration for screen readers, at a backward step
        page.evaluate(f"{opened.api}.go({stepper.page_step(0)})")
        narration = page.locator(f"#{p}narration")
        assert narration.get_attribute("aria-live") == "polite"
        text = narration.text_content() or ""
        assert text == "Backward step 1 of 9: o passes 0.5000 to n: n.grad 0 -> 0.5000."
        local = page.text_content(f"#{p}local") or ""
        assert local == "do/dn = 1 - tanh(n)^2 = 0.5000"  # the card holds the arithmetic
        assert page.get_attribute(f"#{p}root", "data-phase") == "backward"
        assert page.get_attribute(f"#{p}root", "data-trace-step") == "0"
        assert "active" in (page.get_attribute(f"#{p}n9", "class") or "")
        assert "active" in (page.get_attribute(f"#{p}e9_0", "class") or "")
    finally:
        close(opened)


def test_neuron_play_runs_to_the_end_and_pauses(browser: Browser, pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    opened = open_page(browser, stepper, pages_dir / "neuron_play.html", clock=True)
    page, p = opened.page, stepper.prefix
    try:
        page.select_option(f"#{p}speed", "80")
        page.keyboard.press(" ")  # space: play
        assert page.get_attribute(f"#{p}play", "aria-pressed") == "true"
        page.clock.run_for(80 * 3)  # the page's clock: three ticks, three steps
        assert opened.step() == 3
        page.clock.run_for(80 * stepper.last_step)
        page.wait_for_selector(f"#{p}play[aria-pressed='false']")
        assert opened.state()["playing"] is False
        check_step(opened, stepper.last_step)
        opened.button("play")  # from the end, play starts again from the start
        page.clock.run_for(80 * 2)
        assert opened.step() == 2
        opened.button("play")
        page.clock.run_for(80 * 10)  # paused: time passes, the step stays
        assert opened.state()["playing"] is False
        check_step(opened, 2)
    finally:
        close(opened)


def test_no_request_leaves_the_page(browser: Browser, pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    opened = open_page(browser, stepper, pages_dir / "neuron_csp.html")
    page = opened.page
    try:
        # even script that tries is stopped by the page's Content-Security-Policy
        outcome = page.evaluate("""() => fetch('https://example.com/x')
            .then(() => 'fetched', () => 'blocked')""")
        assert outcome == "blocked"
        with page.expect_console_message(lambda m: "pixel.png" in m.text):
            blocked = page.evaluate("""() => new Promise((resolve) => {
                document.addEventListener('securitypolicyviolation',
                                          (e) => resolve(e.blockedURI), {once: true});
                const img = document.createElement('img');
                img.src = 'https://example.com/pixel.png'; document.body.appendChild(img); })""")
        assert blocked == "https://example.com/pixel.png"
        refused = [e for e in opened.errors if "Content Security Policy" in e]
        assert refused and len(refused) == len(opened.errors)
        opened.errors.clear()
    finally:
        close(opened)


def test_html_in_a_label_shows_as_text(browser: Browser, pages_dir: Path) -> None:
    x = Value(2.0, XSS)
    y = Value(-1.0, "</script><script>alert(2)</script>")
    root = (x * y).tanh()
    root.label = "out"
    stepper = Stepper(root, title=XSS)
    opened = open_page(browser, stepper, pages_dir / "xss.html")
    page, p = opened.page, stepper.prefix
    try:
        assert page.locator("img").count() == 0
        assert page.title() == XSS
        assert XSS in (page.text_content(f"#{p}n0") or "")
        page.evaluate(f"{opened.api}.last()")  # the step into x: names x in the card
        head = page.text_content(f"#{p}head") or ""
        assert XSS in head or y.label in head
        names = page.evaluate(f"JSON.parse(document.getElementById('{p}data').textContent)"
                              ".nodes.map((n) => n.name)")
        assert names[:2] == [XSS, y.label]
        assert opened.dialogs == []
    finally:
        close(opened)


def test_non_finite_values_are_shown(browser: Browser, pages_dir: Path) -> None:
    x = Value(float("inf"), "x")
    z = Value(float("nan"), "z")
    root = x * 2.0 + z
    stepper = Stepper(root)
    opened = open_page(browser, stepper, pages_dir / "nonfinite.html")
    try:
        opened.page.evaluate(f"{opened.api}.last()")
        check_step(opened, stepper.last_step)
        assert ("data inf", "grad 2.0000") in opened.cells()
        assert opened.state()["data"][0] == math.inf
    finally:
        close(opened)


def test_a_lone_leaf_has_only_the_seed_step(browser: Browser, pages_dir: Path) -> None:
    stepper = Stepper(Value(3.0, "x"), grad=2.0)
    assert stepper.last_step == 1
    opened = open_page(browser, stepper, pages_dir / "leaf.html")
    try:
        check_step(opened, 0)
        opened.page.keyboard.press("ArrowRight")
        check_step(opened, 1)
        assert opened.state()["grads"] == [2.0]
        assert opened.page.get_attribute(f"#{stepper.prefix}root", "data-phase") == "seed"
    finally:
        close(opened)


def test_two_steppers_on_one_page_stay_apart(browser: Browser, pages_dir: Path) -> None:
    """As in a notebook: two inline steppers, each with its own ids, keys and state. The second
    is inserted the way JupyterLab shows HTML output: innerHTML, then each script re-created."""
    first, second = Stepper(neuron()), Stepper(neuron().exp())
    path = pages_dir / "notebook.html"
    path.write_text(f"<!DOCTYPE html><meta charset=utf-8><body>{first._repr_html_()}"
                    "<hr><div id=output></div></body>", encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(path.resolve().as_uri())
        page.evaluate("""(html) => {
            const out = document.getElementById('output');
            out.innerHTML = html;
            for (const old of out.querySelectorAll('script')) {
                const script = document.createElement('script');
                for (const a of old.attributes) script.setAttribute(a.name, a.value);
                script.textContent = old.textContent;
                old.replaceWith(script);
            }
        }""", second._repr_html_())
        for s in (first, second):
            page.wait_for_selector(f"#{s.prefix}root[data-ready=true]")
        page.focus(f"#{second.prefix}root")
        page.keyboard.press("End")
        assert page.get_attribute(f"#{second.prefix}root", "data-step") == str(second.last_step)
        assert page.get_attribute(f"#{first.prefix}root", "data-step") == "0"
        page.click(f"#{first.prefix}next")
        page.keyboard.press("ArrowRight")  # the focus is in the first stepper now
        assert page.get_attribute(f"#{first.prefix}root", "data-step") == "2"
        assert page.get_attribute(f"#{second.prefix}root", "data-step") == str(second.last_step)
        assert page.url.endswith("notebook.html")  # inline steppers leave the address alone
    finally:
        context.close()


def test_mlp_page_is_usable(browser: Browser, pages_dir: Path) -> None:
    rng = random.Random(1)
    xs = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(2)]
    for layer, (nin, nout) in enumerate([(2, 16), (16, 16), (16, 1)]):
        outs = []
        for j in range(nout):
            act = Value(rng.uniform(-1, 1), f"b{layer}.{j}")
            for k in range(nin):
                act = act + Value(rng.uniform(-1, 1), f"w{layer}.{j}.{k}") * xs[k]
            outs.append(act.tanh() if layer < 2 else act)
        xs = outs
    stepper = Stepper(xs[0])
    assert len(walk(xs[0])) > 900
    opened = open_page(browser, stepper, pages_dir / "mlp.html")
    page, p = opened.page, stepper.prefix
    try:
        mid = stepper.page_step(len(stepper.trace.steps) // 2)
        page.evaluate(f"{opened.api}.go({mid})")
        check_step(opened, mid)
        opened.button("next")
        check_step(opened, mid + 1)
        # the active node is scrolled into the visible part of the drawing
        view = page.locator(f"#{p}view").bounding_box()
        k = mid + 1 - stepper.forward_steps - 2
        active = stepper.trace.order.index(stepper.trace.steps[k].node)
        box = page.locator(f"#{p}n{active}").bounding_box()
        assert view and box
        assert view["x"] <= box["x"] + box["width"] / 2 <= view["x"] + view["width"]
        assert view["y"] <= box["y"] + box["height"] / 2 <= view["y"] + view["height"]
        page.keyboard.press("End")
        check_step(opened, stepper.last_step)
    finally:
        close(opened)


# -- window sizes, zoom and keys ------------------------------------------------------------

def box_of(page: Page, selector: str) -> dict[str, float]:
    box: dict[str, float] = page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
             return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }""", selector)
    return box


def inside(box: dict[str, float], area: dict[str, float]) -> bool:
    return (box["left"] >= area["left"] - 0.5 and box["right"] <= area["right"] + 0.5
            and box["top"] >= area["top"] - 0.5 and box["bottom"] <= area["bottom"] + 0.5)


def window_of(page: Page) -> dict[str, float]:
    size: dict[str, float] = page.evaluate(
        "() => ({left: 0, top: 0, right: innerWidth, bottom: innerHeight})")
    return size


def test_page_opens_fitted_so_the_output_shows_at_1280(browser: Browser, pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    opened = open_page(browser, stepper, pages_dir / "fit_1280.html", width=1280, height=800)
    page, p = opened.page, stepper.prefix
    out = f"#{p}n{len(stepper.trace.order) - 1}"
    try:
        natural = page.evaluate(f"document.querySelector('#{p}view svg').width.baseVal"
                                ".valueInSpecifiedUnits * 4 / 3")
        assert natural > 1280  # at full size the drawing is wider than the window
        zoom = opened.state()["zoom"]
        assert 0.65 <= zoom < 1
        assert page.get_attribute(f"#{p}fit", "aria-pressed") == "true"
        assert inside(box_of(page, out), window_of(page))
        assert inside(box_of(page, out), box_of(page, f"#{p}view"))
        opened.button("fit")  # full size: now the output is beyond the window's edge
        assert opened.state()["zoom"] == 1
        assert page.get_attribute(f"#{p}fit", "aria-pressed") == "false"
        assert not inside(box_of(page, out), box_of(page, f"#{p}view"))
        opened.button("fit")
        assert opened.state()["zoom"] == zoom
    finally:
        close(opened)


def test_a_phone_wide_page_keeps_the_active_node_in_view_and_text_legible(
        browser: Browser, pages_dir: Path) -> None:
    model = MLP(3, [4, 4, 1], seed=0)
    stepper = Stepper(model([1.0, -2.0, 0.5]), params=model.parameters())
    opened = open_page(browser, stepper, pages_dir / "phone.html", width=390, height=844)
    page, p = opened.page, stepper.prefix
    try:
        assert opened.state()["zoom"] == 0.65  # the minimum: fitting the width would be tiny
        heights = page.evaluate(f"""() => Array.from(
            document.querySelectorAll('#{p}view svg text'),
            (t) => t.getBoundingClientRect().height)""")
        assert min(heights) >= 9  # px: text stays legible, the drawing pans instead
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no page sideways
        where = f"""() => {{  // the step, the active node's box, the window's and the view's
            const box = (el) => {{ const r = el.getBoundingClientRect();
              return {{left: r.left, top: r.top, right: r.right, bottom: r.bottom}}; }};
            const active = document.querySelector('#{p}view .sg-active');
            return [document.getElementById('{p}root').dataset.step, active.id, box(active),
                    {{left: 0, top: 0, right: innerWidth, bottom: innerHeight}},
                    box(document.getElementById('{p}view'))]; }}"""
        for s in range(1, stepper.last_step + 1):
            page.keyboard.press("ArrowRight")
            step, active, box, window, view = page.evaluate(where)  # one round trip a step
            assert step == str(s)
            assert inside(box, window), (s, active, box)
            assert inside(box, view), (s, active, box)
        check_step(opened, stepper.last_step)
    finally:
        close(opened)


def test_space_plays_and_pauses_even_after_a_button_was_clicked(browser: Browser,
                                                                pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    opened = open_page(browser, stepper, pages_dir / "space.html", clock=True)
    page, p = opened.page, stepper.prefix
    try:
        opened.button("next")  # the click hands the keys back to the stepper
        assert page.evaluate("document.activeElement.id") == f"{p}root"
        page.keyboard.press(" ")
        assert opened.state()["playing"] is True
        assert opened.step() == 1  # Space did not click Next again
        page.keyboard.press(" ")
        assert opened.state()["playing"] is False and opened.step() == 1
        opened.button("play")  # clicked: playing, the keys with the stepper again
        assert opened.state()["playing"] is True
        page.keyboard.press(" ")
        assert opened.state()["playing"] is False
        page.clock.run_for(5000)
        check_step(opened, 1)
    finally:
        close(opened)


# -- hypothesis-drawn programs ----------------------------------------------------------------

# labels drawn to include markup, quotes and line separators: they must stay text
LABEL = st.text(st.sampled_from("ab<>&\"'/ \u2028x1"), max_size=6)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=programs(max_inputs=3, max_ops=6), labels=st.lists(LABEL, max_size=12))
def test_random_program_steps_match_its_trace(browser: Browser, pages_dir: Path,
                                              case: tuple[Program, list[float]],
                                              labels: list[str]) -> None:
    program, point = case
    root = program(*[Value(x) for x in point])
    for node, label in zip(walk(root), labels, strict=False):
        node.label = label
    stepper = Stepper(root)
    opened = open_page(browser, stepper, pages_dir / "program.html")
    try:
        check_step(opened, 0)
        for s in range(1, stepper.last_step + 1):
            opened.page.keyboard.press("ArrowRight")
            check_step(opened, s)
        for s in range(stepper.last_step - 1, max(-1, stepper.last_step - 4), -1):
            opened.page.keyboard.press("ArrowLeft")
            check_step(opened, s)
        names = opened.page.evaluate(
            f"() => JSON.parse(document.getElementById('{stepper.prefix}data').textContent)"
            ".nodes.map((n) => n.name)")
        labelled = [(name, node.label) for name, node in zip(names, walk(root), strict=True)
                    if node.label]
        assert all(name.startswith(label) for name, label in labelled)  # x[3] if shared
        assert opened.dialogs == []
    finally:
        close(opened)


def test_space_plays_even_after_a_button_was_clicked(browser: Browser, pages_dir: Path) -> None:
    stepper = Stepper(neuron())
    opened = open_page(browser, stepper, pages_dir / "neuron_space.html")
    page, p = opened.page, stepper.prefix
    try:
        page.click(f"#{p}next")
        page.wait_for_selector(f"#{p}root[data-step='1']")
        page.keyboard.press(" ")  # plays: not a second click on Next
        page.wait_for_selector(f"#{p}play[aria-pressed=true]")
        page.keyboard.press(" ")
        page.wait_for_selector(f"#{p}play[aria-pressed=false]")
        page.click(f"#{p}fit")
        page.keyboard.press(" ")
        page.wait_for_selector(f"#{p}play[aria-pressed=true]")
        assert opened.errors == []
    finally:
        page.close()


def test_the_narration_of_an_mlp_stays_short(browser: Browser, pages_dir: Path) -> None:
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    stepper = Stepper(model([0.5, -1.0]), params=model.parameters())
    opened = open_page(browser, stepper, pages_dir / "mlp_narration.html")
    page, p = opened.page, stepper.prefix
    try:
        longest = 0
        # every page's words are checked in Python (test_views_names); here a spread of them
        # is shown: the narration on the page is the page's own line, and short
        pages = stepper._data["pages"]
        for s in [*range(0, stepper.last_step + 1, 61), stepper.last_step]:
            page.evaluate(f"window.location.hash = '#step={s}'")
            page.wait_for_selector(f"#{p}root[data-step='{s}']")
            shown = page.text_content(f"#{p}narration") or ""
            assert shown == pages[s]["line"]
            longest = max(longest, len(shown))
        assert longest < 250, longest
        assert opened.errors == []
    finally:
        page.close()
