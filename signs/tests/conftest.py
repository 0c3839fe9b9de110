"""The sign tests use the case tests' city, staff and flow (clock T0 = Monday 09:00) and the
evaluation tests' week of cases."""

from cases.tests.conftest import (  # noqa: F401  (fixtures re-exported for the sign tests)
    _media,
    alpha_office,
    flow,
    grid,
    roads,
    staff,
    standard,
    t0,
    west_grid,
)
