"""factory_boy factories for the organisation, shared by the tests and the demo city."""

from __future__ import annotations

import functools

import factory
from django.conf import settings
from django.contrib.auth.hashers import make_password

from org.models import Department, DepartmentLevel, DepartmentType, Role, StaffProfile

DEFAULT_PASSWORD = "cityops-demo"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"Department {n}")
    level = DepartmentLevel.CITY
    type = DepartmentType.PROFESSIONAL


@functools.cache
def hashed_password(raw: str = DEFAULT_PASSWORD) -> str:
    """The password hashed once per process.

    PBKDF2 is deliberately slow (~0.25 s); the demo city creates dozens of users with the same
    password, so they share one hash (and its salt). Fine for demo and test users only.
    """
    return make_password(raw)


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose password is DEFAULT_PASSWORD (pass ``password=hashed_password("...")``)."""

    class Meta:
        model = settings.AUTH_USER_MODEL
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyFunction(hashed_password)
    is_superuser = False
    # Same rule as org.services.staff_create: administrators get the Django admin.
    is_staff = factory.LazyAttribute(
        lambda o: (
            o.is_superuser or (o.factory_parent is not None and o.factory_parent.role == Role.ADMIN)
        )
    )


class StaffProfileFactory(factory.django.DjangoModelFactory):
    """A staff profile with its user; ``areas=[...]`` sets the area scope."""

    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True  # the areas hook writes the m2m table, not the row

    user = factory.SubFactory(UserFactory)
    role = Role.INSPECTOR
    department = None
    phone = ""

    @factory.post_generation
    def areas(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.areas.set(extracted)
