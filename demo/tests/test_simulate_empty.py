"""manage.py simulate before seed_demo: a clear message, not a traceback."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_simulate_without_a_demo_city_says_what_to_do():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("simulate", "--once", "--transport", "direct", stdout=io.StringIO())


def test_simulate_refuses_a_speed_that_is_not_positive():
    with pytest.raises(CommandError, match="--speed"):
        call_command("simulate", "--once", "--speed", "0", stdout=io.StringIO())
