"""The public surface of nn: every exported name exists and says in one line what it is."""

from __future__ import annotations

import inspect

import pytest

import nn
from nn import _io, datasets, losses, modules, optim, train

MODULES = [nn, modules, losses, optim, datasets, train, _io]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_names_exist_and_public_callables_have_docstrings(module):
    assert module.__doc__ and module.__doc__.strip()
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"{module.__name__}.{name}"
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (inspect.isfunction(member)
                                                 or isinstance(member, property)):
                    assert member.__doc__, f"{module.__name__}.{name}.{attr}"


def test_package_reexports_are_the_same_objects():
    assert nn.MLP is modules.MLP and nn.fit is train.fit and nn.Adam is optim.Adam
    assert nn.softmax_cross_entropy is losses.softmax_cross_entropy
    assert set(nn.__all__) >= {"Module", "Neuron", "Layer", "MLP", "SGD", "Adam", "fit", "mse",
                               "hinge", "binary_cross_entropy", "softmax_cross_entropy", "l2"}
