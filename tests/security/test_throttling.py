"""Guessing is slowed down: what the other test modules leave out.

Already covered elsewhere, not repeated here: the sign-in lockout after five
wrong passwords and its per-address scope (tests/warehouse/test_accounts.py),
429 with Retry-After for API callers and for scans
(tests/warehouse/api/test_items.py), 429 on the fourth look at one
verification page (tests/inspection/test_certificates.py).
"""

import json

import pytest
from django.test import Client
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db


def test_verification_shares_one_allowance_per_address_and_says_when(
    world, estate, settings
):
    """Page, JSON and number lookup count together, so certificates cannot be
    enumerated by switching between them; the answer says when to come back,
    and another address keeps its own allowance."""
    settings.VERIFY_THROTTLE_PER_MINUTE = 3
    cert = estate.certificate
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    urls = [
        f"/verify/{cert.token}",
        f"/verify/{cert.token}.json",
        f"/verify/?number={cert.number}&code=WRONG-CODE",
        f"/verify/?number={cert.number}&code={cert.query_code}",
    ]

    answers = [client.get(url) for url in urls]

    assert [a.status_code for a in answers] == [200, 200, 404, 429]
    assert answers[-1]["Retry-After"] == "60"
    elsewhere = client.get(f"/verify/{cert.token}", REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 200


def test_anonymous_api_callers_are_throttled(db, settings, monkeypatch):
    """The one API resource open to anyone, the schema, has the anon rate."""
    rates = {"user": "100/minute", "anon": "2/minute"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    api_settings.reload()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    try:
        answers = [Client().get("/api/schema/?format=json") for _ in range(3)]
    finally:
        api_settings.reload()

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert json.loads(answers[-1].content)["error"]["code"] == "throttled"


def test_the_lockout_holds_at_the_admin_sign_in_too(world, settings):
    """Five wrong passwords on the site's sign-in lock that name out of the
    admin's sign-in as well (django-axes counts every authentication)."""
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "admin", "password": "guess"})

    answer = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "pw-for-tests-123"},
    )

    assert answer.status_code == 429
    assert "_auth_user_id" not in client.session


# --- behind a reverse proxy (warehouse.common.proxies) ------------------------

PROXY = "10.0.0.1"


def _verify(client, cert, **headers):
    return client.get(f"/verify/{cert.token}", **headers).status_code


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(
    estate, settings
):
    """With no trusted proxy (the default) a new X-Forwarded-For on every
    request buys no new allowance: the peer's address is counted."""
    assert settings.TRUSTED_PROXY_COUNT == 0
    settings.VERIFY_THROTTLE_PER_MINUTE = 3
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    answers = [
        _verify(client, estate.certificate, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(5)
    ]

    assert answers == [200, 200, 200, 429, 429]
    assert _verify(client, estate.certificate, REMOTE_ADDR="10.1.2.3") == 200


def test_behind_one_trusted_proxy_each_visitor_has_its_own_allowance(estate, settings):
    """Through the proxy every request comes from its address: the client's
    is the one the proxy appended, and what the client wrote before it
    (a made-up address) does not give it another allowance."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.VERIFY_THROTTLE_PER_MINUTE = 3
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=PROXY)
    first = [
        _verify(client, estate.certificate, HTTP_X_FORWARDED_FOR=xff)
        for xff in (
            "203.0.113.1",
            "6.6.6.6, 203.0.113.1",
            "7.7.7.7, 203.0.113.1",
            "8.8.8.8, 203.0.113.1",
        )
    ]
    second = _verify(client, estate.certificate, HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert first == [200, 200, 200, 429]
    assert second == 200


def _anon_rates(settings, monkeypatch, rate: str):
    rates = {"user": "100/minute", "anon": rate}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    api_settings.reload()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _schema(client, **headers) -> int:
    return client.get("/api/schema/?format=json", **headers).status_code


def test_anonymous_api_budgets_follow_the_client_address(db, settings, monkeypatch):
    """Untrusted, a spoofed X-Forwarded-For shares the peer's budget; behind
    one trusted proxy two visitors have a budget each."""
    _anon_rates(settings, monkeypatch, "2/minute")
    client = Client(REMOTE_ADDR=PROXY)
    try:
        spoofed = [_schema(client, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}") for n in range(3)]
        settings.TRUSTED_PROXY_COUNT = 1
        one = [_schema(client, HTTP_X_FORWARDED_FOR="203.0.113.1") for _ in range(3)]
        other = _schema(client, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.2")
        again = _schema(client, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.1")
    finally:
        api_settings.reload()

    assert spoofed == [200, 200, 429]
    assert one == [200, 200, 429]
    assert (other, again) == (200, 429)
