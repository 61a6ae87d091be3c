"""Every demo runs end to end in its quick mode and writes what it promises."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
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


def test_demos_help_lists_every_demo_with_its_summary() -> None:
    out = subprocess.run([sys.executable, "-m", "demos", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for name in DEMOS:
        doc = (importlib.import_module(f"demos.{name}").__doc__ or "").strip().splitlines()[0]
        assert f"  {name}" in out and doc[:40] in out, name


def test_demos_runs_only_the_named_demo(capsys: pytest.CaptureFixture[str]) -> None:
    from demos.__main__ import main

    main(["neuron"])
    out = capsys.readouterr().out
    assert "=== demos.neuron" in out and out.count("=== demos.") == 1


def test_an_unknown_demo_name_is_a_clear_error() -> None:
    run = subprocess.run([sys.executable, "-m", "demos", "moon"], capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "no demo named 'moon'" in run.stderr and "moons" in run.stderr


def test_the_stepper_demo_without_chromium_writes_the_page_and_skips_the_picture(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    bare = tmp_path / "bin"  # a PATH with Graphviz's dot on it and no chromium
    bare.mkdir()
    (bare / "dot").symlink_to(shutil.which("dot") or "dot")
    monkeypatch.setenv("PATH", str(bare))
    monkeypatch.delenv("STEPGRAD_CHROMIUM", raising=False)
    monkeypatch.chdir(tmp_path)
    importlib.import_module("demos.stepper").main(["--quick"])
    out = capsys.readouterr().out
    assert "skipped out/stepper.png: no Chromium found" in out
    assert (tmp_path / "out/neuron_stepper.html").stat().st_size > 0
    assert not (tmp_path / "out/stepper.png").exists()


def test_make_demo_installs_only_what_demos_need_and_does_not_require_chromium() -> None:
    root = Path(__file__).resolve().parents[1]
    plan = subprocess.run(["make", "-n", "-B", "demo"], cwd=root, capture_output=True,
                          text=True, check=True).stdout
    installs = [line for line in plan.splitlines() if "pip install -q -e" in line]
    assert installs == [f"{Path('.venv/bin/python')} -m pip install -q -e '.[demos]'"]
    assert "error: 'chromium' is missing" not in plan  # chromium is wanted, not needed
    assert "the stepper demo will skip its screenshot" in plan
