"""Admin: the outbox can be read, filtered, searched and retried; the SMS sink is read only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notify import services
from notify.models import MessageStatus, SmsSinkMessage
from notify.tests.conftest import PHONE


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff["admin"])
    return client


@pytest.fixture
def sent_and_dead(failing_sms, flow, django_capture_on_commit_callbacks):
    failing_sms.reset(failures=1, retryable=False)
    with django_capture_on_commit_callbacks(execute=True):
        dead = services.enqueue(kind="sms", to="13900000000", subject="Dead one", body="x")
        case = flow.filed(reporter_phone=PHONE)
    return case, dead


def test_outbox_pages_load_with_filters_and_search(admin_client, sent_and_dead):
    case, dead = sent_and_dead
    url = reverse("admin:notify_outboxmessage_changelist")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "Dead one" in page.content.decode()
    dead_only = admin_client.get(url, {"status__exact": "dead", "kind__exact": "sms"})
    assert dead_only.status_code == 200
    assert dead_only.context["cl"].result_count == 1
    found = admin_client.get(url, {"q": case.number})
    assert found.context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "13900000000"}).context["cl"].result_count == 1
    change = admin_client.get(reverse("admin:notify_outboxmessage_change", args=[dead.pk]))
    assert change.status_code == 200
    assert admin_client.get(reverse("admin:notify_outboxmessage_add")).status_code == 403


def test_the_retry_now_action_sends_a_dead_message_again(
    admin_client, sent_and_dead, failing_sms, django_capture_on_commit_callbacks
):
    _case, dead = sent_and_dead
    failing_sms.reset(failures=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notify_outboxmessage_changelist"),
            {"action": "retry_now", "_selected_action": [dead.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 message queued for another attempt." in response.content.decode()
    dead.refresh_from_db()
    assert dead.status == MessageStatus.SENT


def test_sms_sink_is_a_read_only_list(admin_client, sent_and_dead):
    sink = SmsSinkMessage.objects.get()
    listing = admin_client.get(reverse("admin:notify_smssinkmessage_changelist"))
    assert listing.status_code == 200 and PHONE in listing.content.decode()
    assert admin_client.get(reverse("admin:notify_smssinkmessage_add")).status_code == 403
    detail = admin_client.get(reverse("admin:notify_smssinkmessage_change", args=[sink.pk]))
    assert detail.status_code == 200
    assert b'name="body"' not in detail.content  # shown, not editable
    delete = admin_client.get(reverse("admin:notify_smssinkmessage_delete", args=[sink.pk]))
    assert delete.status_code == 403


def test_a_viewer_sees_the_outbox_but_cannot_retry(client, sent_and_dead):
    from django.contrib.auth.models import Permission, User

    viewer = User.objects.create_user("outbox_viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(viewer)
    url = reverse("admin:notify_outboxmessage_changelist")
    page = client.get(url)
    assert page.status_code == 200 and "retry_now" not in page.content.decode()
    _case, dead = sent_and_dead
    client.post(url, {"action": "retry_now", "_selected_action": [dead.pk]})
    dead.refresh_from_db()
    assert dead.status == MessageStatus.DEAD
