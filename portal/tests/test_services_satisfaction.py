"""satisfaction_submit (回访): the reporter rates a resolved case once, within the window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import services as case_services
from core.errors import Conflict, NotFound, ValidationFailed
from portal import services
from portal.models import COMMENT_MAX, Rating, Satisfaction, SatisfactionChannel
from portal.tests.conftest import send

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(small_city, t0, desk):
    """A citizen's report, resolved four hours later."""
    receipt = send(now=t0)
    desk.close(receipt.case, t0 + timedelta(hours=4))
    return receipt


def test_a_resolved_case_is_rated_with_what_evaluation_needs(closed, t0, roads, standard):
    at = t0 + timedelta(days=1)
    row = services.satisfaction_submit(
        token=closed.report.token, rating=Rating.SATISFIED, comment="  Quick, thanks!  ", now=at
    )

    case = closed.case
    case.refresh_from_db()
    assert row.case == case and row.rating == 4 and row.comment == "Quick, thanks!"
    assert row.channel == SatisfactionChannel.PORTAL and row.report == closed.report
    assert row.category == standard.category == case.category
    assert row.lead_department == roads and list(row.departments.all()) == [roads]
    assert row.area_path == case.area_path
    assert row.closed_at == case.closed_at and row.submitted_at == at


def test_a_case_is_rated_once(closed, t0):
    services.satisfaction_submit(token=closed.report.token, rating=5, now=t0 + timedelta(days=1))
    with pytest.raises(Conflict, match="has already been rated") as caught:
        services.satisfaction_submit(
            token=closed.report.token, rating=1, now=t0 + timedelta(days=2)
        )
    assert caught.value.code == "already_rated"
    assert Satisfaction.objects.get().rating == 5


def test_a_duplicate_reporter_shares_the_one_rating_of_the_case(small_city, t0, desk, manhole):
    first = send(category=manhole, device="a", now=t0)
    second = send(category=manhole, device="b", now=t0 + timedelta(minutes=5))
    desk.close(first.case, t0 + timedelta(hours=4))

    services.satisfaction_submit(token=second.report.token, rating=3, now=t0 + timedelta(days=1))
    with pytest.raises(Conflict):
        services.satisfaction_submit(token=first.report.token, rating=5, now=t0 + timedelta(days=1))


def test_an_open_case_cannot_be_rated_yet(small_city, t0, desk):
    receipt = send(now=t0)
    desk.file(receipt.case, t0 + timedelta(hours=1))
    with pytest.raises(Conflict, match="not finished yet") as caught:
        services.satisfaction_submit(token=receipt.report.token, rating=5, now=t0)
    assert (caught.value.code, caught.value.http_status) == ("not_closed", 409)
    assert not Satisfaction.objects.exists()


def test_a_voided_case_has_nothing_to_rate(small_city, t0, staff):
    receipt = send(now=t0)
    case_services.case_void(
        case=receipt.case, actor=staff["shift_leader"], reason="Not a city matter", now=t0
    )
    with pytest.raises(Conflict, match="was not taken up") as caught:
        services.satisfaction_submit(token=receipt.report.token, rating=1, now=t0)
    assert (caught.value.code, caught.value.http_status) == ("not_rateable", 409)


def test_ratings_close_after_the_window(closed, t0, settings):
    settings.PORTAL_RATING_DAYS = 7
    closed_at = t0 + timedelta(hours=4)
    assert services.satisfaction_submit(
        token=closed.report.token, rating=4, now=closed_at + timedelta(days=7)
    )


def test_a_rating_after_the_window_is_refused(closed, t0, settings):
    settings.PORTAL_RATING_DAYS = 7
    late = t0 + timedelta(hours=4, days=7, seconds=1)
    with pytest.raises(Conflict, match="for 7 days after a case is resolved") as caught:
        services.satisfaction_submit(token=closed.report.token, rating=4, now=late)
    assert (caught.value.code, caught.value.http_status) == ("rating_closed", 409)


@pytest.mark.parametrize("rating", [0, 6, "five", None])
def test_the_rating_is_one_to_five(closed, t0, rating):
    with pytest.raises(ValidationFailed, match="from 1 \\(very dissatisfied\\) to 5"):
        services.satisfaction_submit(token=closed.report.token, rating=rating, now=t0)


def test_an_overlong_comment_is_refused_not_cut(closed, t0):
    with pytest.raises(ValidationFailed, match=f"at most {COMMENT_MAX} fit"):
        services.satisfaction_submit(
            token=closed.report.token, rating=5, comment="x" * (COMMENT_MAX + 1), now=t0
        )


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500])
def test_an_unknown_token_is_not_found(closed, t0, token):
    with pytest.raises(NotFound, match="No report has this tracking link"):
        services.satisfaction_submit(token=token, rating=5, now=t0)
