"""Catalogue: GB/T 47678.5-2026 categories (部件/事项) and filing standards (立结案标准).

A 5-digit code (2 major + 3 minor) is unique only together with the kind: 管理事项 01xxx-05xxx are
"部件 X 异常" and share the 部件's code (standards.md §2.1, §8).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStamped, TimeUnit

# Smallest time limit amount (DecimalField with 2 places): a limit is always positive.
MIN_LIMIT = Decimal("0.01")


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("Component 部件")
    EVENT = "event", _("Matter 事项")


class Category(TimeStamped):
    """One subclass of the national directory, or a local extension."""

    kind = models.CharField(_("kind"), max_length=10, choices=CategoryKind.choices)
    code = models.CharField(_("code"), max_length=5)
    name = models.CharField(_("name"), max_length=60)
    major_code = models.CharField(_("major code"), max_length=2)
    major_name = models.CharField(_("major name"), max_length=30)
    # Words a citizen would use ("井盖坏了"), shown in the portal's category picker.
    plain_name = models.CharField(_("plain name"), max_length=60, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_local = models.BooleanField(_("local extension"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="catalog_category_kind_code"),
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if len(self.code) != 5 or not self.code.isdigit():
            raise ValidationError({"code": _("A category code is 5 digits (2 major + 3 minor).")})
        if not self.code.startswith(self.major_code):
            raise ValidationError({"major_code": _("The code must start with the major code.")})


class FilingStandard(TimeStamped):
    """One (立案条件, 结案条件, 处置时限) triple of a category; several per category.

    The time limit belongs to the condition, not to the category (standards.md §8). Limits may
    differ by area class A/B/C; a blank class limit falls back to ``time_limit``.
    """

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="standards"
    )
    code = models.CharField(_("code"), max_length=12, unique=True)
    filing_condition = models.CharField(_("filing condition 立案条件"), max_length=300)
    closing_condition = models.CharField(_("closing condition 结案条件"), max_length=300)
    time_limit = models.DecimalField(
        _("time limit"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(MIN_LIMIT)],
    )
    time_unit = models.CharField(_("time unit"), max_length=12, choices=TimeUnit.choices)
    limit_a = models.DecimalField(
        _("limit in class A"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_LIMIT)],
    )
    limit_b = models.DecimalField(
        _("limit in class B"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_LIMIT)],
    )
    limit_c = models.DecimalField(
        _("limit in class C"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_LIMIT)],
    )
    responsible_note = models.CharField(_("responsible unit (note)"), max_length=100, blank=True)
    # Where the row comes from (a published local standard, or "CityOps example"): standards
    # differ between cities and nobody should mistake an example for a national rule.
    source = models.CharField(_("source"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__kind", "category__code", "sort_order", "code"]
        verbose_name = _("filing standard")
        verbose_name_plural = _("filing standards")

    def __str__(self) -> str:
        return f"{self.code} {self.filing_condition}"

    def limit_for(self, area_class: str | None) -> Decimal:
        """The time limit amount that applies in an area class (A/B/C)."""
        by_class = {"A": self.limit_a, "B": self.limit_b, "C": self.limit_c}
        value = by_class.get(area_class or "")
        return value if value is not None else self.time_limit
