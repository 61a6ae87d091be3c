"""Model files and the atomic writer under hostile input: deep JSON, huge numbers, devices,
read-only targets, symlink loops, several outputs, leftovers of a killed writer (issue 19.7)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd import _files
from autograd._files import write_all, write_atomic
from nn import MLP
from nn import _io as model_io

ROOT = Path(__file__).parents[2]


def model_file(tmp_path: Path, parameters: str) -> Path:
    path = tmp_path / "m.json"
    path.write_text('{"format": "stepgrad.nn", "version": 1, "model": {"type": "MLP", '
                    '"nin": 1, "nouts": [1], "activations": ["linear"]}, '
                    f'"parameters": {parameters}}}')
    return path


def test_json_nested_100000_deep_is_a_clear_error(tmp_path: Path) -> None:
    path = model_file(tmp_path, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=f"{path}: JSON nested too deeply"):
        MLP(1, [1], activation="linear").load(path)


def test_a_5000_digit_integer_is_named_with_the_file(tmp_path: Path) -> None:
    path = model_file(tmp_path, '{"layers.0.neurons.0.w.0": ' + "9" * 5000 + "}")
    with pytest.raises(ValueError, match=f"{path}: an integer of 5,000 digits") as info:
        MLP(1, [1], activation="linear").load(path)
    assert "set_int_max_str_digits" not in str(info.value)


@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "fifo"])
def test_what_is_not_a_regular_file_is_refused_unread(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "m.json"
    if kind == "fifo":
        os.mkfifo(path)  # reading it would block forever
    else:
        path.symlink_to("/dev/zero")  # reading it would never end
    with pytest.raises(ValueError, match=f"cannot load {path}: it is not a regular file"):
        MLP(1, [1]).load(path)


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    with open(path, "wb") as f:
        f.truncate(model_io.MAX_FILE_SIZE + 1)  # sparse: no disk used
    with pytest.raises(ValueError, match=f"cannot load {path}: it is 268,435,457 bytes, more "
                                         "than the limit of 268,435,456"):
        MLP(1, [1]).load(path)


def test_numpy_float32_parameters_save_and_load(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=0)
    for p, w in zip(model.parameters(), np.array([0.5, -1.25, 3.0], dtype=np.float32),
                    strict=True):
        p.data = w
    assert all(type(v) is float for v in model.state_dict().values())
    model.save(tmp_path / "m.json")
    fresh = MLP(2, [1], seed=1)
    fresh.load(tmp_path / "m.json")
    assert [p.data for p in fresh.parameters()] == [0.5, -1.25, 3.0]


def test_the_file_layer_does_not_import_modules() -> None:
    lines = Path(model_io.__file__).read_text().splitlines()
    assert not [line for line in lines if line.lstrip().startswith(("from nn", "import nn"))]


def test_write_atomic_leaves_the_umask_alone(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(mask: int) -> int:
        raise AssertionError("write_atomic changed the process-wide umask")

    old = os.umask(0o027)
    try:
        monkeypatch.setattr(_files.os, "umask", forbidden)
        write_atomic(tmp_path / "f.txt", "new")
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o640


def test_a_read_only_target_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match=f"cannot write {target}: it is read-only"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_a_symlink_loop_is_an_error_and_stays_a_link(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError, match=f"cannot write {a}: it is a symlink loop"):
        write_atomic(a, "x")
    assert a.is_symlink() and b.is_symlink() and sorted(os.listdir(tmp_path)) == ["a", "b"]


def test_several_outputs_are_written_all_or_none(tmp_path: Path) -> None:
    first, second = tmp_path / "one.svg", tmp_path / "missing" / "two.svg"
    with pytest.raises(FileNotFoundError, match="missing does not exist"):
        write_all([(first, "1"), (second, "2")])
    assert os.listdir(tmp_path) == []
    locked = tmp_path / "locked.svg"
    locked.write_text("old")
    locked.chmod(0o444)
    with pytest.raises(PermissionError):
        write_all([(first, "1"), (locked, "2")])
    assert os.listdir(tmp_path) == ["locked.svg"]


def test_one_file_named_twice_is_refused_before_writing(tmp_path: Path) -> None:
    same = tmp_path / "same"
    with pytest.raises(ValueError, match="same is named twice; give each output its own file"):
        write_all([(same, "svg"), (str(tmp_path / "." / "same"), "dot")])
    assert not same.exists()


def test_temporary_files_of_a_killed_writer_are_cleaned_on_the_next_save(tmp_path: Path) -> None:
    dead = tmp_path / ".f.txt.999999999.0a1b2c3d.tmp"  # above any pid_max: no such process
    mine = tmp_path / f".f.txt.{os.getpid()}.0a1b2c3d.tmp"  # a live writer's: kept
    dead.write_text("half")
    mine.write_text("half")
    write_atomic(tmp_path / "f.txt", "whole")
    assert sorted(os.listdir(tmp_path)) == sorted(["f.txt", mine.name])


def test_viz_cli_starts_without_numpy_or_nn() -> None:
    import subprocess

    code = "import sys, viz.cli; print('numpy' in sys.modules, 'nn' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["False", "False"]
