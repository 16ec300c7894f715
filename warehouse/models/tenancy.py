"""Who and where: warehouses and their locations, categories, merchants and
their people, staff assignments, platform accounts and stations.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..fastpath.cache import evict_on
from ..vocabularies import CATEGORY_VOCABULARY, chinese, term_key

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{0,15}$", _("Use capital letters, digits and dashes.")
)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone %(zone)s."), params={"zone": value})


class BilingualName:
    """A row named in English (``name``) and Chinese (``name_zh``): shown
    by the name in the reader's language, the English one where no Chinese
    is set."""

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        return self.name_in()

    @property
    def names_both(self) -> str:
        """Both names, Chinese first (``广州质检仓 Guangzhou Inspection
        Warehouse``), for paper read in both languages."""
        return " ".join(name for name in (self.name_zh, self.name) if name)

    def name_in(self, language: str | None = None) -> str:
        """The name in ``language`` (or the active one)."""
        if self.name_zh and chinese(language):
            return self.name_zh
        return self.name


class Warehouse(BilingualName, models.Model):
    code = models.CharField(
        _("code"), max_length=16, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        validators=[validate_time_zone],
    )
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self):
        return f"{self.code} {self.display_name}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Location(models.Model):
    """A place in a warehouse: a zone, optionally a shelf in it and a bin on that."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="locations"
    )
    zone = models.CharField(_("zone"), max_length=32)
    shelf = models.CharField(_("shelf"), max_length=32, blank=True)
    bin = models.CharField(_("bin"), max_length=32, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, unique=True)

    class Meta:
        ordering = ["warehouse", "zone", "shelf", "bin"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "zone", "shelf", "bin"],
                name="location_unique_place",
            )
        ]

    def __str__(self):
        return "-".join(part for part in (self.zone, self.shelf, self.bin) if part)


class CategoryFlow(models.TextChoices):
    ORDER_FIRST = "order_first", _("order-first (one item per order)")
    STOCK_FIRST = "stock_first", _("stock-first (lots from stock)")


class Category(BilingualName, models.Model):
    """A kind of goods we accept, and which claims a merchant must make for it.

    ``claim_fields`` is a list of ``{"key": ..., "required": bool}``; keys are
    the claim names of :mod:`warehouse.claims` (``material``, ``weight``,
    ``shelf_life``, ``packaging``, ``labels``, ``imei`` …). Inspection
    templates (the ``inspection`` app) hang off this catalogue entry; once a
    category has a template, the template's checks say which claims are
    required and ``claim_fields`` is no longer consulted.

    Categories are a vocabulary (:func:`warehouse.vocabularies.categories`):
    input names one by its code, either name or one of its ``synonyms``
    (the trade's words, in either language), and the code is stored.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    synonyms = models.JSONField(
        _("synonyms"),
        default=list,
        blank=True,
        help_text=_(
            "Other words the trade uses for this category, in either language, "
            'as a list: ["珠宝", "jewelry"].'
        ),
    )
    flow = models.CharField(
        _("flow"),
        max_length=16,
        choices=CategoryFlow.choices,
        default=CategoryFlow.ORDER_FIRST,
    )
    claim_fields = models.JSONField(_("claim fields"), default=list, blank=True)
    # A buyer's return (DESIGN.md section 3): how long after delivery the
    # platform may announce one, counted in calendar days of the warehouse's
    # time zone; whether a no-reason return of opened goods is taken (not for
    # cosmetics or food); whether order-first items leave under an anti-swap
    # seal bound at packing.
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days after delivery)"), default=7
    )
    returns_opened_accepted = models.BooleanField(
        _("takes no-reason returns of opened goods"), default=True
    )
    seal_required = models.BooleanField(_("anti-swap seal at packing"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        """The name in the reader's language (Chinese where it is set)."""
        return self.display_name

    def clean(self):
        """Synonyms are a list of words, none naming another category."""
        super().clean()
        synonyms = self.synonyms
        if not isinstance(synonyms, list) or not all(
            isinstance(word, str) and word.strip() for word in synonyms
        ):
            raise ValidationError({"synonyms": _("Enter a list of words.")})
        self.synonyms = [word.strip() for word in synonyms]
        taken = {}
        others = Category.objects.exclude(pk=self.pk).values_list(
            "code", "name", "name_zh", "synonyms"
        )
        for code, name, name_zh, words in others:
            for word in (code, name, name_zh, *(words or ())):
                if isinstance(word, str) and word.strip():
                    taken.setdefault(term_key(word), code)
        for word in (self.code, self.name, self.name_zh, *self.synonyms):
            if word and term_key(word) in taken:
                raise ValidationError(
                    _("%(word)s already names category %(code)s.")
                    % {"word": word, "code": taken[term_key(word)]}
                )

    @property
    def required_claims(self) -> list[str]:
        return [field["key"] for field in self.claim_fields if field.get("required")]


# Saving or deleting a category rebuilds the category vocabulary.
evict_on(Category, CATEGORY_VOCABULARY)


class Merchant(models.Model):
    code = models.CharField(
        _("code"), max_length=16, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=200)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    return_address = models.TextField(_("return address"), blank=True)
    # The language the merchant's e-mails are written in.
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self):
        return f"{self.code} {self.name}"


class MerchantMembership(models.Model):
    """A user who acts for a merchant in the portal and over the API."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        STAFF = "staff", _("staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="merchant_membership",
    )
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=Role.choices, default=Role.STAFF
    )

    class Meta:
        verbose_name = _("merchant membership")
        verbose_name_plural = _("merchant memberships")

    def __str__(self):
        return f"{self.user} @ {self.merchant.code}"


class StaffAssignment(models.Model):
    """An inspector, supervisor or station operator working at a warehouse.

    An operator signs in to the pages and works at one of the warehouse's
    stations at a time (chosen on the station page); scans made there are
    recorded under the station and the operator.
    """

    class Role(models.TextChoices):
        INSPECTOR = "inspector", _("inspector")
        SUPERVISOR = "supervisor", _("supervisor")
        OPERATOR = "operator", _("station operator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "warehouse"], name="staff_unique_per_warehouse"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.role} @ {self.warehouse.code}"


class PlatformAccount(models.Model):
    """The sales platform's service account: sends orders, reads item states."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="platform_account",
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("platform account")
        verbose_name_plural = _("platform accounts")

    def __str__(self):
        return self.name


class Station(BilingualName, models.Model):
    """A barcode-scanner station at a warehouse.

    It authenticates with the token of its own service user, so each station
    has its own key and the scan log names the station.
    """

    class Kind(models.TextChoices):
        RECEIVING = "receiving", pgettext_lazy("station kind", "receiving")
        INSPECTION = "inspection", pgettext_lazy("station kind", "inspection")
        DOCK = "dock", pgettext_lazy("station kind", "dock")

    code = models.CharField(
        _("code"), max_length=32, unique=True, validators=[code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stations"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.RECEIVING
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="station"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self):
        return f"{self.code} ({self.warehouse.code})"


class UserPreference(models.Model):
    """A person's own settings: the language they read the product in.

    Blank ``language``: follow the browser (``Accept-Language``). The pages,
    the API without ``Accept-Language`` and the e-mails to the person use it
    (``warehouse.common.languages``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Blank: the browser's language."),
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return f"{self.user} {self.language or '-'}"
