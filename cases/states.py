"""The case state machine: states, actions, and the one transition table.

Case states (DESIGN.md "The case")::

    report ─┬─ trusted source ───────────────> reported 上报 ──file──┐
            └─ needs 核实 ──> verifying 核实 ──verify (self)──file──┴─> filed 立案
    filed ──dispatch──> dispatched 派遣 ──dispose (last open task)──> disposed 处置完成
    disposed ──start_check──> checking 核查 ──check_pass (self, sets check_passed_at)──close──> closed 结案
    disposed|checking ──check_fail (返工)──> dispatched
    dispatched ──return (回退, reason)──> filed           dispatched <──suspend/resume──> suspended 挂账
    reported|verifying|filed ──void (作废, reason)──> voided
    reported|verifying ──refuse (不予受理, reason; the reporter is told)──> voided
    verifying ──verify, finding 不属实/不在本网格──> verifying (finding stamped) ──reverify──> verifying

``verify`` and ``check_pass`` do not change the status; they stamp ``verified_at`` /
``check_passed_at`` which ``file`` / ``close`` then require. That keeps "who waits for whom" in the
status column while the audit trail still holds one event per move.

Task states (one Task per department dispatched)::

    pending ──accept──> accepted ──dispose──> disposed ──check_fail──> rework ──accept──> accepted
    pending|rework|accepted ──return──> returned
    accepted ──request_extension──> extension_requested ──approve/reject──> accepted (or dispose)
    any open task ──(case returned by another department)──> cancelled
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeUnit


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("Reported 上报")
    VERIFYING = "verifying", _("Verifying 核实")
    FILED = "filed", _("Filed 立案")
    DISPATCHED = "dispatched", _("Dispatched 派遣")
    DISPOSED = "disposed", _("Disposed 处置完成")
    CHECKING = "checking", _("Checking 核查")
    CLOSED = "closed", _("Closed 结案")
    SUSPENDED = "suspended", _("Suspended 挂账")
    VOIDED = "voided", _("Voided 作废")


FINAL_CASE_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.VOIDED})
# Every status but the final ones (未结), as a sorted list of values: a query of
# ``status__in=OPEN_CASE_STATUSES`` matches the partial index of open cases (cases_case_open_point).
OPEN_CASE_STATUSES = tuple(sorted(s.value for s in CaseStatus if s not in FINAL_CASE_STATUSES))


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending acceptance 待接收")
    ACCEPTED = "accepted", _("Accepted 已接收")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested 延期申请中")
    RETURNED = "returned", _("Returned 回退")
    DISPOSED = "disposed", _("Disposed 已处置")
    REWORK = "rework", _("Rework 返工")
    CANCELLED = "cancelled", _("Cancelled 已取消")


# A task is "open" while its department still owes work on it.
OPEN_TASK_STATUSES = frozenset(
    {TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.EXTENSION_REQUESTED, TaskStatus.REWORK}
)


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal 一般")
    URGENT = "urgent", _("Urgent 紧急")


class SourceChannel(models.TextChoices):
    INSPECTOR = "inspector", _("Grid inspector 监督员上报")
    HOTLINE_12345 = "hotline_12345", _("12345 hotline 12345热线")
    HOTLINE_110 = "hotline_110", _("110 linkage 110联动")
    CITIZEN = "citizen", _("Citizen snapshot 市民随手拍")
    OPEN311 = "open311", _("Open311")
    LEADER_ORDER = "leader_order", _("Leader order 领导交办")
    MEDIA = "media", _("Media exposure 媒体曝光")
    ONLINE_SENTIMENT = "online_sentiment", _("Online sentiment 网络舆情")
    VIDEO_AI = "video_ai", _("Video AI 视频智能识别")
    IOT = "iot", _("IoT sensing 物联感知")
    # Found by a crew doing planned work (周期性工单作业中发现): plans.views reports it in one tap.
    PLANNED_WORK = "planned_work", _("Found on planned work 作业发现")
    OTHER = "other", _("Other 其他")


# Sources whose reports need no on-site 核实 by default: an inspector saw it, a leader ordered it,
# a sensor measured it. Intake may override per report (e.g. video AI below its confidence
# threshold is not trusted), which is why ``case_report`` takes ``trusted`` as a parameter.
TRUSTED_BY_DEFAULT = frozenset(
    {
        SourceChannel.INSPECTOR,
        SourceChannel.LEADER_ORDER,
        SourceChannel.IOT,
        SourceChannel.VIDEO_AI,
        SourceChannel.PLANNED_WORK,
    }
)


class EvidenceKind(models.TextChoices):
    BEFORE = "before", _("Before 处置前")
    AFTER = "after", _("After 处置后")
    CHECK = "check", _("Check 核查")


class VerifyFinding(models.TextChoices):
    """What the inspector found on site (核实结果). Only 属实 lets the case be filed; the other two
    go back to the desk, which refuses the report (不予受理) or sends it to be verified again."""

    CONFIRMED = "confirmed", _("Confirmed 属实")
    FALSE = "false", _("Not true 不属实")
    ELSEWHERE = "elsewhere", _("Not in my grid 不在本网格")


class CaseAction(models.TextChoices):
    REPORT = "report", _("Report 上报")
    VERIFY = "verify", _("Verify 核实")
    FILE = "file", _("File 立案")
    VOID = "void", _("Void 作废")
    # The acceptor turns a report down as not a city problem (不予受理); the reporter is told why.
    REFUSE = "refuse", _("Refuse 不予受理")
    # After an inspector's finding of 不属实 or 不在本网格, the desk sends the case to be verified
    # again (in another grid when the report was placed wrong).
    REVERIFY = "reverify", _("Verify again 重新核实")
    DISPATCH = "dispatch", _("Dispatch 派遣")
    ACCEPT = "accept", _("Accept 接收")
    RETURN = "return", _("Return 回退")
    # The desk's answer to a co-department's return (协办回退): send that share to another
    # department, or settle it (the lead and the other co-departments cover it).
    REROUTE_SHARE = "reroute_share", _("Re-route share 协办改派")
    SETTLE_SHARE = "settle_share", _("Settle returned share 回退确认")
    REQUEST_EXTENSION = "request_extension", _("Request extension 延期申请")
    APPROVE_EXTENSION = "approve_extension", _("Approve extension 延期批准")
    REJECT_EXTENSION = "reject_extension", _("Reject extension 延期驳回")
    SUSPEND = "suspend", _("Suspend 挂账")
    RESUME = "resume", _("Resume 挂账恢复")
    DISPOSE = "dispose", _("Dispose 处置")
    START_CHECK = "start_check", _("Start check 核查开始")
    CHECK_PASS = "check_pass", _("Check passed 核查通过")
    CHECK_FAIL = "check_fail", _("Check failed, rework 核查不通过返工")
    CLOSE = "close", _("Close 结案")
    UPGRADE = "upgrade", _("Emergency upgrade 平转急")
    ATTACH = "attach", _("Attach evidence 补充照片")
    NOTE = "note", _("Note 备注")  # a remark on the trail (e.g. a duplicate report attached)
    # Supervision on the trail, recorded by the dispatch app (SUPERVISION_ACTIONS below).
    SUPERVISE = "supervise", _("Supervise 督办")  # by a person: desk or leader (人工/领导督办)
    SLA_WARNING = "sla_warning", _("Yellow light, reminder sent 黄灯预警催办")
    SLA_OVERDUE = "sla_overdue", _("Red light, overdue supervision 红灯超时督办")
    ESCALATE = "escalate", _("Escalation 升级督办")
    SLA_CLEARED = "sla_cleared", _("Light lowered, clock moved 时限灯回落")
    # The department's answer to a 督办 (what it did, when it will be done).
    SUPERVISION_REPLY = "supervision_reply", _("Reply to supervision 督办回复")


@dataclass(frozen=True)
class Transition:
    """Which case statuses an action may start from and where it leads.

    ``to`` is ``None`` when the action keeps the case status (task-level moves, upgrade, the
    stamping moves verify/check_pass). ``dispose`` is listed with ``to=DISPOSED``: the service
    moves the case only when the last open task of the round is disposed.
    """

    sources: frozenset[str]
    to: str | None


def _t(sources: set[str], to: str | None) -> Transition:
    return Transition(frozenset(sources), to)


S = CaseStatus
_OPEN_BEFORE_DISPATCH = {S.REPORTED, S.VERIFYING, S.FILED}
_NOT_FINAL = {s for s in S if s not in FINAL_CASE_STATUSES}

TRANSITIONS: dict[str, Transition] = {
    CaseAction.REPORT: _t(set(), None),  # creation: to REPORTED or VERIFYING, decided by trust
    CaseAction.VERIFY: _t({S.VERIFYING}, S.VERIFYING),
    CaseAction.FILE: _t({S.REPORTED, S.VERIFYING}, S.FILED),
    CaseAction.VOID: _t(_OPEN_BEFORE_DISPATCH, S.VOIDED),
    CaseAction.REFUSE: _t({S.REPORTED, S.VERIFYING}, S.VOIDED),
    CaseAction.REVERIFY: _t({S.VERIFYING}, S.VERIFYING),
    CaseAction.DISPATCH: _t({S.FILED}, S.DISPATCHED),
    CaseAction.ACCEPT: _t({S.DISPATCHED}, S.DISPATCHED),
    # The lead's return sends the case back to filed; a co-department's return (协办回退) ends
    # its own task only and the case stays dispatched: the service decides by ``is_lead``.
    CaseAction.RETURN: _t({S.DISPATCHED}, S.FILED),
    CaseAction.REROUTE_SHARE: _t({S.DISPATCHED}, None),
    # Settling the last unanswered share when every other task is disposed disposes the case.
    CaseAction.SETTLE_SHARE: _t({S.DISPATCHED}, S.DISPOSED),
    CaseAction.REQUEST_EXTENSION: _t({S.DISPATCHED}, S.DISPATCHED),
    CaseAction.APPROVE_EXTENSION: _t({S.DISPATCHED, S.SUSPENDED}, None),
    CaseAction.REJECT_EXTENSION: _t({S.DISPATCHED, S.SUSPENDED}, None),
    CaseAction.SUSPEND: _t({S.DISPATCHED}, S.SUSPENDED),
    CaseAction.RESUME: _t({S.SUSPENDED}, S.DISPATCHED),
    CaseAction.DISPOSE: _t({S.DISPATCHED}, S.DISPOSED),
    CaseAction.START_CHECK: _t({S.DISPOSED}, S.CHECKING),
    CaseAction.CHECK_PASS: _t({S.DISPOSED, S.CHECKING}, S.CHECKING),
    CaseAction.CHECK_FAIL: _t({S.DISPOSED, S.CHECKING}, S.DISPATCHED),
    CaseAction.CLOSE: _t({S.CHECKING}, S.CLOSED),
    CaseAction.UPGRADE: _t({S.REPORTED, S.VERIFYING, S.FILED, S.DISPATCHED, S.SUSPENDED}, None),
    CaseAction.ATTACH: _t(_NOT_FINAL, None),
    CaseAction.NOTE: _t(_NOT_FINAL, None),
    CaseAction.SUPERVISE: _t({S.DISPATCHED, S.SUSPENDED}, None),  # an open task, clock or not
    CaseAction.SLA_WARNING: _t({S.DISPATCHED}, None),  # the scanner looks at running clocks only
    CaseAction.SLA_OVERDUE: _t({S.DISPATCHED}, None),
    CaseAction.ESCALATE: _t({S.DISPATCHED}, None),
    CaseAction.SLA_CLEARED: _t({S.DISPATCHED}, None),
    CaseAction.SUPERVISION_REPLY: _t({S.DISPATCHED, S.SUSPENDED}, None),
}

# Events the dispatch app puts on the trail about a task's deadline (dispatch.scanner,
# dispatch.services.supervise through cases.services.case_record_supervision): the 督办 by a
# person, the scanner's light flips (yellow: 催办 reminder; red: 督办 notice; down: the clock
# moved, e.g. an extension), its escalations one tier up (升级督办) and the department's
# reply to a 督办 (督办回复). They change no status;
# who may make them is dispatch's rule (its SUPERVISE_ROLES; the scanner is the system).
SUPERVISION_ACTIONS = frozenset(
    {
        CaseAction.SUPERVISE,
        CaseAction.SLA_WARNING,
        CaseAction.SLA_OVERDUE,
        CaseAction.ESCALATE,
        CaseAction.SLA_CLEARED,
        CaseAction.SUPERVISION_REPLY,
    }
)

# Task-level part of the table: (allowed task statuses, task status after the move).
TASK_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    CaseAction.ACCEPT: (frozenset({TaskStatus.PENDING, TaskStatus.REWORK}), TaskStatus.ACCEPTED),
    CaseAction.RETURN: (
        frozenset({TaskStatus.PENDING, TaskStatus.REWORK, TaskStatus.ACCEPTED}),
        TaskStatus.RETURNED,
    ),
    CaseAction.REQUEST_EXTENSION: (
        frozenset({TaskStatus.ACCEPTED}),
        TaskStatus.EXTENSION_REQUESTED,
    ),
    CaseAction.APPROVE_EXTENSION: (
        frozenset({TaskStatus.EXTENSION_REQUESTED}),
        TaskStatus.ACCEPTED,
    ),
    CaseAction.REJECT_EXTENSION: (
        frozenset({TaskStatus.EXTENSION_REQUESTED}),
        TaskStatus.ACCEPTED,
    ),
    # Finishing the work while an extension request is pending simply makes the request moot.
    CaseAction.DISPOSE: (
        frozenset({TaskStatus.ACCEPTED, TaskStatus.EXTENSION_REQUESTED}),
        TaskStatus.DISPOSED,
    ),
    CaseAction.CHECK_FAIL: (frozenset({TaskStatus.DISPOSED}), TaskStatus.REWORK),
    # The desk's answer to a returned share stamps ``return_settled_at``; the task stays returned.
    CaseAction.REROUTE_SHARE: (frozenset({TaskStatus.RETURNED}), TaskStatus.RETURNED),
    CaseAction.SETTLE_SHARE: (frozenset({TaskStatus.RETURNED}), TaskStatus.RETURNED),
}

# 平转急: an urgent case counts its limit on the round-the-clock counterpart of the unit
# (standards.md §3.4: 紧急工作时 runs through nights and holidays; "紧急工作日" reads as 自然日).
URGENT_UNIT: dict[str, str] = {
    TimeUnit.URGENT_HOUR: TimeUnit.URGENT_HOUR,
    TimeUnit.WORK_HOUR: TimeUnit.URGENT_HOUR,
    TimeUnit.WORK_DAY: TimeUnit.NATURAL_DAY,
    TimeUnit.NATURAL_DAY: TimeUnit.NATURAL_DAY,
}
