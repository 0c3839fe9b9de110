"""Satisfaction ratings (回访) show on the case page and in the case JSON for staff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases.tests.api_client import as_user
from portal import services
from portal.tests.conftest import send

pytestmark = pytest.mark.django_db


def test_the_rating_is_on_the_case_page_and_in_the_json(small_city, t0, desk, client, staff):
    receipt = send(now=t0)
    case = receipt.case
    desk.close(case, t0 + timedelta(hours=4))
    api = as_user(staff["city_dispatcher"])
    assert api.get(f"/cases/{case.number}").json()["satisfaction"] is None
    client.force_login(staff["city_dispatcher"])
    assert 'id="case-rating"' not in client.get(f"/en/cases/{case.number}/").content.decode()

    services.satisfaction_submit(
        token=receipt.report.token, rating=2, comment="Took a week", now=t0 + timedelta(days=1)
    )
    body = api.get(f"/cases/{case.number}").json()["satisfaction"]
    assert (body["rating"], body["comment"], body["channel"]) == (2, "Took a week", "portal")
    assert body["label"].startswith("Dissatisfied")
    html = client.get(f"/en/cases/{case.number}/").content.decode()
    assert 'data-rating="2"' in html and "Took a week" in html
