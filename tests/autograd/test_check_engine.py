"""check_engine on stepgrad, micrograd 0.1.0 and one seeded engine per classic bug."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import micrograd.engine
import pytest

from autograd import EngineReport, Value, assert_engine, check_engine
from autograd.check_engine import EngineError, Finding, Node, Program, _guess, load_class
from demos.engines import correct, no_topo, overwrite, recursion, wrong_derivative

ROOT = Path(__file__).resolve().parents[2]
FAST = {"max_examples": 30}
RANDOM = ("forward values", "gradients vs stepgrad", "gradients vs finite differences")


def _pasted(finding: Finding, cls: type) -> dict[str, Any]:
    """Run the finding's one line with ``cls`` as Value (the test checks it is real Python)."""
    assert finding.program is not None
    line = str(finding.program)
    assert "\n" not in line
    scope: dict[str, Any] = {"Value": cls}
    exec(line, scope)  # our own rendering of a Program, never user text
    return scope


def _yours_and_right(detail: str) -> tuple[str, float, float]:
    m = re.match(r"your (x\d)\.grad = (\S+), right = (\S+?)(;|$)", detail)
    assert m, detail
    return m.group(1), float(m.group(2)), float(m.group(3))


def test_stepgrad_passes_every_check() -> None:
    report = check_engine(Value, **FAST)
    assert report and not report.failures
    assert {f.status for f in report.findings} == {"ok"}, report
    assert report.supported == ("add", "mul", "sub", "div", "neg", "pow", "relu", "tanh", "exp",
                                "log")


def test_micrograd_passes_single_backward_and_its_known_behaviours_are_reported() -> None:
    report = check_engine(micrograd.engine.Value, **FAST)
    for check in (*RANDOM, "node used twice", "non-leaf reused", "non-leaf on two paths",
                  "numbers on both sides"):
        assert report[check].status == "ok", report
    assert "tanh" in report["ops missing"].detail and report["ops missing"].status == "unsupported"
    twice = report["backward() twice"]
    assert twice.status == "differs" and "1 -> 3" in twice.detail
    # the same program by hand: micrograd gives 3x on x1, accumulation would give 2x
    scope = _pasted(twice, micrograd.engine.Value)
    assert scope["x1"].grad == 3 * 3.0 and "x1.grad 3.0 -> 9.0 (3x)" in twice.detail
    deep = report["chain of depth 1,000"]
    assert deep.status == "crash" and "RecursionError" in deep.detail
    began = int(re.search(r"began at depth ([\d,]+)", deep.detail).group(1).replace(",", ""))
    assert 900 < began <= 1000
    assert _chain_fails(began + 30) and not _chain_fails(began - 30)  # measured again here
    assert deep.line == f"x = Value(0.5); v = sum([Value(1.0)] * {began}, x); v.backward()"
    with pytest.raises(RecursionError):  # the line, pasted (a little deeper: our stack is less)
        exec(deep.line.replace(str(began), str(began + 30)), {"Value": micrograd.engine.Value})
    assert report["chain of depth 10,000"].status == "crash"
    assert not report and report.failures == [deep, report["chain of depth 10,000"]]


def _chain_fails(depth: int) -> bool:
    x = v = micrograd.engine.Value(0.5)
    for _ in range(depth):
        v = v + 1.0
    try:
        v.backward()
    except RecursionError:
        return True
    return x.grad != 1.0


def test_overwrite_is_caught_shrunk_to_one_line_naming_mul() -> None:
    report = check_engine(overwrite.Value, **FAST)
    finding = report["gradients vs stepgrad"]
    assert finding.status == "wrong"
    assert str(finding.program) == "x0 = Value(2.0); v1 = x0 * x0; v1.backward()"
    name, yours, right = _yours_and_right(finding.detail)
    assert _pasted(finding, overwrite.Value)[name].grad == yours
    assert _pasted(finding, Value)[name].grad == right == 2 * yours
    assert "mul overwrites" in finding.cause and "+=" in finding.cause
    assert report["node used twice"].status == "wrong" and not report


def test_wrong_local_derivative_is_caught_naming_tanh() -> None:
    report = check_engine(wrong_derivative.Value, max_examples=100)
    alone = report["each op on its own"]  # found without luck, whatever max_examples
    assert alone.status == "wrong" and str(alone.program).endswith("v1 = x0.tanh(); v1.backward()")
    assert alone.cause == "wrong local derivative of tanh"  # the program is that op alone
    inside = Program((2.0,), (Node("mul", (0, 0)), Node("tanh", (1,))))  # tanh(x0 * x0)
    assert _guess(wrong_derivative.Value, inside).startswith(
        "wrong local derivative of tanh (on its own at x = 4.0: your d/dx = ")
    finding = report["gradients vs stepgrad"]
    assert finding.status == "wrong" and "tanh()" in str(finding.program)
    assert str(finding.program).count(";") <= 3
    name, yours, right = _yours_and_right(finding.detail)
    t = _pasted(finding, Value)[name]
    assert _pasted(finding, wrong_derivative.Value)[name].grad == yours
    assert abs(t.grad - right) < 1e-15 and abs(yours - right) > 1e-3
    assert finding.cause.startswith("wrong local derivative of tanh")
    assert report["gradients vs finite differences"].status == "wrong"  # its own forward too
    assert report["forward values"].status == "ok"


def test_missing_topological_order_is_caught() -> None:
    report = check_engine(no_topo.Value, **FAST)
    finding = report["non-leaf on two paths"]
    assert finding.status == "wrong" and not report
    name, yours, right = _yours_and_right(finding.detail)
    assert _pasted(finding, no_topo.Value)[name].grad == yours
    assert _pasted(finding, Value)[name].grad == right != yours
    assert "topological order" in finding.cause


def test_recursive_walk_is_reported_with_its_depth() -> None:
    report = check_engine(recursion.Value, **FAST)
    assert all(report[c].status == "ok" for c in RANDOM)
    deep = report["chain of depth 1,000"]
    assert deep.status == "crash" and "began at depth" in deep.detail
    assert "recursive" in deep.cause


class _BadExp(correct.Value):
    def exp(self) -> Any:
        out = self._make(math.exp(self.data) + 1e-3, (self,), "exp")  # the forward is off

        def _backward() -> None:
            self.grad += out.data * out.grad
        out._backward = _backward
        return out


class _RaisingLog(correct.Value):
    def log(self) -> Any:
        out = self._make(math.log(self.data), (self,), "log")

        def _backward() -> None:
            raise KeyError("oops")
        out._backward = _backward
        return out


def test_a_wrong_forward_and_a_raising_backward() -> None:
    report = check_engine(_BadExp, depth=False, **FAST)
    finding = report["forward values"]
    assert finding.status == "wrong" and "exp()" in str(finding.program)
    assert re.fullmatch(r"your v1\.data = (\S+), right = (\S+)", finding.detail)
    assert finding.cause == "the forward of exp is wrong"
    report = check_engine(_RaisingLog, depth=False, **FAST)
    finding = report["each op on its own"]
    assert finding.status == "crash" and finding.detail == "your backward() raised KeyError: 'oops'"
    assert finding.cause == "the backward of log raises" and not report


def _without(name: str) -> type:
    """correct.Value with one method removed (a learner who has not written it yet)."""
    return type("Value", (), {k: v for k, v in vars(correct.Value).items() if k != name})


def test_class_missing_tanh_is_tested_without_it() -> None:
    report = check_engine(_without("tanh"), **FAST)
    assert "tanh" not in report.supported and "exp" in report.supported
    assert report["ops missing"].status == "unsupported"
    assert report["ops missing"].detail.startswith("tanh")
    assert report, report  # nothing else is wrong


def test_report_prints_as_a_numbered_list_and_is_reproducible() -> None:
    a = check_engine(overwrite.Value, seed=3, **FAST)
    b = check_engine(overwrite.Value, seed=3, **FAST)
    assert str(a) == str(b)
    lines = str(a).splitlines()
    assert "fails" in lines[0] and lines[1].startswith("[0]  ok")
    assert sum(line.startswith("[") for line in lines) == len(a.findings)
    assert isinstance(a, EngineReport) and "likely cause:" in str(a)


def test_assert_engine_raises_with_the_report() -> None:
    assert assert_engine(correct.Value, **FAST)
    with pytest.raises(AssertionError, match="mul overwrites"):
        assert_engine(overwrite.Value, **FAST)


def test_stepper_of_a_failing_finding() -> None:
    report = check_engine(overwrite.Value, **FAST)
    i = report.findings.index(report["gradients vs stepgrad"])
    page = report.stepper(i)
    assert page.trace.grads[page.trace.order[0]] == 4.0  # stepgrad's (right) x0.grad
    assert "your x0.grad = 2.0, right = 4.0" in page.html()
    with pytest.raises(IndexError, match="no program"):
        report.stepper(0)


def test_class_that_raises_on_import_gives_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "brokengrad.py").write_text("import math\nraise RuntimeError('half written')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(EngineError, match=r"cannot import brokengrad: RuntimeError: half written "
                                          r"\(at brokengrad.py:2\)"):
        load_class("brokengrad:Value")
    with pytest.raises(EngineError, match="expected MODULE:CLASS"):
        load_class("brokengrad")


def test_class_that_cannot_be_built_gives_a_clear_message() -> None:
    class Broken:
        def __init__(self, data: float) -> None:
            raise ValueError("no floats please")

    with pytest.raises(EngineError, match=r"cannot build Broken\(1.5\).*no floats please"):
        check_engine(Broken)
    with pytest.raises(EngineError, match="both \\+ and \\*"):
        check_engine(_without("__mul__"))
    with pytest.raises(TypeError, match="needs a class"):
        check_engine(3)


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "viz.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_reports_and_writes_the_failing_program_page(tmp_path: Path) -> None:
    page = tmp_path / "fail.html"
    done = _cli("--test-engine", "demos.engines.overwrite:Value", "--max-examples", "20",
                "--html", str(page))
    assert done.returncode == 1, done.stderr
    assert "x0 = Value(2.0); v1 = x0 * x0; v1.backward()" in done.stdout
    assert page.read_text().startswith("<!DOCTYPE html>")
    ok = _cli("--test-engine=demos.engines.correct:Value", "--max-examples", "10", "--seed", "5")
    assert ok.returncode == 0 and "passes (seed 5, 10 random" in ok.stdout


def test_cli_finds_the_module_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / "mygrad.py").write_text("from micrograd.engine import Value\n")
    done = _cli("--test-engine", "mygrad:Value", "--max-examples", "10", cwd=tmp_path)
    assert done.returncode == 1 and "began at depth" in done.stdout  # micrograd's recursion
    (tmp_path / "badgrad.py").write_text("1 / 0\n")
    bad = _cli("--test-engine", "badgrad:Value", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == ("stepgrad: error: cannot import badgrad: ZeroDivisionError: "
                                  "division by zero (at badgrad.py:1)")
    missing = _cli("--test-engine", "nosuchgrad:Value", cwd=tmp_path)
    assert missing.returncode == 2 and "no module named 'nosuchgrad'" in missing.stderr


def test_a_program_prints_as_the_line_that_builds_it_without_dead_nodes() -> None:
    program = Program((2.0, 3.0, 1.5), (Node("mul", (0, 2)), Node("tanh", (1,)),
                                        Node("add", (3, 3)), Node("pow", (5,), 0.5)))
    line = str(program)
    assert line == ("x0 = Value(2.0); x1 = Value(1.5); v2 = x0 * x1; v3 = v2 + v2; "
                    "v4 = v3 ** 0.5; v4.backward()")
    scope: dict[str, Any] = {"Value": Value}
    exec(line, scope)  # our own rendering
    built = program.build(Value)
    assert scope["v4"].data == built[-1].data == math.sqrt(6.0)


def test_without_hypothesis_the_error_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'stepgrad\[hypothesis\]'"):
        check_engine(correct.Value)


class _SwappedRsub(correct.Value):
    def __rsub__(self, other: Any) -> Any:
        return self - other  # the classic slip: other - self is meant


def test_numbers_on_both_sides_catch_a_swapped_rsub() -> None:
    finding = check_engine(_SwappedRsub, depth=False, **FAST)["numbers on both sides"]
    assert finding.status == "wrong"
    assert str(finding.program) == "x0 = _SwappedRsub(1.5); v1 = 1 - x0; v1.backward()"
    assert finding.detail == "your v1.data = 0.5, right = -0.5"
    assert finding.cause == "the forward of 1 - v is wrong"
