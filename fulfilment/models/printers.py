"""A station's label printer, where it is not the default one."""

import re

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from warehouse.models import Station

# A font on a Zebra printer's storage, as ^A@ names it: a drive, a name, an
# extension (E:SIMSUN.FNT, E:ANMDJ.TTF). No comma, caret or tilde can get in.
printer_font_validator = RegexValidator(
    r"^[A-Z]:[A-Z0-9_-]{1,16}\.(FNT|TTF|TTE)\Z",
    _("A printer font is named like E:SIMSUN.FNT (drive, name, extension)."),
    flags=re.IGNORECASE,
)


class StationPrinter(models.Model):
    """The label printer at a station: the CJK font it has, if any.

    A label is rendered once, when its parcel is booked, for the printer of
    the station that packed it (the labels service): with a font named here
    the ZPL sends Chinese as UTF-8 text in that font (``^CI28``, ``^A@``);
    without one (or without a row) Chinese is drawn as bitmaps, which any
    printer prints. Kept here rather than on the station, which the
    warehouse app owns and which knows nothing of labels.
    """

    station = models.OneToOneField(
        Station,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("station"),
    )
    cjk_font = models.CharField(
        _("CJK font"),
        max_length=24,
        blank=True,
        validators=[printer_font_validator],
        help_text=_(
            "The printer's Chinese font, e.g. E:SIMSUN.FNT. Empty: Chinese is "
            "printed as images, which every printer prints."
        ),
    )

    class Meta:
        verbose_name = _("station printer")
        verbose_name_plural = _("station printers")

    def __str__(self):
        return f"{self.station.code} {self.cjk_font or '^GF'}"
