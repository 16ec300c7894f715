"""Each person reads in their language (warehouse.common.languages).

The account page sets a person's language; their pages follow it whatever
the browser sends; the sign-in page follows the browser; the API follows
Accept-Language and, without it, the caller's preference; a password-reset
e-mail goes in its recipient's language; text a person typed is marked as
data with its language; a refusal names a state by its name.
"""

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.common.languages import SESSION_LANGUAGE, preference_save
from warehouse.models import ItemEvent, UserPreference

ACCOUNT = "/account/"
ITEMS = "/portal/items/"
LOGIN = "/accounts/login/"


def browser(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def page_language(response) -> str:
    assert response.status_code == 200, response.status_code
    return response["Content-Language"]


@pytest.mark.django_db
def test_the_account_page_sets_the_language_and_it_applies_at_once(world):
    client = browser("zh-hans")
    client.force_login(world.merchant_user)
    assert page_language(client.get(ACCOUNT)) == "zh-hans"
    assert 'href="/account/"' in client.get(ITEMS).content.decode()  # the header

    response = client.post(ACCOUNT, {"language": "en"}, follow=True)

    assert page_language(response) == "en"
    assert "Your language is saved." in response.content.decode()
    assert UserPreference.objects.get(user=world.merchant_user).language == "en"
    assert page_language(client.get(ITEMS)) == "en"

    client.post(ACCOUNT, {"language": ""})  # the browser's language again
    assert UserPreference.objects.get(user=world.merchant_user).language == ""
    assert page_language(client.get(ITEMS)) == "zh-hans"


@pytest.mark.django_db
def test_an_unknown_language_is_refused(world):
    client = browser("en")
    client.force_login(world.inspector)
    response = client.post(ACCOUNT, {"language": "klingon"})
    assert response.status_code == 400
    assert not UserPreference.objects.filter(user=world.inspector).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["merchant_user", "inspector", "supervisor", "admin"])
def test_every_role_has_the_account_page(world, who):
    client = browser("en")
    client.force_login(getattr(world, who))
    response = client.get(ACCOUNT)
    assert response.status_code == 200
    assert 'data-testid="account-form"' in response.content.decode()


@pytest.mark.django_db
def test_pages_follow_the_preference_whatever_the_browser_sends(world):
    UserPreference.objects.create(user=world.merchant_user, language="en")
    client = browser("zh-hans")
    client.force_login(world.merchant_user)  # read once, at sign-in
    assert client.session[SESSION_LANGUAGE] == "en"

    response = client.get(ITEMS)

    assert page_language(response) == "en"
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.django_db
def test_the_header_switch_saves_a_signed_in_persons_language(world):
    client = browser("en")
    client.force_login(world.inspector)
    page = client.get(reverse("inspect:queue")).content.decode()
    assert f'action="{ACCOUNT}"' in page  # not the cookie's set_language

    response = client.post(ACCOUNT, {"language": "zh-hans", "next": ITEMS})

    assert response.status_code == 302
    assert response["Location"] == ITEMS
    assert UserPreference.objects.get(user=world.inspector).language == "zh-hans"


@pytest.mark.django_db
def test_the_switch_goes_nowhere_outside_the_site(world):
    client = browser("en")
    client.force_login(world.inspector)
    response = client.post(
        ACCOUNT, {"language": "en", "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == ACCOUNT


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_sign_in_page_follows_the_browser(world, language):
    UserPreference.objects.create(user=world.merchant_user, language="en")
    response = browser(language).get(LOGIN)
    assert page_language(response) == language
    assert f'<html lang="{language}">' in response.content.decode()


@pytest.mark.django_db
def test_signing_out_leaves_the_next_page_to_the_browser(world):
    UserPreference.objects.create(user=world.merchant_user, language="en")
    client = browser("zh-hans")
    client.force_login(world.merchant_user)
    client.post(reverse("logout"))
    assert page_language(client.get(LOGIN)) == "zh-hans"


@pytest.mark.django_db
def test_the_api_follows_accept_language_then_the_preference(world):
    UserPreference.objects.create(user=world.merchant_user, language="en")
    client = api_client(world.merchant_user)

    asked = client.get("/api/v1/items/QC-NOPE", HTTP_ACCEPT_LANGUAGE="zh-hans")
    unasked = client.get("/api/v1/items/QC-NOPE")

    assert asked.status_code == unasked.status_code == 404
    assert asked.json()["error"]["code"] == unasked.json()["error"]["code"]
    assert asked["Content-Language"] == "zh-hans"
    assert asked.json()["error"]["message"] == "不存在物品 QC-NOPE。"
    assert unasked["Content-Language"] == "en"
    assert unasked.json()["error"]["message"] == "No item QC-NOPE."


@pytest.mark.django_db
def test_a_saved_preference_reaches_the_api_at_once(world):
    """The preference comes with the cached token; saving it evicts the token."""
    client = api_client(world.merchant_user)
    assert client.get("/api/v1/items/QC-NOPE")["Content-Language"] == "zh-hans"

    preference_save(user=world.merchant_user, language="en")

    assert client.get("/api/v1/items/QC-NOPE")["Content-Language"] == "en"


@pytest.mark.django_db
def test_a_session_api_caller_without_accept_language_gets_the_preference(world):
    UserPreference.objects.create(user=world.inspector, language="en")
    client = Client()
    client.force_login(world.inspector)
    response = client.get("/api/v1/items/QC-NOPE")
    assert response["Content-Language"] == "en"
    response = client.get("/api/v1/items/QC-NOPE", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preference", "browser_language", "subject"),
    [
        ("en", "zh-hans", "Reset your QC warehouse password"),
        ("zh-hans", "en", "重置您的质检仓密码"),
        ("", "en", "Reset your QC warehouse password"),
    ],
)
def test_a_password_reset_email_goes_in_its_recipients_language(
    world, preference, browser_language, subject
):
    world.inspector.email = "li@example.com"
    world.inspector.save()
    UserPreference.objects.create(user=world.inspector, language=preference)

    browser(browser_language).post(
        reverse("password_reset"), {"email": "li@example.com"}
    )

    assert [m.subject for m in mail.outbox] == [subject]


def render(source: str, **context) -> str:
    return Template("{% load qcw %}" + source).render(Context(context))


def test_typed_text_is_marked_as_data_with_its_language():
    assert render("{{ t|typed:'zh-hans' }}", t="边缘有<裂>") == (
        '<span lang="zh-hans" translate="no" data-typed>边缘有&lt;裂&gt;</span>'
    )
    assert render("{{ t|typed }}", t="Jade") == (
        '<span translate="no" data-typed>Jade</span>'
    )
    assert render("{{ t|typed|default:'-' }}", t="") == "-"


@pytest.mark.django_db
def test_the_timeline_marks_a_typed_reason_and_a_typed_parameter(world):
    item = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
    )
    typed = ItemEvent(
        item=item, to_state="held", reason="边缘有裂", reason_lang="zh-hans"
    )
    appealed = ItemEvent(
        item=item,
        to_state="inspecting",
        reason_code="merchant_appealed",
        reason_params={"reason": "重量<正确>"},
    )
    with translation.override("en"):
        assert render("{% event_reason e %}", e=typed) == (
            '<span lang="zh-hans" translate="no" data-typed>边缘有裂</span>'
        )
        assert render("{% event_reason e %}", e=appealed) == (
            'Merchant appealed: <span translate="no" data-typed>重量&lt;正确&gt;</span>'
        )


@pytest.mark.django_db
def test_a_refusal_names_the_state_in_the_readers_language(world):
    item = f.ItemFactory(
        notice=f.NoticeFactory(merchant=world.merchant, warehouse=world.gz),
        category=world.jade,
    )
    lifecycle.item_receive(item=item, actor=world.supervisor)
    with translation.override("zh-hans"):
        refusal = lifecycle.item_refusal(item, "passed")
    assert "已收货" in refusal.message
    assert "received" not in refusal.message
    assert refusal.fields["state"] == "received"  # the code stays the code
    assert refusal.code == "invalid_transition"
