"""Text helpers shared by the views: how numbers, node names and formulas are written.

The wording itself lives in ``autograd._words`` (the by-hand checks word steps the same way);
the views import it from here.
"""

from __future__ import annotations

from autograd._words import as_float as as_float
from autograd._words import constant as constant
from autograd._words import expression as expression
from autograd._words import local_formula as local_formula
from autograd._words import node_names as node_names
from autograd._words import number as number
from autograd._words import step_line as step_line
from autograd._words import term as term

__all__ = ["DASH", "as_float", "constant", "expression", "local_formula", "node_names", "number",
           "step_line", "term"]

DASH = "\u2013"  # what a gradient cell shows before any backward pass
