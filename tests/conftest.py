"""Suite-wide hypothesis profiles: ``ci`` when the CI environment variable is true, else ``dev``.

Test policy lives here, not in the library (``autograd.strategies`` only draws programs).
``ci``: derandomized so a run is reproducible, 200 examples, no deadline and no too-slow health
check (shared runners are slow), no example database. ``dev``: 50 examples, no deadline.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def register_profiles(load: bool = True) -> str:
    """Register the profiles ``ci`` and ``dev``; load this environment's unless ``load=False``.

    Returns the name of the profile for this environment.
    """
    settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None,
                              database=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", max_examples=50, deadline=None)
    name = "ci" if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes") else "dev"
    if load:
        settings.load_profile(name)
    return name


register_profiles()
