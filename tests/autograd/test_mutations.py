"""Mutation tests: plant a classic backprop bug, and random programs plus gradcheck must find it
and shrink it to a one-line program that names the culprit.

The bugs live in test-only copies of op-table rows (built with `apply_op`) and in a test-only
reverse mode passed as ``grad_fn``, so the real table and engine are never touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis.errors import NoSuchExample

from autograd import OPS, Value, apply_op, assert_gradcheck, dot, gradcheck, sum_values, walk
from autograd.strategies import Domain, Primitive, Program, programs

SEARCH = settings(max_examples=1000, database=None, derandomize=True, deadline=None)

# tanh' written as 1 - y instead of 1 - y**2
BAD_TANH_ROW = dataclasses.replace(OPS["tanh"], partials=lambda out, x: (1.0 - out,))
# the power rule off by one: n * x**(n - 2)
BAD_POW_ROW = dataclasses.replace(OPS["pow"],
                                  partials=lambda out, x, n: (n * x ** (n - 2.0), 0.0))


def bad_tanh(x: Value) -> Value:
    """tanh through the broken row."""
    return apply_op(BAD_TANH_ROW, x)


def bad_pow(x: Value, n: float) -> Value:
    """x ** n through the broken row."""
    return apply_op(BAD_POW_ROW, x, n)


BAD_TANH = Primitive("tanh", bad_tanh, "bad_tanh({0})", domain=Domain((-8.0, 8.0)), row="tanh")
BAD_POW = Primitive("pow", bad_pow, "bad_pow({0}, {c})", 1, Domain((-10.0, -0.1), (0.1, 10.0)),
                    (2.0, 3.0, -1.0, -2.0), "pow")


def reverse_mode(output: Value, inputs: Sequence[Value], *, overwrite: str = "",
                 create_graph: bool = False) -> list[float]:
    """A hand-written reverse mode (floats only); ``overwrite`` plants `=` instead of `+=`.

    ``overwrite="all"``: every operand's gradient is overwritten by its latest contribution;
    ``overwrite="inner"``: only for operands that are not leaves (micrograd issue #53's kind).
    """
    grads: dict[Value, float] = {output: 1.0}
    for node in reversed(walk(output)):
        if node.op is None:
            continue
        local = node.op.partials(node.data, *[p.data for p in node.parents])
        for p, d in zip(node.parents, local, strict=True):
            c = grads.get(node, 0.0) * d
            wrong = overwrite == "all" or (overwrite == "inner" and p.op is not None)
            grads[p] = c if wrong else grads.get(p, 0.0) + c
    return [grads.get(x, 0.0) for x in inputs]


def overwrite_all(output: Value, inputs: Sequence[Value], **kw: Any) -> list[float]:
    """`=` instead of accumulation for every reused operand."""
    return reverse_mode(output, inputs, overwrite="all")


def overwrite_inner(output: Value, inputs: Sequence[Value], **kw: Any) -> list[float]:
    """`=` instead of accumulation for reused intermediate nodes only."""
    return reverse_mode(output, inputs, overwrite="inner")


def correct(output: Value, inputs: Sequence[Value], **kw: Any) -> list[float]:
    """The same reverse mode without the bug (the control)."""
    return reverse_mode(output, inputs)


NAMESPACE = {"bad_tanh": bad_tanh, "bad_pow": bad_pow, "dot": dot, "sum_values": sum_values}
MUTANTS = {  # name: (extra primitives, grad_fn, what the shrunk program must contain)
    "accumulate at a reused operand": ((), overwrite_all, "x0"),
    "accumulate at a reused inner node": ((), overwrite_inner, ":="),
    "tanh' = 1 - y": ((BAD_TANH,), None, "bad_tanh("),
    "power rule off by one": ((BAD_POW,), None, "bad_pow("),
}


def _shrunk(extra: tuple[Primitive, ...], grad_fn: Any) -> tuple[Program, list[float], str]:
    options: dict[str, Any] = {"grad_fn": grad_fn} if grad_fn else {}
    program, inputs = find(programs(extra=extra), lambda case: not gradcheck(*case, **options),
                           settings=SEARCH)
    return program, inputs, str(gradcheck(program, inputs, **options))


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_each_planted_bug_is_found_and_shrunk_to_one_line(name: str) -> None:
    extra, grad_fn, culprit = MUTANTS[name]
    program, inputs, table = _shrunk(extra, grad_fn)
    text = repr(program)
    print(f"\n{name}: {text}  at {inputs}\n{table}")
    assert culprit in text, table
    assert program.size <= 3 and len(text) <= 50, f"not shrunk: {text}\n{table}"
    assert "mismatch" in table, table
    if grad_fn is not None:  # the bug needs reuse: some operand appears twice
        assert any(text.count(f"x{i}") >= 2 for i in range(len(inputs))) or ":=" in text
    # the repr is the program: pasted, it fails the same way
    pasted = eval(text, dict(NAMESPACE))
    options: dict[str, Any] = {"grad_fn": grad_fn} if grad_fn else {}
    assert str(gradcheck(pasted, inputs, **options)) == table


@pytest.mark.parametrize("grad_fn", [correct, None])
def test_the_unmutated_engine_survives_the_same_search(grad_fn: Any) -> None:
    options: dict[str, Any] = {"grad_fn": grad_fn} if grad_fn else {}
    quick = settings(SEARCH, max_examples=150)
    with pytest.raises(NoSuchExample):
        find(programs(), lambda case: not gradcheck(*case, **options), settings=quick)


def test_a_failing_property_test_reports_the_shrunk_program_and_the_table() -> None:
    @settings(SEARCH, max_examples=300)
    @given(programs(extra=[BAD_TANH]))
    def test_gradients(case: tuple[Program, list[float]]) -> None:
        assert_gradcheck(*case)

    with pytest.raises(AssertionError) as raised:
        test_gradients()
    message = str(raised.value)
    notes = "\n".join(getattr(raised.value, "__notes__", []))
    assert "case=(lambda x0: bad_tanh(x0), [" in notes, notes  # the shrunk example
    assert message.startswith("gradcheck at x0=") and "mismatch" in message
