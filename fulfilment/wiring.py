"""How the fulfilment app plugs into the warehouse: every connection it makes.

The extension points and their contracts are declared in
:mod:`warehouse.extensions`; ``tests/test_wiring.py`` pins the result.
"""


def wire() -> None:
    """Connect the fulfilment app; :meth:`FulfilmentConfig.ready` calls it once.

    Running it again changes nothing.
    """
    from warehouse import extensions as ext
    from warehouse.fastpath.cache import evict_on
    from warehouse.models import ItemState as S

    from . import checks, messages, services  # noqa: F401 - checks register
    from .demo import demo_fulfilment_seed
    from .models import WebhookEndpoint
    from .services.buyer_returns import returns_on_item_transition
    from .services.buyer_returns.shipping import JOB as BUYER_RETURN_SHIP
    from .services.buyer_returns.shipping import buyer_return_ship
    from .services.notify import ENDPOINTS
    from .services.shipping.waves import WAVE_JOB, label_wave

    # Webhook endpoints are cached per process: a change forgets them.
    evict_on(WebhookEndpoint, ENDPOINTS)

    # An order-first item whose order was cancelled may be refused at receipt.
    ext.transition_guard_register(
        source=S.ANNOUNCED, target=S.RECEIVED, guard=services.receive_guard
    )
    # Every item move: stock and allocation first, then webhooks and mail.
    ext.transition_observer_register(
        services.stock_on_item_transition, many=services.stock_on_items_transition
    )
    ext.transition_observer_register(services.notify_on_item_transition)
    # A buyer's returned item received, and its comparison's outcome.
    ext.transition_observer_register(returns_on_item_transition)
    # The demo: the living warehouse's orders, parcels, returns and webhooks,
    # after the inspection app's seeders received and inspected it.
    ext.demo_seeder_register(demo_fulfilment_seed)
    # The dock's scans.
    ext.scan_action_register("pack", services.item_pack_scan)
    ext.scan_action_register("release", services.release_scan)
    # Its message codes: its timeline reasons, refusals and e-mails.
    ext.message_catalogue_register(messages.CATALOGUE)
    # A certified item placed (its order, its merchant, the shelf): the jobs
    # of one batch of certificates are taken together.
    ext.job_handler_register(
        "fulfilment.item_certified",
        services.item_certified,
        many=services.items_certified_batch,
        batch=services.PLACE_BATCH,
    )
    for name, fn, queue, atomic in [
        ("fulfilment.order_allocate", services.order_allocate, "default", True),
        # A return parcel's label; a buyer's parcels are labelled in waves,
        # each wave's job committing its parcels in chunks.
        ("fulfilment.shipment_label", services.shipment_label, "labels", True),
        (WAVE_JOB, label_wave, "labels", False),
        ("fulfilment.booking_cancel", services.booking_cancel, "labels", True),
        # A buyer's return sent back to its merchant: its return parcel.
        (BUYER_RETURN_SHIP, buyer_return_ship, "labels", True),
        ("fulfilment.email_send", services.email_send, "notifications", True),
        (
            "fulfilment.webhooks_deliver",
            services.webhooks_deliver,
            "notifications",
            False,
        ),
    ]:
        ext.job_handler_register(name, fn, queue=queue, atomic=atomic)
