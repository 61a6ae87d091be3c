"""The README's Python examples run as written, in order, and print what it says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_examples() -> None:
    assert len(_python_blocks()) >= 6


def test_readme_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples write neuron.svg, neuron.html, moons.json
    namespace: dict[str, object] = {"__name__": "readme"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in _python_blocks():
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102  # our own README
    out = printed.getvalue()
    # the first example's comment: 0.7071..., -1.5, 1.0, 0.5
    first = [float(x) for x in out.splitlines()[0].split()]
    assert first == pytest.approx([0.7071067811865476, -1.5, 1.0, 0.5], abs=1e-12)
    assert "analytic 1.5 but finite differences give 3.0" in out
    assert float(namespace["d2y"]) == 12.0  # type: ignore[arg-type]
    for name in ("neuron.svg", "neuron.html", "moons.json"):
        assert (tmp_path / name).stat().st_size > 0, name


def test_the_readmes_first_stepgrad_output_is_what_stepgrad_prints() -> None:
    import shlex
    import subprocess
    import sys

    block = re.search(r"```console\n\$ (stepgrad .*?)\n(.*?)```",
                      README.read_text(encoding="utf-8"), re.S)
    assert block is not None
    argv = shlex.split(block[1])[1:]
    out = subprocess.run([sys.executable, "-m", "viz.cli", *argv], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    shown = [line for line in block[2].splitlines() if line.strip() != "..."]
    position = 0
    for line in shown:  # in order, each as printed; "..." cuts lines out
        position = out.index(line, position) + 1
