"""What a citizen is told about a case: four plain stages instead of the desk's nine statuses.

    reported, verifying                      -> received     已受理
    filed                                    -> filed        已立案
    dispatched, disposed, checking, suspended -> in progress  处置中
    closed                                   -> resolved     已办结
    voided                                   -> not taken up 未立案

Checks, returns, extensions and who did what are the desk's business; the citizen sees the case
move forward, and never a staff member's or a department's name.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.states import CaseStatus

# A context of their own ("citizen stage"): "Filed" for a citizen reads 已立案, not the desk's
# 立案 move. The context is a literal in each call: xgettext skips a context held in a variable.


class Stage(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("citizen stage", "Received")
    FILED = "filed", pgettext_lazy("citizen stage", "Filed")
    IN_PROGRESS = "in_progress", pgettext_lazy("citizen stage", "Being handled")
    RESOLVED = "resolved", pgettext_lazy("citizen stage", "Resolved")
    NOT_TAKEN = "not_taken", pgettext_lazy("citizen stage", "Not taken up")


S = CaseStatus
STAGE_OF_STATUS: dict[str, str] = {
    S.REPORTED: Stage.RECEIVED,
    S.VERIFYING: Stage.RECEIVED,
    S.FILED: Stage.FILED,
    S.DISPATCHED: Stage.IN_PROGRESS,
    S.DISPOSED: Stage.IN_PROGRESS,
    S.CHECKING: Stage.IN_PROGRESS,
    S.SUSPENDED: Stage.IN_PROGRESS,
    S.CLOSED: Stage.RESOLVED,
    S.VOIDED: Stage.NOT_TAKEN,
}

# The progress bar, in order; NOT_TAKEN ends the case off the bar.
PROGRESS = (Stage.RECEIVED, Stage.FILED, Stage.IN_PROGRESS, Stage.RESOLVED)
RANK = {stage: i for i, stage in enumerate(PROGRESS)}

EXPLANATION: dict[str, str] = {
    Stage.RECEIVED: _("We have your report and are checking it."),
    Stage.FILED: _("It is accepted as a case and has a time limit for the work."),
    Stage.IN_PROGRESS: _("The responsible unit is working on it."),
    Stage.RESOLVED: _("The work is done and was checked on site."),
    Stage.NOT_TAKEN: _(
        "It was not taken up as a case, for example because it repeats another report or is "
        "not something the city handles."
    ),
}


def stage_of(status: str) -> str:
    return STAGE_OF_STATUS[status]
