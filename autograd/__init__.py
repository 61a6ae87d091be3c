"""stepgrad's engine: a scalar `Value` that records its graph and differentiates it in reverse mode.

Not to be confused with the HIPS ``autograd`` package, which uses the same import name.
"""

from autograd.by_hand import ByHandReport as ByHandReport
from autograd.by_hand import check_by_hand as check_by_hand
from autograd.check_engine import EngineReport as EngineReport
from autograd.check_engine import assert_engine as assert_engine
from autograd.check_engine import check_engine as check_engine
from autograd.engine import Value as Value
from autograd.engine import apply_op as apply_op
from autograd.engine import dot as dot
from autograd.engine import grad as grad
from autograd.engine import sum_values as sum_values
from autograd.engine import walk as walk
from autograd.foreign import as_stepgrad as as_stepgrad
from autograd.gradcheck import Culprit as Culprit
from autograd.gradcheck import GradcheckReport as GradcheckReport
from autograd.gradcheck import assert_gradcheck as assert_gradcheck
from autograd.gradcheck import find_culprit as find_culprit
from autograd.gradcheck import gradcheck as gradcheck
from autograd.ops import OPS as OPS
from autograd.ops import Op as Op
from autograd.tape import Tape as Tape
from autograd.tape import TapeMismatch as TapeMismatch
from autograd.trace import Step as Step
from autograd.trace import Trace as Trace
from autograd.trace import backprop_steps as backprop_steps

__all__ = [
    "ByHandReport",
    "Culprit",
    "EngineReport",
    "GradcheckReport",
    "OPS",
    "Op",
    "Step",
    "Tape",
    "TapeMismatch",
    "Trace",
    "Value",
    "apply_op",
    "as_stepgrad",
    "assert_engine",
    "assert_gradcheck",
    "backprop_steps",
    "check_by_hand",
    "find_culprit",
    "check_engine",
    "dot",
    "grad",
    "gradcheck",
    "sum_values",
    "walk",
]
