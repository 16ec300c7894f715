"""The scan path's speed-ups, in one place.

A scan is a few milliseconds of work, most of it Python building queries and
model objects. What the scan path does differently from plain Django, and
why, is here:

- :mod:`.cache`: per-process caches, one class (:class:`~.cache.TTLCache`:
  bounded, entries expire) and one eviction registry
  (:func:`~.cache.evict_on`: a save or delete of a model row evicts what it
  names, in this process at once; other processes see it when the entry
  expires). The caches: reference rows (:mod:`.refs`: warehouses, merchants,
  categories, locations; a minute), verified API tokens
  (:data:`warehouse.common.auth.TOKENS`; ``API_TOKEN_CACHE_SECONDS``) and the active
  webhook endpoints (:data:`fulfilment.services.notify.ENDPOINTS`; ten
  seconds). ``tests/warehouse/fastpath/test_cache.py`` pins who evicts what.
- :mod:`.statements`: the statements written outside the ORM's per-call
  building (the item read by code, the notice's progress, the scan-log row),
  and :mod:`fulfilment.statements` (the cancelled order of an item being
  received). Each names its ORM version; ``tests/warehouse/fastpath/test_statements.py``
  and ``tests/fulfilment/test_statements.py`` hold each equal to it.

Two flags on the transition functions save round trips; both mean "the
caller already holds the row, in its own transaction":

- ``locked=True`` (:func:`warehouse.lifecycle.item_transition` and the item
  moves built on it, :func:`fulfilment.lifecycle.order_transition`,
  ``shipment_transition``, ``manifest_transition``,
  :func:`warehouse.services.scans.item_receive_scan`): the instance passed was
  read ``SELECT … FOR UPDATE`` (or created) in the current transaction, so the
  transition uses it as read instead of reading and locking it again. Outside
  a transaction the flag is ignored (a lock lasts only as long as the
  transaction that took it), so it can make a move cheaper, never unlocked.
- ``savepoint=False``: the transitions join the caller's transaction
  (``atomic(savepoint=False)``) instead of opening a savepoint, two round trips
  less per move; :func:`~warehouse.services.scans.item_receive_scan` does the
  same when ``locked``. A refusal then spoils the enclosing transaction, as
  any database error would: a caller that wants to carry on after a refusal
  wraps the call in its own ``atomic()``.
"""
