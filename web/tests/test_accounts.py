"""Accounts: failed log-ins are limited per account and per address (the site's form and the
admin's), everyone changes their own password, and a changed password ends the other sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.net import client_address
from org.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

LOGIN = "/en/login/"


def _login(client: Client, username: str, password: str, *, path: str = LOGIN, **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_for_a_while(personas):
    client = Client()
    for _ in range(5):
        response = _login(client, "dispatcher", "wrong")
        assert b"Wrong username or password." in response.content
    # Now even the right password is not tried; the form says how long to wait.
    response = _login(client, "dispatcher", DEFAULT_PASSWORD)
    assert response.status_code == 200 and not _logged_in(client)
    assert b"Too many failed log-ins for this account. Try again in 15 minutes" in response.content
    # Another address cannot unlock it either: the limit is the account's.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert b"Too many failed" in _login(other, "Dispatcher ", DEFAULT_PASSWORD).content
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _login(client, "dispatcher", DEFAULT_PASSWORD).status_code == 302
        assert _logged_in(client)


def test_right_passwords_never_lock_anyone(personas):
    for _ in range(8):
        client = Client()
        assert _login(client, "dispatcher", DEFAULT_PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(personas, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    client = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(6):
        _login(client, f"user{n}", "guess")
    response = _login(client, "leader", DEFAULT_PASSWORD)
    assert (
        b"Too many failed log-ins from this address. Try again in 15 minutes." in response.content
    )
    assert not _logged_in(client)
    # The account itself is fine from elsewhere.
    assert _login(Client(REMOTE_ADDR="203.0.113.6"), "leader", DEFAULT_PASSWORD).status_code == 302


def test_the_admin_logs_in_through_the_sites_one_door(personas):
    client = Client()
    response = client.get("/en/admin/login/?next=/en/admin/cases/case/")
    assert response.status_code == 302
    assert response["Location"] == "/en/login/?next=/en/admin/cases/case/"
    # A post to the admin's own form goes the same way: no second, unlimited login form.
    assert _login(client, "admin", "wrong", path="/en/admin/login/").status_code == 302
    assert (
        _login(client, "admin", DEFAULT_PASSWORD, path="/en/login/?next=/en/admin/").status_code
        == 302
    )
    assert client.get("/en/admin/").status_code == 200


def test_the_refusal_is_in_chinese_on_the_chinese_page(personas):
    client = Client()
    for _ in range(6):
        response = _login(client, "dispatcher", "wrong", path="/login/")
    assert "登录失败次数过多" in response.content.decode()


def test_behind_the_proxy_the_address_is_the_one_it_appended(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    settings.BEHIND_PROXY = False
    assert client_address(request) == "127.0.0.1"  # a client's header means nothing
    settings.BEHIND_PROXY = True
    settings.PROXY_HOPS = 1
    assert client_address(request) == "198.51.100.7"  # never the client-written 1.2.3.4
    settings.PROXY_HOPS = 2
    assert client_address(request) == "1.2.3.4"
    settings.PROXY_HOPS = 3
    assert client_address(request) == "127.0.0.1"  # fewer hops than proxies: the proxy's own
    settings.PROXY_HOPS = 1
    garbage = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(garbage) == "127.0.0.1"


def test_everyone_changes_their_own_password_and_other_sessions_end(personas):
    desk, phone = Client(), Client()
    for client in (desk, phone):
        assert _login(client, "inspector_alpha", DEFAULT_PASSWORD).status_code == 302
    page = desk.get("/en/password/")
    assert page.status_code == 200 and b"Change password" in page.content

    wrong = desk.post(
        "/en/password/",
        {
            "old_password": "nope",
            "new_password1": "Qm7#harbour-lane",
            "new_password2": "Qm7#harbour-lane",
        },
    )
    assert b"Your old password was entered incorrectly" in wrong.content
    weak = desk.post(
        "/en/password/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert b"This password is too common" in weak.content

    done = desk.post(
        "/en/password/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "Qm7#harbour-lane",
            "new_password2": "Qm7#harbour-lane",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/en/password/done/"
    assert desk.get("/en/m/").status_code == 200  # this session goes on
    assert phone.get("/en/m/").status_code == 302  # the phone's is over: back to the login
    assert _login(Client(), "inspector_alpha", "Qm7#harbour-lane").status_code == 302


def test_the_password_page_needs_a_login(client):
    response = client.get("/en/password/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_forgotten_password_is_reset_through_a_one_time_email_link(personas, mailoutbox):
    user = personas["city_dispatcher"]
    user.email = "dispatcher@example.cn"
    user.save()
    login_page = Client().get("/en/login/")
    assert b'href="/en/password/reset/"' in login_page.content

    client = Client()
    response = client.post("/en/password/reset/", {"email": "Dispatcher@Example.cn"})
    assert response.status_code == 302 and response["Location"] == "/en/password/reset/sent/"
    # An unknown address gets the same answer and no email.
    assert client.post("/en/password/reset/", {"email": "nobody@example.cn"})["Location"] == (
        "/en/password/reset/sent/"
    )
    (email,) = mailoutbox
    assert email.to == ["dispatcher@example.cn"]
    link = next(line for line in email.body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]

    form = client.get(path, follow=True)
    assert b"Set a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Harbour-lane-77", "new_password2": "Harbour-lane-77"},
    )
    assert done.status_code == 302 and done["Location"] == "/en/login/"
    assert _login(Client(), "dispatcher", "Harbour-lane-77").status_code == 302
    # The link works once.
    assert b"has been used or has expired" in client.get(path, follow=True).content


def test_reset_requests_are_limited_so_no_mailbox_is_flooded(personas, mailoutbox):
    user = personas["city_dispatcher"]
    user.email = "dispatcher@example.cn"
    user.save()
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(3):
        assert (
            client.post("/en/password/reset/", {"email": "dispatcher@example.cn"}).status_code
            == 302
        )
    refused = Client(REMOTE_ADDR="198.51.100.10").post(
        "/en/password/reset/", {"email": "dispatcher@example.cn"}
    )
    assert refused.status_code == 200 and b"Too many reset requests" in refused.content
    assert len(mailoutbox) == 3


def test_a_new_password_set_by_the_administrator_ends_the_lockout(personas):
    client = Client()
    for _ in range(6):
        _login(client, "dispatcher", "wrong")
    assert b"Too many failed" in _login(client, "dispatcher", DEFAULT_PASSWORD).content
    user = personas["city_dispatcher"]
    user.set_password("Harbour-lane-77")  # as the admin's password form does
    user.save()
    assert _login(Client(), "dispatcher", "Harbour-lane-77").status_code == 302


def test_one_ipv6_subscriber_counts_as_one_address(personas, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):  # three addresses of one /64
        _login(Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"), f"user{n}", "guess")
    refused = _login(Client(REMOTE_ADDR="2001:db8:1:2::99"), "leader", DEFAULT_PASSWORD)
    assert b"Too many failed log-ins from this address" in refused.content
    assert (
        _login(Client(REMOTE_ADDR="2001:db8:1:3::1"), "leader", DEFAULT_PASSWORD).status_code == 302
    )


@pytest.mark.parametrize(
    "address, scope",
    [
        ("203.0.113.5", "203.0.113.5"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("", ""),
    ],
)
def test_address_scope(address, scope):
    from core.net import address_scope

    assert address_scope(address) == scope


def _texted_code(phone: str) -> str:
    import re

    from notify.models import OutboxMessage

    message = OutboxMessage.objects.filter(kind="sms", to=phone).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", message.body)[1]


def test_a_forgotten_password_is_reset_by_a_texted_code(personas):
    """For staff without email: username + the phone on file -> a 6-digit code by SMS -> a new
    password; the same answer for a wrong number (nothing texted); a code works once."""
    from notify.models import OutboxMessage

    profile = personas["alpha_inspector"].staff_profile
    profile.phone = "138-0000-1234"
    profile.save()
    assert b'href="/en/password/reset/sms/"' in Client().get("/en/login/").content
    client = Client()
    wrong = client.post(
        "/en/password/reset/sms/", {"username": "inspector_alpha", "phone": "13900000000"}
    )
    right = client.post(
        "/en/password/reset/sms/", {"username": "inspector_alpha", "phone": "+86 13800001234"}
    )
    assert (
        wrong["Location"]
        == right["Location"]
        == "/en/password/reset/sms/code/?username=inspector_alpha"
    )
    assert OutboxMessage.objects.filter(kind="sms").count() == 1  # the wrong number got nothing
    code = _texted_code("138-0000-1234")
    form = {"username": "inspector_alpha", "code": code,
            "new_password1": "Harbour-lane-88", "new_password2": "Harbour-lane-88"}  # fmt: skip
    weak = client.post(
        "/en/password/reset/sms/code/", {**form, "new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 200 and "new_password1" in weak.context["form"].errors
    done = client.post("/en/password/reset/sms/code/", form)
    assert done.status_code == 302 and done["Location"] == "/en/login/"
    assert _login(Client(), "inspector_alpha", "Harbour-lane-88").status_code == 302
    again = client.post("/en/password/reset/sms/code/", {**form, "new_password1": "Other-lane-99",
                                                         "new_password2": "Other-lane-99"})  # fmt: skip
    assert again.status_code == 200 and "code" in again.context["form"].errors  # used up


def test_wrong_codes_void_the_code_and_requests_are_limited(personas):
    profile = personas["alpha_inspector"].staff_profile
    profile.phone = "13800001234"
    profile.save()
    client = Client()
    client.post("/en/password/reset/sms/", {"username": "inspector_alpha", "phone": "13800001234"})
    code = _texted_code("13800001234")
    wrong = "000000" if code != "000000" else "111111"
    form = {"username": "inspector_alpha", "new_password1": "Harbour-lane-88",
            "new_password2": "Harbour-lane-88"}  # fmt: skip
    for _ in range(5):
        client.post("/en/password/reset/sms/code/", {**form, "code": wrong})
    late = client.post("/en/password/reset/sms/code/", {**form, "code": code})
    assert "code" in late.context["form"].errors  # five wrong tries voided it
    for _ in range(2):
        client.post(
            "/en/password/reset/sms/", {"username": "inspector_alpha", "phone": "13800001234"}
        )
    limited = client.post(
        "/en/password/reset/sms/", {"username": "inspector_alpha", "phone": "13800001234"}
    )
    assert limited.status_code == 200 and "Too many requests" in limited.content.decode()


def test_the_code_step_never_tells_which_usernames_exist(personas):
    """A new password like the username is judged against the account named, or an unsaved one
    of that name when there is none: the same answer either way."""
    client = Client()
    for username in ("inspector_alpha", "nobody_like_this"):
        answer = client.post(
            "/en/password/reset/sms/code/",
            {"username": username, "code": "123456", "new_password1": f"{username}1",
             "new_password2": f"{username}1"},
        )  # fmt: skip
        errors = answer.context["form"].errors
        assert "new_password1" in errors and "code" not in errors, (username, errors)
