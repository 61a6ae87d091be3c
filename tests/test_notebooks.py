"""The lessons in demos/notebooks run top to bottom in a real Jupyter kernel, and their
exercises' checks accept the right answer and only the right answer."""

from __future__ import annotations

import functools
import json
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
    "07_moons": ["337 parameters", "History(30 steps"],
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
    "07_moons": "\n".join([
        "from nn import SGD, linear_decay", "better = MLP(2, [16, 16, 1], seed=1)",
        "fit(better, X, y, optimizer=SGD(better, lr=linear_decay(1.0, 0.1, 100)), epochs=100)"]),
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


@functools.cache
def executed(name: str) -> tuple[Any, str]:
    """The lesson run top to bottom in a fresh python3 kernel from the lessons' folder, and
    what its check printed after the exercise's solution ran in the same kernel (the solution,
    then every cell from the exercise's to the check, as if the learner had typed it there)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    first = next(i for i, t in enumerate(tags) if "exercise" in t)
    last = next(i for i, t in enumerate(tags) if "check" in t)
    again = [nbformat.v4.new_code_cell(SOLUTIONS[name])]
    again += [nbformat.v4.new_code_cell(c.source) for c in nb.cells[first + 1 : last + 1]]
    lesson = len(nb.cells)
    nb.cells += again  # the client writes each cell back by its index: room for these
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
    del nb.cells[lesson:]  # the lesson as the learner sees it, for the tests of its outputs
    return nb, "".join(text_of(o) for o in again[-1].outputs)


def text_of(output: Any) -> str:
    if output.output_type == "stream":
        return str(output.text)
    data = output.get("data", {})
    return str(data.get("text/plain", ""))


def check_output(nb: Any) -> str:
    cell = next(c for c in nb.cells if "check" in c.metadata.get("tags", []))
    return "".join(text_of(o) for o in cell.outputs)


def mime_types(nb: Any) -> set[str]:
    return {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}


# What each lesson shows inline besides text: draw_dot's SVG, the Stepper's HTML, plots as PNG.
MIME = {"01_neuron": {"image/svg+xml"}, "05_backprop_by_hand": {"text/html"},
        "07_moons": {"image/png", "image/svg+xml"}}


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_prints_the_seeds_numbers_and_checks_its_exercise(name: str) -> None:
    # one test per lesson, so that each lesson runs once whichever worker takes it
    nb, solved = executed(name)
    text = "".join(text_of(o) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    for expected in EXPECTED[name]:
        assert expected in text, f"{name}: {expected!r} not in its outputs"
    assert "right!" not in check_output(nb)  # the unsolved exercise is not accepted
    assert "not yet" in check_output(nb)
    assert "right!" in solved  # and the solution is
    for cell in nb.cells:  # nothing on stderr but progress bars
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                assert re.search(r"\d+/\d+|it/s|s/it", out.text), (name, out.text[:200])
    assert MIME.get(name, set()) <= mime_types(nb)
    if name == "07_moons":  # fit shows its progress: a widget, or a text bar
        fit_cell = next(c for c in nb.cells if "fit(model" in c.source)
        widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                     for o in fit_cell.outputs)
        bar = any(o.output_type == "stream" and "it/s" in o.text for o in fit_cell.outputs)
        assert widget or bar, json.dumps(fit_cell.outputs)[:500]


def test_the_stepper_steps_in_a_notebook_exported_to_html(browser: Any, tmp_path: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(executed("05_backprop_by_hand")[0])
    page_file = tmp_path / "lesson05.html"
    page_file.write_text(body, encoding="utf-8")
    errors: list[str] = []
    page = browser.new_page()
    try:
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
        page.close()
    assert not errors, errors
