"""Suite-wide hypothesis profiles: ``ci`` when the CI environment variable is true, else ``dev``.

The profiles live in `autograd.strategies.register_profiles` so projects using stepgrad's
strategies can load the same ones from their own conftest.py.
"""

from autograd.strategies import register_profiles

register_profiles()
