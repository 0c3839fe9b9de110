"""factory_boy factories for the organisation, shared by the tests and the demo city."""

from __future__ import annotations

import factory

from org.models import Department, DepartmentLevel, DepartmentType

DEFAULT_PASSWORD = "cityops-demo"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"Department {n}")
    level = DepartmentLevel.CITY
    type = DepartmentType.PROFESSIONAL
