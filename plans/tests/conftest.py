"""The planned-work tests use the case tests' city and staff."""

from cases.tests.conftest import _media, staff  # noqa: F401  (fixtures re-exported)
