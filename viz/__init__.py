"""Pictures and steppers of computation graphs: graphviz drawings, terminal, HTML, CLI."""

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

__all__ = [
    "ExpressionError",
    "GraphTooLarge",
    "GraphvizError",
    "GraphvizNotFound",
    "Stepper",
    "draw_dot",
    "draw_mlp",
    "find_path",
    "format_trace",
    "parse_expression",
    "print_trace",
    "step_through",
    "stepper_html",
]
