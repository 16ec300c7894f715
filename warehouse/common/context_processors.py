"""The signed-in person's role and navigation, for the base template."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .access import Role, principal_of

SUPERVISION = (Role.SUPERVISOR, Role.ADMIN)

# (URL name, label, roles that see it), in the order shown.
NAVIGATION = [
    ("portal:items", _("Items"), (Role.MERCHANT,)),
    ("portal:notices", _("Shipments"), (Role.MERCHANT,)),
    ("portal:notice-create", _("Announce"), (Role.MERCHANT,)),
    ("decide:returns-policy", _("Returns"), (Role.MERCHANT,)),
    ("decide:buyer-returns", _("Buyers' returns"), (Role.MERCHANT,)),
    ("portal:tokens", _("API tokens"), (Role.MERCHANT,)),
    ("dashboard:overview", _("Dashboard"), SUPERVISION),
    ("inspect:queue", _("Inspection queue"), (Role.INSPECTOR, *SUPERVISION)),
    ("inspect:decisions", _("Decisions"), SUPERVISION),
    ("inspect:return-queue", _("Returns"), (Role.INSPECTOR, *SUPERVISION)),
    ("inspect:return-disputes", _("Disputes"), SUPERVISION),
    ("station:home", _("Station"), (Role.OPERATOR, *SUPERVISION)),
    ("dock:labels", _("Labels"), (Role.OPERATOR, *SUPERVISION)),
    ("dock:manifests", _("Manifests"), (Role.OPERATOR, *SUPERVISION)),
]


def navigation_for(role: str) -> list[dict]:
    """The pages a role's menu lists; a name with no page yet is left out."""
    entries = []
    for name, label, roles in NAVIGATION:
        if role in roles:
            try:
                entries.append({"url": reverse(name), "label": label, "name": name})
            except NoReverseMatch:
                continue
    return entries


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    principal = principal_of(user)
    entries = navigation_for(principal.role)
    # The entry whose address is the longest prefix of this page is current
    # (the announce page is not also "Shipments").
    matching = [e for e in entries if request.path.startswith(e["url"])]
    current = max(matching, key=lambda e: len(e["url"]), default=None)
    for entry in entries:
        entry["current"] = entry is current
    return {"nav": entries, "principal": principal, "is_admin": user.is_staff}
