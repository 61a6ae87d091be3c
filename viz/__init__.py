"""Pictures and steppers of computation graphs: graphviz drawings, terminal, HTML, CLI."""

from typing import TYPE_CHECKING, Any

from viz.dot import GraphTooLarge as GraphTooLarge
from viz.dot import GraphvizError as GraphvizError
from viz.dot import GraphvizNotFound as GraphvizNotFound
from viz.dot import draw_dot as draw_dot
from viz.dot import find_path as find_path
from viz.expr import ExpressionError as ExpressionError
from viz.expr import parse as parse_expression
from viz.html import Stepper as Stepper
from viz.html import stepper_html as stepper_html
from viz.mlp import draw_mlp as draw_mlp
from viz.terminal import format_trace as format_trace
from viz.terminal import print_trace as print_trace
from viz.terminal import step_through as step_through

if TYPE_CHECKING:
    from viz.training import TrainingView as TrainingView

__all__ = [
    "ExpressionError",
    "GraphTooLarge",
    "GraphvizError",
    "GraphvizNotFound",
    "Stepper",
    "TrainingView",
    "draw_dot",
    "draw_mlp",
    "find_path",
    "format_trace",
    "parse_expression",
    "print_trace",
    "step_through",
    "stepper_html",
]


def __getattr__(name: str) -> Any:
    """``TrainingView`` is imported on first use: it needs numpy, which the CLI does not."""
    if name == "TrainingView":
        from viz.training import TrainingView

        return TrainingView
    raise AttributeError(f"module 'viz' has no attribute {name!r}")
