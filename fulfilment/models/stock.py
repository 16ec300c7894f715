"""Certified goods on the shelf, by SKU (stock-first)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from warehouse.models import Item, Merchant, Warehouse


class StockLot(models.Model):
    """Certified goods on the shelf that no order has claimed yet, by SKU.

    One per certified stock-first item (a lot of ``quantity`` units), or an
    order-first item its merchant kept as stock. ``sell_by`` is the last
    dispatch date on which the units still have the category's minimum
    remaining shelf life; allocation takes the earliest expiry first (FEFO).
    """

    item = models.OneToOneField(Item, on_delete=models.PROTECT, related_name="stock")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    allocated = models.PositiveIntegerField(_("allocated"), default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    sell_by = models.DateField(_("last dispatch date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stock lot")
        verbose_name_plural = _("stock lots")
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("quantity")),
                name="stock_lot_not_over_allocated",
            )
        ]
        indexes = [
            models.Index(
                fields=["merchant", "warehouse", "sku", "expires_on"],
                condition=Q(is_active=True),
                name="stock_lot_fefo_idx",
            )
        ]

    def __str__(self):
        return f"{self.sku} {self.allocated}/{self.quantity}"
