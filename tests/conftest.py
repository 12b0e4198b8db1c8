"""Hypothesis profiles: reproducible in CI, long on request.

``ci`` (the default) derandomizes and keeps no example database, so a run is the same
on every machine; ``long`` (``HYPOTHESIS_PROFILE=long``) multiplies the fuzz tests'
example counts (see :func:`fuzzing.examples`) and draws fresh examples each run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
