"""Organisation: departments (city / district / street units) and staff profiles.

A StaffProfile links a Django user to one role, one department and an area scope (a set of
AdminAreas). Every later query is narrowed through ``org.selectors.scope(queryset, user)``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea
from core.models import TimeStamped


class DepartmentLevel(models.TextChoices):
    CITY = "city", _("City unit 市级")
    DISTRICT = "district", _("District unit 区级")
    STREET = "street", _("Street unit 街道级")


class DepartmentType(models.TextChoices):
    """How a unit relates to the problems it receives (常熟: 专业部门 = 主管/权属/养护)."""

    PROFESSIONAL = "professional", _("Professional department 专业部门")
    TERRITORIAL = "territorial", _("Territorial unit 属地")
    OWNER = "owner", _("Owner unit 权属单位")
    MAINTENANCE = "maintenance", _("Maintenance unit 养护单位")


class Department(TimeStamped):
    """A unit that receives and disposes tasks (处置单位)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=DepartmentLevel.choices)
    type = models.CharField(_("type"), max_length=16, choices=DepartmentType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The administrative area the unit answers for (a street office -> its street).
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ACCEPTOR = "acceptor", _("Intake operator 受理员")
    SHIFT_LEADER = "shift_leader", _("Shift leader 值班长")
    DISPATCHER = "dispatcher", _("Dispatcher 派遣员")
    INSPECTOR = "inspector", _("Grid inspector 监督员")
    DISPOSER = "disposer", _("Disposer 处置人员")
    LEADER = "leader", _("Leader 领导")
    ADMIN = "admin", _("Administrator 管理员")


class StaffProfile(TimeStamped):
    """What a user is in CityOps: role, department and the areas they may see and act on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    areas = models.ManyToManyField(
        AdminArea,
        verbose_name=_("area scope"),
        related_name="staff_profiles",
        blank=True,
        help_text=_("The user sees and acts on these areas and everything below them."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class ApiToken(TimeStamped):
    """A bearer token for the REST API (``Authorization: Bearer <key>``).

    Only a SHA-256 digest is stored; the key itself is shown once when created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=60)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
