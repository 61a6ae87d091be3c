"""`Value`, the graph walk and reverse mode.

The chain rule is written once, as the plain loop ``chain_rule`` in autograd/trace.py; the float
``backward()`` and ``grad()`` run an optimised copy of it here (``_float_pass``).
"""

from __future__ import annotations

import ast
import math
import numbers
import threading
from collections.abc import Iterable, Sequence
from itertools import filterfalse
from operator import countOf
from typing import Any, TypeAlias

from autograd.ops import ALL_REALS, OPS, Op

__all__ = ["Value", "Step", "Trace", "apply_op", "backprop_steps", "dot", "grad", "sum_values",
           "walk"]

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POW, _POWV, _DOT, _RELU = OPS["pow"], OPS["powv"], OPS["dot"], OPS["relu"]


_new = ast.AST.__new__  # Value's allocator (see Value's comment on its base class)


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


class _NumberLabel(str):
    """The type of `NUMBER`: an empty label that says "a number written in the expression"."""

    __slots__ = ()


NUMBER = _NumberLabel()
"""The label of a leaf the engine made from a plain number (the 2 of ``x * 2``): it reads as
``""``, and the views know the leaf for a constant by it (shown as its value, no gradient
line). A leaf you create, ``Value(2.0)``, is an input however it is labelled."""


def _lift(x: Any) -> Value | None:
    """An operand as a Value: Values pass through, numbers become constant leaves (labelled
    `NUMBER`), anything else None."""
    if type(x) is Value:
        return x
    if type(x) is float or isinstance(x, numbers.Real):  # float first: the ABC check is slow
        return Value(x, NUMBER)
    return None


class Value(ast.AST):
    """A scalar in a computation graph: its data, the gradient reaching it, and how it was made."""

    # The base class is for memory only: ``ast.AST`` is the only small standard C type (found) whose
    # objects carry a dict pointer in their own body (8 bytes, the dict made on the first
    # attribute set), and that pointer holds a learner's own attributes (micrograd programs
    # attach some: a colour, ``p.m = 0``). A ``__dict__`` slot would cost 32 bytes a node on
    # CPython 3.11 (a two-pointer pre-header and a values array made with every object);
    # benchmarks/README.md has the measurements. Nothing else of ``ast.AST`` is used.

    # The operands live in two slots rather than a tuple: one object per node is all the cyclic
    # garbage collector has to scan (a tuple would double that, and its scans dominated a
    # large graph's build time). ``_a`` is the first operand, or every operand of a node that
    # has three or more (or none); ``_b`` the second. ``_g`` is scratch space for a backward
    # pass: the gradient gathered so far, None outside a pass. ``_data`` is behind the ``data``
    # property, which makes whatever real is stored a float; the engine reads the slot.
    __slots__ = ("_data", "grad", "op", "label", "_a", "_b", "_g")
    __reduce__ = object.__reduce__  # copy and pickle as any object (ast.AST's drops the slots)

    def __init__(self, data: Any, label: str = "") -> None:
        self._data: float = data if type(data) is float else _as_float(data)
        self.grad: float = 0.0
        self.op: Op | None = None
        if type(label) is not str and type(label) is not _NumberLabel:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label
        self._a: Value | tuple[Value, ...] | None = None
        self._b: Value | None = None
        self._g: Any = None

    @property
    def data(self) -> float:
        """The number this node holds: always a float, whatever real number was stored."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        # a numpy float32 copied from an array would otherwise make every result a float32
        self._data = value if type(value) is float else _as_float(value)

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

        All or nothing: a pass that raises, or is interrupted (Ctrl-C), changes no ``.grad``.
        Threads: ``backward``, ``grad`` and ``backprop_steps`` may run at the same time over
        shared nodes (one graph, or graphs sharing parameters): passes take turns, and each
        adds its whole result. Changing ``.data`` or ``.grad`` of the nodes (``zero_grad``, an
        optimizer's step) while another thread's pass runs over them is not safe.
        """
        if not create_graph:
            _backprop(self, lift_seed(self, grad, values=False), accumulate=True)
            return None
        seed = lift_seed(self, grad, values=True)
        order = walk(self)
        grads = chain_rule(order, seed)
        _commit(order, [g.data for g in grads.values()])
        return grads

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 for this node and every node it depends on."""
        for node in walk(self):
            node.grad = 0.0

    # -- micrograd's by-hand names, read from the op table ---------------------------------
    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the operands: a set (each operand once), empty for a leaf.

        As in micrograd, a number exponent is not an operand here but part of ``_op``
        ('**2'); ``parents`` lists it (a constant leaf, whose gradient stays 0).
        """
        return {self._a} if self.op is _POW else set(self.parents)  # type: ignore[arg-type]

    @property
    def _op(self) -> str:
        """micrograd's name for the op: '+', '*', '**2', 'ReLU', 'tanh', 'exp', '' for a leaf.

        Ops micrograd builds from others have their own symbol here ('-', '/'); other rows
        give their symbol ('log', 'sigmoid', ...). A whole exponent is written as an int
        ('**2', '**-1'), whether it was given as 2 or 2.0.
        """
        op = self.op
        if op is None:
            return ""
        if op is _POW:
            n = self._b.data  # type: ignore[union-attr]  # pow has two operands
            return f"**{int(n) if n.is_integer() else n}"
        return "ReLU" if op is _RELU else op.symbol

    def _backward(self) -> None:
        """One chain-rule step by hand, as micrograd's: add ``self.grad * d self / d operand``
        to each operand's ``.grad``, once per operand slot (``a + a`` adds twice).

        A leaf's does nothing. Calling it for every node in reverse ``walk`` order, after
        ``self.grad = 1.0``, gives what ``backward()`` gives.
        """
        if self.op is not None:
            for p, d in zip(self.parents, partials(self), strict=True):
                p.grad += self.grad * d


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
            out = op.forward(a._data, b._data)
        elif len(args) == 1:
            a, b = args[0], None
            out = op.forward(a._data)
        else:
            a, b = args, None
            out = op.forward(*[x._data for x in args])
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        if op.domain != ALL_REALS or all(math.isfinite(x.data) for x in args):
            raise type(err)(_domain_message(op, args, type(err))) from None
        out = math.nan  # explicit inf where every real is allowed propagates: sin(inf) is nan
    if type(out) is not float:  # a row of your own
        out = _forward_result(op, out)
    if out - out != 0.0 and all(math.isfinite(x.data) for x in args):  # nan or inf appeared
        kind = OverflowError if math.isinf(out) else ValueError
        raise kind(_domain_message(op, args, kind))
    node = _new(Value)  # skips __init__'s checks: out is a float and the label empty
    node._data, node.grad, node.op, node.label, node._a, node._b, node._g = (
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
            a, b = node._a, node._b  # the operands, pushed above the node so they pop first
            if b is not None:  # two operands, pushed so they pop in slot order
                stack += (node, None, b, a)
            elif a is None:  # a leaf: nothing to wait for
                order.append(node)
            elif type(a) is not tuple:
                stack += (node, None, a)
            else:  # many operands: skip those already walked, at C speed
                stack += (node, None)
                # (a walked operand is already in order: the unfinished nodes all use this one)
                if not seen.issuperset(a):  # often none is new: weights and inputs are shared
                    stack += filterfalse(seen.__contains__, a[::-1])
    return order


def grad(output: Value, inputs: Value | Sequence[Value], *,
         create_graph: bool = False) -> list[Any]:
    """d output / d input for each input, without touching any ``.grad``.

    Floats by default; with ``create_graph=True`` Values, which can be differentiated again.
    An input that ``output`` does not depend on gets 0. Safe to call from several threads at
    once, as ``backward`` is.
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
    if create_graph:
        grads = chain_rule(walk(output), Value(1.0))
        zero: Any = Value(0.0)
    else:
        grads, zero = _backprop(output, 1.0, accumulate=False), 0.0
    return [grads.get(x, zero) for x in items]


# -- the pieces of the chain rule, shared by the reference loop (trace.py) and the fast one ----
def lift_seed(root: Any, seed: Any, *, values: bool) -> Any:
    """Check ``root`` and lift ``seed``: a float for a float pass, a Value for create_graph."""
    if type(root) is not Value:
        raise TypeError(f"backward: root must be a Value, got {type(root).__name__}")
    if type(seed) is float and not values:
        return seed
    lifted = _lift(seed)
    if lifted is None:
        raise TypeError(f"backward: the seed gradient must be a number or a Value, "
                        f"got {type(seed).__name__} {_short(seed)}")
    return lifted if values else lifted.data


def partials(node: Value, *, values: bool = False) -> tuple[Any, ...]:
    """d node / d operand for each operand slot of ``node`` (made by an op), from its row.

    Floats, or Values with ``values=True``, built from the operands so they can be
    differentiated again.
    """
    op, parents = node.op, node.parents
    assert op is not None  # the loops call this for nodes made by an op only
    try:
        if values:
            local = op.partials(node, *parents)
        else:
            local = op.partials(node.data, *[p.data for p in parents])
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        local = _undefined(op, parents, err)
    if len(local) != len(parents):
        raise _miscount(op, len(local), len(parents))
    return tuple(local)


def _undefined(op: Op, parents: tuple[Value, ...], err: Exception) -> tuple[float, ...]:
    """A row's partials raised: a clear error, or nan where explicit inf/nan data allows it."""
    if op.domain != ALL_REALS or all(math.isfinite(p.data) for p in parents):
        what = f"the derivative of {op.name} (backward)"
        raise type(err)(_domain_message(op, parents, type(err), what)) from None
    return (math.nan,) * len(parents)  # as forward: sin(inf) is nan, so is cos(inf)


def _miscount(op: Op, got: int, wanted: int) -> ValueError:
    return ValueError(f"the partials of {op.name} gave {got} values for {wanted} operands; a "
                      "row's partials must return one per operand slot")


def check_finite(node: Value, g: Any, seed: Any, order: list[Value]) -> None:
    """Raise if float gradient ``g`` of ``node`` is nan or inf although every number was finite.

    (Explicit nan or inf data propagates, as in forward.)
    """
    if type(g) is Value or g - g == 0.0:
        return
    if math.isfinite(seed) and all(math.isfinite(n.data) for n in order):
        what = "overflows a float" if math.isinf(g) else "is not a number"
        raise OverflowError(f"backward: the gradient reaching {node!r} {what} ({g!r}); "
                            "rescale the computation (e.g. smaller inputs or a smaller seed)")


# -- the fast loop over floats, and committing its result -----------------------------------
# Every node has one scratch slot ``_g``, so passes over shared nodes (two threads, or two graphs
# sharing a model's parameters) take turns: one pass at a time holds this lock. Re-entrant, so
# a row's partials may call grad() itself.
_PASS = threading.RLock()


def _backprop(root: Value, seed: float, *, accumulate: bool) -> dict[Value, float]:
    """``backward()`` (``accumulate``: add to ``.grad``) or ``grad()`` over floats.

    All or nothing: the gradients gather in scratch slots and go to ``.grad`` at the end, so a
    pass that fails or is interrupted (Ctrl-C) anywhere changes no ``.grad`` and leaves no
    scratch behind. Returns ``{node: d root / d node}`` (empty when ``accumulate``).
    """
    nodes = walk(root)
    with _PASS:
        # no `try:` line directly in here: on CPython 3.11 an exception raised at a `try:`
        # line (a NOP) inside a `with` skips the lock's release
        return _gather(root, nodes, seed, accumulate)


def _gather(root: Value, nodes: list[Value], seed: float, accumulate: bool
            ) -> dict[Value, float]:
    """The pass under the lock: scratch slots filled, then committed or cleared."""
    try:
        for node in nodes:
            node._g = 0.0
        root._g = seed
        _float_pass(nodes, seed)
        return _take(nodes, accumulate)
    except BaseException:  # failed, or interrupted anywhere above: clear the scratch
        for node in nodes:
            node._g = None
        raise


def _float_pass(nodes: list[Value], seed: float) -> None:
    # An optimisation of chain_rule (autograd/trace.py), equal to it bit for bit as
    # test_replay_equals_backward_exactly proves: each gradient gathers in its node's scratch
    # slot ``_g`` instead of a dict, and the common cases (two operands, one) are unrolled.
    a: Any  # two operands are a and b; one is a; three or more are the tuple a
    b: Any
    for node in reversed(nodes):
        g = node._g
        if g - g != 0.0:  # nan or inf: only from explicit nan/inf data
            check_finite(node, g, seed, nodes)
        op = node.op
        if op is None:
            continue
        a, b = node._a, node._b
        try:
            local = (op.partials(node._data, a._data, b._data) if b is not None else
                     op.partials(node._data, a._data) if type(a) is not tuple else
                     op.partials(node._data, *[p._data for p in a]))
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            local = _undefined(op, node.parents, err)
        if b is not None and len(local) == 2:
            da, db = local
            a._g += g * da
            b._g += g * db
        elif b is None and type(a) is not tuple and len(local) == 1:
            a._g += g * local[0]
        elif type(a) is tuple and len(local) == len(a):
            for p, d in zip(a, local, strict=False):  # counted above: a strict zip is slower
                p._g += g * d
        else:
            raise _miscount(op, len(local), len(node.parents))


def _take(nodes: list[Value], accumulate: bool) -> dict[Value, float]:
    """Empty the scratch slots into a dict, or (``accumulate``) into ``.grad``, all or none."""
    if not accumulate:
        grads = {node: node._g for node in nodes}
        for node in nodes:
            node._g = None
        return grads
    old = [node.grad for node in nodes]
    try:
        for node in nodes:
            node.grad += node._g
            node._g = None
    except BaseException:  # interrupted half-way (Ctrl-C): put the old values back
        _restore(nodes, old)
        raise
    return {}


def _commit(nodes: list[Value], grads: list[float]) -> None:
    """Add ``grads`` to the nodes' ``.grad``, all or none (as ``_take``, for create_graph)."""
    with _PASS:  # no `try:` line directly in here: see _backprop
        _add_all(nodes, grads)


def _add_all(nodes: list[Value], grads: list[float]) -> None:
    old = [node.grad for node in nodes]
    try:
        for node, g in zip(nodes, grads, strict=True):
            node.grad += g
    except BaseException:
        _restore(nodes, old)
        raise


def _restore(nodes: list[Value], old: list[float]) -> None:
    for node, g in zip(nodes, old, strict=True):
        node.grad = g


# Last, because trace.py builds on this module; Step, Trace and backprop_steps are re-exported.
from autograd.trace import Step, Trace, backprop_steps, chain_rule  # noqa: E402
