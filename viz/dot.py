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
import os
import re
import subprocess
import tempfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import graphviz
from graphviz.backend.dot_command import command as _dot_command

from autograd import Value, walk
from autograd.foreign import as_stepgrad
from viz._format import DASH, is_constant, node_names, number

__all__ = [
    "GraphvizNotFound",
    "GraphvizError",
    "GraphTooLarge",
    "Drawing",
    "LayoutCost",
    "layout_cost",
    "check_layout",
    "shorten",
    "visible",
    "MAX_LABEL",
    "MAX_EDGES",
    "MAX_LAYOUT_WORK",
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
# control characters, lone surrogates and Unicode's noncharacters (XML refuses U+FFFE, U+FFFF)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
MAX_LABEL = 200
"""Characters of user text shown in a drawing's label; longer text is cut (its tooltip says so):
Graphviz refuses a label over 16 KB and lays out very wide ones slowly."""


class GraphvizNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]  # graphviz: no hints
    """Rendering needs Graphviz's `dot` program; the message says how to install it."""

    def __init__(self) -> None:
        RuntimeError.__init__(self, _INSTALL_HINT)


class GraphvizError(RuntimeError):
    """Graphviz's `dot` failed or took too long; the message says why, in one line."""


class GraphTooLarge(ValueError):
    """The graph would take Graphviz too long to lay out; the message says why and what to do."""


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A `graphviz.Digraph` whose rendering fails with one clear error: `GraphvizNotFound` (with
    how to install it) or `GraphvizError` (dot failed, or ran longer than ``timeout`` seconds)."""

    timeout: float = 60.0
    """Seconds `dot` may run before it is stopped."""

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: bool | int | None = None,
             quiet: bool = False, *, engine: str | None = None,
             encoding: str | None = None) -> Any:
        """Render to bytes (or str with ``encoding=``); see `graphviz.Digraph.pipe`."""
        cmd = _dot_command(engine or self.engine, format or self.format, renderer=renderer,
                           formatter=formatter, neato_no_op=neato_no_op)
        out = _run_dot(cmd, self.source.encode(self.encoding), self.timeout)
        return out.decode(encoding) if encoding else out

    def _repr_image_svg_xml(self) -> str:
        """The SVG Jupyter shows inline, scaled down to the cell's width when wider."""
        svg: str = self.pipe(format="svg", encoding="utf-8")
        return _fit_width(svg)

    def render(self, filename: str | os.PathLike[str] | None = None,
               directory: str | os.PathLike[str] | None = None, *args: Any,
               outfile: str | os.PathLike[str] | None = None, **kwargs: Any) -> Any:
        """Render to a file; see `graphviz.Digraph.render`. With only ``outfile`` given (as in
        ``render(outfile="neuron.svg")``) the source goes to a temporary directory, so no
        ``neuron.gv`` beside it is created or overwritten."""
        try:
            if outfile is None or filename is not None or directory is not None:
                return super().render(filename, directory, *args, outfile=outfile, **kwargs)
            with tempfile.TemporaryDirectory() as tmp:
                return super().render(Path(tmp) / "source.gv", *args,
                                      outfile=os.path.abspath(outfile), **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound() from None
        except subprocess.CalledProcessError as err:
            raise GraphvizError(_dot_failure(err.returncode, err.stderr)) from None


def _fit_width(svg: str) -> str:
    """Let an SVG shrink to its container's width (never grow): a wide graph fits the cell."""
    return re.sub(r"<svg\b", '<svg style="max-width:100%;height:auto"', svg, count=1)


def _run_dot(cmd: list[Any], source: bytes, timeout: float) -> bytes:
    """``cmd``'s output for ``source`` on stdin, or one clear error."""
    try:
        # communicate() writes all input even when dot quits early (no BrokenPipeError)
        done = subprocess.run(cmd, input=source, capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise GraphvizNotFound() from None
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz's dot ran longer than {timeout:g} s and was stopped; "
                            "draw a smaller graph") from None
    if done.returncode != 0:
        raise GraphvizError(_dot_failure(done.returncode, done.stderr))
    return done.stdout


def _dot_failure(code: int, stderr: bytes | str | None) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr or ""
    if "longer than 16384" in text:
        return "a label is longer than Graphviz's limit of 16,384 bytes; shorten the label"
    if code < 0 or "out of memory" in text.lower():
        return f"Graphviz's dot was stopped (signal {-code}, out of memory?); draw a smaller graph"
    first = text.strip().splitlines()[0][:200] if text.strip() else "no message"
    return f"Graphviz's dot failed (exit status {code}): {first}"


def svg_cell_id(cell_id: str) -> str:
    """The id graphviz gives in SVG to the group holding a table cell with dot id ``cell_id``."""
    return "a_" + cell_id


def escape(text: str, *, attribute: bool = False, limit: int = MAX_LABEL) -> str:
    """User text made safe inside an HTML-like label (or attribute); control characters shown,
    text over ``limit`` characters cut (see `shorten`).

    ASCII punctuation becomes numeric entities: graphviz's label lexer trips on some plain
    characters (a lone ``]``), and it expands ``\\N``, ``\\G``... even in HTML labels, so a
    backslash is doubled (two read as one). Control characters, lone surrogates and
    noncharacters (U+FFFE...) are written as ``\\x1b``, ``\\ud800``, ``\\ufffe``.
    """
    text = _CONTROL.sub(_shown_code, shorten(text.replace("\t", " "), limit))
    text = "".join(_ENTITIES.get(c, c) for c in text)
    return text.replace("\n", "&#10;" if attribute else "<BR/>")


def visible(text: str) -> str:
    """``text`` with control characters, lone surrogates and noncharacters written as escapes
    (``\\x1b``), so printing it cannot move a terminal's cursor or break a file."""
    return _CONTROL.sub(_shown_code, text)


def _shown_code(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters, the cut marked ``…(+N)``."""
    if len(text) <= limit:
        return text
    kept = limit - 10
    return f"{text[:kept]}\u2026(+{len(text) - kept})"


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
    return "constant" if is_constant(node) else "input"


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


def _legend(kinds: Iterable[str], highlight: bool) -> str:
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
    format: str = "svg",
) -> Drawing:
    """Draw ``root``'s graph: one node per Value (label, op, data, grad), one edge per operand.

    ``highlight``: a node or several (e.g. ``find_path(root, w1)``) drawn with a thick border;
    edges between two highlighted nodes too. ``params``: leaves to colour as parameters (e.g.
    ``model.parameters()``). ``grads``: gradients to show instead of ``.grad``. The result
    renders like any graphviz graph (``.render``, ``.pipe``, inline in Jupyter); ``format``
    and ``rankdir`` are micrograd's keywords. User text over `MAX_LABEL` characters is cut,
    marked ``…(+N)``. A graph Graphviz would take too long to lay out (see `check_layout`) is
    refused with `GraphTooLarge`; large ones are laid out with cheaper settings.
    """
    root = as_stepgrad(root)  # a micrograd-style Value of any engine, read as stepgrad's
    if type(root) is not Value:
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_dot: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if id_prefix and not _PREFIX.fullmatch(id_prefix):
        raise ValueError(f"draw_dot: id_prefix must be letters, digits, _ or -, got {id_prefix!r}")
    _check_arguments(max_nodes, digits, format)
    order = walk(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            f"pass max_nodes={len(order)} to draw it anyway (slow to lay out and hard to read), "
            "or draw a smaller part of it")
    cost = LayoutCost(order)
    check_layout(cost)
    index = {node: i for i, node in enumerate(order)}
    params = set(params)
    marked = _highlighted(highlight, index)
    dashes = grads is None and all(node.grad == 0.0 for node in order)

    p = id_prefix
    g = Drawing(name=f"{p}stepgrad", format=format)
    g.attr("graph", rankdir=rankdir, id=f"{p}graph", fontname="Helvetica", bgcolor="white",
           **_layout_attrs(cost))
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
            c.node(f"{p}legend_table", _legend(set(kinds), bool(marked)), id=f"{p}legend_table")
    return g


class LayoutCost:
    """What makes Graphviz's `dot` slow, counted before layout: ``edges``; ``spans``, the ranks
    that edges cross beyond their first (dot adds a virtual node per crossed rank: a value used
    by every step of a long chain adds a quadratic number); ``fan_out``, the most uses of one
    node; ``fan_in``, the most operands of one node."""

    __slots__ = ("nodes", "edges", "spans", "fan_out", "fan_in", "busiest")

    def __init__(self, order: list[Value]) -> None:
        rank: dict[Value, int] = {}  # longest path from the leaves, as dot ranks operations
        uses: dict[Value, int] = {}
        first: dict[Value, int] = {}  # a leaf sits just before its first use
        for node in order:
            rank[node] = 1 + max((rank[p] for p in node.parents), default=-1)
            for p in node.parents:
                uses[p] = uses.get(p, 0) + 1
                first[p] = min(first.get(p, rank[node]), rank[node])
        for node in order:
            if node.op is None and node in first:
                rank[node] = first[node] - 1
        self.nodes = len(order)
        self.edges = sum(len(node.parents) for node in order)
        self.spans = sum(rank[node] - rank[p] - 1 for node in order for p in node.parents)
        self.fan_in = max((len(node.parents) for node in order), default=0)
        self.busiest = max(uses, key=uses.__getitem__, default=None)
        self.fan_out = uses.get(self.busiest, 0) if self.busiest is not None else 0

    def __repr__(self) -> str:
        return (f"LayoutCost(nodes={self.nodes}, edges={self.edges}, spans={self.spans}, "
                f"fan_out={self.fan_out}, fan_in={self.fan_in})")


# dot's work grows with nodes + edges + spans (its layout graph); past these it is refused,
# above _EASY it is laid out with cheaper settings; measured on a 2-core machine in 2026
MAX_LAYOUT_WORK = 100_000
MAX_EDGES = 5_000
_EASY = 3_000
_NS_BUDGET = 5e6  # network-simplex iterations x layout graph size: about 1 s


def layout_cost(root: Value) -> LayoutCost:
    """Counts that bound how long Graphviz takes to lay out ``root``'s graph."""
    return LayoutCost(walk(root))


def check_layout(cost: LayoutCost, who: str = "draw_dot: ") -> None:
    """Raise `GraphTooLarge` if a graph of ``cost`` would take Graphviz too long to lay out."""
    work = cost.nodes + cost.edges + cost.spans
    if work <= MAX_LAYOUT_WORK and cost.edges <= MAX_EDGES:
        return
    if cost.edges > MAX_EDGES:
        why = f"it has {cost.edges:,} edges (the limit is {MAX_EDGES:,})"
    else:
        why = (f"its edges cross {cost.spans:,} ranks of the layout (work {work:,}, the limit "
               f"is {MAX_LAYOUT_WORK:,})")
        if cost.fan_out > 20 and cost.busiest is not None:
            name = cost.busiest.label or "one value"
            why += f": {shorten(name, 40)} is used by {cost.fan_out} steps of a long chain"
    raise GraphTooLarge(
        f"{who}the graph would take Graphviz too long to lay out: {why}. Draw a smaller "
        "part of it, or write repeated terms as one (3*x rather than x + x + x)")


def _layout_attrs(cost: LayoutCost) -> dict[str, str]:
    """Graphviz settings that keep the layout of a graph of ``cost`` within seconds."""
    # nslimit caps dot's x-placement passes (a multiple of the node count): a value used by
    # every step took minutes without it; graphs of usual size converge long before the cap
    size = cost.nodes + cost.edges + cost.spans
    if size <= _EASY:
        return {"nslimit": "5"}
    # each pass costs about the layout graph's size: keep passes x size within the budget,
    # route edges as straight lines and cut crossing minimisation short
    nslimit = min(5.0, _NS_BUDGET / (max(cost.nodes, 1) * 2 * size))
    return {"nslimit": f"{nslimit:.3g}", "nslimit1": "2", "mclimit": "0.3",
            "remincross": "false", "splines": "line", "searchsize": "20"}


def _check_arguments(max_nodes: Any, digits: Any, format: Any) -> None:
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int):
        raise TypeError(f"draw_dot: max_nodes must be an int, got {type(max_nodes).__name__} "
                        f"{max_nodes!r:.40}")
    if max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be at least 1, got {max_nodes}")
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise TypeError(f"draw_dot: digits must be an int, got {type(digits).__name__}")
    if not 0 <= digits <= 17:
        raise ValueError(f"draw_dot: digits must be between 0 and 17, got {digits}")
    if format not in graphviz.FORMATS:
        raise ValueError(f"draw_dot: format {format!r:.40} is not one Graphviz writes (e.g. "
                         "svg, png, pdf)")


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
