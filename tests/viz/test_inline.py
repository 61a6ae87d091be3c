"""Views shown inline in Jupyter fit the cell: measured in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from autograd import Value
from nn import MLP
from viz import draw_dot, draw_mlp


def shown_width(browser: Browser, tmp_path: Path, svg: str, cell: int) -> float:
    """The SVG's width on screen inside a notebook cell ``cell`` pixels wide."""
    page_file = tmp_path / "cell.html"
    page_file.write_text(f'<!DOCTYPE html><div id="cell" style="width:{cell}px">{svg}</div>',
                         encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(page_file.as_uri())
    width: float = page.evaluate("document.querySelector('#cell svg').getBoundingClientRect()"
                                 ".width")
    page.close()
    return width


def test_a_wide_graph_scales_down_to_the_cell(browser: Browser, tmp_path: Path) -> None:
    x = Value(1.0, "x")
    wide = sum((x * k for k in range(1, 25)), Value(0.0))
    svg = draw_dot(wide)._repr_mimebundle_()["image/svg+xml"]
    natural = float(svg.split('width="', 1)[1].split("pt", 1)[0]) * 4 / 3  # pt to px
    assert natural > 1000  # wider than any cell
    assert 390 <= shown_width(browser, tmp_path, svg, 400) <= 400


def test_a_small_graph_keeps_its_size(browser: Browser, tmp_path: Path) -> None:
    svg = draw_dot(Value(2.0, "a") * Value(3.0, "b"))._repr_mimebundle_()["image/svg+xml"]
    natural = float(svg.split('width="', 1)[1].split("pt", 1)[0]) * 4 / 3
    assert shown_width(browser, tmp_path, svg, 900) == pytest.approx(natural, abs=1.5)


def test_a_wide_network_diagram_scales_down_too(browser: Browser, tmp_path: Path) -> None:
    svg = draw_mlp(MLP(3, [16, 16, 16, 16, 1], seed=0))._repr_mimebundle_()["image/svg+xml"]
    assert shown_width(browser, tmp_path, svg, 300) <= 300


# JupyterLab's own table rules (its rendermime stylesheet), as a notebook page applies them
JUPYTER_TABLES = """
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { text-align: right; padding: 0.5em; }
.jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: rgb(245, 245, 245); }
.jp-RenderedHTMLCommon tbody tr:hover { background: rgba(66, 165, 245, 0.2); }
"""


def test_the_stepper_card_keeps_its_alignment_under_jupyters_table_styles(
        browser: Browser, tmp_path: Path) -> None:
    from viz import Stepper

    a, b = Value(2.0, "a"), Value(-3.0, "b")
    page_file = tmp_path / "notebook.html"
    page_file.write_text(f"<!DOCTYPE html><style>{JUPYTER_TABLES}</style>"
                         f'<div class="jp-RenderedHTMLCommon">{Stepper(a * b)._repr_html_()}'
                         "</div>", encoding="utf-8")
    page = browser.new_page()
    page.goto(page_file.as_uri())
    styles = page.evaluate("""() => [...document.querySelectorAll('.sg-chain tr')].map(tr => {
        const cells = [...tr.children].map(c => getComputedStyle(c).textAlign);
        return [getComputedStyle(tr).backgroundColor, ...cells]; })""")
    page.close()
    assert len(styles) == 4
    for background, *aligns in styles:
        assert background == "rgba(0, 0, 0, 0)" and aligns == ["left", "left"], styles
