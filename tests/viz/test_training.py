"""TrainingView: a recorded training run replayed in one offline page (and a GIF).

The page is opened in headless Chromium from file://; what it shows at a step is read through
its test hook (window.stepgradTraining) and its text, and compared with the History that
fit(..., record=True) kept and with the model itself.
"""

from __future__ import annotations

import os
import re
import time
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from nn import MLP, fit
from nn.datasets import moons
from viz import TrainingView

NASTY = "<img src=x onerror=alert(1)> & {css} </script>"


@pytest.fixture(scope="module")
def run() -> tuple[Any, Any, Any, Any]:
    X, y = moons(40, noise=0.1, seed=3)
    model = MLP(2, [6, 6, 1], seed=2)
    history = fit(model, X, y, epochs=25, record=True)
    return model, X, y, history


class Opened:
    """A page open in Chromium, with every request and complaint it made."""

    def __init__(self, browser: Browser, path: Path, fragment: str = "") -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page: Page = browser.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in
                     ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append("dialog " + d.message),
                                          d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector("#sg-training[data-ready=true]")

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate("window.stepgradTraining.state()")
        return state

    def wait_index(self, index: int) -> None:
        self.page.wait_for_selector(f"#sg-training[data-index='{index}']")


def opened(browser: Browser, tmp_path: Path, view: TrainingView, fragment: str = "") -> Opened:
    return Opened(browser, view.save(tmp_path / "training.html"), fragment)


def test_the_page_shows_each_snapshots_weights_and_loss(browser: Browser, tmp_path: Path,
                                                         run: Any) -> None:
    model, X, y, history = run
    page = opened(browser, tmp_path, TrainingView(model, X, y, history, title=NASTY))
    last = len(history.snapshot_steps) - 1
    for k in (0, 7, last):
        page.page.evaluate(f"window.stepgradTraining.go({k})")
        page.wait_index(k)
        state = page.state()
        step = history.snapshot_steps[k]
        assert state["step"] == step
        np.testing.assert_allclose(state["weights"], history.params[k], atol=1e-6)
        np.testing.assert_allclose(state["grads"], history.param_grads[k], atol=1e-6)
        counter = page.page.text_content("#tv-counter") or ""
        assert f"step {step} of {len(history.loss) - 1}" in counter
        shown = float(re.search(r"loss ([-\d.e+]+)", counter)[1])  # type: ignore[index]
        assert shown == pytest.approx(history.loss[step], rel=1e-3, abs=1e-4)
    assert page.page.text_content("#tv-title") == NASTY  # a nasty label stays text
    assert page.page.locator("img").count() == 0
    assert page.requests == [page.url] and page.errors == []


def test_slider_keys_play_and_step_links_move_through_the_run(browser: Browser, tmp_path: Path,
                                                               run: Any) -> None:
    model, X, y, history = run
    view = TrainingView(model, X, y, history)
    last = len(history.snapshot_steps) - 1
    page = opened(browser, tmp_path, view, fragment=f"#step={history.snapshot_steps[5]}")
    assert page.state()["index"] == 5  # the link opened at its step
    page.page.focus("#sg-training")
    page.page.keyboard.press("ArrowRight")
    page.wait_index(6)
    page.page.keyboard.press("End")
    page.wait_index(last)
    page.page.keyboard.press("Home")
    page.wait_index(0)
    page.page.fill("#tv-slider", "3")  # the slider moves the view
    page.wait_index(3)
    page.page.select_option("#tv-speed", "60")
    page.page.click("#tv-play")  # play runs to the end and stops
    page.page.wait_for_selector("#sg-training[data-playing=true]")
    page.page.wait_for_selector(f"#sg-training[data-index='{last}'][data-playing=false]")
    page.page.keyboard.press("Space")  # Space plays again after the button was clicked
    page.page.wait_for_selector("#sg-training[data-playing=true]")
    page.page.keyboard.press("Space")
    page.page.wait_for_selector("#sg-training[data-playing=false]")
    assert page.requests == [page.url] and page.errors == []


def test_the_boundary_is_the_models_own_score(run: Any) -> None:
    model, X, y, history = run
    view = TrainingView(model, X, y, history)
    fresh = MLP(2, [6, 6, 1], seed=2)  # the run's model before its first update
    ours = view.scores(0, X)
    np.testing.assert_allclose(ours, [fresh(list(x)).data for x in X], rtol=1e-12, atol=1e-12)
    after = view.scores(len(view.params) - 1, X)
    assert not np.allclose(after, ours)  # training moved it
    assert view.boundary(0).shape == (view.grid, view.grid)


def test_a_model_with_more_than_two_inputs_shows_all_but_the_boundary_and_says_why(
        browser: Browser, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = (X.sum(axis=1) > 0).astype(int)
    model = MLP(3, [4, 1], seed=0)
    view = TrainingView(model, X, y, fit(model, X, y, epochs=5, record=2))
    page = opened(browser, tmp_path, view)
    assert "this one has 3" in (page.page.text_content("#tv-why") or "")
    assert page.page.is_hidden("#tv-boundary")
    assert page.page.locator("#tv-net line").count() == 3 * 4 + 4 * 1
    assert page.errors == []


def synthetic_history(model: MLP, steps: int) -> Any:
    """A History shaped as fit(record=True) makes one: the page's size depends on shapes."""
    names = [name for name, _ in model.named_parameters()]
    rng = np.random.default_rng(1)
    return types.SimpleNamespace(
        param_names=names, snapshot_steps=list(range(steps)),
        params=rng.normal(size=(steps, len(names))),
        param_grads=rng.normal(size=(steps, len(names))) * 1e-2,
        loss=list(np.linspace(1, 0.01, steps)), accuracy=list(np.linspace(0.5, 1, steps)))


def test_a_hundred_recorded_moons_steps_make_a_page_under_3_mb(tmp_path: Path) -> None:
    X, y = moons(100, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)
    start = time.perf_counter()
    path = TrainingView(model, X, y, synthetic_history(model, 100)).save(tmp_path / "p.html")
    print(f"page built in {time.perf_counter() - start:.2f} s")  # measured, not asserted
    assert 100_000 < path.stat().st_size < 3_000_000


def test_the_gif_replays_the_run(tmp_path: Path, run: Any) -> None:
    from PIL import Image

    model, X, y, history = run
    path = TrainingView(model, X, y, history).save_gif(tmp_path / "run.gif", frames=4, fps=4)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]  # no temporary file left


def test_bad_input_is_a_clear_error(run: Any) -> None:
    model, X, y, history = run
    unrecorded = fit(MLP(2, [3, 1], seed=0), X, y, epochs=2)
    with pytest.raises(ValueError, match=r"record=True"):
        TrainingView(model, X, y, unrecorded)
    with pytest.raises(TypeError, match="needs an nn.MLP"):
        TrainingView(object(), X, y, history)
    with pytest.raises(ValueError, match="one row of 2 inputs per label"):
        TrainingView(model, X[:, :1], y, history)
    with pytest.raises(ValueError, match="do not match the model's shape"):
        TrainingView(MLP(2, [3, 1], seed=0), X, y, history)
    with pytest.raises(ValueError, match="grid"):
        TrainingView(model, X, y, history, grid=2)


def test_inline_in_jupyter_the_page_sits_in_a_sandboxed_frame(run: Any) -> None:
    model, X, y, history = run
    frame = TrainingView(model, X, y, history, title=NASTY)._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"") and 'sandbox="allow-scripts"' in frame
    assert "<img" not in frame and "<script" not in frame  # all escaped inside srcdoc


def test_the_gif_gets_the_usual_file_permissions(tmp_path: Path, run: Any) -> None:
    model, X, y, history = run
    mask = os.umask(0o022)
    os.umask(mask)  # read the process's umask back as it was
    path = TrainingView(model, X, y, history).save_gif(tmp_path / "run.gif", frames=2)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
