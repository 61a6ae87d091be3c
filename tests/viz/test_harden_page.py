"""The stepper page with hostile labels and titles (issue 19.2, 19.9), in headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from autograd import Value
from viz import Stepper

CHROMIUM = os.environ.get("STEPGRAD_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.parametrize("bad", ["\ud800", "\ufffe", "\uffff"])
def test_a_label_with_a_lone_surrogate_or_noncharacter_saves(tmp_path: Path, bad: str) -> None:
    x = Value(1.0, f"a{bad}b")
    path = Stepper(x * 2).save(tmp_path / "page.html")
    text = path.read_text(encoding="utf-8")
    assert bad not in text and "a\\u" in text


def test_a_very_long_title_does_not_widen_the_page(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"this test needs Chromium at {CHROMIUM} (`sudo apt-get install chromium`)")
    path = Stepper(Value(2.0, "x") * 3, title="W" * 3000).save(tmp_path / "page.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 600})
            page.goto(path.as_uri())
            width = page.evaluate("document.documentElement.scrollWidth")
        finally:
            browser.close()
    assert width <= 800  # it was 21,711 px: the title never wrapped
