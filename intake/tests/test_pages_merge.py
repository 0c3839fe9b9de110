"""Merge (合并) and split (拆分) from the case page: links, forms, and what they do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages

from cases.models import Case
from cases.states import CaseStatus
from intake.models import IntakeReport
from intake.tests.conftest import ALPHA_LON, M_LON


@pytest.fixture
def two_cases(receive, manhole, t0):
    """Two reports of one manhole 80 m apart (too far to merge by themselves)."""
    a = receive(category=manhole, reporter_phone="13800000001").case
    b = receive(category=manhole, lon=ALPHA_LON + 80 * M_LON, now=t0 + timedelta(minutes=10)).case
    return a, b


def links(client, case) -> list[str]:
    page = client.get(f"/en/cases/{case.number}/").content.decode()
    return [key for key in ("merge", "split") if f'data-link="{key}"' in page]


def test_the_case_page_offers_merge_to_the_shift_leader_only(client, staff, two_cases):
    a, _b = two_cases
    client.force_login(staff["shift_leader"])
    assert links(client, a) == ["merge"]  # no duplicates yet: nothing to split
    client.force_login(staff["city_dispatcher"])
    assert links(client, a) == []
    assert client.get(f"/en/intake/cases/{a.number}/merge/").status_code == 302


def test_merge_offers_the_nearby_case_and_merges_into_it(client, staff, two_cases):
    a, b = two_cases
    client.force_login(staff["shift_leader"])
    page = client.get(f"/en/intake/cases/{b.number}/merge/")
    assert [n.case for n in page.context["nearby"]] == [a]
    assert f'value="{a.number}"' in page.content.decode()
    response = client.post(
        f"/en/intake/cases/{b.number}/merge/", {"into": a.number, "reason": "Same manhole"}
    )
    assert response.status_code == 302 and response["Location"] == f"/en/cases/{a.number}/"
    b.refresh_from_db()
    assert b.status == CaseStatus.VOIDED
    assert IntakeReport.objects.filter(case=a).count() == 2
    # The kept case now has a duplicate report: it can be split again.
    assert links(client, a) == ["merge", "split"]


def test_merge_refusals_come_back_on_the_form(client, staff, two_cases):
    a, b = two_cases
    client.force_login(staff["shift_leader"])
    url = f"/en/intake/cases/{b.number}/merge/"
    assert "Choose the case to keep" in client.post(url, {}).content.decode()
    assert "No case with this number" in client.post(url, {"into_number": "NB0"}).content.decode()
    page = client.post(url, {"into_number": b.number}).content.decode()
    assert "cannot be merged into itself" in page
    assert Case.objects.get(pk=b.pk).status != CaseStatus.VOIDED


def test_a_typed_number_wins_over_the_nearby_choice(client, staff, two_cases, receive, manhole):
    a, b = two_cases
    c = receive(category=manhole, lon=ALPHA_LON + 200 * M_LON).case
    client.force_login(staff["shift_leader"])
    client.post(f"/en/intake/cases/{b.number}/merge/", {"into": a.number, "into_number": c.number})
    assert IntakeReport.objects.filter(case=c).count() == 2


def test_split_opens_a_new_case_from_the_chosen_duplicates(client, staff, two_cases):
    a, b = two_cases
    client.force_login(staff["shift_leader"])
    client.post(f"/en/intake/cases/{b.number}/merge/", {"into": a.number})
    duplicate = IntakeReport.objects.get(case=a, duplicate_of=a)
    page = client.get(f"/en/intake/cases/{a.number}/split/")
    assert [r.pk for r in page.context["duplicates"]] == [duplicate.pk]
    response = client.post(f"/en/intake/cases/{a.number}/split/", {"reports": [duplicate.pk]})
    new_case = Case.objects.exclude(pk__in=[a.pk, b.pk]).get()
    assert response["Location"] == f"/en/cases/{new_case.number}/"
    assert "New case" in [str(m) for m in get_messages(response.wsgi_request)][0]
    duplicate.refresh_from_db()
    assert duplicate.case == new_case and duplicate.duplicate_of is None
    assert links(client, a) == ["merge"]


def test_the_split_choices_show_local_time(client, staff, two_cases):
    a, b = two_cases
    client.force_login(staff["shift_leader"])
    client.post(f"/en/intake/cases/{b.number}/merge/", {"into": a.number})
    form = client.get(f"/en/intake/cases/{a.number}/split/").context["form"]
    [(_pk, label)] = form.fields["reports"].choices
    assert label.startswith("11-23 09:10")  # received 09:10 Shanghai time, not 01:10 UTC
