"""Runnable demos: `python -m demos.NAME`, or all of them in order with `python -m demos`.

Each module has `main(argv)` and accepts `--quick` (fewer steps, for the smoke test).
Outputs (pictures, pages) go to `out/`.
"""

DEMOS: tuple[str, ...] = (
    "neuron", "graphs", "seeds", "gradient_descent", "moons", "patients", "spirals", "digits",
    "gradcheck_demo", "test_your_engine", "stepper", "by_hand",
)
