"""gradcheck's verdicts at the edges (issue 19), the culprit node (issue 14), the HTML table
(issue 17): each case here failed before, with a wrong status, no culprit or no HTML."""

from __future__ import annotations

import dataclasses
import math
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings

from autograd import OPS, Op, Value, apply_op, gradcheck, walk
from autograd.gradcheck import Culprit, find_culprit
from autograd.strategies import Domain, Primitive, Program, programs


@pytest.mark.parametrize(("f", "x", "exact"), [
    (lambda v: v * v, 1e154, 2e154),
    (lambda v: v * 1e308, 1.0, 1e308),
    (lambda v: v.exp(), 709.0, math.exp(709.0)),
])
def test_derivatives_near_the_top_of_the_float_range_are_checked(f: object, x: float,
                                                                 exact: float) -> None:
    # every probe is finite; only the round-off estimate |f(x+h)| + |f(x-h)| overflowed
    report = gradcheck(f, [x])  # type: ignore[arg-type]
    assert [e.status for e in report.entries] == ["ok"], report
    assert report.entries[0].numeric == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("x", [1e14, -3e14, 1e15, 1e16, 1e17, 1e300])
def test_sin_far_out_is_never_a_mismatch(x: float) -> None:
    # the derivative is right; near 1e16 consecutive floats are 2 apart, a third of sin's
    # period, so no step can follow it: unresolved, which is not a pass either
    report = gradcheck(lambda v: v.sin(), [x])
    (entry,) = report.entries
    assert entry.status in ("ok", "unresolved"), report
    if entry.status == "ok":
        assert entry.numeric == pytest.approx(math.cos(x), rel=1e-6)
    else:
        assert not report and "no finite-difference step settles it" in entry.note
    if abs(x) >= 1e16:
        assert entry.status == "unresolved"


def test_a_wrong_rule_near_zero_where_f_is_undefined_at_zero_is_a_mismatch() -> None:
    # inputs within 2**-20 of 0 are also looked at as 0 for kinks; log is undefined there
    log = Op("log", "log", 1, math.log, lambda out, x: (2.0 / x,), ("1/x",), "x > 0")
    report = gradcheck(lambda v: apply_op(log, v) + v.relu(), [1e-8])
    assert [e.status for e in report.entries] == ["mismatch"], report
    assert "node v1 = log(v): d/dx is 2e+08, finite differences give 1e+08" in str(report)


def test_a_wildly_wrong_slope_is_a_mismatch_not_unresolved() -> None:
    # steps that would follow a slope of 1e20 at 1 are below the float grid; but x * x itself
    # is smooth there, so finite differences settle 2.0 and the claim is wrong
    square = _row("square", lambda x: x * x, lambda x: 1e20)
    entry = gradcheck(lambda v: apply_op(square, v), [1.0]).entries[0]
    assert entry.status == "mismatch" and entry.numeric == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize("x", [1e11, 7.3e11, 1e12, 4.4e12])
def test_sin_is_checked_where_its_steps_still_fit(x: float) -> None:
    assert gradcheck(lambda v: v.sin(), [x])
    wrong = Op("sin", "sin", 1, math.sin, lambda out, x: (1.001 * math.cos(x),), ("cos(x)",))
    assert [e.status for e in gradcheck(lambda v: apply_op(wrong, v), [x]).entries] == [
        "mismatch"]


def _row(name: str, forward: object, partial: object, kink: object = None) -> Op:
    return Op(name, name, 1, forward, lambda out, x: (partial(x),),  # type: ignore[operator]
              ("?",), kink=kink)  # type: ignore[arg-type]


def test_a_jump_with_a_wide_error_bar_is_no_agreement() -> None:
    # x + step(x) at 0: finite differences do not converge (5.67 +- 2.67); 5 inside that bar
    # used to pass
    xstep = _row("xstep", lambda x: x + (1.0 if x > 0.0 else 0.0),
                 lambda x: 5.0 if x == 0.0 else 1.0)
    report = gradcheck(lambda v: apply_op(xstep, v), [0.0])
    assert not report
    (entry,) = report.entries
    assert entry.status == "unresolved" and not entry.ok
    assert entry.numeric_error is not None and entry.numeric_error > 1.0
    assert gradcheck(lambda v: apply_op(xstep, v), [0.5])  # right away from the jump


def test_an_abs_like_row_must_declare_its_kink() -> None:
    absish = _row("absish", abs, lambda x: 1e6 if x == 0.0 else math.copysign(1.0, x))
    report = gradcheck(lambda v: apply_op(absish, v), [0.0])
    assert [e.status for e in report.entries] == ["mismatch"], report
    declared = _row("absish", abs, lambda x: 1e6 if x == 0.0 else math.copysign(1.0, x),
                    kink=lambda x: x == 0.0)
    entry = gradcheck(lambda v: apply_op(declared, v), [0.0]).entries[0]
    assert entry.status == "kink"
    assert "the derivative is -1.0 just left and 1.0 just right" in entry.note


SIN0 = _row("sin0", math.sin, lambda x: 0.0 if x == 0.0 else math.cos(x))  # wrong at 0 only


@pytest.mark.parametrize("extra", [
    lambda v: Value(0.0),
    lambda v: Value(0.0).relu(),  # a kink nowhere near v
    lambda v: abs(Value(0.0)) * v,
    lambda v: (v - v).relu(),  # at its kink, but v - v does not move with v
    lambda v: v.relu(),  # a real kink of f: relu explains 1 of the right slope, not the rest
])
def test_a_kink_excuses_only_what_the_kinked_node_explains(extra: object) -> None:
    report = gradcheck(lambda v: apply_op(SIN0, v) + extra(v), [0.0])  # type: ignore[operator]
    assert [e.status for e in report.entries] == ["mismatch"], report
    assert "node v1 = sin0(v): d/dx is 0, finite differences give 1" in report.entries[0].note
    # the same f with a right sin is fine, a kink where there is one
    right = gradcheck(lambda v: v.sin() + extra(v), [0.0])  # type: ignore[operator]
    assert right, right


def test_the_culprit_is_the_first_node_whose_own_rule_is_wrong() -> None:
    log1p = Op("log1p", "log1p", 1, math.log1p, lambda out, x: (1.0 / (2.0 * x + 1.0),),
               ("1/(1+x)",), "x > -1")  # the rule is wrong: 1 / (1 + 2x)
    x, y = Value(1.0, "x"), Value(0.5, "y")
    root = apply_op(log1p, x * y).tanh()
    culprit = find_culprit(root)
    assert isinstance(culprit, Culprit)
    assert str(culprit) == "node v3 = log1p(v2): d/dx is 0.5, finite differences give 0.6667"
    assert culprit.node is walk(root)[3] and culprit.slot == 0 and culprit.operand == "x"
    assert culprit.analytic == 0.5 and culprit.numeric == pytest.approx(2 / 3, rel=1e-10)
    assert culprit.numeric_error < 1e-9
    report = gradcheck(lambda a, b: apply_op(log1p, a * b).tanh(), [1.0, 0.5])
    assert [e.status for e in report.entries] == ["mismatch", "mismatch"]
    assert report.entries[0].note.endswith(
        "; node v3 = log1p(v2): d/dx is 0.5, finite differences give 0.6667")


def test_no_culprit_when_every_local_rule_is_right() -> None:
    x, y = Value(0.3, "x"), Value(-1.2, "y")
    root = ((x * y).tanh() + x ** 3.0 - (y / x).exp() + (x - y).relu() + abs(x)).sigmoid()
    assert find_culprit(root) is None
    assert find_culprit(Value(0.0).relu() + abs(Value(0.0))) is None  # kinks are conventions
    # a wrong reverse mode with right rules: the disagreement has no culprit node
    report = gradcheck(lambda a: a * a, [1.5], grad_fn=lambda out, xs, **kw: [1.5])
    assert not report and "node" not in report.entries[0].note
    with pytest.raises(TypeError, match="find_culprit: root must be a stepgrad Value, got float"):
        find_culprit(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="find_culprit: rtol must be a finite number >= 0"):
        find_culprit(x * y, rtol=-1.0)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_report_shows_as_an_escaped_html_table() -> None:
    evil = _row("<script>alert(1)</script>", math.sin, lambda x: 2.0 * math.cos(x))
    report = gradcheck(lambda a, b: apply_op(evil, a) * b, [0.5, 2.0])
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    parsed = _Cells()
    parsed.feed(page)
    assert parsed.tags.count("table") == 1 and parsed.tags.count("th") == 8
    assert parsed.tags.count("tr") == 1 + len(report.entries)
    cells = [t for t in parsed.text if t.strip()]
    assert cells[0] == report.summary() and "mismatch" in cells and "ok" in cells
    for e in report.entries:
        assert repr(e.analytic) in cells and e.derivative in cells
    assert any("<script>alert(1)</script>" in t for t in parsed.text)  # unescaped back


BAD_TANH = dataclasses.replace(OPS["tanh"], partials=lambda out, x: (1.0 - out,))  # not out**2


@settings(max_examples=100, deadline=None)
@given(programs(max_inputs=2, max_ops=6, ops=["tanh", "add", "mul", "sin"],
                extra=[Primitive.from_op(BAD_TANH, name="tanh", domain=Domain((-3.0, 3.0)))]))
def test_random_programs_get_a_culprit_exactly_when_a_wrong_row_is_used(
        case: tuple[Program, list[float]]) -> None:
    program, inputs = case
    root = program(*(Value(x, f"x{i}") for i, x in enumerate(inputs)))
    culprit = find_culprit(root)
    wrong = [n for n in walk(root) if n.op is BAD_TANH and abs(n.data) > 1e-3]
    if not wrong:  # where tanh is nearly 0, 1 - y and 1 - y**2 agree within the tolerance
        assert culprit is None or culprit.node.op is BAD_TANH
        return
    assert culprit is not None and culprit.node is wrong[0], (repr(program), culprit)
    assert str(culprit).startswith(f"node {culprit.name} = tanh(")
    y = culprit.node.data
    assert culprit.analytic == 1.0 - y and culprit.numeric == pytest.approx(1.0 - y * y)
