"""Model files: JSON written atomically, read with strict checks, loaded all or nothing.

A file looks like ``{"format": "stepgrad.nn", "version": 1, "model": {architecture},
"parameters": {name: number}}``. Never pickle: a model file is data, and loading it runs no code.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import numbers
import os
import stat
import tempfile
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nn.modules import Module

__all__ = ["FORMAT", "VERSION", "load", "load_state", "save", "write_atomic"]

FORMAT = "stepgrad.nn"
VERSION = 1
_KEYS = ("format", "version", "model", "parameters")


def load_state(model: Module, state: Any, where: str) -> None:
    """Set ``model``'s parameters from ``state``, or raise a ValueError and set none of them.

    Names must match ``named_parameters()`` exactly and every value be a finite number; the
    error starts with ``where`` and names the first problem.
    """
    named = model.named_parameters()
    if not isinstance(state, Mapping):
        raise ValueError(f"{where}: parameters must map names to numbers, got "
                         f"{type(state).__name__}")
    names = [name for name, _ in named]
    missing = [name for name in names if name not in state]
    expected = set(names)
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        first = (f"missing parameter {missing[0]!r}" if missing
                 else f"unexpected parameter {unexpected[0]!r}")
        counts = (f" ({len(state)} parameters given, the model has {len(names)})"
                  if len(state) != len(names) else "")
        raise ValueError(f"{where}: {first}{counts}; names must match the model's "
                         "named_parameters()")
    values = []
    for name in names:
        value = state[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{where}: parameter {name!r} is {type(value).__name__} "
                             f"{value!r:.40}, not a number")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond 1.8e308
            raise ValueError(f"{where}: parameter {name!r} is an integer too large for a float; "
                             "parameters must be finite numbers") from None
        if not math.isfinite(number):
            raise ValueError(f"{where}: parameter {name!r} is {number}; parameters must be "
                             "finite numbers")
        values.append(number)
    for (_, p), value in zip(named, values, strict=True):
        p.data = value


def save(model: Module, path: str | PathLike[str]) -> None:
    """Write ``model``'s architecture and parameters to ``path`` as JSON, atomically."""
    state = model.state_dict()
    for name, value in state.items():
        if not math.isfinite(value):
            raise ValueError(f"cannot save {path}: parameter {name!r} is {value} (training "
                             "diverged?); only finite parameters can be saved")
    document = {"format": FORMAT, "version": VERSION, "model": model.architecture(),
                "parameters": state}
    write_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")


def load(model: Module, path: str | PathLike[str]) -> None:
    """Read ``path`` into ``model`` after checking everything; on any error nothing changes."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except IsADirectoryError:
        raise IsADirectoryError(f"cannot load {where}: it is a directory; give a model file's "
                                "name") from None
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a stepgrad model file (not UTF-8 text)") from None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: not valid JSON ({err.msg} at line {err.lineno} column "
                         f"{err.colno}); the file is truncated or corrupted") from None
    except _DuplicateKey as err:
        raise ValueError(f"{where}: key {err.args[0]!r} appears twice; the file is "
                         "corrupted") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{where}: not a stepgrad model file (expected a JSON object with "
                         f'"format": "{FORMAT}")')
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ValueError(f"{where}: format version {version!r} is not supported; this "
                         f"stepgrad reads version {VERSION}")
    for key in document:
        if key not in _KEYS:
            raise ValueError(f"{where}: unexpected key {key!r}; a model file holds "
                             f"{', '.join(_KEYS)}")
    _check_architecture(where, document.get("model"), model.architecture())
    load_state(model, document.get("parameters"), where)


def _check_architecture(where: str, found: Any, expected: dict[str, Any]) -> None:
    if not isinstance(found, dict):
        raise ValueError(f'{where}: "model" must describe the architecture, got '
                         f"{type(found).__name__}")
    for key in [*expected, *(k for k in found if k not in expected)]:
        if found.get(key) != expected.get(key):
            raise ValueError(f"{where}: the file holds a different architecture ({key}: "
                             f"file {found.get(key)!r}, this model {expected.get(key)!r}); "
                             f"build the model as {_describe(found)} before loading")


def _describe(architecture: dict[str, Any]) -> str:
    """``{"type": "MLP", "nin": 2, ...}`` as ``MLP(nin=2, ...)``."""
    args = ", ".join(f"{k}={v!r}" for k, v in architecture.items() if k != "type")
    return f"{architecture.get('type', 'a model')}({args})"


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def write_atomic(path: str | PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (str as UTF-8) to ``path``: readers see the old file or the new, never half.

    The data goes to a temporary file in the same directory, is flushed to disk, then
    ``os.replace`` swaps it in (atomic on POSIX and Windows); on any error the temporary file
    is removed and the old file is untouched. A symlink is written through: its target is
    replaced and the link kept. The one place stepgrad writes user files.
    """
    given = path
    path = Path(os.path.realpath(path))
    directory = path.parent
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {given}: it is a directory; give a file name")
    if path.exists() and not path.is_file():  # renaming over it would replace the device
        raise OSError(f"cannot write {given}: it is not a regular file (a device, pipe or "
                      "socket); give a file name")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {given}: directory {directory} does not exist")
    if path.exists():  # keep an existing file's permissions (mkstemp would make them 0600)
        mode = stat.S_IMODE(path.stat().st_mode)
    else:  # a new file gets what the umask gives any new file
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except PermissionError:  # its message would name the temporary file
        raise PermissionError(errno.EACCES, f"directory {directory} is not writable",
                              str(given)) from None
    try:
        with open(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
