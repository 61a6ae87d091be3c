"""`Value`, the graph walk and reverse mode: the chain rule is written once, in `_backprop`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, TypeAlias

from autograd.ops import ALL_REALS, OPS, Op, substitute

__all__ = ["Value", "Step", "Trace", "apply_op", "backprop_steps", "dot", "grad", "sum_values",
           "walk"]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POW, _POWV, _DOT = OPS["pow"], OPS["powv"], OPS["dot"]


_new = object.__new__


def _as_float(data: Any) -> float:
    """Read a real number as float; anything else is a TypeError naming its type."""
    if isinstance(data, numbers.Real):  # int, float, bool, Fraction, numpy scalars
        return float(data)
    raise TypeError(f"Value needs a real number, got {type(data).__name__} {data!r}")


def _lift(x: Any) -> Value | None:
    """An operand as a Value: Values pass through, numbers become leaves, anything else None."""
    if type(x) is Value:
        return x
    if isinstance(x, numbers.Real):
        return Value(float(x))
    return None


class Value:
    """A scalar in a computation graph: its data, the gradient reaching it, and how it was made."""

    __slots__ = ("data", "grad", "op", "parents", "label")

    def __init__(self, data: Any, label: str = "", _op: Op | None = None,
                 _parents: tuple[Value, ...] = ()) -> None:
        self.data: float = data if type(data) is float else _as_float(data)
        self.grad: float = 0.0
        self.op = _op
        self.parents = _parents
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- arithmetic: each operator records one row of the op table -------------------------
    # A non-number operand gives NotImplemented, so Python raises TypeError naming both types.
    def __add__(self, other: Operand) -> Value:
        o = other if type(other) is Value else _lift(other)  # inline check: no call for Values
        return NotImplemented if o is None else _apply(_ADD, self, o)

    def __radd__(self, other: Number) -> Value:
        o = _lift(other)
        return NotImplemented if o is None else _apply(_ADD, o, self)

    def __sub__(self, other: Operand) -> Value:
        o = other if type(other) is Value else _lift(other)
        return NotImplemented if o is None else _apply(_SUB, self, o)

    def __rsub__(self, other: Number) -> Value:
        o = _lift(other)  # other - self
        return NotImplemented if o is None else _apply(_SUB, o, self)

    def __mul__(self, other: Operand) -> Value:
        o = other if type(other) is Value else _lift(other)
        return NotImplemented if o is None else _apply(_MUL, self, o)

    def __rmul__(self, other: Number) -> Value:
        o = _lift(other)
        return NotImplemented if o is None else _apply(_MUL, o, self)

    def __truediv__(self, other: Operand) -> Value:
        o = other if type(other) is Value else _lift(other)
        return NotImplemented if o is None else _apply(_DIV, self, o)

    def __rtruediv__(self, other: Number) -> Value:
        o = _lift(other)  # other / self
        return NotImplemented if o is None else _apply(_DIV, o, self)

    def __pow__(self, other: Operand) -> Value:
        if type(other) is Value:  # a Value exponent is differentiated too (row "powv")
            return _apply(_POWV, self, other)
        o = _lift(other)  # a number exponent is a constant (row "pow")
        return NotImplemented if o is None else _apply(_POW, self, o)

    def __rpow__(self, other: Number) -> Value:
        o = _lift(other)  # other ** self
        return NotImplemented if o is None else _apply(_POWV, o, self)

    def __neg__(self) -> Value:
        return _apply(_NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _apply(OPS["abs"], self)

    def exp(self) -> Value:
        """e ** self."""
        return _apply(OPS["exp"], self)

    def log(self) -> Value:
        """Natural logarithm; self must be positive."""
        return _apply(OPS["log"], self)

    def sqrt(self) -> Value:
        """Square root; self must be non-negative."""
        return _apply(OPS["sqrt"], self)

    def tanh(self) -> Value:
        """Hyperbolic tangent (never overflows)."""
        return _apply(OPS["tanh"], self)

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e ** -self) (never overflows)."""
        return _apply(OPS["sigmoid"], self)

    def relu(self) -> Value:
        """max(self, 0); its derivative at 0 is taken as 0."""
        return _apply(OPS["relu"], self)

    def sin(self) -> Value:
        """Sine."""
        return _apply(OPS["sin"], self)

    def cos(self) -> Value:
        """Cosine."""
        return _apply(OPS["cos"], self)

    # -- reverse mode ---------------------------------------------------------------------
    def backward(self, grad: Operand = 1.0, *,
                 create_graph: bool = False) -> dict[Value, Any] | None:
        """Add d self / d node to ``node.grad`` for every node self depends on.

        Gradients accumulate: calling it twice gives twice the gradients (``zero_grad`` resets).
        With ``create_graph=True`` the gradients are also built as Values and returned as a
        dict ``{node: gradient Value}``, so they can be differentiated again.
        """
        grads = _backprop(self, grad, create_graph, accumulate=True)
        return grads if create_graph else None

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 for this node and every node it depends on."""
        for node in walk(self):
            node.grad = 0.0


def _domain_message(op: Op, args: Sequence[Any], kind: type, what: str = "") -> str:
    names = op.operand_names(len(args))
    values = [a.data if type(a) is Value else a for a in args]
    at = ", ".join(f"{n} = {v!r}" for n, v in zip(names, values, strict=True))
    if kind is OverflowError:
        return f"{what or op.name} overflows a float at {at}"
    if op.domain == ALL_REALS:  # only a row of your own gets here: its forward gave nan
        return f"{what or op.name} is not a number at {at}"
    return f"{what or op.name} is undefined at {at} (needs {op.domain})"


def _apply(op: Op, *args: Value) -> Value:
    """The one recording function: run a row's forward, check the result, make the node."""
    try:  # unpacking by arity: about twice as fast as map/comprehension for the common cases
        if len(args) == 2:
            out = op.forward(args[0].data, args[1].data)
        elif len(args) == 1:
            out = op.forward(args[0].data)
        else:
            out = op.forward(*[a.data for a in args])
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        if op.domain != ALL_REALS or all(math.isfinite(a.data) for a in args):
            raise type(err)(_domain_message(op, args, type(err))) from None
        out = math.nan  # explicit inf where every real is allowed propagates: sin(inf) is nan
    if out - out != 0.0 and all(math.isfinite(a.data) for a in args):  # nan or inf appeared
        kind = OverflowError if math.isinf(out) else ValueError
        raise kind(_domain_message(op, args, kind))
    node = _new(Value)  # skips __init__'s checks: out is a float and the label empty
    node.data, node.grad, node.op, node.parents, node.label = out, 0.0, op, args, ""
    return node


_VALUE_ONLY = frozenset({Value})


def apply_op(op: Op, *operands: Operand) -> Value:
    """A node of any op-table row, your own rows included, checked like every built-in op."""
    if op.arity is not None and len(operands) != op.arity:
        raise TypeError(f"apply_op: {op.name} takes {op.arity} operands, got {len(operands)}")
    return _apply(op, *_lift_all(op.name, operands))


def dot(ws: Sequence[Operand], xs: Sequence[Operand], bias: Operand | None = None) -> Value:
    """sum(w_i * x_i) (+ bias) as one node whose local derivatives are the other operand."""
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs")
    args = (*ws, *xs) if bias is None else (*ws, *xs, bias)
    return _apply(_DOT, *_lift_all("dot", args))


def sum_values(values: Iterable[Operand]) -> Value:
    """The sum of ``values`` as one n-ary node (one edge per term)."""
    args = _lift_all("sum", tuple(values))
    if not args:
        raise ValueError("sum_values: needs at least one value")
    return _apply(OPS["sum"], *args)


def _lift_all(name: str, items: tuple[Any, ...]) -> tuple[Value, ...]:
    if _VALUE_ONLY.issuperset(map(type, items)):  # the common case, checked at C speed
        return items
    out = []
    for i, x in enumerate(items):
        v = _lift(x)
        if v is None:
            raise TypeError(f"{name}: operand {i} is {type(x).__name__}, not a number or Value")
        out.append(v)
    return tuple(out)


def walk(root: Value) -> list[Value]:
    """Every node ``root`` depends on, in topological order (operands first, root last).

    Iterative depth-first search, operands visited in slot order, so the order is deterministic
    and a graph of any depth works.
    """
    if type(root) is not Value:
        raise TypeError(f"walk: root must be a Value, got {type(root).__name__}")
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root]  # nodes only: no per-node objects for the GC to chase
    while stack:
        node = stack.pop()
        if node is None:  # marker: the node below it has all its operands in order
            order.append(stack.pop())  # type: ignore[arg-type]  # a marker sits on a node
        elif node not in seen:
            seen.add(node)
            stack += (node, None)
            stack += node.parents[::-1]  # popped in slot order
    return order


class Step(NamedTuple):
    """One contribution of the chain rule: ``node``'s gradient flowing into operand ``slot``."""

    index: int  # type: ignore[assignment]  # the step's position; shadows tuple.index on purpose
    node: Value  # the op's output, whose gradient (upstream) is final when this step runs
    slot: int
    operand: Value
    local: Any  # d node / d operand, evaluated
    upstream: Any  # d root / d node
    contribution: Any  # upstream * local
    before: Any  # d root / d operand accumulated in this pass before this step
    after: Any  # ... and after it

    @property
    def op(self) -> Op:
        """The op-table row of ``node``."""
        assert self.node.op is not None  # steps exist only for nodes made by an op
        return self.node.op

    @property
    def formula(self) -> str:
        """The local derivative's formula, operands named by their labels where they have one."""
        op, parents = self.op, self.node.parents
        names = op.operand_names(len(parents))
        labels = {n: p.label for n, p in zip(names, parents, strict=True) if p.label}
        return substitute(op.formula(self.slot, len(parents)), labels)


class Trace(NamedTuple):
    """The record of one backward pass: what every view (terminal, HTML, notebook) reads."""

    root: Value
    seed: Any
    order: list[Value]  # walk(root): operands first
    steps: list[Step]
    grads: dict[Value, Any]  # d root / d node, from this pass alone
    stale: list[Value]  # nodes whose .grad was not zero when the trace was taken

    @property
    def warning(self) -> str | None:
        """Why the seed step should warn: ``.grad`` already held something (no zero_grad)."""
        if not self.stale:
            return None
        return (f"{len(self.stale)} node(s) already have a non-zero .grad; backward() would add "
                "to it. Call zero_grad() first if that is not what you want.")

    def replay(self, k: int | None = None) -> dict[Value, Any]:
        """The gradients after the first ``k`` steps (all by default), from the steps alone."""
        grads: dict[Value, Any] = {self.root: self.seed}
        for step in self.steps[:k]:
            grads[step.operand] = step.after
        return grads


def backprop_steps(root: Value, grad: Operand = 1.0) -> Trace:
    """Run the backward pass of ``root`` recording every step, without touching any ``.grad``."""
    steps: list[Step] = []
    order = walk(root)
    grads = _backprop(root, grad, False, accumulate=False, steps=steps, order=order)
    return Trace(root, grads[root], order, steps, grads, [n for n in order if n.grad != 0.0])


def grad(output: Value, inputs: Value | Sequence[Value], *,
         create_graph: bool = False) -> list[Any]:
    """d output / d input for each input, without touching any ``.grad``.

    Floats by default; with ``create_graph=True`` Values, which can be differentiated again.
    An input that ``output`` does not depend on gets 0.
    """
    if type(output) is not Value:
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    items = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(items):
        if type(x) is not Value:
            raise TypeError(f"grad: input {i} must be a Value, got {type(x).__name__}")
    grads = _backprop(output, 1.0, create_graph, accumulate=False)
    zero = Value(0.0) if create_graph else 0.0
    return [grads.get(x, zero) for x in items]


def _check_nonfinite(node: Value, g: float, seed: float, nodes: list[Value]) -> None:
    """Raise if gradient ``g`` of ``node`` went non-finite although every number was finite."""
    if math.isfinite(seed) and all(math.isfinite(n.data) for n in nodes):
        what = "overflows a float" if math.isinf(g) else "is not a number"
        raise OverflowError(f"backward: the gradient reaching {node!r} {what} ({g!r}); "
                            "rescale the computation (e.g. smaller inputs or a smaller seed)")


def _backprop(root: Value, seed: Any, create_graph: bool, accumulate: bool,
              steps: list[Step] | None = None,
              order: list[Value] | None = None) -> dict[Value, Any]:
    """The chain rule, once: gradients flow from ``root`` to its operands in reverse order.

    Gradients gather in a dict local to this pass; a node's total is final when it is reached
    (every node that uses it comes earlier in the reversed walk). If asked, the totals are
    added to ``.grad`` at the end, so a pass that fails midway changes no ``.grad``.
    ``order`` is ``walk(root)`` when the caller already has it.
    """
    if type(root) is not Value:
        raise TypeError(f"backward: root must be a Value, got {type(root).__name__}")
    if type(seed) is not float:
        lifted = _lift(seed)
        if lifted is None:
            raise TypeError(f"backward: the seed gradient must be a number or a Value, "
                            f"got {type(seed).__name__} {seed!r}")
        seed = lifted if create_graph else lifted.data
    elif create_graph:
        seed = Value(seed)
    grads: dict[Value, Any] = {root: seed}
    get = grads.get
    # backward() alone needs no gradient after its node is done: dropping it keeps the dict
    # small, so a long chain stays linear in time (a huge dict thrashes the caches)
    take = grads.pop if accumulate and steps is None and not create_graph else grads.__getitem__
    nodes = walk(root) if order is None else order
    finals: list[float] = []  # added to .grad only once the whole pass has succeeded
    for node in reversed(nodes):
        g = take(node)
        if not create_graph and g - g != 0.0:  # nan or inf: only from explicit nan/inf data
            _check_nonfinite(node, g, seed, nodes)
        if accumulate:
            finals.append(g.data if create_graph else g)
        op = node.op
        if op is None:
            continue
        parents = node.parents
        try:
            if create_graph:
                local = op.partials(node, *parents)
            elif len(parents) == 2:  # unpacking by arity, as in _apply
                local = op.partials(node.data, parents[0].data, parents[1].data)
            elif len(parents) == 1:
                local = op.partials(node.data, parents[0].data)
            else:
                local = op.partials(node.data, *[p.data for p in parents])
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            what = f"the derivative of {op.name} (backward)"
            raise type(err)(_domain_message(op, parents, type(err), what)) from None
        for slot, p in enumerate(parents):
            c = g * local[slot]
            before = get(p)
            grads[p] = after = c if before is None else before + c
            if steps is not None:
                steps.append(Step(len(steps), node, slot, p, local[slot], g, c,
                                  0.0 if before is None else before, after))
    for node, g in zip(reversed(nodes), finals, strict=False):  # empty unless accumulating
        node.grad += g
    return grads
