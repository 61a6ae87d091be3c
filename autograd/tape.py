"""`Tape`: a graph recorded once as a Wengert list, then replayed over flat lists of floats.

``Tape.record(root, inputs=[...])`` numbers the nodes of ``walk(root)`` as slots (leaves
first, then one instruction per op node in walk order) and keeps, per instruction, the op
row's forward and partials with the slots of its operands and its output. ``forward(values)``
sets the inputs and runs the forwards in order; ``backward()`` runs the chain rule over the
instructions in reverse, exactly as the engine's ``backward()`` does over ``reversed(walk)``:
the same rows, the same float operations in the same order, so the results are equal bit for
bit. No ``Value`` is created while replaying. ``print(tape)`` shows the Wengert list.
Where a row's partials only pick operands' values (dot: d/dw_i = x_i, d/dx_i = w_i, d/db = 1;
sum: 1), the row's own partials say so once, called on stand-ins for the operands, and the
replay reads those values instead of calling the row (and skips such an op whose gradient
is 0, which adds nothing): still the row's rule, not a second one.

The contract: a tape replays the graph it recorded. That is right for any new input values
only when building the graph again at those values would give the same graph: the same ops
on the same operands, and the same constants. It is wrong when Python code chose the graph
from the data (``if x.data > 0: ...``, ``max(v.data for ...)`` used as a constant, a loss
that branches on labels). Record a function with ``Tape.record(f, inputs=[...])`` and
``tape.check(values)`` traces it again and says where the graph differs.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from array import array
from collections.abc import Callable, Sequence
from itertools import takewhile
from operator import itemgetter
from typing import Any

from autograd._words import is_constant, names_of, term
from autograd.engine import Value, apply_op, grad, walk
from autograd.ops import OPS, Op, dot_sum, substitute

__all__ = ["Tape", "TapeMismatch"]

# Instruction k (output slot leaves + k) is (forwards[k], partials[k], a[k], b[k]), kept in
# four parallel lists (no object per instruction: a tuple would double the memory). Two
# operands: a and b are their slots. One: b is _ONE. Any other count: Tape._many[output slot]
# holds their slots, and a is the tuple (picks, operands[, ws, xs, bias]). ``operands``
# gathers the operands' values (vals -> tuple). ``picks`` is None (b is _MANY: the row's
# partials are called) or, for a row whose partials are operands' values then constants
# (dot, sum: see _picks), (slots, getter of those values, constants), read without calling
# the row (b is _PICK). A dot with a bias (b is _DOT) keeps getters of its weights and of its
# inputs and its bias's slot instead of ``operands``, for dot_sum.
_ONE, _MANY, _PICK, _DOT = -1, -2, -3, -4
_ATOM = re.compile(r"-?[\w.]+(\([\w.]*\))?")  # needs no parentheses after "*": v3, sign(v1)


class TapeMismatch(ValueError):
    """The function recorded on a tape builds a different graph at these inputs."""


Getter = Callable[[list[float]], tuple[float, ...]]


def _empty(vals: list[float]) -> tuple[float, ...]:
    return ()  # the operands of an op with none (dot of two empty lists)


def _getter(slots: Sequence[int]) -> Getter:
    """vals -> the tuple of vals at ``slots`` (itemgetter, but a tuple for any count)."""
    if len(slots) >= 2:
        return itemgetter(*slots)
    if slots:
        (only,) = slots
        return lambda vals: (vals[only],)
    return _empty


class _Operand:
    """Stands for the value of a slot while a row's partials are asked what they return."""

    __slots__ = ("slot",)

    def __init__(self, slot: int) -> None:
        self.slot = slot


def _picks(row: Op, out: int, slots: list[int]) -> tuple[Any, ...] | None:
    """For a built-in row whose partials only pick operands' values, then constants (dot:
    x_i, w_i, 1; sum: 1, 1, ...): (slots, getter of the picked values, the constants). None
    for a row that computes with its operands and for a row of your own."""
    pattern = _pattern(row, len(slots)) if OPS.get(row.name) is row else None
    if pattern is None:
        return None
    places, constants = pattern
    picked = [slots[i - 1] if i else out for i in places]
    return tuple(slots), _getter(picked), constants


@functools.cache
def _pattern(row: Op, n: int) -> tuple[tuple[int, ...], tuple[float, ...]] | None:
    """Which values a row's partials pick (0: the output, i: operand i), then its constants,
    found by calling the row's own partials on stand-ins for its output and n operands; None
    when the partials compute with them (arithmetic or a test on a stand-in raises)."""
    try:
        local = row.partials(*map(_Operand, range(n + 1)))
    except (TypeError, AttributeError):
        return None
    if type(local) is not tuple or len(local) != n:
        return None
    places = tuple(d.slot for d in takewhile(lambda d: type(d) is _Operand, local))
    constants = local[len(places):]
    if not all(type(d) is float and math.isfinite(d) for d in constants):
        return None
    return places, constants


class Tape:
    """A recorded graph, replayed on new input values with no Value created.

    Build one with :meth:`record`; then ``forward(values)`` (returns the root's value),
    ``backward()`` (returns d root / d input per input) and ``grads``. A tape keeps the
    values of its latest replay, so replay one tape from one thread at a time.
    """

    def __init__(self, rows: list[Op], slots: list[list[int]], vals: list[float],
                 inputs: list[int], outputs: list[int], labels: dict[int, str],
                 root: int, names: list[int], constants: frozenset[int]) -> None:
        self._rows = rows  # the op-table row of each instruction
        self._names = array("i", names)  # each slot's place in walk(root): its printed name
        self._vals = vals  # every slot's value at the latest forward (at first: recorded)
        self._leaves = len(vals) - len(rows)
        self._many: dict[int, tuple[int, ...]] = {}
        self._forwards = [_forward(op) for op in rows]
        self._partials = [op.partials for op in rows]
        self._a: list[Any] = []
        self._b: list[int] = []
        for k, operands in enumerate(slots):
            self._add_operands(self._leaves + k, operands)
        self._finite = all(map(math.isfinite, vals))  # see _replay_backward
        self._inputs, self._outputs, self._root = inputs, outputs, root
        self._labels = labels  # the labelled slots' labels
        self._constants = constants  # slots of the numbers written in the expression
        self._grads: list[float] | None = None  # every slot's gradient after backward()
        self._fn: Callable[..., Any] | None = None  # the function, when one was recorded

    # -- recording ---------------------------------------------------------------------
    @classmethod
    def record(cls, root: Value | Callable[..., Value], inputs: Sequence[Any], *,
               outputs: Sequence[Value] = ()) -> Tape:
        """Record ``root``'s graph, whose leaves ``inputs`` a replay will set.

        ``root`` is a Value and ``inputs`` some of its leaves (e.g. a model's parameters;
        every other leaf keeps its value); or ``root`` is a function of Values, called once
        on Values made from the numbers ``inputs``, so that ``check`` can trace it again.
        ``outputs`` names nodes whose values each forward also keeps (``tape.outputs``).
        """
        if callable(root) and not isinstance(root, Value):
            leaves = [Value(_number("Tape.record: inputs", i, x)) for i, x in enumerate(inputs)]
            out = root(*leaves)
            if type(out) is not Value:
                raise TypeError(f"Tape.record: the function must return a Value, got "
                                f"{type(out).__name__}")
            tape = cls._from_graph(out, leaves, outputs)
            tape._fn = root
            return tape
        if type(root) is not Value:
            raise TypeError(f"Tape.record: root must be a Value or a function returning one, "
                            f"got {type(root).__name__}")
        return cls._from_graph(root, _leaves("inputs", inputs), outputs)

    @classmethod
    def _from_graph(cls, root: Value, inputs: list[Value], outputs: Sequence[Value]) -> Tape:
        order = walk(root)
        ops = [n for n in order if n.op is not None]
        nodes = [n for n in order if n.op is None]
        known = set(nodes)
        nodes += [x for x in inputs if x not in known]  # not used by root: gradient 0
        nodes += ops
        slot = {n: i for i, n in enumerate(nodes)}
        watched = [slot[v] for v in _values("outputs", outputs, slot)]
        place = {n: i for i, n in enumerate(order)}
        names = [place.get(n, len(order) + i) for i, n in enumerate(nodes)]
        labels = {i: n.label for i, n in enumerate(nodes) if n.label}
        rows = [n.op for n in ops if n.op is not None]
        return cls(rows, [[slot[p] for p in n.parents] for n in ops],
                   [n.data for n in nodes], [slot[x] for x in inputs], watched, labels,
                   slot[root], names, frozenset(slot[n] for n in nodes if is_constant(n)))

    def _add_operands(self, out: int, slots: list[int]) -> None:
        if len(slots) == 2:
            self._a.append(slots[0])
            self._b.append(slots[1])
        elif len(slots) == 1:
            self._a.append(slots[0])
            self._b.append(_ONE)
        else:
            self._many[out] = tuple(slots)
            row = self._rows[out - self._leaves]
            picks, n = _picks(row, out, slots), len(slots) // 2
            if picks is not None and row is OPS["dot"] and len(slots) % 2:
                self._a.append((picks, None, _getter(slots[:n]), _getter(slots[n:2 * n]),
                                slots[-1]))
                self._b.append(_DOT)
            else:
                self._a.append((picks, _getter(slots)))
                self._b.append(_MANY if picks is None else _PICK)

    # -- replay ------------------------------------------------------------------------
    def forward(self, values: Sequence[Any]) -> float:
        """Set the inputs to ``values`` (in ``inputs`` order), run every op; the root's value.

        A domain error (log of a negative, an overflow) raises the engine's own error, naming
        the op and the operand value.
        """
        vals = self._vals[:self._leaves]
        inputs = self._inputs
        if len(values) != len(inputs):
            raise ValueError(f"Tape.forward: {len(values)} values for {len(inputs)} inputs; "
                             "give one per input, in the order they were recorded")
        for i, (s, x) in enumerate(zip(inputs, values, strict=True)):
            vals[s] = x if type(x) is float else _number("Tape.forward: values", i, x)
        finite = self._replay_forward(vals)
        self._vals, self._grads, self._finite = vals, None, finite
        return vals[self._root]

    def _replay_forward(self, vals: list[float]) -> bool:
        # The engine's _apply over slots; a failing op is run again through the engine itself.
        # Returns whether every value is finite.
        append = vals.append
        it = zip(self._forwards, self._a, self._b, strict=True)
        while True:
            try:
                for f, a, b in it:
                    if b >= 0:
                        append(f(vals[a], vals[b]))
                    elif b == -1:  # _ONE, as a literal: no global lookup in the loop
                        append(f(vals[a]))
                    elif b == -4:  # _DOT: the dot row's forward is dot_sum, then + bias
                        append(dot_sum(a[2](vals), a[3](vals)) + vals[a[4]])
                    else:
                        append(f(*a[1](vals)))
                break
            except (ValueError, ZeroDivisionError, OverflowError):
                self._check_finite(vals)  # an earlier overflow is the engine's first error
                append(self._engine_node(len(vals), vals).data)
        total = sum(vals)  # nan or inf anywhere shows here (or the sum overflowed)
        if total - total != 0.0:
            self._check_finite(vals)
            return False
        return True

    def _check_finite(self, vals: list[float]) -> None:
        """Raise the engine's error at the first op whose result is not finite, its operands
        finite (what the engine checks as each node is made)."""
        for k in range(len(vals) - self._leaves):
            out = self._leaves + k
            if math.isfinite(vals[out]):
                continue
            if all(map(math.isfinite, self._operands(out, vals))):
                self._engine_node(out, vals)  # raises the engine's error (if it has one)

    def _operands(self, out: int, vals: list[float]) -> list[float]:
        return [vals[s] for s in self._slots(out)]

    def _slots(self, out: int) -> list[int]:
        a, b = self._a[out - self._leaves], self._b[out - self._leaves]
        if b >= 0:
            return [a, b]
        if b == _ONE:
            return [a]
        return list(self._many[out])

    def _engine_node(self, out: int, vals: list[float]) -> Value:
        """The op of slot ``out`` made by the engine on its operands' values: the engine's
        value (nan where it accepts explicit inf), or the engine's error."""
        row = self._rows[out - self._leaves]
        return apply_op(row, *[Value(x) for x in self._operands(out, vals)])

    def backward(self, seed: float = 1.0) -> list[float]:
        """d root / d input for each input (also kept in ``grads``), at the latest forward."""
        seed = _number("Tape.backward: the seed", None, seed)
        grads = [0.0] * len(self._vals)
        grads[self._root] = seed
        self._replay_backward(grads, seed)
        total = sum(grads)
        if total - total != 0.0:
            self._check_gradients(grads, seed, self._leaves, leaves=True)
        self._grads = grads
        return self.grads

    def _replay_backward(self, grads: list[float], seed: float) -> None:
        # An optimisation of _backward_reference (a test proves them equal bit for bit): the
        # same rule, with one and two operands unrolled, picked partials read (see _picks),
        # and a failing op handed to the engine. When every value is finite, a picked op whose
        # gradient is 0 is skipped: it would add g * d = +-0.0 (d finite) to each operand's
        # gradient, which changes none (a gradient starts at +0.0, so is never -0.0).
        vals = self._vals
        out = len(vals)
        zero = 0.0 if self._finite else math.nan  # nan: g == zero is never true
        it = zip(reversed(self._partials), reversed(self._a), reversed(self._b), strict=True)
        while True:
            try:
                for p, a, b in it:
                    out -= 1
                    g = grads[out]
                    if b >= 0:
                        da, db = p(vals[out], vals[a], vals[b])
                        grads[a] += g * da
                        grads[b] += g * db
                    elif b == -1:  # _ONE
                        (da,) = p(vals[out], vals[a])
                        grads[a] += g * da
                    elif b <= -3:  # _PICK or _DOT
                        if g == zero:
                            continue
                        slots, picked, constants = a[0]
                        for s, d in zip(slots, picked(vals) + constants, strict=False):
                            grads[s] += g * d
                    else:
                        self._called_partials(p, out, a[1], grads)
                return
            except (ValueError, ZeroDivisionError, OverflowError):
                self._check_gradients(grads, seed, out, leaves=False)
                local = self._engine_partials(out)
                for s, d in zip(self._slots(out), local, strict=True):
                    grads[s] += grads[out] * d

    def _called_partials(self, p: Callable[..., tuple[float, ...]], out: int,
                         operands: Getter, grads: list[float]) -> None:
        """The chain rule at an op of three or more operands whose partials are called."""
        vals, g = self._vals, grads[out]
        local = p(vals[out], *operands(vals))
        slots = self._many[out]
        if len(local) != len(slots):
            raise ValueError  # miscounted partials: the engine says so
        for s, d in zip(slots, local, strict=False):  # counted above: faster
            grads[s] += g * d

    def _backward_reference(self, seed: float = 1.0) -> list[float]:
        """The loop ``_replay_backward`` optimises, plainly: every slot's gradient."""
        grads = [0.0] * len(self._vals)
        grads[self._root] = seed
        for k in reversed(range(len(self._rows))):
            out = self._leaves + k
            local = self._partials[k](self._vals[out], *self._operands(out, self._vals))
            for s, d in zip(self._slots(out), local, strict=True):
                grads[s] += grads[out] * d
        return grads

    def _engine_partials(self, out: int) -> tuple[float, ...]:
        """The local derivatives of slot ``out`` as the engine's backward finds them: its
        error (naming the op and the operand values), or nan where it accepts explicit inf."""
        operands = [Value(x) for x in self._operands(out, self._vals)]
        node = apply_op(self._rows[out - self._leaves], *operands)
        grad(node, operands)  # raises the engine's error, if the engine raises one here
        return (math.nan,) * len(operands)

    def _check_gradients(self, grads: list[float], seed: float, stop: int, *,
                         leaves: bool) -> None:
        """Raise if a gradient went inf or nan although the seed and every value are finite
        (the engine's check as it reaches each node): slots from the root down to ``stop``,
        then, once the pass is over, the leaves."""
        if not (math.isfinite(seed) and all(map(math.isfinite, self._vals))):
            return
        for s in [*range(len(grads) - 1, stop - 1, -1), *range(self._leaves if leaves else 0)]:
            g = grads[s]
            if g - g != 0.0:
                what = "overflows a float" if math.isinf(g) else "is not a number"
                raise OverflowError(f"Tape.backward: the gradient reaching {self._v(s)} "
                                    f"{what} ({g!r}); rescale the computation (e.g. smaller "
                                    "inputs or a smaller seed)")

    # -- results -----------------------------------------------------------------------
    @property
    def value(self) -> float:
        """The root's value at the latest forward (at first, the recorded one)."""
        return self._vals[self._root]

    @property
    def outputs(self) -> list[float]:
        """The values of the nodes named in ``record(..., outputs=...)``, at the latest forward."""
        return [self._vals[s] for s in self._outputs]

    @property
    def grads(self) -> list[float]:
        """d root / d input for each input, from the latest ``backward()``."""
        if self._grads is None:
            raise RuntimeError("Tape.grads: no gradients yet for these values; call "
                               "tape.backward() after tape.forward(values)")
        return [self._grads[s] for s in self._inputs]

    def __len__(self) -> int:
        """The number of instructions (op nodes)."""
        return len(self._rows)

    # -- the structure guard -----------------------------------------------------------
    def check(self, values: Sequence[Any]) -> None:
        """Trace the recorded function again at ``values``; raise TapeMismatch if its graph
        differs from the tape's (then the tape cannot replay it at these values)."""
        if self._fn is None:
            raise TypeError("Tape.check: this tape was recorded from a Value, not a function; "
                            "record with Tape.record(f, inputs=[...]) to be able to check it")
        if len(values) != len(self._inputs):
            raise ValueError(f"Tape.check: {len(values)} values for {len(self._inputs)} inputs")
        other = Tape.record(self._fn, values)
        where = self._difference(other)
        if where:
            raise TapeMismatch(f"Tape.check: at these inputs the function builds a different "
                               f"graph ({where}): it chooses its graph from the data, so this "
                               "tape cannot replay it there; call the function itself, or "
                               "record a tape per case")

    def _difference(self, other: Tape) -> str:
        """Where two tapes' structures differ (ops, inputs, operands, constants), or ''."""
        for k, (row, theirs) in enumerate(zip(self._rows, other._rows, strict=False)):
            if row is not theirs:
                return f"op {k + 1} is {theirs.name}, the tape has {row.name}"
        if len(self) != len(other) or self._names != other._names:
            return "its nodes come in another order"
        for i, (slot, at) in enumerate(zip(self._inputs, other._inputs, strict=True)):
            if slot != at:
                return f"input {i + 1} is {other._v(at)}, the tape has {self._v(slot)}"
        for out in range(self._leaves, len(self._vals)):
            if self._slots(out) != other._slots(out):
                return (f"{other._v(out)} = {other._line(out)}, the tape has "
                        f"{self._v(out)} = {self._line(out)}")
        return self._constants_difference(other)

    def _constants_difference(self, other: Tape) -> str:
        inputs = set(self._inputs)
        for s in range(self._leaves):
            a, b = self._vals[s], other._vals[s]
            if s not in inputs and a != b and a == a:  # nan constants are equal here
                return f"a constant of the graph is {b!r} here, the tape has {a!r}"
        return ""

    # -- the Wengert list --------------------------------------------------------------
    # A slot is called what every view calls its node (autograd._words.node_names: its label,
    # a constant's value, else v1, v2, ... in walk order); the lines come in walk order, and
    # the adjoints in the trace's order of steps. Constants get no line of their own.
    @functools.cached_property
    def _called(self) -> list[str]:
        """Each slot's name, worked out when first printed (a replay never needs them)."""
        order = sorted(range(len(self._vals)), key=self._names.__getitem__)
        facts = [(self._labels.get(s, ""), s in self._constants and s != self._root,
                  self._vals[s]) for s in order]
        called = [""] * len(order)
        for s, name in zip(order, names_of(facts), strict=True):
            called[s] = name
        return called

    def _v(self, s: int) -> str:
        return self._called[s]

    def _term(self, s: int) -> str:
        """Slot s's name as an operand: ``(-3)``, not ``-3``."""
        return term(self._called[s])

    def _bar(self, s: int) -> str:
        """The adjoint of slot s, as textbooks write it: v3̄ (d root / d v3)."""
        return f"{self._called[s]}\u0304"

    def _line(self, out: int) -> str:
        """The right-hand side of an op's line: ``v1 * v2``, ``tanh(v3)``, ``-v4``."""
        row = self._rows[out - self._leaves]
        args = [self._term(s) for s in self._slots(out)]
        if len(args) == 2 and not row.symbol.isalpha():
            return f"{args[0]} {row.symbol} {args[1]}"
        if len(args) == 1 and row.name == "neg":
            return f"-{args[0]}"
        return f"{row.name}({', '.join(args)})"

    def _adjoints(self, out: int) -> list[str]:
        """The backward lines of an op: one ``v1̄ += v3̄ * local`` per operand slot."""
        row, slots = self._rows[out - self._leaves], self._slots(out)
        names = dict(zip(row.operand_names(len(slots)), map(self._term, slots), strict=True))
        lines = []
        for i, s in enumerate(slots):
            if s in self._constants:
                continue  # a number of the expression: its gradient is nobody's question
            local = substitute(row.formula(i, len(slots)), names)
            local = local if _ATOM.fullmatch(local) or local in names.values() else f"({local})"
            lines.append(f"{self._bar(s)} += {self._bar(out)} * {local}")
        return lines

    def _assignment(self, s: int, inputs: dict[int, int]) -> str:
        """The forward line of slot s: a leaf's value, or an op on earlier slots."""
        if s >= self._leaves:
            return f"{self._v(s)} = {self._line(s)}"
        mark = f"  (input {inputs[s] + 1})" if s in inputs else ""
        return f"{self._v(s)} = {self._vals[s]!r}{mark}"

    def __str__(self) -> str:
        """The Wengert list: each slot's line in walk order (leaves with their latest values),
        then the adjoint updates in the order backward runs them."""
        inputs = {s: i for i, s in enumerate(self._inputs)}
        order = sorted(range(len(self._vals)), key=self._names.__getitem__)
        lines = [f"Tape: {len(self)} ops over {len(self._vals)} slots; root "
                 f"{self._v(self._root)}", "forward:"]
        lines += [f"  {self._assignment(s, inputs)}" for s in order if s not in self._constants]
        lines += ["backward (every adjoint starts at 0):", f"  {self._bar(self._root)} = 1"]
        for out in reversed(range(self._leaves, len(self._vals))):
            lines += [f"  {line}" for line in self._adjoints(out)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Tape: {len(self)} ops, {len(self._inputs)} inputs, root {self._v(self._root)}>"


def _forward(op: Op) -> Callable[..., float]:
    """The forward a replay runs: the row's own, or for a row of your own, through the engine
    (which checks it and makes its result a float)."""
    if OPS.get(op.name) is op:
        return op.forward
    return _through_engine(op)


def _through_engine(op: Op) -> Callable[..., float]:
    """A row of your own runs its forward through the engine (checks and float result)."""
    def forward(*xs: float) -> float:
        return apply_op(op, *[Value(x) for x in xs]).data
    return forward


def _number(who: str, i: int | None, x: Any) -> float:
    """A real number as float (as ``Value`` reads one), or a TypeError naming it."""
    if type(x) is float:
        return x
    what = f"{who}[{i}]" if i is not None else who
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{what} does not fit a float: {x!r:.40}") from None
    raise TypeError(f"{what} must be a real number, got {type(x).__name__} {x!r:.40}")


def _leaves(what: str, items: Sequence[Any]) -> list[Value]:
    out = _values(what, items, None)
    for i, x in enumerate(out):
        if x.op is not None:
            raise ValueError(f"Tape.record: {what}[{i}] is made by the op {x.op.name}; a "
                             "tape's inputs are leaves (Values you made, such as parameters)")
    if len(set(out)) != len(out):
        raise ValueError(f"Tape.record: {what} holds the same Value twice; list each once")
    return out


def _values(what: str, items: Sequence[Any], slot: dict[Value, int] | None) -> list[Value]:
    out = list(items)
    for i, x in enumerate(out):
        if type(x) is not Value:
            raise TypeError(f"Tape.record: {what}[{i}] must be a Value, got {type(x).__name__}")
        if slot is not None and x not in slot:
            raise ValueError(f"Tape.record: {what}[{i}] is not a node of the recorded graph")
    return out
