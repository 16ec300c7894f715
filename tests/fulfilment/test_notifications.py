"""E-mail in words people read, in the recipient's language.

The job stores what to say (the e-mail's code and params) and the
recipient's languages; the words are rendered when it is sent: a merchant's
in their language whoever acted, a buyer's in Chinese then English. A job
recorded before e-mails were codes is sent as written.
"""

import pytest
from django.utils import translation

from tests.fulfilment.conftest import (
    certified,
    failed,
    label_scan,
    run_jobs,
    tracking_of,
)
from tests.fulfilment.test_release import ordered
from warehouse.common.jobs import job_record
from warehouse.models import Job

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "subject", "sentence"),
    [
        ("en", "Item {code}: failed", "is now failed."),
        ("zh-hans", "物品 {code}：不合格", "现在的状态是 不合格。"),  # noqa: RUF001
    ],
)
def test_the_merchant_hears_the_verdict_named_in_their_language(
    world, qc, mailoutbox, language, subject, sentence
):
    world.merchant.contact_email = "qc@merchant.example"
    world.merchant.language = language
    world.merchant.save()
    with translation.override(language):
        item = failed(world, qc)
        run_jobs()

    mails = [mail for mail in mailoutbox if item.code in mail.subject]
    assert [mail.to for mail in mails] == [["qc@merchant.example"]]
    assert mails[0].subject == subject.format(code=item.code)
    assert sentence in mails[0].body


def test_an_email_recorded_in_english_goes_out_in_the_merchants_chinese(
    world, qc, mailoutbox
):
    """The inspector works in English; the merchant reads Chinese: the job
    holds the facts, not the inspector's words, and the reason is the
    event's, rendered in Chinese too."""
    world.merchant.contact_email = "qc@merchant.example"
    world.merchant.language = "zh-hans"
    world.merchant.save()
    with translation.override("en"):
        item = failed(world, qc)
    job = Job.objects.get(name="fulfilment.email_send")
    assert job.args["message"] == "item_verdict"
    assert job.args["languages"] == ["zh-hans"]
    assert job.args["params"]["state"] == "failed"
    assert "subject" not in job.args and "body" not in job.args
    with translation.override("en"):
        run_jobs()

    (mail,) = [mail for mail in mailoutbox if item.code in mail.subject]
    assert mail.subject == f"物品 {item.code}：不合格"  # noqa: RUF001
    assert f"您的物品 {item.code}" in mail.body
    assert "Inspection #" not in mail.body
    assert "质检" in mail.body.splitlines()[1]  # the verdict's reason, in Chinese


def test_the_buyer_hears_of_the_parcel_in_chinese_then_english(world, qc, mailoutbox):
    item = certified(world)
    order = ordered(world, item)
    assert label_scan(world.station, tracking_of(item)).status_code == 200
    run_jobs()

    (mail,) = [mail for mail in mailoutbox if mail.to == ["buyer@example.com"]]
    order_id = order.external_id
    assert mail.subject == (
        f"您的订单 {order_id} 已发出 / Your order {order_id} is on its way"
    )
    chinese, english = mail.body.split("\n\n")
    assert chinese.startswith(f"您的订单 {order_id} 已由")
    assert english.startswith(f"Your order {order_id} left our inspection warehouse")


def test_a_job_recorded_before_emails_were_codes_is_sent_as_written(mailoutbox):
    job_record(
        name="fulfilment.email_send",
        args={"to": "old@example.com", "subject": "旧的主题", "body": "旧的正文"},
    )
    run_jobs()
    (mail,) = mailoutbox
    assert (mail.to, mail.subject, mail.body) == (
        ["old@example.com"],
        "旧的主题",
        "旧的正文",
    )
