"""The terminal quiz (`stepgrad --quiz`), driven through stdin, and the printable worksheet."""

from __future__ import annotations

import io
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import OPS, backprop_steps
from viz.quiz import LEVELS, AnswerError, Exercise, main, parse_answer, random_exercise

ROOT = Path(__file__).resolve().parents[2]
B = 6.8813735870195432
NEURON = ["tanh(x1*w1 + x2*w2 + b)", "x1=2", "x2=0", "w1=-3", "w2=1", f"b={B!r}"]


def quiz(*args: str, answers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "viz.cli", "--quiz", *args], input=answers,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def _replies(out: str) -> list[tuple[str, str, str]]:
    """(asked node, the answer echoed, the first line of the reply) for each question."""
    return re.findall(r"df/d(\w+) = \? (.*)\n  (.*)\n", out)


def _neuron_truth() -> dict[str, float]:
    dn = 1.0 - math.tanh(2 * -3 + B) ** 2  # closed form, not the engine
    # p = x1*w1, q = x2*w2, r = p + q, s = r + b, f = tanh(s) (named in forward order)
    return {"s": dn, "b": dn, "r": dn, "q": dn, "w2": 0.0 * dn, "x2": 1.0 * dn, "p": dn,
            "w1": 2.0 * dn, "x1": -3.0 * dn}


def test_right_answers_score_full() -> None:
    answers = ["1/2", ".5", "0.5", "1/2", "0", ".5", "0.50", "1", "-1.5"]
    truth = _neuron_truth()
    assert all(math.isclose(parse_answer(a), t, rel_tol=1e-3, abs_tol=1e-12)
               for a, t in zip(answers, truth.values(), strict=True))
    done = quiz(*NEURON, answers="\n".join(answers) + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    replies = _replies(done.stdout)
    assert [r[0] for r in replies] == list(truth)  # every node, in backward order
    assert [r[2] for r in replies] == ["right"] * 9
    assert "f = tanh(s) = 0.7071" in done.stdout  # the forward values to work from
    assert done.stdout.rstrip().endswith("score: 9 of 9 right")


def test_wrong_answers_get_the_diagnosis() -> None:
    n = 2 * -3 + B
    answers = [f"{1 - n * n:.4f}",  # 1 - s^2 at s = n: the wrong point
               "0.5", "0.5", "0.5", "0", "0.5", "0.5",
               "2",  # w1: x1 alone, the upstream 0.5 dropped
               "1.5"]  # x1: sign flipped
    done = quiz(*NEURON, answers="\n".join(answers) + "\n")
    assert done.returncode == 0 and done.stderr == ""
    replies = {r[0]: r[2] for r in _replies(done.stdout)}
    assert replies["s"].startswith("wrong: local derivative taken at the wrong point: 1 - s^2")
    assert replies["w1"].startswith("wrong: dropped the upstream gradient")
    assert replies["x1"].startswith("wrong: sign flipped")
    assert replies["b"] == "right"
    assert "dp/dx1 = w1 = -3.0000 ; upstream 0.5000 x local -3.0000 = -1.5000" in done.stdout
    assert "so df/dx1 = -1.5000" in done.stdout
    assert done.stdout.rstrip().endswith("score: 6 of 9 right")


def test_bad_answers_and_end_of_input() -> None:
    done = quiz("a*b + a", "a=3", "b=-2", answers="abc\n\n1/0\n__import__('os')\n")
    assert done.returncode == 0
    assert "Traceback" not in done.stdout + done.stderr and done.stderr == ""
    out = done.stdout
    assert "'abc' is not a number: type a number such as -1.5, 1/2 or .5" in out
    assert "empty answer: type a number" in out
    assert "'1/0' divides by zero" in out
    assert "\"__import__('os')\" is not a number" in out
    assert "no more answers: the quiz stops here." in out
    assert out.rstrip().endswith("score: 0 of 3 right (3 not answered)")


def test_bytes_that_are_not_text() -> None:
    done = subprocess.run([sys.executable, "-m", "viz.cli", "--quiz", "a*b", "a=3", "b=-2"],
                          input=b"\xff\xfe\n3\n-2\n", capture_output=True, timeout=60, cwd=ROOT)
    out = done.stdout.decode()
    assert done.returncode == 0 and done.stderr == b""
    assert "is not a number: type a number such as" in out
    assert out.rstrip().endswith("score: 2 of 2 right")


def test_random_is_reproducible_by_seed() -> None:
    first = quiz("--random", "--level", "3", "--seed", "42", answers="")
    again = quiz("--random", "--level", "3", "--seed", "42", answers="")
    assert first.returncode == 0 and first.stderr == ""
    assert first.stdout == again.stdout
    assert "seed 42 (level 3); this exercise again: stepgrad --quiz --random --level 3 --seed 42" \
        in first.stdout
    unseeded = quiz("--random", answers="")
    seed = re.search(r"--seed (\d+)", unseeded.stdout)
    assert seed is not None
    redo = quiz("--random", "--level", "1", "--seed", seed.group(1), answers="")
    assert redo.stdout == unseeded.stdout


def test_random_exercises_in_process() -> None:
    seen = set()
    for level, functions in ((1, set()), (2, set()), (3, {"tanh", "exp", "log", "pow"}),
                             (4, {"tanh"})):
        for seed in range(8):
            ex = random_exercise(level, seed)
            assert ex == random_exercise(level, seed)
            assert ex.source in LEVELS[level]
            seen.add((level, str(ex)))
            assert all(v * 2 == round(v * 2) and 0 < abs(v) <= 3 for v in ex.values.values())
            trace = backprop_steps(ex.build())
            ops = {n.op.name for n in trace.order if n.op is not None}
            assert ops <= {"add", "mul"} | functions
            if level == 2:  # a node used twice
                assert any(sum(p is leaf for n in trace.order for p in n.parents) > 1
                           for leaf in trace.order)
            if level == 3:
                assert ops & functions
            assert all(abs(g) <= 50 for g in trace.grads.values())
    assert len(seen) > 20  # seeds give different exercises


def test_quiz_in_process_names_a_forgotten_sum() -> None:
    out = io.StringIO()
    # f = a*b + a at a=3, b=-2: df/dp = 1, df/db = a = 3, df/da = b + 1 = -1; answer b alone
    assert main(["--quiz", "a*b + a", "a=3", "b=-2"], io.StringIO("1\n3\n-2\n"), out) == 0
    text = out.getvalue()
    assert "forgot to add the contributions of a, which is used 2 times" in text
    assert text.rstrip().endswith("score: 2 of 3 right")


@pytest.mark.parametrize(("argv", "message"), [
    (["--quiz"], "--quiz needs an expression"),
    (["--quiz", "--random", "--level", "5"], "invalid choice: 5"),
    (["--quiz", "x*y", "x=1"], "variable y has no value"),
    (["--quiz", "x*y", "x=1", "y=2", "--seed", "3"], "--level and --seed go with --random"),
    (["--quiz", "--random", "x*y"], "--random makes its own expression"),
    (["--worksheet", "w.html", "x*y"], "--worksheet makes random exercises"),
    (["--worksheet", "w.html", "--count", "0"], "--count must be from 1 to 100"),
    (["--quiz", "--random", "--seed", "-1"], "needs a whole number"),
])
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, io.StringIO(""), io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("stepgrad: error: ") and message in err


def test_math_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quiz", "log(x)", "x=-1"], io.StringIO(""), io.StringIO()) == 1
    assert capsys.readouterr().err.startswith("stepgrad: error: math error: log")


@pytest.mark.parametrize(("text", "value"), [
    ("-1.5", -1.5), ("1/2", 0.5), (".5", 0.5), (" -3 / 4 ", -0.75), ("2e-3", 0.002),
    ("\u22121", -1.0), ("+2.", 2.0), ("1/3", 1 / 3),
])
def test_parse_answer(text: str, value: float) -> None:
    assert parse_answer(text) == value


@pytest.mark.parametrize("text", ["abc", "", "  ", "1/2/3", "--1", "1e99999", "nan", "inf",
                                  "0x10", "1_000", "2*3", "1/0", "9" * 50])
def test_parse_answer_refuses(text: str) -> None:
    with pytest.raises(AnswerError, match="type a number such as"):
        parse_answer(text)


def test_worksheet(tmp_path: Path) -> None:
    path = tmp_path / "sheet.html"
    done = subprocess.run([sys.executable, "-m", "viz.cli", "--worksheet", str(path), "--count",
                           "3", "--level", "2", "--seed", "11"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""
    assert f"wrote {path}: 3 exercise(s) of level 2, seeds 11 to 13" in done.stdout
    page = path.read_text()
    assert page.count("<svg") == 3 and "<script" not in page and "http://" not in page.split(
        "<svg")[0]
    body, key = page.split('<section class="key">')
    ids = re.findall(r' id="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids))  # three drawings on one page, no id twice
    assert "page-break-before: always" in page and "break-before: page" in page
    for i in range(3):
        ex = random_exercise(2, 11 + i)
        assert ex.command in body
        trace = backprop_steps(ex.build())
        assert "grad \u2013" in body  # gradient cells left empty
        for node, g in trace.grads.items():
            if node is not trace.root and node.label:
                assert f"\u2202f/\u2202{node.label}</th><td>{g:.4f}" in key.replace("-0.0000",
                                                                                   "0.0000")
    assert sorted(tmp_path.iterdir()) == [path]  # written atomically: no temporary file left


def test_worksheet_unwritable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "sheet.html"
    assert main(["--worksheet", str(target), "--count", "1"], io.StringIO(), io.StringIO()) == 1
    assert capsys.readouterr().err.startswith("stepgrad: error: ")
    assert not target.exists()


def test_exercise_names_every_node() -> None:
    root = Exercise("exp(x*y) + x", {"x": 1.0, "y": 0.5}).build()
    labels = [n.label for n in backprop_steps(root).order]
    assert labels == ["x", "y", "p", "q", "f"]  # named in reading order
    assert root.label == "f" and OPS["exp"] in {n.op for n in backprop_steps(root).order}
