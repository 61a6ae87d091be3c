"""stepgrad's engine: a scalar `Value` that records its graph and differentiates it in reverse mode.

Not to be confused with the HIPS ``autograd`` package, which uses the same import name.
"""

from autograd.engine import Step as Step
from autograd.engine import Trace as Trace
from autograd.engine import Value as Value
from autograd.engine import backprop_steps as backprop_steps
from autograd.engine import dot as dot
from autograd.engine import grad as grad
from autograd.engine import sum_values as sum_values
from autograd.engine import walk as walk
from autograd.ops import OPS as OPS
from autograd.ops import Op as Op

__all__ = [
    "OPS",
    "Op",
    "Step",
    "Trace",
    "Value",
    "backprop_steps",
    "dot",
    "grad",
    "sum_values",
    "walk",
]
