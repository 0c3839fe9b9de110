"""Dispatch: routing rules as data (派遣规则), joint scenarios (一件事), the SLA state of each task
(时限状态), its light flips, supervision records (督办记录) and escalation rules (升级督办).

Config rows (RoutingRule, JointScenario, EscalationRule) are edited only through
``dispatch.services`` (the admin and the API call it), which writes one RoutingHistory row per
change in the same transaction (STYLE.md rule 2).

The scanner keeps one SlaState row per task it has seen: the stored light, the next instant the
task needs a look (``next_check_at``, indexed: the scanner reads only what is due), and how far
the task has been escalated. Lights move by compare-and-swap on that row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from areas.models import AdminArea
from cases.models import Case, Task
from cases.sla import Light
from catalog.models import Category, CategoryKind
from core.models import TimeStamped
from org.models import Department, DepartmentLevel


class JointRole(models.TextChoices):
    LEAD = "lead", _("Lead 主办")
    CO = "co", _("Co-handler 协办")


def _check_validity(obj) -> dict[str, str]:
    if obj.valid_from and obj.valid_to and obj.valid_to < obj.valid_from:
        return {"valid_to": _("The rule must end on or after the day it starts.")}
    return {}


class RoutingRule(TimeStamped):
    """Category x area -> department (派遣规则).

    The rule covers the area's whole subtree. Its category is one subclass (``category``), every
    subclass of a major class (``category_kind`` + ``category_major``), or, with neither, every
    category. Among the rules that match a case, the deepest area wins, then the more specific
    category, then the higher ``priority``, then the newest rule.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    category_kind = models.CharField(
        _("category kind"), max_length=10, choices=CategoryKind.choices, blank=True
    )
    category_major = models.CharField(
        _("category major code"),
        max_length=2,
        blank=True,
        help_text=_("Two digits: the rule covers every subclass of this major class."),
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="routing_rules",
        help_text=_("The rule applies to this area and everything below it."),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    role = models.CharField(
        _("role in a joint case"), max_length=4, choices=JointRole.choices, default=JointRole.LEAD
    )
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("Higher wins among equally specific rules.")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["area__path", "category_kind", "category_major", "category_id", "-priority"]
        indexes = [models.Index(fields=["area", "is_active"], name="dispatch_rule_area_active")]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.category_label()} @ {self.area.name} -> {self.department.name}"

    def category_label(self) -> str:
        if self.category_id:
            return str(self.category)
        if self.category_major:
            return f"{self.category_major}xxx ({self.get_category_kind_display()})"
        return str(_("any category"))

    def clean(self) -> None:
        problems = _check_validity(self)
        if self.category_id and (self.category_major or self.category_kind):
            problems["category_major"] = _(
                "Give either one category or a kind and major code, not both."
            )
        elif bool(self.category_major) != bool(self.category_kind):
            problems["category_major"] = _("A major-class rule needs both the kind and the code.")
        elif self.category_major and not (
            len(self.category_major) == 2 and self.category_major.isdigit()
        ):
            problems["category_major"] = _("A major code is two digits, e.g. 01.")
        if problems:
            raise ValidationError(problems)


class JointScenario(TimeStamped):
    """A joint-case scenario (一件事场景, e.g. 餐饮油烟): one rule creating the whole task set.

    When a case of one of ``categories`` lies in ``area``'s subtree, routing sends it to the lead
    department plus every co-department at once.
    """

    name = models.CharField(_("name"), max_length=60)
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories"), related_name="joint_scenarios"
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="joint_scenarios",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("lead department 主办"),
        on_delete=models.PROTECT,
        related_name="lead_scenarios",
    )
    co_departments = models.ManyToManyField(
        Department,
        verbose_name=_("co-departments 协办"),
        related_name="co_scenarios",
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("joint scenario 一件事")
        verbose_name_plural = _("joint scenarios 一件事")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = _check_validity(self)
        if problems:
            raise ValidationError(problems)


class EscalationRule(TimeStamped):
    """When an overdue task is escalated one tier up (升级督办), per level of the current tier.

    Measured past the deadline on the task's own clock: ``after_hours`` working hours (continuous
    hours for round-the-clock units), or ``after_percent`` % of the allowed time, whichever comes
    first. Street -> district -> city: the next tier is the parent department, else the
    territorial unit of the parent area.
    """

    from_level = models.CharField(
        _("from level"), max_length=10, choices=DepartmentLevel.choices, unique=True
    )
    after_hours = models.DecimalField(
        _("hours past the deadline"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    after_percent = models.PositiveSmallIntegerField(
        _("percent of the allowed time past the deadline"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["from_level"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self) -> str:
        return str(self.get_from_level_display())

    def clean(self) -> None:
        if self.after_hours is None and self.after_percent is None:
            raise ValidationError(
                {"after_hours": _("Give the hours past the deadline, the percent, or both.")}
            )
        if self.after_hours is not None and self.after_hours <= 0:
            raise ValidationError({"after_hours": _("The hours must be positive.")})


class ConfigAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class RoutingHistory(models.Model):
    """One change of a routing rule, joint scenario or escalation rule: who, when, before/after."""

    model = models.CharField(_("model"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=6, choices=ConfigAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["model", "object_id"], name="dispatch_hist_object")]
        verbose_name = _("routing config change")
        verbose_name_plural = _("routing config history")

    def __str__(self) -> str:
        return f"{self.action} {self.model} {self.object_repr}"


class DecisionSource(models.TextChoices):
    COMPONENT = "component", _("The component's owner 部件先属主")
    RULE = "rule", _("Routing rule")
    SCENARIO = "scenario", _("Joint scenario 一件事")
    NO_RULE = "no_rule", _("Fallback owner 兜底: no rule")
    RETURNED = "returned", _("Fallback owner 兜底: returned case")


FALLBACK_SOURCES = frozenset({DecisionSource.NO_RULE, DecisionSource.RETURNED})


class RoutingDecision(models.Model):
    """Why a dispatch round went where it went; ``is_fallback`` flags the 兜底 rounds."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="routing_decisions"
    )
    round = models.PositiveSmallIntegerField(_("dispatch round"))
    decided_at = models.DateTimeField(_("decided at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=10, choices=DecisionSource.choices)
    is_fallback = models.BooleanField(_("fallback owner 兜底"), default=False, db_index=True)
    rule = models.ForeignKey(
        RoutingRule,
        verbose_name=_("lead rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scenario = models.ForeignKey(
        JointScenario,
        verbose_name=_("joint scenario"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead = models.ForeignKey(
        Department, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="+"
    )
    departments = models.JSONField(_("department codes"), default=list)

    class Meta:
        ordering = ["case_id", "round"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="dispatch_decision_round")
        ]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")

    def __str__(self) -> str:
        return f"{self.case_id}#{self.round} {self.source}"


class SlaState(models.Model):
    """The scanner's stored view of one task's clock (时限状态)."""

    task = models.OneToOneField(
        Task,
        verbose_name=_("task"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="sla_state",
    )
    light = models.CharField(_("light"), max_length=6, choices=Light.choices, default=Light.GREEN)
    # Copies of the task clock as last seen: a difference means the clock moved (extension,
    # resume, upgrade, rework) and the state is recomputed. Null: parked, recompute when running.
    started_at = models.DateTimeField(_("clock started at"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    yellow_at = models.DateTimeField(_("yellow at"), null=True, blank=True)
    # When the scanner must look again (yellow, red or escalation due); null = nothing pending.
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True, db_index=True)
    flipped_at = models.DateTimeField(_("last flip"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ForeignKey(
        Department,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA state")
        verbose_name_plural = _("SLA states")

    def __str__(self) -> str:
        return f"task {self.task_id}: {self.light}"


class LightFlip(models.Model):
    """One change of a task's stored light (history; the scanner's audit row)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="light_flips"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="light_flips"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    from_light = models.CharField(_("from"), max_length=6, choices=Light.choices)
    to_light = models.CharField(_("to"), max_length=6, choices=Light.choices)
    share = models.DecimalField(_("share of allowed time used"), max_digits=9, decimal_places=4)
    deadline_at = models.DateTimeField(_("deadline"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("light flip")
        verbose_name_plural = _("light flips")

    def __str__(self) -> str:
        return f"task {self.task_id}: {self.from_light} -> {self.to_light}"


def department_data(department: Department) -> dict:
    """A department as the case's trail stores it: the code to join on, the name as it was."""
    return {"code": department.code, "name": department.name}


class SupervisionKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder 催办")
    SUPERVISE = "supervise", _("Supervision 督办")
    ESCALATE = "escalate", _("Escalation 升级督办")
    MANUAL = "manual", _("Supervision by a person 人工督办")


# Supervision that asks the department to report back (督办: "dispose of it now and report
# back"); reminders 催办 and escalations 升级督办 (addressed to the tier above) ask no reply.
REPLY_KINDS = (SupervisionKind.SUPERVISE, SupervisionKind.MANUAL)


class Supervision(models.Model):
    """A supervision record (督办记录): who was told what about which task, and when."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="supervisions"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="supervisions",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SupervisionKind.choices)
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    to_department = models.ForeignKey(
        Department, verbose_name=_("to department"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the SLA scanner sent it."),
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    # 督办时限: when the supervisor wants it done and reported (a 督办 by hand may set one).
    due_at = models.DateTimeField(_("done by"), null=True, blank=True)
    message = models.TextField(_("message"))
    # Phone numbers the SMS was queued for; empty = nobody to tell (a configuration gap).
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    # The department's answer (督办回复), for the kinds that ask for one (REPLY_KINDS).
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["case_id", "sent_at", "pk"]
        verbose_name = _("supervision 督办")
        verbose_name_plural = _("supervision records 督办记录")

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} -> {self.to_department_id}"

    def trail_data(self) -> dict:
        """What this record adds to its event on the case's trail (CaseEvent.data).

        ``recipients`` is a count: 0 means nobody was texted (no phone on file).
        """
        return {
            "supervision": self.pk,
            "kind": self.kind,
            "level": self.level,
            "to_department": department_data(self.to_department),
            "recipients": len(self.recipients),
            **({"due_at": self.due_at.isoformat()} if self.due_at else {}),
        }

    def reply_late(self, now) -> bool:
        """The time asked for has passed without a reply (or the reply came after it)."""
        if self.due_at is None:
            return False
        return (self.replied_at or now) > self.due_at
