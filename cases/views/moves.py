"""The forms of the moves a user may make on a case now, and how a posted move reaches its
service. Which moves: ``cases.moves.allowed`` (the move table, one answer for pages and API).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import Case, Task
from cases.moves import allowed, registered
from cases.states import CaseAction
from cases.views import forms as move_forms
from cases.views import routing

A = CaseAction
# 督办: a desk or leader, or the department a task was escalated to, presses a department on an
# open task. The dispatch app registers who may and the service (cases.moves.register).
SUPERVISE = A.SUPERVISE


def label_of(action: str) -> str:
    return CaseAction(action).label


@dataclass(frozen=True)
class MoveSpec:
    """How one move is asked for (form) and carried out (service call)."""

    action: str
    form: type[forms.Form]
    run: Callable[..., object]
    on_task: bool = False
    # Moves that undo work or send it back get a warning style, side moves a quiet one.
    style: str = "primary"


def _run_case(fn):
    def run(*, case: Case, task: Task | None, actor, data: dict):
        return fn(case=case, actor=actor, **data)

    return run


def _run_task(fn):
    def run(*, case: Case, task: Task | None, actor, data: dict):
        return fn(task=task, actor=actor, **data)

    return run


def _run_file(*, case: Case, task, actor, data: dict):
    data = dict(data)
    data.pop("category", None)  # only a picker: the standard fixes the category
    return services.case_file(case=case, actor=actor, **data)


def _run_dispatch(*, case: Case, task, actor, data: dict):
    return routing.dispatch(
        case=case,
        actor=actor,
        departments=list(data["departments"]),
        lead=data["lead"],
        note=data.get("note", ""),
    )


def _run_registered(action: str):
    """Run another app's move (looked up when posted: apps register when they are ready)."""

    def run(*, case: Case, task, actor, data: dict):
        return registered(action).run(case=case, task=task, actor=actor, data=data)

    return run


def _run_approve(*, case: Case, task, actor, data: dict):
    return services.task_approve_extension(
        task=task, actor=actor, amount=data.get("amount"), note=data.get("note", "")
    )


F = move_forms
SPECS: dict[str, MoveSpec] = {
    s.action: s
    for s in [
        MoveSpec(A.VERIFY, F.VerifyForm, _run_case(services.case_verify)),
        MoveSpec(A.FILE, F.FileCaseForm, _run_file),
        MoveSpec(A.REVERIFY, F.ReverifyForm, _run_case(services.case_reverify)),
        MoveSpec(A.REFUSE, F.ReasonForm, _run_case(services.case_refuse), style="danger"),
        MoveSpec(A.DISPATCH, F.DispatchForm, _run_dispatch),
        MoveSpec(A.VOID, F.ReasonForm, _run_case(services.case_void), style="danger"),
        MoveSpec(A.UPGRADE, F.ReasonForm, _run_case(services.case_upgrade), style="danger"),
        MoveSpec(A.SUSPEND, F.ReasonForm, _run_case(services.case_suspend), style="secondary"),
        MoveSpec(A.RESUME, F.NoteForm, _run_case(services.case_resume)),
        MoveSpec(A.ACCEPT, F.NoteForm, _run_task(services.task_accept), on_task=True),
        MoveSpec(A.DISPOSE, F.DisposeForm, _run_task(services.task_dispose), on_task=True),
        MoveSpec(
            A.REQUEST_EXTENSION,
            F.ExtensionRequestForm,
            _run_task(services.task_request_extension),
            on_task=True,
            style="secondary",
        ),
        MoveSpec(
            A.RETURN,
            F.ReasonForm,
            _run_task(services.task_return),
            on_task=True,
            style="danger",
        ),
        MoveSpec(A.APPROVE_EXTENSION, F.ApproveExtensionForm, _run_approve, on_task=True),
        MoveSpec(
            A.REJECT_EXTENSION,
            F.ReasonForm,
            _run_task(services.task_reject_extension),
            on_task=True,
            style="secondary",
        ),
        MoveSpec(
            A.REROUTE_SHARE,
            F.RerouteShareForm,
            _run_task(services.task_reroute_share),
            on_task=True,
        ),
        MoveSpec(
            A.SETTLE_SHARE,
            F.ReasonForm,
            _run_task(services.task_settle_share),
            on_task=True,
            style="secondary",
        ),
        MoveSpec(
            SUPERVISE, F.SuperviseForm, _run_registered(SUPERVISE), on_task=True, style="secondary"
        ),
        MoveSpec(
            A.SUPERVISION_REPLY,
            F.SupervisionReplyForm,
            _run_registered(A.SUPERVISION_REPLY),
            on_task=True,
        ),
        MoveSpec(A.START_CHECK, F.NoteForm, _run_case(services.case_start_check)),
        MoveSpec(A.CHECK_PASS, F.CheckPassForm, _run_case(services.case_check_pass)),
        MoveSpec(
            A.CHECK_FAIL, F.CheckFailForm, _run_case(services.case_check_fail), style="danger"
        ),
        MoveSpec(A.CLOSE, F.NoteForm, _run_case(services.case_close)),
    ]
}

# Extra words under a move's button, where the move alone does not say enough.
HINTS: dict[str, object] = {
    A.VERIFY: _("On site: is the problem there, as reported? Take a photo of what you see."),
    A.REFUSE: _("Not a city problem, or not true: the reporter is told this reason."),
    A.REVERIFY: _("Send the case on site again, to the grid where it really lies."),
    A.RETURN: _("Not ours: the case goes back to the dispatcher, who sends it elsewhere."),
    A.REROUTE_SHARE: _("The co-department returned its share: send it to another department."),
    A.SETTLE_SHARE: _("Nobody else is needed: the other departments cover the share. Say why."),
    A.SUSPEND: _("The problem cannot be solved now; the task clocks stop until resumed."),
    A.UPGRADE: _("Urgent: the time limit runs round the clock from now on."),
    A.CHECK_FAIL: _("The fix does not hold: the same department reworks it."),
    A.DISPOSE: _("The work is done: take a photo of the result."),
    A.SUPERVISION_REPLY: _("Tell the supervisor what was done and when it will be finished."),
}
SHARE_RETURN_HINT = _(
    "Not ours: only our share goes back to the dispatcher; the lead department carries on."
)


@dataclass
class MoveOption:
    """One form in the actions panel."""

    spec: MoveSpec
    form: forms.Form
    task: Task | None = None
    hint: object = ""
    extra: dict = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.spec.action

    @property
    def label(self) -> str:
        return label_of(self.spec.action)

    @property
    def multipart(self) -> bool:
        return self.form.is_multipart()


def build_form(action: str, case: Case, task: Task | None = None, data=None, files=None):
    spec = SPECS[action]
    kwargs: dict = {"case": case}
    if action == A.DISPATCH and data is None:
        kwargs["suggestion"] = routing.suggestion(case)
    suffix = f"{action}_{task.pk}" if task is not None else action
    return spec.form(data, files, auto_id=f"id_{suffix}_%s", **kwargs)


def options(
    user, case: Case, tasks: Sequence[Task], *, only: frozenset[str] | None = None
) -> list[MoveOption]:
    """The forms of the actions panel (``only``: narrow to some moves, e.g. on a phone page)."""
    result = []
    for action, task in allowed(user, case, tasks):
        if only is not None and action not in only:
            continue
        form = build_form(action, case, task)
        hint = HINTS.get(action, "")
        if action == A.RETURN and task is not None and not task.is_lead:
            hint = SHARE_RETURN_HINT
        if action == A.DISPATCH and form.suggestion is not None:
            hint = routing.suggestion_text(form.suggestion)
        result.append(MoveOption(spec=SPECS[action], form=form, task=task, hint=hint))
    return result
