"""Suite-wide hypothesis profiles (``ci`` when the CI environment variable is true, else
``dev``), the ``browser`` fixture the browser tests share, and a settled heap for each test file
(what earlier files left alive is frozen out of the garbage collector's scans: 64 -> 55 s).

Test policy lives here, not in the library (``autograd.strategies`` only draws programs).
``ci``: derandomized so a run is reproducible, 200 examples, no deadline and no too-slow health
check (shared runners are slow), no example database. ``dev``: 50 examples, no deadline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings


def register_profiles(load: bool = True) -> str:
    """Register the profiles ``ci`` and ``dev``; load this environment's unless ``load=False``.

    Returns the name of the profile for this environment.
    """
    settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None,
                              database=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", max_examples=50, deadline=None)
    name = "ci" if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes") else "dev"
    if load:
        settings.load_profile(name)
    return name


register_profiles()


CHROMIUM = os.environ.get("STEPGRAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by playwright, for the browser tests (never
    `playwright install`); fails, never skips, when Chromium is missing. One per test
    process: each test opens its own context or page."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: install it with "
                    "`sudo apt-get install chromium` (or set STEPGRAD_CHROMIUM to its path)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module", autouse=True)
def _settled_heap() -> None:
    """Each test file starts with what earlier files left alive moved out of the collector's
    sight (``gc.freeze``), so that building a large graph does not pay for scanning them."""
    import gc

    gc.collect()
    gc.freeze()
