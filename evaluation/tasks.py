"""Huey tasks of evaluation (run by `manage.py run_huey`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from evaluation import rollups
from evaluation.reconcile import SHOWN, reconcile_day

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=10)
def write_post_facts(case_ids: list[int]) -> int:
    """The post facts (岗位评价) of cases after a move, off the request (evaluation.posts.on_move);
    idempotent: each run writes what the trail gives now. The nightly reconcile catches a lost
    one."""
    from evaluation import posts

    return posts.write(case_ids)


# huey reads crontabs in UTC (settings.HUEY utc=True): 18:30 UTC is 02:30 in Asia/Shanghai.
@db_periodic_task(crontab(hour="18", minute="30"))
def reconcile_yesterday() -> dict:
    """Every night at 02:30 Beijing time: recompute the facts of the cases touched yesterday,
    report any difference (a warning in the log) and write the computed facts over it; then
    check every rollup against the facts the same way (evaluation.rollups.check), and write
    the post facts of those cases again (a queued write that was lost is made good)."""
    from cases.models import Case
    from evaluation import posts
    from evaluation.reconcile import touched_on

    yesterday = timezone.localdate() - timedelta(days=1)
    report = reconcile_day(yesterday)
    post_facts = posts.backfill(Case.objects.filter(pk__in=touched_on(yesterday)))
    rollup_differences = rollups.check()
    if rollup_differences:
        logger.warning(
            "evaluation rollups: %s rows differed from the facts (written again); first: %s",
            len(rollup_differences),
            "; ".join(str(d) for d in rollup_differences[:SHOWN]),
        )
    return {
        "post_facts": post_facts,
        "cases": report.cases,
        "checked": report.checked,
        "differences": len(report.differences),
        "rollup_differences": len(rollup_differences),
    }
