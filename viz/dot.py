"""`draw_dot`: a computation graph as a graphviz drawing with each node's data and gradient.

Ids, which the HTML stepper relies on (``p`` = ``id_prefix``, ``i`` = index in ``walk(root)``):

- node ``i`` is named ``{p}n{i}`` and its SVG ``<g>`` has ``id="{p}n{i}"``;
- the edge into operand slot ``s`` of node ``i`` has ``id="{p}e{i}_{s}"`` (one per slot, so
  ``a + a`` has two);
- the data and grad cells have the dot ids ``{p}d{i}`` and ``{p}g{i}``. Graphviz writes a table
  cell's id only for cells that are anchors, and prefixes it with ``a_``: in the SVG the cell's
  text sits inside ``<g id="a_{p}d{i}">`` (see `svg_cell_id`). The cells are made anchors with
  a tooltip and ``TARGET``, without a link.

Node kinds: the root is the *output*; leaves in ``params`` are *parameters*; other labelled
leaves are *inputs*; unlabelled leaves (numbers in the expression) are *constants*; the rest are
*intermediate*.

Gradient cells: with ``grads=`` (e.g. a trace's pass-local gradients) a node shows its entry
and a dash when it has none. Without it the nodes' ``.grad`` are shown, unless every one is
zero: that means no backward pass has run (or ``zero_grad`` was called), shown as dashes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import graphviz

from autograd import Value, walk
from viz._format import DASH, node_names, number

__all__ = [
    "GraphvizNotFound",
    "Drawing",
    "draw_dot",
    "escape",
    "find_path",
    "svg_cell_id",
    "KIND_COLORS",
    "HIGHLIGHT_COLOR",
    "ORDERED_OPS",
]

# Okabe-Ito tints: told apart with any colour vision, dark text stays readable on each.
KIND_COLORS: dict[str, str] = {
    "input": "#cfe8f7",  # sky blue
    "parameter": "#fbe3b0",  # orange
    "constant": "#e6e6e6",  # grey
    "intermediate": "#ffffff",
    "output": "#bfe8da",  # bluish green
}
HIGHLIGHT_COLOR = "#d55e00"  # vermillion
ORDERED_OPS = frozenset({"sub", "div", "pow", "powv", "sum", "dot"})  # edge labels name the slot

_INSTALL_HINT = (
    "Graphviz's `dot` program was not found on PATH, so the graph cannot be rendered "
    "(its .source still works). Install Graphviz: `sudo apt-get install graphviz` "
    "(Debian/Ubuntu), `brew install graphviz` (macOS), `conda install -c conda-forge graphviz`, "
    "or see https://graphviz.org/download/"
)
_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ENTITIES = {c: f"&#{ord(c)};" for c in map(chr, range(33, 127)) if not c.isalnum()}
_ENTITIES["\\"] = "&#92;&#92;"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


class GraphvizNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]  # graphviz: no hints
    """Rendering needs Graphviz's `dot` program; the message says how to install it."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, _INSTALL_HINT)


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A `graphviz.Digraph` whose rendering says how to install Graphviz when it is missing."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """Render to bytes (or str with ``encoding=``); see `graphviz.Digraph.pipe`."""
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """Render to a file; see `graphviz.Digraph.render`."""
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None


def svg_cell_id(cell_id: str) -> str:
    """The id graphviz gives in SVG to the group holding a table cell with dot id ``cell_id``."""
    return "a_" + cell_id


def escape(text: str, *, attribute: bool = False) -> str:
    """User text made safe inside an HTML-like label (or attribute); control characters shown.

    ASCII punctuation becomes numeric entities: graphviz's label lexer trips on some plain
    characters (a lone ``]``), and it expands ``\\N``, ``\\G``... even in HTML labels, so a
    backslash is doubled (two read as one).
    """
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\t", " "))
    text = "".join(_ENTITIES.get(c, c) for c in text)
    return text.replace("\n", "&#10;" if attribute else "<BR/>")


def find_path(root: Value, node: Value) -> list[Value]:
    """A shortest chain of nodes from ``node`` up to ``root`` (for ``highlight=``)."""
    came_from: dict[Value, Value | None] = {root: None}
    frontier = [root]
    while frontier and node not in came_from:
        nxt = []
        for v in frontier:
            for p in v.parents:
                if p not in came_from:
                    came_from[p] = v
                    nxt.append(p)
        frontier = nxt
    if node not in came_from:
        raise ValueError(f"find_path: {node!r} is not in the graph of {root!r}")
    path: list[Value] = []
    step: Value | None = node
    while step is not None:
        path.append(step)
        step = came_from[step]
    return path


def _kind(node: Value, root: Value, params: Collection[Value]) -> str:
    if node is root:
        return "output"
    if node.op is not None:
        return "intermediate"
    if node in params:
        return "parameter"
    return "input" if node.label else "constant"


def _grad_text(node: Value, grads: Mapping[Value, Any] | None, dashes: bool, digits: int) -> str:
    if grads is not None:
        g = grads.get(node)
        return DASH if g is None else number(g, digits)
    return DASH if dashes else number(node.grad, digits)


def _cell(cell_id: str, tooltip: str, text: str) -> str:
    # TOOLTIP + TARGET make the cell an anchor, the only way graphviz emits a cell's id
    return (f'<TD ID="{cell_id}" TOOLTIP="{escape(tooltip, attribute=True)}" TARGET="_self">'
            f"{html.escape(text)}</TD>")  # our own words: nothing for graphviz to trip on


def _label(node: Value, i: int, kind: str, prefix: str, grad_text: str, digits: int,
           highlighted: bool, name: str) -> str:
    if kind == "constant":  # a number in the expression: shown as itself, without a gradient
        cells = [f"<TD>{escape(name)}</TD>"]
    else:
        cells = [f"<TD><B>{escape(name)}</B></TD>"]
        if node.op is not None:
            cells.append(f'<TD BGCOLOR="#f2f2f2">{html.escape(node.op.symbol)}</TD>')
        cells.append(_cell(f"{prefix}d{i}", f"data of {name}",
                           f"data {number(node.data, digits)}"))
        cells.append(_cell(f"{prefix}g{i}", f"grad of {name}", f"grad {grad_text}"))
    border, color = ("3", HIGHLIGHT_COLOR) if highlighted else ("0", "#444444")
    return (f'<<TABLE BORDER="{border}" COLOR="{color}" CELLBORDER="1" CELLSPACING="0" '
            f'CELLPADDING="4" BGCOLOR="{KIND_COLORS[kind]}"><TR>{"".join(cells)}</TR></TABLE>>')


def _legend(kinds: Iterable[str], prefix: str, highlight: bool) -> str:
    rows = [f'<TR><TD BGCOLOR="{KIND_COLORS[k]}">{k}</TD></TR>' for k in KIND_COLORS if k in kinds]
    if highlight:
        rows.append(f'<TR><TD BORDER="3" COLOR="{HIGHLIGHT_COLOR}">highlighted</TD></TR>')
    return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3">'
            f'<TR><TD BORDER="0"><B>legend</B></TD></TR>{"".join(rows)}</TABLE>>')


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    id_prefix: str = "",
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 300,
    params: Collection[Value] = (),
    grads: Mapping[Value, Any] | None = None,
    digits: int = 4,
    legend: bool = True,
) -> Drawing:
    """Draw ``root``'s graph: one node per Value (label, op, data, grad), one edge per operand.

    ``highlight``: a node or several (e.g. ``find_path(root, w1)``) drawn with a thick border;
    edges between two highlighted nodes too. ``params``: leaves to colour as parameters (e.g.
    ``model.parameters()``). ``grads``: gradients to show instead of ``.grad``. The result
    renders like any graphviz graph (``.render``, ``.pipe``, inline in Jupyter).
    """
    if type(root) is not Value:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if id_prefix and not _PREFIX.fullmatch(id_prefix):
        raise ValueError(f"draw_dot: id_prefix must be letters, digits, _ or -, got {id_prefix!r}")
    order = walk(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            f"pass max_nodes={len(order)} to draw it anyway (slow to lay out and hard to read), "
            "or draw a smaller part of it")
    index = {node: i for i, node in enumerate(order)}
    params = set(params)
    marked = _highlighted(highlight, index)
    dashes = grads is None and all(node.grad == 0.0 for node in order)

    p = id_prefix
    g = Drawing(name=f"{p}stepgrad", format="svg")
    # nslimit caps dot's x-placement passes: a value used by every step (a fan of long edges)
    # took minutes at 300 nodes without it; graphs of usual size converge long before the cap
    g.attr("graph", rankdir=rankdir, id=f"{p}graph", fontname="Helvetica", bgcolor="white",
           nslimit="5")
    g.attr("node", shape="plain", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="10", arrowsize="0.7", color="#444444")
    kinds = []
    called = node_names(order, params)  # the names every view uses (vN for unlabelled nodes)
    for i, node in enumerate(order):
        kind = _kind(node, root, params)
        kinds.append(kind)
        text = _grad_text(node, grads, dashes, digits)
        g.node(f"{p}n{i}", _label(node, i, kind, p, text, digits, node in marked, called[node]),
               id=f"{p}n{i}")
    for i, node in enumerate(order):
        op = node.op
        if op is None:
            continue
        names = op.operand_names(len(node.parents))
        for slot, parent in enumerate(node.parents):
            attrs = {"id": f"{p}e{i}_{slot}"}
            if op.name in ORDERED_OPS:
                attrs["label"] = names[slot]
            if node in marked and parent in marked:
                attrs.update(color=HIGHLIGHT_COLOR, penwidth="2.5")
            g.edge(f"{p}n{index[parent]}", f"{p}n{i}", **attrs)
    if legend:
        with g.subgraph(name=f"cluster_{p}legend") as c:
            c.attr(id=f"{p}legend", style="invis")
            c.node(f"{p}legend_table", _legend(set(kinds), p, bool(marked)), id=f"{p}legend_table")
    return g


def _highlighted(highlight: Value | Iterable[Value] | None, index: dict[Value, int]) -> set[Value]:
    if highlight is None:
        return set()
    nodes = [highlight] if isinstance(highlight, Value) else list(highlight)
    for v in nodes:
        if type(v) is not Value:
            raise TypeError(f"draw_dot: highlight must be Values, got {type(v).__name__}")
        if v not in index:
            raise ValueError(f"draw_dot: highlighted {v!r} is not in the graph of root")
    return set(nodes)
