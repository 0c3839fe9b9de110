"""The reporters' ratings (回访) of the demo's closed cases, so satisfaction rates (满意率) have
something to count from the first start.

Reporters from the public (12345, 110, citizen snapshots, Open311) rate about seven closed cases
in ten, a day or two after closing, mostly well: the mix below is deterministic from the seed.
Ratings given through the portal carry no tracking link here; they stand for the phone and SMS
call-backs (电话回访, 短信回访) a centre makes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from cases.models import Case, Task
from cases.states import CaseStatus, TaskStatus
from evaluation.definitions import PUBLIC_SOURCES
from portal.models import Satisfaction, SatisfactionChannel

RATED_SHARE = 0.7
# rating -> weight: most reporters are satisfied, some are not.
MIX = {5: 52, 4: 26, 3: 10, 2: 7, 1: 5}
COMMENTS = {
    5: "处理很及时，谢谢！",
    4: "问题解决了。",
    3: "",
    2: "处理太慢了。",
    1: "问题没有真正解决，还会再出现。",
}


def rate_closed_cases(*, seed: int, now: datetime) -> int:
    """Write the ratings of the closed public cases (not already rated); returns how many."""
    rng = random.Random(f"{seed}:ratings")
    cases = list(
        Case.objects.filter(status=CaseStatus.CLOSED, source__in=PUBLIC_SOURCES, satisfaction=None)
        .order_by("pk")
        .values_list("pk", "category_id", "area_path", "closed_at", "dispatch_round")
    )
    tasks: dict[int, list[tuple[int, bool, int]]] = {}
    rows = Task.objects.filter(case_id__in=[c[0] for c in cases]).exclude(
        status=TaskStatus.CANCELLED
    )
    for case_id, department, is_lead, round_ in rows.values_list(
        "case_id", "department_id", "is_lead", "round"
    ):
        tasks.setdefault(case_id, []).append((department, is_lead, round_))
    ratings, departments = [], []
    weights = list(MIX.values())
    for pk, category, area_path, closed_at, last_round in cases:
        if rng.random() >= RATED_SHARE:
            continue
        rating = rng.choices(list(MIX), weights)[0]
        at = min(now, closed_at + timedelta(hours=rng.uniform(2, 48)))
        mine = [(d, lead) for d, lead, r in tasks.get(pk, []) if r == last_round]
        ratings.append(
            Satisfaction(
                case_id=pk,
                rating=rating,
                comment=COMMENTS[rating],
                channel=rng.choice([SatisfactionChannel.PHONE, SatisfactionChannel.SMS]),
                category_id=category,
                lead_department_id=next((d for d, lead in mine if lead), None),
                area_path=area_path,
                closed_at=closed_at,
                submitted_at=at,
            )
        )
        departments.append(sorted({d for d, _lead in mine}))
    made = Satisfaction.objects.bulk_create(ratings)
    through = Satisfaction.departments.through
    through.objects.bulk_create(
        through(satisfaction_id=row.pk, department_id=d)
        for row, depts in zip(made, departments, strict=True)
        for d in depts
    )
    return len(made)
