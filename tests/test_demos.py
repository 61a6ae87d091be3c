"""Every demo runs end to end in its quick mode and writes what it promises."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from demos import DEMOS


@pytest.mark.parametrize("name", DEMOS)
def test_demo_runs_quick(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # demos write into ./out
    module = importlib.import_module(f"demos.{name}")
    module.main(["--quick"])
    assert capsys.readouterr().out.strip(), f"demos.{name} printed nothing"
    for path in getattr(module, "OUTPUTS", ()):
        assert (tmp_path / path).stat().st_size > 0, f"demos.{name} did not write {path}"


def test_neuron_demo_prints_the_lecture_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    importlib.import_module("demos.neuron").main([])
    out = capsys.readouterr().out
    assert "= 0.7071" in out
    assert "do/dx1 = -1.5000" in out and "do/dw1 =  1.0000" in out and "do/db  =  0.5000" in out
