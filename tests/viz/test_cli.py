"""The `stepgrad` command: the classic neuron end to end, files written atomically, keys on a
terminal, and one clear line (no traceback) for every kind of bad input."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import select
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import OPS, Value, backprop_steps
from autograd.gradcheck import gradcheck
from viz.cli import main, parse_values, write_atomic
from viz.dot import draw_dot
from viz.expr import MAX_LENGTH, ExpressionError, MathError, parse

NEURON = ["tanh(x1*w1 + x2*w2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viz.cli", *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env=env)


def gradients(text: str) -> dict[str, float]:
    final = text.split("gradients of o:")[1]
    return {m[0]: float(m[1]) for m in re.findall(r"do/d(\w+) = (\S+)", final)}


def test_classic_neuron_as_a_subprocess() -> None:
    done = run(*NEURON)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("o = tanh(x1*w1 + x2*w2 + b) = 0.7071\n")
    grads = gradients(done.stdout)
    assert grads["w1"] == 1.0 and grads["x1"] == -1.5 and grads["b"] == 0.5
    assert grads["x2"] == 0.5 and grads["w2"] == 0.0
    n = 2 * -3 + 6.8813735870195432
    assert math.isclose(grads["b"], 1 - math.tanh(n) ** 2, abs_tol=5e-5)  # closed form
    assert "do/dv4 = 1 - tanh(v4)^2 = 0.5000" in done.stdout
    assert len(re.findall(r"step \d+/9:", done.stdout)) == 9


def test_in_process_output_matches_the_engine(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(NEURON) == 0
    out = capsys.readouterr().out
    expr = parse(NEURON[0])
    values = parse_values(NEURON[1:])
    root = expr.build(values)
    root.backward()
    leaves = {n.label: n for n in backprop_steps(root).order if n.label}
    for name, value in gradients(out).items():
        if name in leaves:
            assert value == float(f"{leaves[name].grad:.4f}")


def test_writes_svg_png_and_dot_of_the_graph_with_its_gradients(tmp_path: Path) -> None:
    svg, png, dot = tmp_path / "g.svg", tmp_path / "g.png", tmp_path / "g.dot"
    assert main([*NEURON, "--svg", str(svg), "--png", str(png), "--dot", str(dot)]) == 0
    root = parse(NEURON[0]).build(parse_values(NEURON[1:]))
    root.label = "o"
    assert dot.read_text() == draw_dot(root, grads=backprop_steps(root).grads).source
    texts = ["".join(t.itertext()) for t in ET.parse(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "grad 1.0000" in texts and "grad -1.5000" in texts and "data 0.7071" in texts
    assert png.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.png", "g.svg"]


def test_html_option_writes_the_stepper_page(tmp_path: Path) -> None:
    page = tmp_path / "step.html"
    assert main([*NEURON, "--html", str(page)]) == 0
    text = page.read_text()
    assert "<svg" in text and "</html>" in text.lower()


def test_html_follows_digits_and_max_nodes(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "step.html"
    assert main([*NEURON, "--html", str(page), "--digits", "2"]) == 0
    text = page.read_text()
    # o = tanh(...) = 0.70710678..., shown with 2 decimals on the page and in its drawing
    assert '"dataText":"0.71"' in text and "data 0.71" in text
    assert '"dataText":"0.7071"' not in text and "data 0.7071" not in text
    capsys.readouterr()
    assert main([*NEURON, "--html", str(page), "--max-nodes", "5"]) == 2
    err = capsys.readouterr().err
    assert "more than --max-nodes 5; pass --max-nodes 10 to draw it anyway" in err
    assert "max_nodes=" not in err and err.count("\n") == 1
    assert page.read_text() == text  # the earlier page is left whole
    # 401 nodes: over draw_dot's 300 but under the page's 2000; every leaf used once, so
    # Graphviz lays it out in about a second (x + x + ... took 52 s: a fan of long edges)
    names = [f"a{k}" for k in range(201)]
    big = [" + ".join(names), *(f"{n}=1" for n in names)]
    assert main([*big, "--html", str(page)]) == 0
    assert main([*big, "--svg", str(tmp_path / "big.svg")]) == 2
    assert "more than --max-nodes 300 (the default for this output)" in capsys.readouterr().err
    for bad in ("0", "-3", "ten"):
        assert main([*NEURON, "--max-nodes", bad]) == 2
        assert f"needs a whole number of at least 1, got '{bad}'" in capsys.readouterr().err


def test_check_prints_gradchecks_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NEURON, "--check"]) == 0
    out = capsys.readouterr().out
    expr = parse(NEURON[0])
    point = [parse_values(NEURON[1:])[n] for n in expr.names]
    report = gradcheck(expr, point)
    assert report and out.endswith(f"\n{report}\n")
    assert report.names == ("x1", "w1", "x2", "w2", "b")  # the variables, named


def test_check_fails_with_status_1_when_a_derivative_is_wrong(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = dataclasses.replace(OPS["tanh"], partials=lambda out, x: (1.0 - out * out + 0.01,))
    monkeypatch.setitem(OPS, "tanh", wrong)
    assert main([*NEURON, "--check"]) == 1
    captured = capsys.readouterr()
    assert "mismatch" in captured.out
    assert captured.err == "stepgrad: error: gradient check failed (see the table above)\n"


def test_a_failed_render_leaves_the_old_file_and_says_how_to_install(tmp_path: Path) -> None:
    target = tmp_path / "g.svg"
    target.write_text("old")
    done = run(*NEURON, "--svg", str(target), env={**os.environ, "PATH": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "apt-get install graphviz" in done.stderr
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_unwritable_target_is_one_line_and_no_file(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no" / "such" / "dir.svg"
    assert main([*NEURON, "--dot", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write {missing}" in err
    assert not (tmp_path / "no").exists()


def test_outputs_that_are_not_files_are_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipe, directory = tmp_path / "pipe", tmp_path / "dir"
    os.mkfifo(pipe)
    directory.mkdir()
    for option, path, words in (
            ("--dot", str(pipe), "it is not a regular file (a device, pipe or socket)"),
            ("--svg", str(directory), "it is a directory; give a file name"),
            ("--dot", "", "argument --dot: needs a file name, got ''"),
            ("--html", str(tmp_path / "x.html") + "/", "argument --html: needs a file name")):
        assert main([*NEURON, option, path]) in (1, 2)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err
        assert err.count("cannot write") <= 1  # the path is named once
    assert pipe.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["dir", "pipe"]


def test_a_symlinked_output_is_written_through(tmp_path: Path) -> None:
    real, link = tmp_path / "real.dot", tmp_path / "link.dot"
    real.write_text("old")
    link.symlink_to(real)
    assert main([*NEURON, "--dot", str(link)]) == 0
    assert link.is_symlink() and real.read_text().startswith("digraph")


def test_variables_named_like_every_output_name_leave_one_free(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["o + out + f + result", "o=1", "out=2", "f=3", "result=4"]) == 0
    assert capsys.readouterr().out.startswith("o2 = o + out + f + result = 10.0000")


def test_check_reports_probes_outside_the_domain_without_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    # the first finite-difference steps from 1.001 reach log of a negative number
    assert main(["log(x - 1)", "x=1.001", "--check"]) == 0
    out = capsys.readouterr().out
    assert "all 1 derivatives agree" in out and "Traceback" not in out


def test_write_atomic_replaces_whole_files_only(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_interactive_without_a_terminal_prints_everything() -> None:
    done = run(*NEURON, "--interactive")
    assert done.returncode == 0 and "needs a terminal" in done.stderr
    assert len(re.findall(r"step \d+/9:", done.stdout)) == 9


def test_interactive_on_a_terminal_moves_with_keys() -> None:
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "viz.cli", *NEURON, "--interactive"],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "NO_COLOR": "1", "TERM": "xterm"})
    os.close(slave)
    seen = b""

    def wait_for(pattern: bytes) -> None:
        nonlocal seen
        start = len(seen)
        while not re.search(pattern, seen[start:]):
            ready, _, _ = select.select([master], [], [], 10)
            assert ready, f"timed out waiting for {pattern!r}; got {seen[-300:]!r}"
            seen += os.read(master, 65536)

    with proc:
        try:
            wait_for(rb"step 0/9 ")
            os.write(master, b"n")
            wait_for(rb"step 1/9 ")
            os.write(master, b"\x1b[C")
            wait_for(rb"step 2/9 [\s\S]*dv4/dv3 = 1\s")
            os.write(master, b"\x1b[D")
            wait_for(rb"step 1/9 [\s\S]*do/dv4 = 1 - tanh\(v4\)\^2 = 0\.5000")
            os.write(master, b"q")
            assert proc.wait(timeout=20) == 0
        finally:
            proc.kill()
            os.close(master)
        assert proc.stderr is not None and proc.stderr.read() == b""
    assert b"\x1b[31m" not in seen and b"\x1b[32m" not in seen  # NO_COLOR: no colours


# (expression, values, exit status, words the one error line must contain)
BAD = [
    ("x +* y", ["x=1", "y=2"], 2, "syntax error at column 4"),
    ("foo(x)", ["x=1"], 2, "unknown function foo at column 1"),
    ("x + z", ["x=1"], 2, "variable z has no value"),
    ("x * y", ["x=1", "y=abc"], 2, "'abc', is not a number"),
    ("x * y", ["x=1", "y=nan"], 2, "must be a finite number"),
    ("x * y", ["x=1", "y=1e999"], 2, "must be a finite number"),
    ("x", ["x=1", "y=2"], 2, "y is not used"),
    ("x", ["x=1", "x=2"], 2, "x is given twice"),
    ("x", ["x"], 2, "expected NAME=NUMBER"),
    ("x.real", ["x=1"], 2, "attribute access at column 1"),
    ("x.__class__", ["x=1"], 2, "attribute access"),
    ("__import__('os').system('echo HACKED')", [], 2, "calling __import__('os').system"),
    ("__import__('os')", [], 2, "unknown function __import__"),
    ("eval('1') + x", ["x=1"], 2, "unknown function eval"),
    ("(lambda: x)()", ["x=1"], 2, "only functions called by name"),
    ("exp(x=1)", ["x=1"], 2, "exp() at column 1 takes exactly one argument"),
    ("tanh(x, x)", ["x=1"], 2, "takes exactly one argument"),
    ("exp", [], 2, "exp at column 1 is a function"),
    ("x % 2", ["x=1"], 2, "operator % at column 3"),
    ("x if x else 1", ["x=1"], 2, "if/else"),
    ("x[0]", ["x=1"], 2, "indexing"),
    ("'a' + x", ["x=1"], 2, "a string"),
    ("x < 1", ["x=1"], 2, "comparison"),
    ("x, x", ["x=1"], 2, "a tuple"),
    ("2 + 3", [], 2, "no variables"),
    ("   ", [], 2, "empty"),
    ("1e999 * x", ["x=1"], 2, "too large for a float"),
    ("x * 1" + "0" * 400, ["x=1"], 2, "number at column 5 is too large for a float"),
    ("-" * 9000 + "x", ["x=1"], 2, "nested too deeply"),
    ("(" * 3000 + "x" + ")" * 3000, ["x=1"], 2, "too many nested parentheses"),
    ("x" + "+x" * 20000, ["x=1"], 2, f"40001 characters long; the limit is {MAX_LENGTH}"),
    ("log(x)", ["x=-1"], 1, "log(x) (at column 1) is undefined at x = -1 (needs x > 0)"),
    ("2**x", ["x=99999"], 1, "overflows"),
    ("9**9**9 + x", ["x=1"], 1, "overflows"),
    ("exp(x)", ["x=1000"], 1, "exp"),
    ("1/0 + x", ["x=1"], 1, "1/0 (at column 1) is undefined (needs 0 != 0)"),
    ("x**y", ["x=-2", "y=0.5"], 1, "needs x > 0"),
    ("sqrt(x)", ["x=0"], 1, "derivative of sqrt"),
]


@pytest.mark.parametrize(("expr", "values", "status", "words"), BAD)
def test_bad_input_in_process(expr: str, values: list[str], status: int, words: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--", expr, *values]) == status
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("stepgrad: error: ") and captured.err.count("\n") == 1
    assert words in captured.err


# The list, run for real: each kind of mistake once, as the shell would run it.
AS_SUBPROCESS = [case for case in BAD if case[3] in {
    "syntax error at column 4", "unknown function foo at column 1", "variable z has no value",
    "'abc', is not a number", "attribute access at column 1", "calling __import__('os').system",
    "only functions called by name", "nested too deeply", "too many nested parentheses",
    f"40001 characters long; the limit is {MAX_LENGTH}",
    "log(x) (at column 1) is undefined at x = -1 (needs x > 0)",
    "overflows"}]


@pytest.mark.parametrize(("expr", "values", "status", "words"), AS_SUBPROCESS,
                         ids=[case[0][:30] for case in AS_SUBPROCESS])
def test_bad_input_as_a_subprocess(expr: str, values: list[str], status: int,
                                   words: str) -> None:
    done = run("--", expr, *values)
    assert done.returncode == status
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith("stepgrad: error: ") and done.stderr.count("\n") == 1
    assert words in done.stderr and "HACKED" not in done.stderr + done.stdout


def test_megabytes_of_expression_are_refused_before_parsing(
        capsys: pytest.CaptureFixture[str]) -> None:
    huge = "x+" * 1_000_000 + "x"
    assert main([huge, "x=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{len(huge)} characters long" in err
    with pytest.raises(ExpressionError, match="null byte|cannot parse"):
        parse("x\x00")


def test_usage_mistakes_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["x", "x=1", "--bogus"]) == 2
    assert main(["-" * 500 + "x", "x=1"]) == 2  # taken for an option: message kept short
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(len(line) < 300 for line in err)
    assert "unrecognized arguments: --bogus" in err[0]
    assert main(["--help"]) == 0
    assert "NAME=NUMBER" in capsys.readouterr().out


def test_expression_folds_constants_and_keeps_names_in_order() -> None:
    expr = parse("b * x ** (1/2) + a - 2*3")
    assert expr.names == ("b", "x", "a")
    root = expr(Value(2.0, "b"), Value(4.0, "x"), Value(1.0, "a"))
    assert root.data == 2.0 * 4.0**0.5 + 1.0 - 6.0
    pows = [s for s in backprop_steps(root).steps if s.op.name == "pow"]
    assert pows and pows[0].node.parents[1].data == 0.5  # a constant exponent, not powv
    with pytest.raises(MathError, match="log"):
        parse("log(x)").build({"x": -1.0})


def test_every_function_of_the_table_is_callable_by_name() -> None:
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs"):
        root = parse(f"{name}(x)").build({"x": 0.25})
        assert root.op is not None and root.op.name == name
        assert root.parents[0].label == "x"
