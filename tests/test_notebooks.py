"""The lessons in demos/notebooks run top to bottom in a real Jupyter kernel, and their
exercises' checks accept the right answer and only the right answer."""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "demos" / "notebooks"
LESSONS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))

# What each lesson must print somewhere: the seeds' numbers and the engines' answers.
EXPECTED = {
    "01_neuron": ["2.3", "n = 2.3000"],
    "02_layer": ["[4.8, 1.21, 2.385]"],
    "03_loss": ["mean squared error (MSE): 7.5", "dL/dout4 = -2.50"],
    "04_derivatives": ["df/dx = 14.0", "slope = 14.0"],
    "05_backprop_by_hand": ["o = 0.7071"],
    "06_gradient_descent": ["lr 0.3", "lr 1.05"],
    "07_moons": ["MLP(2, [16, 16, 1])"],
    "08_property_testing": ["hypothesis found and shrank a failing program", "log1p"],
}

# The exercise cells' solutions: replacing the cell with these makes the check print "right!".
SOLUTIONS = {
    "01_neuron": "my_bias = -0.3",
    "02_layer": "fourth = float(np.dot([0.1] * 4, inputs) - 1)",
    "03_loss": "mae = sum(abs(e) for e in errors) / len(errors)",
    "04_derivatives": "slope = 6 * -2 - 4",
    "05_backprop_by_hand": "\n".join([
        "o.grad = 1.0", "n.grad = 1 - o.data**2", "b.grad = n.grad", "s.grad = n.grad",
        "x1w1.grad = s.grad", "x2w2.grad = s.grad", "x1.grad = w1.data * x1w1.grad",
        "w1.grad = x1.data * x1w1.grad", "x2.grad = w2.data * x2w2.grad",
        "w2.grad = x2.data * x2w2.grad"]),
    "06_gradient_descent": "lr = 0.5",
    "07_moons": "small = MLP(2, [8, 1], seed=0)\nfit(small, X, y, epochs=60)",
    "08_property_testing": "def partial(out, x):\n    return 1 / (1 + x)",
}


def test_every_lesson_is_here_and_numbered() -> None:
    assert LESSONS == sorted(EXPECTED) == sorted(SOLUTIONS)
    assert [int(name[:2]) for name in LESSONS] == list(range(1, 9))


@pytest.mark.parametrize("name", LESSONS)
def test_committed_notebooks_carry_no_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (name, cell.id)
    tags = [t for cell in nb.cells for t in cell.metadata.get("tags", [])]
    assert tags.count("exercise") == 1 and tags.count("check") == 1
    assert tags.index("exercise") < tags.index("check")  # the lesson ends with the exercise


def execute(nb: Any) -> Any:
    """Run a notebook top to bottom in a fresh python3 kernel, from the lessons' folder."""
    NotebookClient(nb, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


@functools.cache
def executed(name: str, solved: bool = False) -> Any:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if solved:
        cell = next(c for c in nb.cells if "exercise" in c.metadata.get("tags", []))
        cell.source = SOLUTIONS[name]
    return execute(nb)


def text_of(output: Any) -> str:
    if output.output_type == "stream":
        return str(output.text)
    data = output.get("data", {})
    return str(data.get("text/plain", ""))


def check_output(nb: Any) -> str:
    cell = next(c for c in nb.cells if "check" in c.metadata.get("tags", []))
    return "".join(text_of(o) for o in cell.outputs)


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_and_prints_the_seeds_numbers(name: str) -> None:
    nb = executed(name)
    text = "".join(text_of(o) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    for expected in EXPECTED[name]:
        assert expected in text, f"{name}: {expected!r} not in its outputs"
    assert "right!" not in check_output(nb)  # the unsolved exercise is not accepted
    assert "not yet" in check_output(nb)


@pytest.mark.parametrize("name", LESSONS)
def test_the_exercises_solution_is_accepted(name: str) -> None:
    assert "right!" in check_output(executed(name, solved=True))


@pytest.mark.parametrize("name", LESSONS)
def test_cells_write_nothing_to_stderr_but_progress(name: str) -> None:
    for cell in executed(name).cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                assert re.search(r"\d+/\d+|it/s|s/it", out.text), (name, out.text[:200])


def mime_types(nb: Any) -> set[str]:
    return {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}


def test_inline_views_have_the_right_mime_types() -> None:
    assert "image/svg+xml" in mime_types(executed("01_neuron"))  # draw_dot
    assert "text/html" in mime_types(executed("05_backprop_by_hand"))  # the Stepper
    moons = executed("07_moons")
    assert {"image/png", "image/svg+xml"} <= mime_types(moons)  # plots and draw_mlp
    fit_cell = next(c for c in moons.cells if "fit(model" in c.source)
    widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                 for o in fit_cell.outputs)
    bar = any(o.output_type == "stream" and "it/s" in o.text for o in fit_cell.outputs)
    assert widget or bar, json.dumps(fit_cell.outputs)[:500]


def test_the_stepper_steps_in_a_notebook_exported_to_html(tmp_path: Path) -> None:
    from nbconvert import HTMLExporter
    from playwright.sync_api import sync_playwright

    body, _ = HTMLExporter().from_notebook_node(executed("05_backprop_by_hand"))
    page_file = tmp_path / "lesson05.html"
    page_file.write_text(body, encoding="utf-8")
    chromium = os.environ.get("STEPGRAD_CHROMIUM", "/usr/bin/chromium")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.route("http*://**", lambda route: route.abort())  # the export's CDN scripts
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(page_file.as_uri())
            root = page.locator(".sg-stepper").first
            root.wait_for()
            prefix = (root.get_attribute("id") or "")[:-len("root")]
            page.wait_for_selector(f"#{prefix}root[data-ready=true][data-step='0']")
            page.click(f"#{prefix}next")
            page.click(f"#{prefix}next")
            page.wait_for_selector(f"#{prefix}root[data-step='2']")
            page.click(f"#{prefix}last")
            last = root.get_attribute("data-last")
            page.wait_for_selector(f"#{prefix}root[data-step='{last}']")
        finally:
            browser.close()
    assert not errors, errors
