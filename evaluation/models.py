"""Facts evaluation counts (考核事实): one row per task, kept right as the case moves.

Evaluation reads these, never the live case tables: a ranking is a sum over facts, and the
facts say what each rate means (evaluation.definitions). A task's fact is written when the task
is settled (disposed, returned, cancelled) or passes its deadline, and rewritten after every
later move that changes it (rework, extension, pause, upgrade), so a reopened case (返工, 回退)
is counted as it stands; ``manage.py evaluation_backfill`` writes them for cases that existed
before (history, imports). An open task not yet due may have no fact: it counts nowhere.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.states import SourceChannel
from catalog.models import CategoryKind


class Outcome(models.TextChoices):
    OPEN = "open", _("Open 未处置")
    DISPOSED = "disposed", _("Disposed 已处置")
    RETURNED = "returned", _("Returned 回退")
    CANCELLED = "cancelled", _("Cancelled 已取消")


class TaskFact(models.Model):
    """What one task (one department's share of one dispatch round) counts for."""

    task = models.OneToOneField(
        "cases.Task", verbose_name=_("task"), on_delete=models.CASCADE, related_name="fact"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(_("area path"), max_length=80)
    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel.choices)
    category_kind = models.CharField(
        _("kind 部件/事件"), max_length=10, choices=CategoryKind.choices, blank=True
    )
    is_lead = models.BooleanField(_("lead task 主办"), default=True)
    urgent = models.BooleanField(_("urgent 紧急"), default=False)
    started_at = models.DateTimeField(_("dispatched at"))
    # The deadline as the SLA clock has it: limit + approved extensions, pushed by pauses.
    deadline_at = models.DateTimeField(_("deadline"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    # When the task stopped being open (disposed, returned, cancelled); empty while open.
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    on_time = models.BooleanField(_("disposed on time 按期"), null=True)
    reworks = models.PositiveSmallIntegerField(_("reworks 返工"), default=0)
    extended = models.BooleanField(_("extended 延期"), default=False)
    # Working time from dispatch to disposal minus pauses (处置时长), on the task's clock.
    work_seconds = models.PositiveIntegerField(_("working seconds to disposal"), null=True)
    # The time it was allowed on the same clock (time limit + approved extensions: the working
    # time from dispatch to the deadline, less the pauses that pushed it): 处置时限.
    allowed_seconds = models.PositiveIntegerField(_("working seconds allowed"), null=True)
    # The reporter's rating (回访) of the case, on the lead task of its last round only: the
    # department that answered for the outcome.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("written at"), auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["department", "settled_at"], name="eval_fact_dept_settled"),
            models.Index(fields=["department", "deadline_at"], name="eval_fact_dept_deadline"),
            models.Index(fields=["started_at"], name="eval_fact_started"),
            # The tasks disposed in a window, across departments (the sign index's B3.3).
            models.Index(fields=["settled_at"], name="eval_fact_settled"),
        ]
        verbose_name = _("task fact")
        verbose_name_plural = _("task facts")

    def __str__(self) -> str:
        return f"{self.task_id} {self.outcome}"


class CaseOutcome(models.TextChoices):
    OPEN = "open", _("Open 未结案")
    CLOSED = "closed", _("Closed 结案")
    VOIDED = "voided", _("Voided 作废")


class CaseFact(models.Model):
    """What one filed case (立案) counts for in the region evaluation (区域评价) and the year's
    headline table. Written when the case is filed and after every move that changes it
    (dispatch deadlines passing, disposal, rework, returns, closing, voiding, duplicate reports
    attached, the reporter's rating); a case never filed (不予受理, still being verified) has none."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="fact"
    )
    # The grid's (or area's) path: regions at every tier are prefixes of it.
    area_path = models.CharField(_("area path"), max_length=80)
    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel.choices)
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category_kind = models.CharField(
        _("kind 部件/事件"), max_length=10, choices=CategoryKind.choices, blank=True
    )
    urgent = models.BooleanField(_("urgent 紧急"), default=False)
    filed_at = models.DateTimeField(_("filed at"))
    # The case's deadline: its latest dispatch round's lead task deadline (处置时限) as the SLA
    # clock has it, and when that task was disposed. Empty before the first dispatch.
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CaseOutcome.choices)
    # When the case was closed or voided; empty while open.
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    on_time = models.BooleanField(_("closed on time 按期结案"), null=True)
    reworks = models.PositiveSmallIntegerField(_("reworks 返工"), default=0)
    returns = models.PositiveSmallIntegerField(_("returns 回退"), default=0)
    # How many reports the case carries (intake reports, duplicates merged in): > 1 is 重复.
    reports = models.PositiveSmallIntegerField(_("reports"), default=1)
    fallback = models.BooleanField(_("sent to the fallback owner 兜底"), default=False)
    # The reporter's rating (回访, 1-5: portal.Rating) and when it was given.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("written at"), auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["filed_at"], name="eval_casefact_filed"),
            models.Index(fields=["settled_at"], name="eval_casefact_settled"),
            models.Index(fields=["deadline_at"], name="eval_casefact_deadline"),
            models.Index(fields=["rated_at"], name="eval_casefact_rated"),
        ]
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class ObjectType(models.TextChoices):
    DEPARTMENT = "department", _("Departments 专业部门")
    REGION = "region", _("Regions 区域")
    # Posts (岗位评价): the people of one role (org.Role values).
    INSPECTOR = "inspector", _("Grid inspectors 监督员")
    ACCEPTOR = "acceptor", _("Intake operators 受理员")
    SHIFT_LEADER = "shift_leader", _("Shift leaders 值班长")
    DISPATCHER = "dispatcher", _("Dispatchers 派遣员")
    DISPOSER = "disposer", _("Disposers 处置人员")


class RuleKind(models.TextChoices):
    LINEAR = "linear", _("Linear: the rate as points 线性")
    BANDS = "bands", _("Bands: points by threshold 分档")
    DEDUCT = "deduct", _("Deduction per case 扣分")


class Scheme(models.Model):
    """An evaluation scheme (评价方案): indicators weighted into one composite score 综合指标值
    (0-100) and a grade. Edited in the admin (its history is the admin's) or on the scheme
    page, which shows the ranking before and after a change before it is saved."""

    name = models.CharField(_("name"), max_length=100)
    object_type = models.CharField(_("evaluates"), max_length=12, choices=ObjectType.choices)
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("The one the ranking pages show by default.")
    )
    description = models.TextField(_("description"), blank=True)
    # Lowest composite score of each grade, best first (default: A 90, B 75, C 60, D 40, else E).
    grade_a = models.DecimalField(_("grade A from"), max_digits=5, decimal_places=2, default=90)
    grade_b = models.DecimalField(_("grade B from"), max_digits=5, decimal_places=2, default=75)
    grade_c = models.DecimalField(_("grade C from"), max_digits=5, decimal_places=2, default=60)
    grade_d = models.DecimalField(_("grade D from"), max_digits=5, decimal_places=2, default=40)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["object_type", "name"]
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")

    def __str__(self) -> str:
        return self.name


class SchemeItem(models.Model):
    """One indicator of a scheme, its weight and how its value becomes points (0-100)."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="items"
    )
    indicator = models.CharField(_("indicator"), max_length=40)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    rule = models.CharField(_("score rule"), max_length=10, choices=RuleKind.choices)
    # linear: {} (rate = points; lower-is-better rates count 100 - rate), or {"zero": x,
    # "full": y}: points 0 at x, 100 at y, straight between. bands: {"bands": [[at_least,
    # points], ...]} highest first. deduct: {"per": points off per counted case, "count": key}.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["scheme", "position", "pk"]
        verbose_name = _("scheme indicator")
        verbose_name_plural = _("scheme indicators")

    def __str__(self) -> str:
        return f"{self.indicator} x{self.weight}"

    def clean(self) -> None:
        from evaluation.schemes import check_item

        if self.scheme_id:
            check_item(self.scheme.object_type, self.indicator, self.rule, self.params)


def _default_region_indicators() -> list[str]:
    return ["filed", "closing_rate", "on_time_closing_rate", "satisfaction_rate"]


def _default_department_indicators() -> list[str]:
    return ["due", "disposal_rate", "on_time_rate"]


class PublicResults(models.Model):
    """What the city publishes of its evaluation to everyone (群众监督): the citizen portal's
    results page and its open data (CSV/JSON). Off until an administrator switches it on; one
    row (pk 1)."""

    enabled = models.BooleanField(_("published"), default=False)
    region_tier = models.CharField(
        _("regions shown"),
        max_length=10,
        default="district",
        choices=[("district", _("Districts")), ("street", _("Streets"))],
    )
    region_indicators = models.JSONField(
        _("region indicators shown"), default=_default_region_indicators
    )
    show_departments = models.BooleanField(_("show departments"), default=True)
    department_indicators = models.JSONField(
        _("department indicators shown"), default=_default_department_indicators
    )
    months = models.PositiveSmallIntegerField(
        _("months that may be looked up"), default=12, help_text=_("Past whole months, 1-60.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("published evaluation results")
        verbose_name_plural = _("published evaluation results")

    def __str__(self) -> str:
        return str(_("Published evaluation results"))

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from evaluation import definitions

        problems = {}
        for field, known in (
            ("region_indicators", definitions.REGION_BY_KEY),
            ("department_indicators", definitions.BY_KEY),
        ):
            value = getattr(self, field)
            if not isinstance(value, list) or any(k not in known for k in value):
                problems[field] = _("A list of these keys: %(keys)s.") % {"keys": ", ".join(known)}
        if not 1 <= (self.months or 0) <= 60:
            problems["months"] = _("Between 1 and 60 months.")
        if problems:
            raise ValidationError(problems)

    @classmethod
    def current(cls) -> PublicResults:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


# --- Rollups (日/月/季/年汇总) ------------------------------------------------------------------
#
# Facts summed per local day, month, quarter and year (``grain``), so a period is a sum over a
# few rows whatever its length: a year or a quarter is one row per key, a running month its days.
# They are kept equal to the facts as stored by evaluation.rollups (every fact write adds the
# difference it makes, in the same transaction); the nightly reconciliation checks them.


class Grain(models.TextChoices):
    DAY = "d", _("Day")
    MONTH = "m", _("Month")
    QUARTER = "q", _("Quarter")
    YEAR = "y", _("Year")


class Rollup(models.Model):
    grain = models.CharField(_("grain"), max_length=1, choices=Grain.choices)
    # The day, or the first day of the month, quarter or year, in the city's time zone.
    day = models.DateField(_("day"))
    category_kind = models.CharField(
        _("kind 部件/事件"), max_length=10, choices=CategoryKind.choices, blank=True
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.grain} {self.day}"


class DepartmentRollup(Rollup):
    """Task facts of one department summed by the day each count is dated by: the day a task
    was disposed (处置数 and what depends on it), dispatched, returned, rated; ``came_due`` and
    ``resolved`` date the overdue backlog (see evaluation.rollups)."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.CASCADE, related_name="+"
    )
    disposed = models.IntegerField(default=0)
    disposed_on_time = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    work_seconds = models.BigIntegerField(default=0)
    checked = models.IntegerField(default=0)
    dispatched = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    came_due = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "department", "category_kind"], name="eval_deptroll_key"
            )
        ]
        verbose_name = _("department rollup")
        verbose_name_plural = _("department rollups")


class RegionRollup(Rollup):
    """Case facts of one grid (or area) summed by day, kind and source channel."""

    area_path = models.CharField(_("area path"), max_length=80)
    source = models.CharField(_("source channel"), max_length=20, choices=SourceChannel.choices)
    filed = models.IntegerField(default=0)
    inspector_filed = models.IntegerField(default=0)
    public_filed = models.IntegerField(default=0)
    repeated = models.IntegerField(default=0)
    hard = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    by_proxy = models.IntegerField(default=0)
    voided = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    came_due = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "area_path", "category_kind", "source"],
                name="eval_regionroll_key",
            )
        ]
        # A ranking page's regions: their trend months (and a street's or grid's own page).
        indexes = [models.Index(fields=["area_path", "grain", "day"], name="eval_regionroll_path")]
        verbose_name = _("region rollup")
        verbose_name_plural = _("region rollups")


class CategoryRollup(Rollup):
    """Cases filed per grid (or area) and category: the regions' most filed categories 高发类别."""

    area_path = models.CharField(_("area path"), max_length=80)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    filed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "area_path", "category_kind", "category"],
                name="eval_catroll_key",
            )
        ]
        # A ranking page's most filed categories: its regions' rows of the period.
        indexes = [models.Index(fields=["area_path", "grain", "day"], name="eval_catroll_path")]
        verbose_name = _("category rollup")
        verbose_name_plural = _("category rollups")


# --- Posts (岗位评价) ----------------------------------------------------------------------------


class Stage(models.TextChoices):
    """A step of the loop done by one person (evaluation.posts says what each counts)."""

    REPORT = "report", _("Report 上报")
    ACCEPT = "accept", _("Intake 受理")
    VERIFY = "verify", _("Verification 核实")
    FILE = "file", _("Filing 立案")
    DISPATCH = "dispatch", _("Dispatch 派遣")
    DISPOSE = "dispose", _("Disposal 处置")
    CHECK = "check", _("Check 核查")
    CLOSE = "close", _("Closing 结案")


class PostFact(models.Model):
    """One step of one case done by one staff member (岗位评价): who, in which post, when it
    became theirs to do and by when (the post limits), whether on time, and whether it held
    (有效上报, 准确立案, 准确派遣, a disposal that passed its check). Rewritten from the case's
    trail after every move that changes it (evaluation.posts)."""

    event = models.OneToOneField(
        "cases.CaseEvent", verbose_name=_("event"), on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    post = models.CharField(_("post 岗位"), max_length=16)
    stage = models.CharField(_("step"), max_length=10, choices=Stage.choices)
    area_path = models.CharField(_("area path"), max_length=80)
    at = models.DateTimeField(_("done at"))
    started_at = models.DateTimeField(_("due from"), null=True, blank=True)
    due_at = models.DateTimeField(_("due by"), null=True, blank=True)
    on_time = models.BooleanField(_("on time 按时"), null=True)
    # 有效 / 准确: the report was filed, the filing not voided, the dispatch not returned, the
    # disposal passed its check. Empty while it cannot be told yet.
    held = models.BooleanField(_("held 有效/准确"), null=True)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="eval_postfact_at"),
            models.Index(fields=["person", "at"], name="eval_postfact_person_at"),
            # The ranking: one post's steps of a period, grouped by person, step, on time and
            # held (covering on PostgreSQL: a month of a 2.6 M-case city's 15 M facts is read
            # from the index alone, 0.67 -> 0.08 s).
            models.Index(
                fields=["post", "at"],
                include=["person", "stage", "on_time", "held"],
                name="eval_postfact_post_cover",
            ),
        ]
        verbose_name = _("post fact")
        verbose_name_plural = _("post facts")

    def __str__(self) -> str:
        return f"{self.person_id} {self.stage} {self.case_id}"


class PostLimits(models.Model):
    """How long each post has for its step, in working hours (工作时, the city's calendar): the
    measure of 按时核实, 按时立案, 按时派遣, 按时核查, 按时结案. One row (pk 1). A change counts
    for steps written from then on; ``manage.py evaluation_backfill`` recounts the past."""

    verify_hours = models.DecimalField(
        _("verification 核实"), max_digits=6, decimal_places=2, default=2
    )
    file_hours = models.DecimalField(_("filing 立案"), max_digits=6, decimal_places=2, default=1)
    dispatch_hours = models.DecimalField(
        _("dispatch 派遣"), max_digits=6, decimal_places=2, default=1
    )
    check_hours = models.DecimalField(_("check 核查"), max_digits=6, decimal_places=2, default=2)
    close_hours = models.DecimalField(_("closing 结案"), max_digits=6, decimal_places=2, default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("post time limits")
        verbose_name_plural = _("post time limits")

    def __str__(self) -> str:
        return str(_("Post time limits"))

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        problems = {
            name: _("More than 0 and at most 720 working hours.")
            for name in (
                "verify_hours",
                "file_hours",
                "dispatch_hours",
                "check_hours",
                "close_hours",
            )
            if not 0 < (getattr(self, name) or 0) <= 720
        }
        if problems:
            raise ValidationError(problems)

    @classmethod
    def current(cls) -> PostLimits:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
