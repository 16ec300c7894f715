"""The template admin: a version an inspection used is frozen; a copy is editable."""

import pytest

from inspection.models import InspectionTemplate

from .factories import GOOD_JADE, jade_row, received
from .test_services import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def change_url(template) -> str:
    return f"/admin/inspection/inspectiontemplate/{template.pk}/change/"


def test_an_unused_version_is_editable_a_used_one_is_read_only(admin_client, world, qc):
    page = admin_client.get(change_url(qc.jade_template))
    assert page.status_code == 200
    assert b'name="checks-0-params"' in page.content  # editable inline

    submit(world.inspector, received(world, jade_row()), GOOD_JADE)

    frozen = admin_client.get(change_url(qc.jade_template))
    assert frozen.status_code == 200
    assert b'name="checks-0-params"' not in frozen.content
    posted = admin_client.post(change_url(qc.jade_template), {"aql": "0.65"})
    assert posted.status_code == 403
    qc.jade_template.refresh_from_db()
    assert str(qc.jade_template.aql) == "2.50"


def test_copy_as_new_version_puts_an_editable_copy_in_force(admin_client, world, qc):
    submit(world.inspector, received(world, jade_row()), GOOD_JADE)

    response = admin_client.post(
        "/admin/inspection/inspectiontemplate/",
        {"action": "copy_as_new_version", "_selected_action": [qc.jade_template.pk]},
        follow=True,
    )

    assert response.status_code == 200
    new = InspectionTemplate.objects.get(category=world.jade, version=2)
    assert [c.key for c in new.checks.all()] == [
        c.key for c in qc.jade_template.checks.all()
    ]
    assert admin_client.get(change_url(new)).status_code == 200
    assert b'name="checks-0-params"' in admin_client.get(change_url(new)).content


def test_a_check_with_bad_params_is_refused_in_the_admin(admin_client, world, qc):
    url = change_url(qc.lot_template)
    form = {
        "category": world.lots.pk,
        "aql": "1.0",
        "signoff_above_value": "",
        "notes": "",
        "checks-TOTAL_FORMS": "1",
        "checks-INITIAL_FORMS": "0",
        "checks-MIN_NUM_FORMS": "0",
        "checks-MAX_NUM_FORMS": "1000",
        "checks-0-position": "9",
        "checks-0-key": "weight",
        "checks-0-kind": "weight",
        "checks-0-label": "Weight",
        "checks-0-label_zh": "",
        "checks-0-mandatory": "on",
        "checks-0-on_fail": "fail",
        "checks-0-params": '{"tolerance_mg": -1}',
        "checks-0-template": qc.lot_template.pk,
    }

    response = admin_client.post(url, form)

    assert response.status_code == 200  # the form again, with the error
    assert b"tolerance_mg" in response.content
    assert not qc.lot_template.checks.filter(key="weight").exists()
