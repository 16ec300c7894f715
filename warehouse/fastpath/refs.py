"""Reference rows kept in each process for a minute: warehouses, merchants,
categories, locations.

The scan path reads an item by its indexed code and nothing else; the names
it shows come from here. Joining four tables instead cost more CPU (query
compilation, five model objects) than everything else a lookup does. Saving
or deleting a row evicts it in this process at once; other processes see the
change within ``TTL_SECONDS``.
"""

import time

from django.db.models.signals import post_delete, post_save

from ..models import Category, Item, Location, Merchant, Warehouse

TTL_SECONDS = 60.0
MAX_ROWS = 20_000  # per model; past that the cache starts over


class RowCache:
    """``get(pk)`` for one model, from memory when fresh."""

    def __init__(self, model):
        self.model = model
        self._rows: dict = {}

    def get(self, pk):
        if pk is None:
            return None
        now = time.monotonic()
        hit = self._rows.get(pk)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = self.model._default_manager.get(pk=pk)
        if len(self._rows) >= MAX_ROWS:
            self._rows.clear()
        self._rows[pk] = (now + TTL_SECONDS, row)
        return row

    def evict(self, pk) -> None:
        self._rows.pop(pk, None)

    def clear(self) -> None:
        self._rows.clear()


CACHES = {model: RowCache(model) for model in (Warehouse, Merchant, Category, Location)}


def item_attach_references(item: Item) -> Item:
    """Give ``item`` its warehouse, merchant, category and location from the cache."""
    item.warehouse = CACHES[Warehouse].get(item.warehouse_id)
    item.merchant = CACHES[Merchant].get(item.merchant_id)
    item.category = CACHES[Category].get(item.category_id)
    item.location = CACHES[Location].get(item.location_id)
    return item


def refcache_clear() -> None:
    for cache in CACHES.values():
        cache.clear()


def _evict(sender, instance, **kwargs):
    CACHES[sender].evict(instance.pk)


for _model in CACHES:
    for _signal in (post_save, post_delete):
        _signal.connect(_evict, sender=_model, dispatch_uid=f"refcache-{_model._meta}")
