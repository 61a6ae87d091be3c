"""`Program`: a straight-line program over Values, callable and printed as pasteable Python.

What `autograd.strategies.programs()` draws, kept free of hypothesis so any tool can build,
run and print one.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from autograd.engine import Value

if TYPE_CHECKING:  # only for annotations: strategies imports this module
    from autograd.strategies import Primitive

__all__ = ["Instruction", "Program"]


class Instruction(NamedTuple):
    """One step of a `Program`: a primitive applied to earlier nodes (inputs come first)."""

    primitive: Primitive
    operands: tuple[int, ...]  # node indices: the inputs, then one node per instruction
    constant: float | None = None


class Program:
    """A straight-line program over Values: callable on the inputs, printed as a lambda.

    Only the steps the output (the last step) depends on are kept.
    """

    def __init__(self, n_inputs: int, steps: Sequence[Instruction]) -> None:
        if n_inputs < 1 or not steps:
            raise ValueError("Program needs at least one input and one step")
        live = {n_inputs + len(steps) - 1}
        for index in range(n_inputs + len(steps) - 1, n_inputs - 1, -1):
            if index in live:
                live.update(steps[index - n_inputs].operands)
        renumber = {i: i for i in range(n_inputs)}
        kept: list[Instruction] = []
        for index, step in enumerate(steps, n_inputs):
            if index in live:
                renumber[index] = n_inputs + len(kept)
                kept.append(step._replace(operands=tuple(renumber[i] for i in step.operands)))
        self.n_inputs = n_inputs
        self.steps: tuple[Instruction, ...] = tuple(kept)

    def __call__(self, *xs: Value) -> Value:
        if len(xs) != self.n_inputs:
            raise TypeError(f"this program takes {self.n_inputs} input(s), got {len(xs)}")
        nodes = list(xs)
        for step in self.steps:
            nodes.append(step.primitive.apply([nodes[i] for i in step.operands], step.constant))
        return nodes[-1]

    @property
    def size(self) -> int:
        """The number of steps (ops, counting a domain shift as one)."""
        return len(self.steps)

    @property
    def ops(self) -> tuple[str, ...]:
        """The primitive names, in order."""
        return tuple(step.primitive.name for step in self.steps)

    def __repr__(self) -> str:
        n, root = self.n_inputs, self.n_inputs + len(self.steps) - 1
        uses = [0] * (root + 1)
        for step in self.steps:
            for i in step.operands:
                uses[i] += 1
        names: dict[int, str] = {}
        # depth first, operands in slot order: the order Python evaluates the text in, so a
        # shared node is named (v1 := ...) where it is first met and reused by name after
        stack: list[tuple[int, list[str]]] = [(root, [])]
        body = ""
        while stack:
            node, texts = stack[-1]
            step = self.steps[node - n]
            if len(texts) < len(step.operands):
                child = step.operands[len(texts)]
                known = f"x{child}" if child < n else names.get(child)
                if known is None:
                    stack.append((child, []))
                else:
                    texts.append(known)
                continue
            stack.pop()
            source = step.primitive.text(texts, step.constant)
            if uses[node] > 1:
                names[node] = f"v{len(names) + 1}"
                source = f"({names[node]} := {source})"
            if stack:
                stack[-1][1].append(source)
            else:
                body = source
        return _tidy(f"lambda {', '.join(f'x{i}' for i in range(n))}: {body}")


def _tidy(source: str) -> str:
    """source as ``ast.unparse`` writes it: no redundant parentheses. A program too deep for
    the parser's recursion, or a render of your own that is not Python, stays as built."""
    try:
        return ast.unparse(ast.parse(source, mode="eval"))
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return source
