"""The merchant's returns and cancellations page (/decisions/returns/): the
policy the merchant-policy API sets, by form, checked by the API's rules."""

import re

import pytest
from django.test import Client

from fulfilment.models import MerchantPolicy, Shipment
from tests.conftest import api_client

from .conftest import failed

pytestmark = pytest.mark.django_db
URL = "/decisions/returns/"
ADDRESS = {
    "return_name": "翡翠之家 退货组",
    "return_phone": "0757-22334455",
    "return_province": "广东省",
    "return_city": "佛山市",
    "return_lines": "顺德区大良街道 某路 8 号",
    "return_postcode": "528300",
}
SAVED_ADDRESS = {key.removeprefix("return_"): value for key, value in ADDRESS.items()}


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def form(**changes) -> dict:
    return {"on_cancel": "hold", "return_carrier": "zto", **ADDRESS, **changes}


def test_the_page_shows_the_defaults_by_name_and_is_in_the_merchants_menu(world):
    response = client_for(world.merchant_user).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "refuse the item at receiving" in page
    assert "inspect it and hold it for my decision" in page
    assert re.search(r'value="refuse"[^>]* checked>', page)
    assert not re.search(r'value="hold"[^>]* checked>', page)
    assert "SF Express" in page and '<option value="sf" selected>' in page
    assert f'href="{URL}" aria-current="page"' in page  # the menu entry
    assert "csrfmiddlewaretoken" in page


def test_saving_writes_the_whole_policy_and_says_so(world):
    client = client_for(world.merchant_user)
    response = client.post(URL, form(), follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Your returns and cancellations are saved." in response.content.decode()
    policy = MerchantPolicy.objects.get(merchant=world.merchant)
    assert (policy.on_cancel, policy.return_carrier) == ("hold", "zto")
    assert policy.return_to == SAVED_ADDRESS
    # The API reads the same policy; the page shows what was saved.
    api = api_client(world.merchant_user).get("/api/v1/merchant-policy/").json()
    assert api == {
        "on_cancel": "hold",
        "return_carrier": "zto",
        "return_to": SAVED_ADDRESS,
    }
    page = client.get(URL).content.decode()
    assert 'value="528300"' in page and "顺德区大良街道 某路 8 号" in page


def test_an_address_left_blank_clears_it(world):
    client = client_for(world.merchant_user)
    client.post(URL, form())
    blank = dict.fromkeys(ADDRESS, "")
    assert client.post(URL, form(**blank)).status_code == 302
    assert MerchantPolicy.objects.get(merchant=world.merchant).return_to == {}


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"return_postcode": "52830"}, "return_postcode", "six-digit postcode"),
        ({"return_phone": "call me"}, "return_phone", "phone number"),
        ({"return_city": ""}, "return_city", "may not be blank"),
        ({"return_name": "x" * 101}, "return_name", "no more than 100"),
        ({"on_cancel": "burn"}, "on_cancel", "Select a valid choice"),
        ({"return_carrier": "pigeon"}, "return_carrier", "Select a valid choice"),
    ],
)
def test_a_bad_field_is_named_beside_it_and_nothing_is_written(
    world, changes, field, words
):
    MerchantPolicy.objects.create(merchant=world.merchant, on_cancel="refuse")
    response = client_for(world.merchant_user).post(URL, form(**changes))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert words in response.context["form"].errors[field][0]
    page = response.content.decode()
    assert "Nothing was saved." in page and words in page
    policy = MerchantPolicy.objects.get(merchant=world.merchant)
    assert (policy.on_cancel, policy.return_carrier, policy.return_to) == (
        "refuse",
        "sf",
        {},
    )


def test_the_address_follows_the_apis_rules(world):
    """One set of rules: what the API refuses, the page refuses."""
    bad = {**SAVED_ADDRESS, "postcode": "52830"}
    answer = api_client(world.merchant_user).put(
        "/api/v1/merchant-policy/",
        {"return_to": bad},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    page = client_for(world.merchant_user).post(URL, form(return_postcode="52830"))
    assert page.status_code == 400
    (api_words,) = answer.json()["error"]["fields"]["return_to"]["postcode"]
    assert page.context["form"].errors["return_postcode"] == [api_words]


def test_a_merchant_sees_and_edits_only_their_own_policy(world):
    MerchantPolicy.objects.create(
        merchant=world.merchant2, on_cancel="hold", return_to=SAVED_ADDRESS
    )
    mine = client_for(world.merchant_user)
    page = mine.get(URL).content.decode()
    assert "528300" not in page and "翡翠之家" not in page
    mine.post(
        URL,
        form(on_cancel="refuse", return_carrier="yto", **{"return_postcode": "100000"}),
    )
    other = MerchantPolicy.objects.get(merchant=world.merchant2)
    assert (other.on_cancel, other.return_carrier, other.return_to) == (
        "hold",
        "sf",
        SAVED_ADDRESS,
    )
    assert MerchantPolicy.objects.get(merchant=world.merchant).return_carrier == "yto"


@pytest.mark.parametrize(
    "who", ["inspector", "supervisor", "admin", "station", "platform"]
)
def test_other_roles_are_refused(world, who):
    client = client_for(getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403
    assert not MerchantPolicy.objects.exists()


def test_a_stranger_is_sent_to_sign_in(world):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_post_without_the_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.merchant_user)
    assert client.post(URL, form()).status_code == 403
    assert not MerchantPolicy.objects.exists()


def test_a_return_refused_for_want_of_an_address_links_to_the_page(world, qc):
    item = failed(world, qc)
    response = client_for(world.merchant_user).post(
        f"/decisions/items/{item.code}/return/", follow=True
    )
    page = response.content.decode()
    assert "has no return address" in page
    assert f'<a href="{URL}">Set your return address</a>' in page
    assert not Shipment.objects.exists()
    # Staff cannot set a merchant's policy: no link for them.
    staff = client_for(world.supervisor).post(
        f"/decisions/items/{item.code}/return/", follow=True
    )
    assert "has no return address" in staff.content.decode()
    assert f'href="{URL}"' not in staff.content.decode()


def test_the_page_is_in_chinese_for_a_chinese_reader(world):
    page = client_for(world.merchant_user, "zh-hans").get(URL).content.decode()
    assert "顺丰速运" in page  # the carrier, by its Chinese name
    assert "退货与取消" in page
    saved = client_for(world.merchant_user, "zh-hans").post(URL, form(), follow=True)
    assert "退货与取消设置已保存。" in saved.content.decode()


def test_the_page_says_where_returns_go_without_an_address(world):
    client = client_for(world.merchant_user)
    assert (
        "returns are refused until you give one here"
        in client.get(URL).content.decode()
    )
    client.post(URL, form())  # a structured address: no warning
    page = client.get(URL).content.decode()
    assert "your account has none with a phone number." in page
    assert 'data-testid="no-address"' not in page
    client.post(URL, form(**dict.fromkeys(ADDRESS, "")))
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "0757-22334455"
    world.merchant.save()
    page = client_for(world.merchant_user).get(URL).content.decode()
    assert "returns are refused" not in page
    assert '<span translate="no" data-typed>佛山市顺德区 某路 8 号</span>' in page
