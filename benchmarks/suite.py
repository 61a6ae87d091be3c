"""Run every workload: the correctness gates first, then the measurements, then one table."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd
from benchmarks import chain, gradcheck_rate, hotspots, memory, moons, replay
from benchmarks.harness import (
    Clock,
    Row,
    Setup,
    compare,
    format_bytes,
    format_seconds,
    machine_info,
    median,
    render_table,
    speedup,
    tamed,
)

__all__ = ["NORMAL", "QUICK", "Config", "MicrogradMissing", "nn_model", "run"]


@dataclass(frozen=True)
class Config:
    """How much work each workload does."""

    name: str
    points: int  # moons points per training step (workloads 1, 2, 4)
    repeat: int  # timed samples per measurement; every table cell is their median
    chain_sizes: tuple[int, ...]  # ops in the deep chains of workload 3
    shallow: int  # a chain micrograd can still walk, for a backward-only comparison
    programs: int  # random programs per gradcheck throughput sample (workload 5)
    loop_steps: int  # consecutive training steps per loop sample (workloads 1 and 2)
    demo_steps: int  # steps of the moons demo's training (workload 6)


NORMAL = Config("normal", 100, 5, (10**4, 10**5, 10**6), 500, 100, 3, 100)
QUICK = Config("quick", 6, 1, (10**3, 10**4), 100, 5, 2, 3)


class MicrogradMissing(RuntimeError):
    """micrograd, the reference of every comparison, is not importable."""


def _micrograd() -> tuple[Any, Any]:
    try:
        # micrograd ships no type hints
        from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
        from micrograd.nn import MLP as MicroMLP  # type: ignore[import-untyped]
    except ImportError:
        raise MicrogradMissing(
            "the benchmarks compare against micrograd, which is not installed in this "
            "environment: `make bench` installs it (or pip install micrograd==0.1.0)") from None
    return MicroValue, MicroMLP


def nn_model(weights: moons.Weights) -> Any:
    """Workload 2's ``nn.MLP`` (fused dot, the default) holding ``weights``."""
    from nn import MLP

    model = MLP(moons.SIZES[0], list(moons.SIZES[1:]), seed=0)
    flat = [x for layer in weights for ws, b in layer for x in (*ws, b)]
    names = [name for name, _ in model.named_parameters()]  # micrograd's order
    model.load_state_dict(dict(zip(names, flat, strict=True)))
    return model


class _NNStep:
    """Workload 2's step as a user writes it with our nn: model, losses and optimizer."""

    def __init__(self, weights: moons.Weights, points: list[list[float]],
                 labels: list[float]) -> None:
        from nn import SGD

        self.model = nn_model(weights)
        self.optimizer = SGD(self.model, lr=moons.LR)
        self.points, self.labels = points, labels

    def __call__(self) -> Any:
        """One step; returns the loss (its graph alive)."""
        from nn import hinge, l2

        model = self.model
        loss = hinge([model(x) for x in self.points], self.labels) + l2(model, moons.ALPHA)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss


class _Data:
    """The points, labels and initial weights every engine starts from."""

    def __init__(self, n: int) -> None:
        from nn.datasets import moons as moons_data

        self.x, labels01 = moons_data(n, noise=0.1, seed=0)
        self.y = 2.0 * labels01 - 1.0  # -1 and +1, as micrograd's demo
        self.points: list[list[float]] = self.x.tolist()
        self.labels: list[float] = self.y.tolist()
        self.weights = moons.make_weights()


def _graph_step(value: Any, data: _Data) -> tuple[Any, list[Any]]:
    """Workload 1's step on a fresh copy of the weights; returns the loss and the parameters."""
    net, params = moons.make_net(value, data.weights)
    loss = moons.loss_graph(value, net, params, data.points, data.labels)
    moons.sgd_step(loss, params)
    return loss, params


def gate(config: Config, data: _Data, out: Callable[[str], None]) -> None:
    """Check every engine against micrograd (and the chain against its closed form).

    Raises GateError on the first disagreement; nothing is timed before this passes.
    """
    micro_value, micro_mlp = _micrograd()
    ref_loss, ref_params = _graph_step(micro_value, data)
    ref = [ref_loss.data] + [p.grad for p in ref_params]
    nodes = memory.count_nodes(ref_loss, lambda v: v._prev)

    # the shared builder is micrograd's own code: its MLP gives the same graph, bit for bit
    model = micro_mlp(moons.SIZES[0], list(moons.SIZES[1:]))
    for p, w in zip(model.parameters(), [x for layer in data.weights for ws, b in layer
                                         for x in (*ws, b)], strict=True):
        p.data = w
    scores = [model([micro_value(a) for a in row]) for row in data.points]
    losses = [(1 + -yi * si).relu() for yi, si in zip(data.labels, scores, strict=True)]
    reg = moons.ALPHA * sum(p * p for p in model.parameters())
    own = sum(losses) * (1.0 / len(losses)) + reg
    if own.data != ref_loss.data or memory.count_nodes(own, lambda v: v._prev) != nodes:
        raise moons.GateError("the shared graph builder does not reproduce micrograd's MLP: "
                              f"loss {ref_loss.data!r} vs {own.data!r}")
    out(f"  micrograd.nn.MLP and the shared builder: same loss bit for bit, {nodes} nodes")

    loss, params = _graph_step(autograd.Value, data)
    ours = [loss.data] + [p.grad for p in params]
    moons.check_close("workload 1 (our engine, micrograd's graph): loss and gradients",
                      ours, ref)
    ours_nodes = len(autograd.walk(loss))
    if ours_nodes != nodes:
        raise moons.GateError(f"workload 1: our graph has {ours_nodes} nodes, micrograd's {nodes}")
    out(f"  workload 1, our engine: loss and {len(params)} gradients match micrograd to "
        f"{moons.TOLERANCE:g} (loss {loss.data:.12g}), same {nodes} nodes")

    nn_step = _NNStep(data.weights, data.points, data.labels)
    loss = nn_step()
    nn_ours = [loss.data] + [p.grad for p in nn_step.model.parameters()]
    moons.check_close("workload 2 (nn.MLP with micrograd's weights): loss and gradients",
                      nn_ours, ref)
    out(f"  workload 2, nn.MLP: loss and gradients match micrograd to {moons.TOLERANCE:g} "
        f"({len(autograd.walk(loss))} nodes: one dot node per neuron and point)")
    replay.gate(data.weights, data.points, data.labels, ref, (ours, nn_ours), out)

    ws, bs = moons.numpy_params(data.weights)
    np_loss, gws, gbs = moons.numpy_step(ws, bs, data.x, data.y)
    moons.check_close("numpy reference: loss and gradients",
                      [np_loss] + moons.numpy_flat_grads(gws, gbs), ref)
    out(f"  numpy reference: loss and gradients match micrograd to {moons.TOLERANCE:g}")

    for n in config.chain_sizes:
        root, *leaves = chain.build_chain(autograd.Value, n)
        moons.check_close(f"workload 3: d root / d (x0, c, d) through {n} ops",
                          autograd.grad(root, leaves), chain.expected_grads(n))
        del root, leaves
    out(f"  workload 3, our engine: chain gradients match the closed form to "
        f"{moons.TOLERANCE:g} at every size")
    gradcheck_rate.gate(out, config.programs)


def _times(data: _Data, config: Config, clock: Clock) -> dict[str, float]:
    """Median seconds per step of workloads 1 and 2 on every engine, all cases interleaved.

    ``* loop`` cases run ``config.loop_steps`` steps in a row, the previous loss alive while
    the next graph is built (``loss = step()`` in a training loop), and report time per step:
    the garbage collector's steady-state share, which a fresh sample leaves out.
    """
    micro_value, _ = _micrograd()

    def graph(value: Any) -> Setup:
        def setup() -> Callable[[], object]:
            net, params = moons.make_net(value, data.weights)

            def step() -> object:
                loss = moons.loss_graph(value, net, params, data.points, data.labels)
                moons.sgd_step(loss, params)
                return loss
            return step
        return setup

    def nn_setup() -> Callable[[], object]:
        return _NNStep(data.weights, data.points, data.labels)

    def numpy_setup() -> Callable[[], object]:
        ws, bs = moons.numpy_params(data.weights)
        return lambda: moons.numpy_step(ws, bs, data.x, data.y)

    def loop(setup: Setup) -> Setup:
        def loop_setup() -> Callable[[], object]:
            step = setup()

            def steps() -> object:
                loss = None
                for _ in range(config.loop_steps):
                    loss = step()  # the previous graph lives until this returns, as in a loop
                return loss
            return steps
        return loop_setup

    def tape_setup(make: Callable[..., replay.TapeStep]) -> Setup:
        return lambda: make(data.weights, data.points, data.labels)

    single = {"ours": graph(autograd.Value), "nn": nn_setup, "micrograd": graph(micro_value),
              "micrograd tamed": tamed(graph(micro_value)), "tape": tape_setup(replay.op_by_op),
              "tape fused": tape_setup(replay.fused), "numpy": numpy_setup}
    cases = {**single, **{f"{name} loop": loop(setup) for name, setup in single.items()
                          if name != "numpy"}}
    cases["micrograd tamed loop"] = tamed(graph(micro_value), config.loop_steps)
    times = {name: median(t) for name, t in compare(cases, config.repeat, clock).items()}
    for name in single:
        if name != "numpy":
            times[f"{name} loop"] /= config.loop_steps
    return times


def _step_rows(config: Config, t: dict[str, float]) -> list[Row]:
    """Workloads 1 and 2, built as Values and replayed from a tape, against both micrograds.

    Every row shows the ratio to micrograd as its demo runs (collector on) and to micrograd
    with its collector tamed (off, one collection per step: the best a micrograd user can
    do). The targets: our Values 8x (op by op) and 40x (fused) faster than micrograd as its
    demo runs, the issue's baseline; the tape 10x (op by op) and 40x (fused) faster than
    micrograd tamed. They are judged inside a training loop (the previous step's graph alive,
    as in the demo); fresh samples collect that garbage first and carry no target.
    """
    rows = []
    for case, title, target, against in (
            ("ours", "W1 step, micrograd's graph", 8, "micrograd"),
            ("tape", "W1 tape replay, op by op", 10, "micrograd tamed"),
            ("nn", "W2 step, nn.MLP (fused dot)", 40, "micrograd"),
            ("tape fused", "W2 tape replay, fused", 40, "micrograd tamed")):
        for suffix, note in ((" loop", f", in a {config.loop_steps}-step loop"), ("", ", fresh")):
            ours, micro, tame = (t[case + suffix], t["micrograd" + suffix],
                                 t["micrograd tamed" + suffix])
            judged = suffix == " loop"
            ratio = (micro if against == "micrograd" else tame) / ours
            rows.append(Row(f"{title} ({config.points} points{note})", format_seconds(ours),
                            format_seconds(micro), format_seconds(t["numpy"]),
                            speedup(micro, ours), f"{ours / t['numpy']:.0f}x slower",
                            f">= {target}x faster than {against}" if judged else
                            "(no target: garbage collected first)",
                            ratio >= target if judged else None,
                            tamed=format_seconds(tame), vs_tamed=speedup(tame, ours)))
    return rows


def _power(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"10^{exponent}" if n == 10**exponent else str(n)


def _backward_of(root: Any) -> Setup:
    """Backward through an existing graph; passes accumulate, each does the same work."""
    return lambda: root.backward


def _chain_rows(config: Config, clock: Clock) -> list[Row]:
    """Workload 3: backward time per op at each size; micrograd where its recursion allows."""
    micro_value, _ = _micrograd()
    rows = []
    shallow = {"ours": chain.build_chain(autograd.Value, config.shallow)[0],
               "micrograd": chain.build_chain(micro_value, config.shallow)[0]}
    t = {name: median(s) / config.shallow for name, s in compare(
        {name: _backward_of(root) for name, root in shallow.items()}, config.repeat,
        clock).items()}
    rows.append(Row(f"W3 chain backward, {config.shallow} ops, per op", format_seconds(t["ours"]),
                    format_seconds(t["micrograd"]),
                    vs_micrograd=speedup(t["micrograd"], t["ours"]),
                    target="(micrograd's depth limit is about 1000)"))
    del shallow

    per_op: dict[int, float] = {}
    recursion_error = False
    for n in config.chain_sizes:
        root = chain.build_chain(autograd.Value, n)[0]
        per_op[n] = median(compare({"ours": _backward_of(root)}, config.repeat, clock)["ours"]) / n
        del root
        micro = "(not run)"  # micrograd failed at a smaller size: no need to build this one
        if not recursion_error:
            micro_root = chain.build_chain(micro_value, n)[0]
            start = time.process_time()
            try:
                micro_root.backward()  # micrograd 0.1.0 recurses once per node
                micro = format_seconds((time.process_time() - start) / n)
            except RecursionError:
                micro = "RecursionError"
                recursion_error = True
            del micro_root
            gc.collect()
        rows.append(Row(f"W3 chain backward, {_power(n)} ops, per op",
                        format_seconds(per_op[n]), micro))
    small, big = config.chain_sizes[0], config.chain_sizes[-1]
    ratio = per_op[big] / per_op[small]
    rows.append(Row(f"W3 per op, {_power(big)} / {_power(small)}", f"{ratio:.2f}x",
                    target="<= 1.5x", met=ratio <= 1.5))
    return rows


def _memory_row(data: _Data) -> Row:
    """Workload 4: bytes per node of workload 1's graph after forward and backward."""
    micro_value, _ = _micrograd()
    per_node = {}
    for name, value, operands in (("ours", autograd.Value, lambda v: v.parents),
                                  ("micrograd", micro_value, lambda v: v._prev)):
        net, params = moons.make_net(value, data.weights)

        def build(value: Any = value, net: Any = net, params: Any = params) -> Any:
            loss = moons.loss_graph(value, net, params, data.points, data.labels)
            for p in params:
                p.grad = 0.0
            loss.backward()
            return loss

        size, loss = memory.traced_bytes(build)
        per_node[name] = size / (memory.count_nodes(loss, operands) - len(params))
        del loss
    ratio = per_node["ours"] / per_node["micrograd"]
    return Row("W4 memory per graph node (W1 graph)", format_bytes(per_node["ours"]),
               format_bytes(per_node["micrograd"]), vs_micrograd=f"{ratio:.3f}x the bytes",
               target="<= 0.25x micrograd's", met=ratio <= 0.25)


def _tape_memory_row(data: _Data) -> Row:
    """Workload 4: what a tape of workload 1's graph keeps, once the graph is gone."""
    size, ops = replay.tape_bytes(data.weights, data.points, data.labels)
    mib = size / 2**20
    return Row(f"W4 tape of the W1 graph ({ops} ops), total", f"{mib:.2f} MiB",
               vs_micrograd=f"{size / ops:.0f} B per op",
               target="a few MB (<= 8 MiB)", met=mib <= 8)


def _hotspots(data: _Data, repeat: int, out: Callable[[str], None]) -> None:
    """Phase times and GC shares of workloads 1 and 2, then cProfile of our engine's steps."""
    from nn import hinge, l2

    micro_value, _ = _micrograd()

    def graph_phases(value: Any) -> Callable[[], list[hotspots.Phase]]:
        def make() -> list[hotspots.Phase]:
            net, params = moons.make_net(value, data.weights)
            graph: dict[str, Any] = {}

            def build(_: Any) -> None:
                graph["loss"] = moons.loss_graph(value, net, params, data.points, data.labels)

            def zero(_: Any) -> None:
                for p in params:
                    p.grad = 0.0

            def update(_: Any) -> None:
                for p in params:
                    p.data -= moons.LR * p.grad

            phases: list[hotspots.Phase] = [("build the graph", build), ("zero grads", zero)]
            if value is autograd.Value:  # our backward walks the graph first: that part alone
                phases.append(("  walk(loss) alone (extra)",
                               lambda _: autograd.walk(graph["loss"])))
            return phases + [("backward", lambda _: graph["loss"].backward()),
                             ("SGD update", update)]
        return make

    def nn_phases() -> list[hotspots.Phase]:
        step = _NNStep(data.weights, data.points, data.labels)
        model = step.model
        state: dict[str, Any] = {}

        def loss(scores: Any) -> Any:
            state["loss"] = hinge(scores, step.labels) + l2(model, moons.ALPHA)
            return state["loss"]

        return [("forward, model(x) per point", lambda _: [model(x) for x in step.points]),
                ("hinge + l2 loss", loss),
                ("optimizer.zero_grad", lambda _: step.optimizer.zero_grad()),
                ("backward", lambda _: state["loss"].backward()),
                ("optimizer.step", lambda _: step.optimizer.step())]

    for title, make in (("W1, our engine", graph_phases(autograd.Value)),
                        ("W1, micrograd", graph_phases(micro_value)),
                        ("W2, nn.MLP", nn_phases)):
        results = hotspots.time_phases(make, repeat)
        total = sum(t for name, t, _ in results if "(extra)" not in name)
        out(f"{title}: one step {format_seconds(total)} of CPU time (medians of {repeat}):")
        for name, t, collecting in results:
            out(f"  {name:<30} {format_seconds(t):>9}  of which GC {format_seconds(collecting)}")

    def nn_step() -> object:
        return _NNStep(data.weights, data.points, data.labels)()

    def graph_step() -> object:
        return _graph_step(autograd.Value, data)[0]

    for title, step in (("W1, our engine", graph_step), ("W2, nn.MLP", nn_step)):
        out(f"\ncProfile of one step, {title} (own time first):")
        out(hotspots.profile(step))


def run(config: Config, out: Callable[[str], None] = print, *,
        profile: bool = False) -> list[Row]:
    """Run the whole suite, printing progress and the table; returns the table's rows.

    With ``profile``, print where one step's time goes instead of timing (after the gate).
    """
    out(f"stepgrad benchmarks ({config.name} mode): medians of {config.repeat} interleaved "
        "samples of CPU time, each after gc.collect(), GC on with the same settings for all")
    out(machine_info())
    if config.name == "quick":
        out("quick mode: smaller workloads, one sample; a smoke run, not a measurement")
    data = _Data(config.points)
    out("correctness gate (before any timing):")
    gate(config, data, out)
    if profile:
        _hotspots(data, config.repeat, out)
        return []

    clock = Clock()
    out("timing workloads 1 and 2 ...")
    rows = _step_rows(config, _times(data, config, clock))
    out("timing workload 3 ...")
    rows += _chain_rows(config, clock)
    out("measuring workload 4 ...")
    rows.append(_memory_row(data))
    cost = memory.attribute_cost(autograd.Value)  # issue 13: at most one pointer a node
    rows.append(Row("W4 a learner's own attributes (p.m = 0), per node", format_bytes(cost),
                    target="<= one pointer (8 B)", met=cost <= 8))
    rows.append(_tape_memory_row(data))
    out("timing workload 5 ...")
    rows += gradcheck_rate.rows(config.programs, config.repeat, clock)
    out("timing workload 6 ...")
    rows += replay.demo_rows(config.demo_steps, min(config.repeat, 3), clock)
    out("")
    out(render_table(rows))
    met = [r for r in rows if r.met is not None]
    out(f"\ntargets met: {sum(bool(r.met) for r in met)} of {len(met)}; {clock.load_note()}")
    return rows
