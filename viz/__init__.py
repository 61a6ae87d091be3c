"""Pictures and steppers of computation graphs: graphviz drawings, terminal, HTML, CLI."""
