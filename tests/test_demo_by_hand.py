"""`python -m demos.by_hand`: the lecture's neuron by hand, each deliberate mistake caught."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import check_by_hand
from demos import by_hand as demo

ROOT = Path(__file__).resolve().parents[1]


def test_the_hand_computed_neuron_is_right_by_closed_form() -> None:
    v = demo.neuron()
    demo.by_hand(v)
    dn = 1 - math.tanh(2 * -3 + 6.8813735870195432) ** 2  # closed form
    expected = {"o": 1.0, "n": dn, "b": dn, "x1": -3 * dn, "w1": 2 * dn, "x2": dn, "w2": 0.0}
    for name, g in expected.items():
        assert math.isclose(v[name].grad, g, rel_tol=1e-12, abs_tol=1e-15), name
    assert check_by_hand(v["o"])


@pytest.mark.parametrize(("index", "kind", "at"), [
    (0, "dropped-upstream", "x1"), (1, "sign", "w1"), (2, "swapped", "x1"),
    (3, "wrong-point", "n"), (4, "wrong-point", "n"),
])
def test_each_mistake_is_caught(index: int, kind: str, at: str) -> None:
    v = demo.neuron()
    demo.by_hand(v)
    demo.MISTAKES[index][2](v)
    report = check_by_hand(v["o"])
    assert not report
    first = report.wrong[0]
    assert first.node is v[at] and first.mistake is not None and first.mistake.kind == kind
    others = report.wrong[1:]
    if index == 4:  # carried forward: everything below points at n
        assert others and all(r.mistake and r.mistake.kind == "carried" and r.cause is v["n"]
                              for r in others)
    else:
        assert others == []


def test_used_twice() -> None:
    a, b = demo.used_twice()
    report = check_by_hand(b)
    assert [(r.name, r.mistake.kind if r.mistake else None) for r in report.wrong] == [
        ("a", "forgot-sum")]


def test_runs_as_a_module() -> None:
    done = subprocess.run([sys.executable, "-m", "demos.by_hand"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""
    out = done.stdout
    assert out.count("likely mistake: ") == 5 + 7 + 1  # five single mistakes, 7 carried, reuse
    for words in ("dropped the upstream gradient", "sign flipped", "swapped the operands",
                  "local derivative taken at the wrong point", "carried forward", "forgot to add"):
        assert f"likely mistake: {words}" in out
    assert "10 right, 0 wrong, 0 not done" in out
