"""E-mail to the merchant on a verdict, in words people read."""

import pytest
from django.utils import translation

from tests.fulfilment.conftest import failed, run_jobs

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
    world.merchant.save()
    with translation.override(language):
        item = failed(world, qc)
        run_jobs()

    mails = [mail for mail in mailoutbox if item.code in mail.subject]
    assert [mail.to for mail in mails] == [["qc@merchant.example"]]
    assert mails[0].subject == subject.format(code=item.code)
    assert sentence in mails[0].body
