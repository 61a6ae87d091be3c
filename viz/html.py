"""The interactive backprop stepper: one self-contained, offline HTML page per graph.

The page (templates ``viz/static/stepper.html`` and ``stepper-body.html``) holds ``draw_dot``'s
drawing as inline SVG, the trace of ``backprop_steps`` as JSON with every word of every step
(made by `viz.narrate`, the same words the terminal shows), and a small script
(``viz/static/stepper.js``) that walks through it: a forward phase (each op node's value appears
in walk order), the seed, then one step per chain-rule contribution, with the active node and
edge highlighted, the arithmetic spelled out and the gradients filling in.

Page steps: 0 shows only the leaves; 1..F are the forward steps (F = number of op nodes);
F + 1 is the seed; F + 2 + k is the k-th trace step that does not go into a constant (see
`Stepper.page_step`). Test hooks: the root element ``#{prefix}root`` carries ``data-step``,
``data-phase``, ``data-trace-step`` (the index in ``trace.steps``) and ``data-zoom``; node i's
grad cell is ``#{prefix}g{i}`` (data cell ``#{prefix}d{i}``; a constant has neither);
``window.stepgrad[prefix]`` has ``go(n)``, ``next()``, ``prev()``, ``play()``, ``pause()`` and
``state()`` (full-precision data and grads as shown, and the zoom).
"""

from __future__ import annotations

import html
import json
import math
import os
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from autograd import Trace, Value, backprop_steps, walk
from autograd._files import write_atomic  # the one atomic writer
from autograd.foreign import as_stepgrad
from viz._format import DASH
from viz._page import asset, fill, page
from viz.dot import draw_dot, svg_cell_id
from viz.narrate import Narration, Words
from viz.quiz import EXERCISE_IDS, exercise_data, exercise_panel

__all__ = ["DIGITS", "MAX_NODES", "Stepper", "stepper_html"]

MAX_NODES = 2000
"""Default node limit: a 2-16-16-1 MLP built op by op (about 1000 nodes) fits with room to spare."""

DIGITS = 4
"""Default decimals of the page's numbers, as draw_dot and the terminal stepper write them."""
_UNKNOWN = "?"  # a data cell before the forward pass reaches it
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
# the ids (after the prefix) of the page's own elements, which the drawing must not use
_OWN_IDS = frozenset({"root", "first", "prev", "play", "next", "last", "speed", "slider", "counter",
                      "fit", "narration", "card", "head", "chain", "local", "upstream",
                      "product", "update", "view", "data", "row-local", "row-upstream",
                      "row-product", "row-update"}) | EXERCISE_IDS

def _params(params: Any) -> frozenset[Value]:
    """``params=`` as a set of Values (e.g. ``model.parameters()``), or a TypeError."""
    if isinstance(params, (str, bytes, Value)) or not isinstance(params, Iterable):
        raise TypeError(f"Stepper: params must be a list of Values (e.g. model.parameters()), "
                        f"got {type(params).__name__}")
    found = frozenset(params)
    strays = [type(p).__name__ for p in found if type(p) is not Value]
    if strays:
        raise TypeError(f"Stepper: params must hold Values, got a {strays[0]}")
    return found


def _num(x: float) -> float | str:
    """A float as JSON accepts it: non-finite values become strings the page decodes."""
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&`` or line
    separators can end the element or confuse a parser (``ensure_ascii`` covers U+2028/9)."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Stepper:
    """An interactive backprop stepper over ``root``'s graph, as one offline HTML page.

    ``grad`` seeds the backward pass; a graph of more than ``max_nodes`` nodes is refused with
    a ValueError (the page would be too large to follow). Numbers show ``digits`` decimals.
    ``params`` are leaves coloured and named as parameters (e.g. ``model.parameters()``), as in
    `draw_dot`. ``save(path)`` writes the page, ``html()`` returns it, and Jupyter shows it inline.
    """

    def __init__(self, root: Value, *, grad: float = 1.0, max_nodes: int = MAX_NODES,
                 title: str | None = None, digits: int = DIGITS, exercise: bool = False,
                 params: Iterable[Value] = ()) -> None:
        root = as_stepgrad(root, grads=False)  # a micrograd-style Value of any engine
        if type(root) is not Value:
            raise TypeError(f"Stepper: root must be a Value, got {type(root).__name__}")
        if type(max_nodes) is not int or max_nodes < 1:
            raise ValueError(f"Stepper: max_nodes must be a positive int, got {max_nodes!r}")
        if type(digits) is not int or not 1 <= digits <= 15:
            raise ValueError(f"Stepper: digits must be an int from 1 to 15, got {digits!r}")
        if title is not None and type(title) is not str:
            raise TypeError(f"Stepper: title must be a str, got {type(title).__name__}")
        params = _params(params)
        size = len(walk(root))
        if size > max_nodes:
            raise ValueError(
                f"Stepper: the graph has {size} nodes, more than max_nodes={max_nodes}, too many "
                f"to follow step by step. Pass max_nodes={size} to build the page anyway, or "
                "shrink the graph: fused ops (autograd.dot, autograd.sum_values) make one node "
                "of a whole weighted sum.")
        self.trace: Trace = backprop_steps(root, grad)
        """The recorded backward pass the page walks through."""
        self.params: frozenset[Value] = params
        """Leaves drawn and named as parameters."""
        self.title = f"Backpropagation of {root.label or 'the output'}" if title is None else title
        """Shown above the stepper and as the page title."""
        self.digits = digits
        """Decimals of every number on the page."""
        if type(exercise) is not bool:
            raise TypeError(f"Stepper: exercise must be True or False, got {exercise!r}")
        self.exercise = exercise
        """Exercise mode: the learner types each gradient of the backward pass (exercise.js)."""
        self.narration = Narration(self.trace, params=self.params, digits=digits)
        """The names and words the page shows (the terminal stepper shows the same)."""
        # random, so that steppers shown in one notebook (even across kernel restarts) never
        # share element ids
        self.prefix = f"sg{secrets.token_hex(4)}-"
        """The id prefix of every element of this stepper (and its key in ``window.stepgrad``)."""

    @property
    def forward_steps(self) -> int:
        """How many forward steps the page has (one per op node)."""
        return sum(1 for node in self.trace.order if node.op is not None)

    @property
    def last_step(self) -> int:
        """The number of the page's last step: forward steps, the seed, then the backward steps
        (every trace step but those into a constant)."""
        return self.forward_steps + 1 + len(self.narration.steps)

    def page_step(self, k: int) -> int:
        """The page step that shows ``trace.steps[k]`` (a ValueError if it goes to a constant)."""
        steps = self.trace.steps
        if not 0 <= k < len(steps):
            raise IndexError(f"page_step: the trace has {len(steps)} steps, no step {k}")
        if self.narration.constant(steps[k].operand):
            raise ValueError(f"page_step: trace step {k} passes gradient to a constant, which the "
                             "page does not show")
        return self.forward_steps + 2 + self.narration.steps.index(steps[k])

    def __repr__(self) -> str:
        t = self.trace
        return (f"<Stepper {self.title!r}: {len(t.order)} nodes, {self.forward_steps} forward "
                f"and {len(self.narration.steps)} backward steps>")

    # -- the page -------------------------------------------------------------------------
    def html(self) -> str:
        """The whole page: one self-contained HTML document that makes no network request."""
        return page(title=self.title, css=self._css(), body=self._body(),
                    script=self._script(standalone=True), body_class="sg-page")

    def _repr_html_(self) -> str:
        """The stepper inline in Jupyter: the page's body, keys active while it has focus."""
        # no CSP meta here: inside a notebook it would apply to the whole notebook page
        return (f"<style>{self._css()}</style>\n{self._body()}\n"
                f"<script>{self._script(standalone=False)}</script>")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically (a complete file or none) and return the path."""
        target = Path(path)
        write_atomic(target, self.html())
        return target

    def _css(self) -> str:
        return asset("stepper.css") + (asset("exercise.css") if self.exercise else "")

    def _script(self, *, standalone: bool) -> str:
        call = f"stepgradStepper({json.dumps(self.prefix)}, {json.dumps(standalone)})"
        if self.exercise:  # exercise mode drives the stepper through its hooks
            call = f"{asset('exercise.js')}\nstepgradExercise({json.dumps(self.prefix)}, {call})"
        return f"(function () {{\n{asset('stepper.js')}\n{call};\n}})();"

    def _body(self) -> str:
        warning = self.narration.warning
        speeds = "".join(f'<option value="{ms}"{" selected" if ms == 700 else ""}>{name}</option>'
                         for ms, name in ((1500, "slow"), (700, "normal"), (300, "fast"),
                                          (80, "fastest")))
        return fill(
            "stepper-body.html", p=self.prefix, title=html.escape(self.title),
            last=str(self.last_step), speeds=speeds, svg=self._svg,
            exercise=exercise_panel(self.prefix) + "\n" if self.exercise else "",
            warning=(f'<p class="sg-warning" role="note">{html.escape(warning)}</p>\n'
                     if warning else ""),
            data=_json_for_script(self._data)).rstrip("\n")

    def _pages(self) -> list[Words]:
        """The words of every page step, from `Narration`, with the page's counters."""
        n = self.narration
        forward = [node for node in self.trace.order if node.op is not None]
        f, b = len(forward), len(n.steps)
        pages = [n.start()]
        for i, node in enumerate(forward, 1):
            pages.append(Words(f"Forward {i} of {f}: {n.forward(node)}",
                               line=f"Forward step {i} of {f}: {n.names[node]} = "
                                    f"{n.num(node.data)}."))
        pages.append(n.seed())
        for k, step in enumerate(n.steps, 1):
            words = n.step(step)
            pages.append(words._replace(head=f"Backward {k} of {b}: {words.head}",
                                        line=f"Backward step {k} of {b}: {words.line}"))
        if len(pages) > 1:
            pages[-1] = pages[-1]._replace(line=f"{pages[-1].line} Done: every gradient is known.")
        return pages

    @cached_property
    def _data(self) -> dict[str, Any]:
        """The trace as the page reads it: structure, numbers, and every word it shows."""
        t, n = self.trace, self.narration
        index = {node: i for i, node in enumerate(t.order)}
        nodes = [{
            "name": n.names[node],
            "term": n.terms[node],
            "op": node.op.name if node.op else None,
            "constant": n.constant(node),
            "parents": [index[p] for p in node.parents],
            "data": _num(node.data),
            "dataText": n.num(node.data),
        } for node in t.order]
        steps = [{
            "index": s.index, "node": index[s.node], "slot": s.slot, "operand": index[s.operand],
            **{k: _num(getattr(s, k)) for k in ("local", "upstream", "contribution", "before",
                                                 "after")},
            **{f"{k}Text": n.num(getattr(s, k)) for k in ("upstream", "before", "after")},
        } for s in n.steps]
        pages = [{"head": w.head, "rows": {k: v for k, v in w.rows.items() if v}, "line": w.line}
                 for w in self._pages()]
        prefixes = self._cell_prefixes
        return {
            "title": self.title,
            "root": len(t.order) - 1,
            "seed": _num(t.seed),
            "seedText": n.num(t.seed),
            "nodes": nodes,
            "forward": [i for i, node in enumerate(t.order) if node.op is not None],
            "steps": steps,
            "pages": pages,
            "dataPrefix": prefixes.get("d", "data "),
            "gradPrefix": prefixes.get("g", "grad "),
            "dash": DASH,
            "unknown": _UNKNOWN,
            **({"exercise": exercise_data(n)} if self.exercise else {}),
        }

    @cached_property
    def _drawing(self) -> tuple[str, dict[str, str]]:
        """draw_dot's SVG made ready to animate, and the words before each cell's number."""
        t, n = self.trace, self.narration
        svg_bytes = draw_dot(t.root, id_prefix=self.prefix, grads=t.grads, params=self.params,
                             max_nodes=len(t.order), digits=self.digits).pipe(format="svg")
        svg = ET.fromstring(svg_bytes)
        by_id = {el.get("id"): el for el in svg.iter() if el.get("id")}
        _unwrap_links(svg)
        for el in list(svg.iter()):  # graphviz's tooltips name internal ids: replaced below
            for title in el.findall(f"{{{_SVG_NS}}}title"):
                el.remove(title)
        prefixes: dict[str, str] = {}
        p = self.prefix
        clash = sorted(k for k in by_id if k and k.removeprefix(p) in _OWN_IDS)
        if clash:
            raise RuntimeError(f"Stepper: draw_dot's SVG uses the stepper's own ids {clash}")
        for i, node in enumerate(t.order):
            group = _need(by_id, f"{p}n{i}")
            tip = ET.Element(f"{{{_SVG_NS}}}title")
            tip.text = n.names[node] + (f" = {n.expression(node)}" if node.op else "")
            group.insert(0, tip)
            for slot in range(len(node.parents)):
                _need(by_id, f"{p}e{i}_{slot}")
            if n.constant(node):
                continue  # drawn as its number: no data or grad cell
            shown = {"d": n.num(node.data), "g": n.num(t.grads[node])}
            for kind, value in shown.items():
                before = _ready_cell(by_id, f"{p}{kind}{i}", value)
                if prefixes.setdefault(kind, before) != before:
                    raise RuntimeError(f"Stepper: draw_dot's cells {p}{kind}* are not worded alike")
        return ET.tostring(svg, encoding="unicode"), prefixes

    @property
    def _svg(self) -> str:
        return self._drawing[0]

    @property
    def _cell_prefixes(self) -> dict[str, str]:
        return self._drawing[1]


def stepper_html(root: Value, *, grad: float = 1.0, max_nodes: int = MAX_NODES,
                 title: str | None = None, digits: int = DIGITS,
                 params: Iterable[Value] = ()) -> str:
    """The stepper page of ``root``'s backward pass as one HTML string (see `Stepper`)."""
    return Stepper(root, grad=grad, max_nodes=max_nodes, title=title, digits=digits,
                   params=params).html()


def _ready_cell(by_id: dict[str | None, ET.Element], cell_id: str, value: str) -> str:
    """Give a data or grad cell its id and centre its number; return the words before it."""
    cell = _need(by_id, svg_cell_id(cell_id))
    cell.set("id", cell_id)
    texts = cell.findall(f".//{{{_SVG_NS}}}text")
    text = "".join(texts[-1].itertext()) if texts else ""
    if not text.endswith(value):
        raise RuntimeError(f"Stepper: draw_dot's cell {cell_id} reads {text!r}, expected it to "
                           f"end with {value!r}")
    if len(texts) == 1:
        _center(cell, texts[0])
    return text[: len(text) - len(value)]


def _need(by_id: dict[str | None, ET.Element], key: str) -> ET.Element:
    el = by_id.get(key)
    if el is None:
        raise RuntimeError(f"Stepper: draw_dot's SVG has no element with id {key!r}; the stepper "
                           "needs its node, edge and cell ids (see viz.dot)")
    return el


def _unwrap_links(svg: ET.Element) -> None:
    # graphviz writes a cell's id only on anchors; the <a> itself would be a dead link and its
    # tooltip names graphviz's ids, so its children take its place
    for parent in list(svg.iter()):
        for i, child in reversed(list(enumerate(parent))):
            if child.tag == f"{{{_SVG_NS}}}a":
                parent.remove(child)
                for j, grandchild in enumerate(child):
                    parent.insert(i + j, grandchild)


def _center(cell: ET.Element, text: ET.Element) -> None:
    # numbers change width as they change; centred on the cell they stay inside its box
    boxes = cell.findall(f".//{{{_SVG_NS}}}polygon")
    if not boxes:
        return
    xs = [float(pt.split(",")[0]) for pt in (boxes[-1].get("points") or "").split()]
    if xs:
        text.set("text-anchor", "middle")
        text.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")


ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", _XLINK_NS)
