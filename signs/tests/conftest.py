"""The sign tests use the case tests' city, staff and flow (clock T0 = Monday 09:00) and the
evaluation tests' week of cases."""

import pytest  # noqa: E402

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


@pytest.fixture(autouse=True)
def _fresh_measures():
    """Each test reads its own data: drop the counts a computation caches (signs.measures)."""
    from signs import measures

    measures.forget()
