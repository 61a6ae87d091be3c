"""gradcheck: verdicts, the numbers behind them, the report table, kinks, domains, bad input.

Numeric derivatives are compared with closed forms written here, so the finite-difference side
is tested on its own, not only against the engine.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    OPS,
    GradcheckReport,
    Op,
    Value,
    apply_op,
    assert_gradcheck,
    dot,
    gradcheck,
    sum_values,
)
from autograd.gradcheck import GradcheckEntry


def test_the_detached_copy_bug_is_caught_and_named() -> None:
    # x * Value(x.data) treats the second factor as a constant: d/dx is x, not 2x
    report = gradcheck(lambda x: x * Value(x.data), [1.5])
    assert not report
    (entry,) = report.entries
    assert entry.status == "mismatch" and entry.wrt == ("x",) and entry.point == 1.5
    assert entry.analytic == 1.5
    assert entry.numeric == pytest.approx(3.0, rel=1e-12)
    assert entry.abs_error == pytest.approx(1.5) and entry.rel_error == pytest.approx(0.5)
    with pytest.raises(AssertionError) as raised:
        assert_gradcheck(lambda x: x * Value(x.data), [1.5])
    message = str(raised.value)
    assert message == str(report)
    assert re.search(r"df/dx\s+1\.5\s+1\.5\s+3\.0", message)
    assert "mismatch" in message and "1 of 1 derivatives disagree" in message


def test_numeric_derivatives_match_closed_forms() -> None:
    x, y = 0.7, -1.3
    report = gradcheck(lambda a, b: a * b * b + (a * b).sin() + (a / b).exp(), [x, y])
    assert report
    dfdx = y * y + y * math.cos(x * y) + math.exp(x / y) / y
    dfdy = 2 * x * y + x * math.cos(x * y) - math.exp(x / y) * x / (y * y)
    numeric = [e.numeric for e in report.entries]
    assert numeric == pytest.approx([dfdx, dfdy], rel=1e-11)
    for e, exact in zip(report.entries, [dfdx, dfdy], strict=True):
        # refined until the error estimate is 1% of the tolerance, and the estimate is honest
        assert e.numeric is not None and e.numeric_error is not None
        assert e.numeric_error <= 0.01 * 1e-6 * abs(exact)
        assert abs(e.numeric - exact) <= e.numeric_error


def test_second_order_checks_the_whole_hessian_against_closed_forms() -> None:
    x, y = 0.4, 1.7
    report = gradcheck(lambda a, b: a * a * b + (a * b).sin(), [x, y], order=2)
    assert report and report.order == 2
    names = [e.derivative for e in report.entries]
    assert names == ["df/da", "df/db", "d2f/da da", "d2f/da db", "d2f/db da", "d2f/db db"]
    s = math.sin(x * y)
    hessian = [2 * y - y * y * s, 2 * x + math.cos(x * y) - x * y * s,
               2 * x + math.cos(x * y) - x * y * s, -x * x * s]
    assert [e.numeric for e in report.entries[2:]] == pytest.approx(hessian, rel=1e-9)
    assert [e.analytic for e in report.entries[2:]] == pytest.approx(hessian, rel=1e-12)


def test_second_order_catches_a_partial_that_create_graph_cannot_follow() -> None:
    # a tanh row whose partial is always a float: right in backward, but under create_graph
    # the derivative is a constant, so every second derivative through it is lost
    row = dataclasses.replace(OPS["tanh"],
                              partials=lambda out, x: (1.0 - _data(out) * _data(out),))

    def f(x: Value) -> Value:
        return apply_op(row, x * 2.0)

    assert gradcheck(f, [0.3])
    report = gradcheck(f, [0.3], order=2)
    assert not report
    (bad,) = report.failures
    t = math.tanh(0.6)
    assert bad.derivative == "d2f/dx dx" and bad.analytic == 0.0
    assert bad.numeric == pytest.approx(-8 * t * (1 - t * t), rel=1e-9)


def _data(v: Value | float) -> float:
    return v.data if isinstance(v, Value) else v


def test_report_table_is_aligned_and_has_full_precision() -> None:
    report = gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.1, -1.7])
    lines = str(report).splitlines()
    assert lines[0].startswith("gradcheck at x=0.1, y=-1.7: all 2 derivatives agree")
    header, rows = lines[1], lines[2:4]
    assert header.split() == ["derivative", "point", "analytic", "numeric", "+-numeric",
                              "abs", "error", "rel", "error", "status"]
    for line in rows:  # numbers are right-aligned under their headers, statuses left-aligned
        for column in ("point", "analytic", "numeric", "+-numeric", "abs error", "rel error"):
            end = header.index(column) + len(column)
            assert line[end - 1] != " " and (end == len(line) or line[end] == " ")
        assert line.index("ok") == header.index("status")
    for entry, line in zip(report.entries, rows, strict=True):  # every float round-trips
        cells = line.split()
        assert cells[0] == entry.derivative
        assert [float(c) for c in cells[1:7]] == [
            entry.point, entry.analytic, entry.numeric, entry.numeric_error,
            entry.abs_error, entry.rel_error]
        assert repr(entry.analytic) in cells
    assert repr(report) == str(report)


def test_relative_step_passes_where_an_absolute_step_fails() -> None:
    # PyTorch's gradcheck uses the central difference with an absolute eps = 1e-6; at 1e12
    # x + 1e-6 == x, so that estimate of d(x*x)/dx is 0 instead of 2e12
    x, eps = 1e12, 1e-6
    absolute = ((x + eps) * (x + eps) - (x - eps) * (x - eps)) / (2 * eps)
    assert absolute == 0.0
    report = gradcheck(lambda v: v * v, [x])
    assert report
    assert report.entries[0].numeric == pytest.approx(2e12, rel=1e-14)
    for point in (1e-200, 3e-9, 7.5, 1e100):
        assert gradcheck(lambda v: v * v * v, [point]).entries[0].numeric == pytest.approx(
            3 * point * point, rel=1e-12)


def test_small_inputs_inside_large_sums_get_absolute_steps_too() -> None:
    # steps relative to x = 1e-12 vanish inside x + 1000; steps relative to 1 do not
    report = gradcheck(lambda v: (v + 1000.0).sin(), [1e-12])
    assert report
    assert report.entries[0].numeric == pytest.approx(math.cos(1000.0 + 1e-12), rel=1e-11)


def test_a_tiny_relative_error_in_a_derivative_is_caught() -> None:
    # a mul row whose partials are off by 0.01%: caught wherever the derivative is not tiny
    row = dataclasses.replace(OPS["mul"], partials=lambda out, x, y: (y * 1.0001, x * 1.0001))

    @settings(max_examples=60, deadline=None)
    @given(st.floats(0.01, 50.0), st.floats(-50.0, -0.01))
    def check(a: float, b: float) -> None:
        assert gradcheck(lambda x, y: x * y, [a, b])
        report = gradcheck(lambda x, y: apply_op(row, x, y), [a, b])
        assert [e.status for e in report.entries] == ["mismatch", "mismatch"], str(report)
        assert all(e.rel_error == pytest.approx(1e-4, rel=1e-3) for e in report.entries)

    check()


@pytest.mark.parametrize(("f", "x", "slopes"), [
    (lambda v: v.relu(), 0.0, (0.0, 1.0)),
    (lambda v: abs(v), 0.0, (-1.0, 1.0)),
    (lambda v: (v - 2.0).relu() * 3.0, 2.0, (0.0, 3.0)),
    (lambda v: abs(v * v - 4.0), -2.0, (-4.0, 4.0)),
])
def test_kinks_are_reported_with_their_one_sided_slopes_and_do_not_fail(
        f: object, x: float, slopes: tuple[float, float]) -> None:
    report = gradcheck(f, [x])  # type: ignore[arg-type]
    assert report
    (entry,) = report.entries
    assert entry.status == "kink" and entry.ok
    found = re.search(r"the derivative is (\S+) just left and (\S+) just right", entry.note)
    assert found, entry.note
    assert (float(found[1]), float(found[2])) == pytest.approx(slopes, rel=1e-5)


def test_a_kink_with_a_curved_flat_side_is_still_a_kink() -> None:
    # found by CI's random programs: left of 0 only x0*x0 moves f, so the left slope is 0 with
    # an error bar just over atol; it is still plainly 0 and not the right side's -14.96
    def f(x0: Value, x1: Value, x2: Value) -> Value:
        v1 = dot([x0, x1], [x0, x2], x1)
        return x2.sigmoid().sqrt() / (v1 + (x0.relu() + v1).sigmoid())

    for x0 in (0.0, 8.48558882550423e-212, 1e-30):
        report = gradcheck(f, [x0, -0.30379496214998536, 0.6197554443732072])
        assert report, report
        assert report.entries[0].status == "kink"
        assert "0.0 just left and -14.95611571677" in report.entries[0].note


def test_a_derivative_that_jumps_inside_a_smooth_function_is_a_kink() -> None:
    # relu(x) - relu(-x) == x, but the engine's convention (relu' = 0 at 0) gives 0 there
    report = gradcheck(lambda v: v.relu() - (-v).relu(), [0.0])
    assert report
    (entry,) = report.entries
    assert entry.status == "kink" and entry.analytic == 0.0 and entry.numeric == 1.0
    assert entry.note.startswith("relu at x = 0.0: the derivative there is a convention")
    assert "1.0 on both sides" in entry.note


def _special_cased(value: float, wrong: float) -> Op:
    """A smooth row whose partial is special-cased, wrongly, at one point."""
    def partial(out: float, x: float) -> tuple[float]:
        return (wrong if x == value else 2.0 * x + 1.0,)
    return Op("special", "s", 1, lambda x: x * x + x, partial, ("2*x + 1",))


def test_a_wrong_derivative_at_one_point_of_a_smooth_op_is_a_mismatch() -> None:
    # the same shape as relu(x) - relu(-x) at 0, but no op has a kink here: a wrong special case
    for x, wrong in ((0.0, 0.0), (0.0, 5.0), (3.0, 0.0)):
        row = _special_cased(x, wrong)
        report = gradcheck(lambda v, row=row: apply_op(row, v), [x])
        assert [e.status for e in report.entries] == ["mismatch"], report
        assert gradcheck(lambda v, row=row: apply_op(row, v), [x + 0.5])  # right elsewhere
    sinc = Op("sinc", "sinc", 1, lambda x: 1.0 if x == 0.0 else math.sin(x) / x,
              lambda out, x: (1.0 if x == 0.0 else (x * math.cos(x) - math.sin(x)) / x**2,),
              ("(x cos x - sin x) / x^2",))  # sinc'(0) is 0, not 1
    assert [e.status for e in gradcheck(lambda v: apply_op(sinc, v), [0.0]).entries] == [
        "mismatch"]


def test_a_row_of_your_own_can_declare_its_kink() -> None:
    # a leaky relu whose slope at 0 is taken as 1: declared, the convention is accepted
    def leaky(kink: object) -> Op:
        return Op("leaky", "leaky", 1, lambda x: x if x > 0.0 else 0.1 * x,
                  lambda out, x: (1.0 if x >= 0.0 else 0.1,), ("1 if x >= 0 else 0.1",),
                  kink=kink)  # type: ignore[arg-type]

    def f(row: Op) -> Callable[[Value], Value]:
        return lambda v: apply_op(row, v) - apply_op(row, -v)  # 1.1 x: smooth, but 2 at 0

    declared, undeclared = leaky(lambda x: x == 0.0), leaky(None)
    assert [e.status for e in gradcheck(f(declared), [0.0]).entries] == ["kink"]
    assert "leaky at x = 0.0" in gradcheck(f(declared), [0.0]).entries[0].note
    assert [e.status for e in gradcheck(f(undeclared), [0.0]).entries] == ["mismatch"]


def test_a_kink_of_the_first_derivative_shows_at_second_order() -> None:
    report = gradcheck(lambda v: v.relu() * v, [0.0], order=2)
    assert report
    assert [e.status for e in report.entries] == ["ok", "kink"]
    assert "the derivative is 0.0 just left and 2.0 just right" in report.entries[1].note
    # abs' itself jumps at 0: its derivative there is no number at all
    report = gradcheck(lambda v: abs(v) * 3.0, [0.0], order=2)
    assert report
    assert [e.status for e in report.entries] == ["kink", "kink"]
    assert "df/dv itself jumps, -3.0 just left and 3.0 just right" in report.entries[1].note


def test_a_wrong_slope_next_to_a_kink_is_still_a_mismatch() -> None:
    row = dataclasses.replace(OPS["relu"], partials=lambda out, x: (2.0 if x > 0 else 0.0,))
    report = gradcheck(lambda v: apply_op(row, v), [0.5])
    assert [e.status for e in report.entries] == ["mismatch"]
    assert gradcheck(lambda v: apply_op(row, v), [-0.5])


def test_probes_that_leave_the_domain_are_retried_with_smaller_steps() -> None:
    # 1e-8 - 0.25 < 0: the first steps leave log's domain; smaller ones fit
    for x in (1e-8, 1e-300):
        report = gradcheck(lambda v: v.log(), [x])
        assert report
        assert report.entries[0].numeric == pytest.approx(1.0 / x, rel=1e-10)
    assert gradcheck(lambda v: (v - 1.0).log(), [1.0 + 1e-7])


@pytest.mark.parametrize("x", [1.0, 0.3, 2.5])
def test_a_fast_oscillation_on_a_trend_is_no_false_alarm(x: float) -> None:
    # steps far above the period of sin(1e6 x) all see the trend's slope 1 and agree on it;
    # smaller steps, scaled to the claimed slope, confirm the true one
    report = gradcheck(lambda v: v + 0.001 * (v * 1e6).sin(), [x], order=2)
    assert report, report
    assert report.entries[0].numeric == pytest.approx(1.0 + 1000.0 * math.cos(1e6 * x), rel=1e-6)
    # ... and a wrong derivative there is still caught
    row = dataclasses.replace(OPS["sin"], partials=lambda out, v: (1.01 * math.cos(v),))
    assert not gradcheck(lambda v: v + 0.001 * apply_op(row, v * 1e6), [x])


def test_a_random_program_that_once_raised_a_false_alarm() -> None:
    # found by test_300_random_programs_raise_no_false_alarm_at_second_order: cos of a steep
    # function, whose finite differences alias above steps of about 1e-5
    def f(x0: Value) -> Value:
        v1 = dot([x0, x0], [x0, x0], x0)
        v2 = abs(v1)
        v3 = v1 * v2
        v4 = (v1 - 6.0).sigmoid()
        return (dot([x0, v3 - 300.0], [v4, sum_values([v1, v2, v3 - 300.0, x0]) - 43.0], v4)
                - 9590.0).cos()

    assert_gradcheck(f, [2.919162623177739], order=2)


def test_domain_status_when_every_probe_or_the_engine_fails() -> None:
    # one ulp above log's boundary no step fits on the left of x
    x = math.nextafter(1.0, 2.0)
    report = gradcheck(lambda v: (v - 1.0).log(), [x])
    assert not report
    (entry,) = report.entries
    assert entry.status == "domain" and entry.numeric is None
    assert entry.analytic == pytest.approx(1.0 / (x - 1.0))
    assert "left f's domain" in entry.note
    # sqrt is defined at 0 but its derivative is not: the engine raises, the report says so
    report = gradcheck(lambda v: v.sqrt(), [0.0])
    assert not report
    assert report.entries[0].status == "domain" and report.entries[0].analytic is None
    assert "sqrt" in report.entries[0].note and "ZeroDivisionError" in report.entries[0].note


def test_nonfinite_values_are_reported() -> None:
    report = gradcheck(lambda v: v * Value(math.nan), [2.0])
    assert not report
    assert report.entries[0].status == "nonfinite" and "nan" in report.entries[0].note
    report = gradcheck(lambda v, w: v * w + Value(math.inf) * w, [1.0, 2.0])
    assert [e.status for e in report.entries] == ["nonfinite", "nonfinite"]


def test_bad_input_gets_clear_errors() -> None:
    with pytest.raises(TypeError, match="f must be a function of Values"):
        gradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="f must return a Value, got float"):
        gradcheck(lambda x: x.data * 2, [1.0])
    with pytest.raises(TypeError, match=r"f takes 2 argument\(s\) \(x, y\) but 1 input"):
        gradcheck(lambda x, y: x * y, [1.0])
    with pytest.raises(TypeError, match=r"f takes 1 argument\(s\) \(x\) but 3 input"):
        gradcheck(lambda x: x, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"input 1 \(y\) is nan"):
        gradcheck(lambda x, y: x * y, [1.0, math.nan])
    with pytest.raises(ValueError, match=r"input 0 \(x\) is inf"):
        gradcheck(lambda x: x, [math.inf])
    with pytest.raises(TypeError, match=r"input 0 \(x\) must be a number, got str"):
        gradcheck(lambda x: x, ["1.0"])
    with pytest.raises(TypeError, match="inputs must be a list of numbers"):
        gradcheck(lambda x: x, "1.0")
    with pytest.raises(ValueError, match="no inputs"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(ValueError, match="f is undefined at the inputs"):
        gradcheck(lambda x: x.log(), [-1.0])
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        gradcheck(lambda x: x, [1.0], order=3)
    with pytest.raises(ValueError, match="rtol must be a finite number >= 0"):
        gradcheck(lambda x: x, [1.0], rtol=-1.0)
    with pytest.raises(ValueError, match="step must be a finite number > 0"):
        gradcheck(lambda x: x, [1.0], step=0.0)
    with pytest.raises(TypeError, match="grad_fn must be callable"):
        gradcheck(lambda x: x, [1.0], grad_fn=None)  # type: ignore[arg-type]


def test_inputs_may_be_a_number_or_values_and_names_follow_f() -> None:
    report = gradcheck(lambda rate: rate.exp(), 0.5)
    assert report and report.names == ("rate",) and report.inputs == (0.5,)
    report = gradcheck(lambda *xs: xs[0] * xs[1], [Value(2.0), 3])
    assert report.names == ("x0", "x1") and report.inputs == (2.0, 3.0)
    assert [e.numeric for e in report.entries] == pytest.approx([3.0, 2.0], rel=1e-13)


def test_a_fixed_step_is_used_as_the_largest_step() -> None:
    report = gradcheck(lambda v: v.exp(), [1.0], step=0.1)
    assert report and report.entries[0].numeric == pytest.approx(math.e, rel=1e-11)


def test_assert_gradcheck_returns_the_report_when_everything_agrees() -> None:
    report = assert_gradcheck(lambda x, y: x / y, [1.0, 4.0], rtol=1e-9)
    assert isinstance(report, GradcheckReport) and report.rtol == 1e-9
    assert all(isinstance(e, GradcheckEntry) and e.status == "ok" for e in report.entries)
    assert report.failures == []


def test_a_hand_written_backward_can_be_checked_through_grad_fn() -> None:
    from autograd import walk

    def my_grad(output: Value, inputs: list[Value], *, create_graph: bool = False
                ) -> list[float]:
        grads = {output: 1.0}
        for node in reversed(walk(output)):
            if node.op is not None:
                local = node.op.partials(node.data, *[p.data for p in node.parents])
                for p, d in zip(node.parents, local, strict=True):
                    grads[p] = grads.get(p, 0.0) + grads.get(node, 0.0) * d
        return [grads.get(x, 0.0) for x in inputs]

    def f(x: Value, y: Value) -> Value:
        v = x * y
        return v * v + x

    assert gradcheck(f, [0.5, -2.0], grad_fn=my_grad)


def test_a_grad_fn_that_returns_the_wrong_number_of_gradients_is_refused() -> None:
    with pytest.raises(TypeError, match="grad_fn returned 1 gradients for 2 inputs"):
        gradcheck(lambda x, y: x * y, [1.0, 2.0], grad_fn=lambda out, xs, **kw: [0.0])


@pytest.mark.parametrize(("f", "x"), [
    (lambda v: v.cos(), 0.0),  # f' = 0 with curvature: slopes left and right differ, smoothly
    (lambda v: v * v * 1e6, 0.0),
    (lambda v: (v * 30.0).sin(), 0.1),
    (lambda v: v.relu(), 1e-3),  # near a kink, but steps small enough fit on one side
])
def test_smooth_points_are_not_kinks(f: object, x: float) -> None:
    report = gradcheck(f, [x], order=2)  # type: ignore[arg-type]
    assert [e.status for e in report.entries] == ["ok", "ok"], str(report)


@pytest.mark.parametrize("x", [-2.0**-14, -2.0**-20, 2.0**-14, -3e-7])
def test_second_order_near_a_kink_is_no_false_alarm(x: float) -> None:
    # abs' is sign: steps scaled to 1 straddle its jump at 0 and their tableau looks converged
    # on a wrong slope (8192 at -2**-14); the one-sided slopes disagreeing must discredit it
    report = gradcheck(lambda v: abs(v), [x], order=2)
    assert report, str(report)
    assert [e.status for e in report.entries] == ["ok", "ok"]
    assert report.entries[1].numeric == 0.0
