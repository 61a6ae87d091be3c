"""Every row of the op table, and random programs of them, pass gradcheck at first and second
order: parametrized over `OPS` itself, so a new row is tested here with no new code."""

from __future__ import annotations

import time

import pytest
from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from autograd import OPS, Value, assert_gradcheck
from autograd.strategies import Program, op_programs, programs


@pytest.mark.parametrize("row", sorted(OPS))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_each_row_alone_at_first_and_second_order(row: str, data: st.DataObject) -> None:
    program, inputs = data.draw(op_programs(row))
    assert program(*map(Value, inputs)).op is OPS[row]
    assert_gradcheck(program, inputs, order=2)


@pytest.mark.parametrize("row", sorted(OPS))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_each_row_inside_random_programs(row: str, data: st.DataObject) -> None:
    program, inputs = data.draw(programs(ops=[row, "add", "mul", "sin"], max_ops=5))
    assert_gradcheck(program, inputs, order=2)


def _run(draws: int, order: int, part: int = 0) -> tuple[int, set[str], float]:
    """Check the distinct programs among ``draws`` random ones; every one must pass.

    Returns how many distinct (program, inputs) pairs were checked, the rows they used, and
    the seconds it took (hypothesis draws small programs more than once).
    """
    seen: set[tuple[str, tuple[float, ...]]] = set()
    rows: set[str] = set()

    @settings(max_examples=draws, deadline=None, database=None, phases=[Phase.generate])
    @given(programs(max_inputs=3, max_ops=8))
    def check(case: tuple[Program, list[float]]) -> None:
        program, inputs = case
        key = (repr(program), tuple(inputs))
        if key not in seen:  # a key joins seen only once it passed, so a replay fails again
            assert_gradcheck(program, inputs, order=order)
            seen.add(key)
            rows.update(step.primitive.row for step in program.steps)

    if settings().derandomize:  # CI: reproducible, yet each part draws its own programs
        check = seed(part)(check)
    start = time.perf_counter()
    check()
    return len(seen), rows, time.perf_counter() - start


@pytest.mark.parametrize("part", range(4))  # four quarters, so parallel workers share them
def test_2000_random_programs_raise_no_false_alarm(part: int) -> None:
    count, rows, seconds = _run(875, order=1, part=part)
    assert count >= 500
    assert set(OPS) <= rows  # every row was drawn, in every quarter
    print(f"\nquarter {part}: {count} distinct random programs, first order: {seconds:.1f} s")


def test_300_random_programs_raise_no_false_alarm_at_second_order() -> None:
    count, _, seconds = _run(550, order=2)
    assert count >= 300
    print(f"\n{count} distinct random programs, second order: {seconds:.1f} s")
