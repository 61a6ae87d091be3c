"""micrograd's README example, written with our imports, against an independent hand calculation.

Unrolling the in-place updates by hand:
    c = 3a + 4b + 3
    d = 12(ab + b^3) + 4 relu(a + b) + relu(b - a)
    e = c - d,  f = e^2,  g = f/2 + 10/f = e^2/2 + 10 e^-2
so dg/de = e - 20 e^-3, and at a = -4, b = 2 (a + b < 0 < b - a):
    de/da = 3 - (12b - 1) = -20,   de/db = 4 - (12a + 36b^2 + 1) = -93.
"""

from __future__ import annotations

import pytest

from autograd import Value

A, B = -4.0, 2.0


def _readme_program(a: Value, b: Value) -> Value:
    """The README's lines, unchanged apart from the import."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def _g_float(a: float, b: float) -> float:
    """The same function in closed form, on floats."""
    def relu(z: float) -> float:
        return max(z, 0.0)

    c = 3 * a + 4 * b + 3
    d = 12 * (a * b + b**3) + 4 * relu(a + b) + relu(b - a)
    e = c - d
    return e**2 / 2 + 10 / e**2


def _grad_closed_form(a: float, b: float) -> tuple[float, float]:
    assert a + b < 0 < b - a  # the relu branches used below
    e = (3 * a + 4 * b + 3) - (12 * (a * b + b**3) + (b - a))
    dg_de = e - 20 / e**3
    return dg_de * (3 - (12 * b - 1)), dg_de * (4 - (12 * a + 36 * b**2 + 1))


def test_readme_forward_matches_hand_calculation() -> None:
    g = _readme_program(Value(A), Value(B))
    # c = -1, d = 6, e = -7, f = 49: g = 49/2 + 10/49
    assert g.data == pytest.approx(24.5 + 10 / 49, rel=1e-15)
    assert g.data == pytest.approx(_g_float(A, B), rel=1e-15)
    assert f"{g.data:.4f}" == "24.7041"  # what the README prints


def test_readme_gradients_match_hand_calculation() -> None:
    a, b = Value(A), Value(B)
    g = _readme_program(a, b)
    g.backward()
    da, db = _grad_closed_form(A, B)
    dg_de = -7 + 20 / 343
    assert (da, db) == pytest.approx((-20 * dg_de, -93 * dg_de), rel=1e-15)
    assert a.grad == pytest.approx(da, rel=1e-13)
    assert b.grad == pytest.approx(db, rel=1e-13)
    assert f"{a.grad:.4f}" == "138.8338"  # what the README prints
    assert f"{b.grad:.4f}" == "645.5773"


def test_readme_gradients_match_finite_differences() -> None:
    a, b = Value(A), Value(B)
    _readme_program(a, b).backward()
    # Richardson-extrapolated central differences on the float program (smooth here: no kink)
    for i, analytic in enumerate((a.grad, b.grad)):
        def central(h: float, i: int = i) -> float:
            hi, lo = [A, B], [A, B]
            hi[i] += h
            lo[i] -= h
            return (_g_float(*hi) - _g_float(*lo)) / (2 * h)

        h = 1e-3
        numeric = (4 * central(h / 2) - central(h)) / 3
        assert analytic == pytest.approx(numeric, rel=1e-9)


def test_readme_backward_after_zero_grad_repeats_the_numbers() -> None:
    a, b = Value(A), Value(B)
    g = _readme_program(a, b)
    assert g.op is not None
    g.backward()
    assert g.grad == 1.0
    first = (a.grad, b.grad)
    g.zero_grad()
    assert (a.grad, b.grad) == (0.0, 0.0)
    g.backward()
    assert (a.grad, b.grad) == first  # zero_grad then backward: exactly the same numbers
