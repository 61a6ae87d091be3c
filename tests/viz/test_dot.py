"""draw_dot: ids from the walk, one edge per operand slot, escaped labels, kinds, highlight,
the grad-dash rule, rendering, and a clear message when Graphviz is missing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from autograd import Value, backprop_steps, walk
from demos.neuron import neuron
from viz._format import DASH, number
from viz.dot import (
    HIGHLIGHT_COLOR,
    KIND_COLORS,
    GraphvizNotFound,
    draw_dot,
    find_path,
    svg_cell_id,
)

SVG = "{http://www.w3.org/2000/svg}"


def statements(source: str) -> dict[str, str]:
    """Node statements of a dot source by node name (graphviz quotes names with '-')."""
    found = {}
    for line in source.splitlines():
        m = re.match(r'\s*"?([\w-]+)"? \[(.*)\]$', line)
        if m and "->" not in line:
            found[m.group(1)] = m.group(2)
    return found


def edges(source: str) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every edge statement, in order."""
    pattern = r'\s*"?([\w-]+)"? -> "?([\w-]+)"?(?: \[(.*)\])?$'
    return [m.groups(default="") for line in source.splitlines()
            if (m := re.match(pattern, line))]  # type: ignore[misc]


def attr(attrs: str, name: str) -> str | None:
    """One plain attribute's value from a statement (quoted or not, as graphviz chose)."""
    m = re.search(rf'(?:^|\s){name}=(?:"([^"]*)"|([^\s"<>]+))', attrs)
    return None if m is None else m.group(1) if m.group(1) is not None else m.group(2)


def svg_ids(svg: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids in the SVG"
    return {el.get("id"): el for el in root.iter() if el.get("id")}  # type: ignore[misc]


def text_of(el: ET.Element) -> str:
    return "".join("".join(t.itertext()) for t in el.iter(f"{SVG}text"))


def test_source_is_identical_for_the_same_graph_built_twice() -> None:
    first, second = neuron()["o"], neuron()["o"]
    assert draw_dot(first).source == draw_dot(second).source
    assert draw_dot(first).source == draw_dot(first).source


def test_nodes_are_named_by_walk_index_and_carry_that_id() -> None:
    o = neuron()["o"]
    order = walk(o)
    found = statements(draw_dot(o, id_prefix="p1-").source)
    for i, node in enumerate(order):
        attrs = found[f"p1-n{i}"]
        assert attr(attrs, "id") == f"p1-n{i}"
        assert f'ID="p1-d{i}"' in attrs and f'ID="p1-g{i}"' in attrs
        assert f"data {number(node.data)}" in attrs
        if node.label:
            assert f"<B>{node.label}</B>" in attrs
        if node.op is not None:
            assert f">{node.op.symbol}<" in attrs


def test_one_edge_per_operand_slot_so_a_plus_a_has_two() -> None:
    a = Value(3.0, "a")
    b = a + a
    found = edges(draw_dot(b).source)
    assert [(t, h) for t, h, _ in found] == [("n0", "n1"), ("n0", "n1")]
    assert [attr(a, "id") for _, _, a in found] == ["e1_0", "e1_1"]


def test_every_edge_id_names_its_consumer_and_slot() -> None:
    o = neuron()["o"]
    x = o * o - o / 3.0
    order = walk(x)
    index = {n: i for i, n in enumerate(order)}
    found = {attr(attrs, "id"): (t, h) for t, h, attrs in edges(draw_dot(x).source)}
    expected = {f"e{i}_{s}": (f"n{index[p]}", f"n{i}")
                for i, n in enumerate(order) for s, p in enumerate(n.parents)}
    assert found == expected


def test_edges_are_labelled_with_the_slot_only_where_order_matters() -> None:
    x, y = Value(5.0, "x"), Value(2.0, "y")
    found = edges(draw_dot((x - y) / (x * y) + x**3).source)
    labels = [attr(a, "label") for _, _, a in found]
    # walk order: x, y, x-y (sub), x*y (mul), / (div), 3, x**3 (pow), + (add)
    assert labels == ["x", "y", None, None, "x", "y", "x", "n", None, None]


def test_cell_ids_reach_the_svg_on_elements_holding_the_cell_text() -> None:
    v = neuron()
    o = v["o"]
    o.backward()
    order = walk(o)
    ids = svg_ids(draw_dot(o, id_prefix="s-").pipe(format="svg"))
    for i, node in enumerate(order):
        assert ids[f"s-n{i}"].get("class") == "node"
        data = ids[svg_cell_id(f"s-d{i}")]
        grad = ids[svg_cell_id(f"s-g{i}")]
        assert text_of(data) == f"data {number(node.data)}"
        assert text_of(grad) == f"grad {number(node.grad)}"
        for slot in range(len(node.parents)):
            assert ids[f"s-e{i}_{slot}"].get("class") == "edge"


def test_two_drawings_with_different_prefixes_share_no_id() -> None:
    o = neuron()["o"]
    first = set(svg_ids(draw_dot(o, id_prefix="a").pipe(format="svg")))
    second = set(svg_ids(draw_dot(o, id_prefix="b").pipe(format="svg")))
    assert first and second and not first & second


def test_grads_show_a_dash_before_backward_then_numbers() -> None:
    v = neuron()
    o = v["o"]
    before = draw_dot(o).source
    assert before.count(f"grad {DASH}<") == len(walk(o))
    o.backward()
    after = statements(draw_dot(o).source)
    for i, node in enumerate(walk(o)):
        assert f"grad {number(node.grad)}<" in after[f"n{i}"]
    assert DASH not in draw_dot(o).source
    o.zero_grad()
    assert draw_dot(o).source == before


def test_grads_mapping_overrides_dot_grad_and_dashes_what_it_lacks() -> None:
    v = neuron()
    o = v["o"]
    trace = backprop_steps(o)
    found = statements(draw_dot(o, grads=trace.grads).source)
    for i, node in enumerate(walk(o)):
        assert f"grad {number(trace.grads[node])}<" in found[f"n{i}"]
    partial = statements(draw_dot(o, grads={o: 1.0}).source)
    index = walk(o).index
    assert "grad 1.0000<" in partial[f"n{index(o)}"]
    assert f"grad {DASH}<" in partial[f"n{index(v['x1'])}"]


def test_node_kinds_are_coloured_and_the_legend_lists_those_present() -> None:
    v = neuron()
    o = v["o"] * 2.0
    found = statements(draw_dot(o, params=[v["w1"], v["w2"], v["b"]]).source)
    index = {n: i for i, n in enumerate(walk(o))}

    def fill(node: Value) -> str:
        return re.search(r'TABLE [^>]*BGCOLOR="(#\w+)"', found[f"n{index[node]}"]).group(1)  # type: ignore[union-attr]

    assert fill(v["x1"]) == fill(v["x2"]) == KIND_COLORS["input"]
    assert fill(v["w1"]) == fill(v["b"]) == KIND_COLORS["parameter"]
    assert fill(v["n"]) == fill(v["o"]) == KIND_COLORS["intermediate"]
    assert fill(o) == KIND_COLORS["output"]
    assert fill(o.parents[1]) == KIND_COLORS["constant"]
    legend = found["legend_table"]
    for kind, color in KIND_COLORS.items():
        assert f'BGCOLOR="{color}">{kind}<' in legend
    without_params = draw_dot(o).source
    assert "parameter<" not in statements(without_params)["legend_table"]
    assert "legend_table" not in draw_dot(o, legend=False).source


def test_highlight_marks_a_path_and_only_its_edges() -> None:
    v = neuron()
    o = v["o"]
    path = find_path(o, v["w1"])
    assert path[0] is v["w1"] and path[-1] is o
    assert all(a in b.parents for a, b in zip(path, path[1:], strict=False))
    src = draw_dot(o, highlight=path).source
    found = statements(src)
    index = {n: i for i, n in enumerate(walk(o))}
    for node, i in index.items():
        assert ('BORDER="3"' in found[f"n{i}"]) == (node in path)
    marked = [(t, h) for t, h, a in edges(src) if HIGHLIGHT_COLOR in a]
    steps = zip(path, path[1:], strict=False)
    assert marked == sorted(((f"n{index[a]}", f"n{index[b]}") for a, b in steps),
                            key=lambda e: int(e[1][1:]))
    single = statements(draw_dot(o, highlight=v["n"]).source)
    assert [k for k, s in single.items() if 'BORDER="3"' in s] == [f"n{index[v['n']]}",
                                                                    "legend_table"]


def test_bad_arguments_are_refused_with_the_reason() -> None:
    o = neuron()["o"]
    with pytest.raises(ValueError, match="not in the graph"):
        draw_dot(o, highlight=Value(1.0))
    with pytest.raises(ValueError, match="not in the graph"):
        find_path(o, Value(1.0))
    with pytest.raises(TypeError, match="highlight must be Values"):
        draw_dot(o, highlight=[1.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(o, rankdir="XY")
    with pytest.raises(ValueError, match="id_prefix"):
        draw_dot(o, id_prefix='a" onload="x')
    with pytest.raises(TypeError, match="root must be a Value"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_node_limit_refuses_big_graphs_with_a_clear_message() -> None:
    x = Value(1.0, "x")
    y = x
    for _ in range(30):
        y = y * 1.0
    n = len(walk(y))
    with pytest.raises(ValueError, match=rf"has {n} nodes, more than max_nodes=10; pass "
                                         rf"max_nodes={n}"):
        draw_dot(y, max_nodes=10)
    assert draw_dot(y, max_nodes=n).source.count("->") == 60


NASTY = [  # (label, how its text reads back from the SVG)
    ('<b>&"x"</b>', '<b>&"x"</b>'), ("a | {b} <c>", "a | {b} <c>"), ("}{|<>", "}{|<>"),
    ("x\ny", "xy"),  # a line break: two <text> elements
    ("tab\there", "tab here"), ("null\x00byte", "null\\x00byte"),
    ("esc\x1b[31m", "esc\\x1b[31m"), ("]]>", "]]>"), ("&amp;", "&amp;"),
    ("\\N \\G", "\\N \\G"), ("é∂ 😀", "é∂ 😀"), ("'; DROP TABLE", "'; DROP TABLE"),
    ("\ud800", "\\ud800"),
]


@pytest.mark.parametrize(("label", "shown"), NASTY)
def test_nasty_labels_render_and_read_back(label: str, shown: str) -> None:
    x = Value(1.5, label)
    y = x * Value(2.0, "w")
    y.label = label
    svg = draw_dot(y).pipe(format="svg")
    texts = [text_of(g) for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "node"]
    assert sum(shown in t for t in texts) == 2


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20))
@example("  ")
@example(" a  b\xa0 ")
def test_any_printable_label_reads_back_from_the_svg(label: str) -> None:
    x = Value(-0.5, label)
    svg = draw_dot(x.tanh()).pipe(format="svg")
    node = svg_ids(svg)["n0"]
    # graphviz writes the second of two spaces as a no-break space, so SVG shows both
    shown = [t.text for t in node.iter(f"{SVG}text")][0]
    assert shown is not None and shown.replace("\xa0", " ") == label.replace("\xa0", " ")


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                            ("pdf", b"%PDF")])
def test_renders_to_svg_png_and_pdf(tmp_path: Path, fmt: str, magic: bytes) -> None:
    g = draw_dot(neuron()["o"])
    out = Path(g.render(outfile=tmp_path / f"neuron.{fmt}"))
    assert out.read_bytes().startswith(magic)
    assert g.pipe(format=fmt).startswith(magic)


def test_jupyter_shows_it_inline() -> None:
    bundle = draw_dot(neuron()["o"])._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_without_dot_source_works_and_rendering_says_how_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    g = draw_dot(neuron()["o"])
    assert g.source.startswith("digraph")
    for render in (lambda: g.pipe(format="svg"), lambda: g.render(outfile=tmp_path / "x.svg"),
                   g._repr_mimebundle_):
        with pytest.raises(GraphvizNotFound, match="apt-get install graphviz") as err:
            render()
        assert "graphviz.org/download" in str(err.value)
        assert isinstance(err.value, graphviz.ExecutableNotFound)  # old handlers still catch it
    assert not (tmp_path / "x.svg").exists()
