"""The admin lists portal reports and ratings read-only, without the tracking token."""

from __future__ import annotations

from datetime import timedelta

import pytest

from org.factories import DEFAULT_PASSWORD
from portal import services
from portal.tests.conftest import send

pytestmark = pytest.mark.django_db


def test_reports_and_ratings_are_listed_read_only(small_city, t0, desk, client, staff):
    receipt = send(now=t0)
    desk.close(receipt.case, t0 + timedelta(hours=4))
    services.satisfaction_submit(token=receipt.report.token, rating=2, now=t0 + timedelta(days=1))
    client.login(username="admin", password=DEFAULT_PASSWORD)

    reports = client.get("/en/admin/portal/citizenreport/")
    assert reports.status_code == 200 and receipt.case.number in reports.content.decode()
    detail = client.get(f"/en/admin/portal/citizenreport/{receipt.report.pk}/change/")
    assert detail.status_code == 200
    assert receipt.report.token not in detail.content.decode()
    ratings = client.get("/en/admin/portal/satisfaction/")
    assert ratings.status_code == 200 and "Dissatisfied" in ratings.content.decode()
    assert client.get("/en/admin/portal/satisfaction/add/").status_code == 403
