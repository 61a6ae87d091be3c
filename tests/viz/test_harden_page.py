"""The stepper page with hostile labels and titles (issue 19.2, 19.9), in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograd import Value
from viz import Stepper


@pytest.mark.parametrize("bad", ["\ud800", "\ufffe", "\uffff"])
def test_a_label_with_a_lone_surrogate_or_noncharacter_saves(tmp_path: Path, bad: str) -> None:
    x = Value(1.0, f"a{bad}b")
    path = Stepper(x * 2).save(tmp_path / "page.html")
    text = path.read_text(encoding="utf-8")
    assert bad not in text and "a\\u" in text


def test_a_very_long_title_does_not_widen_the_page(browser: Any, tmp_path: Path) -> None:
    path = Stepper(Value(2.0, "x") * 3, title="W" * 3000).save(tmp_path / "page.html")
    page = browser.new_page(viewport={"width": 800, "height": 600})
    try:
        page.goto(path.as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.close()
    assert width <= 800  # it was 21,711 px: the title never wrapped
