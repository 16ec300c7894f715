"""What intake and cancellation share: who sends orders, the platform acting,
and the lock that serialises an order's id."""

from django.db import connection

from warehouse.common.access import Principal, Role

ORDER_ROLES = (Role.PLATFORM, Role.ADMIN)


def platform_of(principal: Principal):
    """The platform account acting, or None for an admin."""
    if principal.role != Role.PLATFORM:
        return None
    return getattr(principal.user, "platform_account", None)


def order_id_lock(*external_ids: str) -> None:
    """Serialise accepting orders ``external_ids`` with cancelling them ahead,
    and with other requests accepting them, so that an order and its
    cancellation arriving at once cannot miss each other, and an id is
    judged new by one request at a time (PostgreSQL; SQLite has one writer
    at a time anyway). Locks are taken in the order given: callers sort."""
    if connection.vendor == "postgresql" and external_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext('order:' || id))"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS t(id, n) ORDER BY n",
                [list(external_ids)],
            )
