"""draw_dot, draw_mlp and the Stepper under hostile graphs and a failing `dot` (issue 19.1, 19.2,
19.8, 19.9; issue 13's micrograd keywords)."""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import stat
import time
from pathlib import Path

import pytest

from autograd import Value, sum_values
from nn import MLP
from viz import Stepper, draw_mlp, print_trace
from viz.dot import (
    MAX_LABEL,
    Drawing,
    GraphTooLarge,
    GraphvizError,
    LayoutCost,
    check_layout,
    draw_dot,
    layout_cost,
)


def chain(n: int) -> Value:
    """x + x + ... + x (n terms): x feeds every add of a chain (a fan of long edges)."""
    x = Value(1.0, "x")
    out = x
    for _ in range(n - 1):
        out = out + x
    return out


def fake_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """A `dot` on PATH that runs ``script`` (sh) instead of Graphviz."""
    path = tmp_path / "dot"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))


# 19.1: drawing time is bounded

def test_layout_cost_counts_the_ranks_a_fan_of_edges_crosses() -> None:
    cost = layout_cost(chain(299))
    # x sits at rank 0; its edge into the k-th add (rank k) crosses k - 1 ranks
    assert (cost.nodes, cost.edges, cost.fan_out, cost.fan_in) == (299, 596, 299, 2)
    assert cost.spans == sum(k - 1 for k in range(1, 299))
    names = [Value(float(k), f"a{k}") for k in range(50)]
    out = names[0]
    for a in names[1:]:
        out = out + a  # each leaf used once, next to its use: nothing to cross
    assert layout_cost(out).spans == 0


def test_graphs_too_slow_to_lay_out_are_refused_before_layout() -> None:
    start = time.perf_counter()
    with pytest.raises(GraphTooLarge, match=r"too long to lay out: its edges cross 498,501 "
                                            r"ranks.*x is used by 1000 steps"):
        draw_dot(chain(1000), max_nodes=5000)
    assert time.perf_counter() - start < 5  # counted, not laid out
    leaves = [Value(float(k), f"a{k}") for k in range(6000)]
    wide = sum_values(leaves)  # fan-in 6,000: no long edges, but too many
    assert layout_cost(wide).fan_in == 6000
    with pytest.raises(GraphTooLarge, match="it has 6,000 edges"):
        check_layout(LayoutCost([*leaves, wide]))


def test_large_graphs_get_settings_that_bound_the_layout() -> None:
    small = draw_dot(chain(3)).source
    assert "nslimit=5" in small and "splines" not in small  # usual graphs look as before
    big = draw_dot(chain(299), max_nodes=300).source
    nslimit = float(re.search(r"nslimit=([\d.e-]+)", big).group(1))  # type: ignore[union-attr]
    assert nslimit < 1 and "splines=line" in big and "mclimit=0.3" in big


def test_a_200_term_fan_is_laid_out_in_seconds() -> None:
    # x + x + ... took 12 s at 200 terms, 45 s at 299 with nslimit=5 alone; about 1 s now
    start = time.perf_counter()
    svg = draw_dot(chain(200)).pipe(format="svg")
    assert svg.count(b'class="node"') == 201  # 200 nodes and the legend
    assert time.perf_counter() - start < 60


# 19.2: a failing dot is one clear error

def test_a_label_longer_than_graphviz_allows_is_cut_and_drawn() -> None:
    name = "\u4e00" * 9000  # 27 KB of UTF-8: Graphviz refuses a label over 16 KB
    x = Value(1.0, name)
    svg = draw_dot(x * 2).pipe(format="svg").decode()
    kept = MAX_LABEL - 10
    assert "\u4e00" * kept + f"\u2026(+{9000 - kept})" in svg
    assert "\u4e00" * (kept + 1) not in svg


def test_dot_failing_is_a_graphviz_error_with_its_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # quits before reading a large input: no BrokenPipeError, no CalledProcessError
    fake_dot(tmp_path, monkeypatch, 'echo "Error: out of something" >&2; exit 3')
    graph = draw_dot(Value(1.0, "x" * 150) * 2)
    graph.body.extend(["// padding\n"] * 50_000)
    with pytest.raises(GraphvizError, match=r"dot failed \(exit status 3\): Error: out of some"):
        graph.pipe(format="svg")
    with pytest.raises(GraphvizError, match="exit status 3"):
        Stepper(Value(2.0, "x") * 3).html()
    with pytest.raises(GraphvizError, match="exit status 3"):
        draw_mlp(MLP(2, [2, 1], seed=0)).pipe()
    with pytest.raises(GraphvizError, match="exit status 3"):
        graph.render(outfile=str(tmp_path / "g.svg"))


def test_the_16kb_label_error_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path, monkeypatch, "echo \"Error: <stdin>: syntax error in line 5 scanning a "
             "HTML string (missing '>'? bad nesting? longer than 16384?)\" >&2; exit 1")
    with pytest.raises(GraphvizError, match="a label is longer than Graphviz's limit of 16,384"):
        draw_dot(Value(1.0, "x") * 2).pipe()


def test_a_hung_dot_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path, monkeypatch, f"exec {shutil.which('sleep')} 30")
    graph = draw_dot(Value(1.0, "x") * 2)
    graph.timeout = 0.5
    start = time.perf_counter()
    with pytest.raises(GraphvizError, match=r"ran longer than 0.5 s and was stopped"):
        graph.pipe()
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize("bad, shown", [("\ufffe", "\\ufffe"), ("\uffff", "\\uffff"),
                                        ("\ud800", "\\ud800"), ("\x85", "\\x85")])
def test_noncharacters_and_lone_surrogates_are_escaped(bad: str, shown: str) -> None:
    x = Value(1.0, f"a{bad}b")
    source = draw_dot(x * 2).source
    # the backslash is an entity, doubled (graphviz reads two as one)
    assert bad not in source and f"a&#92;&#92;{shown[1:]}b" in source
    draw_dot(x * 2).pipe(format="svg").decode("utf-8")  # valid UTF-8, no dot failure


# 19.8: side files and terminals

def test_render_to_an_outfile_leaves_no_source_file_beside_it(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    monkeypatch.chdir(tmp_path)
    Path("neuron.gv").write_text("mine")
    out = draw_dot(Value(1.0, "x") * 2).render(outfile="neuron.svg")
    assert Path(out).resolve() == (tmp_path / "neuron.svg").resolve()
    assert Path("neuron.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert Path("neuron.gv").read_text() == "mine" and sorted(os.listdir()) == [
        "neuron.gv", "neuron.svg"]


def test_print_trace_shows_control_characters_escaped() -> None:
    x = Value(2.0, "x\x1b[2J")
    out = io.StringIO()
    print_trace(x * 3, out, color=False)
    assert "\x1b" not in out.getvalue() and "x\\x1b[2J" in out.getvalue()


# 19.9 and issue 13: arguments

def test_micrograd_keywords_format_and_rankdir() -> None:
    graph = draw_dot(Value(1.0, "x") * 2, format="png", rankdir="TB")
    assert graph.format == "png" and "rankdir=TB" in graph.source
    assert graph.pipe()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="format 'bmpx' is not one Graphviz writes"):
        draw_dot(Value(1.0), format="bmpx")


@pytest.mark.parametrize("kwargs, error, words", [
    ({"digits": -1}, ValueError, "digits must be between 0 and 17, got -1"),
    ({"digits": 2.5}, TypeError, "digits must be an int, got float"),
    ({"max_nodes": "400"}, TypeError, "max_nodes must be an int, got str '400'"),
    ({"max_nodes": math.nan}, TypeError, "max_nodes must be an int, got float nan"),
    ({"max_nodes": 0}, ValueError, "max_nodes must be at least 1"),
])
def test_bad_arguments_are_named(kwargs: dict[str, object], error: type, words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        draw_dot(Value(1.0, "x") * 2, **kwargs)  # type: ignore[arg-type]


def test_draw_mlp_names_bad_input_labels_and_huge_weights() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="input_labels must be strings, got int 1"):
        draw_mlp(model, input_labels=[1, 2])  # type: ignore[list-item]
    model.layers[0].neurons[0].w[0].data = 1e308
    model.layers[0].neurons[0].w[1].data = -1e308
    source = draw_mlp(model).source
    assert "inf" not in source and "nan" not in source
    widths = [float(w) for w in re.findall(r'penwidth="?([\d.]+)', source)]
    assert widths and max(widths) == 3.0


def test_the_stepper_of_a_refused_graph_says_why() -> None:
    with pytest.raises(GraphTooLarge, match="too long to lay out"):
        Stepper(chain(1000)).html()


def test_a_real_dot_reads_a_whole_graph_without_broken_pipe() -> None:
    # dot quitting early once surfaced as BrokenPipeError: the pipe is written by communicate()
    x = Value(1.0, "x")
    graph = draw_dot(x * 2)
    graph.body.append("}\n")  # a syntax error: dot stops reading at once
    graph.body.extend(["// padding\n"] * 100_000)
    with pytest.raises(GraphvizError, match="dot failed"):
        graph.pipe()
    assert isinstance(graph, Drawing)
