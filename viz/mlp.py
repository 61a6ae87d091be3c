"""`draw_mlp`: a multilayer perceptron as columns of neurons joined by its weights.

Edge colour is the weight's sign (blue positive, orange negative: the Okabe-Ito pair, told apart
with any colour vision), edge width grows with ``|w|``. A layer wider than ``max_neurons`` shows
its first and last neurons around a "(+N)" marker. Positions are fixed (graphviz ``neato``
with pinned nodes), so the same model gives the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from viz._format import number
from viz.dot import KIND_COLORS, Drawing, escape

__all__ = ["draw_mlp", "POSITIVE_COLOR", "NEGATIVE_COLOR", "ZERO_COLOR"]

POSITIVE_COLOR = "#0072b2"  # blue
NEGATIVE_COLOR = "#e69f00"  # orange
ZERO_COLOR = "#999999"
_MIN_WIDTH, _MAX_WIDTH = 0.25, 3.0
_DX, _DY = 2.2, 0.55  # inches between columns and between neurons


def _shown(n: int, max_neurons: int) -> list[int | None]:
    """Indices of the neurons drawn in a column of ``n``; None marks the "(+N)" gap."""
    if n <= max_neurons:
        return list(range(n))
    head = (max_neurons + 1) // 2
    tail = max_neurons - head
    return [*range(head), None, *range(n - tail, n)]


def _weight_style(w: float, biggest: float) -> dict[str, str]:
    color = POSITIVE_COLOR if w > 0 else NEGATIVE_COLOR if w < 0 else ZERO_COLOR
    # the ratio first: (3.0 - 0.25) * 1e308 would overflow to inf
    width = _MIN_WIDTH + (_MAX_WIDTH - _MIN_WIDTH) * (abs(w) / biggest) if biggest else _MIN_WIDTH
    return {"color": color, "penwidth": f"{width:.2f}", "tooltip": f"w = {number(w)}"}


def _layers(model: Any) -> tuple[int, list[Any]]:
    try:
        nin, layers = int(model.nin), list(model.layers)
        for layer in layers:
            for neuron in layer.neurons:
                neuron.w, neuron.b  # noqa: B018 -- fail here, with a clear message, if absent
    except (AttributeError, TypeError) as err:
        raise TypeError(f"draw_mlp: needs an MLP (nin, layers[i].neurons[j].w and .b), got "
                        f"{type(model).__name__}: {err}") from None
    if not layers:
        raise ValueError("draw_mlp: the model has no layers")
    return nin, layers


def draw_mlp(model: Any, *, max_neurons: int = 10, input_labels: Sequence[str] | None = None,
             legend: bool = True) -> Drawing:
    """Draw ``model`` (an `nn.MLP`): input, hidden and output columns, weights as edges."""
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int):
        raise TypeError(f"draw_mlp: max_neurons must be an int, got {type(max_neurons).__name__}")
    if max_neurons < 2:
        raise ValueError(f"draw_mlp: max_neurons must be at least 2, got {max_neurons}")
    nin, layers = _layers(model)
    labels = list(input_labels) if input_labels is not None else [f"x{k + 1}" for k in range(nin)]
    for label in labels:
        if not isinstance(label, str):
            raise TypeError(f"draw_mlp: input_labels must be strings, got "
                            f"{type(label).__name__} {label!r:.40}")
    if len(labels) != nin:
        raise ValueError(f"draw_mlp: {len(labels)} input labels for {nin} inputs")
    widths = [nin] + [len(layer.neurons) for layer in layers]
    columns = [_shown(n, max_neurons) for n in widths]
    weights = [abs(w.data) for layer in layers for neuron in layer.neurons for w in neuron.w]
    biggest = max(weights, default=0.0)
    tallest = max(len(c) for c in columns)

    g = Drawing(name="mlp", format="svg", engine="neato")
    g.attr("graph", id="mlp", fontname="Helvetica", bgcolor="white", splines="false",
           outputorder="edgesfirst")
    g.attr("node", fontname="Helvetica", fontsize="10", fixedsize="true", width="0.38")
    g.attr("edge", arrowhead="none")

    def pos(col: int, row: int, rows: int) -> str:
        y = (tallest - rows) * _DY / 2 + (rows - 1 - row) * _DY  # centred columns
        return f"{col * _DX:.3f},{y:.3f}!"

    for col, shown in enumerate(columns):
        if col == 0:
            title = f"input ({nin})"
        else:
            layer = layers[col - 1]
            kind = "output" if col == len(columns) - 1 else f"hidden {col}"
            title = f"{kind} ({widths[col]}, {getattr(layer.neurons[0], 'activation', '?')})"
        g.node(f"title{col}", title, id=f"title{col}", shape="plaintext", fixedsize="false",
               pos=f"{col * _DX:.3f},{tallest * _DY:.3f}!")
        for row, j in enumerate(shown):
            if j is None:
                g.node(f"more{col}", f"(+{widths[col] - len(shown) + 1})", id=f"more{col}",
                       shape="plaintext", pos=pos(col, row, len(shown)))
            elif col == 0:
                g.node(f"c0_{j}", f"<{escape(labels[j])}>", id=f"c0_{j}", shape="circle",
                       style="filled", fillcolor=KIND_COLORS["input"],
                       pos=pos(col, row, len(shown)))
            else:
                b = layers[col - 1].neurons[j].b.data
                g.node(f"c{col}_{j}", "", id=f"c{col}_{j}", shape="circle", style="filled",
                       fillcolor=KIND_COLORS["output"] if col == len(columns) - 1 else "#f2f2f2",
                       tooltip=f"neuron {j + 1}, b = {number(b)}", pos=pos(col, row, len(shown)))
    for col in range(1, len(columns)):
        for j in columns[col]:
            if j is None:
                continue
            w = layers[col - 1].neurons[j].w
            for k in columns[col - 1]:
                if k is not None:
                    g.edge(f"c{col - 1}_{k}", f"c{col}_{j}", id=f"w{col - 1}_{j}_{k}",
                           **_weight_style(w[k].data, biggest))
    if legend:
        g.node("legend", _legend(biggest), id="legend", shape="plaintext", fixedsize="false",
               pos=f"{(len(columns) - 1) * _DX / 2:.3f},{-1.1:.3f}!")
    return g


def _legend(biggest: float) -> str:
    return (
        '<<TABLE BORDER="0" CELLSPACING="4"><TR>'
        f'<TD><FONT COLOR="{POSITIVE_COLOR}"><B>&#8212;&#8212;</B></FONT> weight &gt; 0</TD>'
        f'<TD><FONT COLOR="{NEGATIVE_COLOR}"><B>&#8212;&#8212;</B></FONT> weight &lt; 0</TD>'
        f"<TD>width &#8733; |w| (largest {number(biggest, 3)})</TD>"
        "</TR></TABLE>>"
    )
