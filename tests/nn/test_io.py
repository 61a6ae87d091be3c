"""save / load / state_dict: JSON round trips, strict checks, nothing changed on failure, atomic."""

from __future__ import annotations

import builtins
import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from autograd import _files
from nn import MLP, Layer, Neuron


def trained(seed: int = 0) -> MLP:
    """A model whose parameters are not the initial ones (biases non-zero)."""
    model = MLP(2, [4, 3, 1], seed=seed)
    for k in range(3):
        out = model([0.5 + k, -1.0])
        model.zero_grad()
        out.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
    return model


def test_round_trip_gives_identical_outputs(tmp_path):
    model = trained()
    path = tmp_path / "model.json"
    model.save(path)
    other = MLP(2, [4, 3, 1], seed=99)
    assert other.state_dict() != model.state_dict()
    other.load(path)
    assert other.state_dict() == model.state_dict()  # exact: floats survive JSON bit for bit
    for x in np.random.default_rng(0).normal(size=(10, 2)):
        assert other(x).data == model(x).data


@pytest.mark.parametrize("make", [lambda: Neuron(3, activation="tanh", seed=1),
                                  lambda: Layer(3, 2, activation="sigmoid", seed=1),
                                  lambda: MLP(3, [2, 2], seed=1)])
def test_round_trip_for_each_module_kind(tmp_path, make):
    model, other = make(), make()
    for p in model.parameters():
        p.data = p.data * 3.0 + 0.125
    model.save(tmp_path / "m.json")
    other.load(str(tmp_path / "m.json"))  # str paths work as well as Path
    assert other.state_dict() == model.state_dict()


def test_file_is_readable_json_with_format_version_architecture_and_names(tmp_path):
    model = trained()
    model.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format"] == "stepgrad.nn" and doc["version"] == 1
    assert doc["model"] == {"type": "MLP", "nin": 2, "nouts": [4, 3, 1],
                            "activations": ["relu", "relu", "linear"]}
    assert list(doc["parameters"]) == [n for n, _ in model.named_parameters()]
    assert list(doc["parameters"].values()) == [p.data for p in model.parameters()]


def test_state_dict_round_trip_between_models():
    a, b = trained(0), MLP(2, [4, 3, 1], seed=5)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert b([0.3, 0.4]).data == a([0.3, 0.4]).data


# -- bad files: each has its own clear error, and the model is untouched ----------------------

def _doc(model: MLP) -> dict:
    return {"format": "stepgrad.nn", "version": 1, "model": model.architecture(),
            "parameters": model.state_dict()}


def _mutations():
    first = "layers.0.neurons.0.w.0"

    def drop_param(d):
        del d["parameters"]["layers.0.neurons.0.b"]

    def extra_param(d):
        d["parameters"]["layers.9.neurons.0.w.0"] = 1.0

    def rename_param(d):
        d["parameters"] = {("x" + k if k == first else k): v
                           for k, v in d["parameters"].items()}

    def set_param(value):
        def mutate(d):
            d["parameters"][first] = value
        return mutate

    def set_key(key, value):
        def mutate(d):
            d[key] = value
        return mutate

    def del_key(key):
        def mutate(d):
            del d[key]
        return mutate

    def arch(key, value):
        def mutate(d):
            d["model"][key] = value
        return mutate

    return [
        ("missing parameter", drop_param,
         r"missing parameter 'layers.0.neurons.0.b' \(30 parameters given, the model has 31\)"),
        ("extra parameter", extra_param,
         r"unexpected parameter 'layers.9.neurons.0.w.0' \(32 parameters given"),
        ("renamed parameter", rename_param, "missing parameter 'layers.0.neurons.0.w.0';"),
        ("string value", set_param("0.5"), f"parameter '{first}' is str '0.5', not a number"),
        ("null value", set_param(None), f"parameter '{first}' is NoneType"),
        ("bool value", set_param(True), f"parameter '{first}' is bool True, not a number"),
        ("list value", set_param([1.0]), f"parameter '{first}' is list"),
        ("nan", set_param(float("nan")), f"parameter '{first}' is nan; parameters must be finite"),
        ("inf", set_param(float("inf")), f"parameter '{first}' is inf"),
        ("-inf", set_param(float("-inf")), f"parameter '{first}' is -inf"),
        ("huge integer", set_param(10**400),
         f"parameter '{first}' is an integer too large for a float; parameters must be finite"),
        ("wrong format", set_key("format", "keras"), "not a stepgrad model file"),
        ("no format", del_key("format"), "not a stepgrad model file"),
        ("newer version", set_key("version", 2),
         "format version 2 is not supported; this stepgrad reads version 1"),
        ("no version", del_key("version"), "format version None is not supported"),
        ("extra key", set_key("optimizer", {}), "unexpected key 'optimizer'"),
        ("parameters not an object", set_key("parameters", [1.0, 2.0]),
         "parameters must map names to numbers, got list"),
        ("no parameters", del_key("parameters"), "parameters must map names to numbers"),
        ("no model", del_key("model"), '"model" must describe the architecture'),
        ("wrong sizes", arch("nouts", [8, 1]),
         r"different architecture \(nouts: file \[8, 1\], this model \[4, 3, 1\]\)"),
        ("wrong activation", arch("activations", ["tanh", "relu", "linear"]),
         r"different architecture \(activations: file \['tanh'"),
        ("wrong type", arch("type", "Layer"),
         r"different architecture \(type: file 'Layer', this model 'MLP'\)"),
        ("wrong nin", arch("nin", 3), r"different architecture \(nin: file 3, this model 2\)"),
    ]


@pytest.mark.parametrize("what, mutate, message", _mutations(), ids=[m[0] for m in _mutations()])
def test_bad_content_gives_a_clear_error_and_leaves_the_model_untouched(
        tmp_path, what, mutate, message):
    model = trained()
    doc = _doc(model)
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))  # json writes nan/inf as NaN/Infinity, which it reads back
    before = model.state_dict()
    with pytest.raises(ValueError, match=message) as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert model.state_dict() == before


@pytest.mark.parametrize("text, message", [
    ("", "not valid JSON"),
    ("{\"format\": \"stepgrad.nn\", \"version\": 1, \"model\"", "truncated or corrupted"),
    ("hello", r"not valid JSON \(Expecting value at line 1 column 1\)"),
    ("[1, 2, 3]", "not a stepgrad model file"),
    ('{"format": "stepgrad.nn", "format": "stepgrad.nn"}', "key 'format' appears twice"),
])
def test_corrupted_text_gives_a_clear_error(tmp_path, text, message):
    model = trained()
    before = model.state_dict()
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_truncated_file_gives_a_clear_error(tmp_path):
    model = trained()
    path = tmp_path / "m.json"
    model.save(path)
    data = path.read_bytes()
    for cut in (1, len(data) // 3, len(data) // 2, len(data) - 3):
        path.write_bytes(data[:cut])
        fresh = MLP(2, [4, 3, 1], seed=3)
        before = fresh.state_dict()
        with pytest.raises(ValueError, match="truncated or corrupted"):
            fresh.load(path)
        assert fresh.state_dict() == before


def test_binary_garbage_gives_a_clear_error(tmp_path):
    model = trained()
    path = tmp_path / "m.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ValueError, match="not a stepgrad model file \\(not UTF-8 text\\)"):
        model.load(path)


def test_numbers_too_big_for_a_float_are_rejected(tmp_path):
    model = trained()
    doc = json.dumps(_doc(model)).replace(
        str(model.state_dict()["layers.0.neurons.0.w.0"]), "1e999", 1)
    (tmp_path / "m.json").write_text(doc)
    with pytest.raises(ValueError, match="'layers.0.neurons.0.w.0' is inf"):
        model.load(tmp_path / "m.json")


def test_file_from_another_architecture_is_refused(tmp_path):
    small, big = MLP(2, [8, 1], seed=0), MLP(2, [16, 16, 1], seed=0)
    small.save(tmp_path / "small.json")
    before = big.state_dict()
    with pytest.raises(ValueError, match=r"nouts: file \[8, 1\], this model \[16, 16, 1\]"):
        big.load(tmp_path / "small.json")
    assert big.state_dict() == before


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        trained().load(tmp_path / "nope.json")


def test_loading_a_directory_says_so(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"cannot load {tmp_path}: it is a directory; "
                                                "give a file's name"):
        trained().load(tmp_path)


@pytest.mark.parametrize("state, message", [
    ({}, "missing parameter 'w.0' \\(0 parameters given, the model has 3\\)"),
    ({"w.0": 1.0, "w.1": 2.0, "b": float("nan")}, "parameter 'b' is nan"),
    ({"w.0": 1.0, "w.1": 2.0, "bias": 0.0}, "missing parameter 'b';"),
    ([1.0, 2.0, 3.0], "parameters must map names to numbers, got list"),
])
def test_load_state_dict_checks_everything_first(state, message):
    neuron = Neuron(2, seed=0)
    before = neuron.state_dict()
    with pytest.raises(ValueError, match=f"load_state_dict: {message}"):
        neuron.load_state_dict(state)
    assert neuron.state_dict() == before


# -- atomic writes --------------------------------------------------------------------------

def test_crash_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    trained(0).save(path)
    old = path.read_bytes()
    real_open = builtins.open

    class HalfWriter:
        """A file whose write puts down half the text, then fails like a full disk."""

        def __init__(self, *args, **kwargs):
            self.f = real_open(*args, **kwargs)

        def write(self, text):
            self.f.write(text[: len(text) // 2])
            self.f.flush()
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(_files, "open", HalfWriter, raising=False)
    with pytest.raises(OSError, match="No space left"):
        trained(1).save(path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temp file left


def test_crash_before_the_rename_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    trained(0).save(path)
    old = path.read_bytes()

    def crash(src, dst):
        raise KeyboardInterrupt  # e.g. Ctrl-C between writing and renaming

    monkeypatch.setattr(_files.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        trained(1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
    fresh = MLP(2, [4, 3, 1], seed=4)
    fresh.load(path)
    assert fresh.state_dict() == trained(0).state_dict()


def test_save_replaces_the_file_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "model.json"
    trained(0).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    os.chmod(path, 0o600)
    trained(1).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fresh = MLP(2, [4, 3, 1], seed=4)
    fresh.load(path)
    assert fresh.state_dict() == trained(1).state_dict()


def test_non_finite_model_is_not_saved(tmp_path):
    path = tmp_path / "model.json"
    model = trained()
    model.save(path)
    old = path.read_bytes()
    model.layers[1].neurons[2].b.data = float("nan")
    with pytest.raises(ValueError, match="parameter 'layers.1.neurons.2.b' is nan"):
        model.save(path)
    assert path.read_bytes() == old


def test_save_into_a_missing_directory_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory .*nowhere does not exist"):
        trained().save(tmp_path / "nowhere" / "m.json")
    assert not (tmp_path / "nowhere").exists()


def test_save_into_a_directory_that_is_not_writable_names_the_target(tmp_path, monkeypatch):
    real_open = os.open

    def refuse(path, *args):  # what open does in a read-only directory (even when run as root)
        if not str(path).endswith(".tmp"):
            return real_open(path, *args)
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(_files.os, "open", refuse)
    path = tmp_path / "m.json"
    with pytest.raises(PermissionError, match=f"directory {tmp_path} is not writable") as info:
        trained().save(path)
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)
    assert not path.exists()


def test_save_writes_through_a_symlink(tmp_path):
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    trained(0).save(real)
    link.symlink_to("real.json")
    trained(1).save(link)
    assert link.is_symlink() and os.readlink(link) == "real.json"
    fresh = MLP(2, [4, 3, 1], seed=4)
    fresh.load(real)
    assert fresh.state_dict() == trained(1).state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_model_file_is_never_pickle(tmp_path):
    path = tmp_path / "m.json"
    trained().save(path)
    assert Path(path).read_bytes().startswith(b"{")
