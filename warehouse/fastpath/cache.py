"""Values kept in each process for a few seconds, and what evicts them.

One class, :class:`TTLCache`, holds every per-process cache of the product
(reference rows, verified API tokens, active webhook endpoints). One registry,
:func:`evict_on`, says which saved or deleted model rows evict what from which
cache: the eviction happens in the process that made the change, at once;
other processes see the change when their entry's time is up.
:func:`evictions` lists the registry (a test pins it) and :func:`caches_clear`
empties every cache (tests do, between tests).
"""

import threading
import time
import weakref
from collections.abc import Callable, Hashable

from django.db.models.signals import post_delete, post_save

_MISSING = object()
_caches: "weakref.WeakSet[TTLCache]" = weakref.WeakSet()


class TTLCache:
    """A bounded map whose entries expire ``ttl`` seconds after they were put.

    ``ttl`` is a number or a function returning one, read at each put (so a
    setting changed at run time applies); 0 or less stores nothing. With
    ``load``, :meth:`get` fills a missing or expired entry with
    ``load(key)``. Past ``max_size`` entries the cache starts over (the sizes
    are far above what a process holds). Reads take no lock; writes do, so
    threads of one worker never see a half-made change.
    """

    def __init__(
        self,
        name: str,
        *,
        ttl: float | Callable[[], float],
        max_size: int,
        load: Callable[[Hashable], object] | None = None,
    ):
        self.name = name
        self._ttl = ttl
        self.max_size = max_size
        self._load = load
        self._entries: dict = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def __repr__(self) -> str:
        return f"<TTLCache {self.name}>"

    def get(self, key, default=None):
        """The fresh value at ``key``; else loaded (with ``load``) or ``default``."""
        hit = self._entries.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        if self._load is None:
            return default
        value = self._load(key)
        self.put(key, value)
        return value

    def put(self, key, value) -> None:
        ttl = self._ttl() if callable(self._ttl) else self._ttl
        if ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_size and key not in self._entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + ttl, value)

    def evict(self, key) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def evict_where(self, predicate: Callable[[object, object], bool]) -> None:
        """Evict every entry for which ``predicate(key, value)`` is true."""
        with self._lock:
            for key, (_expiry, value) in list(self._entries.items()):
                if predicate(key, value):
                    del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# --- the eviction registry ------------------------------------------------------

# model → [(cache, key, where)], in registration order.
_evictions: dict[type, list[tuple[TTLCache, Callable | None, Callable | None]]] = {}


def evict_on(
    model: type,
    cache: TTLCache,
    *,
    key: Callable | None = None,
    where: Callable | None = None,
) -> None:
    """After a row of ``model`` is saved or deleted, evict from ``cache``: the
    entry at ``key(instance)``; or the entries for which
    ``where(instance, cached_key, cached_value)`` is true; or, with neither,
    everything. Registering the same cache for a model again replaces it."""
    rules = _evictions.setdefault(model, [])
    rules[:] = [rule for rule in rules if rule[0] is not cache]
    rules.append((cache, key, where))
    uid = f"fastpath-evict-{model._meta.label}"
    for signal in (post_save, post_delete):
        signal.connect(_evict, sender=model, dispatch_uid=uid)


def _evict(sender, instance, **kwargs) -> None:
    for cache, key, where in _evictions.get(sender, ()):
        if key is not None:
            cache.evict(key(instance))
        elif where is not None:
            cache.evict_where(lambda k, v, i=instance, w=where: w(i, k, v))
        else:
            cache.clear()


def evictions() -> dict[str, list[str]]:
    """``{model label: [cache names]}``: what a save or delete of each evicts."""
    return {
        model._meta.label: [cache.name for cache, _key, _where in rules]
        for model, rules in sorted(
            _evictions.items(), key=lambda pair: pair[0]._meta.label
        )
    }


def caches_clear() -> None:
    """Empty every per-process cache (tests do, between tests)."""
    for cache in list(_caches):
        cache.clear()
