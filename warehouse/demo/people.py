"""The demo's people: its users (:func:`demo_user`) and, once seeded, its
people and stations as principals (:func:`demo_people`)."""

from django.conf import settings
from django.contrib.auth import get_user_model

from ..models import Station


def demo_user(username: str, **extra):
    """The demo user ``username``, created with ``extra`` if new."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults=extra
    )
    if created:
        # Outside debug without DEMO_PASSWORD: no password sign-in (the demo
        # admin must not have a published password); tokens still work.
        user.set_password(settings.DEMO_PASSWORD or None)
        user.save(update_fields=["password"])
    return user


def demo_people() -> dict:
    """The demo's people and stations, as principals, by username or code."""
    from ..common.access import principal_of

    users = get_user_model().objects
    who = {
        name: principal_of(users.get(username=name))
        for name in (
            "admin",
            "merchant",
            "merchant2",
            "inspector",
            "inspector2",
            "supervisor",
            "platform",
        )
    }
    for station in Station.objects.select_related("user"):
        who[station.code] = principal_of(station.user)
    return who
