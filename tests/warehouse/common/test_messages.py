"""The message machinery (warehouse.common.messages): a catalogue renders a
code with its params in the language asked for, and the registered
catalogues are one lookup for every stored code."""

import pytest
from django.utils.translation import gettext_lazy as _

from warehouse.common.messages import (
    Catalogue,
    Message,
    message_catalogues,
    message_render,
)

STATES = {"packed": _("packed"), "allocated": _("allocated")}
CATALOGUE = Catalogue(
    "test",
    [
        Message("plain", _("Not found.")),
        Message(
            "moved",
            _("Inspection #%(number)d opened."),
            ("number",),
        ),
        Message(
            "labelled",
            _("Item %(code)s: %(state)s"),
            ("code", "state"),
            {"state": lambda: STATES},
        ),
    ],
)


def test_a_code_renders_in_the_language_asked_for_with_its_labels():
    assert CATALOGUE.render("plain", language="zh-hans") == "未找到。"
    assert CATALOGUE.render("plain", language="en") == "Not found."
    params = {"code": "QX-1", "state": "packed"}
    assert CATALOGUE.render("labelled", params, language="en") == "Item QX-1: packed"
    assert CATALOGUE.render("labelled", params, language="zh-hans") == (
        "物品 QX-1：已打包"  # noqa: RUF001
    )


def test_a_list_of_values_is_shown_as_its_labels_and_an_empty_one_as_none():
    listed = {"code": "QX-1", "state": ["packed", "allocated", "odd"]}
    assert CATALOGUE.render("labelled", listed, language="en") == (
        "Item QX-1: packed, allocated, odd"
    )
    empty = {"code": "QX-1", "state": []}
    assert CATALOGUE.render("labelled", empty, language="en") == "Item QX-1: none"
    assert CATALOGUE.render("labelled", empty, language="zh-hans").endswith("无")


def test_an_unknown_code_renders_as_itself_and_bad_params_do_not_fail():
    assert CATALOGUE.render("no_such_code", {}) == "no_such_code"
    assert CATALOGUE.render("moved", {"number": "x"}, language="en") == (
        "Inspection #%(number)d opened."
    )


def test_fits_names_whether_the_params_hold_what_the_words_name():
    assert CATALOGUE.fits("plain", None)
    assert CATALOGUE.fits("moved", {"number": 1, "more": 2})
    assert not CATALOGUE.fits("moved", {})
    assert not CATALOGUE.fits("no_such_code", {})


def test_a_code_twice_in_one_catalogue_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Catalogue("test", [Message("a", _("Not found.")), Message("a", _("x"))])


# --- the registered catalogues ------------------------------------------------


def test_every_app_registers_its_catalogue_the_warehouses_first():
    assert [c.app for c in message_catalogues()] == [
        "warehouse",
        "inspection",
        "fulfilment",
    ]


def test_no_code_is_in_two_catalogues():
    """One lookup: a code means one thing, whichever app's catalogue has it."""
    seen: dict[str, str] = {}
    twice = []
    for catalogue in message_catalogues():
        for code in catalogue.codes():
            if code in seen:
                twice.append((code, seen[code], catalogue.app))
            seen[code] = catalogue.app
    assert twice == []


def test_codes_render_from_whichever_registered_catalogue_has_them():
    assert message_render("no_label", language="en") == ("The parcel has no label yet.")
    assert message_render("tag_used", language="zh-hans") == "该标签已绑定货品。"
    assert message_render("inspection_opened", {"number": 2}, language="en") == (
        "Inspection #2 opened."
    )
    assert message_render("made_up_code") is None


def test_strict_rendering_refuses_words_missing_their_params():
    assert message_render("inspection_opened", {}, strict=True) is None
    assert message_render("no_label", {}, strict=True) is not None
    assert message_render("made_up_code", {}, strict=True) is None
