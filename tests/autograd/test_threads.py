"""Passes from several threads over shared nodes give the right gradients (issue 19, item 3).

Every node has one scratch slot that a pass uses, so concurrent passes over shared nodes must
take turns. The threads switch every microsecond here, so that unserialised passes would
interleave at once; each result is compared with the single-threaded one.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from autograd import Value, backprop_steps, grad, walk

THREADS, ROUNDS = 4, 25


@pytest.fixture(autouse=True)
def switch_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the default, 5 ms, would let many passes run unbroken
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def model() -> list[Value]:
    return [Value(x, f"w{i}") for i, x in enumerate((0.3, -0.7, 1.1, 0.2, -0.5, 0.9, 0.1))]


def loss(w: list[Value], xs: list[float]) -> Value:
    """A small network's squared error over ``xs``: every parameter used at every point."""
    total = Value(0.0)
    for x in xs:
        h1, h2 = (w[0] * x + w[1]).tanh(), (w[2] * x + w[3]).sigmoid()
        total = total + (h1 * w[4] + h2 * w[5] + w[6] - x) ** 2
    return total


def run_in_threads(work: Callable[[int], None]) -> None:
    """``work(i)`` ROUNDS times in each of THREADS threads started together; re-raise errors."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                work(i)
        except BaseException as err:  # noqa: BLE001  # handed to the test's thread below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_grad_from_many_threads_on_one_graph_is_exact() -> None:
    w = model()
    y = loss(w, [0.1 * k for k in range(-10, 10)])
    expected = grad(y, w)
    results: list[list[float]] = []
    run_in_threads(lambda i: results.append(grad(y, w)))
    assert len(results) == THREADS * ROUNDS
    assert all(r == expected for r in results)  # the same pass alone: exactly the same floats
    assert all(n._g is None for n in walk(y))


def test_backward_from_threads_on_graphs_sharing_parameters_adds_every_pass() -> None:
    w = model()
    graphs = [loss(w, [0.1 * k + 0.05 * i for k in range(-8, 8)]) for i in range(THREADS)]
    alone = [grad(g, w) for g in graphs]
    run_in_threads(lambda i: graphs[i].backward())
    for j, p in enumerate(w):
        want = ROUNDS * math.fsum(a[j] for a in alone)
        assert math.isclose(p.grad, want, rel_tol=1e-9, abs_tol=1e-12), p.label
    assert all(n._g is None for g in graphs for n in walk(g))


def test_every_kind_of_pass_at_once_on_one_graph() -> None:
    w = model()
    y = loss(w, [0.2 * k for k in range(-6, 6)])
    floats = grad(y, w)
    seconds = [g.data for g in grad(y, w, create_graph=True)]
    steps = backprop_steps(y).grads
    wrong: list[str] = []

    def work(i: int) -> None:
        kind = i % 4
        if kind == 0:
            y.backward()
        elif kind == 1 and grad(y, w) != floats:
            wrong.append("grad")
        elif kind == 2 and [g.data for g in grad(y, w, create_graph=True)] != seconds:
            wrong.append("grad(create_graph=True)")
        elif kind == 3 and backprop_steps(y).grads != steps:
            wrong.append("backprop_steps")

    run_in_threads(work)
    assert wrong == []
    for p, g in zip(w, floats, strict=True):  # one thread in four ran backward ROUNDS times
        assert math.isclose(p.grad, ROUNDS * g, rel_tol=1e-9, abs_tol=1e-12)
