"""check_by_hand: a learner's hand-set gradients against the truth, with the likely mistake.

Each classic mistake gets a graph where the learner makes exactly that mistake (the number is
worked out here by hand, independently of the engine) and the report must name it.
"""

from __future__ import annotations

import math

import pytest

from autograd import Value, backprop_steps, check_by_hand
from autograd.by_hand import ByHandReport, diagnose, guesses_per_step, step_guesses


def _grads(*nodes: Value) -> list[float]:
    return [n.grad for n in nodes]


def _neuron() -> dict[str, Value]:
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {k: v for k, v in locals().items() if isinstance(v, Value)}


def _neuron_by_hand() -> dict[str, Value]:
    """The neuron with every gradient set right, worked out in closed form."""
    v = _neuron()
    t = math.tanh(v["n"].data)
    dn = 1.0 - t * t  # 0.5 for this b
    grads = {"o": 1.0, "n": dn, "b": dn, "s": dn, "x1w1": dn, "x2w2": dn, "x1": -3.0 * dn,
             "w1": 2.0 * dn, "x2": 1.0 * dn, "w2": 0.0}
    for k, g in grads.items():
        v[k].grad = g
    return v


def _kinds(report: ByHandReport) -> dict[str, str | None]:
    return {r.name: (r.mistake.kind if r.mistake else None) for r in report.wrong}


def test_all_right_is_truthy_and_claims_no_mistake() -> None:
    v = _neuron_by_hand()
    report = check_by_hand(v["o"])
    assert report
    assert {r.status for r in report.rows} == {"right"}
    assert all(r.mistake is None for r in report.rows)
    assert "wrong" not in str(report).split("\n")[-1].split(",")[0]
    assert [r.name for r in report.rows][:2] == ["o", "n"]  # backward order


def test_hand_arithmetic_within_default_tolerance_is_right() -> None:
    v = _neuron_by_hand()
    v["n"].grad = 0.5  # 1 - 0.7071**2 written as 0.5: right within 1e-3
    v["x1"].grad = -1.5004
    assert check_by_hand(v["o"])


def test_not_done_and_root_not_seeded() -> None:
    v = _neuron_by_hand()
    v["o"].grad = 0.0
    v["x1"].grad = 0.0
    v["w2"].grad = 0.0  # its true gradient is 0: right, not "not done"
    report = check_by_hand(v["o"])
    assert not report
    assert report.row(v["o"]).status == "not done"
    assert report.row(v["x1"]).status == "not done"
    assert report.row(v["w2"]).status == "right"
    assert report.wrong == []


def test_forgot_to_add_the_uses_of_a_node_used_twice() -> None:
    a, b = Value(3.0, "a"), Value(2.0, "b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    d.grad, c.grad, b.grad = 1.0, 1.0, 3.0
    a.grad = 2.0  # only the path through c (b * 1); the path d = c + a adds 1
    report = check_by_hand(d)
    assert _kinds(report) == {"a": "forgot-sum"}
    row = report.row(a)
    assert row.right == 3.0
    assert row.mistake is not None and "used 2 times" in row.mistake.words
    assert row.arithmetic[-1] == "sum over its 2 uses: dd/da = 1.0000 + 2.0000 = 3.0000"
    a.grad = 1.0  # the other use alone
    assert _kinds(check_by_hand(d)) == {"a": "forgot-sum"}


def _product_graph() -> tuple[Value, Value, Value, Value, Value]:
    a, b, c = Value(3.0, "a"), Value(-2.0, "b"), Value(4.0, "c")
    e = a * b
    e.label = "e"
    f = e * c
    f.label = "f"
    f.grad, e.grad, c.grad, b.grad = 1.0, 4.0, -6.0, 12.0
    return a, b, c, e, f


@pytest.mark.parametrize(("yours", "kind"), [
    (-2.0, "dropped-upstream"),  # da/de = b alone, without df/de = 4
    (8.0, "sign"),  # right is b * 4 = -8
    (12.0, "swapped"),  # a * 4: the operand itself instead of the other one
])
def test_mistakes_in_a_product(yours: float, kind: str) -> None:
    a, b, c, e, f = _product_graph()
    a.grad = yours
    report = check_by_hand(f)
    assert _kinds(report) == {"a": kind}
    assert report.row(a).right == -8.0
    assert report.row(a).arithmetic == ("de/da = b = -2.0000 ; upstream 4.0000 x local -2.0000 "
                                        "= -8.0000",)


def test_swapped_operands_of_a_division() -> None:
    x, y = Value(3.0, "x"), Value(2.0, "y")
    q = x / y
    q.label = "q"
    q.grad, x.grad = 1.0, 0.5
    y.grad = -2.0 / 9.0  # -y/x^2: the formula -x/y^2 with x and y swapped (right: -3/4)
    report = check_by_hand(q)
    assert _kinds(report) == {"y": "swapped"}
    x.grad, y.grad = 1.0 / 3.0, -0.75  # 1/x instead of 1/y
    assert _kinds(check_by_hand(q)) == {"x": "swapped"}


def test_local_derivative_at_the_output_instead_of_the_input() -> None:
    v = _neuron_by_hand()
    n = v["n"].data
    v["n"].grad = 1.0 - n * n  # 1 - n**2, not 1 - tanh(n)**2
    for k in ("b", "s", "x1w1", "x2w2", "x1", "w1", "x2"):
        v[k].grad = 0.0
    report = check_by_hand(v["o"])
    assert _kinds(report) == {"n": "wrong-point"}
    assert report.row(v["n"]).mistake is not None
    assert "1 - n^2" in report.row(v["n"]).mistake.words  # type: ignore[union-attr]


def test_wrong_point_of_exp() -> None:
    x = Value(1.5, "x")
    y = x.exp()
    y.label = "y"
    y.grad, x.grad = 1.0, 1.5  # exp'(x) = exp(x), not x
    assert _kinds(check_by_hand(y)) == {"x": "wrong-point"}


def test_carried_forward_points_at_the_first_mistake() -> None:
    v = _neuron_by_hand()
    n = v["n"].data
    wrong = 1.0 - n * n  # the real mistake, at n
    for k in ("n", "b", "s", "x1w1", "x2w2", "x2"):
        v[k].grad = wrong  # every later step right, given the learner's own numbers
    v["x1"].grad = -3.0 * wrong
    v["w1"].grad = 2.0 * wrong
    report = check_by_hand(v["o"])
    kinds = _kinds(report)
    assert kinds.pop("n") == "wrong-point"
    assert set(kinds.values()) == {"carried"}
    assert set(kinds) == {"b", "s", "x1w1", "x2w2", "x1", "w1", "x2"}
    for name in kinds:
        row = report.row(v[name])
        assert row.cause is v["n"]
        assert row.mistake is not None and row.mistake.words.endswith("mistake is at n")


def test_a_sign_flip_below_is_carried_not_a_new_sign_flip() -> None:
    v = _neuron_by_hand()
    v["s"].grad = -v["s"].grad  # the first mistake
    for k in ("x1w1", "x2w2", "x2"):
        v[k].grad = -v[k].grad  # each right given the learner's s
    report = check_by_hand(v["o"])
    assert _kinds(report)["s"] == "sign"
    assert _kinds(report)["x1w1"] == "carried"
    assert report.row(v["x2"]).cause is v["s"]
    assert report.row(v["x1"]).status == "right"  # x1 done right from the true x1w1


def test_unknown_mistake_is_wrong_without_a_claim() -> None:
    a, b, c, e, f = _product_graph()
    a.grad = 123.0
    report = check_by_hand(f)
    assert report.row(a).status == "wrong"
    assert report.row(a).mistake is None
    assert "none of the classic mistakes" in str(report)


def test_tolerance_keyword() -> None:
    a, b, c, e, f = _product_graph()
    a.grad = -8.04  # 0.5% off
    assert not check_by_hand(f)
    assert check_by_hand(f, rel_tol=1e-2)
    with pytest.raises(ValueError, match="rel_tol"):
        check_by_hand(f, rel_tol=0)
    with pytest.raises(TypeError, match="root must be a Value"):
        check_by_hand(3.0)  # type: ignore[arg-type]


def test_grads_set_as_ints_or_fractions_and_a_bad_grad() -> None:
    from fractions import Fraction

    a, b, c, e, f = _product_graph()
    f.grad, a.grad = 1, Fraction(-8)  # type: ignore[assignment]
    assert check_by_hand(f)
    a.grad = "oops"  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"the \.grad of a is str 'oops', not a number"):
        check_by_hand(f)


def test_changes_no_grad() -> None:
    v = _neuron_by_hand()
    v["x1"].grad = 7.0
    before = _grads(*v.values())
    check_by_hand(v["o"])
    str(check_by_hand(v["o"]))
    assert _grads(*v.values()) == before


def test_html_table_escapes_labels() -> None:
    a, b, c, e, f = _product_graph()
    a.label = "<img src=x onerror=alert(1)>"
    a.grad = 8.0
    page = check_by_hand(f)._repr_html_()
    assert "<img" not in page
    assert "&lt;img src=x" in page
    assert page.count("<tr") == 1 + 5 + 1  # head, five nodes, the wrong row's notes
    assert "sign flipped" in page


def test_step_guesses_for_the_second_use_of_a_node() -> None:
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    c = a * b + a
    trace = backprop_steps(c)
    k = next(i for i, s in enumerate(trace.steps) if s.operand is a and s.before != 0)
    # by hand: a gets 1 through the +, then b * 1 = -2 through the *: -1 after the second step
    assert (trace.steps[k].before, trace.steps[k].after) == (1.0, -1.0)
    guesses = step_guesses(trace, k)
    assert guesses == guesses_per_step(trace)[k]
    forgot, flipped = diagnose(-2.0, -1.0, guesses), diagnose(3.0, -1.0, guesses)
    assert forgot is not None and forgot.kind == "forgot-sum"  # this use alone
    assert flipped is not None and flipped.kind == "sign"  # 1 - (-2)
    assert diagnose(-1.0, -1.0, guesses) is None  # the right value is never a mistake
