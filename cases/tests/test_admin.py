"""The admin shows cases with their tasks, events and photos, and offers no way to move them."""

from __future__ import annotations

from django.urls import reverse


def test_case_admin_pages_render(flow, staff, client):
    case, _tasks = flow.dispatched()
    client.force_login(staff["admin"])
    listing = client.get(reverse("admin:cases_case_changelist"), {"q": case.number})
    assert listing.status_code == 200 and case.number in listing.content.decode()
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200
    assert client.get(reverse("admin:cases_case_add")).status_code == 403
    assert client.get(reverse("admin:cases_caseevent_changelist")).status_code == 200
