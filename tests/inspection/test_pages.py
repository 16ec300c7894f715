"""The inspector workstation and the item page, through the pages' HTTP."""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from inspection.models import Certificate, Inspection
from tests.fulfilment.conftest import certified, failed, run_jobs
from warehouse.models import ItemEvent, ItemState

from .factories import jade_row, lot_row, received

S = ItemState


def signed_in(client, user):
    client.force_login(user)
    return client


def start(client, item) -> Inspection:
    response = client.post(reverse("inspect:start", kwargs={"code": item.code}))
    assert response.status_code == 302
    return Inspection.objects.get(item=item)


def observe(client, inspection, data: dict, *, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("inspect:observe", kwargs={"inspection_id": inspection.pk}),
        data,
        **headers,
    )


GOOD_ROWS = {
    "material-material": "和田玉",
    "weight-weight_g": "52.31",
    "appearance-result": "yes",
}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# --- who may open what ----------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, world, qc):
    response = client.get(reverse("inspect:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/inspect/")


def test_merchant_may_not_open_the_queue(client, world, qc):
    signed_in(client, world.merchant_user)
    assert client.get(reverse("inspect:queue")).status_code == 403


def test_queue_lists_the_inspectors_warehouse_oldest_first(
    client, world, qc, django_assert_max_num_queries
):
    first = received(world, jade_row())
    second = received(world, jade_row())
    elsewhere = received(world, jade_row(), warehouse="SIH")
    signed_in(client, world.inspector)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inspect:queue"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(first.code) < body.index(second.code)
    assert elsewhere.code not in body


def test_queue_query_count_does_not_grow_with_items(
    client, world, qc, django_assert_num_queries
):
    received(world, jade_row())
    signed_in(client, world.inspector)
    client.get(reverse("inspect:queue"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inspect:queue"))
    for _ in range(15):
        received(world, jade_row())
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("inspect:queue"))
    assert len(many) == len(few)


def test_queue_filters_by_category_and_htmx_answers_the_table_only(client, world, qc):
    jade = received(world, jade_row())
    lot = received(world, lot_row())
    signed_in(client, world.inspector)
    response = client.get(
        reverse("inspect:queue"), {"category": "cosmetics"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert lot.code in body and jade.code not in body
    assert "<html" not in body


def test_scan_opens_the_item_and_unknown_barcodes_are_named(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    response = client.get(reverse("inspect:scan"), {"barcode": item.code})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "inspect:item-detail", kwargs={"code": item.code}
    )
    response = client.get(reverse("inspect:scan"), {"barcode": "QCNOSUCH99"})
    assert response.status_code == 404
    assert "QCNOSUCH99" in response.content.decode()


def test_merchant_sees_own_item_and_not_another_merchants(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.merchant_user)
    page = client.get(reverse("inspect:item-detail", kwargs={"code": item.code}))
    assert page.status_code == 200
    assert item.title in page.content.decode()
    signed_in(client, world.merchant2_user)
    assert (
        client.get(
            reverse("inspect:item-detail", kwargs={"code": item.code})
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("inspect:certificate", kwargs={"code": item.code})
        ).status_code
        == 404
    )


# --- inspecting ----------------------------------------------------------------------


def test_each_check_is_judged_as_it_is_entered(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    inspection = start(client, item)
    assert (
        client.get(
            reverse("inspect:inspection", kwargs={"inspection_id": inspection.pk})
        ).status_code
        == 200
    )
    response = observe(client, inspection, {"weight-weight_g": "52.30"})
    assert response.status_code == 200
    assert 'id="verdict-weight"' in response.content.decode()
    assert 'data-verdict="pass"' in response.content.decode()
    response = observe(client, inspection, {"weight-weight_g": "51.00"})
    assert 'data-verdict="fail"' in response.content.decode()
    weight = inspection.checks.get(key="weight")
    assert weight.verdict == "fail" and weight.observed == {"weight_mg": 51000}


def test_a_bad_value_is_shown_in_its_row_and_nothing_is_written(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    inspection = start(client, item)
    response = observe(client, inspection, {"weight-weight_g": "heavy"})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert inspection.checks.get(key="weight").observed is None


def test_inspection_to_certificate_from_the_pages(
    client, world, qc, django_capture_on_commit_callbacks
):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    inspection = start(client, item)
    assert observe(client, inspection, GOOD_ROWS, htmx=False).status_code == 200
    photo = client.post(
        reverse("inspect:photo-add", kwargs={"inspection_id": inspection.pk}),
        {"image": io.BytesIO(png_bytes()), "caption": "front"},
        HTTP_HX_REQUEST="true",
    )
    assert photo.status_code == 201
    assert inspection.photos.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("inspect:complete", kwargs={"inspection_id": inspection.pk}),
            {"notes": "All as claimed."},
        )
    assert done.status_code == 302
    run_jobs()
    item.refresh_from_db()
    assert item.state == S.CERTIFIED
    page = client.get(reverse("inspect:item-detail", kwargs={"code": item.code}))
    certificate = Certificate.objects.get(item=item)
    assert certificate.number in page.content.decode()
    pdf = client.get(reverse("inspect:certificate", kwargs={"code": item.code}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_photo_that_is_not_an_image_is_refused(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    inspection = start(client, item)
    response = client.post(
        reverse("inspect:photo-add", kwargs={"inspection_id": inspection.pk}),
        {"image": io.BytesIO(b"<script>alert(1)</script>")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert inspection.photos.count() == 0


def test_high_value_items_need_a_second_inspector(
    client, world, qc, django_capture_on_commit_callbacks
):
    item = received(world, jade_row(declared_value="8000"))
    signed_in(client, world.inspector)
    inspection = start(client, item)
    observe(client, inspection, GOOD_ROWS)
    client.post(reverse("inspect:complete", kwargs={"inspection_id": inspection.pk}))
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.AWAITING_SIGNOFF
    # The same inspector sees no sign-off form and cannot sign.
    form = client.get(
        reverse("inspect:inspection", kwargs={"inspection_id": inspection.pk})
    )
    assert "sign-off/" not in form.content.decode()
    signed_in(client, qc.inspector2)
    queue = client.get(reverse("inspect:queue")).content.decode()
    assert "Awaiting your sign-off" in queue or "待您复核" in queue
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("inspect:sign-off", kwargs={"inspection_id": inspection.pk}),
            {"approve": "yes"},
        )
    run_jobs()
    item.refresh_from_db()
    assert item.state == S.CERTIFIED


def test_lots_are_recorded_unit_by_unit(client, world, qc):
    item = received(world, lot_row(quantity=20))
    signed_in(client, world.inspector)
    inspection = start(client, item)
    assert inspection.is_lot
    response = client.post(
        reverse("inspect:unit", kwargs={"inspection_id": inspection.pk}),
        {
            "unit": "1",
            "shelf_life-expiry_date": "2029-06-30",
            "packaging-state": "intact",
        },
    )
    assert response.status_code == 302
    assert inspection.units.count() == 1
    again = client.post(
        reverse("inspect:unit", kwargs={"inspection_id": inspection.pk}),
        {
            "unit": "1",
            "shelf_life-expiry_date": "2029-06-30",
            "packaging-state": "intact",
        },
    )
    assert again.status_code == 409
    assert inspection.units.count() == 1


def test_supervisor_decides_a_held_item(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    inspection = start(client, item)
    observe(client, inspection, {**GOOD_ROWS, "packaging-state": "damaged"})
    client.post(reverse("inspect:complete", kwargs={"inspection_id": inspection.pk}))
    item.refresh_from_db()
    assert item.state == S.HELD
    # An inspector cannot decide.
    client.post(
        reverse("inspect:hold-decide", kwargs={"code": item.code}),
        {"decision": "pass", "reason": "fine"},
    )
    item.refresh_from_db()
    assert item.state == S.HELD
    signed_in(client, world.supervisor)
    client.post(
        reverse("inspect:hold-decide", kwargs={"code": item.code}),
        {"decision": "fail", "reason": "box crushed"},
    )
    item.refresh_from_db()
    assert item.state == S.FAILED


def _failed(world, qc):
    return failed(world, qc)


def test_merchant_appeals_a_failed_item_once(client, world, qc):
    item = _failed(world, qc)
    signed_in(client, world.merchant_user)
    page = client.get(reverse("inspect:item-detail", kwargs={"code": item.code}))
    assert (
        reverse("inspect:appeal", kwargs={"code": item.code}) in page.content.decode()
    )
    client.post(
        reverse("inspect:appeal", kwargs={"code": item.code}),
        {"reason": "It is real nephrite; see the lab report."},
    )
    item.refresh_from_db()
    assert item.state == S.INSPECTING
    assert Inspection.objects.filter(item=item).count() == 2
    # Another merchant cannot appeal it.
    signed_in(client, world.merchant2_user)
    response = client.post(
        reverse("inspect:appeal", kwargs={"code": item.code}), {"reason": "x"}
    )
    assert response.status_code == 404


def test_merchant_asks_for_a_failed_item_back(client, world, qc):
    world.merchant.return_address = "1 Tiyu West Rd, Guangzhou"
    world.merchant.contact_phone = "020-38881234"  # the carrier needs one
    world.merchant.save()
    item = _failed(world, qc)
    signed_in(client, world.merchant_user)
    response = client.post(reverse("decide:return", kwargs={"code": item.code}))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == S.RETURNING
    assert ItemEvent.objects.filter(item=item, to_state=S.RETURNING).count() == 1
    # Asking again changes nothing.
    client.post(reverse("decide:return", kwargs={"code": item.code}))
    assert ItemEvent.objects.filter(item=item, to_state=S.RETURNING).count() == 1
    signed_in(client, world.merchant2_user)
    assert (
        client.post(reverse("decide:return", kwargs={"code": item.code})).status_code
        == 404
    )


def test_certificates_download_as_one_zip(client, world, qc):
    codes = [certified(world).code for _ in range(2)]
    signed_in(client, world.merchant_user)
    response = client.get(reverse("inspect:certificates-zip"), {"code": codes})
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(n.split("-")[0] for n in names) == sorted(codes)
    signed_in(client, world.merchant2_user)
    response = client.get(reverse("inspect:certificates-zip"), {"code": codes})
    assert response.status_code == 404


def test_item_label_reprint_for_staff_only(client, world, qc):
    item = received(world, jade_row())
    signed_in(client, world.inspector)
    response = client.get(reverse("inspect:item-label", kwargs={"code": item.code}))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    signed_in(client, world.merchant_user)
    response = client.get(reverse("inspect:item-label", kwargs={"code": item.code}))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Material", "Weight", "Declared value (CNY)", "grip size"]),
        ("zh-hans", ["材质", "克重", "申报价值（元）", "grip size"]),  # noqa: RUF001
    ],
)
def test_item_page_in_both_languages(client, world, qc, language, names):
    """The claim is named in the reader's language; a key of the merchant's
    own is shown as written."""
    item = received(world, jade_row(grip_size="56 mm"))
    signed_in(client, world.inspector)
    client.cookies["django_language"] = language
    page = client.get(
        reverse("inspect:item-detail", kwargs={"code": item.code}),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.status_code == 200
    assert f'lang="{language}"' in page.content.decode()
    facts = re.findall(r"<dt>([^<]+)</dt>", page.content.decode())
    assert all(name in facts for name in names), facts
    assert "weight mg" not in facts


@pytest.mark.parametrize(
    ("language", "hint"),
    [
        ("en", "Received: waiting in the inspection queue."),
        ("zh-hans", "已收货：在质检队列中等待。"),  # noqa: RUF001
    ],
)
def test_item_page_says_where_the_item_stands(client, world, qc, language, hint):
    item = received(world, jade_row())
    signed_in(client, world.merchant_user)
    client.cookies["django_language"] = language
    page = client.get(reverse("inspect:item-detail", kwargs={"code": item.code}))

    assert f'<p data-testid="state-hint">{hint}</p>' in page.content.decode()
