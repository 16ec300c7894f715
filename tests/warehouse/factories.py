"""factory_boy factories for the warehouse app."""

import factory
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from warehouse.codes import item_code_new
from warehouse.models import (
    Category,
    CategoryFlow,
    InboundNotice,
    Item,
    Location,
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
    Warehouse,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-123")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"W{n}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
    city = "Guangzhou"
    time_zone = "Asia/Shanghai"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    warehouse = factory.SubFactory(WarehouseFactory)
    zone = "A"
    shelf = factory.Sequence(lambda n: f"{n:02d}")
    bin = "01"
    barcode = factory.LazyAttribute(
        lambda o: f"L-{o.warehouse.code}-{o.zone}-{o.shelf}-{o.bin}"
    )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = "jewellery-jade"
    name = "Jewellery and jade"
    flow = CategoryFlow.ORDER_FIRST
    claim_fields = [
        {"key": "material", "required": True},
        {"key": "weight", "required": True},
    ]


class LotCategoryFactory(CategoryFactory):
    code = "cosmetics"
    name = "Cosmetics"
    flow = CategoryFlow.STOCK_FIRST
    claim_fields = [
        {"key": "shelf_life", "required": True},
        {"key": "packaging", "required": True},
    ]


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"M{n}")
    name = factory.LazyAttribute(lambda o: f"Merchant {o.code}")


class MerchantUserFactory(UserFactory):
    """A user acting for a merchant (``merchant=`` to choose which)."""

    class Params:
        merchant = factory.SubFactory(MerchantFactory)

    membership = factory.RelatedFactory(
        "tests.warehouse.factories.MembershipFactory",
        factory_related_name="user",
        merchant=factory.SelfAttribute("..merchant"),
    )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MerchantMembership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    code = factory.Sequence(lambda n: f"ST-{n}")
    name = factory.LazyAttribute(lambda o: f"Station {o.code}")
    warehouse = factory.SubFactory(WarehouseFactory)
    user = factory.SubFactory(
        UserFactory,
        username=factory.LazyAttribute(
            lambda o: f"station-{o.factory_parent.code.lower()}"
        ),
    )


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAssignment

    user = factory.SubFactory(UserFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    role = StaffAssignment.Role.INSPECTOR


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformAccount

    user = factory.SubFactory(UserFactory, username="platform")
    name = "Platform"


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundNotice

    merchant = factory.SubFactory(MerchantFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    reference = factory.Sequence(lambda n: f"ASN-{n}")


class ItemFactory(factory.django.DjangoModelFactory):
    """An announced item; for other states drive it through ``warehouse.lifecycle``."""

    class Meta:
        model = Item

    code = factory.LazyFunction(item_code_new)
    notice = factory.SubFactory(NoticeFactory)
    merchant = factory.SelfAttribute("notice.merchant")
    warehouse = factory.SelfAttribute("notice.warehouse")
    line = factory.Sequence(lambda n: n)
    sku = "SKU-1"
    title = "Nephrite bangle"
    category = factory.SubFactory(CategoryFactory)
    claim = {"material": "nephrite jade", "weight_mg": 52310}


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key
