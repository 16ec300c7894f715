"""Sign-in, lockout, password reset, the start page of each role, navigation."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from tests.warehouse import factories as f
from warehouse.common.access import Role
from warehouse.common.context_processors import NAVIGATION, navigation_for

PASSWORD = "pw-for-tests-123"


def sign_in(client, username, password=PASSWORD):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.7",
    )


def test_sign_in_sends_each_role_to_its_start_page(client, world):
    operator = f.UserFactory(username="op")
    f.StaffFactory(user=operator, warehouse=world.gz, role="operator")
    starts = {
        "m1": reverse("portal:items"),
        "inspector": reverse("inspect:queue"),
        "supervisor": reverse("dashboard:overview"),
        "op": reverse("station:home"),
    }
    for username, start in starts.items():
        client.logout()
        response = sign_in(client, username)
        assert response.status_code == 302, username
        assert client.get(response["Location"])["Location"] == start, username


def test_a_wrong_password_is_refused_without_saying_which_part(client, world):
    response = sign_in(client, "inspector", "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_guessing_is_locked_out_after_five_failures(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "inspector", "guess")
    locked = sign_in(client, "inspector", PASSWORD)  # even the right one, for now
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out for that user.
    response = client.post(
        reverse("login"),
        {"username": "inspector", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.8",
    )
    assert response.status_code == 302


def test_password_reset_by_email(client, world):
    world.inspector.email = "li@example.com"
    world.inspector.save()
    response = client.post(reverse("password_reset"), {"email": "li@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/reset/[^\s]+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-Pass-2026", "new_password2": "a-new-Pass-2026"},
    )
    assert done.status_code == 302
    world.inspector.refresh_from_db()
    assert world.inspector.check_password("a-new-Pass-2026")


def test_unknown_address_gets_the_same_answer_and_no_mail(client, world):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_anyone_without_a_role_is_told_so(client, db):
    client.force_login(f.UserFactory(username="nobody"))
    assert client.get(reverse("home")).status_code == 403


@pytest.mark.parametrize(
    "role", [Role.MERCHANT, Role.INSPECTOR, Role.SUPERVISOR, Role.OPERATOR, Role.ADMIN]
)
def test_every_menu_entry_exists_and_opens(client, world, role):
    users = {
        Role.MERCHANT: world.merchant_user,
        Role.INSPECTOR: world.inspector,
        Role.SUPERVISOR: world.supervisor,
        Role.ADMIN: world.admin,
    }
    if role == Role.OPERATOR:
        users[role] = f.UserFactory(username="op")
        f.StaffFactory(user=users[role], warehouse=world.gz, role="operator")
    names = [name for name, _label, roles in NAVIGATION if role in roles]
    entries = navigation_for(role)
    assert [e["name"] for e in entries] == names  # every page exists
    client.force_login(users[role])
    for entry in entries:
        response = client.get(entry["url"], follow=True)
        assert response.status_code == 200, entry["url"]


# --- the lock-out behind a reverse proxy (warehouse.common.proxies) -----------

PROXY = "10.0.0.1"


def sign_in_via(client, xff, username, password=PASSWORD):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=xff,
    )


def test_a_spoofed_forwarded_for_does_not_escape_the_lockout(client, world, settings):
    """With no trusted proxy the lock-out counts the peer's address, whatever
    X-Forwarded-For claims."""
    assert settings.TRUSTED_PROXY_COUNT == 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in_via(client, f"203.0.113.{n}", "inspector", "guess")

    locked = sign_in_via(client, "203.0.113.99", "inspector")

    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == PROXY


def test_behind_a_trusted_proxy_one_visitor_cannot_lock_out_another(
    client, world, settings
):
    """One visitor's wrong passwords lock that user out from the visitor's
    address only (made-up entries before it do not help), not for everyone
    behind the same proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in_via(client, f"6.6.6.{n}, 203.0.113.1", "inspector", "guess")

    still_locked = sign_in_via(client, "7.7.7.7, 203.0.113.1", "inspector")
    other = sign_in_via(client, "203.0.113.2", "inspector")

    assert still_locked.status_code == 429
    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.1"
