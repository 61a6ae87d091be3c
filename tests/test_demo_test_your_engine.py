"""`python -m demos.test_your_engine` reports each engine's classic bug as it should."""

from __future__ import annotations

import re

import pytest

from demos import test_your_engine


def test_demo_names_each_engines_bug(capsys: pytest.CaptureFixture[str]) -> None:
    test_your_engine.main(["--quick"])
    out = re.sub(r"\n {19}", " ", capsys.readouterr().out)  # join the wrapped lines
    parts = dict(re.findall(r"^--- (\S+): .*?\n(.*?)(?=^--- |\Z)", out, re.M | re.S))
    assert set(parts) == {f"demos.engines.{n}" for n, _ in test_your_engine.ENGINES} | {
        "micrograd.engine"}
    assert "passes" in parts["demos.engines.correct"].splitlines()[0]
    assert "mul overwrites" in parts["demos.engines.overwrite"]
    assert "wrong local derivative of tanh" in parts["demos.engines.wrong_derivative"]
    assert "missing topological" in parts["demos.engines.no_topo"]
    assert "began at depth" in parts["demos.engines.recursion"]
    micrograd = parts["micrograd.engine"]
    assert "began at depth" in micrograd and "1 -> 3" in micrograd
    assert re.search(r"ok +gradients vs stepgrad", micrograd)
