"""Model files: JSON written atomically, read with strict checks, as plain dicts.

A file looks like ``{"format": "stepgrad.nn", "version": 1, "model": {architecture},
"parameters": {name: number}}``. Never pickle: a model file is data, and loading it runs no code.
This layer knows nothing of `Module`: it writes and reads dicts; the checks of a state against
a model's names live in `nn._checks.check_state`, which ``Module.load_state_dict`` calls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from os import PathLike
from typing import Any

from autograd._files import read_limited, write_atomic

__all__ = ["FORMAT", "MAX_FILE_SIZE", "VERSION", "load", "save", "write_atomic"]

FORMAT = "stepgrad.nn"
VERSION = 1
MAX_FILE_SIZE = 256 * 2**20
"""Bytes; a bigger model file is refused before it is read (about 8 million parameters)."""
_KEYS = ("format", "version", "model", "parameters")
_MAX_DIGITS = 4000  # below Python's int-to-str limit; no finite float is this long


def save(path: str | PathLike[str], architecture: dict[str, Any],
         state: Mapping[str, Any]) -> None:
    """Write ``architecture`` and the parameters ``state`` (any real numbers, written as
    floats) to ``path`` as JSON, atomically; a non-finite parameter is refused."""
    floats = {}
    for name, value in state.items():
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"cannot save {path}: parameter {name!r} is {number} (training "
                             "diverged?); only finite parameters can be saved")
        floats[name] = number
    document = {"format": FORMAT, "version": VERSION, "model": architecture,
                "parameters": floats}
    write_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")


def load(path: str | PathLike[str], architecture: dict[str, Any]) -> Any:
    """The parameters stored in ``path`` (still to be checked with `nn._checks.check_state`), after
    checking the file is a stepgrad model file of ``architecture``."""
    where = str(path)
    document = _read_json(path, where)
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
    _check_architecture(where, document.get("model"), architecture)
    return document.get("parameters")


def _read_json(path: str | PathLike[str], where: str) -> Any:
    try:
        text = read_limited(path, MAX_FILE_SIZE, verb="load").decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{where}: not a stepgrad model file (not UTF-8 text)") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_int=_int)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: not valid JSON ({err.msg} at line {err.lineno} column "
                         f"{err.colno}); the file is truncated or corrupted") from None
    except _DuplicateKey as err:
        raise ValueError(f"{where}: key {err.args[0]!r} appears twice; the file is "
                         "corrupted") from None
    except _LongInteger as err:
        raise ValueError(f"{where}: an integer of {err.args[0]:,} digits; the file is "
                         "corrupted (parameters are finite floats)") from None
    except RecursionError:
        raise ValueError(f"{where}: JSON nested too deeply; not a stepgrad model "
                         "file") from None


class _LongInteger(Exception):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise _LongInteger(len(text.lstrip("-")))
    return int(text)


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
