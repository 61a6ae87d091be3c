"""`Value`, the graph walk and reverse mode: the chain rule is written once, in `_backprop`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from itertools import filterfalse
from operator import countOf
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
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(f"Value needs a real number that fits a float (at most about "
                                f"1.8e308), got {type(data).__name__} {_short(data)}") from None
    raise TypeError(f"Value needs a real number, got {type(data).__name__} {_short(data)}")


def _short(x: Any) -> str:
    """repr(x), cut to a length an error message can hold."""
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _lift(x: Any) -> Value | None:
    """An operand as a Value: Values pass through, numbers become leaves, anything else None."""
    if type(x) is Value:
        return x
    if type(x) is float or isinstance(x, numbers.Real):  # float first: the ABC check is slow
        return Value(x)
    return None


class Value:
    """A scalar in a computation graph: its data, the gradient reaching it, and how it was made."""

    # The operands live in two slots rather than a tuple: one object per node is all the cyclic
    # garbage collector has to scan (a tuple would double that, and its scans dominated a
    # large graph's build time). ``_a`` is the first operand, or every operand of a node that
    # has three or more (or none); ``_b`` the second. ``_g`` is scratch space for a backward
    # pass: the gradient gathered so far, None outside a pass.
    __slots__ = ("data", "grad", "op", "label", "_a", "_b", "_g")

    def __init__(self, data: Any, label: str = "") -> None:
        self.data: float = data if type(data) is float else _as_float(data)
        self.grad: float = 0.0
        self.op: Op | None = None
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label
        self._a: Value | tuple[Value, ...] | None = None
        self._b: Value | None = None
        self._g: Any = None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands, one per operand slot in order, duplicates kept: () for a leaf."""
        a, b = self._a, self._b
        if b is not None:
            return (a, b)  # type: ignore[return-value]  # a is a Value when b is set
        if a is None or type(a) is tuple:
            return a or ()
        return (a,)  # type: ignore[return-value]  # the one operand of a unary node

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


_SHOWN = 4  # operands an error message lists (an n-ary node can have hundreds)


def _domain_message(op: Op, args: Sequence[Any], kind: type, what: str = "") -> str:
    names = op.operand_names(len(args))
    values = [a.data if type(a) is Value else a for a in args]
    at = ", ".join(f"{n} = {v!r}" for n, v in list(zip(names, values, strict=True))[:_SHOWN])
    if len(args) > _SHOWN:
        at += f", ... ({len(args)} operands)"
    if kind is OverflowError:
        return f"{what or op.name} overflows a float at {at}"
    if op.domain == ALL_REALS:  # only a row of your own gets here: its forward gave nan
        return f"{what or op.name} is not a number at {at}"
    return f"{what or op.name} is undefined at {at} (needs {op.domain})"


def _apply(op: Op, *args: Value) -> Value:
    """The one recording function: run a row's forward, check the result, make the node."""
    a: Value | tuple[Value, ...]
    b: Value | None
    try:  # unpacking by arity: about twice as fast as map/comprehension for the common cases
        if len(args) == 2:
            a, b = args
            out = op.forward(a.data, b.data)
        elif len(args) == 1:
            a, b = args[0], None
            out = op.forward(a.data)
        else:
            a, b = args, None
            out = op.forward(*[x.data for x in args])
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        if op.domain != ALL_REALS or all(math.isfinite(x.data) for x in args):
            raise type(err)(_domain_message(op, args, type(err))) from None
        out = math.nan  # explicit inf where every real is allowed propagates: sin(inf) is nan
    if type(out) is not float:  # a row of your own, or a numpy number stored in .data
        out = _forward_result(op, out)
    if out - out != 0.0 and all(math.isfinite(x.data) for x in args):  # nan or inf appeared
        kind = OverflowError if math.isinf(out) else ValueError
        raise kind(_domain_message(op, args, kind))
    node = _new(Value)  # skips __init__'s checks: out is a float and the label empty
    node.data, node.grad, node.op, node.label, node._a, node._b, node._g = (
        out, 0.0, op, "", a, b, None)
    return node


def _forward_result(op: Op, out: Any) -> float:
    if isinstance(out, numbers.Real):
        return float(out)
    raise TypeError(f"the forward of {op.name} returned {type(out).__name__} {_short(out)}; a "
                    "row's forward must return a real number")


def apply_op(op: Op, *operands: Operand) -> Value:
    """A node of any op-table row, your own rows included, checked like every built-in op."""
    if not isinstance(op, Op):
        raise TypeError(f"apply_op: op must be an Op (a row such as OPS['log']), got "
                        f"{type(op).__name__} {_short(op)}")
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
    if countOf(map(type, items), Value) == len(items):  # the common case, checked at C speed
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
    stack: list[Any] = [root]  # nodes and None markers: no per-node objects for the GC to chase
    while stack:
        node = stack.pop()
        if node is None:  # marker: the node below it has all its operands in order
            order.append(stack.pop())  # a marker sits on its node
        elif node not in seen:
            seen.add(node)
            stack += (node, None)
            a, b = node._a, node._b  # the operands, pushed so they pop in slot order
            if b is not None:
                stack += (b, a)
            elif type(a) is tuple:  # many operands: skip those already walked, at C speed
                # (a walked operand is already in order: the unfinished nodes all use this one)
                if not seen.issuperset(a):  # often none is new: weights and inputs are shared
                    stack += filterfalse(seen.__contains__, a[::-1])
            elif a is not None:
                stack.append(a)
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
    try:
        items = [inputs] if isinstance(inputs, Value) else list(inputs)
    except TypeError:
        raise TypeError(f"grad: inputs must be a Value or a sequence of Values, got "
                        f"{type(inputs).__name__}") from None
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


class _NothingYet:
    """A node's gradient before anything has flowed into it, under create_graph: 0 + c is c.

    (With floats the start is 0.0; with Values it would add a node "0 + c" for every node.)
    """

    __slots__ = ()

    def __add__(self, other: Any) -> Any:
        return other


_NOTHING_YET = _NothingYet()


def _backprop(root: Value, seed: Any, create_graph: bool, accumulate: bool,
              steps: list[Step] | None = None,
              order: list[Value] | None = None) -> dict[Value, Any]:
    """The chain rule, once: gradients flow from ``root`` to its operands in reverse order.

    Each node gathers its gradient in its scratch slot ``_g``, which only this pass uses; a
    node's total is final when it is reached (every node that uses it comes earlier in the
    reversed walk). If asked, the totals are added to ``.grad`` at the end, so a pass that
    fails midway changes no ``.grad``. Returns ``{node: d root / d node}``, empty when the
    totals only go to ``.grad``. ``order`` is ``walk(root)`` when the caller already has it.
    The scratch slots are cleared when the pass ends, failed or not; two passes at the same
    time over shared nodes (from two threads) would mix their sums, so run them in turn.
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
    nodes = walk(root) if order is None else order
    zero = _NOTHING_YET if create_graph else 0.0
    for node in nodes:
        node._g = zero
    root._g = seed
    try:
        for node in reversed(nodes):
            g = node._g
            if not create_graph and g - g != 0.0:  # nan or inf: only from explicit nan/inf data
                _check_nonfinite(node, g, seed, nodes)
            op = node.op
            if op is None:
                continue
            a, b = node._a, node._b
            try:
                if create_graph:
                    local = op.partials(node, *node.parents)
                elif b is not None:  # unpacking by arity, as in _apply
                    local = op.partials(node.data, a.data, b.data)  # type: ignore[union-attr]
                elif type(a) is tuple:
                    local = op.partials(node.data, *[p.data for p in a])
                else:
                    local = op.partials(node.data, a.data)  # type: ignore[union-attr]
            except (ValueError, ZeroDivisionError, OverflowError) as err:
                parents = node.parents
                if op.domain != ALL_REALS or all(math.isfinite(p.data) for p in parents):
                    what = f"the derivative of {op.name} (backward)"
                    raise type(err)(_domain_message(op, parents, type(err), what)) from None
                local = (math.nan,) * len(parents)  # as forward: sin(inf) is nan, so is cos(inf)
            try:
                if steps is None:  # the rule of the loop below, without its record
                    if b is not None:  # two operands or one: the common cases, unrolled
                        da, db = local
                        a._g += g * da  # type: ignore[union-attr]
                        b._g += g * db
                    elif type(a) is not tuple:
                        (da,) = local
                        a._g += g * da  # type: ignore[union-attr]
                    else:  # many operands: counted once here (a strict zip is slower)
                        if len(local) != len(a):
                            raise ValueError
                        for p, d in zip(a, local, strict=False):
                            p._g += g * d
                    continue
                for slot, (p, d) in enumerate(zip(node.parents, local, strict=True)):
                    c = g * d
                    before = p._g
                    p._g = after = before + c
                    steps.append(Step(len(steps), node, slot, p, d, g, c, before, after))
            except ValueError:
                if len(local) != len(node.parents):  # a row of your own miscounted
                    raise ValueError(f"the partials of {op.name} gave {len(local)} values for "
                                     f"{len(node.parents)} operands; a row's partials must "
                                     "return one per operand slot") from None
                raise
        if accumulate:
            for node in nodes:
                node.grad += node._g.data if create_graph else node._g
        return {} if accumulate and not create_graph else {node: node._g for node in nodes}
    finally:
        for node in nodes:
            node._g = None
