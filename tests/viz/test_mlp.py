"""draw_mlp: edge colours follow weight signs, widths follow magnitudes, fixed columns,
big layers collapsed as "(+N)", the same picture for the same model."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from nn import MLP
from viz.mlp import NEGATIVE_COLOR, POSITIVE_COLOR, ZERO_COLOR, draw_mlp

SVG = "{http://www.w3.org/2000/svg}"


def rendered(model: MLP, **kw: int) -> dict[str, ET.Element]:
    svg = draw_mlp(model, **kw).pipe(format="svg")
    return {el.get("id"): el for el in ET.fromstring(svg).iter() if el.get("id")}  # type: ignore[misc]


def text_of(el: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in el.iter(f"{SVG}text"))


def weight_edges(ids: dict[str, ET.Element]) -> dict[tuple[int, int, int], ET.Element]:
    """Edge groups by (layer, neuron, input), read back from their ids."""
    found = {}
    for key, el in ids.items():
        m = re.fullmatch(r"w(\d+)_(\d+)_(\d+)", key)
        if m:
            found[tuple(map(int, m.groups()))] = el
    return found  # type: ignore[return-value]


def stroke(edge: ET.Element) -> tuple[str, float]:
    path = edge.find(f".//{SVG}path")
    assert path is not None
    return path.get("stroke", ""), float(path.get("stroke-width", "1"))


def test_every_edge_is_coloured_by_the_sign_of_its_weight() -> None:
    model = MLP(3, [4, 2], seed=1)
    model.layers[0].neurons[1].w[2].data = 0.0
    edges = weight_edges(rendered(model))
    assert len(edges) == 3 * 4 + 4 * 2
    for (layer, j, k), edge in edges.items():
        w = model.layers[layer].neurons[j].w[k].data
        expected = POSITIVE_COLOR if w > 0 else NEGATIVE_COLOR if w < 0 else ZERO_COLOR
        assert stroke(edge)[0] == expected
    signs = {stroke(e)[0] for e in edges.values()}
    assert {POSITIVE_COLOR, NEGATIVE_COLOR, ZERO_COLOR} <= signs  # the test saw every case


def test_flipping_a_weight_flips_its_colour() -> None:
    model = MLP(2, [2, 1], seed=3)
    w = model.layers[1].neurons[0].w[0]
    w.data = 0.7
    assert stroke(weight_edges(rendered(model))[(1, 0, 0)])[0] == POSITIVE_COLOR
    w.data = -0.7
    assert stroke(weight_edges(rendered(model))[(1, 0, 0)])[0] == NEGATIVE_COLOR


def test_edge_width_grows_with_the_weight_magnitude() -> None:
    model = MLP(4, [5, 3], seed=2)
    edges = weight_edges(rendered(model))
    pairs = sorted((abs(model.layers[la].neurons[j].w[k].data), stroke(e)[1])
                   for (la, j, k), e in edges.items())
    widths = [w for _, w in pairs]
    assert widths == sorted(widths) and widths[-1] > 2 * widths[0]


def test_columns_are_fixed_left_to_right_with_neurons_in_order() -> None:
    model = MLP(2, [3, 4, 1], seed=0)
    ids = rendered(model)
    xs: list[float] = []
    for col, n in enumerate([2, 3, 4, 1]):
        circles = [ids[f"c{col}_{j}"].find(f".//{SVG}ellipse") for j in range(n)]
        cx = {float(c.get("cx")) for c in circles}  # type: ignore[union-attr,arg-type]
        cy = [float(c.get("cy")) for c in circles]  # type: ignore[union-attr,arg-type]
        assert len(cx) == 1  # one column
        assert cy == sorted(cy)  # neuron 0 on top (SVG y grows downwards)
        xs.append(cx.pop())
    assert xs == sorted(xs) and len(set(xs)) == 4
    titles = [text_of(ids[f"title{c}"]) for c in range(4)]
    assert titles == ["input (2)", "hidden 1 (3, relu)", "hidden 2 (4, relu)",
                      "output (1, linear)"]


def test_big_layers_are_collapsed_with_the_hidden_count() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    ids = rendered(model, max_neurons=10)
    for col in (1, 2):
        shown = [j for j in range(16) if f"c{col}_{j}" in ids]
        assert shown == [0, 1, 2, 3, 4, 11, 12, 13, 14, 15]
        assert text_of(ids[f"more{col}"]) == "(+6)"
    assert len(weight_edges(ids)) == 2 * 10 + 10 * 10 + 10 * 1
    full = rendered(model, max_neurons=16)
    assert not any(k.startswith("more") for k in full)
    assert len(weight_edges(full)) == 2 * 16 + 16 * 16 + 16


def test_same_model_same_picture() -> None:
    first, second = MLP(2, [16, 16, 1], seed=5), MLP(2, [16, 16, 1], seed=5)
    assert draw_mlp(first).source == draw_mlp(second).source
    assert draw_mlp(first).pipe(format="svg") == draw_mlp(second).pipe(format="svg")


def test_legend_explains_colours_and_widths() -> None:
    legend = text_of(rendered(MLP(2, [3, 1], seed=0))["legend"])
    assert "weight > 0" in legend and "weight < 0" in legend and "|w|" in legend
    src = draw_mlp(MLP(2, [3, 1], seed=0)).source
    assert POSITIVE_COLOR in src.split("legend", 1)[1] and NEGATIVE_COLOR in src


def test_input_labels_and_bad_models() -> None:
    ids = rendered(MLP(2, [1], seed=0), input_labels=["age", "<b>"])  # type: ignore[arg-type]
    assert text_of(ids["c0_1"]) == "<b>"
    with pytest.raises(ValueError, match="2 input labels for 3 inputs"):
        draw_mlp(MLP(3, [1], seed=0), input_labels=["a", "b"])
    with pytest.raises(TypeError, match="needs an MLP"):
        draw_mlp(SimpleNamespace(nin=2))
    with pytest.raises(ValueError, match="max_neurons"):
        draw_mlp(MLP(2, [1], seed=0), max_neurons=1)


def test_a_weight_enters_its_dot_node_on_the_edge_with_its_own_index() -> None:
    from autograd import walk
    from nn import MLP
    from viz import draw_dot

    model = MLP(4, [3, 2], seed=0)
    out = model([0.5, -1.0, 2.0, 0.25])[0]
    names = dict((p, n) for n, p in model.named_parameters())
    source = draw_dot(out, max_nodes=1000).source
    order = walk(out)
    index = {v: i for i, v in enumerate(order)}
    checked = 0
    for node in order:
        if node.op is not None and node.op.name == "dot":
            for slot, parent in enumerate(node.parents):
                name = names.get(parent, "")
                if ".w." in name:
                    k = name.rsplit(".", 1)[1]
                    edge = f"n{index[parent]} -> n{index[node]} [label=w_{k}"
                    assert edge in source.replace('"', ""), (name, slot)
                    checked += 1
    assert checked == 4 * 3 + 3  # every first-layer weight, the first output neuron's three
