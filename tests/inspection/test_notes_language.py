"""Text a person typed (an inspection's notes, a sign-off note, a hold
decision's and an appeal's reason) is stored with the language it was typed
in, the request's at save time; pages mark it with that ``lang``, the API
sends it beside the text."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from inspection import services
from inspection.models import Appeal, HoldDecision
from tests.conftest import api_client
from tests.inspection.factories import GOOD_JADE, jade_row, received
from tests.inspection.test_certificates import certified_item
from tests.inspection.test_services import failing, held, submit
from warehouse.common.access import principal_of
from warehouse.models import ItemEvent

pytestmark = pytest.mark.django_db

NOTE = "表面有细微划痕，不影响判定。"  # noqa: RUF001
APPEAL = "这是天然棉絮，不是裂纹。"  # noqa: RUF001


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_inspections_notes_keep_the_typists_language(world, qc, client, language):
    item = received(world, jade_row())

    with translation.override(language):
        inspection = submit(world.inspector, item, GOOD_JADE, notes=NOTE)

    assert (inspection.notes, inspection.notes_lang) == (NOTE, language)
    client.force_login(world.inspector)
    url = reverse("inspect:item-detail", kwargs={"code": item.code})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<span lang="{language}" translate="no" data-typed>{NOTE}</span>' in page
    answer = api_client(world.inspector).get(f"/api/v1/inspections/{inspection.pk}/")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["notes"], answer.json()["notes_lang"]) == (NOTE, language)


def test_no_notes_no_language(world, qc):
    item = received(world, jade_row())

    inspection = submit(world.inspector, item, GOOD_JADE)

    assert (inspection.notes, inspection.notes_lang) == ("", "")


def test_a_hold_decisions_reason_is_marked_with_its_language_on_the_timeline(world, qc):
    item = held(world, qc)

    with translation.override("zh-hans"):
        services.hold_decide(
            principal=principal_of(world.supervisor),
            code=item.code,
            decision="pass",
            reason="快递更换了封条，货品完好。",  # noqa: RUF001
        )

    assert HoldDecision.objects.get(inspection__item=item).reason_lang == "zh-hans"
    event = ItemEvent.objects.filter(item=item).order_by("id").last()
    assert event.reason_params["lang"] == "zh-hans"
    with translation.override("en"):
        shown = Template("{% load qcw %}{% event_reason event %}").render(
            Context({"event": event})
        )
    assert (
        '<span lang="zh-hans" translate="no" data-typed>'
        "快递更换了封条，货品完好。</span>"  # noqa: RUF001
    ) in shown


def test_a_disputed_sign_offs_note_keeps_its_language(world, qc):
    item, inspection = failing(world, qc)
    with translation.override("en"):
        services.inspection_sign_off(
            principal=principal_of(qc.inspector2),
            inspection_id=inspection.pk,
            approve=False,
            note="Looks like an inclusion to me.",
        )
    inspection.refresh_from_db()
    assert inspection.signoff_note_lang == "en"
    disputed = ItemEvent.objects.filter(item=item).order_by("id").last()
    assert disputed.reason_params["lang"] == "en"


def test_an_appeals_reason_keeps_its_language(world, qc):
    item, inspection = failing(world, qc)
    services.inspection_sign_off(
        principal=principal_of(qc.inspector2), inspection_id=inspection.pk
    )

    with translation.override("zh-hans"):
        services.appeal_create(
            principal=principal_of(world.merchant_user),
            code=item.code,
            reason=APPEAL,
        )

    assert Appeal.objects.get(item=item).reason_lang == "zh-hans"
    event = ItemEvent.objects.filter(item=item, reason_code="merchant_appealed").get()
    assert event.reason_params == {
        "reason": APPEAL,
        "lang": "zh-hans",
    }


def test_an_event_stored_before_languages_marks_its_typed_text_without_one():
    event = ItemEvent(reason_code="merchant_appealed", reason_params={"reason": "x<y"})
    with translation.override("en"):
        shown = Template("{% load qcw %}{% event_reason event %}").render(
            Context({"event": event})
        )
    assert '<span translate="no" data-typed>x&lt;y</span>' in shown
    assert "lang=" not in shown


def test_a_revocations_reason_is_shown_in_its_language_on_the_public_page(
    world, qc, client
):
    _item, certificate = certified_item(world)
    with translation.override("zh-hans"):
        services.certificate_revoke(
            principal=principal_of(world.supervisor),
            number=certificate.number,
            reason="表扣在质检后被更换。",
        )

    page = client.get(f"/verify/{certificate.token}", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        '<span lang="zh-hans" translate="no" data-typed>表扣在质检后被更换。</span>'
        in page.content.decode()
    )
    body = client.get(f"/verify/{certificate.token}.json").json()
    assert body["revoked_reason_lang"] == "zh-hans"
