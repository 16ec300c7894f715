"""The buyer's-return pages: the inspector's return queue, the comparison
form (certified values beside the fields, the live verdict), a return
inspection's page, the supervisor's disputes page and the item page's
"Buyer's returns" section."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from inspection.models import ReturnInspection
from tests.fulfilment.conftest import certified, run_jobs
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.common.context_processors import navigation_for
from warehouse.models import ItemState, ReturnNotice, ReturnNoticeItem

S = ItemState
SAME = {"weight_g": "52.31", "material": "和田玉", "condition": "as_certified"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def signed_in(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def returned(world):
    """A certified jade item sold, released and received back from its buyer."""
    item = certified(world)
    actor = world.inspector
    if item.state == S.CERTIFIED:
        item = lifecycle.item_allocate(item=item, actor=actor)
    item = lifecycle.item_pack(item=item, actor=actor)
    item = lifecycle.item_release(item=item, actor=actor)
    notice = ReturnNotice.objects.create(
        return_id=f"R-{item.code}",
        merchant=item.merchant,
        warehouse=item.warehouse,
        order_ref="P-1",
        reason="no_reason",
        carrier="sf",
        tracking_number=f"SF{item.pk:010d}",
    )
    ReturnNoticeItem.objects.create(notice=notice, item=item)
    item = lifecycle.item_return_receive(item=item, actor=world.station)
    assert item.state == S.RETURN_RECEIVED
    return item


def compare_url(item):
    return reverse("inspect:return-compare", kwargs={"code": item.code})


def preview_url(item):
    return reverse("inspect:return-preview", kwargs={"code": item.code})


def mismatched(client, world, item) -> ReturnInspection:
    """The inspector records a weight 2 g off: a mismatch awaiting sign-off."""
    signed_in(client, world.inspector)
    response = client.post(compare_url(item), {**SAME, "weight_g": "54.31"})
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = ReturnInspection.objects.get(item=item)
    assert inspection.verdict == "mismatch"
    assert inspection.status == ReturnInspection.Status.AWAITING_SIGNOFF
    return inspection


# --- who may open what -------------------------------------------------------------


@pytest.mark.parametrize(
    "name, allowed",
    [
        ("inspect:return-queue", ("inspector", "supervisor")),
        ("inspect:return-disputes", ("supervisor",)),
    ],
)
def test_page_access_by_role(client, world, qc, name, allowed):
    """Staff pages: their roles get 200, a merchant 403, an anonymous visitor
    goes to sign in."""
    url = reverse(name)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/login" in anonymous["Location"] or "next=" in anonymous["Location"]
    people = {
        "inspector": world.inspector,
        "supervisor": world.supervisor,
        "merchant": world.merchant_user,
    }
    for role, user in people.items():
        signed_in(client, user)
        expected = 200 if role in allowed else 403
        assert client.get(url).status_code == expected, role


def test_menu_names_returns_for_inspectors_and_disputes_for_supervisors():
    def names(role):
        return [e["name"] for e in navigation_for(role)]

    assert "inspect:return-queue" in names("inspector")
    assert "inspect:return-disputes" not in names("inspector")
    assert {"inspect:return-queue", "inspect:return-disputes"} <= set(
        names("supervisor")
    )
    for role in ("merchant", "operator"):
        assert "inspect:return-queue" not in names(role)
        assert "inspect:return-disputes" not in names(role)


def test_compare_form_is_for_staff_of_the_items_warehouse(client, world, qc):
    """A merchant is refused the form (403); an inspector of another
    warehouse does not learn the item exists (404)."""
    item = returned(world)
    signed_in(client, world.merchant_user)
    assert client.get(compare_url(item)).status_code == 403
    elsewhere = f.UserFactory(username="sih-inspector")
    f.StaffFactory(user=elsewhere, warehouse=world.sih)
    signed_in(client, elsewhere)
    assert client.get(compare_url(item)).status_code == 404
    assert client.post(preview_url(item), SAME).status_code == 404


# --- the queue and the form ----------------------------------------------------------


def test_queue_lists_returned_items_with_their_compare_link(client, world, qc):
    item = returned(world)
    certified_only = certified(world)
    signed_in(client, world.inspector)
    body = client.get(reverse("inspect:return-queue")).content.decode()
    assert item.code in body
    assert compare_url(item) in body
    assert certified_only.code not in body


def test_form_shows_the_certified_values_beside_the_fields(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    response = client.get(compare_url(item))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="certified-weight">52.310 g<' in body
    assert 'name="weight_g"' in body
    assert 'name="material"' in body
    assert reverse("inspect:return-preview", kwargs={"code": item.code}) in body


def test_preview_judges_without_writing(client, world, qc):
    """The live verdict: 2 g off is a mismatch, the same weight matches, an
    empty form says what is missing; nothing is recorded."""
    item = returned(world)
    signed_in(client, world.inspector)
    off = client.post(preview_url(item), {**SAME, "weight_g": "54.31"})
    assert off.status_code == 200
    assert 'data-verdict="mismatch"' in off.content.decode()
    same = client.post(preview_url(item), SAME)
    assert 'data-verdict="matches"' in same.content.decode()
    empty = client.post(preview_url(item), {})
    assert empty.status_code == 200
    assert 'data-verdict=""' in empty.content.decode()
    assert not ReturnInspection.objects.exists()
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED


def test_submitting_a_match_creates_the_inspection_and_redirects(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    response = client.post(compare_url(item), SAME)
    inspection = ReturnInspection.objects.get(item=item)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "inspect:return-inspection", kwargs={"inspection_id": inspection.pk}
    )
    assert inspection.verdict == "matches"
    assert inspection.status == ReturnInspection.Status.CLOSED
    assert inspection.inspected_by == world.inspector
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "matches the certified item" in page.content.decode()


def test_a_missing_field_is_shown_and_nothing_written(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    response = client.post(
        compare_url(item), {k: v for k, v in SAME.items() if k != "weight_g"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="form-error"' in body
    assert 'value="和田玉"' in body  # what was typed stays in the form
    assert not ReturnInspection.objects.exists()


def test_a_refused_item_is_said_so(client, world, qc):
    """An item no buyer returned: the form says why (the service's refusal)
    and offers no input."""
    item = certified(world)
    signed_in(client, world.inspector)
    body = client.get(compare_url(item)).content.decode()
    assert 'data-testid="read-only"' in body
    assert "cannot become" in body
    assert 'name="weight_g"' not in body
    response = client.post(compare_url(item), SAME)
    assert response.status_code == 409
    assert not ReturnInspection.objects.exists()


# --- sign-off and decisions ---------------------------------------------------------


def test_queue_opens_a_comparison_awaiting_its_sign_off(client, world, qc):
    """Its inspector sees the item lead to the comparison waiting (no second
    comparison); a second inspector is offered the sign-off in the queue."""
    inspection = mismatched(client, world, returned(world))
    body = client.get(reverse("inspect:return-queue")).content.decode()
    page = reverse("inspect:return-inspection", kwargs={"inspection_id": inspection.pk})
    sign_off = reverse(
        "inspect:return-sign-off", kwargs={"inspection_id": inspection.pk}
    )
    assert page in body
    assert compare_url(inspection.item) not in body
    assert sign_off not in body
    signed_in(client, qc.inspector2)
    assert sign_off in client.get(reverse("inspect:return-queue")).content.decode()


def test_disputes_page_lists_what_awaits_a_sign_off(client, world, qc):
    inspection = mismatched(client, world, returned(world))
    signed_in(client, world.supervisor)
    body = client.get(reverse("inspect:return-disputes")).content.decode()
    assert inspection.item.code in body
    assert (
        reverse("inspect:return-sign-off", kwargs={"inspection_id": inspection.pk})
        in body
    )


def test_the_inspector_may_not_sign_off_their_own(client, world, qc):
    """The service refuses; its message is shown and nothing changes."""
    inspection = mismatched(client, world, returned(world))
    url = reverse("inspect:return-sign-off", kwargs={"inspection_id": inspection.pk})
    response = client.post(url, {"approve": "yes"}, follow=True)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == ReturnInspection.Status.AWAITING_SIGNOFF


def test_supervisor_disagrees_then_returns_the_item_to_its_merchant(client, world, qc):
    item = returned(world)
    inspection = mismatched(client, world, item)
    signed_in(client, world.supervisor)
    url = reverse("inspect:return-sign-off", kwargs={"inspection_id": inspection.pk})
    # Disagreeing needs a note: refused and shown without one.
    refused = client.post(url, {"approve": "no"}, follow=True)
    assert 'class="error"' in refused.content.decode()
    client.post(url, {"approve": "no", "note": "称重复核, 重量一致"})
    inspection.refresh_from_db()
    item.refresh_from_db()
    assert inspection.status == ReturnInspection.Status.DISPUTED
    assert item.state == S.DISPUTED
    body = client.get(reverse("inspect:return-disputes")).content.decode()
    assert f'data-code="{item.code}"' in body
    decide = reverse("inspect:return-decide", kwargs={"code": item.code})
    assert decide in body
    response = client.post(
        decide, {"decision": "return_to_merchant", "reason": "Seal missing"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == S.RETURNING


def test_supervisor_sends_a_disputed_item_to_be_compared_again(client, world, qc):
    item = returned(world)
    inspection = mismatched(client, world, item)
    signed_in(client, world.supervisor)
    client.post(
        reverse("inspect:return-sign-off", kwargs={"inspection_id": inspection.pk}),
        {"approve": "no", "note": "Weigh again"},
    )
    response = client.post(
        reverse("inspect:return-decide", kwargs={"code": item.code}),
        {"decision": "reinspect", "reason": "Scale recalibrated"},
    )
    assert response.status_code == 302
    assert response["Location"] == compare_url(item)
    item.refresh_from_db()
    assert item.state == S.RETURN_INSPECTING


def test_an_inspector_may_not_decide(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    response = client.post(
        reverse("inspect:return-decide", kwargs={"code": item.code}),
        {"decision": "return_to_merchant", "reason": "x"},
    )
    assert response.status_code == 403


# --- the item page ------------------------------------------------------------------


def test_item_page_lists_the_buyers_returns(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    before = client.get(reverse("inspect:item-detail", kwargs={"code": item.code}))
    assert compare_url(item) in before.content.decode()
    client.post(compare_url(item), SAME)
    inspection = ReturnInspection.objects.get(item=item)
    for user in (world.inspector, world.merchant_user):
        signed_in(client, user)
        body = client.get(
            reverse("inspect:item-detail", kwargs={"code": item.code})
        ).content.decode()
        assert 'data-testid="buyer-returns"' in body
        assert "matches the certified item" in body
    signed_in(client, world.merchant_user)
    body = client.get(
        reverse("inspect:item-detail", kwargs={"code": item.code})
    ).content.decode()
    assert (
        reverse("inspect:return-inspection", kwargs={"inspection_id": inspection.pk})
        not in body
    )


def test_return_photos_are_added_and_shown_beside_the_certified_ones(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    client.post(compare_url(item), SAME)
    inspection = ReturnInspection.objects.get(item=item)
    url = reverse("inspect:return-photo-add", kwargs={"inspection_id": inspection.pk})
    response = client.post(
        url, {"image": SimpleUploadedFile("p.png", png(), "image/png")}
    )
    assert response.status_code == 302
    photo = inspection.photos.get()
    body = client.get(response["Location"]).content.decode()
    assert 'data-testid="return-photos"' in body
    assert (
        reverse(
            "inspection:return-inspection-photo-file",
            kwargs={"inspection_id": inspection.pk, "photo_id": photo.pk},
        )
        in body
    )
    bad = client.post(
        url, {"image": SimpleUploadedFile("p.png", b"not an image", "image/png")}
    )
    assert bad.status_code == 302
    assert inspection.photos.count() == 1
    page = client.get(bad["Location"]).content.decode()
    assert 'class="error"' in page


def test_the_signed_report_is_linked_once_rendered(client, world, qc):
    item = returned(world)
    signed_in(client, world.inspector)
    client.post(compare_url(item), SAME)
    inspection = ReturnInspection.objects.get(item=item)
    page_url = reverse(
        "inspect:return-inspection", kwargs={"inspection_id": inspection.pk}
    )
    report = reverse(
        "inspection:return-inspection-report", kwargs={"pk": inspection.pk}
    )
    assert report not in client.get(page_url).content.decode()
    run_jobs()
    inspection.refresh_from_db()
    assert inspection.report
    assert report in client.get(page_url).content.decode()
    signed_in(client, world.merchant_user)
    body = client.get(
        reverse("inspect:item-detail", kwargs={"code": item.code})
    ).content.decode()
    assert report in body


def test_photos_taken_with_the_comparison_are_recorded_with_it(client, world, qc):
    """Photos posted with the form are added in the comparison's transaction
    (so its report has them); an unreadable one refuses the whole."""
    item = returned(world)
    signed_in(client, world.inspector)
    bad = client.post(
        compare_url(item),
        {**SAME, "images": [SimpleUploadedFile("x.png", b"nope", "image/png")]},
    )
    assert bad.status_code == 400
    assert 'data-testid="form-error"' in bad.content.decode()
    assert not ReturnInspection.objects.exists()
    item.refresh_from_db()
    assert item.state == S.RETURN_RECEIVED
    response = client.post(
        compare_url(item),
        {
            **SAME,
            "images": [
                SimpleUploadedFile("a.png", png(), "image/png"),
                SimpleUploadedFile("b.png", png(), "image/png"),
            ],
        },
    )
    assert response.status_code == 302
    assert ReturnInspection.objects.get(item=item).photos.count() == 2
