"""The per-process caches (warehouse.fastpath.cache): one TTL cache class and
one registry of what a saved or deleted row evicts."""

import pytest

from fulfilment.models import WebhookEndpoint
from fulfilment.services.notify import ENDPOINTS
from tests.warehouse import factories as f
from warehouse.common.auth import TOKENS
from warehouse.fastpath import cache as fastpath
from warehouse.fastpath.cache import TTLCache, caches_clear, evictions
from warehouse.fastpath.refs import CACHES, item_attach_references
from warehouse.models import Merchant, Warehouse


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(fastpath.time, "monotonic", clock)
    return clock


def test_an_entry_lives_for_its_ttl(clock):
    cache = TTLCache("test", ttl=10, max_size=10)
    cache.put("a", 1)
    clock.now += 9.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    assert cache.get("a", "gone") == "gone"


def test_a_missing_or_expired_entry_is_loaded_once_per_ttl(clock):
    loads = []
    cache = TTLCache(
        "test", ttl=5, max_size=10, load=lambda k: loads.append(k) or k * 2
    )
    assert [cache.get(2), cache.get(2), cache.get(3)] == [4, 4, 6]
    clock.now += 5
    assert cache.get(2) == 4
    assert loads == [2, 3, 2]


def test_a_ttl_of_zero_stores_nothing_and_is_read_at_each_put(clock):
    seconds = {"ttl": 0}
    cache = TTLCache("test", ttl=lambda: seconds["ttl"], max_size=10)
    cache.put("a", 1)
    assert cache.get("a") is None
    seconds["ttl"] = 30
    cache.put("a", 1)
    assert cache.get("a") == 1


def test_a_full_cache_starts_over():
    cache = TTLCache("test", ttl=60, max_size=3)
    for key in "abc":
        cache.put(key, key)
    cache.put("a", "again")  # a key it holds: no room needed
    assert len(cache) == 3
    cache.put("d", "d")
    assert len(cache) == 1
    assert cache.get("d") == "d"
    assert cache.get("b") is None


def test_entries_are_evicted_by_key_by_predicate_or_all():
    cache = TTLCache("test", ttl=60, max_size=10)
    for n in range(5):
        cache.put(n, n * n)
    cache.evict(0)
    cache.evict(99)  # not there: nothing happens
    cache.evict_where(lambda key, value: value > 5)
    assert [cache.get(n) for n in range(5)] == [None, 1, 4, None, None]
    caches_clear()
    assert len(cache) == 0


def test_who_evicts_what_is_pinned():
    """A save or delete of each of these models evicts these caches; a new
    cache on the scan path, or a model that stops evicting, shows up here."""
    assert evictions() == {
        "auth.User": ["API tokens"],
        "authtoken.Token": ["API tokens"],
        "fulfilment.WebhookEndpoint": ["active webhook endpoints"],
        "warehouse.Category": ["category vocabulary", "warehouse.Category rows"],
        "warehouse.Location": ["warehouse.Location rows"],
        "warehouse.MerchantMembership": ["API tokens"],
        "warehouse.Merchant": ["warehouse.Merchant rows", "API tokens"],
        "warehouse.PlatformAccount": ["API tokens"],
        "warehouse.StaffAssignment": ["API tokens"],
        "warehouse.Station": ["API tokens"],
        "warehouse.UserPreference": ["API tokens"],
        "warehouse.Warehouse": ["warehouse.Warehouse rows"],
    }


@pytest.mark.django_db
def test_saving_a_row_evicts_it_here_at_once(world, django_assert_num_queries):
    """A reference row read once is served from memory until it is saved;
    saving a merchant also forgets the verified tokens, saving a webhook
    endpoint the active endpoints."""
    item = f.ItemFactory(notice__warehouse=world.gz, notice__merchant=world.merchant)
    item_attach_references(item)
    with django_assert_num_queries(0):
        assert CACHES[Warehouse].get(world.gz.pk).name == "Guangzhou"
    TOKENS.put("key", (world.station, None))
    ENDPOINTS.put("active", [1])

    Warehouse.objects.filter(pk=world.gz.pk).update(name="Canton")  # no signal
    assert CACHES[Warehouse].get(world.gz.pk).name == "Guangzhou"
    world.gz.name = "Canton"
    world.gz.save()
    assert CACHES[Warehouse].get(world.gz.pk).name == "Canton"
    assert TOKENS.get("key") is not None

    Merchant.objects.get(pk=world.merchant.pk).save()
    assert TOKENS.get("key") is None
    assert ENDPOINTS.get("active") == [1]
    endpoint = WebhookEndpoint.objects.create(
        platform=world.platform.platform_account, url="https://hooks.example.com/"
    )
    assert ENDPOINTS.get("active") == [endpoint.pk]
