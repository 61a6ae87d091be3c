"""One name per node in every view (terminal trace, draw_dot's source, the page's JSON), constants
shown as numbers without a gradient, the MLP stepper's conventions, and the stale-grad warning."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from autograd import Value, backprop_steps, walk
from autograd.engine import NUMBER
from demos.neuron import neuron
from nn import MLP
from viz.cli import main
from viz.dot import KIND_COLORS, draw_dot
from viz.html import Stepper
from viz.terminal import format_trace, render_frame

GENERATED = re.compile(r"([a-z]+)(\d+)")


def statements(source: str) -> dict[str, str]:
    """draw_dot's node statements by dot name (n0, n1, ...)."""
    return {m[1]: m[2] for m in re.finditer(r"^\s*(n\d+) \[(.*)\]$", source, re.M)}


def drawn_names(root: Value, **kw: object) -> list[str]:
    """The name in the first cell of each node of draw_dot's source, in walk order."""
    found = statements(draw_dot(root, **kw).source)  # type: ignore[arg-type]
    names = []
    for i in range(len(walk(root))):
        cell = re.search(r"<TR><TD>(?:<B>)?(.*?)(?:</B>)?</TD>", found[f"n{i}"])
        assert cell, found[f"n{i}"]
        names.append(html.unescape(cell.group(1)))
    return names


def printed_names(root: Value) -> list[str]:
    """The names of the forward pass as the terminal prints it (constants have no line)."""
    forward = format_trace(root).split("\n\n")[0]
    return [m[1] for m in re.finditer(r"^ +(\S+) = ", forward, re.M)]


def page_names(stepper: Stepper) -> list[str]:
    return [n["name"] for n in stepper._data["nodes"]]


def graphs() -> list[Value]:
    v = neuron()
    x, y = Value(3.0, "x"), Value(-2.0, "y")
    shared = Value(1.5, "a") * Value(2.5, "a") + x  # two nodes labelled a
    user_v = Value(2.0, "v2") * x + x  # a label that looks like a generated name
    with_constants = (x * 2.0 + 1.0) * y - 3.0
    return [v["o"], shared, user_v, with_constants, (x * y).tanh() * x]


@pytest.mark.parametrize("root", graphs(), ids=["neuron", "shared", "v2", "constants", "reuse"])
def test_every_view_names_each_node_alike(root: Value) -> None:
    order = walk(root)
    drawn = drawn_names(root)
    page = page_names(Stepper(root))
    assert drawn == page  # every node, in walk order, constants included
    constants = [n.op is None and not n.label and n is not root for n in order]
    assert printed_names(root) == [name for name, c in zip(page, constants, strict=True) if not c]
    named = [name for name, c in zip(page, constants, strict=True) if not c]
    assert len(set(named)) == len(named)  # one node per name
    labels = {n.label for n in order if n.label}
    generated = [name for node, name in zip(order, page, strict=True)
                 if not node.label and node.op is not None]
    assert not set(generated) & labels
    # generated names: one letter, numbered 1, 2, 3, ... in walk order, without gaps
    assert [int(GENERATED.fullmatch(g).group(2)) for g in generated  # type: ignore[union-attr]
            ] == list(range(1, len(generated) + 1))
    for node, name, c in zip(order, page, constants, strict=True):
        if c:
            assert float(name) == node.data  # a constant is its number


def test_shared_labels_get_their_occurrence() -> None:
    a0, a1 = Value(1.5, "a"), Value(2.5, "a")
    root = a0 * a1
    root.label = "o"
    assert page_names(Stepper(root)) == ["a[0]", "a[1]", "o"]
    assert "do/da[0] = 2.5000" in format_trace(root)


def test_a_label_like_v2_is_never_a_generated_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["v2*x + x", "v2=2", "x=3"]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"\bv2 = v2 \* x", out)
    assert len(re.findall(r"^\s*do/dv2 = ", out, re.M)) == 1  # one gradient line for v2
    final = out.split("gradients of o:")[1]
    assert re.search(r"do/dv2 = 3\.0000$", final, re.M)  # d(v2*x + x)/dv2 = x = 3
    assert re.search(r"do/dx = 3\.0000$", final, re.M)  # v2 + 1 = 3
    # the intermediate v2 * x has a name that is no label, used alike in the page
    names = [m[1] for m in re.finditer(r"^\s+(\S+) = v2 \* x = ", out, re.M)]
    assert len(names) == 1 and names[0] not in ("v2", "x", "o")
    root = Value(2.0, "v2") * Value(3.0, "x")
    root = root + root.parents[1]
    root.label = "o"
    assert names[0] in page_names(Stepper(root))


def test_constants_are_numbers_without_a_gradient() -> None:
    x = Value(3.0, "x")
    root = (x * 2.0 + 1.0) ** 2
    root.label = "o"
    text = format_trace(root)
    # the numbers appear inside the expressions, never as a node of their own
    assert "x * 2 = 3.0000 * 2.0000 = 6.0000" in text
    assert not re.search(r"d\w+/d[\d.]+\b", text)  # no dv1/d2
    assert not re.search(r"\b[\d.]+\.grad\b", text)  # no 2.grad
    final = text.split("gradients of o:")[1]
    assert re.findall(r"do/d(\S+) =", final) == ["x", "v1", "v2", "o"]  # input first
    stepper = Stepper(root)
    data = stepper._data
    constant_index = {i for i, n in enumerate(walk(root)) if n.op is None and not n.label}
    assert len(constant_index) == 3  # 2, 1 and the exponent 2
    assert all(data["nodes"][i]["constant"] for i in constant_index)
    assert not {s["operand"] for s in data["steps"]} & constant_index
    for page in data["pages"]:
        assert not re.search(r"d\w+/d[\d.]+\b|\b[\d.]+\.grad\b", page["head"] + page["line"]
                             + "".join(page["rows"].values()))
    src = statements(draw_dot(root).source)
    for i in constant_index:
        assert "grad" not in src[f"n{i}"] and KIND_COLORS["constant"] in src[f"n{i}"]
    assert len(backprop_steps(root).steps) == len(data["steps"]) + 3  # 3 steps left out


def test_a_leaf_you_make_is_an_input_with_a_gradient_even_without_a_label() -> None:
    # micrograd's README: a = Value(-4.0); b = Value(2.0); no labels, yet their .grad is the point
    a, b = Value(-4.0), Value(2.0)
    c = a * b + b ** 3  # the 3 is a number of the expression: a constant
    c.backward()
    text = format_trace(c)
    final = text.split("gradients of v")[1]
    assert re.findall(r"d\w+/d(\S+) = (\S+)", final)[:2] == [
        ("v1", f"{a.grad:.4f}"), ("v2", f"{b.grad:.4f}")]  # a and b, with micrograd's numbers
    assert "v3 = v1 * v2" in text and "v4 = v2 ** 3 = " in text  # the 3 inline
    src = draw_dot(c).source
    assert f"grad {a.grad:.4f}" in src and f"grad {b.grad:.4f}" in src
    assert src.count(KIND_COLORS["input"]) >= 2 and "grad 0.0000" not in src
    assert sum(1 for n in walk(c) if n.op is None and n.label is NUMBER) == 1  # only the 3


def test_gradients_list_inputs_and_parameters_before_intermediates() -> None:
    v = neuron()
    final = format_trace(v["o"]).split("gradients of o:")[1]
    listed = re.findall(r"do/d(\S+) =", final)
    leaves = [n.label for n in walk(v["o"]) if n.op is None]
    assert listed[: len(leaves)] == leaves
    assert set(listed[len(leaves):]) == {n for n in printed_names(v["o"]) if n not in leaves}


# -- the MLP stepper ---------------------------------------------------------------------

def mlp_output() -> tuple[MLP, Value]:
    model = MLP(3, [4, 4, 1], seed=0)
    return model, model([1.0, -2.0, 0.5])


def test_a_weight_enters_on_the_edge_with_its_own_index() -> None:
    model, out = mlp_output()
    order = walk(out)
    index = {n: i for i, n in enumerate(order)}
    src = draw_dot(out, params=model.parameters()).source
    named = dict(model.named_parameters())
    for name in ("layers.1.neurons.1.w.3", "layers.0.neurons.2.w.0", "layers.2.neurons.0.w.2"):
        w = named[name]
        user = next(n for n in order if w in n.parents)
        edge = re.search(rf"^\s*n{index[w]} -> n{index[user]} \[(.*)\]$", src, re.M)
        assert edge, name
        assert f"label=w_{name.rsplit('.', 1)[1]}" in edge.group(1)
        slot = user.parents.index(w)
        assert slot == int(name.rsplit(".", 1)[1])  # and it is Python's index into neuron.w


def test_stepper_takes_params_and_colours_them_as_parameters() -> None:
    model, out = mlp_output()
    stepper = Stepper(out, params=model.parameters())
    svg = stepper._svg
    for i, node in enumerate(stepper.trace.order):
        group = re.search(rf'<g id="{stepper.prefix}n{i}" class="node">(.*?)</g>', svg, re.S)
        assert group, i
        fill = re.search(r'fill="(#\w+)"', group.group(1))
        assert fill
        if node in set(model.parameters()):
            assert fill.group(1) == KIND_COLORS["parameter"]
    with pytest.raises(TypeError, match="params must hold Values"):
        Stepper(out, params=[1.0])  # type: ignore[list-item]


def test_the_narration_line_is_short_and_never_repeats_the_heading() -> None:
    model, out = mlp_output()
    pages = Stepper(out, params=model.parameters())._data["pages"]
    assert max(len(p["head"]) for p in pages) > 200  # a dot node's formula
    for p in pages[1:]:
        assert len(p["line"]) <= 140, p["line"]
        assert p["head"].split(": ", 1)[1] not in p["line"]


# -- the stale-grad warning --------------------------------------------------------------

def test_no_warning_after_the_readmes_backward_then_stepper() -> None:
    o = neuron()["o"]
    o.backward()
    assert backprop_steps(o).stale == []  # one backward(): .grad is what the page shows
    assert "warning" not in format_trace(o)
    stepper = Stepper(o)
    assert stepper.narration.warning is None and 'class="sg-warning"' not in stepper.html()


def test_the_warning_names_the_nodes_whose_grad_differs_from_the_page() -> None:
    v = neuron()
    v["n"].backward()  # a backward pass from n: every grad below n equals do/d.. / (do/dn)
    warning = Stepper(v["o"]).narration.warning
    assert warning is not None
    # n holds dn/dn = 1 where the page shows do/dn = 0.5, and so on below it; o holds 0 and
    # w2 holds dn/dw2 = x2 = 0: neither is stale, so 8 of the 10 nodes
    assert "8 node(s) (x1, w1, v1, ...) already hold a different .grad" in warning
    assert "one backward pass from zero" in warning and "zero_grad()" in warning
    assert f"warning: {warning}" in format_trace(v["o"])


# -- one wording -------------------------------------------------------------------------

def test_the_terminal_and_the_page_say_each_step_in_the_same_words() -> None:
    x = Value(0.5, "x")
    root = (x * x - 2 / x) ** 2 + x.exp() * x
    root.label = "y"
    stepper = Stepper(root)
    pages = stepper._data["pages"]
    trace = stepper.trace
    shown = len(stepper._data["steps"])
    text = format_trace(trace)
    for k in range(1, shown + 1):
        page = pages[stepper.forward_steps + 1 + k]
        frame = render_frame(trace, k)
        assert page["head"].split(": ", 1)[1] in frame
        for row in page["rows"].values():
            assert row in frame  # the card's rows, word for word
        # and the printed trace carries the same pieces on one line
        assert " ; ".join(page["rows"][key] for key in ("local", "product", "update")) in text
    seed = pages[stepper.forward_steps + 1]
    assert seed["rows"]["update"] in render_frame(trace, 0)
    script = (Path(__file__).parents[2] / "viz" / "static" / "stepper.js").read_text()
    for words in ("passes", "local derivative", "Backward", "Forward", ".grad ", "->"):
        assert words not in script  # the page builds no sentence of its own
