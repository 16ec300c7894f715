"""Label waves: the parcels of one carrier packed at one station, booked and
labelled together by one job, and printed together."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from warehouse.models import Carrier, Station, Warehouse


class Wave(models.Model):
    """One carrier's parcels packed at one station, labelled by one job.

    A wave is open while packing adds parcels to it (one open wave per
    warehouse, carrier and station); its job closes it when it starts (or
    the pack that fills it does), books every parcel with the carrier and
    renders their labels. ``labelled_at``: every parcel of it was booked;
    ``printed_at``: the station marked the whole wave printed.
    """

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="waves"
    )
    carrier = models.CharField(_("carrier"), max_length=8, choices=Carrier.choices)
    # The packing station (None: packed by a supervisor at no station).
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("station"),
    )
    size = models.PositiveIntegerField(_("parcels"), default=0)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    labelled_at = models.DateTimeField(_("labelled at"), null=True, blank=True)
    printed_at = models.DateTimeField(_("printed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("label wave")
        verbose_name_plural = _("label waves")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "carrier", "station"],
                condition=Q(closed_at=None),
                nulls_distinct=False,
                name="wave_one_open_per_station",
            )
        ]

    def __str__(self):
        return f"W{self.pk}"
