"""Reference rows kept in each process for a minute: warehouses, merchants,
categories, locations.

The scan path reads an item by its indexed code and nothing else; the names
it shows come from here. Joining four tables instead cost more CPU (query
compilation, five model objects) than everything else a lookup does. Saving
or deleting a row evicts it in this process at once; other processes see the
change within ``TTL_SECONDS``.
"""

from ..models import Category, Item, Location, Merchant, Warehouse
from .cache import TTLCache, evict_on

TTL_SECONDS = 60.0
MAX_ROWS = 20_000  # per model; past that the cache starts over


def _loader(model):
    def load(pk):
        return None if pk is None else model._default_manager.get(pk=pk)

    return load


# ``CACHES[Model].get(pk)``: the row, from memory when fresh.
CACHES = {
    model: TTLCache(
        f"{model._meta.label} rows",
        ttl=TTL_SECONDS,
        max_size=MAX_ROWS,
        load=_loader(model),
    )
    for model in (Warehouse, Merchant, Category, Location)
}

for _model, _cache in CACHES.items():
    evict_on(_model, _cache, key=lambda instance: instance.pk)


def item_attach_references(item: Item) -> Item:
    """Give ``item`` its warehouse, merchant, category and location from the cache."""
    item.warehouse = CACHES[Warehouse].get(item.warehouse_id)
    item.merchant = CACHES[Merchant].get(item.merchant_id)
    item.category = CACHES[Category].get(item.category_id)
    item.location = CACHES[Location].get(item.location_id)
    return item
