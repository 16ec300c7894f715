from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    """Orders, allocation, packing, labels, release, returns, notifications."""

    name = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from warehouse.jobs import job_handler_register
        from warehouse.lifecycle import (
            transition_guard_register,
            transition_observer_register,
        )
        from warehouse.models import ItemState as S
        from warehouse.services import scan_action_register

        from . import checks, services  # noqa: F401 - checks register themselves
        from .models import WebhookEndpoint
        from .services.notify import endpoints_forget

        for signal in (post_save, post_delete):
            signal.connect(endpoints_forget, sender=WebhookEndpoint)

        transition_guard_register(
            source=S.ANNOUNCED, target=S.RECEIVED, guard=services.receive_guard
        )
        transition_observer_register(services.stock_on_item_transition)
        transition_observer_register(services.notify_on_item_transition)
        scan_action_register("pack", services.item_pack_scan)
        scan_action_register("release", services.release_scan)
        for name, fn, queue, atomic in [
            ("fulfilment.item_certified", services.item_certified, "default", True),
            ("fulfilment.order_allocate", services.order_allocate, "default", True),
            ("fulfilment.shipment_label", services.shipment_label, "labels", True),
            ("fulfilment.booking_cancel", services.booking_cancel, "labels", True),
            ("fulfilment.email_send", services.email_send, "notifications", True),
            (
                "fulfilment.webhooks_deliver",
                services.webhooks_deliver,
                "notifications",
                False,
            ),
        ]:
            job_handler_register(name, fn, queue=queue, atomic=atomic)
