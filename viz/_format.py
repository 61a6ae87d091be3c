"""Text helpers shared by the views: how numbers, node names and formulas are written.

The wording itself lives in ``autograd._words`` (the by-hand checks word steps the same way);
the views import it from here.
"""

from __future__ import annotations

from autograd._words import as_float as as_float
from autograd._words import chain_rule_rows as chain_rule_rows
from autograd._words import constant as constant
from autograd._words import expression as expression
from autograd._words import is_constant as is_constant
from autograd._words import local_formula as local_formula
from autograd._words import node_names as node_names
from autograd._words import number as number
from autograd._words import stale_warning as stale_warning
from autograd._words import term as term

__all__ = ["DASH", "as_float", "chain_rule_rows", "constant", "expression", "is_constant",
           "local_formula", "node_names", "number", "stale_warning", "term"]

DASH = "\u2013"  # what a gradient cell shows before any backward pass
