"""Who is calling, and what they may see.

:func:`principal_of` turns a user into a :class:`Principal` (role + scope).
The ``*_scope`` functions narrow a queryset to what that principal may see;
every selector and API view starts from them, so a merchant can never read
another merchant's rows and a station only sees its own warehouse.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from warehouse.models import (
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
)


class Role:
    ADMIN = "admin"
    PLATFORM = "platform"
    STATION = "station"
    MERCHANT = "merchant"
    INSPECTOR = StaffAssignment.Role.INSPECTOR.value
    SUPERVISOR = StaffAssignment.Role.SUPERVISOR.value
    OPERATOR = StaffAssignment.Role.OPERATOR.value
    NONE = "none"


@dataclass(frozen=True)
class Principal:
    user: object
    role: str
    merchant_id: int | None = None
    station: Station | None = None
    warehouse_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def sees_all(self) -> bool:
        return self.role in (Role.ADMIN, Role.PLATFORM)


def _related(user, name):
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


def principal_of(user) -> Principal:
    """The role and scope of ``user``, computed once per request object."""
    cached = getattr(user, "_qcw_principal", None)
    if cached is not None:
        return cached
    principal = _principal_compute(user)
    if user is not None and user.is_authenticated:
        user._qcw_principal = principal
    return principal


def _principal_compute(user) -> Principal:
    if user is None or not user.is_authenticated:
        return Principal(user=user, role=Role.NONE)
    station = _related(user, "station")
    if station is not None:
        if not station.is_active:
            return Principal(user=user, role=Role.NONE)
        return Principal(
            user=user,
            role=Role.STATION,
            station=station,
            warehouse_ids=frozenset({station.warehouse_id}),
        )
    membership = (
        MerchantMembership.objects.select_related("merchant").filter(user=user).first()
    )
    if membership is not None:
        if not membership.merchant.is_active:
            return Principal(user=user, role=Role.NONE)
        return Principal(
            user=user, role=Role.MERCHANT, merchant_id=membership.merchant_id
        )
    if user.is_superuser:
        return Principal(user=user, role=Role.ADMIN)
    if PlatformAccount.objects.filter(user=user).exists():
        return Principal(user=user, role=Role.PLATFORM)
    assignments = list(user.staff_assignments.values_list("role", "warehouse_id"))
    if assignments:
        roles = {role for role, _ in assignments}
        role = next(
            r for r in (Role.SUPERVISOR, Role.INSPECTOR, Role.OPERATOR) if r in roles
        )
        return Principal(
            user=user, role=role, warehouse_ids=frozenset(w for _, w in assignments)
        )
    return Principal(user=user, role=Role.NONE)


def tenant_scope(
    queryset: QuerySet, principal: Principal, *, via: str = ""
) -> QuerySet:
    """The rows of ``queryset`` (with ``merchant``, ``warehouse``) a principal sees.

    Merchants see their own merchant's rows; stations, inspectors and
    supervisors their warehouses'; the platform and admins all; anyone else none.
    ``via`` reaches those fields through a relation (``"item__"`` scopes
    inspections by their item).
    """
    if principal.sees_all:
        return queryset
    if principal.role == Role.MERCHANT:
        return queryset.filter(**{f"{via}merchant_id": principal.merchant_id})
    if len(principal.warehouse_ids) == 1:  # a station: the common, hot case
        return queryset.filter(
            **{f"{via}warehouse_id": next(iter(principal.warehouse_ids))}
        )
    if principal.warehouse_ids:
        return queryset.filter(**{f"{via}warehouse_id__in": principal.warehouse_ids})
    return queryset.none()
