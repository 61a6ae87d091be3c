"""Hypothesis strategies for property-testing gradients (the only module importing hypothesis).

- `programs()` draws ``(program, inputs)``: a random DAG of ops over 1 to N inputs (later ops
  reuse earlier nodes) and the floats to check it at. ``repr(program)`` is one line of
  pasteable Python without dead nodes, a shared node named with ``:=``, e.g. ``lambda x0, x1:
  (v1 := x0 * x1).tanh() + v1`` (paste it with `dot`, `sum_values` and your functions in scope).
- Values stay in each op's `Domain` by construction, with no filtering: every node is
  evaluated as the program is built, and an operand outside its op's domain (log of -2) is
  moved inside by adding a whole number, which shows in the repr: ``(x0 + 3.0).log()``.
- `safe_inputs(name)` draws operand values inside one op's domain; `op_programs(name)` draws
  that op applied once to such values (what the op-table property tests use).
- Your own ops: a `Primitive` says how to build one, print it and keep its operands safe; pass
  it as ``programs(extra=[...])``. `Primitive.from_op` wraps an op-table row of your own.
- Hypothesis profiles are test policy: stepgrad's own live in its ``tests/conftest.py``.

Example: ``@given(programs(extra=[Primitive("softplus", softplus, "softplus({0})")]))`` over
a test that runs ``assert_gradcheck(*case)``.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

try:
    from hypothesis import strategies as st
except ImportError as err:  # say how to get the optional dependency
    raise ImportError("autograd.strategies needs hypothesis: pip install 'stepgrad[hypothesis]' "
                      "(or pip install hypothesis)") from err

from autograd._program import Instruction, Program
from autograd.engine import Value, apply_op, dot, sum_values
from autograd.ops import ALL_REALS, OPS, Op

__all__ = ["INPUTS", "REALS", "Domain", "Instruction", "Primitive", "Program",
           "default_primitives", "op_programs", "programs", "safe_inputs"]

Render = Callable[[Sequence[str], "float | None"], str]


@dataclass(frozen=True, init=False)
class Domain:
    """Where an operand is safe and well conditioned: a union of closed intervals."""

    intervals: tuple[tuple[float, float], ...]

    def __init__(self, *intervals: tuple[float, float]) -> None:
        if not intervals:
            raise ValueError("Domain needs at least one (low, high) interval")
        checked = []
        for interval in intervals:
            lo, hi = (float(v) for v in interval)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ValueError(f"Domain interval must be finite with low < high, got {interval}")
            checked.append((lo, hi))
        object.__setattr__(self, "intervals", tuple(checked))

    def __contains__(self, x: float) -> bool:
        return any(lo <= x <= hi for lo, hi in self.intervals)

    def floats(self) -> st.SearchStrategy[float]:
        """Floats inside the domain."""
        return st.one_of(*(st.floats(lo, hi) for lo, hi in self.intervals))

    def __repr__(self) -> str:
        inner = self.intervals if len(self.intervals) > 1 else f"({self.intervals[0]!r})"
        return f"Domain{inner}"


_BOUND = 100.0
REALS = Domain((-_BOUND, _BOUND))  # ops defined everywhere: only magnitudes are kept in check
INPUTS = Domain((-4.0, 4.0))  # where programs() draws its inputs
_POSITIVE = Domain((0.01, _BOUND))
_NONZERO = Domain((-_BOUND, -0.1), (0.1, _BOUND))


@dataclass(frozen=True)
class Primitive:
    """How programs() uses an op: build the node, print it as Python, keep operands in range.

    ``build(*operands[, constant])`` returns a Value. ``render`` is a format string over the
    operands' source text, ``{0}``, ``{1}``, ... in slot order (``{args}`` joins them all,
    ``{c}`` is the constant; wrap operators in parentheses, ``"({0} * {1})"``), or a function
    ``(texts, constant) -> str``. ``arity`` is the
    number of operands, or a tuple of the numbers allowed (n-ary ops). ``domain`` is one
    `Domain` for every slot or one per slot (the last repeats). ``constants``: a number
    operand drawn from these (``x ** 2.0``). ``row`` names the op-table row it exercises.
    """

    name: str
    build: Callable[..., Value]
    render: str | Render
    arity: int | tuple[int, ...] = 1
    domain: Domain | tuple[Domain, ...] = REALS
    constants: tuple[float, ...] = ()
    row: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"Primitive name must be an identifier, got {self.name!r}")
        if not callable(self.build):
            raise TypeError(f"Primitive {self.name}: build must be callable")
        counts = self.counts
        if not counts or any(not isinstance(k, int) or k < 1 for k in counts):
            raise ValueError(f"Primitive {self.name}: arity must be >= 1, got {self.arity!r}")
        domains = (self.domain,) if isinstance(self.domain, Domain) else tuple(self.domain)
        if not domains or not all(isinstance(d, Domain) for d in domains):
            raise TypeError(f"Primitive {self.name}: domain must be a Domain or a tuple of them")
        if not all(isinstance(c, (int, float)) and math.isfinite(c) for c in self.constants):
            raise ValueError(f"Primitive {self.name}: constants must be finite numbers")
        if isinstance(self.render, str):
            _check_template(self.name, self.render, max(counts))
        elif not callable(self.render):
            raise TypeError(f"Primitive {self.name}: render must be a format string or callable")

    @classmethod
    def from_op(cls, op: Op, *, name: str | None = None, render: str | Render | None = None,
                domain: Domain | tuple[Domain, ...] | None = None,
                constants: tuple[float, ...] = (),
                arity: int | tuple[int, ...] | None = None) -> Primitive:
        """A primitive for an op-table row of your own, built with `apply_op`.

        Without ``render`` it prints as ``name(operands[, constant])``, so define a function of
        that name to paste it; without ``domain``, an op defined everywhere gets `REALS` and any
        other (0.01, 100). With ``constants`` the row's last slot is a number operand drawn from
        them (like ``pow``'s exponent).
        """
        name = name or op.name
        slots = (op.arity or 2) - (1 if constants else 0)
        if domain is None:
            domain = REALS if op.domain == ALL_REALS else _POSITIVE
        return cls(name, lambda *args: apply_op(op, *args),
                   render or f"{name}({{args}}{', {c}' if constants else ''})",
                   arity if arity is not None else (slots if op.arity else (1, 2, 3)),
                   domain, constants, op.name)

    @property
    def counts(self) -> tuple[int, ...]:
        """The numbers of operands this primitive may take."""
        return (self.arity,) if isinstance(self.arity, int) else tuple(self.arity)

    def slot_domain(self, slot: int) -> Domain:
        """The domain of operand ``slot``."""
        if isinstance(self.domain, Domain):
            return self.domain
        return self.domain[min(slot, len(self.domain) - 1)]

    def apply(self, operands: Sequence[Value], constant: float | None) -> Value:
        """Build the node."""
        return self.build(*operands) if constant is None else self.build(*operands, constant)

    def text(self, operands: Sequence[str], constant: float | None) -> str:
        """The node's Python source, given its operands' source."""
        if callable(self.render):
            return self.render(operands, constant)
        return self.render.format(*operands, args=", ".join(operands), c=repr(constant))


def _check_template(name: str, template: str, nargs: int) -> None:
    """Reject a render template Python would evaluate in another order than the slots."""
    last = -1
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name is None or field_name in ("args", "c"):
            continue
        if not field_name.isdigit() or int(field_name) >= nargs:
            raise ValueError(f"Primitive {name}: render field {{{field_name}}} is not an "
                             f"operand slot (use {{0}}..{{{nargs - 1}}}, {{args}}, {{c}})")
        if int(field_name) <= last:
            raise ValueError(f"Primitive {name}: render must name operands once each, in "
                             "slot order, so the repr evaluates them in the same order")
        last = int(field_name)


def _dot_text(texts: Sequence[str], constant: float | None) -> str:
    n = len(texts) // 2
    bias = f", {texts[-1]}" if len(texts) % 2 else ""
    return f"dot([{', '.join(texts[:n])}], [{', '.join(texts[n:2 * n])}]{bias})"


def _dot_build(*args: Value) -> Value:
    n = len(args) // 2
    return dot(args[:n], args[n:2 * n], args[-1] if len(args) % 2 else None)


def _method(name: str, domain: Domain = REALS) -> Primitive:
    return Primitive(name, lambda x: getattr(x, name)(), f"{{0}}.{name}()", 1, domain, row=name)


# How programs() uses each row of the op table (a row missing here gets Primitive.from_op).
_KNOWN: tuple[Primitive, ...] = (
    Primitive("add", lambda x, y: x + y, "({0} + {1})", 2, row="add"),
    Primitive("sub", lambda x, y: x - y, "({0} - {1})", 2, row="sub"),
    Primitive("mul", lambda x, y: x * y, "({0} * {1})", 2, row="mul"),
    Primitive("div", lambda x, y: x / y, "({0} / {1})", 2, (REALS, _NONZERO), row="div"),
    Primitive("neg", lambda x: -x, "(-{0})", row="neg"),
    # the exponent is a number: integers on either side of 0, fractions on positive bases
    Primitive("pow", lambda x, n: x ** n, "({0} ** {c})", 1,
              Domain((-10.0, -0.1), (0.1, 10.0)), (2.0, 3.0, -1.0, -2.0), "pow"),
    Primitive("pow_frac", lambda x, n: x ** n, "({0} ** {c})", 1, Domain((0.01, 10.0)),
              (0.5, 1.5, -0.5, 2.5), "pow"),
    Primitive("powv", lambda x, y: x ** y, "({0} ** {1})", 2,
              (Domain((0.1, 10.0)), Domain((-3.0, 3.0))), row="powv"),
    Primitive("abs", abs, "abs({0})", row="abs"),
    _method("exp", Domain((-_BOUND, 4.0))), _method("log", _POSITIVE), _method("sqrt", _POSITIVE),
    # beyond these the engine's 1 - tanh(x)^2 and s * (1 - s), computed from the output, keep
    # only their absolute precision: a check there would measure rounding, not correctness
    _method("tanh", Domain((-8.0, 8.0))), _method("sigmoid", Domain((-15.0, 15.0))),
    _method("relu"), _method("sin"), _method("cos"),
    Primitive("sum", lambda *xs: sum_values(xs), "sum_values([{args}])", (1, 2, 3, 4), row="sum"),
    Primitive("dot", _dot_build, _dot_text, (2, 3, 4, 5), row="dot"),  # odd: with a bias
)


def default_primitives() -> dict[str, Primitive]:
    """A primitive for every row now in the op table, by name (pow has two: pow, pow_frac)."""
    table = {p.name: p for p in _KNOWN if p.row in OPS}
    covered = {p.row for p in table.values()}
    for name, op in OPS.items():
        if name not in covered:  # a row added since: built by apply_op, printed as a call
            table[name] = Primitive.from_op(op)
    return table


def _select(names: Iterable[str] | None, extra: Iterable[Primitive]) -> list[Primitive]:
    """The primitives named (by primitive name or row) plus every extra one, which overrides
    a default of the same name."""
    table = default_primitives()
    extras = list(extra)
    for p in extras:
        if not isinstance(p, Primitive):
            raise TypeError(f"extra must hold Primitive objects, got {type(p).__name__}")
        table[p.name] = p
    if names is None:
        return list(table.values())
    wanted = [names] if isinstance(names, str) else list(names)
    chosen = [p for p in table.values() if p.name in wanted or p.row in wanted or p in extras]
    unknown = set(wanted) - {p.name for p in chosen} - {p.row for p in chosen}
    if unknown or not chosen:
        raise ValueError(f"unknown op(s) {sorted(unknown) or wanted}; choose from "
                         f"{sorted(table)}")
    return chosen


def _shift(value: float, domain: Domain) -> Primitive:
    """Adding a whole number that moves value into domain's last interval, 1 inside its edge.

    A shift keeps derivatives exact and well conditioned and reads well (``(x0 + 3.0).log()``);
    it is chosen for the drawn point, and gradcheck copes with probes that leave the domain.
    """
    lo, hi = domain.intervals[-1]
    shift = float(math.ceil(lo - value) + 1) if value < lo else float(math.floor(hi - value) - 1)
    if hi - lo < 3.0:
        shift = (lo + hi) / 2.0 - value  # too narrow for whole numbers: aim at the middle
    if shift >= 0.0:
        return Primitive("shift", lambda a: a + shift, f"({{0}} + {shift!r})")
    return Primitive("shift", lambda a: a - -shift, f"({{0}} - {-shift!r})")


@st.composite
def _op_shape(draw: st.DrawFn, primitives: list[Primitive], most: int
              ) -> tuple[Primitive, tuple[int, ...], float | None]:
    """One op of a program: the primitive, how far back each operand is, its constant."""
    p = draw(st.sampled_from(primitives))
    count = draw(st.sampled_from(p.counts))
    constant = draw(st.sampled_from(p.constants)) if p.constants else None
    return p, tuple(draw(st.integers(0, most)) for _ in range(count)), constant


@st.composite
def _programs(draw: st.DrawFn, primitives: list[Primitive], inputs: Domain,
              n_inputs: tuple[int, int], n_ops: tuple[int, int]) -> tuple[Program, list[float]]:
    # The ops are a list drawn before the inputs, so shrinking deletes ops cleanly and
    # prefers fewer ops to simpler inputs.
    n = draw(st.integers(*n_inputs))
    most = n_inputs[1] + n_ops[1]
    shape = draw(st.lists(_op_shape(primitives, most), min_size=n_ops[0], max_size=n_ops[1]))
    point = [draw(inputs.floats()) for _ in range(n)]

    nodes = [Value(x) for x in point]
    steps: list[Instruction] = []
    where = list(range(n))  # drawn node -> its index among nodes (shifts are extra nodes)

    def add(step: Instruction) -> int:
        nodes.append(step.primitive.apply([nodes[i] for i in step.operands], step.constant))
        steps.append(step)
        return len(nodes) - 1

    for p, backs, constant in shape:
        operands = []
        for slot, back in enumerate(backs):
            # counted back from the newest node: small draws chain, larger ones reuse
            index = where[len(where) - 1 - back % len(where)]
            domain = p.slot_domain(slot)
            if nodes[index].data not in domain:  # move it inside: no filtering, no assume
                index = add(Instruction(_shift(nodes[index].data, domain), (index,)))
            operands.append(index)
        where.append(add(Instruction(p, tuple(operands), constant)))
    return Program(n, steps), point


def programs(*, max_inputs: int = 3, max_ops: int = 6, ops: Iterable[str] | None = None,
             extra: Iterable[Primitive] = (), inputs: Domain = INPUTS, min_inputs: int = 1,
             min_ops: int = 1) -> st.SearchStrategy[tuple[Program, list[float]]]:
    """Random programs and points to check them at: draws ``(program, inputs)``.

    ``ops`` restricts the default primitives (by name or op-table row); ``extra`` adds your
    own `Primitive` objects, always drawn whatever ``ops`` says (one with a default's name
    replaces it). Inputs are drawn from ``inputs``. Shrinking heads for fewer inputs and ops,
    and for chains on ``x0``.
    """
    if not 1 <= min_inputs <= max_inputs:
        raise ValueError(f"need 1 <= min_inputs <= max_inputs, got {min_inputs}, {max_inputs}")
    if not 1 <= min_ops <= max_ops:
        raise ValueError(f"need 1 <= min_ops <= max_ops, got {min_ops}, {max_ops}")
    if not isinstance(inputs, Domain):
        raise TypeError(f"inputs must be a Domain, got {type(inputs).__name__}")
    return _programs(_select(ops, extra), inputs, (min_inputs, max_inputs), (min_ops, max_ops))


def safe_inputs(primitive: str | Primitive, count: int | None = None
                ) -> st.SearchStrategy[list[float]]:
    """Operand values inside one primitive's domain (``count`` operands, or any it allows)."""
    table = default_primitives()
    if not isinstance(primitive, Primitive) and primitive not in table:
        raise ValueError(f"no primitive named {primitive!r}; choose from {sorted(table)}")
    p = primitive if isinstance(primitive, Primitive) else table[primitive]
    if count is not None and count not in p.counts:
        raise ValueError(f"safe_inputs: {p.name} takes {p.counts} operands, not {count}")
    counts = st.just(count) if count is not None else st.sampled_from(p.counts)
    return counts.flatmap(lambda k: st.tuples(*(p.slot_domain(s).floats() for s in range(k)))
                          .map(list))


@st.composite
def _op_programs(draw: st.DrawFn, primitives: list[Primitive]) -> tuple[Program, list[float]]:
    p = draw(st.sampled_from(primitives))
    point = draw(safe_inputs(p))
    constant = draw(st.sampled_from(p.constants)) if p.constants else None
    return Program(len(point), [Instruction(p, tuple(range(len(point))), constant)]), point


def op_programs(name: str | Primitive) -> st.SearchStrategy[tuple[Program, list[float]]]:
    """One op applied once to inputs inside its domain: ``(program, inputs)``. ``name`` is a
    primitive or an op-table row (``"pow"`` draws from pow and pow_frac)."""
    chosen = [name] if isinstance(name, Primitive) else _select([name], ())
    return _op_programs(chosen)
