"""Every public name of the three packages is importable and has a one-line docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

PACKAGES = ("autograd", "nn", "viz")


def _public_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(path)
                  if not m.name.startswith("_")]
    return names


@pytest.mark.parametrize("module_name", _public_modules())
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__ and module.__doc__.strip(), f"{module_name} has no module docstring"
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    missing = []
    for name in exported:
        obj = getattr(module, name)  # AttributeError here means __all__ lists a missing name
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if not (inspect.getdoc(obj) or "").strip():
                missing.append(name)
            if inspect.isclass(obj):  # and the public methods it defines itself
                missing += [f"{name}.{m}" for m, f in vars(obj).items()
                            if inspect.isfunction(f) and not m.startswith("_")
                            and not (inspect.getdoc(f) or "").strip()]
    assert not missing, f"{module_name}: no docstring for {missing}"
