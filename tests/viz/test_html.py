"""The HTML stepper page as text: embedded JSON, escaping, CSP, ids, size limits, saving.

What the page does in a browser is tested in ``test_html_browser.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import random
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, backprop_steps, walk
from autograd._words import is_constant
from demos.neuron import neuron as classic_neuron
from viz.html import MAX_NODES, Stepper, stepper_html

XSS = "<img src=x onerror=alert(1)>"
SCRIPT_END = "</script><script>alert(2)</script>"


def neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b) with b chosen so that o = 1/sqrt(2) (micrograd's lecture)."""
    return classic_neuron()["o"]


def mlp_graph(sizes: tuple[int, ...] = (2, 16, 16, 1), seed: int = 0) -> Value:
    """A tanh MLP's output for one sample, built op by op (micrograd's way: one node per op)."""
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(sizes[0])]
    for layer, (nin, nout) in enumerate(zip(sizes, sizes[1:], strict=False)):
        outs = []
        for j in range(nout):
            act = Value(rng.uniform(-1, 1), f"b{layer}.{j}")
            for k in range(nin):
                act = act + Value(rng.uniform(-1, 1), f"w{layer}.{j}.{k}") * xs[k]
            outs.append(act.tanh() if layer < len(sizes) - 2 else act)
        xs = outs
    return xs[0]


class _Tags(HTMLParser):
    """Every start tag of a page, and the text inside each <script>, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def embedded(page: str, stepper: Stepper) -> dict[str, Any]:
    """The JSON the page embeds, parsed strictly (a NaN or Infinity literal would fail)."""
    scripts = [text for attrs, text in parse(page).scripts
               if attrs.get("id") == f"{stepper.prefix}data"]
    assert len(scripts) == 1

    def reject(name: str) -> None:
        raise AssertionError(f"non-JSON constant {name} in the page's data")

    data: dict[str, Any] = json.loads(scripts[0], parse_constant=reject)
    return data


def decode(x: float | str) -> float:
    """What the page's script does with a number field."""
    if isinstance(x, str):
        return float({"Infinity": "inf", "-Infinity": "-inf", "NaN": "nan"}[x])
    return x


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# -- the embedded trace ------------------------------------------------------------------------

def test_embedded_json_is_the_trace_exactly() -> None:
    root = neuron()
    stepper = Stepper(root)
    data = embedded(stepper.html(), stepper)
    trace = backprop_steps(root)
    order = walk(root)
    index = {node: i for i, node in enumerate(order)}
    assert data["root"] == len(order) - 1
    assert [n["data"] for n in data["nodes"]] == [node.data for node in order]
    assert [n["parents"] for n in data["nodes"]] == [[index[p] for p in v.parents] for v in order]
    assert data["forward"] == [i for i, node in enumerate(order) if node.op is not None]
    assert len(data["steps"]) == len(trace.steps) == 9
    for got, step in zip(data["steps"], trace.steps, strict=True):
        assert (got["node"], got["slot"], got["operand"]) == (
            index[step.node], step.slot, index[step.operand])
        for key in ("local", "upstream", "contribution", "before", "after"):
            assert got[key] == getattr(step, key)  # exact: JSON keeps every float's digits
    # the tanh step, and its arithmetic as the page writes it (words made in Python)
    tanh_page = data["pages"][stepper.page_step(0)]
    assert tanh_page["head"] == "Backward 1 of 9: o = tanh(n)  ->  n"
    assert tanh_page["rows"] == {"local": "do/dn = 1 - tanh(n)^2 = 0.5000",
                                 "upstream": "do/do = 1.0000",
                                 "product": "upstream 1.0000 x local 0.5000 = 0.5000",
                                 "update": "n.grad 0 -> 0.5000"}
    assert [n["name"] for n in data["nodes"]][-1] == "o"
    last_forward = data["pages"][stepper.forward_steps]["head"]
    assert last_forward == "Forward 5 of 5: o = tanh(n) = tanh(0.8814) = 0.7071"
    assert len(data["pages"]) == stepper.last_step + 1


def test_non_finite_numbers_are_strings_json_accepts() -> None:
    x = Value(float("inf"), "x")
    y = Value(float("nan"), "y")
    root = x * 2.0 + y
    stepper = Stepper(root)
    page = stepper.html()
    data = embedded(page, stepper)  # strict parse: no bare NaN / Infinity
    order = walk(root)
    datas = [decode(n["data"]) for n in data["nodes"]]
    assert all(same(a, v.data) for a, v in zip(datas, order, strict=True))
    assert any(n["data"] == "Infinity" for n in data["nodes"])
    assert any(n["data"] == "NaN" for n in data["nodes"])
    assert {n["dataText"] for n in data["nodes"]} >= {"inf", "nan"}
    # every step but the one into the constant 2.0
    shown = [s for s in stepper.trace.steps if not is_constant(s.operand)]
    assert len(shown) == len(stepper.trace.steps) - 1
    for got, step in zip(data["steps"], shown, strict=True):
        assert same(decode(got["after"]), step.after)


@pytest.mark.parametrize("label", [XSS, SCRIPT_END, "a & b", "q\u2028r\u2029s", "-->", "]]>"])
def test_labels_cannot_end_the_script_or_inject_markup(label: str) -> None:
    x = Value(3.0, label)
    root = (x * x).tanh()
    root.label = label + "!"
    stepper = Stepper(root, title=label)
    for page in (stepper.html(), stepper._repr_html_()):
        data_block = page.split(f'id="{stepper.prefix}data">', 1)[1].split("</script>", 1)[0]
        for raw in ("<", ">", "&", "\u2028", "\u2029"):
            assert raw not in data_block
        data = embedded(page, stepper)
        assert data["nodes"][0]["name"] == label  # the label survives, as text
        assert data["title"] == label
        tags = parse(page)
        names = {tag for tag, _ in tags.tags}
        assert "img" not in names
        # exactly the page's own two scripts: the data and the stepper
        assert len(tags.scripts) == 2
        assert [attrs.get("type") for attrs, _ in tags.scripts] == ["application/json", None]
        assert "alert" not in tags.scripts[1][1]
        assert not any(k.startswith("on") for _, attrs in tags.tags for k in attrs)


def test_label_shows_as_text_in_the_drawing() -> None:
    x = Value(1.0, XSS)
    stepper = Stepper(x + 1.0)
    page = stepper.html()
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# -- the page's structure ------------------------------------------------------------------------

def test_page_is_self_contained_and_its_csp_allows_only_its_own_script() -> None:
    stepper = Stepper(neuron())
    page = stepper.html()
    assert page.startswith("<!DOCTYPE html>")
    tags = parse(page)
    metas = [attrs for tag, attrs in tags.tags if tag == "meta"
             if (attrs.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(metas) == 1
    csp = metas[0]["content"] or ""
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    script = tags.scripts[1][1]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"
    # nothing that could fetch: no external references of any kind
    for tag, attrs in tags.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed", "audio", "video"), tag
        for key in ("src", "href", "xlink:href", "action", "srcset"):
            assert key not in attrs, (tag, key)
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/)", page)


def test_every_node_edge_and_cell_has_its_id_once() -> None:
    a = Value(2.0, "a")
    root = (a + a) * a  # a reused: edges into both slots of the add
    stepper = Stepper(root)
    page = stepper.html()
    ids = [attrs["id"] for _, attrs in parse(page).tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    p = stepper.prefix
    order = walk(root)
    for i, node in enumerate(order):
        for kind in "ndg":
            assert f"{p}{kind}{i}" in ids
        for slot in range(len(node.parents)):
            assert f"{p}e{i}_{slot}" in ids
    assert f"{p}e1_0" in ids and f"{p}e1_1" in ids  # a + a: two edges
    assert f"{p}root" in ids
    assert not any(i.startswith(f"a_{p}") for i in ids)  # graphviz's anchor ids are renamed


def test_two_steppers_never_share_an_id() -> None:
    root = neuron()
    first, second = Stepper(root), Stepper(root)
    assert first.prefix != second.prefix
    ids = []
    for s in (first, second):
        fragment = s._repr_html_()
        assert "Content-Security-Policy" not in fragment  # it would bind the whole notebook
        assert f'id="{s.prefix}root"' in fragment
        ids.append({attrs["id"] for _, attrs in parse(fragment).tags if attrs.get("id")})
    assert ids[0] and not ids[0] & ids[1]


def test_page_steps_count_forward_seed_and_trace_steps() -> None:
    stepper = Stepper(neuron())
    assert stepper.forward_steps == 5  # *, *, +, +, tanh
    assert len(stepper.trace.steps) == 9
    assert stepper.last_step == 5 + 1 + 9
    assert stepper.page_step(0) == 7
    assert stepper.page_step(8) == stepper.last_step
    with pytest.raises(IndexError, match="9 steps"):
        stepper.page_step(9)
    assert f'max="{stepper.last_step}"' in stepper.html()


def test_forgotten_zero_grad_is_shown_as_a_warning_only_where_grads_differ() -> None:
    root = neuron()
    root.backward()  # the README's order: .grad holds exactly what the page shows
    assert 'class="sg-warning"' not in Stepper(root).html()
    root.backward()  # now every .grad is twice what one pass from zero gives
    page = Stepper(root).html()
    assert 'class="sg-warning"' in page and "one backward pass from zero" in page
    root.zero_grad()
    assert 'class="sg-warning"' not in Stepper(root).html()


def test_seed_gradient_is_used() -> None:
    stepper = Stepper(neuron(), grad=2.0)
    data = embedded(stepper.html(), stepper)
    assert data["seed"] == 2.0
    assert data["steps"][0]["upstream"] == 2.0


def test_stepper_html_is_the_page() -> None:
    page = stepper_html(neuron(), title="my neuron")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>my neuron</title>" in page


# -- size limits -------------------------------------------------------------------------------

def test_mlp_2_16_16_1_fits_under_the_default_limit() -> None:
    root = mlp_graph()
    nodes = len(walk(root))
    assert 900 < nodes <= MAX_NODES
    stepper = Stepper(root)
    page = stepper.html()
    assert len(page) < 4_000_000  # a few MB: opens quickly in any browser
    assert stepper.last_step == stepper.forward_steps + 1 + len(stepper.trace.steps)


def test_above_the_node_limit_the_stepper_refuses_with_a_clear_message() -> None:
    root = neuron()  # 10 nodes
    with pytest.raises(ValueError, match=r"10 nodes, more than max_nodes=9.*max_nodes=10"):
        Stepper(root, max_nodes=9)
    assert Stepper(root, max_nodes=10).trace.root is root


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10", True])
def test_bad_max_nodes(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        Stepper(neuron(), max_nodes=bad)


@pytest.mark.parametrize("bad", [0, 16, 2.5, "4", True])
def test_bad_digits(bad: Any) -> None:
    with pytest.raises(ValueError, match="digits must be an int from 1 to 15"):
        Stepper(neuron(), digits=bad)


def test_digits_set_every_number_on_the_page() -> None:
    page = Stepper(neuron(), digits=2).html()  # o = tanh(0.8814) = 0.70710678...
    assert '"dataText":"0.71"' in page and "data 0.71" in page
    assert '"dataText":"0.7071"' not in page and "data 0.7071" not in page
    assert '"dataText":"0.7071"' in Stepper(neuron()).html()  # 4 by default


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        Stepper(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="title must be a str"):
        Stepper(neuron(), title=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Stepper(neuron(), grad="one")  # type: ignore[arg-type]


# -- saving ------------------------------------------------------------------------------------

def test_save_writes_the_page(tmp_path: Path) -> None:
    stepper = Stepper(neuron())
    out = stepper.save(tmp_path / "neuron.html")
    assert out == tmp_path / "neuron.html"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.endswith("</html>\n")
    assert embedded(text, stepper)["nodes"][-1]["name"] == "o"
    assert os.listdir(tmp_path) == ["neuron.html"]  # no temporary file left behind
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not a private temp


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "page.html"
    target.write_text("old page", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        Stepper(neuron()).save(target)
    assert target.read_text(encoding="utf-8") == "old page"
    assert os.listdir(tmp_path) == ["page.html"]


def test_save_names_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Stepper(neuron()).save(tmp_path / "nope" / "page.html")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        Stepper(neuron()).save(tmp_path)
    assert os.listdir(tmp_path) == []


def test_stepper_colours_params_as_draw_dot_does() -> None:
    from nn import MLP
    from viz.dot import KIND_COLORS

    model = MLP(2, [2, 1], seed=0)
    out = model([1.0, -2.0])
    plain = Stepper(out).html()
    marked = Stepper(out, params=model.parameters()).html()
    parameter = KIND_COLORS["parameter"]
    assert parameter not in plain  # the weights look like inputs without params=
    assert marked.count(parameter) >= len(model.parameters())
    with pytest.raises(TypeError, match="params must"):
        Stepper(out, params=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="params must hold Values"):
        Stepper(out, params=[1.0])  # type: ignore[list-item]


def test_the_page_is_filled_from_its_templates_and_dollars_stay_text() -> None:
    root = neuron()
    stepper = Stepper(root, title="costs $5 ${p} $title")
    page = stepper.html()
    body = page.split("<body", 1)[1].split("<script", 1)[0]  # the markup, before any script
    assert not re.search(r"\$\{?[A-Za-z_]", body.replace("$5 ${p} $title", ""))  # all filled
    assert "<title>costs $5 ${p} $title</title>" in page
    assert f'id="{stepper.prefix}root"' in page and 'id="${p}root"' not in page
