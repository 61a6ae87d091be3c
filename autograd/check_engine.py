"""Property-test someone else's micrograd-style engine against stepgrad and finite differences.

``check_engine(Value)`` probes which ops a class supports (``Value(number)``, ``.data``,
``.grad``, ``.backward()``, operators, optionally ``relu tanh exp log`` and ``**`` a number),
draws random programs over those ops (hypothesis), and reports each check as a `Finding`:
ok / wrong / crash / differs (a known difference in semantics) / unsupported. A failing
finding is shrunk to one line of pasteable Python, with your numbers beside the right ones
and a guess at the cause::

    >>> from autograd import check_engine
    >>> report = check_engine(mygrad.Value)
    >>> print(report)

Programs are data (`Program`), built by calling the class's operators and rendered as text;
nothing is ever evaluated from text. hypothesis is imported only when a check runs.
"""

from __future__ import annotations

import importlib
import math
import os
import random
import sys
import textwrap
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd.engine import Value

if TYPE_CHECKING:
    from hypothesis import strategies as st

    from viz.html import Stepper

__all__ = ["EngineError", "EngineReport", "Finding", "Node", "Program", "assert_engine",
           "check_engine", "load_class"]

STATUSES = ("ok", "wrong", "crash", "differs", "unsupported")
FAILURES = ("wrong", "crash")


class EngineError(Exception):
    """The engine under test cannot be imported or built: the message says what to fix."""


class _OpSpec(NamedTuple):
    arity: int  # Value operands (a constant, when the op has one, is extra)
    apply: Callable[..., Any]  # (*operands, const) -> result
    text: str  # "{0} * {1}", "{c} / {0}": how the line reads
    valid: Callable[..., bool]  # (*operand values, const) -> safe and well conditioned here


def _far(x: float) -> bool:
    return abs(x) >= 0.25


# Ops a random program may use, in the order hypothesis shrinks towards.
OPS: dict[str, _OpSpec] = {
    "add": _OpSpec(2, lambda a, b, c: a + b, "{0} + {1}", lambda a, b, c: True),
    "mul": _OpSpec(2, lambda a, b, c: a * b, "{0} * {1}", lambda a, b, c: True),
    "sub": _OpSpec(2, lambda a, b, c: a - b, "{0} - {1}", lambda a, b, c: True),
    "div": _OpSpec(2, lambda a, b, c: a / b, "{0} / {1}", lambda a, b, c: _far(b)),
    "neg": _OpSpec(1, lambda a, c: -a, "-{0}", lambda a, c: True),
    "pow": _OpSpec(1, lambda a, c: a ** c, "{0} ** {c}",
                   lambda a, c: a >= 0.25 if c == 0.5 else c > 0 or _far(a)),
    "relu": _OpSpec(1, lambda a, c: a.relu(), "{0}.relu()", lambda a, c: abs(a) >= 0.01),
    "tanh": _OpSpec(1, lambda a, c: a.tanh(), "{0}.tanh()", lambda a, c: abs(a) <= 5),
    "exp": _OpSpec(1, lambda a, c: a.exp(), "{0}.exp()", lambda a, c: a <= 5),
    "log": _OpSpec(1, lambda a, c: a.log(), "{0}.log()", lambda a, c: a >= 0.25),
}
EXPONENTS = (2, 3, -1, 0.5)
# Input values, in the order hypothesis shrinks towards: short to write, never relu's kink at 0.
INPUTS = (2.0, 3.0, -1.0, 0.5, 1.5, -2.0, -0.5, 2.5, -3.0, 1.0, 4.0, -1.5, -4.0, 3.5, -2.5)
# Plain numbers on either side of an operator: checked once each, not drawn at random.
NUMBER_OPS: dict[str, _OpSpec] = {
    "v + 1": _OpSpec(1, lambda a, c: a + c, "{0} + {c}", lambda a, c: True),
    "1 + v": _OpSpec(1, lambda a, c: c + a, "{c} + {0}", lambda a, c: True),
    "v - 1": _OpSpec(1, lambda a, c: a - c, "{0} - {c}", lambda a, c: True),
    "1 - v": _OpSpec(1, lambda a, c: c - a, "{c} - {0}", lambda a, c: True),
    "2 * v": _OpSpec(1, lambda a, c: c * a, "{c} * {0}", lambda a, c: True),
    "v * 2": _OpSpec(1, lambda a, c: a * c, "{0} * {c}", lambda a, c: True),
    "v / 2": _OpSpec(1, lambda a, c: a / c, "{0} / {c}", lambda a, c: True),
    "1 / v": _OpSpec(1, lambda a, c: c / a, "{c} / {0}", lambda a, c: True),
}
_NUMBER_CONST = {"v + 1": 1, "1 + v": 1, "v - 1": 1, "1 - v": 1, "2 * v": 2, "v * 2": 2,
                 "v / 2": 2, "1 / v": 1}
_SPECS = {**OPS, **NUMBER_OPS}


class Node(NamedTuple):
    """One instruction of a `Program`: an op over earlier nodes (by index), maybe a constant."""

    op: str
    args: tuple[int, ...]
    const: float | None = None


@dataclass(frozen=True)
class Program:
    """A straight-line program as data: input values, then nodes over earlier ones; last is root.

    ``str(program)`` is one line of pasteable Python (dead nodes left out), e.g.
    ``x0 = Value(2.0); v1 = x0 * x0; v1.backward()``.
    """

    inputs: tuple[float, ...]
    nodes: tuple[Node, ...]
    backwards: int = 1
    name: str = "Value"

    def live(self) -> list[int]:
        """The indexes of the nodes the root depends on (inputs included), in order."""
        n = len(self.inputs) + len(self.nodes)
        used = {n - 1}
        for i in range(n - 1, len(self.inputs) - 1, -1):
            if i in used:
                used.update(self.nodes[i - len(self.inputs)].args)
        return sorted(used)

    def names(self) -> list[str]:
        """Every node's variable name: x0, x1 for live inputs, then v2, v3 ('_' if dead)."""
        names = ["_"] * (len(self.inputs) + len(self.nodes))
        for count, i in enumerate(self.live()):
            names[i] = f"{'x' if i < len(self.inputs) else 'v'}{count}"
        return names

    def build(self, cls: Callable[[float], Any]) -> list[Any]:
        """Every node, built by ``cls`` and its operators (no text is evaluated)."""
        out = [cls(x) for x in self.inputs]
        for node in self.nodes:
            out.append(_SPECS[node.op].apply(*(out[a] for a in node.args), node.const))
        return out

    def __str__(self) -> str:
        names, k, parts = self.names(), len(self.inputs), []
        for i in self.live():
            if i < k:
                parts.append(f"{names[i]} = {self.name}({self.inputs[i]!r})")
            else:
                node = self.nodes[i - k]
                text = _SPECS[node.op].text.format(*(names[a] for a in node.args),
                                                   c=_const_text(node.const))
                parts.append(f"{names[i]} = {text}")
        parts += [f"{names[-1]}.backward()"] * self.backwards
        return "; ".join(parts)


def _const_text(c: float | None) -> str:
    return "" if c is None else repr(int(c)) if float(c).is_integer() else repr(c)


# -- running a program on an engine -------------------------------------------------------------
class _Run(NamedTuple):
    data: list[float] | None  # every node's forward value (None: the forward crashed)
    grads: list[float] | None  # every input's .grad after the backward calls
    error: str | None  # "TypeError: ..." when something raised


def _describe(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}"[:200] if text else type(err).__name__


def _run(cls: Callable[[float], Any], program: Program, backward: bool = True) -> _Run:
    try:
        nodes = program.build(cls)
        data = [float(n.data) for n in nodes]
    except Exception as err:  # the engine under test may raise anything
        return _Run(None, None, _describe(err))
    if not backward:
        return _Run(data, None, None)
    try:
        for _ in range(program.backwards):
            nodes[-1].backward()
        grads = [float(n.grad) for n in nodes[: len(program.inputs)]]
    except Exception as err:
        return _Run(data, None, _describe(err))
    return _Run(data, grads, None)


def _right(program: Program) -> _Run:
    """stepgrad's forward values and input gradients: the reference."""
    return _run(Value, program)


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel * 1e-3) or (math.isnan(a) and math.isnan(b))


def _fd(cls: Callable[[float], Any], program: Program, i: int) -> float | None:
    """d root / d input i by central differences of the engine's own forward."""
    x = program.inputs[i]
    h = 1e-6 * max(1.0, abs(x))
    ys = []
    for t in (x + h, x - h):
        moved = Program(program.inputs[:i] + (t,) + program.inputs[i + 1:], program.nodes,
                        name=program.name)
        run = _run(cls, moved, backward=False)
        if run.data is None:
            return None
        ys.append(run.data[-1])
    return (ys[0] - ys[1]) / (2 * h)


# -- findings and the report --------------------------------------------------------------------
@dataclass
class Finding:
    """One check's outcome: its name, status, what was seen, and the shrunk program if it failed."""

    check: str
    status: str
    detail: str = ""
    program: Program | None = None
    cause: str = ""
    line: str = ""  # the one line to paste when it is not a Program's (a long chain)

    @property
    def failed(self) -> bool:
        """Whether this finding is a failure (wrong or crash)."""
        return self.status in FAILURES

    def __str__(self) -> str:
        lines = [f"{self.status:<11} {self.check}"]
        if self.program is not None or self.line:
            lines.append(f"{'':<17}{self.line or self.program}")
        for text in (self.detail, f"likely cause: {self.cause}" if self.cause else ""):
            lines += textwrap.wrap(text, 100, initial_indent=" " * 17,
                                   subsequent_indent=" " * 19, break_long_words=False)
        return "\n".join(lines)


@dataclass
class EngineReport:
    """All findings about one engine; truthy iff none is wrong or a crash; prints as a list."""

    engine: str
    supported: tuple[str, ...]
    findings: list[Finding] = field(default_factory=list)
    seed: int = 0
    max_examples: int = 0

    def __bool__(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[Finding]:
        """The findings with status wrong or crash."""
        return [f for f in self.findings if f.failed]

    def __getitem__(self, check: str) -> Finding:
        for f in self.findings:
            if f.check == check:
                return f
        raise KeyError(f"no finding named {check!r}; checks: {[f.check for f in self.findings]}")

    def __str__(self) -> str:
        verdict = "passes" if self else f"fails {len(self.failures)} check(s)"
        head = (f"check_engine({self.engine}) {verdict} (seed {self.seed}, "
                f"{self.max_examples} random programs per property)")
        return "\n".join([head, *(f"[{i}]".ljust(5) + str(f) for i, f in enumerate(self.findings))])

    def stepper(self, i: int) -> Stepper:
        """The HTML stepper of finding ``i``'s program, built by stepgrad (the right numbers)."""
        from viz.html import Stepper  # viz is optional here: only this method draws

        if not 0 <= i < len(self.findings) or self.findings[i].program is None:
            with_program = [k for k, f in enumerate(self.findings) if f.program is not None]
            raise IndexError(f"stepper: finding {i} has no program; findings with one: "
                             f"{with_program}")
        finding = self.findings[i]
        assert finding.program is not None  # checked above
        nodes = finding.program.build(Value)
        for node, name in zip(nodes, finding.program.names(), strict=True):
            node.label = name
        title = f"{finding.check}: {finding.detail}" if finding.detail else finding.check
        return Stepper(nodes[-1], title=title)


# -- probing ------------------------------------------------------------------------------------
def _engine_name(cls: Any) -> str:
    module = getattr(cls, "__module__", "")
    name = getattr(cls, "__qualname__", type(cls).__name__)
    return f"{module}.{name}" if module and module != "builtins" else name


def _probe(cls: Callable[[float], Any], name: str) -> tuple[str, ...]:
    """The ops of `OPS` the class supports; raises EngineError if it is not an engine at all."""
    try:
        v = cls(1.5)
        float(v.data), float(v.grad)
    except Exception as err:
        raise EngineError(f"cannot build {name}(1.5) and read its .data and .grad: "
                          f"{_describe(err)}{_where(err)}") from None
    if not callable(getattr(v, "backward", None)):
        raise EngineError(f"{name} has no backward() method: check_engine needs a "
                          "micrograd-style class with .data, .grad and .backward()")
    supported = []
    for op, spec in OPS.items():
        program = Program((1.5, 0.5)[: spec.arity], (Node(op, tuple(range(spec.arity)),
                                                          2 if op == "pow" else None),),
                          name=name)
        run = _run(cls, program, backward=False)
        if run.data is not None:
            supported.append(op)
    if "add" not in supported or "mul" not in supported:
        raise EngineError(f"{name} does not support both + and * between two of its values; "
                          "check_engine needs at least those")
    return tuple(supported)


def _where(err: BaseException) -> str:
    """' (at file:line)' of the innermost frame that raised, for a message about user code."""
    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {os.path.relpath(f.filename) if f.filename else '?'}:{f.lineno})"


def load_class(spec: str) -> Any:
    """``'module:Class'`` imported as ``python -m`` would (the current directory first)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise EngineError(f"expected MODULE:CLASS (e.g. mygrad:Value), got {spec!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and module_name.startswith(err.name):
            raise EngineError(f"no module named {module_name!r} (looked in {os.getcwd()} and "
                              "the installed packages); run from the folder holding it") from None
        raise EngineError(f"cannot import {module_name}: {_describe(err)}{_where(err)}") from None
    except Exception as err:  # a module raising on import: its own error, where it happened
        raise EngineError(f"cannot import {module_name}: {_describe(err)}{_where(err)}") from None
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise EngineError(f"module {module_name} has no {attr!r}") from None
    return obj


# -- the random programs (hypothesis) -----------------------------------------------------------
def _programs(ops: Sequence[str], name: str, max_inputs: int = 3,
              max_ops: int = 5) -> st.SearchStrategy[Program]:
    from hypothesis import strategies as st

    @st.composite
    def draw_program(draw: st.DrawFn) -> Program:
        inputs = tuple(draw(st.lists(st.sampled_from(INPUTS), min_size=1, max_size=max_inputs)))
        values = list(inputs)
        nodes: list[Node] = []
        for _ in range(draw(st.integers(1, max_ops))):
            n = len(values)
            args = (n - 1 - draw(st.integers(0, n - 1)), n - 1 - draw(st.integers(0, n - 1)))
            ok = [(op, c) for op in ops for c in (EXPONENTS if op == "pow" else (None,))
                  if _fits(op, [values[a] for a in args[: OPS[op].arity]], c)]
            if not ok:
                continue
            op, c = draw(st.sampled_from(ok))
            node = Node(op, args[: OPS[op].arity], c)
            values.append(_value(op, [values[a] for a in node.args], c))
            nodes.append(node)
        if not nodes:  # every op refused: a sum is always safe
            nodes.append(Node("add", (0, 0)))
        return Program(inputs, tuple(nodes), name=name)

    return draw_program()


def _fits(op: str, operands: list[float], c: float | None) -> bool:
    spec = OPS[op]
    if not spec.valid(*operands, c):
        return False
    try:
        return abs(_value(op, operands, c)) <= 1e4
    except (ValueError, ZeroDivisionError, OverflowError):
        return False


def _value(op: str, operands: list[float], c: float | None) -> float:
    """Node ``op``'s value at ``operands``, by stepgrad."""
    return float(OPS[op].apply(*map(Value, operands), c).data)


def _search(strategy: st.SearchStrategy[Program], fails: Callable[[Program], bool],
            seed: int, max_examples: int) -> Program | None:
    """The smallest program hypothesis finds for which ``fails`` is true, or None."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    config = settings(max_examples=max_examples, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck),
                      phases=[Phase.generate, Phase.shrink])
    try:
        return find(strategy, fails, settings=config, random=random.Random(seed))
    except NoSuchExample:
        return None


# -- comparing one program ----------------------------------------------------------------------
def _forward_gap(cls: Callable[[float], Any], program: Program) -> str | None:
    """How the engine's forward values differ from stepgrad's on ``program`` (None: they agree)."""
    mine, right, names = _run(cls, program, backward=False), _right(program), program.names()
    if mine.data is None:
        return f"your forward raised {mine.error}"
    assert right.data is not None  # programs are drawn inside every op's domain
    for i in program.live():
        if not _close(mine.data[i], right.data[i]):
            return f"your {names[i]}.data = {mine.data[i]!r}, right = {right.data[i]!r}"
    return None


def _grad_gap(cls: Callable[[float], Any], program: Program) -> str | None:
    """How the engine's input gradients differ from stepgrad's (None: they agree)."""
    mine, right = _run(cls, program), _right(program)
    if mine.grads is None:
        return f"your {'backward()' if mine.data is not None else 'forward'} raised {mine.error}"
    assert right.grads is not None
    return _gaps(program, mine.grads, right.grads)


def _gaps(program: Program, mine: Sequence[float], right: Sequence[float],
          rel: float = 1e-9) -> str | None:
    names = program.names()
    gaps = [f"your {names[i]}.grad = {mine[i]!r}, right = {right[i]!r}"
            for i in range(len(program.inputs)) if i in program.live()
            and not _close(mine[i], right[i], rel)]
    return "; ".join(gaps) or None


def _fd_gap(cls: Callable[[float], Any], program: Program) -> str | None:
    """How the engine's gradients differ from finite differences of its own forward."""
    mine = _run(cls, program)
    if mine.grads is None:
        return None  # a crash is the stepgrad comparison's finding
    fds = [_fd(cls, program, i) for i in range(len(program.inputs))]
    if any(g is None for g in fds):
        return None
    names = program.names()
    gaps = [f"your {names[i]}.grad = {mine.grads[i]!r}, finite differences of your forward "
            f"give {fd:.6g}" for i, fd in enumerate(fds)
            if fd is not None and i in program.live() and not _close(mine.grads[i], fd, 1e-5)]
    return "; ".join(gaps) or None


# -- guessing the cause: each op of a failing program on its own ---------------------------------
def _one_op(program: Program, k: int, same: bool = False) -> Program:
    """Node ``k`` of ``program`` alone, at the values its operands had (``same``: x op x)."""
    node = program.nodes[k - len(program.inputs)]
    right = _right(program).data
    assert right is not None
    values = tuple(right[a] for a in node.args)
    if same:
        return Program(values[:1], (Node(node.op, (0, 0), node.const),), name=program.name)
    return Program(values, (Node(node.op, tuple(range(len(values))), node.const),),
                   name=program.name)


def _guess(cls: Callable[[float], Any], program: Program, forward: bool = False) -> str:
    """Name the first op whose local rule is wrong on its own, or say what else it must be."""
    k = len(program.inputs)
    for i in program.live():
        if i < k:
            continue
        node = program.nodes[i - k]
        alone = _one_op(program, i)
        at = ", ".join(f"{n} = {x!r}" for n, x in zip("xy", alone.inputs, strict=False))
        # the numbers again only when the failing program is more than this op
        said = "" if str(alone) == str(program) else f" (on its own at {at}: {{}})"
        gap = _forward_gap(cls, alone)
        if gap:  # a wrong forward also spoils derivatives that reuse out.data
            return f"the forward of {node.op} is wrong" + said.format(gap.replace("v1", "its"))
        if forward:
            continue
        gap = _grad_gap(cls, alone)
        if gap and " raised " in gap:
            return f"the backward of {node.op} raises" + said.format(gap)
        if gap:
            gap = gap.replace("your x0.grad", "your d/dx").replace("your x1.grad", "your d/dy")
            return f"wrong local derivative of {node.op}" + said.format(gap)
        if len(node.args) == 2 and _grad_gap(cls, _one_op(program, i, same=True)):
            return (f"{node.op} overwrites its operand's grad instead of adding to it: "
                    f"{node.op}(x, x) loses one of the two contributions (use += in _backward)")
    if forward:
        return ""
    return ("every op is right on its own, so the order of the backward pass is wrong: a node "
            "passed its grad on before every use of it had added to it (missing topological "
            "order), or a grad is overwritten between ops")


def _fails(gap_of: Callable[[Any, Program], str | None], cls: Any, program: Program) -> bool:
    return gap_of(cls, program) is not None


def _random_findings(cls: Callable[[float], Any], name: str, ops: Sequence[str], seed: int,
                     max_examples: int) -> list[Finding]:
    strategy = _programs(ops, name)
    findings = []
    checks: list[tuple[str, Callable[[Any, Program], str | None], bool]] = [
        ("forward values", _forward_gap, True),
        ("gradients vs stepgrad", _grad_gap, False),
        ("gradients vs finite differences", _fd_gap, False),
    ]
    for check, gap_of, forward in checks:
        found = _search(strategy, partial(_fails, gap_of, cls), seed, max_examples)
        if found is None:
            findings.append(Finding(check, "ok", f"{max_examples} random programs agree"))
            continue
        detail = gap_of(cls, found) or ""
        status = "crash" if " raised " in detail else "wrong"
        findings.append(Finding(check, status, detail, found, _guess(cls, found, forward)))
    return findings


# -- the fixed checks ---------------------------------------------------------------------------
def _fixed(cls: Callable[[float], Any], check: str, program: Program,
           cause: str = "") -> Finding:
    gap = _grad_gap(cls, program)
    if gap is None:
        return Finding(check, "ok", str(program))
    status = "crash" if " raised " in gap else "wrong"
    return Finding(check, status, gap, program, cause or _guess(cls, program))


def _ops_finding(cls: Callable[[float], Any], name: str, ops: Sequence[str]) -> Finding:
    """Every supported op alone, at two points: a wrong local rule, found without luck."""
    for op in ops:
        for c in EXPONENTS if op == "pow" else (None,):
            for inputs in ((2.0, -1.5), (0.5, 3.0)):
                arity = OPS[op].arity
                program = Program(inputs[:arity], (Node(op, tuple(range(arity)), c),), name=name)
                gap = _forward_gap(cls, program) or _grad_gap(cls, program)
                if gap:
                    return Finding("each op on its own", "crash" if " raised " in gap else "wrong",
                                   gap, program, _guess(cls, program, "data" in gap))
    return Finding("each op on its own", "ok", "forward and local derivatives at two points")


def _reuse_findings(cls: Callable[[float], Any], name: str) -> list[Finding]:
    twice = Program((3.0,), (Node("mul", (0, 0)),), name=name)  # y = x0 * x0
    nonleaf = Program((3.0,), (Node("add", (0, 0)), Node("add", (1, 1))), name=name)
    # v1 reaches the root directly and through v2: its grad is complete only after v2 ran
    paths = [Program((2.0,), (Node("mul", (0, 0)), Node("add", (1, 0)), Node("mul", order)),
                     name=name) for order in ((2, 1), (1, 2))]
    gaps = [p for p in paths if _grad_gap(cls, p)]
    return [_fixed(cls, "node used twice", twice), _fixed(cls, "non-leaf reused", nonleaf),
            _fixed(cls, "non-leaf on two paths", gaps[0] if gaps else paths[0])]


def _number_finding(cls: Callable[[float], Any], name: str) -> Finding:
    missing, wrong = [], []
    for form, const in _NUMBER_CONST.items():
        program = Program((1.5,), (Node(form, (0,), const),), name=name)
        mine = _run(cls, program)
        if mine.data is None:
            missing.append(form)
            continue
        gap = _forward_gap(cls, program) or _grad_gap(cls, program)
        if gap:
            wrong.append((program, gap))
    if wrong:
        program, gap = wrong[0]
        return Finding("numbers on both sides", "crash" if " raised " in gap else "wrong", gap,
                       program, _guess(cls, program))
    if missing:
        return Finding("numbers on both sides", "unsupported",
                       f"not supported: {', '.join(missing)} (the others agree)")
    return Finding("numbers on both sides", "ok", ", ".join(_NUMBER_CONST))


def _twice_finding(cls: Callable[[float], Any], name: str) -> Finding:
    """backward() twice: accumulation (2x, like stepgrad and PyTorch) or what else."""
    once = Program((3.0, -2.0), (Node("mul", (0, 1)), Node("add", (2, 0))), name=name)
    twice = Program(once.inputs, once.nodes, backwards=2, name=name)
    one, two = _run(cls, once), _run(cls, twice)
    if two.grads is None or one.grads is None:
        return Finding("backward() twice", "crash", f"your engine raised {two.error or one.error}",
                       twice)
    right = _right(once).grads
    assert right is not None
    if _gaps(once, one.grads, right):
        return Finding("backward() twice", "wrong", "one backward() is already wrong "
                       "(see the gradient findings)", twice)
    ratios = [g2 / g1 for g1, g2 in zip(one.grads, two.grads, strict=True) if g1]
    said = ", ".join(f"x{i}.grad {g1!r} -> {g2!r}" + (f" ({g2 / g1:.3g}x)" if g1 else "")
                     for i, (g1, g2) in enumerate(zip(one.grads, two.grads, strict=True)))
    if all(_close(r, 2.0) for r in ratios):
        return Finding("backward() twice", "ok", f"accumulates: {said}")
    if all(_close(r, 1.0) for r in ratios):
        return Finding("backward() twice", "differs", f"resets the grads first: {said}; "
                       "stepgrad and PyTorch accumulate (2x)", twice)
    return Finding("backward() twice", "differs",
                   f"{said}, where accumulating gives 2x: the second pass also propagates the "
                   "grads the first left on inner nodes (micrograd's known 1 -> 3); zero the "
                   "grads between passes", twice)


def _chain(cls: Callable[[float], Any], depth: int) -> str | None:
    """Why a chain ``x + one + one ...`` of ``depth`` ops fails (None: it is right).

    The chain is ``sum([one] * depth, x)``, the line a finding shows.
    """
    x, one = cls(0.5), cls(1.0)
    v = x
    for _ in range(depth):
        v = v + one
    try:
        v.backward()
    except RecursionError:
        return "RecursionError"
    except Exception as err:
        return f"backward() raised {_describe(err)}"
    if not (_close(float(x.grad), 1.0) and _close(float(one.grad), float(depth))):
        return f"your x.grad = {x.grad!r} (right 1.0), one.grad = {one.grad!r} (right {depth}.0)"
    return None


def _depth_findings(cls: Callable[[float], Any], name: str) -> list[Finding]:
    findings, began = [], None
    last_ok = 0
    for depth in (1000, 10000):
        gap = _chain(cls, depth)
        if gap == "RecursionError":
            if began is None:
                began = _bisect(cls, last_ok, depth)
            findings.append(Finding(
                f"chain of depth {depth:,}", "crash",
                f"RecursionError: backward() recurses once per node; it began at depth "
                f"{began:,} (limit {sys.getrecursionlimit():,})",
                cause="a recursive topological sort: walk the graph with an explicit stack",
                line=f"x = {name}(0.5); v = sum([{name}(1.0)] * {began}, x); v.backward()"))
        elif gap:
            findings.append(Finding(f"chain of depth {depth:,}", "crash" if "raised" in gap
                                    else "wrong", gap))
        else:
            last_ok = depth
            findings.append(Finding(f"chain of depth {depth:,}", "ok", "x.grad = 1.0"))
    return findings


def _bisect(cls: Callable[[float], Any], ok: int, bad: int) -> int:
    """The smallest depth in (ok, bad] whose backward raises RecursionError."""
    while bad - ok > 1:
        mid = (ok + bad) // 2
        if _chain(cls, mid) == "RecursionError":
            bad = mid
        else:
            ok = mid
    return bad


# -- the entry points ---------------------------------------------------------------------------
def check_engine(value_class: Any, *, max_examples: int = 100, seed: int = 0,
                 depth: bool = True) -> EngineReport:
    """Property-test a micrograd-style ``Value`` class; returns an `EngineReport`.

    ``max_examples`` random programs per property, drawn reproducibly from ``seed``;
    ``depth=False`` skips the 1,000- and 10,000-deep chains.
    """
    if not callable(value_class):
        raise TypeError(f"check_engine: needs a class such as mygrad.Value, got "
                        f"{type(value_class).__name__}")
    if type(max_examples) is not int or max_examples < 1:
        raise ValueError(f"check_engine: max_examples must be a positive int, got {max_examples!r}")
    try:
        import hypothesis  # noqa: F401  # the random programs need it; say how to get it
    except ImportError:
        raise ImportError("check_engine needs hypothesis: pip install 'stepgrad[hypothesis]' "
                          "(or pip install hypothesis)") from None
    name = getattr(value_class, "__name__", "Value")
    supported = _probe(value_class, name)
    missing = [op for op in OPS if op not in supported]
    report = EngineReport(_engine_name(value_class), supported, seed=seed,
                          max_examples=max_examples)
    report.findings.append(Finding("ops found", "ok", " ".join(supported)))
    if missing:
        report.findings.append(Finding("ops missing", "unsupported",
                                       f"{' '.join(missing)}: not drawn in random programs"))
    report.findings.append(_ops_finding(value_class, name, supported))
    report.findings += _random_findings(value_class, name, supported, seed, max_examples)
    report.findings += _reuse_findings(value_class, name)
    report.findings.append(_number_finding(value_class, name))
    report.findings.append(_twice_finding(value_class, name))
    if depth:
        report.findings += _depth_findings(value_class, name)
    return report


def assert_engine(value_class: Any, **options: Any) -> EngineReport:
    """`check_engine`, raising AssertionError with the printed report when anything fails."""
    report = check_engine(value_class, **options)
    if not report:
        raise AssertionError(f"\n{report}")
    return report
