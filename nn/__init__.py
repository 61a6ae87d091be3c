"""Neural networks on `autograd.Value`: modules, losses, optimizers, datasets, training.

``from nn import MLP`` runs micrograd programs unchanged; ``nn.datasets`` holds the data.
"""

from nn import datasets as datasets
from nn.losses import binary_cross_entropy as binary_cross_entropy
from nn.losses import hinge as hinge
from nn.losses import l2 as l2
from nn.losses import logsumexp as logsumexp
from nn.losses import mse as mse
from nn.losses import softmax as softmax
from nn.losses import softmax_cross_entropy as softmax_cross_entropy
from nn.losses import softplus as softplus
from nn.modules import ACTIVATIONS as ACTIVATIONS
from nn.modules import INITS as INITS
from nn.modules import MLP as MLP
from nn.modules import Layer as Layer
from nn.modules import Module as Module
from nn.modules import Neuron as Neuron
from nn.optim import SGD as SGD
from nn.optim import Adam as Adam
from nn.optim import Optimizer as Optimizer
from nn.optim import linear_decay as linear_decay
from nn.plots import mlp_numpy_forward as mlp_numpy_forward
from nn.plots import plot_decision_boundary as plot_decision_boundary
from nn.train import LOSSES as LOSSES
from nn.train import History as History
from nn.train import accuracy as accuracy
from nn.train import binary_accuracy as binary_accuracy
from nn.train import fit as fit
from nn.train import multiclass_accuracy as multiclass_accuracy

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "accuracy",
    "binary_accuracy",
    "binary_cross_entropy",
    "datasets",
    "fit",
    "hinge",
    "l2",
    "linear_decay",
    "logsumexp",
    "mlp_numpy_forward",
    "mse",
    "multiclass_accuracy",
    "plot_decision_boundary",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
]
