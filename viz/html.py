"""The interactive backprop stepper: one self-contained, offline HTML page per graph.

The page holds ``draw_dot``'s drawing as inline SVG, the trace of ``backprop_steps`` as JSON, and
a small script (``viz/static/stepper.js``) that walks through it: a forward phase (each op node's
value appears in walk order), the seed, then one step per chain-rule contribution, with the
active node and edge highlighted, the arithmetic spelled out and the gradients filling in.

Page steps: 0 shows only the leaves; 1..F are the forward steps (F = number of op nodes);
F + 1 is the seed; F + 2 + k is ``trace.steps[k]``. Test hooks: the root element
``#{prefix}root`` carries ``data-step``, ``data-phase`` and ``data-trace-step``; node i's grad
cell is ``#{prefix}g{i}`` (data cell ``#{prefix}d{i}``); ``window.stepgrad[prefix]`` has
``go(n)``, ``next()``, ``prev()``, ``play()``, ``pause()`` and ``state()`` (full-precision data
and grads as shown).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from autograd import Trace, Value, backprop_steps, walk
from autograd._files import write_atomic  # the one atomic writer
from autograd.foreign import as_stepgrad
from viz._format import DASH, expression, local_formula, node_names, number, term
from viz.dot import draw_dot, svg_cell_id, visible
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
                      "contribution", "update", "view", "data"}) | EXERCISE_IDS
_CSP = ("default-src 'none'; script-src '{script}'; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'")


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


def _asset(name: str) -> str:
    text = resources.files("viz").joinpath("static").joinpath(name).read_text(encoding="utf-8")
    # inlined verbatim, so these would end the <script>/<style> element early
    if "</script" in text.lower() or "</style" in text.lower():
        raise RuntimeError(f"viz/static/{name} must not contain '</script' or '</style'")
    return text


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
    ``save(path)`` writes the page, ``html()`` returns it, and Jupyter shows it inline.
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
        size = len(walk(root))
        if size > max_nodes:
            raise ValueError(
                f"Stepper: the graph has {size} nodes, more than max_nodes={max_nodes}, too many "
                f"to follow step by step. Pass max_nodes={size} to build the page anyway, or "
                "shrink the graph: fused ops (autograd.dot, autograd.sum_values) make one node "
                "of a whole weighted sum.")
        self.trace: Trace = backprop_steps(root, grad)
        """The recorded backward pass the page walks through."""
        self.title = f"Backpropagation of {root.label or 'the output'}" if title is None else title
        """Shown above the stepper and as the page title."""
        self.digits = digits
        """Decimals of every number on the page."""
        if type(exercise) is not bool:
            raise TypeError(f"Stepper: exercise must be True or False, got {exercise!r}")
        self.exercise = exercise
        """Exercise mode: the learner types each gradient of the backward pass (exercise.js)."""
        self.params = _params(params)
        """Leaves drawn as parameters rather than inputs, as draw_dot's ``params=``."""
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
        """The number of the page's last step: forward steps, the seed, then the trace steps."""
        return self.forward_steps + 1 + len(self.trace.steps)

    def page_step(self, k: int) -> int:
        """The page step that shows ``trace.steps[k]``."""
        if not 0 <= k < len(self.trace.steps):
            raise IndexError(f"page_step: the trace has {len(self.trace.steps)} steps, no step {k}")
        return self.forward_steps + 2 + k

    def __repr__(self) -> str:
        t = self.trace
        return (f"<Stepper {self.title!r}: {len(t.order)} nodes, {self.forward_steps} forward "
                f"and {len(t.steps)} backward steps>")

    # -- the page -------------------------------------------------------------------------
    def html(self) -> str:
        """The whole page: one self-contained HTML document that makes no network request."""
        script = self._script(standalone=True)
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        csp = _CSP.format(script=f"sha256-{digest}")
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{self._css()}</style>\n"
            f"</head>\n<body>\n{self._body()}\n<script>{script}</script>\n</body>\n</html>\n")

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
        return _asset("stepper.css") + (_asset("exercise.css") if self.exercise else "")

    def _script(self, *, standalone: bool) -> str:
        call = f"stepgradStepper({json.dumps(self.prefix)}, {json.dumps(standalone)})"
        if self.exercise:  # exercise mode drives the stepper through its hooks
            call = f"{_asset('exercise.js')}\nstepgradExercise({json.dumps(self.prefix)}, {call})"
        return f"(function () {{\n{_asset('stepper.js')}\n{call};\n}})();"

    def _body(self) -> str:
        p, t = self.prefix, self.trace
        e = html.escape
        warning = f'<p class="sg-warning" role="note">{e(t.warning)}</p>\n' if t.warning else ""
        last = self.last_step
        speeds = "".join(f'<option value="{ms}"{" selected" if ms == 700 else ""}>{name}</option>'
                         for ms, name in ((1500, "slow"), (700, "normal"), (300, "fast"),
                                          (80, "fastest")))
        return f"""<div class="sg-stepper" id="{p}root" data-step="0" data-last="{last}"
 tabindex="0" role="group" aria-label="Backpropagation stepper: {e(self.title)}">
<p class="sg-title">{e(self.title)}</p>
{warning}<div class="sg-controls">
<button type="button" id="{p}first" title="First step (Home)">\u21e4 First</button>
<button type="button" id="{p}prev" title="Previous step (Left arrow)">\u25c0 Prev</button>
<button type="button" id="{p}play" aria-pressed="false"
 title="Play or pause (Space)">\u25b6 Play</button>
<button type="button" id="{p}next" title="Next step (Right arrow)">Next \u25b6</button>
<button type="button" id="{p}last" title="Last step (End)">Last \u21e5</button>
<label>speed <select id="{p}speed">{speeds}</select></label>
<input type="range" class="sg-slider" id="{p}slider" min="0" max="{last}" value="0" step="1"
 aria-label="Step">
<span class="sg-counter" id="{p}counter">step 0 / {last}</span>
<button type="button" id="{p}fit" aria-pressed="false"
 title="Shrink the drawing to fit">Fit</button>
</div>
<p class="sg-narration" id="{p}narration" aria-live="polite"></p>
<div class="sg-card" id="{p}card">
<p class="sg-head" id="{p}head"></p>
<table class="sg-chain" id="{p}chain" hidden><tbody>
<tr><th scope="row">local derivative</th><td id="{p}local"></td></tr>
<tr><th scope="row">upstream gradient</th><td id="{p}upstream"></td></tr>
<tr><th scope="row">local \u00d7 upstream</th><td id="{p}contribution"></td></tr>
<tr><th scope="row">gradient</th><td id="{p}update"></td></tr>
</tbody></table>
</div>
{exercise_panel(p) if self.exercise else ""}
<div class="sg-graph" id="{p}view">
{self._svg}
</div>
<noscript><p>The stepper needs JavaScript; the drawing above shows the final gradients.</p>
</noscript>
<p class="sg-help">Keys: \u2190 \u2192 step, Home/End first/last, Space play/pause. Orange:
the active node and edge; blue: its operands (forward), the operand receiving gradient
(backward); yellow: the value just computed.</p>
</div>
<script type="application/json" id="{p}data">{_json_for_script(self._data)}</script>"""

    @cached_property
    def _data(self) -> dict[str, Any]:
        """The trace as the page reads it: numbers, and the same numbers as draw_dot writes them."""
        t = self.trace
        order = t.order
        index = {node: i for i, node in enumerate(order)}
        names = node_names(order)
        terms = {v: term(n) for v, n in names.items()}
        shown = {v: _parenthesized(number(v.data, self.digits)) for v in order}
        nodes = [{
            "name": names[node],
            "term": terms[node],
            "op": node.op.name if node.op else None,
            "expr": expression(node, terms) if node.op else None,
            # the same expression with the operands' values: "2.0000 * (-3.0000)"
            "calc": expression(node, shown) if node.op else None,
            "parents": [index[p] for p in node.parents],
            "data": _num(node.data),
            "dataText": number(node.data, self.digits),
        } for node in order]
        steps = []
        for s in t.steps:
            values = {"local": s.local, "upstream": s.upstream, "contribution": s.contribution,
                      "before": s.before, "after": s.after}
            steps.append({
                "node": index[s.node], "slot": s.slot, "operand": index[s.operand],
                "formula": local_formula(s, terms),
                **{k: _num(v) for k, v in values.items()},
                "text": {k: number(v, self.digits) for k, v in values.items()},
            })
        prefixes = self._cell_prefixes
        return {
            "title": self.title,
            "root": len(order) - 1,
            "seed": _num(t.seed),
            "seedText": number(t.seed, self.digits),
            "nodes": nodes,
            "forward": [i for i, node in enumerate(order) if node.op is not None],
            "steps": steps,
            "dataPrefix": prefixes["d"],
            "gradPrefix": prefixes["g"],
            "dash": DASH,
            "unknown": _UNKNOWN,
            **({"exercise": exercise_data(t, names, self.digits)} if self.exercise else {}),
        }

    @cached_property
    def _drawing(self) -> tuple[str, dict[str, str]]:
        """draw_dot's SVG made ready to animate, and the words before each cell's number."""
        t = self.trace
        order = t.order
        svg_bytes = draw_dot(t.root, id_prefix=self.prefix, grads=t.grads, params=self.params,
                             max_nodes=len(order), digits=self.digits).pipe(format="svg")
        svg = ET.fromstring(svg_bytes)
        names = {node: visible(name) for node, name in node_names(order).items()}  # no U+FFFE
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
        for i, node in enumerate(order):
            group = _need(by_id, f"{p}n{i}")
            tip = ET.Element(f"{{{_SVG_NS}}}title")
            tip.text = names[node] + (f" = {expression(node, names)}" if node.op else "")
            group.insert(0, tip)
            for slot in range(len(node.parents)):
                _need(by_id, f"{p}e{i}_{slot}")
            shown = {"d": number(node.data, self.digits), "g": number(t.grads[node], self.digits)}
            for kind, value in shown.items():
                cell = _need(by_id, svg_cell_id(f"{p}{kind}{i}"))
                cell.set("id", f"{p}{kind}{i}")
                texts = cell.findall(f".//{{{_SVG_NS}}}text")
                text = "".join(texts[-1].itertext()) if texts else ""
                if not text.endswith(value):
                    raise RuntimeError(f"Stepper: draw_dot's cell {p}{kind}{i} reads {text!r}, "
                                       f"expected it to end with {value!r}")
                prefixes.setdefault(kind, text[: len(text) - len(value)])
                if prefixes[kind] != text[: len(text) - len(value)]:
                    raise RuntimeError(f"Stepper: draw_dot's cells {p}{kind}* are not worded alike")
                if len(texts) == 1:
                    _center(cell, texts[0])
        return ET.tostring(svg, encoding="unicode"), prefixes

    @property
    def _svg(self) -> str:
        return self._drawing[0]

    @property
    def _cell_prefixes(self) -> dict[str, str]:
        return self._drawing[1]


def stepper_html(root: Value, *, grad: float = 1.0, max_nodes: int = MAX_NODES,
                 title: str | None = None, digits: int = DIGITS) -> str:
    """The stepper page of ``root``'s backward pass as one HTML string (see `Stepper`)."""
    return Stepper(root, grad=grad, max_nodes=max_nodes, title=title, digits=digits).html()


def _parenthesized(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


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
