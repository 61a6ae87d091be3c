"""The `stepgrad` command never shows a traceback and words every refusal for its user
(issue 19.6, 19.7, 19.9; issue 15.5; issue 12.8)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import _files
from viz import cli
from viz.cli import main
from viz.terminal import _read_keys, decode_keys

NEURON = ["tanh(x1*w1 + x2*w2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})}  # type: ignore[dict-item]
    return subprocess.run([sys.executable, "-m", "viz.cli", *args], text=True, timeout=60,
                          cwd=cwd, env=env, **kwargs)  # type: ignore[call-overload]


def one_error_line(stderr: str, words: str) -> None:
    assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
    assert stderr.startswith("stepgrad: error: ") and words in stderr, stderr


# 19.6: no traceback whatever stdout is

def test_a_closed_stdout_is_one_line() -> None:
    done = run("x*2", "x=1", stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
               preexec_fn=lambda: os.close(1))
    assert done.returncode == 1
    one_error_line(done.stderr, "standard output is closed")


def test_a_full_disk_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = run(*NEURON, stdout=full, stderr=subprocess.PIPE)
    assert done.returncode == 1
    one_error_line(done.stderr, "cannot write to standard output: No space left on device")


def test_a_terminal_that_cannot_show_pi_gets_an_escape() -> None:
    done = run("π*x", "π=3", "x=2", capture_output=True, env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("o = \\u03c0*x = 6.0000")


def test_arrow_keys_in_application_mode_and_split_sequences_step(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert decode_keys("\x1bOC\x1bOD\x1bOH\x1bOF") == ["next", "prev", "first", "last"]
    read, write = os.pipe()
    os.write(write, b"\x1b[C\x1bOCq")
    os.close(write)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real_read(fd, 1))  # one byte per read
    try:
        assert list(_read_keys(read)) == ["next", "next", "quit"]
    finally:
        os.close(read)


# 19.7 and 15.5: outputs checked before anything is printed or written

def test_one_path_for_two_outputs_is_refused_before_anything(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    same = str(tmp_path / "same")
    assert main([*NEURON, "--svg", same, "--dot", same]) == 1
    out, err = capsys.readouterr()
    assert out == "" and os.listdir(tmp_path) == []
    one_error_line(err, "is named twice; give each output its own file")


def test_a_bad_output_directory_is_reported_before_the_trace(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NEURON, "--svg", str(tmp_path / "nowhere" / "g.svg")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    one_error_line(err, "nowhere does not exist")


def test_several_outputs_are_written_all_or_none(tmp_path: Path) -> None:
    # the DOT source needs no Graphviz, the SVG does: with dot missing neither is written
    done = run(*NEURON, "--dot", str(tmp_path / "g.dot"), "--svg", str(tmp_path / "g.svg"),
               capture_output=True, env={"PATH": str(tmp_path)})
    assert done.returncode == 1 and os.listdir(tmp_path) == []
    one_error_line(done.stderr, "apt-get install graphviz")


def test_a_read_only_output_is_not_replaced(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "g.dot"
    target.write_text("mine")
    target.chmod(0o444)
    assert main([*NEURON, "--dot", str(target)]) == 1
    one_error_line(capsys.readouterr().err, f"cannot write {target}: it is read-only")
    assert target.read_text() == "mine"


def test_dot_dash_writes_the_source_to_stdout(tmp_path: Path) -> None:
    done = run(*NEURON, "--dot", "-", capture_output=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("digraph stepgrad {")
    assert done.stdout.rstrip().endswith("}") and os.listdir(tmp_path) == []
    done = run(*NEURON, "--svg", "-", capture_output=True, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "" and os.listdir(tmp_path) == []
    one_error_line(done.stderr, "--svg needs a file name; only --dot can write to stdout")


# 19.1 and 15.5: graph limits in the CLI's words

def test_a_graph_too_slow_to_lay_out_is_refused_in_a_moment(
        capsys: pytest.CaptureFixture[str]) -> None:
    # 1,000 terms: under the page's 2,000 nodes; it ran for minutes and was killed
    assert main([" + ".join(["x"] * 1000), "x=1", "--html", os.devnull + "x"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    one_error_line(err, "too long to lay out: its edges cross 498,501 ranks")
    assert "x is used by 1000 steps" in err and "max_nodes" not in err


def test_the_node_limit_speaks_of_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NEURON, "--svg", "g.svg", "--max-nodes", "4"]) == 2
    err = capsys.readouterr().err
    one_error_line(err, "more than --max-nodes 4; pass --max-nodes 10")
    assert "max_nodes=" not in err


# 19.9 and 15.5: messages

@pytest.mark.parametrize("args, words", [
    (["    x % 2", "x=1"], "operator % at column 7"),
    (["x +\n y)", "x=1", "y=2"], "syntax error at line 2, column 3"),
    (["x*" + "9" * 5000, "x=1"], "the number at column 3 is too large for a float (5,000 digits)"),
    (["ｘ*2", "x=1"], "the name ｘ at column 1 is read by Python as x"),
    (["2x + 1", "x=1"], "for a product write 2*x"),
    (["-x*2", "x=1"], "an expression that starts with '-' goes after --"),
    (["x·w", "x=1"], "x·w at column 1 is not a name: '·' (U+00B7) is not an operator here; "
                     "for a product write x*w"),
    (["x*2", "x=1" + "0" * 100_000], "(100,001 characters)"),
])
def test_messages(args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    one_error_line(err, words)
    assert len(err) < 400 and "set_int_max_str_digits" not in err


@pytest.mark.parametrize("args, words", [
    (["1/x", "x=0"], "1/x (at column 1) is undefined at x = 0 (needs x != 0)"),
    (["x**y", "x=0", "y=-1"], "x**y (at column 1) is undefined at x = 0, y = -1 (needs x > 0)"),
    (["2 + log(x - 1)", "x=1"], "log(x - 1) (at column 5) is undefined at x - 1 = 0 "
                                "(needs (x - 1) > 0)"),
])
def test_math_errors_name_operands_as_the_user_wrote_them(
        args: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    one_error_line(err, words)
    assert "powv" not in err and " div " not in err


# 12.8

def test_version_and_a_narrow_public_surface(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("stepgrad ")
    assert cli.__all__ == ["main", "parse_values"] and cli.write_atomic is _files.write_atomic


def test_a_failing_dot_is_one_line(tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 2\n")
    fake.chmod(0o755)
    out = tmp_path / "g.svg"
    done = run(*NEURON, "--svg", str(out), capture_output=True, env={"PATH": str(tmp_path)})
    assert done.returncode == 1 and not out.exists()
    one_error_line(done.stderr, f"cannot make {out}: Graphviz's dot failed (exit status 2): "
                                "Error: something broke")
