"""The interactive backprop stepper for the classic neuron o = tanh(x1*w1 + x2*w2 + b).

Writes out/neuron_stepper.html (open it in any browser, no network needed) and
out/stepper.png, a screenshot of the page at the backward step that reaches x1, taken with
headless Chromium (playwright driving the `chromium` on PATH, or $STEPGRAD_CHROMIUM). Without
Chromium the page is still written and the screenshot is skipped with a one-line note.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from autograd import Value
from viz.html import Stepper

OUTPUTS = ("out/neuron_stepper.html", "out/stepper.png")


def chromium() -> str | None:
    """The browser for the screenshot: $STEPGRAD_CHROMIUM, else `chromium` on PATH, else None."""
    return os.environ.get("STEPGRAD_CHROMIUM") or shutil.which("chromium")


def neuron() -> Value:
    """micrograd's lecture neuron, intermediate nodes labelled as in the lecture; o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def screenshot(browser_path: str, page_path: Path, png: Path, prefix: str, step: int) -> str:
    """Open the page in headless Chromium at ``#step=step``, save a PNG, return the narration."""
    from playwright.sync_api import sync_playwright  # only this demo needs a browser

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 700})
            page.goto(f"{page_path.resolve().as_uri()}#step={step}")
            page.wait_for_selector(f"#{prefix}root[data-ready=true][data-step='{step}']")
            # the page opens fitted: the whole drawing, shrunk to the window
            page.locator(f"#{prefix}root").screenshot(path=str(png))
            return page.text_content(f"#{prefix}narration") or ""
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> None:
    """Write the neuron's stepper page and a screenshot of it mid-way through backward."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="accepted for the smoke test")
    parser.parse_args(argv)
    out = Path("out")
    out.mkdir(exist_ok=True)
    o = neuron()
    stepper = Stepper(o, title="o = tanh(x1*w1 + x2*w2 + b): backpropagation step by step")
    page = stepper.save(out / "neuron_stepper.html")
    trace = stepper.trace
    print(f"wrote {page}: {len(trace.order)} nodes, {stepper.forward_steps} forward steps, "
          f"the seed, {len(trace.steps)} backward steps (page steps 0..{stepper.last_step})")
    # a step where something visibly changes: x1's gradient goes from 0 to -1.5
    k = next(s.index for s in trace.steps if s.operand.label == "x1")
    browser = chromium()
    if browser is None:
        print("skipped out/stepper.png: no Chromium found (install it with `sudo apt-get install "
              "chromium`, or set STEPGRAD_CHROMIUM to a Chromium binary)")
        return
    narration = screenshot(browser, page, out / "stepper.png", stepper.prefix, stepper.page_step(k))
    print(f"wrote {out / 'stepper.png'} at page step {stepper.page_step(k)}:")
    print(f"  {narration}")


if __name__ == "__main__":
    main()
