"""A safe parser for arithmetic expressions such as ``tanh(x1*w1 + x2*w2 + b)``.

The text is parsed with ``ast.parse(mode="eval")`` and checked against a whitelist: numbers,
variable names, ``+ - * / **``, unary ``-``/``+``, parentheses and calls, by name, of the op
table's one-argument functions. Nothing is ever evaluated by Python: the checked tree is walked
(iteratively, so depth is no problem) and each node becomes a `Value` operation. Sub-expressions
made only of numbers are folded into one constant, so ``x ** (1/2)`` keeps a constant exponent.
"""

from __future__ import annotations

import ast
import inspect
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autograd import Value
from autograd.ops import OPS, UNARY
from viz._format import constant, term

__all__ = ["ExpressionError", "MathError", "Expression", "parse", "FUNCTIONS", "MAX_LENGTH"]

MAX_LENGTH = 10_000  # characters; longer input is refused before the parser sees it

# The op table's one-argument rows that Value has a method for (neg is written as unary minus).
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    name: (Value.__abs__ if name == "abs" else getattr(Value, name))
    for name in UNARY if name == "abs" or callable(getattr(Value, name, None))
}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_SYMBOLS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<",
            ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Not: "not",
            ast.Invert: "~"}
_WHAT = {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Compare: "comparison",
         ast.BoolOp: "and/or", ast.Lambda: "lambda", ast.IfExp: "if/else",
         ast.NamedExpr: "assignment (:=)", ast.JoinedStr: "an f-string", ast.List: "a list",
         ast.Tuple: "a tuple (or a stray comma)", ast.Dict: "a dict", ast.Set: "a set",
         ast.Starred: "unpacking (*)", ast.ListComp: "a comprehension",
         ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
         ast.GeneratorExp: "a comprehension", ast.Await: "await", ast.Yield: "yield",
         ast.YieldFrom: "yield", ast.Slice: "a slice"}

Number = float | Value  # a folded constant or a graph node


class ExpressionError(ValueError):
    """A mistake in an expression or in the values given for it; the message is one line."""


class MathError(ArithmeticError):
    """The expression is well formed but undefined at the given values (log of -1, overflow)."""


def _where(source: str, node: ast.AST, *, after: bool = False,
           shift: tuple[int, int] = (0, 0)) -> str:
    """``node``'s position in words; ``after``: the first token after it (a BinOp's operator).
    ``shift``: the lines and first-line columns stripped from the front of the user's text."""
    if after:
        line, col = getattr(node, "end_lineno", 1) or 1, getattr(node, "end_col_offset", 0) or 0
    else:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
    raw = (source.splitlines() or [""])[line - 1].encode()  # ast counts UTF-8 bytes
    if after:
        while col < len(raw) and raw[col : col + 1] in (b" ", b")", b"\t"):
            col += 1
    col = len(raw[:col].decode("utf-8", "ignore")) + 1
    return _position(line, col, shift)


def _position(line: int, col: int, shift: tuple[int, int]) -> str:
    if line == 1:
        col += shift[1]
    line += shift[0]
    return f"column {col}" if line == 1 else f"line {line}, column {col}"


def _segment(source: str, node: ast.AST) -> str:
    text = ast.get_source_segment(source, node) or ""
    return text if len(text) <= 60 else text[:57] + "..."


def _known() -> str:
    return ", ".join(FUNCTIONS)


def _children(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _check_node(node: ast.AST, source: str, shift: tuple[int, int]) -> None:
    """Raise ExpressionError unless ``node`` is on the whitelist."""
    at = _where(source, node, shift=shift)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            at = _where(source, node.left, after=True, shift=shift)
            raise ExpressionError(f"operator {_SYMBOLS.get(type(node.op), '?')} at {at} is not "
                                  "supported (use + - * / **)")
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator {_SYMBOLS.get(type(node.op), '?')} at {at} is not "
                                  "supported (use + - * / **)")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"only functions called by name can be used ({_known()}); "
                                  f"calling {_segment(source, node.func)} at {at} is not allowed")
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name} at {at} (known: {_known()})")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{name}() at {at} takes exactly one argument")
    elif isinstance(node, ast.Name):
        _check_name(node, source, at)
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} at {at} is a function: call it, as {node.id}(x)")
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a string" if isinstance(value, (str, bytes)) else repr(value)
            raise ExpressionError(f"{kind} at {at} is not allowed: only real numbers")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int literal beyond float range
            finite = False
        if not finite:
            raise ExpressionError(f"the number at {at} is too large for a float")
    else:
        what = _WHAT.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} at {at} is not allowed in an expression")


@dataclass(frozen=True)
class Expression:
    """A checked expression: its source, its tree and its variables in order of appearance."""

    source: str
    tree: ast.Expression
    names: tuple[str, ...]
    shift: tuple[int, int] = (0, 0)
    """Lines and first-line columns of whitespace stripped from the front of the user's text."""

    def build(self, values: Mapping[str, float | Value]) -> Value:
        """The expression's graph with ``values`` for its variables (numbers become labelled
        leaves, Values are used as they are)."""
        missing = [n for n in self.names if n not in values]
        if missing:
            raise ExpressionError(f"variable {missing[0]} has no value: give it as "
                                  f"{missing[0]}=NUMBER")
        extra = [n for n in values if n not in self.names]
        if extra:
            raise ExpressionError(f"{extra[0]} is not used by the expression (its variables: "
                                  f"{', '.join(self.names)})")
        leaves = {n: v if isinstance(v, Value) else Value(v, n) for n, v in values.items()}
        out = self._walk(leaves)
        if not isinstance(out, Value):  # unreachable: parse() requires a variable
            raise ExpressionError("the expression has no variables: nothing to differentiate")
        return out

    def __call__(self, *args: float | Value) -> Value:
        """The graph with positional values, in the order of ``names`` (for gradcheck)."""
        if len(args) != len(self.names):
            raise ExpressionError(f"expected {len(self.names)} values ({', '.join(self.names)}),"
                                  f" got {len(args)}")
        return self.build(dict(zip(self.names, args, strict=True)))

    @property
    def __signature__(self) -> inspect.Signature:
        """One positional parameter per variable, so tools (gradcheck) can name the inputs."""
        kind = inspect.Parameter.POSITIONAL_ONLY
        return inspect.Signature([inspect.Parameter(n, kind) for n in self.names])

    def _walk(self, leaves: Mapping[str, Value]) -> Number:
        results: list[Number] = []
        stack: list[tuple[ast.expr, bool]] = [(self.tree.body, False)]
        while stack:
            node, ready = stack.pop()
            if not ready:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(_children(node)))
                continue
            if isinstance(node, ast.Constant):
                results.append(float(node.value))  # type: ignore[arg-type]  # checked: int or float
            elif isinstance(node, ast.Name):
                results.append(leaves[node.id])
            else:
                args = results[len(results) - len(_children(node)):]
                del results[len(results) - len(args):]
                results.append(self._apply(node, args))
        return results[0]

    def _apply(self, node: ast.expr, args: list[Number]) -> Number:
        if isinstance(node, ast.BinOp):
            fn: Callable[..., Any] = _BINARY[type(node.op)]
        elif isinstance(node, ast.UnaryOp):
            fn = _UNARY[type(node.op)]
        else:
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # checked
            fn = FUNCTIONS[node.func.id]
        try:
            if all(type(a) is float for a in args):
                # numbers only: fold through a Value, so the engine's domain checks apply
                return float(fn(Value(args[0]), *args[1:]).data)
            return fn(*args)  # type: ignore[no-any-return]  # a Value op returns a Value
        except (ValueError, ZeroDivisionError, OverflowError) as err:
            at = _where(self.source, node, shift=self.shift)
            raise MathError(_math_message(self.source, node, args, str(err), at)) from None


_ENGINE_MESSAGE = re.compile(r"^(\w+) (is undefined|overflows a float|is not a number) at .*?"
                             r"(?: \(needs (.*)\))?$")


def _math_message(source: str, node: ast.expr, args: list[Number], engine: str, at: str) -> str:
    """The engine's domain error in the user's words: operands named by their source text
    (``1/x is undefined at x = 0 (needs x != 0)``), never by an op-table row's names."""
    found = _ENGINE_MESSAGE.match(engine)
    if found is None or found.group(1) not in OPS:  # not a domain message: shown as it is
        return f"{_segment(source, node)} (at {at}): {engine}"
    children = _children(node)
    texts = [_segment(source, c) for c in children]
    values = [f"{t} = {constant(float(a.data))}" for t, a, c in zip(texts, args, children,
                                                                      strict=True)
              if isinstance(a, Value) and not isinstance(c, ast.Constant)]
    message = f"{_segment(source, node)} (at {at}) {found.group(2)}"
    if values:
        message += " at " + ", ".join(values[:4])
    if found.group(3):
        rows = OPS[found.group(1)].operand_names(len(args))
        words = dict(zip(rows, (term(t) for t in texts), strict=True))
        needs = re.sub(r"\b\w+\b", lambda m: words.get(m.group(), m.group()), found.group(3))
        message += f" (needs {needs})"
    return message


_INT_LIMIT = re.compile(r"\d{4301,}")


def _syntax_message(source: str, err: SyntaxError, shift: tuple[int, int]) -> str:
    """A SyntaxError in one line: where (line and column), what, and a hint for the usual
    slips (``2x`` for ``2*x``, a number too long for Python to read)."""
    long = _INT_LIMIT.search(source)
    if long:
        line = source.count("\n", 0, long.start()) + 1
        col = long.start() - source.rfind("\n", 0, long.start())
        return (f"the number at {_position(line, col, shift)} is too large for a float "
                f"({len(long.group()):,} digits)")
    where = _position(err.lineno or 1, err.offset, shift) if err.offset else "the end"
    message = f"syntax error at {where}: {err.msg}"
    product = re.search(r"(?<![\w.])(\d+(?:\.\d*)?)([A-Za-z_]\w*)", source)
    if err.msg == "invalid decimal literal" and product:
        message += f" (for a product write {product.group(1)}*{product.group(2)})"
    return message


def _check_name(node: ast.Name, source: str, at: str) -> None:
    """Refuse a name Python changed (full-width ``ｘ`` is read as ``x``) or one holding a
    character that looks like an operator (``x·w``)."""
    text = ast.get_source_segment(source, node) or node.id
    if text != node.id:
        raise ExpressionError(f"the name {text} at {at} is read by Python as {node.id} (a "
                              f"full-width or compatibility character); write {node.id}")
    odd = [c for c in text if not c.isascii() and unicodedata.category(c)[0] not in "LNM"]
    if odd:
        fixed = "".join("*" if c in odd else c for c in text)
        raise ExpressionError(f"{text} at {at} is not a name: {odd[0]!r} (U+{ord(odd[0]):04X}) "
                              f"is not an operator here; for a product write {fixed}")


def parse(source: str) -> Expression:
    """Check ``source`` against the whitelist; raises ExpressionError with a one-line reason."""
    if not isinstance(source, str):
        raise ExpressionError(f"the expression must be text, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(source)} characters long; the limit is "
                              f"{MAX_LENGTH}")
    lead = source[: len(source) - len(source.lstrip())]
    shift = (lead.count("\n"), len(lead) - lead.rfind("\n") - 1)  # positions name the user's
    source = source.strip()  # eval mode refuses leading spaces ("unexpected indent")
    if not source:
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(_syntax_message(source, err, shift)) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply to parse") from None
    except ValueError as err:  # e.g. a null byte
        raise ExpressionError(f"cannot parse the expression: {err}") from None
    names: list[str] = []
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        _check_node(node, source, shift)
        if isinstance(node, ast.Name) and node.id not in names:
            names.append(node.id)
        stack.extend(reversed(_children(node)))
    if not names:
        raise ExpressionError("the expression has no variables: nothing to differentiate")
    return Expression(source, tree, tuple(names), shift)
